//! Shared helpers of the gke_* integration tests: reference YAML into items, normalisation.
#![allow(dead_code)]

use private_gke::config::Settings;
use private_gke::krm::{Item, KrmResult, Severity};
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::Path;

pub use crate::support::reference as reference_data;

/// `<reference data>/<rel>`, for the reference tier (guard the test with `reference_data::present()`).
pub fn reference(rel: &str) -> String {
    reference_data::dir().join(rel).display().to_string()
}

/// `testdata/upstream/<rel>`: the project's own copies of upstream files.
pub fn copy(rel: &str) -> String {
    format!("{}/testdata/upstream/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Every document of a YAML file (null documents skipped).
pub fn docs(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{path}: {e}")))
        .filter(|v| !v.is_null())
        .collect()
}

/// Every KRM document of the `.yaml` files under `dir` (kustomization.yaml skipped), sorted by path,
/// with kpt's path annotations relative to `base`.
pub fn load_dir(dir: &str, base: &str) -> Vec<Value> {
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name == "kustomization.yaml" || f.to_string_lossy().contains("kustomize-fns") {
            continue;
        }
        let rel = f.strip_prefix(base).unwrap().to_string_lossy().to_string();
        for (i, mut d) in docs(&f.to_string_lossy()).into_iter().enumerate() {
            let ann = d
                .as_object_mut()
                .unwrap()
                .entry("metadata")
                .or_insert(json!({}))
                .as_object_mut()
                .unwrap()
                .entry("annotations")
                .or_insert(json!({}));
            ann["config.kubernetes.io/path"] = json!(rel);
            ann["config.kubernetes.io/index"] = json!(i.to_string());
            ann["internal.config.kubernetes.io/path"] = json!(rel);
            ann["internal.config.kubernetes.io/index"] = json!(i.to_string());
            out.push(d);
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// Items from values (no source text).
pub fn items(values: Vec<Value>) -> Vec<Item> {
    values
        .into_iter()
        .map(|v| Item::generated(v, None))
        .collect()
}

/// A ConfigMap function config.
pub fn config(pairs: &[(&str, &str)]) -> Settings {
    let data: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Settings::from_function_config(Some(
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}, "data": data}),
    ))
    .unwrap()
}

/// Runs stage 4 then stage 5.
pub fn run(settings: &Settings, items: &mut Vec<Item>) -> Vec<KrmResult> {
    let mut results = Vec::new();
    private_gke::gke::run(settings, items, &mut results);
    private_gke::gke::fix_crds(items, &mut results);
    results
}

/// Error messages among results.
pub fn errors(results: &[KrmResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .map(|r| r.message.clone())
        .collect()
}

/// A resource without what differs by orchestrator: our annotation, path/index annotations,
/// kustomize's namespace and `kf-name` label.
pub fn normalize(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.shift_remove("namespace");
        if let Some(labels) = meta.get_mut("labels").and_then(Value::as_object_mut) {
            labels.shift_remove("kf-name");
            if labels.is_empty() {
                meta.shift_remove("labels");
            }
        }
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            ann.retain(|k, _| {
                !(k == "private-gke.dev/owned"
                    || k.ends_with("config.kubernetes.io/path")
                    || k.ends_with("config.kubernetes.io/index"))
            });
            if ann.is_empty() {
                meta.shift_remove("annotations");
            }
        }
    }
    v
}

/// `Kind/name` of a resource.
pub fn key(v: &Value) -> String {
    format!(
        "{}/{}",
        v["kind"].as_str().unwrap_or(""),
        v["metadata"]["name"].as_str().unwrap_or("")
    )
}

/// How many resources the private stage generates on its own network (`true`) or the user's,
/// with the default allowlist, for a target Config Connector with or without network firewall
/// policies (an assumed current version has them).
pub fn generated_count(own_network: bool, policies: bool) -> usize {
    use private_gke::config::EgressAllowlist;
    use private_gke::gke::firewall_rules::Allowlist;
    private_gke::gke::resources::count(
        own_network,
        Allowlist::choose(EgressAllowlist::Fqdn, policies),
    )
}

/// The target of [`issue_11`]: what the Config Connector the output is written for has.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// Firewall `logConfig` and NAT dynamic port allocation.
    pub current_fields: bool,
    /// Network firewall policies with FQDN rules.
    pub policies: bool,
}

