//! Issue 11, "wrong today": what the private network generates for today's GKE and any
//! settings. One test per bullet: Artifact Registry, internal egress from the ranges, deny-all
//! egress on every protocol, the egress allowlist, health checks, version-aware fields.

use crate::gke_common::{self, *};
use private_gke::krm::{Item, KrmResult, Severity};
use serde_json::{json, Value};

fn cluster(name: &str) -> Value {
    json!({"apiVersion": "container.cnrm.cloud.google.com/v1beta1", "kind": "ContainerCluster",
        "metadata": {"name": name}, "spec": {"location": "us-east1-b", "initialNodeCount": 1}})
}

fn find<'a>(items: &'a [Item], kind: &str, name: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i.kind() == kind && i.name() == name)
        .unwrap_or_else(|| panic!("{kind}/{name} not among the items"))
        .value()
}

fn has(items: &[Item], kind: &str, name: &str) -> bool {
    items.iter().any(|i| i.kind() == kind && i.name() == name)
}

/// The private stage on one cluster `kf` (plus `extra`) with `pairs`.
fn private(pairs: &[(&str, &str)], extra: Vec<Value>) -> (Vec<Item>, Vec<KrmResult>) {
    let mut values = vec![cluster("kf")];
    values.extend(extra);
    let mut items = items(values);
    let results = run(&config(pairs), &mut items);
    assert_eq!(errors(&results), Vec::<String>::new());
    (items, results)
}

/// The same items, read again (as the next run sees them).
fn reread(items: &[Item]) -> Vec<Item> {
    items
        .iter()
        .map(|i| Item::generated(i.value().clone(), None))
        .collect()
}

/// The checks over `items`.
fn checks(pairs: &[(&str, &str)], items: &[Item]) -> Vec<KrmResult> {
    let mut results = Vec::new();
    private_gke::checks::run(&config(pairs), items, &mut results);
    results
}

fn deployment(image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}})
}

#[test]
fn artifact_registry_is_mapped_like_gcr_and_the_dns_check_reads_the_images() {
    let image = "us-docker.pkg.dev/my-project/repo/app:1";
    let (items, _) = private(&[], vec![deployment(image)]);
    let zone = find(&items, "DNSManagedZone", "kf-pkg-dev");
    assert_eq!(zone["spec"]["dnsName"], "pkg.dev.");
    assert_eq!(zone["spec"]["visibility"], "private");
    assert_eq!(
        zone["spec"]["privateVisibilityConfig"]["networks"][0]["networkRef"]["name"],
        "kf"
    );
    let cname = find(&items, "DNSRecordSet", "kf-pkg-dev-cname");
    assert_eq!(
        (
            &cname["spec"]["name"],
            &cname["spec"]["type"],
            &cname["spec"]["rrdatas"]
        ),
        (&json!("*.pkg.dev."), &json!("CNAME"), &json!(["pkg.dev."]))
    );
    let a = find(&items, "DNSRecordSet", "kf-pkg-dev-a");
    assert_eq!(
        (
            &a["spec"]["name"],
            &a["spec"]["type"],
            &a["spec"]["rrdatas"]
        ),
        (
            &json!("pkg.dev."),
            &json!("A"),
            &json!([
                "199.36.153.4",
                "199.36.153.5",
                "199.36.153.6",
                "199.36.153.7"
            ])
        )
    );
    let items = items;
    let results = checks(&[], &items);
    assert_eq!(errors(&results), Vec::<String>::new());

    // Without the zone, the check names a package image that needs it.
    let without: Vec<Item> = items
        .iter()
        .filter(|i| !i.name().starts_with("kf-pkg-dev"))
        .map(|i| Item::generated(i.value().clone(), None))
        .collect();
    let results = checks(&[], &without);
    assert_eq!(
        errors(&results),
        vec![format!(
            "no private DNS zone for `pkg.dev.` on network `kf`: nodes resolve it to public \
             addresses the locked-down network does not reach, so pulls of 1 image(s) of the \
             package (e.g. `{image}`) fail. Fix: add a private DNSManagedZone for `pkg.dev.` on \
             the network, with CNAME `*.pkg.dev.` → `pkg.dev.` and A `pkg.dev.` → 199.36.153.4-7"
        )]
    );
    // No image from Artifact Registry: the zone is not required.
    let mut gcr_only: Vec<Item> = without
        .iter()
        .filter(|i| i.kind() != "Deployment")
        .map(|i| Item::generated(i.value().clone(), None))
        .collect();
    gcr_only.push(Item::generated(deployment("gcr.io/p/app:1"), None));
    assert_eq!(errors(&checks(&[], &gcr_only)), Vec::<String>::new());
}

