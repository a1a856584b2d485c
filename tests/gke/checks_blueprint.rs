//! The checks over the upstream private blueprint output (hydrated-private.yaml, 83 resources),
//! and one fixture per broken thing, each asserting the exact results.

use private_gke::checks;
use private_gke::config::{Mode, Settings, WebhookFirewall};
use private_gke::krm::{has_errors, Item, KrmResult, Severity};
use serde::Deserialize;
use serde_json::{json, Value};

const HYDRATED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/upstream/hydrated-private.yaml"
);
const WEBHOOKS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/checks/webhook-8443.yaml"
);
const WEBHOOK_RULE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/checks/webhook-8443-rule.yaml"
);
const ALL_CHECKS: &str =
    "names, references, deprecated, cidrs, capacity, control-plane, firewall, webhooks, routes-dns, nat, iap, endpoints, connectivity";

fn load(path: &str) -> Vec<Item> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).unwrap())
        .filter(|v| !v.is_null())
        .map(|v| Item::generated(v, None))
        .collect()
}

fn hydrated() -> Vec<Item> {
    load(HYDRATED)
}

fn run(settings: &Settings, items: &mut [Item]) -> Vec<KrmResult> {
    let mut results = Vec::new();
    checks::run(settings, items, &mut results);
    results
}

/// The private-GKE stage's webhook step (it writes the rule `webhook-firewall: generate` asks
/// for), then the checks.
fn generate_then_check(settings: &Settings, items: &mut Vec<Item>) -> Vec<KrmResult> {
    let mut results = Vec::new();
    if settings.mode == Mode::Apply {
        private_gke::gke::webhook_rule::generate(settings, items, &mut results);
    }
    checks::run(settings, items, &mut results);
    results
        .into_iter()
        .filter(|r| {
            !["summary", "deprecated", "control-plane"]
                .contains(&r.tags.get("check").map(String::as_str).unwrap_or(""))
                && !r.message.contains("upper-case letters")
        })
        .collect()
}

/// The results of a default run, without the summary, the upper-case name warnings, the
/// deprecated-field and the open-control-plane warnings every run over the hydrated blueprint
/// gets (asserted once, in `hydrated_private_passes`).
fn issues(items: &mut [Item]) -> Vec<KrmResult> {
    issues_with(&Settings::default(), items)
}

fn issues_with(settings: &Settings, items: &mut [Item]) -> Vec<KrmResult> {
    run(settings, items)
        .into_iter()
        .filter(|r| {
            !["summary", "deprecated", "control-plane"].contains(&r.tags["check"].as_str())
                && !r.message.contains("upper-case letters")
        })
        .collect()
}

fn pos(items: &[Item], kind: &str, name: &str) -> usize {
    items
        .iter()
        .position(|it| it.kind() == kind && it.name() == name)
        .unwrap_or_else(|| panic!("{kind}/{name} not among the items"))
}

fn get<'a>(items: &'a [Item], kind: &str, name: &str) -> &'a Value {
    items[pos(items, kind, name)].value()
}

fn set(items: &mut [Item], kind: &str, name: &str, pointer: &str, value: Value) {
    let i = pos(items, kind, name);
    *items[i].value_mut().pointer_mut(pointer).unwrap() = value;
}

fn remove(items: &mut Vec<Item>, kind: &str, name: &str) {
    let i = pos(items, kind, name);
    items.remove(i);
}

/// The expected result at `kind/name` among `items`.
fn at(
    severity: Severity,
    message: &str,
    items: &[Item],
    kind: &str,
    name: &str,
    check: &str,
) -> KrmResult {
    KrmResult::new(severity, message)
        .for_resource(get(items, kind, name))
        .tag("check", check)
}

fn summary(results: &[KrmResult]) -> String {
    results.last().unwrap().message.clone()
}

const CLUSTER: &str = "testKptName";

#[test]
fn hydrated_private_passes() {
    let mut items = hydrated();
    assert_eq!(items.len(), 83);
    let results = run(&Settings::default(), &mut items);
    assert_eq!(items.len(), 83);
    assert!(results.iter().all(|r| r.severity != Severity::Error));
    // The golden setter values (`name=testKptName`) put upper-case letters into every Config
    // Connector name GCP sees: the only warnings. Skipped by design: the 15 `Service` API names
    // (dots are fine there), the 39 IAMPolicyMembers and 4 DNSRecordSets (not GCP names).
    let names = [
        ("ComputeAddress", "testKptName-ip"),
        ("ComputeDisk", "testKptName-storage-artifact-store"),
        ("ComputeDisk", "testKptName-storage-metadata-store"),
        ("ComputeFirewall", "testKptName-apis-egress"),
        ("ComputeFirewall", "testKptName-cm"),
        ("ComputeFirewall", "testKptName-deny-egress"),
        ("ComputeFirewall", "testKptName-dockerhub"),
        ("ComputeFirewall", "testKptName-health-egress"),
        ("ComputeFirewall", "testKptName-health-ingress"),
        ("ComputeFirewall", "testKptName-iap-jwks"),
        ("ComputeFirewall", "testKptName-int-egress"),
        ("ComputeFirewall", "testKptName-istio"),
        ("ComputeFirewall", "testKptName-master-egress"),
        ("ComputeNetwork", "testKptName"),
        ("ComputeRoute", "testKptName-google-apis"),
        ("ComputeRoute", "testKptName-internet"),
        ("ComputeRouter", "testKptName"),
        ("ComputeRouterNAT", "testKptName"),
        ("ComputeSubnetwork", "testKptName"),
        ("ContainerCluster", "testKptName"),
        ("DNSManagedZone", "testKptName-gcr"),
        ("DNSManagedZone", "testKptName-goog-apis"),
        ("IAMServiceAccount", "testKptName-admin"),
        ("IAMServiceAccount", "testKptName-user"),
        ("IAMServiceAccount", "testKptName-vm"),
    ];
    let mut expected: Vec<KrmResult> = names
        .iter()
        .map(|&(kind, name)| {
            at(
                Severity::Warning,
                &format!(
                    "{kind} name `{name}` has upper-case letters: Kubernetes and GCP accept only \
                     lower-case names, so the apply is rejected. Fix: use a lower-case value (the \
                     `name` setter is the usual prefix)"
                ),
                &items,
                kind,
                name,
                "names",
            )
            .at_field("metadata.name", Some(name.into()), None)
        })
        .collect();
    // Its cluster uses both deprecated fields, and its public endpoint is open to everyone;
    // nothing names a Config Connector version, so the current one is assumed.
    let assumed = "current Config Connector (assumed: nothing in the package names a version)";
    expected.push(
        at(
            Severity::Warning,
            &format!(
                "deprecated in {assumed} and to be removed: use \
                 spec.workloadIdentityConfig.workloadPool: \"customerProject.svc.id.goog\" instead"
            ),
            &items,
            "ContainerCluster",
            CLUSTER,
            "deprecated",
        )
        .at_field(
            "spec.workloadIdentityConfig.identityNamespace",
            Some("customerProject.svc.id.goog".into()),
            None,
        ),
    );
    expected.push(
        at(
            Severity::Warning,
            &format!(
                "deprecated in {assumed} and to be removed: use \
                 spec.nodeConfig.workloadMetadataConfig.mode: GKE_METADATA instead; the block is \
                 immutable, so make the change when the nodes are replaced"
            ),
            &items,
            "ContainerCluster",
            CLUSTER,
            "deprecated",
        )
        .at_field(
            "spec.nodeConfig.workloadMetadataConfig.nodeMetadata",
            Some("GKE_METADATA_SERVER".into()),
            None,
        ),
    );
    expected.push(
        at(
            Severity::Warning,
            "the control plane's public endpoint is open to every address (no \
             masterAuthorizedNetworksConfig and no private endpoint; CIS GKE benchmark 5.4.2). \
             Fix: private-gke.control-plane: authorized with private-gke.authorized-networks \
             (the CIDRs that run kubectl), or private",
            &items,
            "ContainerCluster",
            CLUSTER,
            "control-plane",
        )
        .at_field(
            "spec.privateClusterConfig.enablePrivateEndpoint",
            None,
            None,
        ),
    );
    expected.push(
        KrmResult::info(
            "connectivity of cluster testKptName: 15 flow(s) needed, 14 allowed, 0 blocked, 1 \
             denied by the package's policy",
        )
        .tag("check", "summary"),
    );
    expected.push(
        KrmResult::info(format!(
            "checks: 0 error(s), 28 warning(s); ran {ALL_CHECKS}"
        ))
        .tag("check", "summary"),
    );
    assert_eq!(results, expected);
}