/// The guide's hydrated output (by `Kind/name`, normalised) with every documented difference of
/// issue 11 applied, for base name `n` with `log-firewalls: true` and the default ranges: the
/// `pkg.dev.` zone; deny-all egress on every protocol; `int-egress` to the cluster's ranges;
/// the Google API VIP on every protocol; the four health-check ranges on every TCP port; NAT
/// logging and ports; logging fields by version; FQDN rules instead of address lists where the
/// target has them.
pub fn issue_11(want: &mut std::collections::BTreeMap<String, Value>, n: &str, t: Target) {
    let fw = |want: &mut std::collections::BTreeMap<String, Value>, suffix: &str| {
        want.get_mut(&format!("ComputeFirewall/{n}-{suffix}"))
            .unwrap_or_else(|| panic!("{suffix}"))["spec"]
            .as_object_mut()
            .unwrap()
            .clone()
    };
    let set = |want: &mut std::collections::BTreeMap<String, Value>,
               suffix: &str,
               edits: &[(&str, Value)]| {
        let mut spec = fw(want, suffix);
        for (k, v) in edits {
            spec.insert(k.to_string(), v.clone());
        }
        want.get_mut(&format!("ComputeFirewall/{n}-{suffix}"))
            .unwrap()["spec"] = Value::Object(spec);
    };
    let health = json!([
        "130.211.0.0/22",
        "35.191.0.0/16",
        "209.85.152.0/22",
        "209.85.204.0/22"
    ]);
    set(
        want,
        "deny-egress",
        &[
            (
                "description",
                json!("Deny all egress by default, every protocol"),
            ),
            ("deny", json!([{"protocol": "all"}])),
        ],
    );
    set(
        want,
        "health-ingress",
        &[
            (
                "description",
                json!("Allow health checks (load balancers, node ports, NEG pod ports)"),
            ),
            ("allow", json!([{"protocol": "tcp"}])),
            ("sourceRanges", health.clone()),
        ],
    );
    set(
        want,
        "health-egress",
        &[
            ("allow", json!([{"protocol": "tcp"}])),
            ("destinationRanges", health),
        ],
    );
    set(
        want,
        "apis-egress",
        &[("allow", json!([{"protocol": "all"}]))],
    );
    set(
        want,
        "int-egress",
        &[
            (
                "description",
                json!("Allow traffic to the cluster's ranges: nodes, pods, services, master"),
            ),
            ("allow", json!([{"protocol": "all"}])),
            (
                "destinationRanges",
                json!([
                    "10.10.10.0/24",
                    "10.1.0.0/16",
                    "10.10.11.0/24",
                    "172.16.0.32/28"
                ]),
            ),
        ],
    );
    if t.policies {
        want.remove(&format!("ComputeFirewall/{n}-dockerhub"));
        want.remove(&format!("ComputeFirewall/{n}-iap-jwks"));
        want.get_mut(&format!("ComputeNetwork/{n}")).unwrap()["spec"]
            ["networkFirewallPolicyEnforcementOrder"] = json!("BEFORE_CLASSIC_FIREWALL");
        let compute = "compute.cnrm.cloud.google.com/v1beta1";
        let policy = format!("{n}-egress");
        want.insert(format!("ComputeNetworkFirewallPolicy/{policy}"), json!({
            "apiVersion": compute, "kind": "ComputeNetworkFirewallPolicy", "metadata": {"name": policy},
            "spec": {"description": "FQDN egress allowlist of the private cluster"}}));
        want.insert(format!("ComputeNetworkFirewallPolicyAssociation/{policy}"), json!({
            "apiVersion": compute, "kind": "ComputeNetworkFirewallPolicyAssociation", "metadata": {"name": policy},
            "spec": {"attachmentTargetRef": {"name": n}, "firewallPolicyRef": {"name": policy}}}));
        for (suffix, description, fqdns, ports, priority) in [
            (
                "dockerhub",
                "Allow egress to dockerhub and quay.io",
                json!([
                    "registry-1.docker.io",
                    "auth.docker.io",
                    "production.cloudflare.docker.com",
                    "index.docker.io",
                    "quay.io",
                    "cdn.quay.io"
                ]),
                json!(["443", "80"]),
                1000,
            ),
            (
                "iap-jwks",
                "Allow traffic to www.gstatic.com to get IAP JWKs",
                json!(["www.gstatic.com"]),
                json!(["443"]),
                1001,
            ),
        ] {
            let name = format!("{n}-{suffix}");
            want.insert(format!("ComputeNetworkFirewallPolicyRule/{name}"), json!({
                "apiVersion": private_gke::gke::firewall_rules::POLICY_RULE_API,
                "kind": "ComputeNetworkFirewallPolicyRule", "metadata": {"name": name},
                "spec": {"description": description, "action": "allow", "direction": "EGRESS",
                    "resourceID": priority.to_string(),
                    "firewallPolicyRef": {"name": policy}, "enableLogging": true,
                    "match": {"destFqdns": fqdns, "layer4Configs": [{"ipProtocol": "tcp", "ports": ports}]}}}));
        }
    } else {
        set(
            want,
            "dockerhub",
            &[(
                "description",
                json!("Allow egress to dockerhub and quay.io (a 2020 snapshot of their addresses)"),
            )],
        );
        set(want, "iap-jwks", &[("description", json!("Allow traffic to www.gstatic.com to get IAP JWKs (a 2020 snapshot of its addresses)"))]);
    }
    if t.current_fields {
        for (k, v) in want.iter_mut() {
            if k.starts_with("ComputeFirewall/") {
                let spec = v["spec"].as_object_mut().unwrap();
                spec.shift_remove("enableLogging");
                spec.insert(
                    "logConfig".into(),
                    json!({"metadata": "INCLUDE_ALL_METADATA"}),
                );
            }
        }
    }
    let nat = want.get_mut(&format!("ComputeRouterNAT/{n}")).unwrap()["spec"]
        .as_object_mut()
        .unwrap();
    nat.insert("minPortsPerVm".into(), json!(64));
    nat.insert(
        "logConfig".into(),
        json!({"enable": true, "filter": "ERRORS_ONLY"}),
    );
    if t.current_fields {
        nat.insert("enableDynamicPortAllocation".into(), json!(true));
        nat.insert("enableEndpointIndependentMapping".into(), json!(false));
        nat.insert("maxPortsPerVm".into(), json!(4096));
    }
    let zone = format!("{n}-pkg-dev");
    let dns = "dns.cnrm.cloud.google.com/v1beta1";
    want.insert(format!("DNSManagedZone/{zone}"), json!({
        "apiVersion": dns, "kind": "DNSManagedZone", "metadata": {"name": zone},
        "spec": {"description": "private zone for Artifact Registry (pkg.dev)", "dnsName": "pkg.dev.",
            "visibility": "private", "privateVisibilityConfig": {"networks": [{"networkRef": {"name": n}}]}}}));
    for (suffix, kind, owner, data) in [
        ("cname", "CNAME", "*.pkg.dev.", json!(["pkg.dev."])),
        (
            "a",
            "A",
            "pkg.dev.",
            json!([
                "199.36.153.4",
                "199.36.153.5",
                "199.36.153.6",
                "199.36.153.7"
            ]),
        ),
    ] {
        let name = format!("{zone}-{suffix}");
        want.insert(format!("DNSRecordSet/{name}"), json!({
            "apiVersion": dns, "kind": "DNSRecordSet", "metadata": {"name": name},
            "spec": {"name": owner, "type": kind, "ttl": 300, "managedZoneRef": {"name": zone}, "rrdatas": data}}));
    }
}

/// A ConfigMap functionConfig with these `data` pairs.
pub fn config_map(pairs: &[(&str, &str)]) -> Value {
    let data: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fn"}, "data": data})
}

/// Package mode on `dir` with these settings (printing the ResourceList when `output_stdout`);
/// fails the test on any error result.
pub fn run_package(
    dir: &std::path::Path,
    pairs: &[(&str, &str)],
    output_stdout: bool,
) -> private_gke::package::PackageOutcome {
    let outcome = private_gke::package::run(
        dir,
        &private_gke::package::PackageOptions {
            function_config: Some(config_map(pairs)),
            output_stdout,
            ..Default::default()
        },
    )
    .unwrap();
    let errors: Vec<&str> = outcome
        .results
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .map(|r| r.message.as_str())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    outcome
}
