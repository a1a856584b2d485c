//! Reading what kpt and kustomize accept although it is odd: kustomizations without
//! `apiVersion`/`kind`, mappings that repeat a key, settings files with setter comments, FIFOs
//! named `*.yaml`; and the whole Kubeflow 1.1 blueprint (reference tier) in package mode,
//! through `kpt fn source | private-gke` and through `kpt fn eval --exec`.

use crate::support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

/// Run the binary with `args`; a run that takes more than two minutes is killed and fails the
/// test. Output goes through files, so a large one cannot block the child.
fn run(args: &[&str], stdin: Option<&Path>) -> Output {
    let outputs = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (outputs.path().join("out"), outputs.path().join("err"));
    let mut command = Command::new(BIN);
    command
        .args(args)
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap());
    match stdin {
        Some(path) => command.stdin(fs::File::open(path).unwrap()),
        None => command.stdin(Stdio::null()),
    };
    let mut child = command.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("private-gke {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: fs::read(out_path).unwrap(),
        stderr: fs::read(err_path).unwrap(),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (rel, content) in files {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
}

/// Every regular file under `dir`, by relative path.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                let rel = entry.path().strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, fs::read(entry.path()).unwrap());
            }
        }
    }
    out
}

const KPTFILE: &str = "apiVersion: kpt.dev/v1alpha1
kind: Kptfile
metadata:
  name: instance
openAPI:
  definitions:
    io.k8s.cli.setters.name:
      x-k8s-cli:
        setter:
          name: name
          value: KUBEFLOW-NAME
";
/// The blueprint's `instance/settings.yaml`: no `apiVersion`, a setter (`private`) that no
/// Kptfile defines.
const SETTINGS: &str = "# Name of kubeconfig contexts for various
mgmt-ctxt: MANAGEMENT-CTXT # {\"$kpt-set\":\"mgmt-ctxt\"}
name: KUBEFLOW-NAME # {\"$kpt-set\":\"name\"}
gkePrivate: false # {\"$kpt-set\":\"private\"}
";
/// Upstream's `gcp/v2/cnrm/kustomization.yaml`: neither `apiVersion` nor `kind`.
const CNRM: &str = "# This kustomize package defines CNRM resources
resources:
- cluster
- gcp-services.yaml
";
/// Upstream's `common/centraldashboard/base/kustomization.yaml`: `namespace` twice.
const DASHBOARD: &str = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: kubeflow
resources:
- deployment.yaml
namespace: kubeflow
";

#[test]
fn odd_files_pass_through_and_a_settings_file_is_set() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    write_files(
        &dir,
        &[
            ("Kptfile", KPTFILE),
            ("settings.yaml", SETTINGS),
            ("cnrm/kustomization.yaml", CNRM),
            ("dashboard/kustomization.yaml", DASHBOARD),
        ],
    );
    let before = contents(&dir);
    let out = run(
        &[
            "--set",
            "name=kf-test",
            "--set",
            "gke.private=false",
            dir.to_str().unwrap(),
        ],
        None,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout.is_empty());
    let after = contents(&dir);
    assert_eq!(
        text(&after[Path::new("settings.yaml")]),
        SETTINGS.replace("name: KUBEFLOW-NAME", "name: kf-test"),
        "set as `kpt cfg set` sets it, nothing else changed"
    );
    for rel in ["cnrm/kustomization.yaml", "dashboard/kustomization.yaml"] {
        assert_eq!(after[Path::new(rel)], before[Path::new(rel)], "{rel}");
    }
    assert!(text(&after[Path::new("Kptfile")]).contains("value: kf-test\n          isSet: true"));
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("[warning]") && l.contains("duplicate key"))
        .collect();
    assert_eq!(
        warnings,
        [
            "[warning] Kustomization/ namespace: dashboard/kustomization.yaml:6:1: duplicate key \
          \"namespace\" (first on line 3): read as its last value, as kustomize reads it; passed \
          through unchanged, and a change to this key is an error (file \
          dashboard/kustomization.yaml)"
        ]
    );
    assert!(!stderr.contains("[error]"), "{stderr}");
}

#[test]
fn a_fifo_named_yaml_is_skipped_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    write_files(&dir, &[("Kptfile", KPTFILE), ("settings.yaml", SETTINGS)]);
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    let out = run(&["--set", "name=kf-test", dir.to_str().unwrap()], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == "[warning] pipe.yaml: a FIFO, not a regular file: skipped"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(dir.join("settings.yaml")).unwrap(),
        SETTINGS.replace("name: KUBEFLOW-NAME", "name: kf-test")
    );
}

