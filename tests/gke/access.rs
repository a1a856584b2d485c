//! Control-plane access (`private-gke.control-plane` and its companions): what each form
//! writes, only where the target Config Connector has the fields; the user's own fields kept
//! without the setting; everything given back when the setting goes and by `gke.private: false`.

use crate::gke_common::*;
use private_gke::config::Settings;
use private_gke::krm::{Item, KrmResult, Severity};
use serde_json::{json, Value};

/// The project's own copy of upstream's golden gcp package (`testdata/upstream/SOURCES.md`).
const GOLDEN: &str = "kubeflow-1.1-gcp";

fn golden_input() -> Vec<Value> {
    let base = copy(GOLDEN);
    load_dir(&format!("{base}/v2/cnrm"), &base)
        .into_iter()
        .filter(|v| v["kind"] != "ContainerNodePool")
        .collect()
}

/// The golden settings plus `extra`.
fn settings(extra: &[(&str, &str)]) -> Settings {
    let mut pairs = vec![
        ("private-gke.check-locations", "false"),
        ("name", "kf"),
        ("region", "testRegion"),
        ("location", "testLocation"),
    ];
    pairs.extend_from_slice(extra);
    config(&pairs)
}

/// Runs on `items` (re-read as a next run would); returns the new items and the results.
fn step(items: &[Item], extra: &[(&str, &str)]) -> (Vec<Item>, Vec<KrmResult>) {
    let mut next: Vec<Item> = items
        .iter()
        .map(|i| Item::generated(i.value().clone(), None))
        .collect();
    let results = run(&settings(extra), &mut next);
    (next, results)
}

fn cluster(items: &[Item]) -> &Value {
    items
        .iter()
        .find(|i| i.kind() == "ContainerCluster")
        .expect("a cluster")
        .value()
}

fn spec<'a>(items: &'a [Item], pointer: &str) -> Option<&'a Value> {
    cluster(items).pointer(&format!("/spec{pointer}"))
}

fn with_cluster_field(pointer: &str, value: Value) -> Vec<Item> {
    let mut values = golden_input();
    let c = values
        .iter_mut()
        .find(|v| v["kind"] == "ContainerCluster")
        .unwrap();
    private_gke::gke::cluster::set(c, pointer, value);
    items(values)
}

fn messages(results: &[KrmResult], severity: Severity) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.severity == severity)
        .map(|r| r.message.clone())
        .collect()
}

#[test]
fn authorized_writes_the_networks_and_gives_them_back() {
    let start = items(golden_input());
    let original = cluster(&start).clone();
    let given = [
        ("private-gke.control-plane", "authorized"),
        (
            "private-gke.authorized-networks",
            "203.0.113.0/24, 198.51.100.7",
        ),
    ];
    let (first, results) = step(&start, &given);
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(
        spec(&first, "/masterAuthorizedNetworksConfig"),
        Some(&json!({"cidrBlocks": [
            {"cidrBlock": "203.0.113.0/24"},
            {"cidrBlock": "198.51.100.7/32"}
        ]}))
    );
    assert_eq!(
        spec(&first, "/privateClusterConfig/enablePrivateEndpoint"),
        Some(&json!(false))
    );
    // Idempotent.
    let (again, _) = step(&first, &given);
    assert_eq!(cluster(&again), cluster(&first));
    // Without the setting the networks the function wrote are given back.
    let (after, results) = step(&first, &[]);
    assert_eq!(spec(&after, "/masterAuthorizedNetworksConfig"), None);
    assert!(results.iter().any(|r| r.message
        == "masterAuthorizedNetworksConfig given back: private-gke.authorized-networks is no longer given"));
    // gke.private: false from the authorized state restores the cluster.
    let (back, _) = step(&first, &[("gke.private", "false")]);
    assert_eq!(cluster(&back), &original);
}

#[test]
fn the_users_authorized_networks_are_theirs_unless_the_setting_is_given() {
    let own = json!({"cidrBlocks": [{"cidrBlock": "192.0.2.0/24", "displayName": "office"}]});
    let start = with_cluster_field("/spec/masterAuthorizedNetworksConfig", own.clone());
    let original = cluster(&start).clone();
    let (kept, _) = step(&start, &[]);
    assert_eq!(spec(&kept, "/masterAuthorizedNetworksConfig"), Some(&own));
    let given = [
        ("private-gke.control-plane", "authorized"),
        ("private-gke.authorized-networks", "203.0.113.0/24"),
    ];
    let (replaced, _) = step(&kept, &given);
    assert_eq!(
        spec(&replaced, "/masterAuthorizedNetworksConfig"),
        Some(&json!({"cidrBlocks": [{"cidrBlock": "203.0.113.0/24"}]}))
    );
    // The setting goes: the user's own networks come back; so they do on reversal.
    let (released, _) = step(&replaced, &[]);
    assert_eq!(
        spec(&released, "/masterAuthorizedNetworksConfig"),
        Some(&own)
    );
    let (back, _) = step(&replaced, &[("gke.private", "false")]);
    assert_eq!(cluster(&back), &original);
}

