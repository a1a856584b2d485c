//! Golden end-to-end cases under `testdata/e2e/`, in the kpt function catalog's layout: each case
//! directory is the input package (or `.expected/config.yaml` names a `source` package to copy),
//! with `.expected/diff.patch` (what the run changes, as `--dry-run` prints it) and
//! `.expected/results.yaml` (the results of the run). `.expected/config.yaml` may set `args`
//! (passed before the package dir; paths are relative to the case dir), `exitCode` (default 0),
//! and `source` (relative to the repository) or `reference` (relative to the reference data: a
//! reference-tier case, skipped with a printed reason where the data is absent, see
//! `support/reference.rs`). Every case runs twice: the second run must change nothing.
//! `UPDATE_GOLDEN=1 cargo test --test e2e golden::` rewrites the expected files.

use crate::support;

use serde_norway::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

struct Case {
    dir: PathBuf,
    args: Vec<String>,
    exit_code: i32,
    /// `None`: a reference-tier case whose reference data is absent (skipped).
    source: Option<PathBuf>,
}

fn read_case(dir: &Path) -> Case {
    let config: Value = fs::read_to_string(dir.join(".expected/config.yaml"))
        .map(|t| serde_norway::from_str(&t).expect("config.yaml"))
        .unwrap_or(Value::Null);
    let args = config["args"]
        .as_sequence()
        .map(|a| {
            a.iter()
                .map(|v| {
                    let arg = v.as_str().expect("args are strings").to_string();
                    let relative = dir.join(&arg);
                    if !arg.starts_with('-') && relative.exists() {
                        relative.display().to_string()
                    } else {
                        arg
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let source = match (config["source"].as_str(), config["reference"].as_str()) {
        (Some(s), _) => Some(Path::new(ROOT).join(s)),
        (None, Some(r)) => support::reference::path(r),
        (None, None) => Some(dir.to_path_buf()),
    };
    Case {
        dir: dir.to_path_buf(),
        args,
        exit_code: config["exitCode"].as_i64().unwrap_or(0) as i32,
        source,
    }
}

fn run(case: &Case, extra: &[&str], pkg: &Path) -> Output {
    Command::new(BIN)
        .args(&case.args)
        .args(extra)
        .arg(pkg)
        .output()
        .expect("run private-gke")
}

/// The `results` of a run, as YAML text (from `--output stdout`).
fn results_of(case: &Case, pkg: &Path) -> String {
    let out = run(case, &["--output", "stdout"], pkg);
    let list: Value = serde_norway::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: --output stdout is not YAML ({e}):\n{}",
            case.dir.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_norway::to_string(&list["results"]).unwrap()
}

/// Compare with an expected file, or write it when UPDATE_GOLDEN is set.
fn check_golden(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected.as_str(), actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        failures.push(format!("{}:\n{diff}", path.display()));
    }
}

fn run_case(case: &Case, failures: &mut Vec<String>) {
    let Some(source) = &case.source else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    support::copy_tree(source, &pkg, &[".expected"]);
    let name = case.dir.file_name().unwrap().to_string_lossy().into_owned();

    let dry = run(case, &["--dry-run"], &pkg);
    let stderr = String::from_utf8_lossy(&dry.stderr).into_owned();
    if dry.status.code() != Some(case.exit_code) {
        failures.push(format!(
            "{name}: exit {:?}, expected {}:\n{stderr}",
            dry.status.code(),
            case.exit_code
        ));
        return;
    }
    let expected = case.dir.join(".expected");
    check_golden(
        &expected.join("diff.patch"),
        &String::from_utf8_lossy(&dry.stdout),
        failures,
    );
    check_golden(
        &expected.join("results.yaml"),
        &results_of(case, &pkg),
        failures,
    );

    let first = run(case, &[], &pkg);
    assert_eq!(
        first.status.code(),
        Some(case.exit_code),
        "{name}: the real run"
    );
    if case.exit_code != 0 {
        let again = run(case, &["--dry-run"], &pkg);
        if !again.stdout.is_empty() {
            failures.push(format!("{name}: a run with errors wrote files"));
        }
        return;
    }
    let second = run(case, &["--dry-run"], &pkg);
    if second.status.code() != Some(0) || !second.stdout.is_empty() {
        failures.push(format!(
            "{name}: the second run is not a no-op:\n{}{}",
            String::from_utf8_lossy(&second.stdout),
            String::from_utf8_lossy(&second.stderr)
        ));
    }
}

#[test]
fn golden_cases() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(Path::new(ROOT).join("testdata/e2e"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join(".expected").is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 8, "expected the golden cases, found {dirs:?}");
    let mut failures = Vec::new();
    for dir in &dirs {
        run_case(&read_case(dir), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
