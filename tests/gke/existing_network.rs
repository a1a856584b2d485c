//! A cluster that already has its network (issue 10 point 10): package mode keeps the user's
//! network, subnetwork, master range and secondary ranges byte for byte, generates no network or
//! subnetwork, attaches the firewall rules, routes, router and DNS zones to the user's network,
//! says what it kept, changes nothing the second time, and its output validates strictly against
//! the Config Connector 1.15.1 CRDs.

use crate::support;

use private_gke::krm::{KrmResult, Severity};
use private_gke::package::{self, PackageOptions};
use serde::Deserialize;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const KPTFILE: &str = "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n";

/// A Shared VPC cluster: external refs with setter comments, a master range and ranges of its
/// own, not private yet.
const SHARED_VPC: &str = "\
apiVersion: container.cnrm.cloud.google.com/v1beta1
kind: ContainerCluster
metadata:
  name: kf # kpt-set: ${name}
spec:
  location: us-central1-c # kpt-set: ${location}
  initialNodeCount: 1
  # The host project's Shared VPC.
  networkRef:
    external: projects/host/global/networks/shared # kpt-set: projects/${host-project}/global/networks/${network}
  subnetworkRef:
    external: projects/host/regions/us-central1/subnetworks/kf # kpt-set: projects/${host-project}/regions/us-central1/subnetworks/${subnet}
  privateClusterConfig:
    enablePrivateEndpoint: false
    masterIpv4CidrBlock: 172.16.1.0/28 # the range the host project reserved
  ipAllocationPolicy:
    clusterSecondaryRangeName: kf-pods # kpt-set: ${pods-range}
    servicesSecondaryRangeName: kf-services
";

const SHARED: &str = "projects/host/global/networks/shared";

/// A temp package: Kptfile plus `files` (relative path, text).
fn package(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pkg");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("Kptfile"), KPTFILE).unwrap();
    for (rel, text) in files {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    (tmp, dir)
}

/// A typed config: region, location and Config Connector 1.15.1, plus `extra` spec fields.
fn config(extra: Value) -> Value {
    let mut spec =
        json!({"region": "us-central1", "location": "us-central1-c", "cnrmVersion": "1.15.1"});
    for (k, v) in extra.as_object().unwrap() {
        spec[k] = v.clone();
    }
    json!({"apiVersion": "private-gke.dev/v1alpha1", "kind": "PrivateGKE",
        "metadata": {"name": "private-gke"}, "spec": spec})
}

fn run(dir: &Path, config: &Value) -> package::PackageOutcome {
    package::run(
        dir,
        &PackageOptions {
            function_config: Some(config.clone()),
            ..PackageOptions::default()
        },
    )
    .unwrap()
}

fn of(results: &[KrmResult], severity: Severity) -> Vec<&str> {
    results
        .iter()
        .filter(|r| r.severity == severity)
        .map(|r| r.message.as_str())
        .collect()
}

/// Every YAML document under `dir`, with the file it came from (relative).
fn documents(dir: &Path) -> Vec<(String, Value)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let rel = f.strip_prefix(dir).unwrap().to_string_lossy().to_string();
        let text = fs::read_to_string(&f).unwrap();
        for d in serde_norway::Deserializer::from_str(&text) {
            let v = Value::deserialize(d).unwrap();
            if !v.is_null() {
                out.push((rel.clone(), v));
            }
        }
    }
    out
}

fn kinds(docs: &[(String, Value)], kind: &str) -> Vec<Value> {
    docs.iter()
        .filter(|(_, v)| v["kind"] == kind)
        .map(|(_, v)| v.clone())
        .collect()
}

/// True when every line of `before` is in `after`, in order (the edit only added lines).
fn only_added(before: &str, after: &str) -> bool {
    let mut rest = after.lines();
    before.lines().all(|l| rest.any(|a| a == l))
}