#[test]
fn private_writes_global_access_only_where_the_version_has_it() {
    let start = items(golden_input());
    let (old, results) = step(
        &start,
        &[
            ("private-gke.control-plane", "private"),
            ("private-gke.cnrm-version", "1.15.1"),
        ],
    );
    assert_eq!(
        spec(&old, "/privateClusterConfig/enablePrivateEndpoint"),
        Some(&json!(true))
    );
    assert_eq!(
        spec(&old, "/privateClusterConfig/masterGlobalAccessConfig"),
        None
    );
    assert_eq!(
        messages(&results, Severity::Warning),
        vec![
            "private-gke.control-plane private: Config Connector 1.15.1 lacks \
              privateClusterConfig.masterGlobalAccessConfig (it needs Config Connector 1.21.0 or \
              later), so the private endpoint is reachable only from the cluster's region"
                .to_string()
        ]
    );
    let given = [
        ("private-gke.control-plane", "private"),
        ("private-gke.cnrm-version", "1.21.0"),
    ];
    let (new, results) = step(&old, &given);
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(
        spec(&new, "/privateClusterConfig/masterGlobalAccessConfig"),
        Some(&json!({"enabled": true}))
    );
    // Back to the default: the public endpoint the function turned off is on again, and the
    // global access it wrote goes.
    let (public, _) = step(&new, &[("private-gke.cnrm-version", "1.21.0")]);
    assert_eq!(
        spec(&public, "/privateClusterConfig/enablePrivateEndpoint"),
        Some(&json!(false))
    );
    assert_eq!(
        spec(&public, "/privateClusterConfig/masterGlobalAccessConfig"),
        None
    );
}

#[test]
fn the_users_private_endpoint_stays_without_the_setting() {
    let start = with_cluster_field(
        "/spec/privateClusterConfig",
        json!({"enablePrivateEndpoint": true}),
    );
    let (first, _) = step(&start, &[]);
    assert_eq!(
        spec(&first, "/privateClusterConfig/enablePrivateEndpoint"),
        Some(&json!(true))
    );
    let (second, _) = step(&first, &[]);
    assert_eq!(cluster(&second), cluster(&first));
    // Given, the setting decides.
    let (public, _) = step(&first, &[("private-gke.control-plane", "public")]);
    assert_eq!(
        spec(&public, "/privateClusterConfig/enablePrivateEndpoint"),
        Some(&json!(false))
    );
}

#[test]
fn dns_needs_config_connector_with_the_dns_endpoint() {
    let start = items(golden_input());
    let (_, results) = step(
        &start,
        &[
            ("private-gke.control-plane", "dns"),
            ("private-gke.cnrm-version", "1.33.0"),
        ],
    );
    assert_eq!(
        errors(&results),
        vec![
            "private-gke.control-plane dns writes spec.controlPlaneEndpointsConfig, which \
              Config Connector 1.33.0 lacks: it needs Config Connector 1.134.0 or later. Fix: \
              set private-gke.cnrm-version to the version you run if it is later, or use \
              private-gke.control-plane private"
                .to_string()
        ]
    );
    let given = [
        ("private-gke.control-plane", "dns"),
        ("private-gke.cnrm-version", "1.134.0"),
    ];
    let (dns, results) = step(&start, &given);
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(
        spec(&dns, "/controlPlaneEndpointsConfig"),
        Some(&json!({"dnsEndpointConfig": {"allowExternalTraffic": true}}))
    );
    assert_eq!(
        spec(&dns, "/privateClusterConfig/enablePrivateEndpoint"),
        Some(&json!(true))
    );
    let (private, results) = step(
        &dns,
        &[
            ("private-gke.control-plane", "private"),
            ("private-gke.cnrm-version", "1.134.0"),
        ],
    );
    assert_eq!(spec(&private, "/controlPlaneEndpointsConfig"), None);
    assert!(results.iter().any(|r| r.message
        == "controlPlaneEndpointsConfig given back: private-gke.control-plane is no longer dns"));
}