fn copy_tree(from: &Path, to: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

/// True when a line carries a setter comment (kpt v1 or v0).
fn has_setter_comment(line: &str) -> bool {
    line.contains("kpt-set") || line.contains("\"$ref\"") || line.contains("\"$openapi\"")
}

/// Every file of `after` is byte-identical to `before`, except Kptfiles (setter definitions
/// store the values given) and lines that carry a setter comment; returns the changed files.
fn only_setter_lines_changed(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<PathBuf> {
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "no file added or deleted"
    );
    let mut changed = Vec::new();
    for (rel, old) in before {
        let new = &after[rel];
        if old == new {
            continue;
        }
        changed.push(rel.clone());
        if rel.file_name().is_some_and(|n| n == "Kptfile") {
            continue;
        }
        let (old, new) = (text(old), text(new));
        let (old_lines, new_lines): (Vec<&str>, Vec<&str>) =
            (old.split('\n').collect(), new.split('\n').collect());
        assert_eq!(old_lines.len(), new_lines.len(), "{}", rel.display());
        for (o, n) in old_lines.iter().zip(&new_lines) {
            assert!(
                o == n || (has_setter_comment(o) && has_setter_comment(n)),
                "{}: {o:?} became {n:?}",
                rel.display()
            );
        }
    }
    changed
}

/// The reading warnings the blueprint gives: its three repeated keys, by file and line.
const BLUEPRINT_WARNINGS: [&str; 3] = [
    "upstream/manifests/common/centraldashboard/base/kustomization.yaml:14:1: duplicate key \"namespace\" (first on line 3)",
    "upstream/manifests/jupyter/jupyter-web-app/base_v3/kustomization.yaml:25:1: duplicate key \"commonLabels\" (first on line 15)",
    "upstream/manifests/jupyter/jupyter-web-app/base_v3/kustomization.yaml:28:1: duplicate key \"namespace\" (first on line 24)",
];

/// The duplicate-key warnings among `lines`, cut to `file:line:column: duplicate key … (…)`.
fn duplicate_key_warnings(lines: &str) -> Vec<String> {
    lines
        .lines()
        .filter_map(|l| {
            let at = l.find("upstream/")?;
            let rest = &l[at..];
            let end = rest.find("):")?;
            rest[..end]
                .contains("duplicate key")
                .then(|| rest[..=end].to_string())
        })
        .collect()
}

#[test]
fn the_whole_blueprint_in_package_mode_passes_through_and_sets_settings() {
    let Some((_tmp, source)) = support::unpacked_blueprint() else {
        return;
    };
    let before = contents(&source);
    for (args, settings_name) in [
        (vec!["--set", "gke.private=false"], "KUBEFLOW-NAME"),
        (
            vec!["--set", "gke.private=false", "--set", "name=kf-test"],
            "kf-test",
        ),
    ] {
        let work = tempfile::tempdir().unwrap();
        let dir = work.path().join("kubeflow");
        copy_tree(&source, &dir);
        let mut all = args.clone();
        all.push(dir.to_str().unwrap());
        let out = run(&all, None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("[error]"), "{args:?}: {stderr}");
        assert_eq!(
            duplicate_key_warnings(&stderr),
            BLUEPRINT_WARNINGS,
            "{args:?}"
        );
        let after = contents(&dir);
        let changed = only_setter_lines_changed(&before, &after);
        let settings = text(&after[Path::new("instance/settings.yaml")]);
        assert_eq!(
            settings,
            text(&before[Path::new("instance/settings.yaml")])
                .replace("name: KUBEFLOW-NAME", &format!("name: {settings_name}")),
            "{args:?}"
        );
        if settings_name == "KUBEFLOW-NAME" {
            // Only the instance Kptfile stores gke.private.
            assert_eq!(changed, [PathBuf::from("instance/Kptfile")], "{args:?}");
        }
    }
}

/// `kpt`, when it is installed.
fn kpt() -> Option<&'static str> {
    let found = Command::new("kpt")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: kpt is not installed");
    }
    found.then_some("kpt")
}