/// Strict validation of every Config Connector document against the 1.15.1 CRDs.
/// `None` (after a printed skip) without the reference data.
fn validate_1_15_1(docs: &[(String, Value)]) -> Option<(bool, String, usize)> {
    let (Some(crds), Some(validate)) = (
        support::reference::path("upstream/k8s-config-connector@1.15.1/crds"),
        support::reference::tool("validate_crd.py"),
    ) else {
        return None;
    };
    let cnrm: Vec<String> = docs
        .iter()
        .filter(|(_, v)| {
            v["apiVersion"]
                .as_str()
                .is_some_and(|a| a.contains("cnrm.cloud.google.com/"))
        })
        .map(|(_, v)| v.to_string())
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("out.yaml");
    fs::write(&file, cnrm.join("\n---\n")).unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(validate).arg("--strict");
    let mut names: Vec<PathBuf> = fs::read_dir(&crds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for c in names {
        cmd.arg("--crd").arg(c);
    }
    let out = cmd.arg(&file).output().expect("python3 runs");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "validator crashed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        cnrm.len(),
    ))
}

#[test]
fn shared_vpc_cluster_keeps_its_network_and_gets_the_private_setup_on_it() {
    let (_tmp, dir) = package(&[("cluster.yaml", SHARED_VPC)]);
    let outcome = run(&dir, &config(json!({})));
    assert_eq!(
        of(&outcome.results, Severity::Error),
        Vec::<&str>::new(),
        "{:#?}",
        outcome.results
    );
    let after = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(only_added(SHARED_VPC, &after), "{after}");
    for line in SHARED_VPC.lines().filter(|l| {
        l.contains("Ref:")
            || l.contains("external:")
            || l.contains("masterIpv4CidrBlock")
            || l.contains("SecondaryRangeName")
            || l.contains("Shared VPC")
    }) {
        assert_eq!(
            after.matches(line).count(),
            1,
            "{line:?} kept once:\n{after}"
        );
    }
    assert!(after.contains("    enablePrivateNodes: true\n"), "{after}");

    let docs = documents(&dir);
    assert!(kinds(&docs, "ComputeNetwork").is_empty());
    assert!(kinds(&docs, "ComputeSubnetwork").is_empty());
    let external = json!({ "external": SHARED });
    let mut attached = 0;
    for kind in ["ComputeFirewall", "ComputeRoute", "ComputeRouter"] {
        for v in kinds(&docs, kind) {
            assert_eq!(v["spec"]["networkRef"], external, "{v}");
            attached += 1;
        }
    }
    for v in kinds(&docs, "DNSManagedZone") {
        assert_eq!(
            v["spec"]["privateVisibilityConfig"]["networks"][0]["networkRef"], external,
            "{v}"
        );
        attached += 1;
    }
    // Ten rules (an older Config Connector: address lists), two routes, the router, three zones.
    assert_eq!(attached, 10 + 2 + 1 + 3);
    assert_eq!(kinds(&docs, "ComputeRouterNAT").len(), 1);
    assert_eq!(kinds(&docs, "Service").len(), 1);
    for (rule, field) in [
        ("kf-master-egress", "destinationRanges"),
        ("kf-istio", "sourceRanges"),
        ("kf-cm", "sourceRanges"),
    ] {
        let fw = kinds(&docs, "ComputeFirewall")
            .into_iter()
            .find(|v| v["metadata"]["name"] == rule)
            .unwrap();
        assert_eq!(fw["spec"][field], json!(["172.16.1.0/28"]), "{rule}");
    }
    let firewall = fs::read_to_string(dir.join("private-gke/firewall.yaml")).unwrap();
    assert!(!firewall.contains("master-ipv4-cidr"), "{firewall}");
    assert!(!firewall.contains("networkRef:\n    name"), "{firewall}");
    // The generated refs carry the cluster's setter comment: apply-setters keeps them together.
    let with_comment = "external: projects/host/global/networks/shared # kpt-set: projects/${host-project}/global/networks/${network}\n";
    assert_eq!(firewall.matches(with_comment).count(), 10, "{firewall}");
    for file in [
        "compute-network.yaml",
        "nat.yaml",
        "dns-gcr.yaml",
        "dns-google-apis.yaml",
    ] {
        let text = fs::read_to_string(dir.join("private-gke").join(file)).unwrap();
        assert!(text.contains(with_comment), "{file}:\n{text}");
    }

    let kept: Vec<&str> = of(&outcome.results, Severity::Info)
        .into_iter()
        .filter(|m| m.starts_with("kept the cluster's own"))
        .collect();
    assert_eq!(kept.len(), 1, "{:#?}", outcome.results);
    for part in [
        "network (spec.networkRef external `projects/host/global/networks/shared`)",
        "subnetwork (spec.subnetworkRef external `projects/host/regions/us-central1/subnetworks/kf`)",
        "master range 172.16.1.0/28",
        "clusterSecondaryRangeName `kf-pods`",
        "servicesSecondaryRangeName `kf-services`",
    ] {
        assert!(kept[0].contains(part), "{part}: {}", kept[0]);
    }

    let Some((ok, stdout, count)) = validate_1_15_1(&docs) else {
        return;
    };
    assert!(ok, "{stdout}");
    // Config Connector 1.15.1 has no firewall policies: the address-list rules.
    let resources = private_gke::gke::resources::count(
        false,
        private_gke::gke::firewall_rules::Allowlist::choose(
            private_gke::config::EgressAllowlist::Fqdn,
            false,
        ),
    );
    assert_eq!(
        count,
        1 + resources,
        "the cluster and {resources} resources"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("OK ")).count(),
        count
    );

    let again = run(&dir, &config(json!({})));
    assert_eq!(again.changed, Vec::<String>::new(), "{:#?}", again.results);
    assert_eq!(of(&again.results, Severity::Error), Vec::<&str>::new());
}

