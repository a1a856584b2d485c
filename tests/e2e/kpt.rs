//! Real kpt, end to end: `kpt fn eval --exec` and `kpt fn render --allow-exec` run the built
//! binary on the bundled example and write the private cluster patch into the package.
//! Skipped, with the reason printed, where kpt is not installed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");
const BLUEPRINT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/blueprint");
const PRIVATE_NODES: &str = "\n  privateClusterConfig:\n    enablePrivateNodes: true\n";

fn kpt() -> Option<PathBuf> {
    let path = std::env::var_os("KPT").map_or_else(|| PathBuf::from("/usr/bin/kpt"), PathBuf::from);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "skipped: kpt not found at {} (set KPT=/path/to/kpt)",
            path.display()
        );
        None
    }
}

fn kpt_run(kpt: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(kpt)
        .args(args)
        .env("KRM_DISABLE_ATTRIBUTION", "1")
        .output()
        .expect("run kpt");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), log)
}

/// Package-relative paths of every file under `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                let rel = entry.path().strip_prefix(dir).unwrap().to_path_buf();
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

const GENERATED: [&str; 8] = [
    "private-gke/compute-network.yaml",
    "private-gke/dns-gcr.yaml",
    "private-gke/dns-google-apis.yaml",
    "private-gke/dns-pkg-dev.yaml",
    "private-gke/enable-services.yaml",
    "private-gke/firewall-policy.yaml",
    "private-gke/firewall.yaml",
    "private-gke/nat.yaml",
];

#[test]
fn kpt_fn_eval_exec_makes_the_cluster_private() {
    let Some(kpt) = kpt() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("blueprint");
    fs::create_dir_all(pkg.join("cluster")).unwrap();
    fs::copy(Path::new(BLUEPRINT).join("Kptfile"), pkg.join("Kptfile")).unwrap();
    fs::copy(
        Path::new(BLUEPRINT).join("cluster/cluster.yaml"),
        pkg.join("cluster/cluster.yaml"),
    )
    .unwrap();
    let p = pkg.to_str().unwrap();
    let (ok, log) = kpt_run(
        &kpt,
        &["fn", "eval", p, "--exec", BIN, "--", "region=us-east1"],
    );
    assert!(ok, "{log}");
    assert!(log.contains("[PASS]"), "{log}");
    let cluster = fs::read_to_string(pkg.join("cluster/cluster.yaml")).unwrap();
    assert!(cluster.contains(PRIVATE_NODES), "{cluster}");
    // A region alone never moves the cluster (GKE cannot change a location in place).
    assert!(
        cluster.contains("location: us-east1-d # kpt-set: ${location}"),
        "{cluster}"
    );
    assert!(!cluster.contains("config.kubernetes.io/"), "{cluster}");
    let mut expected = vec!["Kptfile".to_string(), "cluster/cluster.yaml".to_string()];
    expected.extend(GENERATED.iter().map(|s| s.to_string()));
    expected.sort();
    assert_eq!(files(&pkg), expected, "kpt renamed or lost files");
}

