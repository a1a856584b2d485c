//! Package mode on a kpt v1 package whose Kptfile pipeline runs apply-setters with a
//! `configPath`: that file's values are the package's setter values (as `kpt fn render` would
//! have applied them), the functionConfig's own values win, and no setter goes unresolved.

use private_gke::krm::{KrmResult, Severity};
use private_gke::package::{self, PackageOptions};
use serde_json::json;
use std::fs;
use std::path::Path;

const KPTFILE: &str = "\
apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: pkg
  annotations:
    config.kubernetes.io/local-config: \"true\"
pipeline:
  mutators:
  - image: gcr.io/kpt-fn/apply-setters:v0.2
    configPath: setters.yaml
";

const SETTERS: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: setters
  annotations:
    config.kubernetes.io/local-config: \"true\"
data:
  host-project: host-prod
  network: shared-vpc
  env: prod
";

const CLUSTER: &str = "\
apiVersion: container.cnrm.cloud.google.com/v1beta1
kind: ContainerCluster
metadata:
  name: kf
  labels:
    env: dev # kpt-set: ${env}
spec:
  location: us-central1-c
  initialNodeCount: 1
  networkRef:
    external: projects/host/global/networks/shared # kpt-set: projects/${host-project}/global/networks/${network}
  subnetworkRef:
    external: projects/host/regions/us-central1/subnetworks/kf
  ipAllocationPolicy:
    clusterSecondaryRangeName: kf-pods
    servicesSecondaryRangeName: kf-services
";

fn run(dir: &Path, setters: serde_json::Value) -> Vec<KrmResult> {
    let config = json!({"apiVersion": "private-gke.dev/v1alpha1", "kind": "PrivateGKE",
        "metadata": {"name": "private-gke"},
        "spec": {"region": "us-central1", "cnrmVersion": "1.15.1", "setters": setters}});
    package::run(
        dir,
        &PackageOptions {
            function_config: Some(config),
            ..PackageOptions::default()
        },
    )
    .unwrap()
    .results
}

fn package(kptfile: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("Kptfile"), kptfile).unwrap();
    fs::write(dir.join("setters.yaml"), SETTERS).unwrap();
    fs::write(dir.join("cluster.yaml"), CLUSTER).unwrap();
    (tmp, dir)
}

fn unresolved(results: &[KrmResult]) -> Vec<&str> {
    results
        .iter()
        .filter(|r| r.message.starts_with("no value for setter"))
        .map(|r| r.message.as_str())
        .collect()
}

#[test]
fn config_path_values_are_the_packages_setter_values() {
    let (_tmp, dir) = package(KPTFILE);
    let results = run(&dir, json!({"env": "staging"}));
    assert!(
        results.iter().all(|r| r.severity != Severity::Error),
        "{results:#?}"
    );
    assert_eq!(unresolved(&results), Vec::<&str>::new());
    let cluster = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(
        cluster.contains(
            "external: projects/host-prod/global/networks/shared-vpc # kpt-set: projects/${host-project}/global/networks/${network}"
        ),
        "{cluster}"
    );
    // The functionConfig's own value wins over the Kptfile's.
    assert!(
        cluster.contains("env: staging # kpt-set: ${env}"),
        "{cluster}"
    );
    // The private setup follows the network the setters gave the cluster.
    let firewall = fs::read_to_string(dir.join("private-gke/firewall.yaml")).unwrap();
    assert!(
        firewall.contains("external: projects/host-prod/global/networks/shared-vpc"),
        "{firewall}"
    );
    let summary = results
        .iter()
        .find(|r| r.message.starts_with("setters: "))
        .unwrap();
    assert!(
        summary
            .message
            .ends_with("setters used: [env, host-project, network]"),
        "{}",
        summary.message
    );
    assert_eq!(
        fs::read_to_string(dir.join("setters.yaml")).unwrap(),
        SETTERS
    );
}

#[test]
fn without_the_pipeline_each_setter_is_unresolved() {
    let plain = KPTFILE.split("pipeline:").next().unwrap();
    let (_tmp, dir) = package(plain);
    let results = run(&dir, json!({}));
    assert_eq!(unresolved(&results).len(), 3, "{results:#?}");
}

#[test]
fn a_config_path_that_is_not_in_the_package_is_a_warning_at_the_kptfile() {
    let (_tmp, dir) = package(&KPTFILE.replace("setters.yaml", "missing.yaml"));
    let results = run(&dir, json!({}));
    let warning = results
        .iter()
        .find(|r| r.message.contains("\"missing.yaml\""))
        .expect("a warning about the missing config");
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(
        warning.field.as_ref().map(|f| f.path.as_str()),
        Some("pipeline.mutators[0].configPath")
    );
    assert_eq!(warning.resource_ref.as_ref().unwrap().kind, "Kptfile");
}
