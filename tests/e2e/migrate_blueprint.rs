//! The Kubeflow 1.1 blueprint as users have it (`kubeflow-blueprint-v1.1.0.tgz`, a kpt v0 tree
//! without root Kptfile): `private-gke migrate --exec` with the user's values, then
//! `kpt fn render --allow-exec` at the root, then `kustomize build instance/gcp_config`, gives
//! the objects package mode gives on the unmigrated tree. Reference tier: skipped without the
//! reference data, kpt or kustomize.

use crate::support;
use private_gke::package::{self, PackageOptions};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

const VALUES: [(&str, &str); 5] = [
    ("name", "kf-test"),
    ("gcloud.core.project", "my-proj"),
    ("region", "us-central1"),
    ("zone", "us-central1-c"),
    ("location", "us-central1-c"),
];

/// Annotations that say who wrote an object, not what it is.
const BOOKKEEPING: [&str; 2] = ["private-gke.dev/owned", "cnrm.cloud.google.com/blueprint"];

/// Why the test cannot run here (the reference tier prints its own skip, or fails when the
/// data is required), or `None`.
fn tools_missing() -> Option<String> {
    if support::reference::path("upstream/kubeflow-blueprint-v1.1.0.tgz").is_none()
        || support::reference::tool("validate_crd.py").is_none()
    {
        return Some("the reference data is absent".into());
    }
    for tool in ["kpt", "kustomize"] {
        if Command::new(tool).arg("version").output().is_err() {
            return Some(format!("{tool} is not installed"));
        }
    }
    None
}

/// The blueprint unpacked in `dir`: `dir/kubeflow`.
fn unpack(dir: &Path) -> PathBuf {
    let tgz = support::reference::path("upstream/kubeflow-blueprint-v1.1.0.tgz").unwrap();
    let status = Command::new("tar")
        .arg("xzf")
        .arg(tgz)
        .arg("-C")
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success());
    dir.join("kubeflow")
}

