//! Golden cases of `private-gke migrate` (kpt's e2e style): each `testdata/migrate/CASE/` holds
//! `in/` (the kpt v0 tree; Kptfiles stored as `Kptfile.in`), `args` (one argument a line,
//! `{case}` for the case directory), `expected/` (the migrated tree), `stderr` (the report) and,
//! where kpt is installed, `expected-render/` (the tree after `kpt fn render --allow-exec`).
//! Every case runs twice: the second migration changes nothing, the second render neither.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/migrate");
const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

/// Every file under `dir` (relative path -> text), `Kptfile.in` read as `Kptfile`, symlinks and
/// `.git` left out.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() || entry.file_name() == ".git" {
                continue;
            }
            if kind.is_dir() {
                walk(root, &entry.path(), out);
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string();
            let rel = match rel.strip_suffix("Kptfile.in") {
                Some(dir) => format!("{dir}Kptfile"),
                None => rel,
            };
            out.insert(rel, fs::read_to_string(entry.path()).unwrap());
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Copy the tree `from` to `to`, each `Kptfile.in` written as `Kptfile`.
fn copy_in(from: &Path, to: &Path) {
    for (rel, text) in tree(from) {
        let target = to.join(&rel);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::write(target, text).unwrap();
    }
}

fn assert_same_tree(got: &Path, want: &Path, what: &str) {
    let got = tree(got);
    let want = tree(want);
    let got_names: Vec<&String> = got.keys().collect();
    let want_names: Vec<&String> = want.keys().collect();
    assert_eq!(got_names, want_names, "{what}: the files differ");
    for (rel, text) in &want {
        assert_eq!(&got[rel], text, "{what}: {rel}");
    }
}

fn migrate(case: &Path, work: &Path) -> (bool, String) {
    let args: Vec<String> = fs::read_to_string(case.join("args"))
        .unwrap()
        .lines()
        .map(|l| l.replace("{case}", &case.display().to_string()))
        .collect();
    let out = Command::new(BIN)
        .arg("migrate")
        .args(&args)
        .arg(".")
        .current_dir(work)
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8(out.stderr).unwrap())
}

fn has_kpt() -> bool {
    Command::new("kpt").arg("version").output().is_ok()
}

fn render(work: &Path) -> String {
    let out = Command::new("kpt")
        .args([
            "fn",
            "render",
            "--allow-exec",
            "--truncate-output=false",
            ".",
        ])
        .current_dir(work)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "kpt fn render failed:\n{text}");
    text
}

fn run_case(name: &str) {
    let case = PathBuf::from(CASES).join(name);
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("pkg");
    copy_in(&case.join("in"), &work);
    let (ok, stderr) = migrate(&case, &work);
    assert!(ok, "migrate failed:\n{stderr}");
    assert_same_tree(&work, &case.join("expected"), name);
    assert_eq!(
        stderr,
        fs::read_to_string(case.join("stderr")).unwrap(),
        "{name}: report"
    );

    let (ok, again) = migrate(&case, &work);
    assert!(ok, "second migrate failed:\n{again}");
    assert!(again.contains("nothing to migrate"), "{again}");
    assert_same_tree(
        &work,
        &case.join("expected"),
        &format!("{name}, second run"),
    );

    let rendered = case.join("expected-render");
    if !rendered.is_dir() {
        return;
    }
    if !has_kpt() {
        eprintln!("skipped: kpt not installed, {name} not rendered");
        return;
    }
    std::os::unix::fs::symlink(BIN, work.join("private-gke")).unwrap();
    let log = render(&work);
    assert!(!log.contains("no value for setter"), "{log}");
    assert_same_tree(&work, &rendered, &format!("{name}, rendered"));
    render(&work);
    assert_same_tree(&work, &rendered, &format!("{name}, rendered twice"));
}

/// Setter (with `isSet` and default values), substitution (markers of any text, nested),
/// list setters (block and flow), `$ref`/`$openapi`/`$kpt-set` comments, a subpackage with its
/// own values, a file kpt 1.0 cannot read, upstream information: all as kpt v1 forms, and
/// `kpt fn render` gives each package its own values.
#[test]
fn every_v0_form_becomes_its_kpt_v1_form() {
    run_case("forms");
}

/// A tree that is already kpt v1 is left byte for byte, even with v0-looking comments.
#[test]
fn a_kpt_v1_tree_is_left_alone() {
    run_case("already-v1");
}

/// The blueprint's shape: no root Kptfile (one is written, with the container image and the
/// settings from `--config` and `--set`), an existing `.krmignore` extended, a settings file and
/// a file without `kind` reported, a reference to an undefined setter reported and kept.
#[test]
fn a_tree_without_root_kptfile_gets_one() {
    run_case("no-root-kptfile");
}

/// `--dry-run` prints the migration as a unified diff (new files from `/dev/null`) and writes
/// nothing.
#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let case = PathBuf::from(CASES).join("forms");
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("pkg");
    copy_in(&case.join("in"), &work);
    let before = tree(&work);
    let out = Command::new(BIN)
        .args([
            "migrate",
            "--dry-run",
            "--set",
            "gcloud.core.project=my-proj",
            ".",
        ])
        .current_dir(&work)
        .output()
        .unwrap();
    assert!(out.status.success());
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.contains("--- /dev/null\n+++ b/setters.yaml\n"),
        "{diff}"
    );
    assert!(diff.contains("--- a/Kptfile\n+++ b/Kptfile\n"), "{diff}");
    assert!(
        diff.contains("-  name: kf # {\"$kpt-set\":\"name\"}\n+  name: kf # kpt-set: ${name}\n"),
        "{diff}"
    );
    assert!(
        diff.contains("+  - image: localhost/private-gke:v0.1.0\n"),
        "{diff}"
    );
    assert_eq!(tree(&work), before);
}

/// A file of migrate's own name already there with other content stops the migration: one
/// message naming it, exit 1, nothing written.
#[test]
fn a_file_in_the_way_stops_everything() {
    let case = PathBuf::from(CASES).join("forms");
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("pkg");
    copy_in(&case.join("in"), &work);
    fs::write(work.join("sub/setters.yaml"), "# mine\n").unwrap();
    let before = tree(&work);
    let out = Command::new(BIN)
        .args(["migrate", "."])
        .current_dir(&work)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "private-gke: sub/setters.yaml: exists with other content: migrate writes its own \
         sub/setters.yaml there; move it away first\n"
    );
    assert_eq!(tree(&work), before);
}
