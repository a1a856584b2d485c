//! Before/after byte identity of whole runs (issue "One data path"): package mode on the whole
//! Kubeflow 1.1 blueprint (reference tier), writing and with `--output stdout` (issue "One writer
//! with two sinks"), and the benchmark jobs J0/J1/J2 on the 1,000-item
//! yardstick, each compared file by file with the sha256 digests recorded under
//! `testdata/identity/`. A deliberate change of output is recorded with
//! `UPDATE_IDENTITY=1 cargo test --test e2e identity::` (review the diff of the digest files: only the
//! entries the change means to touch may move).

use crate::support;

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

/// The blueprint run of `tests/blueprint_e2e.rs`: a user's values, the private cluster, the
/// generated webhook rule.
const BLUEPRINT_SETTINGS: [&str; 8] = [
    "name=kf-test",
    "gcloud.core.project=my-proj",
    "region=us-central1",
    "zone=us-central1-c",
    "location=us-central1-c",
    "gke.private=true",
    "private-gke.cluster=kf-test",
    "private-gke.webhook-firewall=generate",
];

/// The benchmark jobs (README "Benchmarks"): no-op, two setters, the gke stage.
const JOBS: [(&str, &[&str]); 3] = [
    ("J0", &["gke.private=false"]),
    (
        "J1",
        &[
            "gke.private=false",
            "project-id=other-project",
            "location=europe-west1",
        ],
    ),
    (
        "J2",
        &[
            "private-gke.cluster=cluster-0",
            "region=us-central1",
            "zone=us-central1-a",
        ],
    ),
];

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn record_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/identity")
        .join(name)
}

/// Compare `digests` (name → sha256) with the record `name`, or write it under
/// `UPDATE_IDENTITY=1`; a mismatch names every entry that differs.
fn check(name: &str, digests: &BTreeMap<String, String>) {
    let text: String = digests
        .iter()
        .map(|(path, sum)| format!("{sum}  {path}\n"))
        .collect();
    let path = record_path(name);
    if std::env::var("UPDATE_IDENTITY").is_ok_and(|v| v == "1") {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &text).unwrap();
        return;
    }
    let recorded = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (record it with UPDATE_IDENTITY=1)", path.display()));
    let recorded: BTreeMap<&str, &str> = recorded
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(sum, p)| (p, sum)))
        .collect();
    let mut differ = Vec::new();
    for (p, sum) in digests {
        match recorded.get(p.as_str()) {
            Some(r) if r == sum => {}
            Some(_) => differ.push(format!("changed: {p}")),
            None => differ.push(format!("new: {p}")),
        }
    }
    for p in recorded.keys() {
        if !digests.contains_key(*p) {
            differ.push(format!("gone: {p}"));
        }
    }
    assert!(
        differ.is_empty(),
        "{} differs from the recorded run:\n{}",
        path.display(),
        differ.join("\n")
    );
}

/// sha256 of every file under `dir`, by relative path.
fn tree_digests(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, sha256(&fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn package_mode_on_the_whole_blueprint_writes_the_recorded_bytes() {
    let Some((_tmp, dir)) = support::unpacked_blueprint() else {
        return;
    };
    let mut cmd = Command::new(BIN);
    for v in BLUEPRINT_SETTINGS {
        cmd.arg("--set").arg(v);
    }
    let out = cmd.arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let mut digests = tree_digests(&dir);
    // The results (stderr) are part of what the run gives; stdout is empty in package mode.
    digests.insert("<stderr>".into(), sha256(&out.stderr));
    digests.insert("<stdout>".into(), sha256(&out.stdout));
    check("blueprint-1.1.sha256", &digests);
}

#[test]
fn package_mode_output_stdout_on_the_whole_blueprint_prints_the_recorded_bytes() {
    let Some((_tmp, dir)) = support::unpacked_blueprint() else {
        return;
    };
    let before = tree_digests(&dir);
    let mut cmd = Command::new(BIN);
    for v in BLUEPRINT_SETTINGS {
        cmd.arg("--set").arg(v);
    }
    let out = cmd.args(["--output", "stdout"]).arg(&dir).output().unwrap();
    assert!(
        tree_digests(&dir) == before,
        "--output stdout wrote to the package"
    );
    let code = out
        .status
        .code()
        .map_or("signal".to_string(), |c| c.to_string());
    let mut digests = BTreeMap::new();
    digests.insert("<stdout>".to_string(), sha256(&out.stdout));
    digests.insert("<stderr>".to_string(), sha256(&out.stderr));
    digests.insert("<exit code>".to_string(), sha256(code.as_bytes()));
    check("blueprint-1.1-stdout.sha256", &digests);
}

#[test]
fn the_benchmark_jobs_at_1000_items_print_the_recorded_bytes() {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/tools/gen_bench_input.py");
    let input = Command::new("python3")
        .arg(&tool)
        .arg("1000")
        .output()
        .expect("python3 testdata/tools/gen_bench_input.py");
    assert!(input.status.success(), "gen_bench_input.py 1000");
    let mut digests = BTreeMap::new();
    digests.insert("input-1000.yaml".to_string(), sha256(&input.stdout));
    for (job, settings) in JOBS {
        let args: Vec<String> = settings.iter().map(|s| format!("--set={s}")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = support::run_with_stdin(&args, &input.stdout);
        assert!(
            out.status.success(),
            "{job}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        digests.insert(format!("{job}/stdout"), sha256(&out.stdout));
        digests.insert(format!("{job}/stderr"), sha256(&out.stderr));
    }
    check("bench-1000.sha256", &digests);
}