fn values(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    VALUES
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `kustomize build --load-restrictor LoadRestrictionsNone instance/gcp_config`, by identity,
/// without bookkeeping annotations.
fn build(root: &Path) -> BTreeMap<String, Value> {
    build_counting(root).0
}

/// [`build`], and how many objects carried `private-gke.dev/owned`.
fn build_counting(root: &Path) -> (BTreeMap<String, Value>, usize) {
    let out = Command::new("kustomize")
        .args(["build", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(root.join("instance/gcp_config"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut objects = BTreeMap::new();
    let mut owned = 0;
    for doc in serde_norway::Deserializer::from_str(&text) {
        let mut value: Value = serde::Deserialize::deserialize(doc).unwrap();
        if value.is_null() {
            continue;
        }
        if !value["metadata"]["annotations"]["private-gke.dev/owned"].is_null() {
            owned += 1;
        }
        if let Some(a) = value
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            a.retain(|k, _| !BOOKKEEPING.contains(&k.as_str()));
            if a.is_empty() {
                value["metadata"]
                    .as_object_mut()
                    .unwrap()
                    .remove("annotations");
            }
        }
        let id = format!(
            "{} {} {} {}",
            value["apiVersion"].as_str().unwrap_or(""),
            value["kind"].as_str().unwrap_or(""),
            value["metadata"]["namespace"].as_str().unwrap_or(""),
            value["metadata"]["name"].as_str().unwrap_or("")
        );
        objects.insert(id, value);
    }
    (objects, owned)
}

/// Package mode on the unmigrated blueprint, then the build.
fn package_mode(tmp: &Path, extra: &[(&str, &str)]) -> (BTreeMap<String, Value>, usize) {
    let root = unpack(tmp);
    let outcome = package::run(
        &root,
        &PackageOptions {
            function_config: Some(private_gke::config_map(&values(extra))),
            ..PackageOptions::default()
        },
    )
    .unwrap();
    assert_eq!(outcome.exit_code(), 0);
    build_counting(&root)
}

fn render(root: &Path) -> String {
    let out = Command::new("kpt")
        .args([
            "fn",
            "render",
            "--allow-exec",
            "--truncate-output=false",
            ".",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "kpt fn render failed:\n{log}");
    log
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                walk(root, &e.path(), out);
            } else if t.is_file() {
                let rel = e.path().strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, fs::read(e.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn changed(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// Migrate (exec mutators), render, build; returns the build, the render log and the tree.
fn migrated(tmp: &Path, extra: &[(&str, &str)]) -> (BTreeMap<String, Value>, String, PathBuf) {
    let root = unpack(tmp);
    let before = snapshot(&root);
    let mut cmd = Command::new(BIN);
    cmd.args(["migrate", "--exec", BIN]);
    for (k, v) in values(extra) {
        cmd.arg("--set").arg(format!("{k}={v}"));
    }
    let out = cmd.arg(&root).output().unwrap();
    let report = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{report}");
    assert!(report.contains("wrote one (kpt.dev/v1)"), "{report}");
    assert!(
        report.contains(
            "instance/settings.yaml: kpt 1.0 cannot read it (the document has no `apiVersion`)"
        ),
        "{report}"
    );
    let migrated = snapshot(&root);
    let again = Command::new(BIN)
        .args(["migrate", "--exec", BIN])
        .arg(&root)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to migrate"));
    assert_eq!(
        changed(&migrated, &snapshot(&root)),
        BTreeSet::new(),
        "a second migrate changes nothing"
    );
    let written: BTreeSet<String> = changed(&before, &migrated);
    assert!(written.contains("Kptfile") && written.contains("instance/setters.yaml"));
    let log = render(&root);
    (build(&root), log, root)
}

#[test]
fn render_of_the_migrated_blueprint_builds_what_package_mode_builds() {
    if let Some(why) = tools_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let base_dir = tempfile::tempdir().unwrap();
    let (base, owned) = package_mode(base_dir.path(), &[]);
    let mig_dir = tempfile::tempdir().unwrap();
    let (ours, log, root) = migrated(mig_dir.path(), &[]);
    assert!(!log.contains("no value for setter"), "{log}");
    // The blueprint's Config Connector (1.7.1, its install manifests say) has no network
    // firewall policies: the network's address-list form.
    let network = private_gke::gke::resources::count(
        true,
        private_gke::gke::firewall_rules::Allowlist::choose(
            private_gke::config::EgressAllowlist::Fqdn,
            false,
        ),
    );
    assert_eq!(
        owned,
        1 + network + 1,
        "the cluster, the network resources, the webhook rule"
    );
    assert_eq!(
        base.len(),
        61 + network,
        "the blueprint's 60 objects, the network, the rule"
    );
    let base_ids: Vec<&String> = base.keys().collect();
    let our_ids: Vec<&String> = ours.keys().collect();
    assert_eq!(our_ids, base_ids);
    for (id, object) in &base {
        assert_eq!(&ours[id], object, "{id}");
    }
    let cluster = ours
        .values()
        .find(|o| o["kind"] == "ContainerCluster")
        .unwrap();
    assert_eq!(cluster["metadata"]["name"], "kf-test");
    assert_eq!(
        cluster["spec"]["privateClusterConfig"]["enablePrivateNodes"],
        true
    );
    assert!(ours
        .values()
        .all(|o| o["metadata"]["labels"]["kf-name"] == "kf-test"));

    // A second render: the build is the same; the files it changes are the ones kpt itself
    // changes on any round trip through two functions (a control package of `cat` mutators).
    let first = snapshot(&root);
    let log2 = render(&root);
    assert!(!log2.contains("no value for setter"), "{log2}");
    assert_eq!(
        build(&root),
        ours,
        "a second render builds the same objects"
    );
    let drift = changed(&first, &snapshot(&root));
    let control = tempfile::tempdir().unwrap();
    let pkg = control.path().join("p");
    fs::create_dir(&pkg).unwrap();
    fs::write(
        pkg.join("Kptfile"),
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: p\npipeline:\n  mutators:\n  - exec: /bin/cat\n  - exec: /bin/cat\n",
    )
    .unwrap();
    let flat = |rel: &str| rel.replace('/', "__");
    for rel in &drift {
        fs::write(pkg.join(flat(rel)), &first[rel]).unwrap();
    }
    let before = snapshot(&pkg);
    render(&pkg);
    let moved = changed(&before, &snapshot(&pkg));
    for rel in &drift {
        assert!(
            moved.contains(&flat(rel)),
            "{rel} changed on the second render, but kpt alone does not change it"
        );
    }
    eprintln!(
        "second render: {} file(s) changed, all by kpt's own round trip: {drift:?}",
        drift.len()
    );
}

#[test]
fn with_config_connector_1_15_1_the_render_is_valid_on_its_crds() {
    if let Some(why) = tools_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let version = [("private-gke.cnrm-version", "1.15.1")];
    let base_dir = tempfile::tempdir().unwrap();
    let (base, _) = package_mode(base_dir.path(), &version);
    let mig_dir = tempfile::tempdir().unwrap();
    let (ours, log, _) = migrated(mig_dir.path(), &version);
    assert!(!log.contains("no value for setter"), "{log}");
    assert_eq!(ours.len(), base.len());
    for (id, object) in &base {
        assert_eq!(&ours[id], object, "{id}");
    }
    let file = mig_dir.path().join("build.yaml");
    let docs: Vec<String> = ours.values().map(Value::to_string).collect();
    fs::write(&file, docs.join("\n---\n")).unwrap();
    let crds = support::reference::path("upstream/k8s-config-connector@1.15.1/crds").unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(support::reference::tool("validate_crd.py").unwrap())
        .arg("--strict");
    for e in fs::read_dir(&crds).unwrap() {
        cmd.arg("--crd").arg(e.unwrap().path());
    }
    let out = cmd.arg(&file).output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ok = stdout.lines().filter(|l| l.starts_with("OK ")).count();
    assert!(ok >= 24, "{stdout}");
    eprintln!("Config Connector 1.15.1: {ok} object(s) valid");
}
