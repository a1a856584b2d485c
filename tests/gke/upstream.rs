//! The upstream blueprint through private-gke gives the real kustomize build of the guide's edit.

use crate::gke_common::*;
use private_gke::krm::Item;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const GOLDEN: &str = "kubeflow-1.1-gcp";

/// The golden setter values of upstream's kpt test, plus what the placeholders need.
fn golden_settings(ip_allocation: &str) -> Vec<(&'static str, String)> {
    vec![
        ("private-gke.ip-allocation", ip_allocation.to_string()),
        ("private-gke.check-locations", "false".into()),
        ("name", "testKptName".into()),
        ("gcloud.compute.region", "testRegion".into()),
        ("gcloud.compute.zone", "testZone".into()),
        ("location", "testLocation".into()),
        ("log-firewalls", "true".into()),
        ("gcloud.core.project", "customerProject".into()),
    ]
}

/// The cnrm tree (cluster, iam, ingress, pipelines, services); with `private_gke_files`, also
/// upstream's privateGKE files (the resources and the partial cluster patch).
fn input(private_gke_files: bool) -> Vec<Item> {
    let base = copy(GOLDEN);
    // nodepool.yaml is not listed in cnrm/cluster/kustomization.yaml: the hydrated build has none.
    let mut values: Vec<Value> = load_dir(&format!("{base}/v2/cnrm"), &base)
        .into_iter()
        .filter(|v| v["kind"] != "ContainerNodePool")
        .collect();
    if private_gke_files {
        values.extend(load_dir(&format!("{base}/v2/privateGKE"), &base));
    }
    items(values)
}

fn by_key(values: impl IntoIterator<Item = Value>) -> BTreeMap<String, Value> {
    values
        .into_iter()
        .map(|v| (key(&v), normalize(&v)))
        .collect()
}

fn expected() -> BTreeMap<String, Value> {
    by_key(docs(&copy("hydrated-private.yaml")))
}

fn output(items: &[Item]) -> BTreeMap<String, Value> {
    by_key(
        items
            .iter()
            .filter(|i| !private_gke::gke::is_partial_cluster(i.value()))
            .map(|i| i.value().clone()),
    )
}

fn run_golden(ip_allocation: &str, private_gke_files: bool) -> (Vec<Item>, Vec<String>) {
    let pairs = golden_settings(ip_allocation);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let settings = config(&pairs);
    let mut items = input(private_gke_files);
    let results = run(&settings, &mut items);
    (items, errors(&results))
}

#[test]
fn upstream_mode_gives_the_hydrated_private_blueprint() {
    for private_gke_files in [false, true] {
        let (items, errors) = run_golden("upstream", private_gke_files);
        assert_eq!(errors, Vec::<String>::new());
        let got = output(&items);
        let mut want = expected();
        assert_eq!(want.len(), 83);
        // No version named: written for a current Config Connector.
        let current = Target {
            current_fields: true,
            policies: true,
        };
        issue_11(&mut want, "testKptName", current);
        if private_gke_files {
            // Upstream's address-list rules are the user's files: left as they are.
            // Adopted rules keep their enableLogging (set, and still accepted) beside logConfig.
            for (k, v) in want.iter_mut() {
                if k.starts_with("ComputeFirewall/") {
                    v["spec"]["enableLogging"] = json!(true);
                }
            }
            let upstream = expected();
            for name in ["dockerhub", "iap-jwks"] {
                // log-firewalls is given: every rule logs, these too.
                let k = format!("ComputeFirewall/testKptName-{name}");
                let mut kept = upstream[&k].clone();
                kept["spec"]["logConfig"] = json!({"metadata": "INCLUDE_ALL_METADATA"});
                want.insert(k, kept);
            }
        }
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "private_gke_files={private_gke_files}"
        );
        for (k, v) in &want {
            assert_eq!(&got[k], v, "{k} (private_gke_files={private_gke_files})");
        }
    }
}