#[test]
fn a_master_cidr_that_contradicts_the_clusters_own_range_is_an_error() {
    let (_tmp, dir) = package(&[("cluster.yaml", SHARED_VPC)]);
    let outcome = run(&dir, &config(json!({"masterIpv4Cidr": "172.16.0.32/28"})));
    let errors = of(&outcome.results, Severity::Error);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    for part in [
        "master-ipv4-cidr \"172.16.0.32/28\"",
        "\"172.16.1.0/28\"",
        "spec.privateClusterConfig.masterIpv4CidrBlock",
        "recreates the cluster",
    ] {
        assert!(errors[0].contains(part), "{part}: {}", errors[0]);
    }
    assert_eq!(outcome.changed, Vec::<String>::new());
    assert_eq!(
        fs::read_to_string(dir.join("cluster.yaml")).unwrap(),
        SHARED_VPC
    );
    // The same range as the cluster's is no contradiction.
    let outcome = run(&dir, &config(json!({"masterIpv4Cidr": "172.16.1.0/28"})));
    assert_eq!(of(&outcome.results, Severity::Error), Vec::<&str>::new());
}

#[test]
fn subnet_cidr_settings_are_not_used_on_the_users_subnetwork() {
    let (_tmp, dir) = package(&[("cluster.yaml", SHARED_VPC)]);
    let outcome = run(
        &dir,
        &config(json!({"subnetCidr": "10.20.0.0/24", "podsCidr": "10.21.0.0/16"})),
    );
    let warnings: Vec<&str> = of(&outcome.results, Severity::Warning)
        .into_iter()
        .filter(|m| m.contains("not used"))
        .collect();
    assert_eq!(warnings.len(), 1, "{:#?}", outcome.results);
    assert!(
        warnings[0].starts_with("subnet-cidr, pods-cidr not used"),
        "{}",
        warnings[0]
    );
    assert!(kinds(&documents(&dir), "ComputeSubnetwork").is_empty());
}

/// The user's network and subnetwork as resources of the package.
const USER_NETWORK: &str = "\
apiVersion: compute.cnrm.cloud.google.com/v1beta1
kind: ComputeNetwork
metadata:
  name: corp-net # the team's VPC
spec:
  routingMode: REGIONAL
  autoCreateSubnetworks: false
---
apiVersion: compute.cnrm.cloud.google.com/v1beta1
kind: ComputeSubnetwork
metadata:
  name: corp-kf
