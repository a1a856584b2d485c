//! The check families of issue 11 over the upstream private blueprint output
//! (hydrated-private.yaml): capacity of the pods and services ranges, deprecated fields per
//! target Config Connector, the open public endpoint, and the webhook port catalogue.

use crate::support;

use private_gke::checks;
use private_gke::config::Settings;
use private_gke::krm::{Item, KrmResult, Severity};
use serde::Deserialize;
use serde_json::{json, Value};

const HYDRATED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/upstream/hydrated-private.yaml"
);
const CLUSTER: &str = "testKptName";

fn hydrated() -> Vec<Item> {
    let text = std::fs::read_to_string(HYDRATED).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).unwrap())
        .filter(|v| !v.is_null())
        .map(|v| Item::generated(v, None))
        .collect()
}

fn settings(pairs: &[(&str, &str)]) -> Settings {
    let data: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Settings::from_function_config(Some(
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data}),
    ))
    .unwrap()
}

/// The results of one check family.
/// The results of one family of checks; with `webhook-firewall: generate`, the private-GKE
/// stage's webhook step first (its "wrote" info counts as the webhooks family's).
fn family(settings: &Settings, items: &mut Vec<Item>, check: &str) -> Vec<KrmResult> {
    let mut results = Vec::new();
    let mut written = Vec::new();
    if settings.webhook_firewall == private_gke::config::WebhookFirewall::Generate {
        private_gke::gke::webhook_rule::generate(settings, items, &mut written);
    }
    checks::run(settings, items, &mut results);
    let wrote = written
        .into_iter()
        .filter(|r| check == "webhooks" && r.message.starts_with("wrote ComputeFirewall"));
    wrote
        .chain(
            results
                .into_iter()
                .filter(|r| r.tags.get("check").map(String::as_str) == Some(check)),
        )
        .collect()
}

fn messages(results: &[KrmResult]) -> Vec<(Severity, String)> {
    results
        .iter()
        .map(|r| (r.severity, r.message.clone()))
        .collect()
}

fn cluster_mut(items: &mut [Item]) -> &mut Value {
    items
        .iter_mut()
        .find(|i| i.kind() == "ContainerCluster" && i.name() == CLUSTER)
        .unwrap()
        .value_mut()
}

fn set_pods_range(items: &mut [Item], cidr: &str) {
    let subnet = items
        .iter_mut()
        .find(|i| i.kind() == "ComputeSubnetwork")
        .unwrap();
    for r in subnet.value_mut()["spec"]["secondaryIpRange"]
        .as_array_mut()
        .unwrap()
    {
        if r["rangeName"] == "pods" {
            r["ipCidrRange"] = json!(cidr);
        }
    }
}

fn node_pool(spec: Value) -> Item {
    let mut spec = spec;
    spec["clusterRef"] = json!({"name": CLUSTER});
    Item::generated(
        json!({"apiVersion": "container.cnrm.cloud.google.com/v1beta1", "kind": "ContainerNodePool",
            "metadata": {"name": "workers", "namespace": "customerProject"}, "spec": spec}),
        None,
    )
}