#[test]
fn the_whole_blueprint_through_kpt_fn_source_passes_through() {
    let Some((tmp, dir)) = support::unpacked_blueprint() else {
        return;
    };
    let Some(kpt) = kpt() else { return };
    let source = Command::new(kpt)
        .args(["fn", "source"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(source.status.success(), "{}", text(&source.stderr));
    let input = tmp.path().join("source.yaml");
    fs::write(&input, &source.stdout).unwrap();
    let out = run(&["--set", "gke.private=false"], Some(&input));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let input_text = text(&source.stdout);
    let results_at = stdout.find("\nresults:\n").expect("results") + 1;
    // Items untouched but the instance Kptfile's `isSet: true` line.
    let items: Vec<&str> = stdout[..results_at].lines().collect();
    let original: Vec<&str> = input_text.lines().collect();
    assert_eq!(items.len(), original.len() + 1);
    let (mut i, mut j, mut extra) = (0, 0, Vec::new());
    while i < original.len() {
        if original[i] == items[j] {
            i += 1;
        } else {
            extra.push(items[j].trim());
        }
        j += 1;
    }
    extra.extend(items[j..].iter().map(|l| l.trim()));
    assert_eq!(extra, ["isSet: true"]);
    // One warning per repeated key, placed by its line in the ResourceList kpt sent.
    let warnings: Vec<&str> = stdout[results_at..]
        .lines()
        .filter(|l| l.contains("duplicate key"))
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings.iter().all(|w| w.contains("- message: 'stdin:")),
        "{warnings:?}"
    );
}

#[test]
fn kpt_fn_eval_passes_a_kustomization_without_api_version_through() {
    let Some((_tmp, source)) = support::unpacked_blueprint() else {
        return;
    };
    let Some(kpt) = kpt() else { return };
    // kpt itself refuses the blueprint root and `upstream/manifests/gcp` before running any
    // function (`instance/settings.yaml`, `cloud-endpoints/base/params.yaml`: "resource must
    // have `apiVersion`"); `v2/cnrm` holds the kustomization without `apiVersion` it does send.
    let eval = |dir: &Path, exec: &str, args: &[&str]| {
        let out = Command::new(kpt)
            .args(["fn", "eval"])
            .arg(dir)
            .args(["--exec", exec, "--"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kpt fn eval --exec {exec} {args:?}: {}",
            text(&out.stderr)
        );
    };
    let cnrm = "upstream/manifests/gcp/v2/cnrm";
    // What kpt writes with a function that changes nothing (it drops trailing blank lines).
    let baseline = tempfile::tempdir().unwrap();
    let base_dir = baseline.path().join("kubeflow");
    copy_tree(&source, &base_dir);
    eval(&base_dir.join(cnrm), "/bin/cat", &[]);
    let expected = contents(&base_dir.join(cnrm));
    for args in [
        vec!["gke.private=false"],
        vec!["gke.private=false", "name=kf-test"],
    ] {
        let work = tempfile::tempdir().unwrap();
        let dir = work.path().join("kubeflow");
        copy_tree(&source, &dir);
        eval(&dir.join(cnrm), BIN, &args);
        let after = contents(&dir.join(cnrm));
        assert_eq!(
            after[Path::new("kustomization.yaml")],
            fs::read(source.join(cnrm).join("kustomization.yaml")).unwrap(),
            "{args:?}"
        );
        let changed = only_setter_lines_changed(&expected, &after);
        assert_eq!(changed.is_empty(), args.len() == 1, "{args:?}: {changed:?}");
    }
}

#[test]
fn a_setter_on_a_repeated_key_is_an_error_result_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    let repeated = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: a\nnamespace: b # kpt-set: ${ns}\n";
    let settings = "name: x # kpt-set: ${ns}\n";
    write_files(
        &dir,
        &[
            ("kustomization.yaml", repeated),
            ("settings.yaml", settings),
        ],
    );
    let out = run(
        &[
            "--set",
            "ns=c",
            "--set",
            "gke.private=false",
            dir.to_str().unwrap(),
        ],
        None,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("[error]"))
        .collect();
    assert_eq!(
        errors,
        [
            "[error] Kustomization/: cannot write the change back to kustomization.yaml (line 4, \
          column 1): cannot change (root): key `namespace` is written twice in this mapping \
          (lines 3 and 4); edit it by hand (file kustomization.yaml)"
        ]
    );
    assert_eq!(
        fs::read_to_string(dir.join("kustomization.yaml")).unwrap(),
        repeated
    );
    assert_eq!(
        fs::read_to_string(dir.join("settings.yaml")).unwrap(),
        settings
    );
}

#[test]
fn output_stdout_keeps_keys_added_after_a_last_line_comment() {
    // The settings file's last line ends with a setter comment; the location annotations
    // added after it were cut short.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    write_files(&dir, &[("settings.yaml", SETTINGS), ("b.yaml", SETTINGS)]);
    let out = run(
        &[
            "--set",
            "name=kf-test",
            "--set",
            "gke.private=false",
            "--output",
            "stdout",
            dir.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let list = private_gke::krm::ResourceList::read(stdout.as_bytes(), "stdout").unwrap();
    assert_eq!(list.items.len(), 2);
    for (item, file) in list.items.iter().zip(["b.yaml", "settings.yaml"]) {
        assert_eq!(item.value()["name"], "kf-test");
        assert_eq!(item.value()["gkePrivate"], false);
        assert_eq!(
            item.value()["metadata"]["annotations"],
            serde_json::json!({
                "internal.config.kubernetes.io/path": file,
                "internal.config.kubernetes.io/index": "0",
                "config.kubernetes.io/path": file,
                "config.kubernetes.io/index": "0",
            })
        );
    }
}