#[test]
fn internal_egress_follows_the_ranges_on_every_protocol() {
    let ranges = [
        ("subnet-cidr", "172.20.0.0/24"),
        ("pods-cidr", "172.21.0.0/16"),
        ("services-cidr", "172.22.0.0/24"),
    ];
    let (items, _) = private(&ranges, vec![]);
    let rule = &find(&items, "ComputeFirewall", "kf-int-egress")["spec"];
    assert_eq!(
        rule["destinationRanges"],
        json!([
            "172.20.0.0/24",
            "172.21.0.0/16",
            "172.22.0.0/24",
            "172.16.0.32/28"
        ])
    );
    assert_eq!(rule["allow"], json!([{"protocol": "all"}]));
    assert_eq!(rule["direction"], "EGRESS");

    // On the user's network: the ranges of the user's subnetwork, not the settings.
    let net = json!({"apiVersion": "compute.cnrm.cloud.google.com/v1beta1", "kind": "ComputeNetwork",
        "metadata": {"name": "mine"}, "spec": {"autoCreateSubnetworks": false}});
    let sub = json!({"apiVersion": "compute.cnrm.cloud.google.com/v1beta1", "kind": "ComputeSubnetwork",
        "metadata": {"name": "mine"}, "spec": {"ipCidrRange": "192.168.0.0/24", "region": "us-east1",
            "networkRef": {"name": "mine"}, "secondaryIpRange": [
                {"rangeName": "pods", "ipCidrRange": "192.168.64.0/18"},
                {"rangeName": "services", "ipCidrRange": "192.168.1.0/24"}]}});
    let mut c = cluster("kf");
    c["spec"]["networkRef"] = json!({"name": "mine"});
    c["spec"]["subnetworkRef"] = json!({"name": "mine"});
    let mut items = gke_common::items(vec![c, net, sub]);
    let results = run(&config(&ranges), &mut items);
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(
        find(&items, "ComputeFirewall", "kf-int-egress")["spec"]["destinationRanges"],
        json!([
            "192.168.0.0/24",
            "192.168.64.0/18",
            "192.168.1.0/24",
            "172.16.0.32/28"
        ])
    );

    // A Shared VPC subnetwork elsewhere: its ranges are unknown, so every RFC 1918 range, with
    // a warning; the range settings, when given, say which.
    let mut c = cluster("kf");
    c["spec"]["networkRef"] = json!({"external": "projects/host/global/networks/shared"});
    c["spec"]["subnetworkRef"] =
        json!({"external": "projects/host/regions/us-east1/subnetworks/kf"});
    let mut items = gke_common::items(vec![c.clone()]);
    let results = run(&config(&[]), &mut items);
    assert_eq!(
        find(&items, "ComputeFirewall", "kf-int-egress")["spec"]["destinationRanges"],
        json!([
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "172.16.0.32/28"
        ])
    );
    let unknown = "the ranges of the cluster's subnetwork are unknown (it is managed elsewhere)";
    assert!(results
        .iter()
        .any(|r| r.severity == Severity::Warning && r.message.starts_with(unknown)));
    let mut items = gke_common::items(vec![c]);
    let results = run(&config(&ranges), &mut items);
    assert_eq!(
        find(&items, "ComputeFirewall", "kf-int-egress")["spec"]["destinationRanges"],
        json!([
            "172.20.0.0/24",
            "172.21.0.0/16",
            "172.22.0.0/24",
            "172.16.0.32/28"
        ])
    );
    assert!(!results.iter().any(|r| r.message.starts_with(unknown)));
}