#[test]
fn firewall_on_the_wrong_network() {
    let mut items = hydrated();
    set(
        &mut items,
        "ComputeFirewall",
        "testKptName-cm",
        "/spec/networkRef/name",
        json!("other"),
    );
    let expected =
        vec![at(
        Severity::Error,
        "firewall rules reference the wrong network: ComputeFirewall testKptName-cm is on network \
         `other`, but the cluster testKptName runs on `testKptName`, so it never applies to the \
         cluster's nodes. Fix: set spec.networkRef.name to `testKptName`",
        &items,
        "ComputeFirewall",
        "testKptName-cm",
        "references",
    )
    .at_field("spec.networkRef.name", Some("other".into()), Some(CLUSTER.into()))];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn master_cidr_changed_in_the_cluster_but_not_in_the_rules() {
    let mut items = hydrated();
    set(
        &mut items,
        "ContainerCluster",
        CLUSTER,
        "/spec/privateClusterConfig/masterIpv4CidrBlock",
        json!("172.16.0.48/28"),
    );
    let rule = |name: &str, field: &str, breaks: &str| {
        at(
            Severity::Error,
            &format!(
                "ComputeFirewall {name} uses master range 172.16.0.32/28, but the cluster's master \
                 range is 172.16.0.48/28: {breaks}. Fix: set it to 172.16.0.48/28"
            ),
            &items,
            "ComputeFirewall",
            name,
            "firewall",
        )
        .at_field(
            field,
            Some("172.16.0.32/28".into()),
            Some("172.16.0.48/28".into()),
        )
    };
    let ingress = "the master cannot reach the webhooks and ports this rule opens";
    let expected = vec![
        rule("testKptName-cm", "spec.sourceRanges[0]", ingress),
        rule("testKptName-istio", "spec.sourceRanges[0]", ingress),
        rule(
            "testKptName-master-egress",
            "spec.destinationRanges[0]",
            "nodes cannot reach the master (kubelet registration and the API fail)",
        )
        .tag(
            "flows",
            "nodes → master: tcp 443; nodes → master: tcp 10250",
        ),
    ];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn deny_egress_rule_at_priority_900() {
    let mut items = hydrated();
    set(
        &mut items,
        "ComputeFirewall",
        "testKptName-deny-egress",
        "/spec/priority",
        json!(900),
    );
    let expected = vec![at(
        Severity::Error,
        "deny-all egress rule testKptName-deny-egress has priority 900, which wins over the egress \
         allow rules `testKptName-apis-egress`, `testKptName-dockerhub`, \
         `testKptName-health-egress`, `testKptName-iap-jwks`, `testKptName-int-egress`, \
         `testKptName-master-egress` (a smaller number wins, and deny wins a tie): their traffic \
         is blocked (Google APIs, the master, health checks, image pulls). Fix: give the deny rule \
         a larger number than every allow rule (1001), or the allow rules smaller ones",
        &items,
        "ComputeFirewall",
        "testKptName-deny-egress",
        "firewall",
    )
    .at_field("spec.priority", Some(900.into()), Some(1001.into()))
    .tag(
        "flows",
        "nodes → master: tcp 443; nodes → master: tcp 10250; pods → pods: tcp; pods → nodes: \
         tcp; nodes → pods: tcp; nodes → Google APIs: tcp 443 (logging.googleapis.com); nodes → \
         registry gke.gcr.io: tcp 443 (gke.gcr.io)",
    )];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn deny_egress_rule_without_priority_ties_with_the_allow_rules() {
    let mut items = hydrated();
    let i = pos(&items, "ComputeFirewall", "testKptName-deny-egress");
    items[i].value_mut()["spec"]
        .as_object_mut()
        .unwrap()
        .remove("priority");
    let found = issues(&mut items);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.starts_with(
        "deny-all egress rule testKptName-deny-egress has priority 1000, which wins over"
    ));
    assert_eq!(found[0].field.as_ref().unwrap().current_value, None);
    assert_eq!(
        found[0].field.as_ref().unwrap().proposed_value,
        Some(1001.into())
    );
}

fn webhook_error(items: &[Item], note: &str) -> KrmResult {
    at(
        Severity::Error,
        &format!(
            "webhook `validation.kfserving.kubeflow.org` calls service \
             kubeflow/kfserving-webhook-server, which its pods serve on port 8443, and no ingress \
             firewall rule on network `testKptName` allows tcp 8443 from the master range \
             172.16.0.32/28: GKE lets the master reach nodes only on 443 and 10250, so every \
             matching API request fails with \"failed calling webhook … context deadline \
             exceeded\". Fix: add an INGRESS ComputeFirewall allowing tcp 8443 from \
             172.16.0.32/28{note}"
        ),
        items,
        "ValidatingWebhookConfiguration",
        "kfserving-validating",
        "webhooks",
    )
    .at_field("webhooks[0].clientConfig.service", None, None)
    .tag(
        "flows",
        "master → webhook `validation.kfserving.kubeflow.org`: tcp 8443",
    )
}

#[test]
fn webhook_served_on_8443_without_a_rule() {
    // The Service maps 443 to the named port `webhook-server`, which the Deployment serves on
    // 8443; istiod's 9443 is open (upstream istio rule) and `plain` uses 443.
    let mut items = hydrated();
    items.extend(load(WEBHOOKS));
    let expected = vec![webhook_error(
        &items,
        ", or leave `private-gke.webhook-firewall` at its default, `generate`",
    )];
    let check_only = Settings {
        webhook_firewall: WebhookFirewall::Check,
        ..Settings::default()
    };
    assert_eq!(issues_with(&check_only, &mut items), expected);
    assert_eq!(items.len(), 83 + 6);
}

#[test]
fn webhook_firewall_generate_writes_the_rule_once() {
    let settings = Settings {
        webhook_firewall: WebhookFirewall::Generate,
        ..Settings::default()
    };
    let mut items = hydrated();
    items.extend(load(WEBHOOKS));
    let found = generate_then_check(&settings, &mut items);
    assert_eq!(items.len(), 90);
    let rule = &items[89];
    assert_eq!(rule.value(), load(WEBHOOK_RULE)[0].value());
    assert!(rule.origin.is_none());
    let expected = vec![KrmResult::info(
        "wrote ComputeFirewall testKptName-webhooks-8443 on network `testKptName` allowing tcp \
         8443 from the master range 172.16.0.32/28 for webhooks \
         `validation.kfserving.kubeflow.org`",
    )
    .for_resource(rule.value())
    .tag("stage", "private-gke")];
    assert_eq!(found, expected);

    // Second run: the rule is found, nothing is added, nothing is reported.
    let before: Vec<Value> = items.iter().map(|it| it.value().clone()).collect();
    assert_eq!(generate_then_check(&settings, &mut items), vec![]);
    let after: Vec<Value> = items.iter().map(|it| it.value().clone()).collect();
    assert_eq!(after, before);
}

#[test]
fn check_mode_changes_no_value_and_reports_instead_of_generating() {
    let settings = Settings {
        webhook_firewall: WebhookFirewall::Generate,
        mode: Mode::Check,
        ..Settings::default()
    };
    let mut items = hydrated();
    items.extend(load(WEBHOOKS));
    set(
        &mut items,
        "ComputeFirewall",
        "testKptName-deny-egress",
        "/spec/priority",
        json!(900),
    );
    let before: Vec<Value> = items.iter().map(|it| it.value().clone()).collect();
    let found = generate_then_check(&settings, &mut items);
    let after: Vec<Value> = items.iter().map(|it| it.value().clone()).collect();
    assert_eq!(after, before);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].tags["check"], "firewall");
    assert_eq!(
        found[1],
        webhook_error(
            &items,
            " (the default `private-gke.mode: apply` writes the rule; `check` mode writes nothing)"
        )
    );
}