#[test]
fn kpt_fn_render_allow_exec_makes_the_cluster_private_and_is_idempotent() {
    let Some(kpt) = kpt() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("render");
    fs::create_dir_all(&pkg).unwrap();
    // Without the license header: kpt itself drops one blank line between head comments per
    // render, which is not the function's doing.
    let cluster = fs::read_to_string(Path::new(BLUEPRINT).join("cluster/cluster.yaml")).unwrap();
    let body = &cluster[cluster.find("apiVersion:").unwrap()..];
    fs::write(pkg.join("cluster.yaml"), body).unwrap();
    let kptfile = format!(
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: render\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\npipeline:\n  mutators:\n  - exec: {BIN}\n    configMap:\n      region: us-east1\n"
    );
    fs::write(pkg.join("Kptfile"), &kptfile).unwrap();
    let p = pkg.to_str().unwrap();
    let (ok, log) = kpt_run(&kpt, &["fn", "render", "--allow-exec", p]);
    assert!(ok, "{log}");
    let cluster = fs::read_to_string(pkg.join("cluster.yaml")).unwrap();
    assert!(cluster.contains(PRIVATE_NODES), "{cluster}");
    assert_eq!(fs::read_to_string(pkg.join("Kptfile")).unwrap(), kptfile);
    let generated: String = GENERATED
        .iter()
        .map(|f| fs::read_to_string(pkg.join(f)).unwrap())
        .collect();
    assert_eq!(
        generated
            .lines()
            .filter(|l| l.starts_with("kind: "))
            .count(),
        private_gke::gke::resources::count(
            true,
            private_gke::gke::firewall_rules::Allowlist::choose(
                private_gke::config::EgressAllowlist::Fqdn,
                true
            )
        ),
        "the private resources:\n{generated}"
    );
    let mut expected = vec!["Kptfile".to_string(), "cluster.yaml".to_string()];
    expected.extend(GENERATED.iter().map(|s| s.to_string()));
    expected.sort();
    assert_eq!(files(&pkg), expected, "kpt renamed or lost files");
    let first: Vec<String> = expected
        .iter()
        .map(|f| fs::read_to_string(pkg.join(f)).unwrap())
        .collect();
    let (ok, log) = kpt_run(&kpt, &["fn", "render", "--allow-exec", p]);
    assert!(ok, "{log}");
    let second: Vec<String> = expected
        .iter()
        .map(|f| fs::read_to_string(pkg.join(f)).unwrap())
        .collect();
    assert!(first == second, "a second render changed the package");
}

#[test]
fn kpt_shows_error_results_and_writes_nothing() {
    let Some(kpt) = kpt() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("bad");
    fs::create_dir_all(&pkg).unwrap();
    let cluster = fs::read_to_string(Path::new(BLUEPRINT).join("cluster/cluster.yaml")).unwrap();
    fs::write(pkg.join("cluster.yaml"), &cluster).unwrap();
    let p = pkg.to_str().unwrap();
    let (ok, log) = kpt_run(
        &kpt,
        &["fn", "eval", p, "--exec", BIN, "--", "gke.private=maybe"],
    );
    assert!(!ok, "{log}");
    assert!(log.contains("[error]"), "{log}");
    assert_eq!(
        fs::read_to_string(pkg.join("cluster.yaml")).unwrap(),
        cluster
    );
    assert_eq!(files(&pkg), ["cluster.yaml"]);
}

/// `gke.private=false` under kpt removes owned resources whose file starts with a comment (kpt
/// sends them as `- # comment` items, like upstream's `privateGKE/*.yaml`): the output has no
/// null item for kpt to reject, and the emptied file is deleted.
#[test]
fn kpt_fn_eval_removes_owned_resources_that_start_with_a_comment() {
    let Some(kpt) = kpt() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    fs::create_dir_all(pkg.join("private-gke")).unwrap();
    fs::write(
        pkg.join("Kptfile"),
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n",
    )
    .unwrap();
    let keep = "# kept\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n";
    fs::write(pkg.join("keep.yaml"), keep).unwrap();
    fs::write(
        pkg.join("private-gke/owned.yaml"),
        "# Copyright 2020 Google LLC\n#\n# head comment\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\n  annotations:\n    private-gke.dev/owned: \"true\"\n",
    )
    .unwrap();
    let (ok, log) = kpt_run(
        &kpt,
        &[
            "fn",
            "eval",
            pkg.to_str().unwrap(),
            "--exec",
            BIN,
            "--",
            "gke.private=false",
        ],
    );
    assert!(ok, "kpt fn eval failed:\n{log}");
    assert_eq!(files(&pkg), ["Kptfile", "keep.yaml"], "{log}");
    assert_eq!(fs::read_to_string(pkg.join("keep.yaml")).unwrap(), keep);
}