#[test]
fn deny_all_egress_denies_every_protocol_and_the_needed_allows_match_every_protocol() {
    let (items, _) = private(&[], vec![]);
    let deny = &find(&items, "ComputeFirewall", "kf-deny-egress")["spec"];
    assert_eq!(deny["deny"], json!([{"protocol": "all"}]));
    assert_eq!(deny["destinationRanges"], json!(["0.0.0.0/0"]));
    assert_eq!(deny["priority"], 1100);
    // What the cluster needs is allowed on every protocol, at a smaller priority number.
    for (rule, range) in [
        ("kf-apis-egress", "199.36.153.4/30"),
        ("kf-int-egress", "10.10.10.0/24"),
        ("kf-int-egress", "10.1.0.0/16"),
        ("kf-int-egress", "10.10.11.0/24"),
        ("kf-int-egress", "172.16.0.32/28"),
    ] {
        let spec = &find(&items, "ComputeFirewall", rule)["spec"];
        assert_eq!(spec["allow"], json!([{"protocol": "all"}]), "{rule}");
        assert!(spec.get("priority").is_none(), "{rule}: GCE's 1000");
        assert!(
            spec["destinationRanges"]
                .as_array()
                .unwrap()
                .contains(&json!(range)),
            "{rule} {range}"
        );
    }
}

#[test]
fn health_checks_come_from_every_probe_range_to_every_tcp_port() {
    let (items, _) = private(&[], vec![]);
    let ranges = json!([
        "130.211.0.0/22",
        "35.191.0.0/16",
        "209.85.152.0/22",
        "209.85.204.0/22"
    ]);
    let ingress = &find(&items, "ComputeFirewall", "kf-health-ingress")["spec"];
    assert_eq!(ingress["sourceRanges"], ranges);
    assert_eq!(ingress["direction"], "INGRESS");
    // No ports: node ports (30000-32767) and NEG pod ports are probed too.
    assert_eq!(ingress["allow"], json!([{"protocol": "tcp"}]));
    let egress = &find(&items, "ComputeFirewall", "kf-health-egress")["spec"];
    assert_eq!(egress["destinationRanges"], ranges);
}

