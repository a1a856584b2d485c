//! Container tier: the `prebuilt` image target, built with podman and run by real kpt as user
//! `nobody` with no network. Slow (a static release build and an image build), so it is ignored
//! by a plain `cargo test` and run by `.ci/run` with `--ignored`.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const IMAGE: &str = "localhost/private-gke:e2e";

/// The README's container command, run verbatim on a copy of the example (image tagged to match).
const README_EVAL: &str = "kpt fn eval examples/blueprint --image localhost/private-gke:v0.1.0 --image-pull-policy never -- region=us-central1 zone=us-central1-c location=us-central1-c";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) -> Output {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    assert!(
        out.status.success(),
        "{shown} failed ({})\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn have(tool: &str, version_arg: &str) -> bool {
    Command::new(tool)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Build the static binary into its own target dir (so it does not wait on the test's build
/// lock), then the `prebuilt` image from it. Returns the image size in bytes.
fn build_image() -> u64 {
    let target_dir = repo().join("target/static");
    run(Command::new(env!("CARGO"))
        .current_dir(repo())
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "x86_64-unknown-linux-gnu",
            "--bin",
            "private-gke",
        ]));
    run(podman().current_dir(repo()).args([
        "build",
        "--quiet",
        "--target",
        "prebuilt",
        "--build-arg",
        "BINARY=target/static/x86_64-unknown-linux-gnu/release/private-gke",
        "-t",
        IMAGE,
        ".",
    ]));
    let out = run(podman().args(["image", "inspect", "--format", "{{.Size}}", IMAGE]));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("image size")
}

fn podman() -> Command {
    let mut cmd = Command::new("podman");
    cmd.env(
        "CONTAINERS_CONF",
        support::reference::tools_dir().join("podman-containers.conf"),
    );
    cmd
}

/// kpt with podman as its container runtime.
fn kpt() -> Command {
    let mut cmd = Command::new("kpt");
    with_podman_runtime(&mut cmd);
    cmd
}

fn with_podman_runtime(cmd: &mut Command) -> &mut Command {
    cmd.env("KPT_FN_RUNTIME", "podman").env(
        "CONTAINERS_CONF",
        support::reference::tools_dir().join("podman-containers.conf"),
    )
}

/// A package with the Kubeflow 1.1 ContainerCluster as upstream ships it.
fn package(dir: &Path, pipeline: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("Kptfile"),
        format!(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: blueprint\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n{pipeline}"
        ),
    )
    .unwrap();
    std::fs::copy(
        support::reference::dir()
            .join("upstream/kubeflow-manifests/gcp/v2/cnrm/cluster/cluster.yaml"),
        dir.join("cluster.yaml"),
    )
    .unwrap();
}

fn assert_private(dir: &Path) {
    let cluster = std::fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(
        cluster.contains("enablePrivateNodes: true"),
        "cluster not made private:\n{cluster}"
    );
    assert!(
        cluster.contains("# {\"$kpt-set\":\"location\"}"),
        "cluster comments lost:\n{cluster}"
    );
    let generated = dir.join("private-gke");
    let files: Vec<_> = std::fs::read_dir(&generated)
        .unwrap_or_else(|e| panic!("no generated resources in {}: {e}", generated.display()))
        .collect();
    assert!(!files.is_empty(), "no generated resource files");
    let all: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f.as_ref().unwrap().path()).unwrap())
        .collect();
    // The whole private network, for the current Config Connector it assumes (FQDN policy
    // rules), plus the function's own kustomization when one builds the cluster.
    let network = private_gke::gke::resources::count(
        true,
        private_gke::gke::firewall_rules::Allowlist::choose(
            private_gke::config::EgressAllowlist::Fqdn,
            true,
        ),
    );
    let resources = all
        .lines()
        .filter(|l| l.starts_with("kind: ") && *l != "kind: Kustomization")
        .count();
    assert_eq!(resources, network, "{all}");
    assert!(all.contains("kind: ComputeRouterNAT"), "{all}");
}

#[test]
#[ignore = "container tier: builds a static binary and an image; run by .ci/run with --ignored"]
fn image_runs_under_kpt_eval_and_render_as_nobody_without_network() {
    for (tool, version_arg) in [("podman", "--version"), ("kpt", "version")] {
        if !have(tool, version_arg) {
            eprintln!("SKIP container e2e: `{tool}` is not installed (.ci/run installs podman; kpt is preinstalled on this kind of machine)");
            return;
        }
    }
    let size = build_image();
    eprintln!("image {IMAGE}: {size} bytes");
    assert!(
        size < 10_000_000,
        "image is {size} bytes, target under 10 MB"
    );

    // The image runs as nobody, with no network, as kpt runs it.
    let out = run(podman().args([
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "",
        IMAGE,
        "/usr/local/bin/private-gke",
        "--version",
    ]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("private-gke"));
    let out = run(podman().args(["image", "inspect", "--format", "{{.Config.User}}", IMAGE]));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "nobody");

    let tmp = tempfile::tempdir().unwrap();

    let eval = tmp.path().join("eval");
    package(&eval, "");
    run(kpt().args([
        "fn",
        "eval",
        eval.to_str().unwrap(),
        "--image",
        IMAGE,
        "--image-pull-policy",
        "never",
        "--network=false",
        "--",
        "region=us-east1",
        "zone=us-east1-d",
        "location=us-east1-d",
    ]));
    assert_private(&eval);

    // The README's command, verbatim, with the image under the README's name.
    run(podman().args(["tag", IMAGE, "localhost/private-gke:v0.1.0"]));
    let readme = tmp.path().join("readme");
    let example = readme.join("examples/blueprint");
    std::fs::create_dir_all(example.join("cluster")).unwrap();
    for file in ["Kptfile", "cluster/cluster.yaml", "cluster/kf-vm-sa.yaml"] {
        std::fs::copy(
            repo().join("examples/blueprint").join(file),
            example.join(file),
        )
        .unwrap();
    }
    run(with_podman_runtime(
        Command::new("sh")
            .args(["-c", README_EVAL])
            .current_dir(&readme),
    ));
    let cluster = std::fs::read_to_string(example.join("cluster/cluster.yaml")).unwrap();
    assert!(cluster.contains("enablePrivateNodes: true"), "{cluster}");
    assert!(example.join("private-gke/firewall.yaml").is_file());

    let render = tmp.path().join("render");
    package(
        &render,
        &format!("pipeline:\n  mutators:\n    - image: {IMAGE}\n      configMap:\n        region: us-east1\n        zone: us-east1-d\n        location: us-east1-d\n"),
    );
    run(kpt().args([
        "fn",
        "render",
        render.to_str().unwrap(),
        "--image-pull-policy",
        "never",
    ]));
    assert_private(&render);
}