#[test]
fn private_endpoint_subnetwork_is_written_where_the_version_has_it_and_never_moved() {
    let start = items(golden_input());
    let given = |version: &'static str| {
        vec![
            ("private-gke.control-plane", "private"),
            ("private-gke.private-endpoint-subnetwork", "endpoints"),
            ("private-gke.cnrm-version", version),
        ]
    };
    let (_, results) = step(&start, &given("1.33.0"));
    assert_eq!(
        errors(&results),
        vec!["private-gke.private-endpoint-subnetwork writes \
              spec.privateClusterConfig.privateEndpointSubnetworkRef, which Config Connector \
              1.33.0 lacks: it needs Config Connector 1.99.0 or later. Fix: set \
              private-gke.cnrm-version to the version you run if it is later, or leave the \
              setting out"
            .to_string()]
    );
    let (written, results) = step(&start, &given("1.134.0"));
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(
        spec(
            &written,
            "/privateClusterConfig/privateEndpointSubnetworkRef"
        ),
        Some(&json!({"name": "endpoints"}))
    );
    // The user's own, different ref: immutable, an error, nothing moved.
    let own = with_cluster_field(
        "/spec/privateClusterConfig/privateEndpointSubnetworkRef",
        json!({"name": "theirs"}),
    );
    let (kept, results) = step(&own, &given("1.134.0"));
    assert_eq!(errors(&results).len(), 1, "{results:?}");
    assert!(
        errors(&results)[0].contains("contradicts the cluster's own privateEndpointSubnetworkRef")
    );
    assert_eq!(
        spec(&kept, "/privateClusterConfig/privateEndpointSubnetworkRef"),
        Some(&json!({"name": "theirs"}))
    );
    // Without the setting the ref the function wrote goes; the user's stays.
    let (gone, _) = step(&written, &[("private-gke.cnrm-version", "1.134.0")]);
    assert_eq!(
        spec(&gone, "/privateClusterConfig/privateEndpointSubnetworkRef"),
        None
    );
    let (still, _) = step(&kept, &[("private-gke.cnrm-version", "1.134.0")]);
    assert_eq!(
        spec(&still, "/privateClusterConfig/privateEndpointSubnetworkRef"),
        Some(&json!({"name": "theirs"}))
    );
}

#[test]
fn the_crd_among_the_items_decides_which_fields_exist() {
    if !reference_data::present() {
        return;
    }
    for (crd, global_access) in [
        (
            "upstream/k8s-config-connector@1.15.1/crds/container_v1beta1_containercluster.yaml",
            false,
        ),
        (
            "upstream/k8s-config-connector@HEAD/config/crds/resources/apiextensions.k8s.io_v1_customresourcedefinition_containerclusters.container.cnrm.cloud.google.com.yaml",
            true,
        ),
    ] {
        let mut values = golden_input();
        values.push(docs(&reference(crd)).remove(0));
        let (out, _) = step(&items(values), &[("private-gke.control-plane", "private")]);
        assert_eq!(
            spec(&out, "/privateClusterConfig/masterGlobalAccessConfig").is_some(),
            global_access,
            "{crd}"
        );
    }
}

#[test]
fn the_rules_between_the_settings_are_errors() {
    let err = |pairs: &[(&str, &str)]| -> Vec<String> {
        let data: serde_json::Map<String, Value> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data});
        Settings::from_function_config(Some(&config))
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.message)
            .collect()
    };
    assert_eq!(
        err(&[("private-gke.control-plane", "authorized")]),
        vec![
            "private-gke.control-plane authorized needs private-gke.authorized-networks: the \
              CIDRs that may reach the control plane"
        ]
    );
    assert_eq!(
        err(&[("private-gke.authorized-networks", "10.0.0.0/8")]),
        vec![
            "private-gke.authorized-networks is given but private-gke.control-plane is not \
              given (public): set private-gke.control-plane to authorized or private"
        ]
    );
    assert_eq!(
        err(&[
            ("private-gke.control-plane", "public"),
            ("private-gke.private-endpoint-subnetwork", "s"),
        ]),
        vec![
            "private-gke.private-endpoint-subnetwork is given but private-gke.control-plane is \
              public: the subnetwork holds the private endpoint, so set \
              private-gke.control-plane to private or dns"
        ]
    );
    assert_eq!(
        err(&[
            ("private-gke.control-plane", "authorized"),
            ("private-gke.authorized-networks", "10.0.0.1/8"),
        ]),
        vec!["\"10.0.0.1/8\" has host bits set; did you mean 10.0.0.0/8?"]
    );
    assert_eq!(
        err(&[("private-gke.control-plane", "closed")]),
        vec!["\"closed\" is not one of public, authorized, private, dns"]
    );
    assert_eq!(
        err(&[("private-gke.webhook-ports", "gatekeeper,knativ")]),
        vec![
            "\"knativ\" is not a component of the webhook port catalogue (gatekeeper, knative, \
              config-connector, controller-runtime, istio); did you mean knative?"
        ]
    );
}

#[test]
fn an_assumed_version_says_what_the_current_fields_need() {
    let start = items(golden_input());
    let (out, results) = step(
        &start,
        &[
            ("private-gke.control-plane", "dns"),
            ("private-gke.private-endpoint-subnetwork", "endpoints"),
        ],
    );
    assert!(spec(&out, "/controlPlaneEndpointsConfig").is_some());
    assert!(messages(&results, Severity::Warning).contains(
        &"nothing in the package names the Config Connector version: \
          spec.controlPlaneEndpointsConfig and \
          spec.privateClusterConfig.privateEndpointSubnetworkRef written for Config Connector \
          1.134.0 or later, which earlier versions reject as unknown fields; set \
          private-gke.cnrm-version to the version you run"
            .to_string()
    ));
    // Named, no such warning.
    let (_, results) = step(
        &start,
        &[
            ("private-gke.control-plane", "dns"),
            ("private-gke.cnrm-version", "1.134.0"),
        ],
    );
    assert!(!messages(&results, Severity::Warning)
        .iter()
        .any(|m| m.starts_with("nothing in the package names")));
}
