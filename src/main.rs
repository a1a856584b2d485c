//! The `private-gke` command: KRM function mode (stdin -> stdout) and package mode.
#![forbid(unsafe_code)]

use clap::{Args, Parser, Subcommand, ValueEnum};
use private_gke::krm::Severity;
use private_gke::{function_config_from_args, migrate, package, process, process_text, Options};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const EXAMPLES: &str = "\
Modes:
  KRM function (no DIR): a ResourceList on stdin, the ResourceList on stdout.
    kpt fn eval PKG --exec ./private-gke -- gke.private=true region=us-central1 private-gke.mode=check
    kpt fn render --allow-exec PKG        (Kptfile: pipeline.mutators: - exec: ./private-gke)
    kustomize build --enable-alpha-plugins --enable-exec DIR   (transformers: [private-gke.yaml])
    cat rl.yaml | private-gke --set gke.private=true > out.yaml
    kubectl get crd containerclusters.container.cnrm.cloud.google.com -o yaml | private-gke | kubectl apply -f -

  Migrate a kpt v0 tree (the Kubeflow 1.1 blueprint) to kpt v1, private-gke in its pipelines:
    private-gke migrate --exec /usr/local/bin/private-gke --set name=kf kubeflow
    private-gke migrate --dry-run kubeflow               (print a diff, write nothing)

  Package mode (DIR): read DIR like kpt does, write changed files back in place.
    private-gke --set region=us-central1 --set zone=us-central1-c examples/blueprint
    private-gke --set private-gke.cluster=kf --set name=kf examples/blueprint
    private-gke --dry-run examples/blueprint            (print a diff, write nothing)
    private-gke --output stdout examples/blueprint      (print the ResourceList, write nothing)
    private-gke --config private-gke.yaml examples/blueprint
    private-gke --config private-gke.yaml --report connectivity.md examples/blueprint

Keys: values the resources carry (gke.private, name, region, zone, location, log-firewalls, the
CIDRs) are settings and setters at once; the function's options take the prefix private-gke.
(private-gke.cluster, private-gke.mode, private-gke.cnrm-version, private-gke.ip-allocation,
private-gke.webhook-firewall, private-gke.check-locations); every other key is a setter value.

Exit status: 0 on success, 1 when the input cannot be read or any result is an error.";

/// Turn a Kubeflow-on-GCP Config Connector blueprint into a private GKE deployment.
#[derive(Parser, Debug)]
#[command(
    name = "private-gke",
    version,
    about,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// A subcommand instead of a function or package run.
    #[command(subcommand)]
    command: Option<Command>,

    /// The functionConfig, from a YAML or JSON file (a ConfigMap or a PrivateGKE object);
    /// replaces the input's functionConfig.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// A setting, option (`private-gke.KEY`) or setter value, like `kpt fn eval -- KEY=VALUE`
    /// (added to `--config`'s ConfigMap or PrivateGKE object, else a ConfigMap
    /// `function-input`); repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    set: Vec<(String, String)>,

    /// Package mode: write nothing, print a unified diff of what would change.
    #[arg(long, requires = "dir", conflicts_with = "output")]
    dry_run: bool,

    /// Package mode: print the resulting ResourceList instead of writing files.
    #[arg(long, value_enum, value_name = "WHERE", requires = "dir")]
    output: Option<OutputTarget>,

    /// Write the connectivity report (Markdown: a table of the flows the private cluster needs
    /// and a Mermaid diagram of its network, blocked flows marked) to FILE; both modes. Never
    /// part of the ResourceList.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,

    /// A package directory (package mode); without it, read a ResourceList on stdin.
    dir: Option<PathBuf>,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
enum Command {
    /// Migrate a kpt v0 package tree (Kptfiles kpt.dev/v1alpha1, `{"$kpt-set":…}` comments) to
    /// kpt v1 for `kpt fn render`, with private-gke in the pipelines and the settings given.
    Migrate(MigrateArgs),
}

/// `private-gke migrate` arguments.
#[derive(Args, Debug)]
struct MigrateArgs {
    /// The settings for the root pipeline's private-gke (a ConfigMap or a PrivateGKE object);
    /// setter values among them also go into the packages' setters files.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// A setting, option (`private-gke.KEY`) or setter value, added to `--config`; repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    set: Vec<(String, String)>,

    /// Run private-gke as an exec function at PATH (kept as written: kpt resolves it from where
    /// it runs) instead of a container image.
    #[arg(long, value_name = "PATH", conflicts_with = "image")]
    exec: Option<String>,

    /// The container image the pipelines run.
    #[arg(long, value_name = "IMAGE", default_value = migrate::DEFAULT_IMAGE)]
    image: String,

    /// Write nothing; print a unified diff of what would change.
    #[arg(long)]
    dry_run: bool,

    /// The root of the package tree.
    dir: PathBuf,
}