#[test]
fn the_allowlist_uses_fqdn_rules_or_the_vip_and_address_lists_only_where_the_target_lacks_them() {
    // A current Config Connector: FQDN rules, evaluated before the VPC rules.
    let (items, results) = private(&[], vec![]);
    assert!(!has(&items, "ComputeFirewall", "kf-dockerhub"));
    assert!(!has(&items, "ComputeFirewall", "kf-iap-jwks"));
    let jwks = &find(&items, "ComputeNetworkFirewallPolicyRule", "kf-iap-jwks")["spec"];
    assert_eq!(jwks["match"]["destFqdns"], json!(["www.gstatic.com"]));
    assert_eq!(
        (
            &jwks["action"],
            &jwks["direction"],
            &jwks["firewallPolicyRef"]
        ),
        (
            &json!("allow"),
            &json!("EGRESS"),
            &json!({"name": "kf-egress"})
        )
    );
    let docker = &find(&items, "ComputeNetworkFirewallPolicyRule", "kf-dockerhub")["spec"];
    assert!(docker["match"]["destFqdns"]
        .as_array()
        .unwrap()
        .contains(&json!("registry-1.docker.io")));
    let assoc = &find(
        &items,
        "ComputeNetworkFirewallPolicyAssociation",
        "kf-egress",
    )["spec"];
    assert_eq!(assoc["attachmentTargetRef"], json!({"name": "kf"}));
    assert_eq!(
        find(&items, "ComputeNetwork", "kf")["spec"]["networkFirewallPolicyEnforcementOrder"],
        "BEFORE_CLASSIC_FIREWALL"
    );
    assert!(!results
        .iter()
        .any(|r| r.message.contains("FQDN rules (they need")));

    // Config Connector 1.15.1 has none: the address lists, and an info saying so.
    let mut old = reread(&items);
    let results = run(&config(&[("private-gke.cnrm-version", "1.15.1")]), &mut old);
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(
        find(&old, "ComputeFirewall", "kf-dockerhub")["spec"]["destinationRanges"]
            .as_array()
            .unwrap()
            .len(),
        28
    );
    assert_eq!(
        find(&old, "ComputeFirewall", "kf-iap-jwks")["spec"]["destinationRanges"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    assert!(!old
        .iter()
        .any(|i| i.kind().starts_with("ComputeNetworkFirewallPolicy")));
    assert!(find(&old, "ComputeNetwork", "kf")["spec"]
        .get("networkFirewallPolicyEnforcementOrder")
        .is_none());
    assert!(results.iter().any(|r| r.severity == Severity::Info
        && r.message.starts_with(
            "Config Connector 1.15.1 has no network firewall policy FQDN rules (they need 1.118.0 or later)"
        )));

    // With IAP, the checks call the address lists what they are: a stale path (the health-check
    // rules to Google's probe ranges are no path to www.gstatic.com).
    let mut old_iap = reread(&old);
    old_iap.push(Item::generated(
        json!({"apiVersion": "cloud.google.com/v1", "kind": "BackendConfig",
            "metadata": {"name": "iap"}, "spec": {"iap": {"enabled": true}}}),
        None,
    ));
    let iap: Vec<KrmResult> = checks(&[], &old_iap)
        .into_iter()
        .filter(|r| r.tags.get("check").map(String::as_str) == Some("iap"))
        .collect();
    assert_eq!(iap.len(), 1, "{iap:?}");
    assert_eq!(iap[0].severity, Severity::Warning);
    assert!(
        iap[0]
            .message
            .contains("(`kf-iap-jwks`: upstream's 2020 snapshot of www.gstatic.com)"),
        "{}",
        iap[0].message
    );

    // vip: www.gstatic.com through the private VIP, on any version.
    let (vip, _) = private(
        &[
            ("private-gke.cnrm-version", "1.15.1"),
            ("private-gke.egress-allowlist", "vip"),
        ],
        vec![],
    );
    let rule = &find(&vip, "ComputeFirewall", "kf-iap-jwks")["spec"];
    assert_eq!(rule["destinationRanges"], json!(["199.36.153.8/30"]));
    assert_eq!(
        find(&vip, "ComputeRoute", "kf-private-apis")["spec"]["destRange"],
        "199.36.153.8/30"
    );
    assert_eq!(
        find(&vip, "DNSManagedZone", "kf-gstatic")["spec"]["dnsName"],
        "gstatic.com."
    );
    assert_eq!(
        find(&vip, "DNSRecordSet", "kf-gstatic-a")["spec"]["rrdatas"],
        json!([
            "199.36.153.8",
            "199.36.153.9",
            "199.36.153.10",
            "199.36.153.11"
        ])
    );
    // The checks see a working path for IAP on it.
    let mut vip = vip;
    vip.push(Item::generated(
        json!({"apiVersion": "cloud.google.com/v1", "kind": "BackendConfig",
            "metadata": {"name": "iap"}, "spec": {"iap": {"enabled": true}}}),
        None,
    ));
    let iap: Vec<KrmResult> = checks(&[], &vip)
        .into_iter()
        .filter(|r| r.tags.get("check").map(String::as_str) == Some("iap"))
        .collect();
    assert_eq!(iap, vec![]);

    // On the user's network the function cannot order the policy first: a warning says how.
    let mut c = cluster("kf");
    c["spec"]["networkRef"] = json!({"external": "projects/host/global/networks/shared"});
    let mut users = gke_common::items(vec![c]);
    let results = run(&config(&[]), &mut users);
    assert!(results.iter().any(|r| r.severity == Severity::Warning
        && r.message.contains("Set spec.networkFirewallPolicyEnforcementOrder: BEFORE_CLASSIC_FIREWALL on your ComputeNetwork")));
}

#[test]
fn logging_and_nat_fields_follow_the_target_version_and_the_settings() {
    let log = [("log-firewalls", "true")];
    // Current: logConfig, NAT logging and dynamic port allocation.
    let (items, _) = private(&log, vec![]);
    let cm = &find(&items, "ComputeFirewall", "kf-cm")["spec"];
    assert_eq!(cm["logConfig"], json!({"metadata": "INCLUDE_ALL_METADATA"}));
    assert!(cm.get("enableLogging").is_none());
    let nat = &find(&items, "ComputeRouterNAT", "kf")["spec"];
    assert_eq!(
        nat["logConfig"],
        json!({"enable": true, "filter": "ERRORS_ONLY"})
    );
    assert_eq!(nat["enableDynamicPortAllocation"], true);
    assert_eq!(nat["enableEndpointIndependentMapping"], false);
    assert_eq!(
        (&nat["minPortsPerVm"], &nat["maxPortsPerVm"]),
        (&json!(64), &json!(4096))
    );

    // 1.15.1 on the same package: the fields it lacks come back out.
    let mut old = reread(&items);
    let mut pairs = log.to_vec();
    pairs.push(("private-gke.cnrm-version", "1.15.1"));
    let results = run(&config(&pairs), &mut old);
    assert_eq!(errors(&results), Vec::<String>::new());
    let cm = &find(&old, "ComputeFirewall", "kf-cm")["spec"];
    assert_eq!(cm["enableLogging"], true);
    assert!(cm.get("logConfig").is_none());
    let nat = &find(&old, "ComputeRouterNAT", "kf")["spec"];
    for gone in [
        "enableDynamicPortAllocation",
        "enableEndpointIndependentMapping",
        "maxPortsPerVm",
    ] {
        assert!(nat.get(gone).is_none(), "{gone}");
    }
    assert_eq!(nat["minPortsPerVm"], 64);
    assert_eq!(nat["logConfig"]["filter"], "ERRORS_ONLY");

    // The NAT settings.
    let (items, _) = private(
        &[
            ("private-gke.nat-logging", "ALL"),
            ("private-gke.nat-min-ports-per-vm", "128"),
            ("private-gke.nat-max-ports-per-vm", "16384"),
        ],
        vec![],
    );
    let nat = &find(&items, "ComputeRouterNAT", "kf")["spec"];
    assert_eq!(nat["logConfig"]["filter"], "ALL");
    assert_eq!(
        (&nat["minPortsPerVm"], &nat["maxPortsPerVm"]),
        (&json!(128), &json!(16384))
    );
    let mut next = reread(&items);
    let results = run(
        &config(&[
            ("private-gke.nat-logging", "off"),
            ("private-gke.nat-dynamic-ports", "false"),
        ]),
        &mut next,
    );
    assert_eq!(errors(&results), Vec::<String>::new());
    let nat = &find(&next, "ComputeRouterNAT", "kf")["spec"];
    assert_eq!(nat["enableDynamicPortAllocation"], false);
    for gone in [
        "logConfig",
        "maxPortsPerVm",
        "enableEndpointIndependentMapping",
    ] {
        assert!(nat.get(gone).is_none(), "{gone}");
    }
}

#[test]
fn upstreams_adopted_files_are_given_back_byte_for_byte_after_the_new_fields() {
    if !reference_data::present() {
        return;
    }
    let golden = "upstream/kubeflow-manifests/tests/testdata_gcp_kpt/gcp";
    let base = reference(golden);
    let mut input: Vec<Value> = load_dir(&format!("{base}/v2/cnrm"), &base)
        .into_iter()
        .filter(|v| v["kind"] != "ContainerNodePool")
        .collect();
    input.extend(load_dir(&format!("{base}/v2/privateGKE"), &base));
    let pairs = [
        ("private-gke.check-locations", "false"),
        ("name", "testKptName"),
        ("region", "testRegion"),
        ("location", "testLocation"),
        ("log-firewalls", "true"),
        ("private-gke.nat-logging", "ALL"),
    ];
    // A current Config Connector (logConfig, NAT ports, enforcement order), then 1.15.1, then
    // back out: every adopted resource is as upstream wrote it.
    let mut items = gke_common::items(input.clone());
    let results = run(&config(&pairs), &mut items);
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(
        find(&items, "ComputeRouterNAT", "testKptName")["spec"]["logConfig"]["filter"],
        "ALL"
    );
    let mut old = reread(&items);
    let mut old_pairs = pairs.to_vec();
    old_pairs.push(("private-gke.cnrm-version", "1.15.1"));
    assert_eq!(
        errors(&run(&config(&old_pairs), &mut old)),
        Vec::<String>::new()
    );
    let mut back = reread(&old);
    run(&config(&[("gke.private", "false")]), &mut back);
    let values: Vec<Value> = back.iter().map(|i| i.value().clone()).collect();
    assert_eq!(values, input);
}

#[test]
fn images_from_public_registries_need_an_egress_path_past_the_deny_rule() {
    // The flow nodes → registry is blocked: an error, as the report says.
    let warnings = |items: &mut Vec<Item>| -> Vec<String> {
        checks(&[], items)
            .into_iter()
            .filter(|r| r.severity == Severity::Error)
            .filter(|r| r.tags.get("check").map(String::as_str) == Some("routes-dns"))
            .map(|r| r.message)
            .collect()
    };
    // A current Config Connector: Docker Hub has its FQDN rule, ghcr.io has none.
    let (items, _) = private(
        &[],
        vec![deployment("ghcr.io/org/app:1"), deployment("busybox")],
    );
    let mut items = items;
    assert_eq!(
        warnings(&mut items),
        [
            "1 image(s) of the package come from `ghcr.io` (e.g. `ghcr.io/org/app:1`), which \
          resolves to public addresses, and deny-all egress rule kf-deny-egress blocks them: no \
          egress rule allows tcp 443 there, so those pulls fail. Fix: an FQDN egress rule for \
          `ghcr.io` in the network's firewall policy (evaluated before the VPC rules), or mirror \
          the images to Artifact Registry (`*-docker.pkg.dev`, reached through the VIP)"
        ]
    );
    // Without the Docker Hub rule, busybox is named too.
    let mut without: Vec<Item> = items
        .iter()
        .filter(|i| !(i.kind() == "ComputeNetworkFirewallPolicyRule" && i.name() == "kf-dockerhub"))
        .map(|i| Item::generated(i.value().clone(), None))
        .collect();
    let w = warnings(&mut without);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].contains("come from `docker.io` (e.g. `busybox`)"),
        "{w:?}"
    );
    // Address lists (1.15.1) hold Docker Hub's and quay.io's addresses, not ghcr.io's: still
    // blocked; busybox passes through the Docker Hub list.
    let (old, _) = private(
        &[("private-gke.cnrm-version", "1.15.1")],
        vec![deployment("ghcr.io/org/app:1"), deployment("busybox")],
    );
    let mut old = old;
    let w = warnings(&mut old);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("come from `ghcr.io`"), "{w:?}");
}