#[test]
fn missing_dns_zone() {
    let mut items = hydrated();
    remove(&mut items, "DNSManagedZone", "testKptName-gcr");
    remove(&mut items, "DNSRecordSet", "testKptName-gcr-a");
    remove(&mut items, "DNSRecordSet", "testKptName-gcr-cname");
    let expected = vec![at(
        Severity::Error,
        "no private DNS zone for `gcr.io.` on network `testKptName`: nodes resolve it to public \
         addresses the locked-down network does not reach, so image pulls from gcr.io fail. Fix: \
         add a private DNSManagedZone for `gcr.io.` on the network, with CNAME `*.gcr.io.` → \
         `gcr.io.` and A `gcr.io.` → 199.36.153.4-7",
        &items,
        "ComputeNetwork",
        CLUSTER,
        "routes-dns",
    )
    .tag("flows", "nodes → registry gke.gcr.io: tcp 443 (gke.gcr.io)")];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn missing_dns_record() {
    let mut items = hydrated();
    remove(&mut items, "DNSRecordSet", "testKptName-goog-cname");
    let expected = vec![at(
        Severity::Error,
        "private zone testKptName-goog-apis for `googleapis.com.` lacks the record(s) CNAME \
         `*.googleapis.com.` → `restricted.googleapis.com.`: names under `googleapis.com.` do \
         not resolve to the restricted VIP, so those calls fail. Fix: add the DNSRecordSet(s) \
         with managedZoneRef `testKptName-goog-apis`",
        &items,
        "DNSManagedZone",
        "testKptName-goog-apis",
        "routes-dns",
    )
    .tag(
        "flows",
        "nodes → Google APIs: tcp 443 (logging.googleapis.com)",
    )];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn a_record_outside_the_vip() {
    let mut items = hydrated();
    set(
        &mut items,
        "DNSRecordSet",
        "testKptName-gcr-a",
        "/spec/rrdatas/3",
        json!("199.36.153.8"),
    );
    let expected = vec![at(
        Severity::Error,
        "A record testKptName-gcr-a points `gcr.io.` at \"199.36.153.8\", outside the restricted \
         VIP 199.36.153.4/30: traffic goes where no route or firewall rule lets it. Fix: use \
         199.36.153.4, .5, .6 and .7",
        &items,
        "DNSRecordSet",
        "testKptName-gcr-a",
        "routes-dns",
    )
    .at_field("spec.rrdatas[3]", Some("199.36.153.8".into()), None)
    .tag("flows", "nodes → registry gke.gcr.io: tcp 443 (gke.gcr.io)")];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn route_priority_inversion() {
    let mut items = hydrated();
    set(
        &mut items,
        "ComputeRoute",
        "testKptName-internet",
        "/spec/priority",
        json!(900),
    );
    let expected = vec![at(
        Severity::Warning,
        "route testKptName-google-apis to the restricted VIP has priority 1000, not a smaller \
         number than the default internet route (900): the guide's troubleshooting asks for the \
         VIP route to win, so API traffic never depends on the internet route (GCE prefers the \
         more specific route anyway). Fix: set priority below 900, or give the internet route a \
         larger number",
        &items,
        "ComputeRoute",
        "testKptName-google-apis",
        "routes-dns",
    )
    .at_field("spec.priority", Some(1000.into()), Some(899.into()))];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn internet_route_missing_while_nat_is_used() {
    let mut items = hydrated();
    remove(&mut items, "ComputeRoute", "testKptName-internet");
    let expected = vec![at(
        Severity::Error,
        "network `testKptName` deletes its default routes and uses Cloud NAT, but has no \
         0.0.0.0/0 route: NAT traffic has no way out, so image pulls from Docker Hub and the IAP \
         JWKs fetch fail. Fix: add a ComputeRoute to 0.0.0.0/0 via default-internet-gateway with \
         a larger priority number than the VIP route",
        &items,
        "ComputeNetwork",
        CLUSTER,
        "routes-dns",
    )
    .at_field("spec.deleteDefaultRoutesOnCreate", Some(true.into()), None)
    .tag("flows", "nodes → internet: tcp 443")];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn no_route_to_the_vip_when_default_routes_are_deleted() {
    let mut items = hydrated();
    remove(&mut items, "ComputeRoute", "testKptName-internet");
    remove(&mut items, "ComputeRoute", "testKptName-google-apis");
    let found = issues(&mut items);
    assert_eq!(found.len(), 2);
    assert_eq!(
        found[0],
        at(
            Severity::Error,
            "network `testKptName` deletes its default routes and has no route to the restricted \
             Google APIs VIP 199.36.153.4/30: nodes cannot reach Google APIs or gcr.io, image \
             pulls fail and the cluster stays provisioning. Fix: add a ComputeRoute to \
             199.36.153.4/30 via default-internet-gateway",
            &items,
            "ComputeNetwork",
            CLUSTER,
            "routes-dns",
        )
        .at_field("spec.deleteDefaultRoutesOnCreate", Some(true.into()), None)
        .tag("flows", "nodes → Google APIs: tcp 443 (logging.googleapis.com); nodes → registry gke.gcr.io: tcp 443 (gke.gcr.io)")
    );
    assert!(found[1]
        .message
        .contains("uses Cloud NAT, but has no 0.0.0.0/0 route"));
}

#[test]
fn name_of_64_characters() {
    let mut items = hydrated();
    let long = "a".repeat(64);
    set(
        &mut items,
        "ComputeFirewall",
        "testKptName-dockerhub",
        "/metadata/name",
        json!(long),
    );
    let expected = vec![at(
        Severity::Error,
        &format!(
            "ComputeFirewall name `{long}` is 64 characters; GCP accepts at most 63 for a \
             ComputeFirewall, so Config Connector never creates it. Fix: shorten the name (the \
             `name` setter is the usual prefix)"
        ),
        &items,
        "ComputeFirewall",
        &long,
        "names",
    )
    .at_field("metadata.name", Some(long.as_str().into()), None)];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn names_use_resource_id_and_rfc_1035() {
    let mut items = hydrated();
    set(
        &mut items,
        "ComputeDisk",
        "testKptName-storage-metadata-store",
        "/spec/size",
        json!(20),
    );
    let i = pos(&items, "ComputeDisk", "testKptName-storage-metadata-store");
    items[i].value_mut()["spec"]["resourceID"] = json!("metadata_store");
    let expected = vec![at(
        Severity::Error,
        "ComputeDisk name `metadata_store` has characters other than letters, digits and `-`: GCP \
         accepts only RFC 1035 names ([a-z]([-a-z0-9]*[a-z0-9])?), so Config Connector never \
         creates it. Fix: rename it",
        &items,
        "ComputeDisk",
        "testKptName-storage-metadata-store",
        "names",
    )
    .at_field("spec.resourceID", Some("metadata_store".into()), None)];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn secondary_range_name_the_subnet_lacks() {
    let mut items = hydrated();
    set(
        &mut items,
        "ContainerCluster",
        CLUSTER,
        "/spec/ipAllocationPolicy/clusterSecondaryRangeName",
        json!("pod-range"),
    );
    let expected = vec![at(
        Severity::Error,
        "the cluster's pods secondary range `pod-range` is not on subnetwork testKptName (it has: \
         `services`, `pods`): GKE fails to create the cluster. Fix: name one of the subnetwork's \
         secondary ranges, or add a `pod-range` range to the subnetwork",
        &items,
        "ContainerCluster",
        CLUSTER,
        "cidrs",
    )
    .at_field(
        "spec.ipAllocationPolicy.clusterSecondaryRangeName",
        Some("pod-range".into()),
        None,
    )];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn cloud_endpoint_in_a_private_package() {
    let mut items = hydrated();
    items.push(Item::generated(
        json!({
            "apiVersion": "ctl.isla.solutions/v1",
            "kind": "CloudEndpoint",
            "metadata": {
                "name": "kubeflow",
                "namespace": "kubeflow",
                "annotations": {"config.kubernetes.io/path": "iap-ingress/cloud-endpoint.yaml"},
            },
            "spec": {"project": "customerProject", "targetIngress": {"name": "envoy-ingress"}},
        }),
        None,
    ));
    let expected = vec![at(
        Severity::Warning,
        "CloudEndpoint kubeflow is never created from a private cluster: the Cloud Endpoints \
         controller cannot reach the Service Management API through the restricted VIP \
         (gcp-blueprints issue 36). Workaround from the guide: create it from a workstation with \
         `kfctl apply -f iap-ingress/cloud-endpoint.yaml`",
        &items,
        "CloudEndpoint",
        "kubeflow",
        "endpoints",
    )];
    assert_eq!(issues(&mut items), expected);
    assert_eq!(
        expected[0].file.as_ref().unwrap().path,
        "iap-ingress/cloud-endpoint.yaml"
    );
}

#[test]
fn master_range_shape() {
    for (cidr, problem, proposed) in [
        ("172.16.0.32/27", "is not a /28", None),
        (
            "100.64.0.0/28",
            "is not inside RFC 1918 (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)",
            None,
        ),
        (
            "172.16.0.33/28",
            "has host bits set",
            Some("172.16.0.32/28"),
        ),
    ] {
        let mut items = hydrated();
        let pointer = "/spec/privateClusterConfig/masterIpv4CidrBlock";
        set(
            &mut items,
            "ContainerCluster",
            CLUSTER,
            pointer,
            json!(cidr),
        );
        let found = issues(&mut items);
        let expected = at(
            Severity::Error,
            &format!(
                "master range `{cidr}` {problem}: GKE accepts only a /28 from a private range for \
                 the control plane and rejects the cluster. Fix: use a free /28 inside RFC 1918 \
                 (upstream: 172.16.0.32/28)"
            ),
            &items,
            "ContainerCluster",
            CLUSTER,
            "cidrs",
        )
        .at_field(
            "spec.privateClusterConfig.masterIpv4CidrBlock",
            Some(cidr.into()),
            proposed.map(Value::from),
        );
        assert_eq!(found[0], expected, "{cidr}");
    }
}

#[test]
fn overlapping_ranges() {
    let mut items = hydrated();
    set(
        &mut items,
        "ComputeSubnetwork",
        CLUSTER,
        "/spec/secondaryIpRange/0/ipCidrRange",
        json!("10.10.10.128/25"),
    );
    let expected = vec![at(
        Severity::Error,
        "secondary `services` range 10.10.10.128/25 overlaps the subnet range 10.10.10.0/24: GKE \
         rejects overlapping node, pod, service and master ranges, and the cluster is never \
         created. Fix: pick ranges that do not overlap",
        &items,
        "ComputeSubnetwork",
        CLUSTER,
        "cidrs",
    )
    .at_field(
        "spec.secondaryIpRange[0].ipCidrRange",
        Some("10.10.10.128/25".into()),
        None,
    )];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn private_google_access_off() {
    let mut items = hydrated();
    set(
        &mut items,
        "ComputeSubnetwork",
        CLUSTER,
        "/spec/privateIpGoogleAccess",
        json!(false),
    );
    let expected = vec![at(
        Severity::Error,
        "private Google access is off on subnetwork testKptName: nodes without external IPs \
         cannot reach Google APIs or gcr.io, so image pulls fail and the cluster stays \
         provisioning. Fix: set privateIpGoogleAccess: true",
        &items,
        "ComputeSubnetwork",
        CLUSTER,
        "cidrs",
    )
    .at_field(
        "spec.privateIpGoogleAccess",
        Some(false.into()),
        Some(true.into()),
    )];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn health_check_ingress_missing() {
    let mut items = hydrated();
    set(
        &mut items,
        "ComputeFirewall",
        "testKptName-health-ingress",
        "/spec/sourceRanges",
        json!(["130.211.0.0/22"]),
    );
    let expected = vec![at(
        Severity::Error,
        "flow blocked: health checks 35.191.0.0/16 → backends (tcp) on cluster testKptName: the \
         implied deny-ingress rule (priority 65535) on network `testKptName`. Fix: add an INGRESS \
         ComputeFirewall on network `testKptName` allowing tcp (80, 443 and the serving ports) \
         from 35.191.0.0/16: without it load balancer health checks fail and the Kubeflow \
         ingress returns 502",
        &items,
        "ComputeNetwork",
        CLUSTER,
        "connectivity",
    )
    .tag("flows", "health checks 35.191.0.0/16 → backends: tcp")];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn nodes_to_master_egress_missing() {
    let mut items = hydrated();
    set(
        &mut items,
        "ComputeFirewall",
        "testKptName-master-egress",
        "/spec/allow/0/ports",
        json!(["443"]),
    );
    let expected = vec![at(
        Severity::Error,
        "flow blocked: nodes → master (tcp 10250) on cluster testKptName: ComputeFirewall \
         testKptName-deny-egress (deny, priority 1100) on network `testKptName`; ComputeFirewall \
         testKptName-master-egress allows tcp to it, but not on port 10250. Fix: add an EGRESS \
         allow rule for tcp 10250 to 172.16.0.32/28 on network `testKptName` with a smaller \
         priority number than 1100",
        &items,
        "ComputeFirewall",
        "testKptName-master-egress",
        "connectivity",
    )
    .at_field("spec.allow", None, None)
    .tag("flows", "nodes → master: tcp 10250")];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn nat_in_another_region() {
    let mut items = hydrated();
    set(
        &mut items,
        "ContainerCluster",
        CLUSTER,
        "/spec/location",
        json!("us-central1-a"),
    );
    let found = issues(&mut items);
    let region = |kind: &str, check: &str, message: String| {
        at(Severity::Error, &message, &items, kind, CLUSTER, check).at_field(
            "spec.region",
            Some("testRegion".into()),
            Some("us-central1".into()),
        )
    };
    let expected = vec![region(
        "ComputeSubnetwork",
        "cidrs",
        "subnetwork testKptName is in region testRegion, but the cluster is in us-central1: \
             GKE accepts only a subnetwork of the cluster's own region. Fix: set spec.region to \
             us-central1"
            .to_string(),
    )];
    // Router and NAT share the subnetwork's region, so the NAT serves it: the subnetwork is the
    // one thing to fix (the NAT in a region of its own is `nat_only_in_another_region`).
    assert_eq!(found, expected);
}

#[test]
fn nat_only_in_another_region() {
    let mut items = hydrated();
    set(
        &mut items,
        "ContainerCluster",
        CLUSTER,
        "/spec/location",
        json!("us-central1-a"),
    );
    set(
        &mut items,
        "ComputeSubnetwork",
        CLUSTER,
        "/spec/region",
        json!("us-central1"),
    );
    let expected = vec![at(
        Severity::Error,
        "flow blocked: nodes → internet (tcp 443) on cluster testKptName: ComputeRouter \
         testKptName is in region testRegion, the nodes in us-central1: Cloud NAT serves only \
         subnetworks of its own region. Fix: set spec.region of the router and NAT to the nodes' \
         region",
        &items,
        "ComputeRouter",
        CLUSTER,
        "connectivity",
    )
    .at_field("spec.region", None, None)
    .tag("flows", "nodes → internet: tcp 443")];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn nat_missing() {
    let mut items = hydrated();
    remove(&mut items, "ComputeRouterNAT", CLUSTER);
    remove(&mut items, "ComputeRouter", CLUSTER);
    let expected = vec![at(
        Severity::Warning,
        "no ComputeRouter with a ComputeRouterNAT on network `testKptName`: private nodes have no \
         external IPs, so images from Docker Hub or quay.io cannot be pulled and IAP cannot fetch \
         its JWKs. Fix: add a ComputeRouter on the network and a ComputeRouterNAT \
         (natIpAllocateOption: AUTO_ONLY, sourceSubnetworkIpRangesToNat: \
         ALL_SUBNETWORKS_ALL_IP_RANGES) in the cluster's region",
        &items,
        "ComputeNetwork",
        CLUSTER,
        "nat",
    )];
    assert_eq!(issues(&mut items), expected);
}

fn iap_backend_config() -> Item {
    Item::generated(
        json!({
            "apiVersion": "cloud.google.com/v1",
            "kind": "BackendConfig",
            "metadata": {"name": "iap-backendconfig", "namespace": "istio-system"},
            "spec": {"iap": {"enabled": true, "oauthclientCredentials": {"secretName": "kubeflow-oauth"}}},
        }),
        None,
    )
}

fn iap_result(items: &[Item], severity: Severity, message: &str) -> KrmResult {
    at(
        severity,
        message,
        items,
        "BackendConfig",
        "iap-backendconfig",
        "iap",
    )
    .at_field("spec.iap", None, None)
}

#[test]
fn iap_needs_egress_to_the_jwks_endpoint() {
    let mut items = hydrated();
    items.push(iap_backend_config());
    // Upstream's address lists: a path today, a stale one tomorrow.
    let expected = vec![iap_result(
        &items,
        Severity::Warning,
        "BackendConfig iap-backendconfig enables IAP, and egress to the IAP JWKs \
         (www.gstatic.com) is allowed only to lists of fixed addresses: ComputeFirewall \
         `testKptName-iap-jwks` (`testKptName-iap-jwks`: upstream's 2020 snapshot of \
         www.gstatic.com). When its addresses change, every request through \
         IAP is rejected. Fix: an FQDN egress rule (private-gke.egress-allowlist: fqdn) or the \
         private Google APIs VIP (private-gke.egress-allowlist: vip)",
    )];
    assert_eq!(issues(&mut items), expected);

    remove(&mut items, "ComputeFirewall", "testKptName-iap-jwks");
    remove(&mut items, "ComputeFirewall", "testKptName-dockerhub");
    let expected = vec![iap_result(
        &items,
        Severity::Error,
        "BackendConfig iap-backendconfig enables IAP, but the nodes cannot fetch the IAP JWKs, so \
         every request through IAP is rejected (\"Invalid JWT\"). Fix: add an FQDN egress rule \
         for www.gstatic.com (private-gke.egress-allowlist: fqdn), or a private gstatic.com zone \
         on the private Google APIs VIP (private-gke.egress-allowlist: vip)",
    )
    .tag("flows", "pods → IAP JWKs: tcp 443 (www.gstatic.com)")];
    assert_eq!(issues(&mut items), expected);
}

fn compute(kind: &str, name: &str, spec: Value) -> Item {
    Item::generated(
        json!({"apiVersion": "compute.cnrm.cloud.google.com/v1beta1", "kind": kind,
            "metadata": {"name": name, "namespace": "customerProject"}, "spec": spec}),
        None,
    )
}

/// The hydrated blueprint with IAP and neither address list.
fn iap_without_lists() -> Vec<Item> {
    let mut items = hydrated();
    items.push(iap_backend_config());
    remove(&mut items, "ComputeFirewall", "testKptName-iap-jwks");
    remove(&mut items, "ComputeFirewall", "testKptName-dockerhub");
    items
}

#[test]
fn iap_through_an_fqdn_rule_needs_the_policy_evaluated_first() {
    let mut items = iap_without_lists();
    items.push(compute(
        "ComputeNetworkFirewallPolicy",
        "testKptName-egress",
        json!({}),
    ));
    items.push(compute(
        "ComputeNetworkFirewallPolicyAssociation",
        "testKptName-egress",
        json!({"attachmentTargetRef": {"name": CLUSTER}, "firewallPolicyRef": {"name": "testKptName-egress"}}),
    ));
    items.push(compute(
        "ComputeNetworkFirewallPolicyRule",
        "testKptName-iap-jwks",
        json!({"action": "allow", "direction": "EGRESS", "priority": 1000,
            "firewallPolicyRef": {"name": "testKptName-egress"},
            "match": {"destFqdns": ["www.gstatic.com"], "layer4Configs": [{"ipProtocol": "tcp", "ports": ["443"]}]}}),
    ));
    // The network evaluates its VPC rules first: deny-egress ends the flow.
    let expected = vec![iap_result(
        &items,
        Severity::Error,
        "BackendConfig iap-backendconfig enables IAP, but the nodes cannot fetch the IAP JWKs, so \
         every request through IAP is rejected (\"Invalid JWT\"). Fix: add \
         spec.networkFirewallPolicyEnforcementOrder: BEFORE_CLASSIC_FIREWALL on ComputeNetwork \
         `testKptName` (else the deny-all egress rule ends the flow before the FQDN rule \
         `testKptName-iap-jwks` is evaluated)",
    )
    .tag("flows", "pods → IAP JWKs: tcp 443 (www.gstatic.com)")];
    assert_eq!(issues(&mut items), expected);
    let network = pos(&items, "ComputeNetwork", CLUSTER);
    items[network].value_mut()["spec"]["networkFirewallPolicyEnforcementOrder"] =
        json!("BEFORE_CLASSIC_FIREWALL");
    assert_eq!(issues(&mut items), vec![]);
    // A rule for another host is no path.
    set(
        &mut items,
        "ComputeNetworkFirewallPolicyRule",
        "testKptName-iap-jwks",
        "/spec/match/destFqdns",
        json!(["registry-1.docker.io"]),
    );
    assert_eq!(issues(&mut items).len(), 1);
}

#[test]
fn iap_through_the_private_vip_needs_zone_rule_and_route() {
    let mut items = iap_without_lists();
    let dns = |kind: &str, name: &str, spec: Value| {
        Item::generated(
            json!({"apiVersion": "dns.cnrm.cloud.google.com/v1beta1", "kind": kind,
                "metadata": {"name": name, "namespace": "customerProject"}, "spec": spec}),
            None,
        )
    };
    items.push(dns(
        "DNSManagedZone",
        "testKptName-gstatic",
        json!({"dnsName": "gstatic.com.", "visibility": "private",
            "privateVisibilityConfig": {"networks": [{"networkRef": {"name": CLUSTER}}]}}),
    ));
    // www.gstatic.com resolves through the CNAME, as in the zone the function generates.
    items.push(dns(
        "DNSRecordSet",
        "testKptName-gstatic-cname",
        json!({"name": "*.gstatic.com.", "type": "CNAME", "managedZoneRef": {"name": "testKptName-gstatic"},
            "rrdatas": ["gstatic.com."]}),
    ));
    items.push(dns(
        "DNSRecordSet",
        "testKptName-gstatic-a",
        json!({"name": "gstatic.com.", "type": "A", "managedZoneRef": {"name": "testKptName-gstatic"},
            "rrdatas": ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"]}),
    ));
    items.push(compute(
        "ComputeFirewall",
        "testKptName-iap-jwks",
        json!({"allow": [{"protocol": "tcp", "ports": ["443"]}], "destinationRanges": ["199.36.153.8/30"],
            "direction": "EGRESS", "networkRef": {"name": CLUSTER}}),
    ));
    // No NAT needed on this path: private Google access.
    remove(&mut items, "ComputeRouterNAT", CLUSTER);
    remove(&mut items, "ComputeRouter", CLUSTER);
    remove(&mut items, "ComputeRoute", "testKptName-internet");
    let iap = |items: &mut Vec<Item>| -> Vec<KrmResult> {
        issues(items)
            .into_iter()
            .filter(|r| r.tags.get("check").map(String::as_str) == Some("iap"))
            .collect()
    };
    // The network deletes its default routes: without a route to the VIP, no path.
    assert_eq!(iap(&mut items).len(), 1);
    items.push(compute(
        "ComputeRoute",
        "testKptName-private-apis",
        json!({"destRange": "199.36.153.8/30", "networkRef": {"name": CLUSTER},
            "nextHopGateway": "default-internet-gateway", "priority": 1000}),
    ));
    assert_eq!(iap(&mut items), vec![]);
    // An A record outside the VIP is no path.
    set(
        &mut items,
        "DNSRecordSet",
        "testKptName-gstatic-a",
        "/spec/rrdatas",
        json!(["142.250.1.1"]),
    );
    assert_eq!(iap(&mut items).len(), 1);
}

#[test]
fn unresolved_references() {
    let mut items = hydrated();
    remove(&mut items, "IAMServiceAccount", "testKptName-vm");
    let expected = vec![at(
        Severity::Warning,
        "ContainerCluster testKptName refers to IAMServiceAccount `testKptName-vm`, which is not \
         in the package: unless it already exists in namespace `customerProject`, Config \
         Connector waits for it forever. Fix: add the IAMServiceAccount, correct the name, or use \
         `external:`",
        &items,
        "ContainerCluster",
        CLUSTER,
        "references",
    )
    .at_field(
        "spec.clusterAutoscaling.autoProvisioningDefaults.serviceAccountRef.name",
        Some("testKptName-vm".into()),
        None,
    )];
    assert_eq!(issues(&mut items), expected);

    let mut items = hydrated();
    remove(&mut items, "ComputeNetwork", CLUSTER);
    let expected = vec![at(
        Severity::Error,
        "ContainerCluster testKptName refers to ComputeNetwork `testKptName`, which is not in the \
         package (16 other resources refer to it too): the private cluster needs it, and Config \
         Connector waits for it forever (the cluster stays provisioning). Fix: add the \
         ComputeNetwork, correct the name, or use `external:` for one created elsewhere",
        &items,
        "ContainerCluster",
        CLUSTER,
        "references",
    )
    .at_field("spec.networkRef.name", Some(CLUSTER.into()), None)];
    assert_eq!(issues(&mut items), expected);
}

#[test]
fn external_references_are_not_checked() {
    let mut items = hydrated();
    remove(&mut items, "IAMServiceAccount", "testKptName-vm");
    for pointer in [
        "/spec/clusterAutoscaling/autoProvisioningDefaults/serviceAccountRef",
        "/spec/nodeConfig/serviceAccountRef",
    ] {
        set(
            &mut items,
            "ContainerCluster",
            CLUSTER,
            pointer,
            json!({"external": "vm@customerProject.iam.gserviceaccount.com"}),
        );
    }
    assert_eq!(issues(&mut items), vec![]);
}

#[test]
fn public_package_gets_names_and_references_only() {
    let mut items = hydrated();
    set(
        &mut items,
        "ContainerCluster",
        CLUSTER,
        "/spec/privateClusterConfig/enablePrivateNodes",
        json!(false),
    );
    set(
        &mut items,
        "ComputeFirewall",
        "testKptName-deny-egress",
        "/spec/priority",
        json!(900),
    );
    let results = run(&Settings::default(), &mut items);
    assert!(results.iter().all(|r| r.severity != Severity::Error));
    assert_eq!(
        summary(&results),
        "checks: 0 error(s), 27 warning(s); ran names, references, deprecated (the other checks \
         apply to private clusters only)"
    );
}

#[test]
fn several_clusters_need_the_cluster_setting() {
    let mut items = hydrated();
    let mut other = get(&items, "ContainerCluster", CLUSTER).clone();
    other["metadata"]["name"] = json!("second");
    set(
        &mut items,
        "ComputeFirewall",
        "testKptName-deny-egress",
        "/spec/priority",
        json!(900),
    );
    items.push(Item::generated(other, None));
    assert_eq!(issues(&mut items), vec![]);
    let results = run(&Settings::default(), &mut items);
    assert_eq!(results[0].severity, Severity::Warning);
    assert!(
        results[0].message.starts_with(
            "the private-cluster checks did not run: 2 ContainerClusters among the items"
        ),
        "{}",
        results[0].message
    );
    assert!(
        results[0].message.contains("they differ in name"),
        "{}",
        results[0].message
    );
    let chosen = Settings {
        cluster: Some(CLUSTER.to_string()),
        ..Settings::default()
    };
    let found = issues_with(&chosen, &mut items);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].field.as_ref().unwrap().path, "spec.priority");
}

#[test]
fn partial_cluster_patch_is_not_the_cluster() {
    let mut items = hydrated();
    items.push(Item::generated(
        json!({
            "apiVersion": "container.cnrm.cloud.google.com/v1beta1",
            "kind": "ContainerCluster",
            "metadata": {"name": "testKptName"},
            "spec": {"privateClusterConfig": {"masterIpv4CidrBlock": "172.16.0.48/28"}},
        }),
        None,
    ));
    assert_eq!(issues(&mut items), vec![]);
}

#[test]
fn iap_without_nat() {
    let mut items = hydrated();
    items.push(iap_backend_config());
    remove(&mut items, "ComputeRouterNAT", CLUSTER);
    let found = issues(&mut items);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].tags["check"], "nat");
    assert_eq!(
        found[1].message,
        "BackendConfig iap-backendconfig enables IAP, but the nodes cannot fetch the IAP JWKs, so \
         every request through IAP is rejected (\"Invalid JWT\"). Fix: add Cloud NAT (a \
         ComputeRouter and ComputeRouterNAT on network `testKptName`)"
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Fields the checks read, as JSON pointers into hydrated items.
    const POINTERS: [(&str, &str, &str); 12] = [
        (
            "ComputeFirewall",
            "testKptName-deny-egress",
            "/spec/priority",
        ),
        (
            "ComputeFirewall",
            "testKptName-deny-egress",
            "/spec/destinationRanges",
        ),
        ("ComputeFirewall", "testKptName-istio", "/spec/allow"),
        ("ComputeFirewall", "testKptName-cm", "/spec/networkRef"),
        (
            "ComputeFirewall",
            "testKptName-health-ingress",
            "/spec/direction",
        ),
        (
            "ContainerCluster",
            "testKptName",
            "/spec/privateClusterConfig",
        ),
        (
            "ContainerCluster",
            "testKptName",
            "/spec/ipAllocationPolicy",
        ),
        ("ContainerCluster", "testKptName", "/metadata"),
        ("ComputeSubnetwork", "testKptName", "/spec/secondaryIpRange"),
        ("ComputeRoute", "testKptName-internet", "/spec/priority"),
        ("DNSRecordSet", "testKptName-gcr-a", "/spec"),
        ("ComputeRouterNAT", "testKptName", "/spec/routerRef"),
    ];

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z0-9./:-]{0,20}".prop_map(Value::from),
            Just(json!("172.16.0.32/28")),
            Just(json!("0.0.0.0/0")),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn any_field_value_gives_results_not_a_panic(
            edits in prop::collection::vec((0..POINTERS.len(), json_value()), 1..4)
        ) {
            let mut items = hydrated();
            items.extend(load(WEBHOOKS));
            for (which, value) in edits {
                let (kind, name, pointer) = POINTERS[which];
                if let Some(i) = items.iter().position(|it| it.kind() == kind && it.name() == name) {
                    if let Some(slot) = items[i].value_mut().pointer_mut(pointer) {
                        *slot = value;
                    }
                }
            }
            let check = Settings { mode: Mode::Check, webhook_firewall: WebhookFirewall::Generate, ..Settings::default() };
            let before: Vec<Value> = items.iter().map(|it| it.value().clone()).collect();
            let results = run(&check, &mut items);
            let after: Vec<Value> = items.iter().map(|it| it.value().clone()).collect();
            prop_assert_eq!(after, before);
            prop_assert_eq!(results.last().map(|r| r.tags["check"].as_str()), Some("summary"));
        }
    }
}

#[test]
fn routes_routers_and_zones_on_the_wrong_network() {
    for (kind, name, pointer, path, what) in [
        (
            "ComputeRoute",
            "testKptName-google-apis",
            "/spec/networkRef/name",
            "spec.networkRef.name",
            "routes",
        ),
        (
            "ComputeRouter",
            CLUSTER,
            "/spec/networkRef/name",
            "spec.networkRef.name",
            "routers (and their NAT)",
        ),
        (
            "DNSManagedZone",
            "testKptName-gcr",
            "/spec/privateVisibilityConfig/networks/0/networkRef/name",
            "spec.privateVisibilityConfig.networks[0].networkRef.name",
            "private DNS zones",
        ),
    ] {
        let mut items = hydrated();
        set(&mut items, kind, name, pointer, json!("other"));
        let found = issues(&mut items);
        let wrong = at(
            Severity::Error,
            &format!(
                "{what} reference the wrong network: {kind} {name} is on network `other`, but the \
                 cluster testKptName runs on `testKptName`, so it never applies to the cluster's \
                 nodes. Fix: set {path} to `testKptName`"
            ),
            &items,
            kind,
            name,
            "references",
        )
        .at_field(path, Some("other".into()), Some(CLUSTER.into()));
        // A zone off the network: the flow it would have answered for is named by this error.
        let wrong = match kind {
            "DNSManagedZone" => {
                wrong.tag("flows", "nodes → registry gke.gcr.io: tcp 443 (gke.gcr.io)")
            }
            _ => wrong,
        };
        assert_eq!(found.first(), Some(&wrong), "{kind}");
        // What follows from it: the route or NAT no longer serves the cluster's network.
        let follow: Vec<&str> = found[1..]
            .iter()
            .map(|r| r.tags["check"].as_str())
            .collect();
        let want: &[&str] = match kind {
            "ComputeRoute" => &[],
            "ComputeRouter" => &["nat"],
            _ => &[],
        };
        assert_eq!(follow, want, "{kind}");
    }
}

#[test]
fn webhook_firewall_generate_writes_one_rule_per_port_set() {
    let settings = Settings {
        webhook_firewall: WebhookFirewall::Generate,
        ..Settings::default()
    };
    let mut items = hydrated();
    items.extend(load(WEBHOOKS));
    // A second webhook of the same configuration on a Service whose pods serve 8080.
    let i = pos(
        &items,
        "ValidatingWebhookConfiguration",
        "kfserving-validating",
    );
    let mut second = items[i].value()["webhooks"][0].clone();
    second["name"] = json!("second.example.org");
    second["clientConfig"]["service"]["name"] = json!("second");
    items[i].value_mut()["webhooks"]
        .as_array_mut()
        .unwrap()
        .push(second);
    items.push(Item::generated(
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "second", "namespace": "kubeflow"},
               "spec": {"ports": [{"port": 443, "targetPort": 8080}]}}),
        None,
    ));
    generate_then_check(&settings, &mut items);
    let rule = items.last().unwrap().value().clone();
    assert_eq!(rule["metadata"]["name"], "testKptName-webhooks-8080-8443");
    assert_eq!(
        rule["spec"]["allow"],
        json!([{"ports": ["8080", "8443"], "protocol": "tcp"}])
    );
    assert_eq!(
        rule["spec"]["description"],
        "Allow the GKE master to reach webhooks second.example.org, \
         validation.kfserving.kubeflow.org"
    );
    assert_eq!(
        rule["metadata"]["annotations"]["internal.config.kubernetes.io/index"],
        "0"
    );

    // A later webhook on another port gets its own rule, next in the same file.
    items[i].value_mut()["webhooks"][1]["clientConfig"]["service"]["port"] = json!(7443);
    let s = pos(&items, "Service", "second");
    items[s].value_mut()["spec"]["ports"] = json!([{"port": 7443}]);
    let count = items.len();
    generate_then_check(&settings, &mut items);
    assert_eq!(items.len(), count + 1);
    let rule = &items.last().unwrap().value();
    assert_eq!(rule["metadata"]["name"], "testKptName-webhooks-7443");
    assert_eq!(
        rule["metadata"]["annotations"]["internal.config.kubernetes.io/index"],
        "1"
    );
    assert_eq!(rule["spec"]["sourceRanges"], json!(["172.16.0.32/28"]));
}

#[test]
fn webhook_rule_survives_the_private_gke_stage_and_goes_with_reversal() {
    let settings = Settings {
        webhook_firewall: WebhookFirewall::Generate,
        check_locations: false,
        region: Some("testRegion".into()),
        ..Settings::default()
    };
    let rules = |items: &[Item]| {
        items
            .iter()
            .filter(|it| {
                it.annotation("config.kubernetes.io/path")
                    == Some("private-gke/webhook-firewall.yaml")
            })
            .count()
    };
    let pipeline = |settings: &Settings, items: &mut Vec<Item>| {
        let mut results = Vec::new();
        private_gke::gke::run(settings, items, &mut results);
        checks::run(settings, items, &mut results);
        results
    };
    let mut items = hydrated();
    items.extend(load(WEBHOOKS));
    let first = pipeline(&settings, &mut items);
    assert!(!has_errors(&first), "{first:?}");
    assert_eq!(rules(&items), 1);

    let before: Vec<Value> = items.iter().map(|it| it.value().clone()).collect();
    let second = pipeline(&settings, &mut items);
    let after: Vec<Value> = items.iter().map(|it| it.value().clone()).collect();
    assert_eq!(after, before, "second run changed items");
    assert!(
        second.iter().all(|r| !r.message.starts_with("removed")),
        "second run removed something: {second:?}"
    );

    let public = Settings {
        private: false,
        ..settings
    };
    // The hydrated cluster was made private by kustomize, not by us, so it stays private; the
    // private-GKE stage alone must take the rule out.
    private_gke::gke::run(&public, &mut items, &mut Vec::new());
    assert_eq!(rules(&items), 0, "reversal left the webhook rule behind");
}

#[test]
fn api_and_bucket_names_with_dots_are_not_gcp_resource_names() {
    let mut items = hydrated();
    for (api_version, kind, name) in [
        (
            "serviceusage.cnrm.cloud.google.com/v1beta1",
            "CloudService",
            "cloudresourcemanager.googleapis.com",
        ),
        (
            "serviceusage.cnrm.cloud.google.com/v1beta1",
            "Service",
            "dns.googleapis.com",
        ),
        (
            "storage.cnrm.cloud.google.com/v1beta1",
            "StorageBucket",
            "my.bucket_name",
        ),
        (
            "bigquery.cnrm.cloud.google.com/v1beta1",
            "BigQueryDataset",
            "my_dataset",
        ),
    ] {
        items.push(Item::generated(
            json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}}),
            None,
        ));
    }
    assert_eq!(issues(&mut items), vec![]);
}