#[test]
fn pods_range_against_nodes_times_pods_per_node() {
    let mut items = hydrated();
    // A /20 holds 16 nodes at 110 pods (a /24 each); the default pool (2) and an autoscaled
    // pool of 10 per zone in 3 zones reach 32.
    set_pods_range(&mut items, "10.1.0.0/20");
    items.push(node_pool(json!({
        "autoscaling": {"minNodeCount": 1, "maxNodeCount": 10},
        "nodeLocations": ["z-a", "z-b", "z-c"],
    })));
    let found = family(&Settings::default(), &mut items, "capacity");
    assert_eq!(
        messages(&found),
        vec![(
            Severity::Error,
            "the pods range 10.1.0.0/20 (secondary range `pods` of subnetwork testKptName) has \
             4096 addresses, but the node pools reach 32 nodes needing 8192: the default pool 2 \
             × 1 zone(s) (110 pods per node: a /24 each), workers maxNodeCount 10 × 3 zone(s) \
             (110 pods per node: a /24 each). GKE gives every node its pod range up front, so \
             nodes past about 16 are never created and scale-ups fail. Fix: a pods range of \
             /19 or larger, fewer nodes, or a smaller maxPodsPerNode"
                .to_string()
        )]
    );
    assert_eq!(
        found[0].field.as_ref().unwrap().path,
        "spec.ipAllocationPolicy"
    );
    // 32 pods per node (a /26 each): 30 × 64 + 2 × 256 = 2432 addresses fit in 4096.
    let pool = items.len() - 1;
    items[pool].value_mut()["spec"]["maxPodsPerNode"] = json!(32);
    assert_eq!(family(&Settings::default(), &mut items, "capacity"), vec![]);
    // The cluster's defaultMaxPodsPerNode counts for the default pool and pools without their own.
    items[pool].value_mut()["spec"]
        .as_object_mut()
        .unwrap()
        .remove("maxPodsPerNode");
    cluster_mut(&mut items)["spec"]["defaultMaxPodsPerNode"] = json!(16);
    assert_eq!(family(&Settings::default(), &mut items, "capacity"), vec![]);
}

#[test]
fn the_default_pool_removed_does_not_count() {
    let mut items = hydrated();
    set_pods_range(&mut items, "10.1.0.0/24");
    // One node of 110 pods fills the /24: the default pool's two nodes do not fit.
    let found = family(&Settings::default(), &mut items, "capacity");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0]
        .message
        .contains("has 256 addresses, but the node pools reach 2 nodes needing 512"));
    cluster_mut(&mut items)["metadata"]["annotations"] =
        json!({"cnrm.cloud.google.com/remove-default-node-pool": "true"});
    assert_eq!(family(&Settings::default(), &mut items, "capacity"), vec![]);
}

fn service(name: &str, spec: Value) -> Item {
    Item::generated(
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "kubeflow"}, "spec": spec}),
        None,
    )
}

#[test]
fn services_range_against_the_services_in_the_package() {
    let mut items = hydrated();
    let subnet = items
        .iter_mut()
        .find(|i| i.kind() == "ComputeSubnetwork")
        .unwrap();
    subnet.value_mut()["spec"]["secondaryIpRange"][0]["ipCidrRange"] = json!("10.10.11.0/28");
    // A /28: 14 usable addresses, one for `kubernetes`. 14 Services with a cluster IP, plus a
    // headless one and an ExternalName one, which take none.
    for i in 0..14 {
        items.push(service(
            &format!("svc-{i}"),
            json!({"ports": [{"port": 80}]}),
        ));
    }
    items.push(service("headless", json!({"clusterIP": "None"})));
    items.push(service(
        "outside",
        json!({"type": "ExternalName", "externalName": "example.com"}),
    ));
    let found = family(&Settings::default(), &mut items, "capacity");
    assert_eq!(
        messages(&found),
        vec![(
            Severity::Error,
            "the services range 10.10.11.0/28 (secondary range `services` of subnetwork \
             testKptName) has 14 usable addresses, but the package has 14 Services with a \
             cluster IP, plus the cluster's own `kubernetes` Service: 15. Services past the \
             range are rejected (\"failed to allocate a serviceIP\"). Fix: a services range of \
             /27 or larger"
                .to_string()
        )]
    );
    items.retain(|i| i.name() != "svc-0");
    assert_eq!(family(&Settings::default(), &mut items, "capacity"), vec![]);
}