spec:
  ipCidrRange: 10.30.0.0/24
  region: us-central1
  privateIpGoogleAccess: true
  networkRef:
    name: corp-net
  secondaryIpRange:
  - rangeName: corp-pods
    ipCidrRange: 10.31.0.0/16
  - rangeName: corp-services
    ipCidrRange: 10.32.0.0/24
";

const NAMED_CLUSTER: &str = "\
apiVersion: container.cnrm.cloud.google.com/v1beta1
kind: ContainerCluster
metadata:
  name: kf
spec:
  location: us-central1-c
  initialNodeCount: 1
  networkRef:
    name: corp-net # kpt-set: ${network}
  subnetworkRef:
    name: corp-kf
  ipAllocationPolicy:
    clusterSecondaryRangeName: corp-pods
    servicesSecondaryRangeName: corp-services
";

#[test]
fn a_users_compute_network_among_the_items_is_kept_and_used() {
    let (_tmp, dir) = package(&[
        ("cluster.yaml", NAMED_CLUSTER),
        ("network.yaml", USER_NETWORK),
    ]);
    let outcome = run(&dir, &config(json!({})));
    assert_eq!(
        of(&outcome.results, Severity::Error),
        Vec::<&str>::new(),
        "{:#?}",
        outcome.results
    );
    assert!(
        !outcome
            .results
            .iter()
            .any(|r| r.message.contains("not in the package")),
        "{:#?}",
        outcome.results
    );
    assert_eq!(
        fs::read_to_string(dir.join("network.yaml")).unwrap(),
        USER_NETWORK
    );
    let after = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(only_added(NAMED_CLUSTER, &after), "{after}");
    // Not private before: the default master range is written, and the master rules use it.
    assert!(
        after.contains("masterIpv4CidrBlock: 172.16.0.32/28"),
        "{after}"
    );
    let docs = documents(&dir);
    assert_eq!(kinds(&docs, "ComputeNetwork").len(), 1);
    assert_eq!(kinds(&docs, "ComputeSubnetwork").len(), 1);
    for v in kinds(&docs, "ComputeFirewall")
        .into_iter()
        .chain(kinds(&docs, "ComputeRoute"))
        .chain(kinds(&docs, "ComputeRouter"))
    {
        assert_eq!(v["spec"]["networkRef"], json!({"name": "corp-net"}), "{v}");
    }
    let kept = of(&outcome.results, Severity::Info)
        .into_iter()
        .find(|m| m.starts_with("kept the cluster's own"))
        .expect("an info about what was kept");
    assert!(
        kept.contains("network (spec.networkRef name `corp-net`)"),
        "{kept}"
    );
    assert!(!kept.contains("managed elsewhere"), "{kept}");
    let Some((ok, stdout, _)) = validate_1_15_1(&docs) else {
        return;
    };
    assert!(ok, "{stdout}");
    let again = run(&dir, &config(json!({})));
    assert_eq!(again.changed, Vec::<String>::new(), "{:#?}", again.results);
}

#[test]
fn a_network_managed_elsewhere_is_said_and_only_warned_about() {
    let (_tmp, dir) = package(&[("cluster.yaml", NAMED_CLUSTER)]);
    let outcome = run(&dir, &config(json!({})));
    assert_eq!(
        of(&outcome.results, Severity::Error),
        Vec::<&str>::new(),
        "{:#?}",
        outcome.results
    );
    let kept = of(&outcome.results, Severity::Info)
        .into_iter()
        .find(|m| m.starts_with("kept the cluster's own"))
        .expect("an info about what was kept");
    assert!(
        kept.contains("not among the items: it is managed elsewhere"),
        "{kept}"
    );
    let missing: Vec<&str> = of(&outcome.results, Severity::Warning)
        .into_iter()
        .filter(|m| m.contains("not in the package"))
        .collect();
    assert_eq!(missing.len(), 2, "network and subnetwork: {missing:#?}");
    assert!(
        missing[0].contains("ComputeNetwork `corp-net`"),
        "{}",
        missing[0]
    );
    assert!(kinds(&documents(&dir), "ComputeNetwork").is_empty());
}

