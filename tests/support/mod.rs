//! Helpers shared by the end-to-end tests.

use std::fs;
use std::path::Path;

#[allow(dead_code)]
/// Copy a directory tree, leaving out entries with the names in `skip`; copies are writable
/// (the shared reference data is read-only).
pub fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if skip.contains(&entry.file_name().to_str().unwrap_or("")) {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target, skip);
        } else {
            fs::copy(entry.path(), &target).unwrap();
            let mut perms = fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            fs::set_permissions(&target, perms).unwrap();
        }
    }
}

pub mod reference;

/// `testdata/upstream/<rel>`: the project's own copies of upstream files (`SOURCES.md` there).
#[allow(dead_code)]
pub fn upstream_copy(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/upstream")
        .join(rel)
}

/// Every YAML/JSON file (and Kptfile) of the reference data, sorted, with its root; `None` (after
/// a printed skip) when the data is absent. `yaml-test-suite/` is left out: its cases (error cases
/// among them) are not the real files these tests are about.
#[allow(dead_code)]
pub fn reference_yaml_files() -> Option<(std::path::PathBuf, Vec<std::path::PathBuf>)> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if !path.ends_with("yaml-test-suite") {
                    walk(&path, out);
                }
            } else {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.ends_with(".yaml")
                    || name.ends_with(".yml")
                    || name.ends_with(".json")
                    || name == "Kptfile"
                {
                    out.push(path);
                }
            }
        }
    }
    let root = reference::path("")?;
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(
        files.len() > 100,
        "reference files not found under {}",
        root.display()
    );
    Some((root, files))
}

/// The Kubeflow 1.1 blueprint as users have it (`upstream/kubeflow-blueprint-v1.1.0.tgz` of the
/// reference data), unpacked: the temp dir that holds it and its `kubeflow/` folder; `None`
/// after a printed skip when the reference data is absent.
#[allow(dead_code)]
pub fn unpacked_blueprint() -> Option<(tempfile::TempDir, std::path::PathBuf)> {
    let tgz = reference::path("upstream/kubeflow-blueprint-v1.1.0.tgz")?;
    let tmp = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("tar")
        .arg("xzf")
        .arg(&tgz)
        .arg("-C")
        .arg(tmp.path())
        .status()
        .unwrap();
    assert!(status.success(), "tar xzf {}", tgz.display());
    let dir = tmp.path().join("kubeflow");
    Some((tmp, dir))
}

/// The built binary with `args`, `stdin` written to its standard input; its whole output.
#[allow(dead_code)]
pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_private-gke"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run private-gke");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}
