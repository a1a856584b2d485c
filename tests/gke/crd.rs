//! The ContainerCluster CRD fix (gcp-blueprints issue 32) and strict validation of every output
//! resource against the real Config Connector CRDs (the team's `validate_crd.py`). Reference tier:
//! the CRDs come from the reference data (`support/reference.rs`).

use crate::gke_common::*;
use private_gke::krm::{Item, Severity};
use serde_json::{json, Value};
use std::process::Command;

const CNRM: &str = "upstream/k8s-config-connector";
const HEAD_CLUSTER_CRD: &str = "upstream/k8s-config-connector@HEAD/config/crds/resources/apiextensions.k8s.io_v1_customresourcedefinition_containerclusters.container.cnrm.cloud.google.com.yaml";

fn crd(rel: &str) -> Value {
    docs(&reference(rel)).remove(0)
}

fn workaround_ops() -> Value {
    Value::Array(
        docs(&reference(
            "derived/crd-ipAllocationPolicy-workaround.jsonpatch.yaml",
        ))
        .remove(0)
        .as_array()
        .unwrap()
        .clone(),
    )
}

fn apply_ops(doc: &Value, ops: Value) -> Value {
    let patch: json_patch::Patch = serde_json::from_value(ops).unwrap();
    let mut out = doc.clone();
    json_patch::patch(&mut out, &patch).unwrap();
    out
}

fn fix(value: &Value) -> (Value, Vec<private_gke::krm::KrmResult>) {
    let mut items = vec![Item::generated(value.clone(), None)];
    let mut results = Vec::new();
    private_gke::gke::fix_crds(&mut items, &mut results);
    (items.remove(0).value().clone(), results)
}

#[test]
fn v1beta1_fix_equals_the_guides_workaround() {
    if !reference_data::present() {
        return;
    }
    for version in ["1.9.1", "1.15.1", "1.21.0", "1.33.0"] {
        let original = crd(&format!(
            "{CNRM}@{version}/crds/container_v1beta1_containercluster.yaml"
        ));
        let (fixed, results) = fix(&original);
        assert_eq!(fixed, apply_ops(&original, workaround_ops()), "{version}");
        assert_ne!(fixed, original);
        assert_eq!(results.len(), 1, "{version}");
        assert_eq!(results[0].severity, Severity::Info);
        assert_eq!(
            results[0].message,
            "version v1beta1 (spec.validation): added ipAllocationPolicy properties useIpAliases, createSubnetwork, subnetworkName (gcp-blueprints issue 32)"
        );
        assert_eq!(
            results[0].field.as_ref().unwrap().path,
            "spec.validation.openAPIV3Schema.properties.spec.properties.ipAllocationPolicy.properties"
        );
        // Idempotent: a fixed CRD is left alone.
        let (again, results) = fix(&fixed);
        assert_eq!(again, fixed);
        assert!(results.is_empty());
    }
}

#[test]
fn v1_fix_adds_the_properties_to_every_version() {
    if !reference_data::present() {
        return;
    }
    let original = crd(HEAD_CLUSTER_CRD);
    let (fixed, results) = fix(&original);
    let versions = original["spec"]["versions"].as_array().unwrap();
    let mut ops = Vec::new();
    for (i, _) in versions.iter().enumerate() {
        for op in workaround_ops().as_array().unwrap() {
            let path = op["path"]
                .as_str()
                .unwrap()
                .replace("/spec/validation/", &format!("/spec/versions/{i}/schema/"));
            ops.push(json!({"op": "add", "path": path, "value": op["value"]}));
        }
    }
    assert_eq!(fixed, apply_ops(&original, Value::Array(ops)));
    assert_eq!(results.len(), versions.len());
    assert_eq!(
        results[0].message,
        "version v1beta1: added ipAllocationPolicy properties useIpAliases, createSubnetwork, subnetworkName (gcp-blueprints issue 32)"
    );
    assert_eq!(
        results[0].field.as_ref().unwrap().path,
        "spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.ipAllocationPolicy.properties"
    );
}

