//! The checks' results as kpt shows them: `kpt fn render --results-dir` records them for a
//! mutator, and a `validators:` entry with `private-gke.mode: check` (kpt gives validators no
//! functionConfig of their own) fails the render on a broken package and changes no byte.
//! Skipped, with the reason printed, where kpt is missing.

use crate::support;

use std::fs;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

const CLOUD_ENDPOINT: &str = "apiVersion: ctl.isla.solutions/v1
kind: CloudEndpoint
metadata:
  name: kubeflow
  namespace: kubeflow
spec:
  project: kf-demo-project
  targetIngress:
    name: envoy-ingress
";

fn kptfile(pipeline: &str) -> String {
    format!(
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: blueprint\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\npipeline:\n{pipeline}"
    )
}

/// `kpt fn render` with a results dir: (success, log, results.yaml).
fn render(pkg: &Path, results: &Path) -> (bool, String, String) {
    let out = Command::new("/usr/bin/kpt")
        .args(["fn", "render", "--allow-exec", "--results-dir"])
        .arg(results)
        .arg(pkg)
        .env("KRM_DISABLE_ATTRIBUTION", "1")
        .output()
        .expect("run kpt");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let recorded = fs::read_to_string(results.join("results.yaml")).unwrap_or_default();
    (out.status.success(), log, recorded)
}

fn kpt_missing() -> bool {
    let missing = !Path::new("/usr/bin/kpt").is_file();
    if missing {
        eprintln!("skipped: kpt is not installed at /usr/bin/kpt");
    }
    missing
}

#[test]
fn render_records_the_checks_results() {
    if kpt_missing() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("blueprint");
    support::copy_tree(&Path::new(ROOT).join("examples/blueprint"), &pkg, &[]);
    fs::write(pkg.join("cloud-endpoint.yaml"), CLOUD_ENDPOINT).unwrap();
    fs::write(
        pkg.join("Kptfile"),
        kptfile(&format!(
            "  mutators:\n    - exec: {BIN}\n      configMap:\n        region: us-central1\n        zone: us-central1-c\n        location: us-central1-c\n"
        )),
    )
    .unwrap();
    let results = tmp.path().join("results");
    let (ok, log, recorded) = render(&pkg, &results);
    assert!(ok, "{log}");
    for expected in [
        "CloudEndpoint kubeflow is never created from a private cluster",
        "severity: warning",
        "deprecated in current Config Connector (assumed: nothing in the package names a version)",
        "the control plane''s public endpoint is open to every address",
        "checks: 0 error(s), 4 warning(s); ran names, references, deprecated, cidrs, capacity, control-plane, firewall, webhooks, routes-dns, nat, iap, endpoints",
    ] {
        assert!(recorded.contains(expected), "results lack {expected:?}:\n{recorded}");
    }
}

#[test]
fn a_check_only_validator_fails_the_render_and_changes_no_byte() {
    if kpt_missing() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("blueprint");
    support::copy_tree(&Path::new(ROOT).join("examples/blueprint"), &pkg, &[]);
    // Make it private, then break one thing: the deny-all egress rule now outranks the allows.
    let made = Command::new(BIN)
        .args(["--config", &format!("{ROOT}/private-gke.yaml")])
        .arg(&pkg)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let firewall = pkg.join("private-gke/firewall.yaml");
    let rules = fs::read_to_string(&firewall).unwrap();
    assert_eq!(rules.matches("priority: 1100").count(), 1, "{rules}");
    fs::write(&firewall, rules.replace("priority: 1100", "priority: 900")).unwrap();
    fs::write(
        pkg.join("Kptfile"),
        kptfile(&format!(
            "  validators:\n    - exec: {BIN}\n      configMap:\n        private-gke.mode: check\n"
        )),
    )
    .unwrap();
    let before: Vec<(String, String)> = snapshot(&pkg);

    let results = tmp.path().join("results");
    let (ok, log, recorded) = render(&pkg, &results);
    assert!(!ok, "the render passed:\n{log}");
    assert!(recorded.contains("severity: error"), "{recorded}");
    assert!(recorded.contains("kf-demo-deny-egress"), "{recorded}");
    assert!(
        snapshot(&pkg) == before,
        "a check-only validator changed the package"
    );
}

fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((
                    path.display().to_string(),
                    fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    files.sort();
    files
}
