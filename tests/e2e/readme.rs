//! Every command in the README's `sh` blocks is run: here (in a copy of the repository, with the
//! built binary at `target/release/private-gke` and a stand-in `kubectl`), by `.ci/run`
//! (verbatim), or by the container tier (`tests/e2e/container.rs`). A README command missing
//! from the table below, or a table entry gone from the README, fails the test: copy-paste
//! examples that drift are bugs.

use crate::support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

/// How a README command is covered.
enum Covered {
    /// Run by this test; then the file (relative to the copy, or `-` for stdout) must contain
    /// the text.
    Here(&'static str, &'static str),
    /// `.ci/run` holds the command verbatim.
    Ci,
    /// The container tier runs it (with podman); `tests/e2e/container.rs` holds the text.
    Container(&'static str),
}

const COMMANDS: &[(&str, Covered)] = &[
    ("cargo run --release -- --config private-gke.yaml --dry-run examples/blueprint", Covered::Ci),
    ("cargo test", Covered::Ci),
    (
        "./target/release/private-gke --config private-gke.yaml --report connectivity.md examples/blueprint",
        Covered::Here("connectivity.md", "| 1 | nodes → master | tcp 443 | ✅ allowed |"),
    ),
    ("cargo build --release", Covered::Ci),
    (
        "RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target x86_64-unknown-linux-gnu",
        Covered::Container("\"-C target-feature=+crt-static\""),
    ),
    (
        "docker build --target prebuilt -t localhost/private-gke:v0.1.0 .",
        Covered::Container("\"prebuilt\""),
    ),
    (
        "kpt fn render --allow-exec .",
        Covered::Here("examples/blueprint/private-gke/firewall.yaml", "name: kf-demo-deny-egress"),
    ),
    (
        "kpt fn eval examples/blueprint --exec ./target/release/private-gke -- region=us-central1 zone=us-central1-c location=us-central1-c",
        Covered::Here("examples/blueprint/cluster/cluster.yaml", "enablePrivateNodes: true"),
    ),
    (
        "kpt fn eval examples/blueprint --image localhost/private-gke:v0.1.0 --image-pull-policy never -- region=us-central1 zone=us-central1-c location=us-central1-c",
        Covered::Container("const README_EVAL: &str = \"kpt fn eval examples/blueprint --image localhost/private-gke:v0.1.0 --image-pull-policy never -- region=us-central1 zone=us-central1-c location=us-central1-c\";"),
    ),
    (
        "kustomize build --enable-alpha-plugins --enable-exec --load-restrictor LoadRestrictionsNone examples/kustomize",
        Covered::Here("-", "enablePrivateNodes: true"),
    ),
    (
        "kpt fn source examples/blueprint | ./target/release/private-gke --config private-gke.yaml | kpt fn sink private-blueprint",
        Covered::Here("private-blueprint/private-gke/nat.yaml", "kind: ComputeRouterNAT"),
    ),
    (
        "kubectl get crd containerclusters.container.cnrm.cloud.google.com -o yaml | ./target/release/private-gke | kubectl apply -f -",
        Covered::Here("applied.yaml", "useIpAliases:"),
    ),
    (
        "./target/release/private-gke --set region=us-central1 --set zone=us-central1-c --set location=us-central1-c --dry-run examples/blueprint",
        Covered::Here("-", "+    enablePrivateNodes: true"),
    ),
    (
        "./target/release/private-gke --config private-gke.yaml --output stdout examples/blueprint",
        Covered::Here("-", "kind: ResourceList"),
    ),
];

/// The command lines of the README's `sh` blocks, trailing comments removed.
fn readme_commands() -> Vec<String> {
    let readme = fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        if in_sh && !line.trim().is_empty() {
            let command = line.split("   #").next().unwrap().trim_end();
            commands.push(command.to_string());
        }
    }
    commands
}

/// A copy of the repository with the binary where the README expects it, and a `kubectl` that
/// prints the Config Connector 1.15.1 ContainerCluster CRD and records what it is asked to apply.
fn sandbox() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    support::copy_tree(Path::new(ROOT), &repo, &[".git", "target"]);
    fs::create_dir_all(repo.join("target/release")).unwrap();
    fs::copy(BIN, repo.join("target/release/private-gke")).unwrap();
    let bin = tmp.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let crd = Path::new(ROOT).join("testdata/upstream/crds/containercluster-1.15.1.yaml");
    let kubectl = bin.join("kubectl");
    fs::write(
        &kubectl,
        format!(
            "#!/bin/sh\ncase \"$1\" in\n  get) cat '{}' ;;\n  apply) cat > applied.yaml ;;\n  *) exit 2 ;;\nesac\n",
            crd.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&kubectl)
        .status()
        .unwrap();
    (tmp, repo, bin)
}

fn available(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn every_readme_command_is_covered() {
    let commands = readme_commands();
    for command in &commands {
        assert!(
            COMMANDS.iter().any(|(c, _)| c == command),
            "README command without a test: {command}"
        );
    }
    for (command, _) in COMMANDS {
        assert!(
            commands.iter().any(|c| c == command),
            "table entry no longer in the README: {command}"
        );
    }
    let ci = fs::read_to_string(Path::new(ROOT).join(".ci/run")).unwrap();
    let container = fs::read_to_string(Path::new(ROOT).join("tests/e2e/container.rs")).unwrap();
    for (command, covered) in COMMANDS {
        match covered {
            Covered::Ci => assert!(
                ci.lines().any(|l| l.trim() == *command),
                ".ci/run does not run: {command}"
            ),
            Covered::Container(text) => assert!(
                container.contains(text),
                "the container tier does not run: {command}"
            ),
            Covered::Here(..) => {}
        }
    }
}

#[test]
fn readme_commands_work() {
    for (command, covered) in COMMANDS {
        let Covered::Here(file, expected) = covered else {
            continue;
        };
        let tool = command.split_whitespace().next().unwrap();
        if tool != "./target/release/private-gke" && !available(tool) {
            eprintln!("skipped `{command}`: {tool} is not installed");
            continue;
        }
        if command.contains("kpt ") && !available("kpt") {
            eprintln!("skipped `{command}`: kpt is not installed");
            continue;
        }
        let (_tmp, repo, bin) = sandbox();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("sh")
            .args(["-c", command])
            .current_dir(&repo)
            .env("PATH", path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "`{command}` failed:\n{stdout}{stderr}"
        );
        let text = if *file == "-" {
            stdout
        } else {
            fs::read_to_string(repo.join(file))
                .unwrap_or_else(|e| panic!("`{command}`: no {file} ({e}):\n{stderr}"))
        };
        assert!(
            text.contains(expected),
            "`{command}`: {file} lacks {expected:?}:\n{text}"
        );
    }
}