#[test]
fn deprecated_fields_warn_where_the_target_has_the_replacement() {
    let mut items = hydrated();
    items.push(node_pool(json!({
        "nodeConfig": {"workloadMetadataConfig": {"nodeMetadata": "EXPOSE"}},
    })));
    let current = settings(&[("private-gke.cnrm-version", "1.134.0")]);
    assert_eq!(
        messages(&family(&current, &mut items, "deprecated")),
        vec![
            (
                Severity::Warning,
                "deprecated in Config Connector 1.134.0 and to be removed: use \
                 spec.workloadIdentityConfig.workloadPool: \"customerProject.svc.id.goog\" instead"
                    .to_string()
            ),
            (
                Severity::Warning,
                "deprecated in Config Connector 1.134.0 and to be removed: use \
                 spec.nodeConfig.workloadMetadataConfig.mode: GKE_METADATA instead; the block is \
                 immutable, so make the change when the nodes are replaced"
                    .to_string()
            ),
            (
                Severity::Warning,
                "deprecated in Config Connector 1.134.0 and to be removed: use \
                 spec.nodeConfig.workloadMetadataConfig.mode: GCE_METADATA instead; the block is \
                 immutable, so make the change when the nodes are replaced"
                    .to_string()
            ),
        ]
    );
    // 1.33.0 has only the old fields: infos, no warning.
    let old = settings(&[("private-gke.cnrm-version", "1.33.0")]);
    let found = family(&old, &mut items, "deprecated");
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|r| r.severity == Severity::Info));
    assert_eq!(
        found[0].message,
        "the only form Config Connector 1.33.0 has, deprecated from Config Connector 1.67.0 on: \
         when you upgrade, use spec.workloadIdentityConfig.workloadPool: \
         \"customerProject.svc.id.goog\" instead"
    );
    // Both forms set: remove the old one.
    cluster_mut(&mut items)["spec"]["workloadIdentityConfig"]["workloadPool"] =
        json!("customerProject.svc.id.goog");
    let found = family(&current, &mut items, "deprecated");
    assert_eq!(
        found[0].message,
        "deprecated in Config Connector 1.134.0 and to be removed: workloadPool \
         \"customerProject.svc.id.goog\" is set too; remove identityNamespace"
    );
}

#[test]
fn deprecated_fields_follow_the_crd_among_the_items() {
    if !support::reference::present() {
        return;
    }
    let crd = |rel: &str| {
        let path = support::reference::path(&format!("upstream/{rel}")).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let value: Value = serde_norway::from_str(&text).unwrap();
        Item::generated(value, None)
    };
    for (rel, severity) in [
        (
            "k8s-config-connector@1.33.0/crds/container_v1beta1_containercluster.yaml",
            Severity::Info,
        ),
        (
            "k8s-config-connector@HEAD/config/crds/resources/apiextensions.k8s.io_v1_customresourcedefinition_containerclusters.container.cnrm.cloud.google.com.yaml",
            Severity::Warning,
        ),
    ] {
        let mut items = hydrated();
        items.push(crd(rel));
        let found = family(&Settings::default(), &mut items, "deprecated");
        assert_eq!(found.len(), 2, "{rel}");
        assert!(found.iter().all(|r| r.severity == severity), "{rel}: {found:?}");
        assert!(
            found[0]
                .message
                .contains("the ContainerCluster CRD among the items"),
            "{}",
            found[0].message
        );
    }
}

