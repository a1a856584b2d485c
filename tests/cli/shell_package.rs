//! Package mode through the binary: a no-op run writes nothing, a real run writes only what
//! changed (atomically, without kpt's annotations), dry runs, `--output stdout`, errors.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");
const GCP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/upstream/kubeflow-1.1-gcp"
);
const BLUEPRINT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/blueprint");

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
            fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

fn copy_of(from: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    copy_dir(Path::new(from), &dir);
    (tmp, dir)
}

/// Every file under `dir`: content and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                let meta = entry.metadata().unwrap();
                out.insert(
                    entry.path().strip_prefix(dir).unwrap().to_path_buf(),
                    (fs::read(entry.path()).unwrap(), meta.modified().unwrap()),
                );
            }
        }
    }
    out
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run private-gke")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_run_that_changes_nothing_writes_nothing() {
    // The upstream Kubeflow 1.1 GCP package (upstream's golden setter values) with `gke.private=false`: nothing to change. The
    // checks may still report problems of the upstream package (exit 1, one line each); either
    // way no file is written and the dry run shows no diff. The exit-0 path of the same promise
    // is the second run in `a_real_run_writes_the_change_and_a_second_run_writes_nothing`.
    let (_tmp, dir) = copy_of(GCP);
    let before = snapshot(&dir);
    let d = dir.to_str().unwrap();
    for args in [
        &["--set", "gke.private=false", "--dry-run", d][..],
        &["--set", "gke.private=false", d][..],
    ] {
        let out = run(args);
        let stderr = text(&out.stderr);
        assert_eq!(text(&out.stdout), "", "{args:?}");
        match out.status.code() {
            Some(0) => assert!(!stderr.contains("[error]"), "{stderr}"),
            Some(1) => assert!(
                stderr.lines().any(|l| l.starts_with("[error] ")),
                "{stderr}"
            ),
            other => panic!("exit {other:?}: {stderr}"),
        }
        assert!(!stderr.contains("private-gke: "), "{stderr}");
        assert!(snapshot(&dir) == before, "files or mtimes changed");
    }
}

#[test]
fn a_real_run_writes_the_change_and_a_second_run_writes_nothing() {
    let (_tmp, dir) = copy_of(BLUEPRINT);
    let d = dir.to_str().unwrap();
    let out = run(&["--set", "region=us-east1", d]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cluster = fs::read_to_string(dir.join("cluster/cluster.yaml")).unwrap();
    assert!(
        cluster.contains("\n  privateClusterConfig:\n    enablePrivateNodes: true\n"),
        "{cluster}"
    );
    let original = fs::read_to_string(Path::new(BLUEPRINT).join("cluster/cluster.yaml")).unwrap();
    // The comments and everything up to the changed fields are kept byte for byte.
    let head = &original[..original.find("  clusterName:").unwrap()];
    assert!(cluster.starts_with(head), "{cluster}");
    let after = snapshot(&dir);
    assert!(
        after.keys().any(|p| p.starts_with("private-gke")),
        "{:?}",
        after.keys()
    );
    for (path, (content, _)) in &after {
        let content = text(content);
        assert!(
            !content.contains("config.kubernetes.io/path"),
            "{path:?} got a path annotation"
        );
        assert!(
            !content.contains("config.kubernetes.io/index"),
            "{path:?} got an index annotation"
        );
    }
    let again = run(&["--set", "region=us-east1", d]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(snapshot(&dir) == after, "second run changed files");
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let (_tmp, dir) = copy_of(BLUEPRINT);
    let before = snapshot(&dir);
    let out = run(&["--dry-run", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    assert!(
        diff.contains("--- a/cluster/cluster.yaml\n+++ b/cluster/cluster.yaml\n"),
        "{diff}"
    );
    assert!(diff.contains("\n+    enablePrivateNodes: true\n"), "{diff}");
    assert!(snapshot(&dir) == before);
}

#[test]
fn output_stdout_prints_the_resource_list_and_writes_nothing() {
    let (_tmp, dir) = copy_of(BLUEPRINT);
    let before = snapshot(&dir);
    let out = run(&["--output", "stdout", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list = text(&out.stdout);
    assert!(
        list.starts_with("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- "),
        "{list}"
    );
    assert!(
        list.contains("internal.config.kubernetes.io/path: cluster/cluster.yaml\n"),
        "{list}"
    );
    assert!(list.contains("enablePrivateNodes: true"), "{list}");
    assert!(snapshot(&dir) == before);
}

#[test]
fn a_read_only_file_is_named_and_nothing_is_written() {
    let (_tmp, dir) = copy_of(BLUEPRINT);
    let cluster = dir.join("cluster/cluster.yaml");
    let mut perms = fs::metadata(&cluster).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&cluster, perms).unwrap();
    let before = snapshot(&dir);
    let out = run(&[dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.lines().last().unwrap(),
        format!(
            "private-gke: {}: file is read-only; nothing was written",
            cluster.display()
        )
    );
    assert!(snapshot(&dir) == before, "something was written");
}

#[test]
fn error_results_write_nothing_and_exit_1() {
    let (_tmp, dir) = copy_of(BLUEPRINT);
    let before = snapshot(&dir);
    let out = run(&[
        "--set",
        "master-ipv4-cidr=10.0.0.0/8",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).starts_with("[error] "),
        "{}",
        text(&out.stderr)
    );
    assert!(snapshot(&dir) == before);
}