#[test]
fn other_items_are_left_alone() {
    if !reference_data::present() {
        return;
    }
    let other_crd = crd(&format!(
        "{CNRM}@1.9.1/crds/container_v1beta1_containernodepool.yaml"
    ));
    let (fixed, results) = fix(&other_crd);
    assert_eq!(fixed, other_crd);
    assert!(results.is_empty());
}

/// Writes values as a multi-document YAML file (JSON documents are YAML).
fn write_docs(dir: &std::path::Path, name: &str, values: &[Value]) -> String {
    let path = dir.join(name);
    let text: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    std::fs::write(&path, text.join("\n---\n")).unwrap();
    path.to_string_lossy().to_string()
}

/// Runs the validator; returns (success, stdout).
fn validate(crds: &[String], resources: &str) -> (bool, String) {
    let tool = reference_data::tools_dir().join("validate_crd.py");
    let mut cmd = Command::new("python3");
    cmd.arg(tool).arg("--strict");
    for c in crds {
        cmd.arg("--crd").arg(c);
    }
    let out = cmd.arg(resources).output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "validator crashed (pip install pyyaml openapi-schema-validator): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), stdout)
}

fn crd_files(version: &str) -> Vec<String> {
    let dir = if version == "HEAD" {
        reference(&format!("{CNRM}@HEAD/config/crds/resources"))
    } else {
        reference(&format!("{CNRM}@{version}/crds"))
    };
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().to_string())
        .collect();
    files.sort();
    files
}

/// The golden package made private; returns the ContainerCluster, the generated resources and
/// the webhook rule when one is written (everything the function owns).
fn private_output(pairs: &[(&str, &str)]) -> Vec<Value> {
    let base = reference("upstream/kubeflow-manifests/tests/testdata_gcp_kpt/gcp");
    let mut items = items(
        load_dir(&format!("{base}/v2/cnrm"), &base)
            .into_iter()
            .filter(|v| v["kind"] != "ContainerNodePool")
            .collect(),
    );
    let results = run(&config(pairs), &mut items);
    assert_eq!(errors(&results), Vec::<String>::new());
    items
        .into_iter()
        .filter(|i| {
            i.kind() == "ContainerCluster" || i.annotation("private-gke.dev/owned").is_some()
        })
        .map(|i| i.value().clone())
        .collect()
}

const GOLDEN_PAIRS: [(&str, &str); 5] = [
    ("private-gke.check-locations", "false"),
    ("region", "testRegion"),
    ("location", "testLocation"),
    ("name", "testKptName"),
    ("log-firewalls", "true"),
];