#[test]
fn take_back_leaves_the_users_network_refs_and_ranges() {
    let (_tmp, dir) = package(&[("cluster.yaml", SHARED_VPC)]);
    run(&dir, &config(json!({})));
    let outcome = run(&dir, &config(json!({"private": false})));
    assert_eq!(of(&outcome.results, Severity::Error), Vec::<&str>::new());
    let after = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(only_added(SHARED_VPC, &after), "{after}");
    assert!(!after.contains("enablePrivateNodes"), "{after}");
}

/// A cluster already private with a master range of its own, on no network yet.
const OWN_MASTER: &str = "\
apiVersion: container.cnrm.cloud.google.com/v1beta1
kind: ContainerCluster
metadata:
  name: kf
spec:
  location: us-central1-c
  initialNodeCount: 1
  privateClusterConfig:
    enablePrivateNodes: true
    enablePrivateEndpoint: true # the team's choice
    masterIpv4CidrBlock: 172.16.4.0/28
";

#[test]
fn a_clusters_own_master_range_is_kept_on_a_generated_network() {
    let (_tmp, dir) = package(&[("cluster.yaml", OWN_MASTER)]);
    let outcome = run(&dir, &config(json!({})));
    assert_eq!(
        of(&outcome.results, Severity::Error),
        Vec::<&str>::new(),
        "{:#?}",
        outcome.results
    );
    let after = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(only_added(OWN_MASTER, &after), "{after}");
    assert!(after.contains("  networkRef:\n    name: kf\n"), "{after}");
    let docs = documents(&dir);
    assert_eq!(kinds(&docs, "ComputeNetwork").len(), 1);
    let master_egress = kinds(&docs, "ComputeFirewall")
        .into_iter()
        .find(|v| v["metadata"]["name"] == "kf-master-egress")
        .unwrap();
    assert_eq!(
        master_egress["spec"]["destinationRanges"],
        json!(["172.16.4.0/28"])
    );
    assert!(of(&outcome.results, Severity::Info).contains(
        &"kept the cluster's own master range 172.16.4.0/28; the master firewall rules use it"
    ));
    let again = run(&dir, &config(json!({})));
    assert_eq!(again.changed, Vec::<String>::new(), "{:#?}", again.results);
}

#[test]
fn a_subnetwork_of_its_own_without_a_network_is_an_error() {
    let cluster = "\
apiVersion: container.cnrm.cloud.google.com/v1beta1
kind: ContainerCluster
metadata:
  name: kf
spec:
  location: us-central1-c
  initialNodeCount: 1
  subnetworkRef:
    external: projects/host/regions/us-central1/subnetworks/kf
";
    let (_tmp, dir) = package(&[("cluster.yaml", cluster)]);
    let outcome = run(&dir, &config(json!({})));
    let errors = of(&outcome.results, Severity::Error);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains(
            "spec.subnetworkRef external `projects/host/regions/us-central1/subnetworks/kf`"
        ) && errors[0].contains("set spec.networkRef"),
        "{}",
        errors[0]
    );
    assert_eq!(outcome.changed, Vec::<String>::new());
}

#[test]
fn a_users_network_without_range_names_gets_pods_and_services_with_a_warning() {
    let cluster = NAMED_CLUSTER
        .split("  ipAllocationPolicy:")
        .next()
        .unwrap()
        .to_string();
    let network = USER_NETWORK
        .replace("corp-pods", "pods")
        .replace("corp-services", "services");
    let (_tmp, dir) = package(&[("cluster.yaml", &cluster), ("network.yaml", &network)]);
    let outcome = run(&dir, &config(json!({})));
    assert_eq!(
        of(&outcome.results, Severity::Error),
        Vec::<&str>::new(),
        "{:#?}",
        outcome.results
    );
    let warnings: Vec<&str> = of(&outcome.results, Severity::Warning)
        .into_iter()
        .filter(|m| m.contains("named no secondary ranges"))
        .collect();
    assert_eq!(warnings.len(), 1, "{:#?}", outcome.results);
    let after = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(after.contains("clusterSecondaryRangeName: pods"), "{after}");
    assert!(
        after.contains("servicesSecondaryRangeName: services"),
        "{after}"
    );
}