/// Where package mode sends its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputTarget {
    /// Standard output, as a ResourceList.
    Stdout,
}

/// `KEY=VALUE` -> (KEY, VALUE); the value may be empty or contain `=`.
fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{s}`")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(message) => {
            let message = private_gke::krm::results::one_line(&message);
            eprintln!("private-gke: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, String> {
    if let Some(Command::Migrate(args)) = &cli.command {
        return run_migrate(args);
    }
    let function_config =
        function_config_from_args(cli.config.as_deref(), &cli.set).map_err(|e| e.to_string())?;
    if let Some(dir) = &cli.dir {
        let options = package::PackageOptions {
            function_config,
            dry_run: cli.dry_run,
            output_stdout: cli.output == Some(OutputTarget::Stdout),
        };
        let outcome = package::run(dir, &options).map_err(|e| e.to_string())?;
        write_report(cli, outcome.report.as_deref())?;
        for result in &outcome.results {
            eprintln!("{}", result.to_line());
        }
        if !outcome.stdout.is_empty() {
            write_stdout(&outcome.stdout)?;
        }
        let code = ExitCode::from(outcome.exit_code() as u8);
        // The process ends here: freeing what the run read would only cost time.
        std::mem::forget(outcome);
        return Ok(code);
    }
    let input = read_stdin()?;
    let options = Options { function_config };
    // Valid UTF-8 is handed over whole, so the parsed document keeps these bytes (no copy).
    let output = match String::from_utf8(input) {
        Ok(text) => process_text(text, &options),
        Err(e) => process(e.as_bytes(), &options),
    }
    .map_err(|e| e.to_string())?;
    write_report(cli, output.report.as_deref())?;
    // kustomize shows none of the results unless the function fails: warnings go to stderr too.
    let shown = if output.under_kustomize {
        Severity::Warning
    } else {
        Severity::Error
    };
    for result in &output.results {
        if !output.results_in_stdout || result.severity <= shown {
            eprintln!("{}", result.to_line());
        }
    }
    write_output(&output.stdout)?;
    let code = ExitCode::from(output.exit_code() as u8);
    // The process ends here: freeing the items, the parsed input and every result one by one
    // would only cost time.
    std::mem::forget(output);
    Ok(code)
}

/// The size of stdin when it is a regular file (a shell's `< file`), so that it is read into
/// a buffer of its size rather than one grown by doubling (up to twice the input held); 0 for a
/// pipe (kpt's), which is read growing. Capped at the input limit.
fn stdin_size_hint() -> usize {
    use std::os::fd::AsFd;
    let size = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|file| file.metadata())
        .ok()
        .filter(|m| m.is_file())
        .map_or(0, |m| m.len());
    let cap = private_gke::limits::max_input_bytes().saturating_add(1);
    usize::try_from(size.min(cap))
        .unwrap_or(0)
        .saturating_add(1)
}

/// `--report FILE`: the report, or a line saying why there is none.
fn write_report(cli: &Cli, report: Option<&str>) -> Result<(), String> {
    let Some(path) = &cli.report else {
        return Ok(());
    };
    let text = report.map(str::to_string).unwrap_or_else(|| {
        "# Connectivity report\n\nNo private cluster was selected: nothing to model (the \
         checks' results say why).\n"
            .to_string()
    });
    std::fs::write(path, text).map_err(|e| format!("--report {}: {e}", path.display()))
}

fn run_migrate(args: &MigrateArgs) -> Result<ExitCode, String> {
    let function_config =
        function_config_from_args(args.config.as_deref(), &args.set).map_err(|e| e.to_string())?;
    let runner = match &args.exec {
        Some(path) => migrate::Runner::Exec(path.clone()),
        None => migrate::Runner::Image(args.image.clone()),
    };
    let options = migrate::MigrateOptions {
        function_config,
        runner,
        dry_run: args.dry_run,
    };
    let outcome = migrate::run(&args.dir, &options)?;
    for result in &outcome.results {
        eprintln!("{}", result.to_line());
    }
    if !outcome.stdout.is_empty() {
        write_stdout(&outcome.stdout)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// All of stdin, never more than one byte past the input limit (`process` refuses larger input
/// in one line), held at its own size: a file redirected to stdin is read into a buffer of its
/// length, piped input is read growing the buffer and then given back what it did not fill.
fn read_stdin() -> Result<Vec<u8>, String> {
    let limit = private_gke::limits::max_input_bytes().saturating_add(1);
    let mut input = Vec::with_capacity(stdin_size_hint());
    std::io::stdin()
        .take(limit)
        .read_to_end(&mut input)
        .map_err(|e| format!("stdin: {e}"))?;
    input.shrink_to_fit();
    Ok(input)
}

/// The function's output, piece by piece through a buffer (it was verified before: nothing of
/// a text that failed is ever written).
fn write_output(text: &private_gke::OutputText) -> Result<(), String> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    text.write_to(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}

fn write_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}
