//! The `private-gke` command: KRM function mode (stdin -> stdout) and package mode.
#![forbid(unsafe_code)]

use clap::{Parser, ValueEnum};
use private_gke::krm::Severity;
use private_gke::{function_config_from_args, package, process, Options};
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

  Package mode (DIR): read DIR like kpt does, write changed files back in place.
    private-gke --set region=us-central1 --set zone=us-central1-c examples/blueprint
    private-gke --set private-gke.cluster=kf --set name=kf examples/blueprint
    private-gke --dry-run examples/blueprint            (print a diff, write nothing)
    private-gke --output stdout examples/blueprint      (print the ResourceList, write nothing)
    private-gke --config private-gke.yaml examples/blueprint

Keys: values the resources carry (gke.private, name, region, zone, location, log-firewalls, the
CIDRs) are settings and setters at once; the function's options take the prefix private-gke.
(private-gke.cluster, private-gke.mode, private-gke.cnrm-version, private-gke.ip-allocation,
private-gke.webhook-firewall, private-gke.check-locations); every other key is a setter value.

Exit status: 0 on success, 1 when the input cannot be read or any result is an error.";

/// Turn a Kubeflow-on-GCP Config Connector blueprint into a private GKE deployment.
#[derive(Parser, Debug)]
#[command(name = "private-gke", version, about, after_help = EXAMPLES)]
struct Cli {
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

    /// A package directory (package mode); without it, read a ResourceList on stdin.
    dir: Option<PathBuf>,
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
    let function_config =
        function_config_from_args(cli.config.as_deref(), &cli.set).map_err(|e| e.to_string())?;
    if let Some(dir) = &cli.dir {
        let options = package::PackageOptions {
            function_config,
            dry_run: cli.dry_run,
            output_stdout: cli.output == Some(OutputTarget::Stdout),
        };
        let outcome = package::run(dir, &options).map_err(|e| e.to_string())?;
        for result in &outcome.results {
            eprintln!("{}", result.to_line());
        }
        if !outcome.stdout.is_empty() {
            write_stdout(&outcome.stdout)?;
        }
        return Ok(ExitCode::from(outcome.exit_code() as u8));
    }
    // Never more than one byte past the limit: `process` refuses larger input in one line.
    let mut input = Vec::new();
    std::io::stdin()
        .take(private_gke::limits::max_input_bytes().saturating_add(1))
        .read_to_end(&mut input)
        .map_err(|e| format!("stdin: {e}"))?;
    let output = process(&input, &Options { function_config }).map_err(|e| e.to_string())?;
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
    write_stdout(&output.stdout)?;
    let code = ExitCode::from(output.exit_code() as u8);
    // The process ends here: freeing every result one by one would only cost time.
    std::mem::forget(output);
    Ok(code)
}

fn write_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}