#[test]
fn a_network_the_user_sets_after_the_function_wrote_its_own_is_the_users() {
    let cluster = OWN_MASTER.replace("    enablePrivateEndpoint: true # the team's choice\n", "");
    let (_tmp, dir) = package(&[("cluster.yaml", &cluster)]);
    run(&dir, &config(json!({})));
    assert_eq!(kinds(&documents(&dir), "ComputeNetwork").len(), 1);
    let generated = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    let network_only = generated.replace(
        "  networkRef:\n    name: kf\n",
        &format!("  networkRef:\n    external: {SHARED}\n"),
    );
    assert_ne!(network_only, generated);
    fs::write(dir.join("cluster.yaml"), &network_only).unwrap();
    let outcome = run(&dir, &config(json!({})));
    let errors: Vec<&str> = outcome
        .results
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .filter(|r| r.tags.get("stage").map(String::as_str) == Some("private-gke"))
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(outcome.changed, Vec::<String>::new());
    assert!(
        errors[0]
            .contains("spec.subnetworkRef name `kf` names the subnetwork the function generated"),
        "{}",
        errors[0]
    );
    let edited = network_only.replace(
        "  subnetworkRef:\n    name: kf\n",
        "  subnetworkRef:\n    external: projects/host/regions/us-central1/subnetworks/kf\n",
    );
    assert_ne!(edited, network_only);
    fs::write(dir.join("cluster.yaml"), &edited).unwrap();
    let outcome = run(&dir, &config(json!({})));
    assert_eq!(of(&outcome.results, Severity::Error), Vec::<&str>::new());
    let after = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(after.contains(&format!("external: {SHARED}\n")), "{after}");
    assert!(
        !after.contains("/spec/networkRef"),
        "the record lets go of the refs: {after}"
    );
    let docs = documents(&dir);
    assert!(kinds(&docs, "ComputeNetwork").is_empty());
    assert!(kinds(&docs, "ComputeSubnetwork").is_empty());
    for v in kinds(&docs, "ComputeFirewall") {
        assert_eq!(
            v["spec"]["networkRef"],
            json!({ "external": SHARED }),
            "{v}"
        );
    }
    // Take-back keeps the user's refs.
    run(&dir, &config(json!({"private": false})));
    let back = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(back.contains(&format!("external: {SHARED}\n")), "{back}");
}

/// Every file under `dir` with its text, sorted by path.
fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                out.push((rel, fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn kpt_fn_eval_keeps_the_shared_vpc_refs_too() {
    let kpt = Path::new("/usr/bin/kpt");
    if !kpt.is_file() {
        eprintln!("skipped: kpt not found at /usr/bin/kpt");
        return;
    }
    let (tmp, dir) = package(&[("cluster.yaml", SHARED_VPC)]);
    let fn_config = tmp.path().join("fn-config.yaml");
    fs::write(&fn_config, config(json!({})).to_string()).unwrap();
    let eval = || {
        let out = Command::new(kpt)
            .args([
                "fn",
                "eval",
                "--exec",
                env!("CARGO_BIN_EXE_private-gke"),
                "--fn-config",
            ])
            .arg(&fn_config)
            .arg(&dir)
            .env("KRM_DISABLE_ATTRIBUTION", "1")
            .output()
            .expect("run kpt");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    eval();
    let after = fs::read_to_string(dir.join("cluster.yaml")).unwrap();
    assert!(only_added(SHARED_VPC, &after), "{after}");
    assert!(after.contains("    enablePrivateNodes: true\n"), "{after}");
    let docs = documents(&dir);
    assert!(kinds(&docs, "ComputeNetwork").is_empty());
    assert!(kinds(&docs, "ComputeSubnetwork").is_empty());
    assert_eq!(kinds(&docs, "ComputeFirewall").len(), 10);
    let first = snapshot(&dir);
    eval();
    assert_eq!(
        snapshot(&dir),
        first,
        "the second kpt fn eval changes nothing"
    );
}