/// The network firewall policy kinds among `values`: the reference holds no CRD of them, so
/// the validator skips them (`Kind/name`, sorted).
fn policy_kinds(values: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = values
        .iter()
        .filter(|v| {
            v["kind"]
                .as_str()
                .is_some_and(|k| k.starts_with("ComputeNetworkFirewallPolicy"))
        })
        .map(|v| {
            format!(
                "{} ({})",
                v["kind"].as_str().unwrap(),
                v["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

/// The `Kind (name)` of every SKIP line of the validator, sorted.
fn skipped(stdout: &str) -> Vec<String> {
    let mut out: Vec<String> = stdout
        .lines()
        .filter(|l| l.starts_with("SKIP"))
        .filter_map(|l| {
            l.split_once(" no CRD for ")?
                .1
                .split_once(' ')
                .map(|(_, k)| k.to_string())
        })
        .collect();
    out.sort();
    out
}

/// Every object of `values` validates strictly against the CRDs of `version`; only the network
/// firewall policy kinds, of which the reference holds no CRD, are skipped.
fn assert_every_object_validates(version: &str, values: &[Value], case: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = write_docs(dir.path(), "out.yaml", values);
    let (ok, stdout) = validate(&crd_files(version), &file);
    assert!(ok, "{version} {case}:\n{stdout}");
    assert_eq!(skipped(&stdout), policy_kinds(values), "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("OK ")).count(),
        values.len() - policy_kinds(values).len(),
        "{version} {case}:\n{stdout}"
    );
}

#[test]
fn compat_output_validates_strictly_against_cnrm_crds() {
    if !reference_data::present() {
        return;
    }
    for (version, cnrm, policies) in [("1.15.1", "1.15.1", false), ("HEAD", "1.134.0", true)] {
        for allowlist in ["fqdn", "vip"] {
            let mut pairs = GOLDEN_PAIRS.to_vec();
            pairs.push(("private-gke.cnrm-version", cnrm));
            pairs.push(("private-gke.egress-allowlist", allowlist));
            let values = private_output(&pairs);
            let want = 1 + private_gke::gke::resources::count(
                true,
                private_gke::gke::firewall_rules::Allowlist::choose(
                    if allowlist == "vip" {
                        private_gke::config::EgressAllowlist::Vip
                    } else {
                        private_gke::config::EgressAllowlist::Fqdn
                    },
                    policies,
                ),
            );
            assert_eq!(values.len(), want);
            assert_every_object_validates(version, &values, allowlist);
        }
    }
}

#[test]
fn upstream_cluster_validates_only_against_the_fixed_crd() {
    if !reference_data::present() {
        return;
    }
    let mut pairs = GOLDEN_PAIRS.to_vec();
    pairs.push(("private-gke.ip-allocation", "upstream"));
    let cluster: Vec<Value> = private_output(&pairs)
        .into_iter()
        .filter(|v| v["kind"] == "ContainerCluster")
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let resources = write_docs(dir.path(), "cluster.yaml", &cluster);
    for rel in [
        format!("{CNRM}@1.9.1/crds/container_v1beta1_containercluster.yaml"),
        format!("{CNRM}@1.15.1/crds/container_v1beta1_containercluster.yaml"),
        HEAD_CLUSTER_CRD.to_string(),
    ] {
        let original = crd(&rel);
        let original_file =
            write_docs(dir.path(), "original.yaml", std::slice::from_ref(&original));
        let (ok, stdout) = validate(&[original_file], &resources);
        assert!(
            !ok,
            "{rel}: the unfixed CRD must reject useIpAliases:\n{stdout}"
        );
        assert!(stdout.contains("useIpAliases"), "{stdout}");
        let (fixed, _) = fix(&original);
        let fixed_file = write_docs(dir.path(), "fixed.yaml", &[fixed]);
        let (ok, stdout) = validate(&[fixed_file], &resources);
        assert!(ok, "{rel}:\n{stdout}");
    }
}

#[test]
fn a_later_run_for_config_connector_1_15_1_validates_against_its_crds() {
    if !reference_data::present() {
        return;
    }
    let base = reference("upstream/kubeflow-manifests/tests/testdata_gcp_kpt/gcp");
    let mut state = items(
        load_dir(&format!("{base}/v2/cnrm"), &base)
            .into_iter()
            .filter(|v| v["kind"] != "ContainerNodePool")
            .collect(),
    );
    let dir = tempfile::tempdir().unwrap();
    // First for a current Config Connector, then for 1.15.1, then back: each output validates
    // strictly against the CRDs of the version it was written for.
    for (cnrm, crds) in [(None, "HEAD"), (Some("1.15.1"), "1.15.1"), (None, "HEAD")] {
        let mut pairs = GOLDEN_PAIRS.to_vec();
        pairs.extend(cnrm.map(|v| ("private-gke.cnrm-version", v)));
        let mut next: Vec<Item> = state
            .iter()
            .map(|i| Item::generated(i.value().clone(), None))
            .collect();
        let results = run(&config(&pairs), &mut next);
        assert_eq!(errors(&results), Vec::<String>::new());
        let values: Vec<Value> = next
            .iter()
            .filter(|i| {
                i.kind() == "ContainerCluster"
                    || i.annotation("private-gke.dev/owned") == Some("true")
            })
            .map(|i| i.value().clone())
            .collect();
        assert_eq!(values.len(), 1 + generated_count(true, cnrm.is_none()));
        let file = write_docs(dir.path(), "out.yaml", &values);
        let (ok, stdout) = validate(&crd_files(crds), &file);
        assert!(ok, "{cnrm:?} against {crds}:\n{stdout}");
        state = next;
    }
    // The HEAD output is not valid for 1.15.1: the check above has teeth.
    let values: Vec<Value> = state
        .iter()
        .filter(|i| i.kind() == "ContainerCluster")
        .map(|i| i.value().clone())
        .collect();
    let file = write_docs(dir.path(), "head.yaml", &values);
    let (ok, stdout) = validate(&crd_files("1.15.1"), &file);
    assert!(!ok && stdout.contains("networkingMode"), "{stdout}");
}

#[test]
fn control_plane_forms_validate_strictly_against_cnrm_crds() {
    if !reference_data::present() {
        return;
    }
    let authorized = [
        ("private-gke.control-plane", "authorized"),
        (
            "private-gke.authorized-networks",
            "203.0.113.0/24,198.51.100.7",
        ),
    ];
    let private = [
        ("private-gke.control-plane", "private"),
        ("private-gke.authorized-networks", "10.0.0.0/8"),
    ];
    let dns = [
        ("private-gke.control-plane", "dns"),
        ("private-gke.private-endpoint-subnetwork", "testKptName"),
    ];
    type Form<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&str, &str, Form); 5] = [
        ("1.15.1", "1.15.1", &authorized),
        ("1.15.1", "1.15.1", &private),
        ("HEAD", "1.134.0", &authorized),
        ("HEAD", "1.134.0", &private),
        ("HEAD", "1.134.0", &dns),
    ];
    for (version, cnrm, form) in cases {
        let mut pairs = GOLDEN_PAIRS.to_vec();
        pairs.push(("private-gke.cnrm-version", cnrm));
        pairs.extend_from_slice(form);
        let values = private_output(&pairs);
        let cluster = values
            .iter()
            .find(|v| v["kind"] == "ContainerCluster")
            .unwrap();
        // Each form wrote what it promises (HEAD: every field of the form).
        let written = match form[0].1 {
            "authorized" => "/spec/masterAuthorizedNetworksConfig/cidrBlocks",
            "private" if version == "HEAD" => "/spec/privateClusterConfig/masterGlobalAccessConfig",
            "private" => "/spec/masterAuthorizedNetworksConfig",
            _ => "/spec/controlPlaneEndpointsConfig/dnsEndpointConfig",
        };
        assert!(cluster.pointer(written).is_some(), "{version} {form:?}");
        let dir = tempfile::tempdir().unwrap();
        let file = write_docs(dir.path(), "out.yaml", &values);
        let (ok, stdout) = validate(&crd_files(version), &file);
        assert!(ok, "{version} {form:?}:\n{stdout}");
    }
}

/// The generated object of `kind` named `name` among `values`.
fn object<'a>(values: &'a [Value], kind: &str, name: &str) -> &'a Value {
    values
        .iter()
        .find(|v| v["kind"] == kind && v["metadata"]["name"] == name)
        .unwrap_or_else(|| {
            let names: Vec<String> = values
                .iter()
                .map(|v| format!("{} {}", v["kind"], v["metadata"]["name"]))
                .collect();
            panic!("no {kind} {name} among {names:?}")
        })
}

/// Every setting that changes generated objects, in each of its non-default values, at both
/// ends of the supported Config Connector range (1.15.1 and HEAD, `cnrm-version` set to match).
/// The settings write disjoint objects (control plane: the cluster; egress allowlist and
/// `log-firewalls`: rules, policy, zones, routes; NAT settings: the NAT; webhook ports: the
/// webhook rule), so two runs per version, each holding one value of every setting, reach
/// every value (the defaults are `compat_output_validates_strictly_against_cnrm_crds`' and the
/// other control-plane forms `control_plane_forms_validate_strictly_against_cnrm_crds`').
#[test]
fn every_setting_that_changes_generated_objects_validates_strictly() {
    if !reference_data::present() {
        return;
    }
    let a: &[(&str, &str)] = &[
        ("private-gke.control-plane", "private"),
        ("private-gke.egress-allowlist", "vip"),
        ("log-firewalls", "false"),
        ("private-gke.nat-logging", "off"),
        ("private-gke.nat-dynamic-ports", "false"),
        ("private-gke.nat-min-ports-per-vm", "128"),
        ("private-gke.webhook-firewall", "generate"),
        (
            "private-gke.webhook-ports",
            "gatekeeper,istio,config-connector",
        ),
    ];
    let b: &[(&str, &str)] = &[
        ("private-gke.control-plane", "authorized"),
        ("private-gke.authorized-networks", "203.0.113.0/24"),
        ("private-gke.egress-allowlist", "fqdn"),
        ("private-gke.nat-logging", "ALL"),
        ("private-gke.nat-min-ports-per-vm", "32"),
        ("private-gke.nat-max-ports-per-vm", "8192"),
        ("private-gke.webhook-firewall", "generate"),
        ("private-gke.webhook-ports", "knative,controller-runtime"),
    ];
    for (version, cnrm, current) in [("1.15.1", "1.15.1", false), ("HEAD", "1.134.0", true)] {
        for (form, extra) in [("a", a), ("b", b)] {
            let mut pairs: Vec<(&str, &str)> = GOLDEN_PAIRS
                .iter()
                .copied()
                .filter(|(k, _)| *k != "log-firewalls")
                .collect();
            if form == "b" {
                pairs.push(("log-firewalls", "true"));
            }
            pairs.push(("private-gke.cnrm-version", cnrm));
            pairs.extend_from_slice(extra);
            let values = private_output(&pairs);
            // Each setting wrote what it asks for, as far as the version has the fields.
            let nat = &object(&values, "ComputeRouterNAT", "testKptName")["spec"];
            let rule = |name: &str| object(&values, "ComputeFirewall", name);
            // The catalogue's 9443 and 15017 are open by upstream's istio rule: 8443 is not.
            let webhooks = &rule("testKptName-webhooks-8443")["spec"];
            assert_eq!(webhooks["allow"][0]["ports"], json!(["8443"]), "{version}");
            assert_eq!(webhooks["sourceRanges"], json!(["172.16.0.32/28"]));
            match form {
                "a" => {
                    assert_eq!(nat["logConfig"], Value::Null, "{version}");
                    assert_eq!(nat["minPortsPerVm"], json!(128), "{version}");
                    let dynamic = if current { json!(false) } else { Value::Null };
                    assert_eq!(nat["enableDynamicPortAllocation"], dynamic, "{version}");
                    object(&values, "DNSManagedZone", "testKptName-gstatic");
                }
                _ => {
                    assert_eq!(nat["minPortsPerVm"], json!(32), "{version}");
                    if current {
                        assert_eq!(nat["logConfig"]["filter"], "ALL");
                        assert_eq!(nat["maxPortsPerVm"], json!(8192));
                        assert_eq!(nat["enableDynamicPortAllocation"], json!(true));
                        assert!(rule("testKptName-deny-egress")["spec"]["logConfig"].is_object());
                        assert!(!policy_kinds(&values).is_empty());
                    }
                }
            }
            assert_every_object_validates(version, &values, form);
        }
    }
}

#[test]
fn the_field_thresholds_agree_with_every_reference_crd() {
    if !reference_data::present() {
        return;
    }
    use private_gke::gke::version;
    // What the version table says for a version equals what that version's CRD declares.
    for (version, cnrm) in [
        ("1.9.1", "1.9.1"),
        ("1.15.1", "1.15.1"),
        ("1.21.0", "1.21.0"),
        ("1.33.0", "1.33.0"),
        ("HEAD", "1.134.0"),
    ] {
        let rel = if version == "HEAD" {
            HEAD_CLUSTER_CRD.to_string()
        } else {
            format!("{CNRM}@{version}/crds/container_v1beta1_containercluster.yaml")
        };
        let with_crd = vec![Item::generated(crd(&rel), None)];
        let from_crd = version::target(&config(&[]), &with_crd, &mut Vec::new());
        let from_setting = version::target(
            &config(&[("private-gke.cnrm-version", cnrm)]),
            &[],
            &mut Vec::new(),
        );
        assert_eq!(from_crd.fields, from_setting.fields, "{version}");
    }
}
