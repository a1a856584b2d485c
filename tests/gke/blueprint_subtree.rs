//! The Kubeflow 1.1 blueprint as users have it (`kubeflow-blueprint-v1.1.0.tgz`): its `gcp`
//! package (the cluster, and the Config Connector install bundle beside it, without upstream's
//! `privateGKE/`) in package mode. The install bundle's `cnrm.cloud.google.com/version` decides
//! the cluster's fields, and the generated files speak the package's kpt v0 dialect.

use crate::gke_common::run_package;
use crate::support;
use private_gke::krm::ResourceList;
use std::process::Command;

const VALUES: [(&str, &str); 5] = [
    ("name", "kf-test"),
    ("gcloud.core.project", "proj"),
    ("region", "us-central1"),
    ("zone", "us-central1-c"),
    ("location", "us-central1-c"),
];

#[test]
fn the_blueprints_gcp_package_is_written_for_its_config_connector_in_its_dialect() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(tgz) = support::reference::path("upstream/kubeflow-blueprint-v1.1.0.tgz") else {
        return;
    };
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&tgz)
        .arg("-C")
        .arg(tmp.path())
        .status()
        .expect("tar runs");
    assert!(status.success());
    let gcp = tmp.path().join("kubeflow/upstream/manifests/gcp");
    let dir = tmp.path().join("gcp");
    std::fs::create_dir_all(dir.join("v2/management")).unwrap();
    std::fs::copy(gcp.join("Kptfile"), dir.join("Kptfile")).unwrap();
    support::copy_tree(&gcp.join("v2/cnrm"), &dir.join("v2/cnrm"), &[]);
    support::copy_tree(
        &gcp.join("v2/management/cnrm-install"),
        &dir.join("v2/management/cnrm-install"),
        &[],
    );

    let first = run_package(&dir, &VALUES, false);
    let said: Vec<&str> = first
        .results
        .iter()
        .filter(|r| r.message.starts_with("written for Config Connector"))
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(said.len(), 1, "{:?}", first.results);
    assert!(said[0].starts_with("written for Config Connector 1.7.1 (cnrm.cloud.google.com/version of v2/management/cnrm-install/install-system/"), "{}", said[0]);
    assert!(!first
        .results
        .iter()
        .any(|r| r.message.starts_with("nothing in the package names")));
    let cluster = std::fs::read_to_string(dir.join("v2/cnrm/cluster/cluster.yaml")).unwrap();
    assert!(!cluster.contains("networkingMode"), "{cluster}");
    assert!(cluster.contains("location: us-central1-c"), "{cluster}");
    let nat = std::fs::read_to_string(dir.join("private-gke/nat.yaml")).unwrap();
    assert!(
        nat.contains("  region: us-central1 # {\"$kpt-set\":\"gcloud.compute.region\"}\n"),
        "{nat}"
    );
    assert!(!nat.contains("kpt-set:"), "{nat}");

    let second = run_package(&dir, &VALUES, false);
    assert_eq!(second.changed, Vec::<String>::new());

    // The cluster and the generated resources validate strictly against Config Connector 1.15.1
    // (no firewall policies there: the address-list rules).
    let listed = run_package(&dir, &[("private-gke.mode", "check")], true);
    let list = ResourceList::read(listed.stdout.as_bytes(), "package").unwrap();
    let ours: Vec<String> = list
        .items
        .iter()
        .filter(|i| {
            i.kind() == "ContainerCluster" || i.annotation("private-gke.dev/owned") == Some("true")
        })
        .map(|i| {
            let mut v = i.value().clone();
            if let Some(a) = v["metadata"]["annotations"].as_object_mut() {
                a.retain(|k, _| !k.contains("config.kubernetes.io/"));
            }
            v.to_string()
        })
        .collect();
    let want = 1 + private_gke::gke::resources::count(
        true,
        private_gke::gke::firewall_rules::Allowlist::choose(
            private_gke::config::EgressAllowlist::Fqdn,
            false,
        ),
    );
    assert_eq!(ours.len(), want);
    let file = tmp.path().join("ours.yaml");
    std::fs::write(&file, ours.join("\n---\n")).unwrap();
    let (Some(crds), Some(validate)) = (
        support::reference::path("upstream/k8s-config-connector@1.15.1/crds"),
        support::reference::tool("validate_crd.py"),
    ) else {
        return;
    };
    let mut cmd = Command::new("python3");
    cmd.arg(validate).arg("--strict");
    for e in std::fs::read_dir(&crds).unwrap() {
        cmd.arg("--crd").arg(e.unwrap().path());
    }
    let out = cmd.arg(&file).output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("OK ")).count(),
        want,
        "{stdout}"
    );
}
