//! What the blueprint builds after a run: the owned resources are wired into the kustomizations
//! that build the cluster, exactly once, with the build's labels; a second run changes nothing;
//! `gke.private=false` gives every file back byte for byte (setter values aside); a switch of
//! cluster takes the old one back. Package mode on `testdata/packages/kustomized`, then real
//! kustomize on its `instance/` (skipped, with the reason printed, where kustomize is missing).

use crate::support;

use serde_norway::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/packages/kustomized");
const VALUES: [&str; 8] = [
    "--set",
    "name=kf-demo",
    "--set",
    "gcloud.core.project=kf-demo-project",
    "--set",
    "location=us-central1-c",
    "--set",
    "region=us-central1",
];

fn package() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    support::copy_tree(Path::new(FIXTURE), &dir, &[]);
    (tmp, dir)
}

fn run(dir: &Path, extra: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(VALUES)
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file under `dir`, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `kustomize build` of `dir`, as documents; `None` (skipped) without kustomize.
fn build(dir: &Path) -> Option<Vec<Value>> {
    let out = match Command::new("kustomize").arg("build").arg(dir).output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: kustomize not runnable ({e}); install it with ../shared/tools/install-kustomize.sh");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "kustomize build {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    Some(
        serde_norway::Deserializer::from_str(&text)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect(),
    )
}

fn kinds(docs: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for d in docs {
        *out.entry(d["kind"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    out
}

#[test]
fn the_build_holds_the_private_cluster_and_the_generated_resources_once_with_its_labels() {
    let (_tmp, dir) = package();
    let Some(before) = build(&dir.join("instance")) else {
        return;
    };
    assert_eq!(before.len(), 2, "the cluster and its service account");
    let (code, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "wired the private network into the build of the cluster: added ../private-gke"
        ),
        "{stderr}"
    );
    let kust = fs::read_to_string(dir.join("base/kustomization.yaml")).unwrap();
    assert!(
        kust.ends_with("- kf-vm-sa.yaml\n- ../private-gke\n"),
        "{kust}"
    );
    let docs = build(&dir.join("instance")).unwrap();
    let counts = kinds(&docs);
    let expected: BTreeMap<String, usize> = [
        // No version named: a current Config Connector, FQDN rules for Docker Hub and the JWKs.
        ("ComputeFirewall", 8),
        ("ComputeNetwork", 1),
        ("ComputeNetworkFirewallPolicy", 1),
        ("ComputeNetworkFirewallPolicyAssociation", 1),
        ("ComputeNetworkFirewallPolicyRule", 2),
        ("ComputeRoute", 2),
        ("ComputeRouter", 1),
        ("ComputeRouterNAT", 1),
        ("ComputeSubnetwork", 1),
        ("ContainerCluster", 1),
        ("DNSManagedZone", 3),
        ("DNSRecordSet", 6),
        ("IAMServiceAccount", 1),
        ("Service", 1),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_string(), n))
    .collect();
    assert_eq!(counts, expected);
    for d in &docs {
        assert_eq!(
            d["metadata"]["labels"]["kf-name"].as_str(),
            Some("kf-demo"),
            "{} {} has the build's labels",
            d["kind"].as_str().unwrap(),
            d["metadata"]["name"].as_str().unwrap()
        );
        assert_eq!(d["metadata"]["namespace"].as_str(), Some("kf-demo-project"));
    }
    let cluster = docs
        .iter()
        .find(|d| d["kind"] == "ContainerCluster")
        .unwrap();
    assert_eq!(
        cluster["spec"]["privateClusterConfig"]["enablePrivateNodes"],
        Value::Bool(true)
    );
    assert_eq!(
        cluster["spec"]["networkRef"]["name"].as_str(),
        Some("kf-demo")
    );
    let network = docs.iter().find(|d| d["kind"] == "ComputeNetwork").unwrap();
    assert_eq!(network["metadata"]["name"].as_str(), Some("kf-demo"));

    let after_first = snapshot(&dir);
    let (code, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(snapshot(&dir), after_first, "a second run changes nothing");
}

#[test]
fn taking_it_back_gives_every_file_back() {
    let (_tmp, dir) = package();
    let (_tmp2, setters_only) = package();
    let (code, stderr) = run(&setters_only, &["--set", "gke.private=false"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run(&dir, &["--set", "gke.private=false"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("unwired the private network: removed ../private-gke"),
        "{stderr}"
    );
    assert_eq!(snapshot(&dir), snapshot(&setters_only));
    assert!(
        !dir.join("private-gke").exists(),
        "the emptied folder goes too"
    );
    if let Some(docs) = build(&dir.join("instance")) {
        assert_eq!(docs.len(), 2);
        let cluster = docs
            .iter()
            .find(|d| d["kind"] == "ContainerCluster")
            .unwrap();
        assert!(cluster["spec"]["privateClusterConfig"].is_null());
    }
}

#[test]
fn a_package_that_already_builds_the_network_is_not_wired_twice() {
    let (_tmp, dir) = package();
    let (code, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stderr}");
    // The user moves the entry to the instance, as the guide's step does.
    let base = dir.join("base/kustomization.yaml");
    let text = fs::read_to_string(&base).unwrap();
    fs::write(&base, text.replace("- ../private-gke\n", "")).unwrap();
    let instance = dir.join("instance/kustomization.yaml");
    let text = fs::read_to_string(&instance).unwrap();
    fs::write(&instance, format!("{text}- ../private-gke\n")).unwrap();
    let before = snapshot(&dir);
    let (code, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("wired the private network"), "{stderr}");
    assert_eq!(snapshot(&dir), before);
    if let Some(docs) = build(&dir.join("instance")) {
        let generated = private_gke::gke::resources::count(
            true,
            private_gke::gke::firewall_rules::Allowlist::choose(
                private_gke::config::EgressAllowlist::Fqdn,
                true,
            ),
        );
        assert_eq!(docs.len(), 2 + generated);
    }
}

#[test]
fn switching_cluster_takes_the_old_one_back() {
    let (_tmp, dir) = package();
    let original = snapshot(&dir);
    let (code, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run(&dir, &["--set", "private-gke.cluster=mgmt/cluster.yaml"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("private patch removed: another cluster is the one made private now"),
        "{stderr}"
    );
    let now = snapshot(&dir);
    assert_eq!(
        now["base/kustomization.yaml"], original["base/kustomization.yaml"],
        "the old cluster's wiring is gone"
    );
    assert!(!now["base/cluster.yaml"].contains("privateClusterConfig"));
    assert!(now["mgmt/cluster.yaml"].contains("enablePrivateNodes: true"));
}

#[test]
fn a_rename_then_take_back_leaves_what_the_setters_make_of_the_new_name() {
    let (_tmp, dir) = package();
    let (_tmp2, setters_only) = package();
    let renamed = ["--set", "name=kf-renamed"];
    let (code, stderr) = run(&dir, &[]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run(&dir, &renamed);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run(
        &dir,
        &[renamed[0], renamed[1], "--set", "gke.private=false"],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run(
        &setters_only,
        &[renamed[0], renamed[1], "--set", "gke.private=false"],
    );
    assert_eq!(code, 0, "{stderr}");
    let now = snapshot(&dir);
    assert!(
        now["base/cluster.yaml"]
            .contains("clusterName: \"kf-demo-project/us-central1-c/kf-renamed\""),
        "{}",
        now["base/cluster.yaml"]
    );
    assert_eq!(now, snapshot(&setters_only));
}