#[test]
fn an_open_public_endpoint_is_a_warning_until_restricted() {
    let mut items = hydrated();
    let open = family(&Settings::default(), &mut items, "control-plane");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].severity, Severity::Warning);
    assert!(open[0].message.contains("CIS GKE benchmark 5.4.2"));
    cluster_mut(&mut items)["spec"]["masterAuthorizedNetworksConfig"] =
        json!({"cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]});
    let everyone = family(&Settings::default(), &mut items, "control-plane");
    assert_eq!(everyone.len(), 1);
    assert!(everyone[0]
        .message
        .contains("(masterAuthorizedNetworksConfig allows 0.0.0.0/0;"));
    cluster_mut(&mut items)["spec"]["masterAuthorizedNetworksConfig"] =
        json!({"cidrBlocks": [{"cidrBlock": "203.0.113.0/24"}]});
    assert_eq!(
        family(&Settings::default(), &mut items, "control-plane"),
        vec![]
    );
    cluster_mut(&mut items)["spec"]
        .as_object_mut()
        .unwrap()
        .remove("masterAuthorizedNetworksConfig");
    cluster_mut(&mut items)["spec"]["privateClusterConfig"]["enablePrivateEndpoint"] = json!(true);
    assert_eq!(
        family(&Settings::default(), &mut items, "control-plane"),
        vec![]
    );
}

fn remove_istio_rule(items: &mut Vec<Item>) {
    items.retain(|i| !(i.kind() == "ComputeFirewall" && i.name() == "testKptName-istio"));
}

#[test]
fn catalogue_ports_count_like_found_webhooks() {
    let mut items = hydrated();
    // The upstream istio rule opens 15017 and 9443: only Gatekeeper's 8443 is missing.
    let named = settings(&[
        (
            "private-gke.webhook-ports",
            "gatekeeper, istio, controller-runtime",
        ),
        ("private-gke.webhook-firewall", "check"),
    ]);
    let found = family(&named, &mut items, "webhooks");
    assert_eq!(
        messages(&found),
        vec![(
            Severity::Error,
            "component `gatekeeper` (private-gke.webhook-ports) serves Gatekeeper's \
             gatekeeper-webhook-service on port 8443, and no ingress firewall rule on network \
             `testKptName` allows tcp 8443 from the master range 172.16.0.32/28: GKE lets the \
             master reach nodes only on 443 and 10250, so every matching API request fails with \
             \"failed calling webhook … context deadline exceeded\". Fix: add an INGRESS \
             ComputeFirewall allowing tcp 8443 from 172.16.0.32/28, or leave \
             `private-gke.webhook-firewall` at its default, `generate`"
                .to_string()
        )]
    );
    // Without the istio rule, 15017 and 9443 are missing too.
    remove_istio_rule(&mut items);
    let found = family(&named, &mut items, "webhooks");
    assert_eq!(found.len(), 3);
    assert!(found[1]
        .message
        .contains("serves istiod's sidecar injector and validation on port 15017"));
    assert!(found[2].message.contains("on port 9443"));
    // generate writes one rule for them, and a second run adds nothing.
    let generate = settings(&[
        (
            "private-gke.webhook-ports",
            "gatekeeper, istio, controller-runtime",
        ),
        ("private-gke.webhook-firewall", "generate"),
    ]);
    let before = items.len();
    let found = family(&generate, &mut items, "webhooks");
    assert_eq!(items.len(), before + 1);
    let rule = items.last().unwrap();
    assert_eq!(rule.name(), "testKptName-webhooks-8443-9443-15017");
    assert_eq!(
        rule.value()["spec"]["allow"],
        json!([{"ports": ["8443", "9443", "15017"], "protocol": "tcp"}])
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Info);
    assert_eq!(family(&generate, &mut items, "webhooks"), vec![]);
    assert_eq!(items.len(), before + 1);
}

#[test]
fn config_connector_webhooks_use_9443_from_1_38() {
    let mut items = hydrated();
    remove_istio_rule(&mut items);
    let at = |version: &str| {
        settings(&[
            ("private-gke.webhook-ports", "config-connector"),
            ("private-gke.cnrm-version", version),
            ("private-gke.webhook-firewall", "check"),
        ])
    };
    let old = family(&at("1.37.0"), &mut items, "webhooks");
    assert_eq!(
        messages(&old),
        vec![(
            Severity::Info,
            "component `config-connector` (private-gke.webhook-ports): Config Connector 1.37.0 \
             serves its webhooks on 443, which the master reaches; 9443 from 1.38.0"
                .to_string()
        )]
    );
    let new = family(&at("1.38.0"), &mut items, "webhooks");
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].severity, Severity::Error);
    assert!(new[0].message.starts_with(
        "component `config-connector` (private-gke.webhook-ports) serves Config Connector's \
         cnrm-validating-webhook (from 1.38) on port 9443"
    ));
}