#[test]
fn generated_resources_carry_path_and_ownership_annotations() {
    let (items, _) = run_golden("upstream", false);
    let generated: Vec<&Item> = items
        .iter()
        .filter(|i| i.origin.is_none() && i.text.is_some())
        .collect();
    assert_eq!(generated.len(), generated_count(true, true));
    let mut files: BTreeMap<String, usize> = BTreeMap::new();
    for item in &generated {
        assert_eq!(item.annotation("private-gke.dev/owned"), Some("true"));
        let path = item
            .annotation("internal.config.kubernetes.io/path")
            .unwrap();
        assert_eq!(item.annotation("config.kubernetes.io/path"), Some(path));
        *files.entry(path.to_string()).or_default() += 1;
    }
    let want: BTreeMap<String, usize> = [
        ("private-gke/compute-network.yaml", 4),
        ("private-gke/dns-gcr.yaml", 3),
        ("private-gke/dns-google-apis.yaml", 3),
        ("private-gke/enable-services.yaml", 1),
        ("private-gke/dns-pkg-dev.yaml", 3),
        ("private-gke/firewall.yaml", 8),
        ("private-gke/firewall-policy.yaml", 4),
        ("private-gke/nat.yaml", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(files, want);
}

#[test]
fn generated_text_carries_kpt_v1_setter_comments() {
    let (items, _) = run_golden("upstream", false);
    let text_of = |kind: &str, name: &str| {
        items
            .iter()
            .find(|i| i.kind() == kind && i.name() == name && i.text.is_some())
            .and_then(|i| i.text.clone())
            .unwrap_or_else(|| panic!("{kind}/{name}"))
    };
    let subnet = text_of("ComputeSubnetwork", "testKptName");
    for line in [
        "  name: testKptName # kpt-set: ${name}",
        "  ipCidrRange: 10.10.10.0/24 # kpt-set: ${subnet-cidr}",
        "  region: testRegion # kpt-set: ${region}",
        "  - ipCidrRange: 10.10.11.0/24 # kpt-set: ${services-cidr}",
        "  - ipCidrRange: 10.1.0.0/16 # kpt-set: ${pods-cidr}",
    ] {
        assert!(
            subnet.lines().any(|l| l == line),
            "{line:?} not in\n{subnet}"
        );
    }
    let cm = text_of("ComputeFirewall", "testKptName-cm");
    for line in [
        "  name: testKptName-cm # kpt-set: ${name}-cm",
        "  - 172.16.0.32/28 # kpt-set: ${master-ipv4-cidr}",
        "    metadata: INCLUDE_ALL_METADATA",
        "    name: testKptName # kpt-set: ${name}",
    ] {
        assert!(cm.lines().any(|l| l == line), "{line:?} not in\n{cm}");
    }
    // int-egress follows the range settings, as the subnetwork does.
    let int = text_of("ComputeFirewall", "testKptName-int-egress");
    for line in [
        "  - 10.10.10.0/24 # kpt-set: ${subnet-cidr}",
        "  - 10.1.0.0/16 # kpt-set: ${pods-cidr}",
        "  - 10.10.11.0/24 # kpt-set: ${services-cidr}",
        "  - 172.16.0.32/28 # kpt-set: ${master-ipv4-cidr}",
    ] {
        assert!(int.lines().any(|l| l == line), "{line:?} not in\n{int}");
    }
    let a = text_of("DNSRecordSet", "testKptName-gcr-a");
    assert!(
        a.contains("    name: testKptName-gcr # kpt-set: ${name}-gcr\n"),
        "{a}"
    );
}

#[test]
fn compat_mode_differs_only_as_documented() {
    for (extra, networking_mode, current) in [
        (None, true, true),
        (Some("1.15.1"), false, false),
        (Some("1.21.0"), true, false),
        (Some("1.134.0"), true, true),
    ] {
        let mut pairs = golden_settings("compat");
        if let Some(v) = extra {
            pairs.push(("private-gke.cnrm-version", v.to_string()));
        }
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut items = input(false);
        let results = run(&config(&pairs), &mut items);
        assert_eq!(errors(&results), Vec::<String>::new());
        let got = output(&items);
        let mut want = expected();
        let target = Target {
            current_fields: current,
            policies: current,
        };
        issue_11(&mut want, "testKptName", target);
        let cluster = want.get_mut("ContainerCluster/testKptName").unwrap();
        let policy = cluster["spec"]["ipAllocationPolicy"]
            .as_object_mut()
            .unwrap();
        policy.shift_remove("useIpAliases");
        policy.shift_remove("createSubnetwork");
        if networking_mode {
            cluster["spec"]["networkingMode"] = json!("VPC_NATIVE");
        }
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        );
        for (k, v) in &want {
            assert_eq!(&got[k], v, "{k} (cnrm-version {extra:?})");
        }
    }
}

#[test]
fn generated_text_reads_as_the_value() {
    let (items, _) = run_golden("upstream", false);
    let mut n = 0;
    for item in items.iter().filter(|i| i.origin.is_none()) {
        let Some(text) = &item.text else { continue };
        let doc = private_gke::yaml::Document::parse(text.as_str()).unwrap();
        assert_eq!(doc.roots().len(), 1);
        assert_eq!(
            &doc.to_json(doc.roots()[0]).unwrap(),
            item.value(),
            "{text}"
        );
        n += 1;
    }
    assert_eq!(n, generated_count(true, true));
}
