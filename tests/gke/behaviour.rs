//! Private-GKE stage behaviour: idempotency, reversal, comment-free input, locations, ownership,
//! user edits, and every bad input.

use crate::gke_common::*;
use private_gke::config::Settings;
use private_gke::krm::{Item, Severity};
use serde_json::{json, Value};

/// Setting pairs of a ConfigMap.
type Pairs<'a> = &'a [(&'a str, &'a str)];

const GOLDEN: &str = "kubeflow-1.1-gcp";

fn golden_input() -> Vec<Value> {
    let base = copy(GOLDEN);
    load_dir(&format!("{base}/v2/cnrm"), &base)
        .into_iter()
        .filter(|v| v["kind"] != "ContainerNodePool")
        .collect()
}

fn golden_pairs(ip: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("private-gke.ip-allocation", ip),
        ("private-gke.check-locations", "false"),
        ("name", "testKptName"),
        ("region", "testRegion"),
        ("zone", "testZone"),
        ("location", "testLocation"),
        ("log-firewalls", "true"),
    ]
}

fn values(items: &[Item]) -> Vec<Value> {
    items.iter().map(|i| i.value().clone()).collect()
}

/// Items as the next run reads them (what the writer produced, now "read").
fn reread(items: &[Item]) -> Vec<Item> {
    let mut out = Vec::new();
    for v in values(items) {
        out.push(Item::generated(v, None));
    }
    out
}

fn cluster(name: &str, location: &str) -> Value {
    json!({"apiVersion": "container.cnrm.cloud.google.com/v1beta1", "kind": "ContainerCluster",
        "metadata": {"name": name}, "spec": {"location": location, "initialNodeCount": 1}})
}

fn find<'a>(items: &'a [Item], kind: &str, name: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i.kind() == kind && i.name() == name)
        .unwrap_or_else(|| panic!("{kind}/{name} not among the items"))
        .value()
}

#[test]
fn second_run_changes_nothing() {
    for ip in ["upstream", "compat"] {
        let settings = config(&golden_pairs(ip));
        let mut items = items(golden_input());
        run(&settings, &mut items);
        let first = values(&items);
        let mut again = reread(&items);
        let results = run(&settings, &mut again);
        assert_eq!(values(&again), first, "{ip}");
        assert!(
            results.iter().all(|r| r.severity != Severity::Error),
            "{results:?}"
        );
        assert!(
            !results
                .iter()
                .any(|r| r.message.starts_with("private network:")),
            "{ip}: second run reported changes: {results:?}"
        );
    }
}

#[test]
fn private_false_takes_everything_back_out() {
    for ip in ["upstream", "compat"] {
        let input = golden_input();
        let mut items = items(input.clone());
        run(&config(&golden_pairs(ip)), &mut items);
        assert_eq!(items.len(), input.len() + generated_count(true, true));
        let mut back = reread(&items);
        let results = run(&config(&[("gke.private", "false")]), &mut back);
        assert_eq!(values(&back), input, "{ip}");
        assert!(results
            .iter()
            .any(|r| r.message == format!("gke.private is false: removed {} resources the function generated, gave back 0 adopted ones as they were", generated_count(true, true))));
        assert!(results
            .iter()
            .any(|r| r.message == "private patch removed: the cluster is public again"));
    }
}

#[test]
fn private_false_on_an_untouched_package_changes_nothing() {
    let mut with_patch_fields = golden_input();
    // A cluster that is private by the user's hand (no record of ours) stays as it is.
    let c = with_patch_fields
        .iter_mut()
        .find(|v| v["kind"] == "ContainerCluster")
        .unwrap();
    c["spec"]["privateClusterConfig"] = json!({"enablePrivateNodes": true});
    for input in [golden_input(), with_patch_fields] {
        let mut items = items(input.clone());
        let results = run(&config(&[("gke.private", "false")]), &mut items);
        assert_eq!(values(&items), input);
        assert!(results.is_empty(), "{results:?}");
    }
}

#[test]
fn reversal_restores_the_users_own_fields() {
    let mut c = cluster("kf", "us-east1-b");
    c["spec"]["ipAllocationPolicy"] = json!({"clusterIpv4CidrBlock": "/14", "useIpAliases": true});
    c["metadata"]["annotations"] = json!({"team": "ml"});
    let input = vec![c];
    let mut items = items(input.clone());
    let results = run(&config(&[]), &mut items);
    let patched = &items[0].value();
    assert_eq!(
        patched["spec"]["ipAllocationPolicy"],
        json!({"clusterIpv4CidrBlock": "/14", "clusterSecondaryRangeName": "pods", "servicesSecondaryRangeName": "services"})
    );
    let warning = results
        .iter()
        .find(|r| r.severity == Severity::Warning && r.message.starts_with("removed "))
        .unwrap();
    assert_eq!(
        warning.message,
        "removed useIpAliases: no Config Connector version accepts it (gcp-blueprints issue 32); private-gke.ip-allocation: upstream keeps it"
    );
    assert_eq!(
        warning.field.as_ref().unwrap().path,
        "spec.ipAllocationPolicy.useIpAliases"
    );
    let mut back = reread(&items);
    run(&config(&[("gke.private", "false")]), &mut back);
    assert_eq!(values(&back), input);
}

#[test]
fn the_cluster_patch_in_compat_mode() {
    let mut items = items(vec![cluster("kf", "us-east1-b")]);
    let results = run(&config(&[("gcloud.core.project", "proj")]), &mut items);
    assert_eq!(errors(&results), Vec::<String>::new());
    let c = &items[0].value();
    assert_eq!(
        c["metadata"]["clusterName"],
        serde_json::Value::Null,
        "clusterName is not the patch's: the setters own it"
    );
    assert_eq!(
        c["spec"],
        json!({
            "location": "us-east1-b",
            "initialNodeCount": 1,
            "privateClusterConfig": {"enablePrivateNodes": true, "enablePrivateEndpoint": false, "masterIpv4CidrBlock": "172.16.0.32/28"},
            "ipAllocationPolicy": {"clusterSecondaryRangeName": "pods", "servicesSecondaryRangeName": "services"},
            "networkingMode": "VPC_NATIVE",
            "networkRef": {"name": "kf"},
            "subnetworkRef": {"name": "kf"}
        })
    );
    let record: Value = serde_json::from_str(
        c["metadata"]["annotations"]["private-gke.dev/owned"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        record,
        json!({"/spec/privateClusterConfig": null, "/spec/ipAllocationPolicy": null,
            "/spec/networkingMode": null, "/spec/networkRef": null, "/spec/subnetworkRef": null})
    );
    // Region from the cluster's zone; CIDRs from the settings' defaults.
    let subnet = find(&items, "ComputeSubnetwork", "kf");
    assert_eq!(subnet["spec"]["region"], "us-east1");
    assert_eq!(items.len(), 1 + generated_count(true, true));
}

/// The `cnrm-system` Namespace of a Config Connector install bundle of `version`.
fn cnrm_namespace(version: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "cnrm-system",
        "annotations": {"cnrm.cloud.google.com/version": version},
        "labels": {"cnrm.cloud.google.com/system": "true"}}})
}

/// Messages of results at `severity` that mention `text`.
fn mentioning(
    results: &[private_gke::krm::KrmResult],
    severity: Severity,
    text: &str,
) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.severity == severity && r.message.contains(text))
        .map(|r| r.message.clone())
        .collect()
}

#[test]
fn the_config_connector_version_is_said_once_or_found() {
    let assumed = "nothing in the package names the Config Connector version";
    // Nothing says: one warning naming the assumed version and the setting.
    let mut plain = items(vec![cluster("kf", "us-east1-b")]);
    let results = run(&config(&[]), &mut plain);
    let warned = mentioning(&results, Severity::Warning, assumed);
    assert_eq!(warned.len(), 1, "{results:?}");
    assert!(
        warned[0].contains("Config Connector 1.21.0 or later"),
        "{}",
        warned[0]
    );
    assert!(
        warned[0].contains("set private-gke.cnrm-version to the version you run"),
        "{}",
        warned[0]
    );
    assert!(
        warned[0].contains("FQDN egress rules in a network firewall policy from 1.118.0"),
        "{}",
        warned[0]
    );
    // Upstream's patch has no networkingMode, but the private network's fields still depend
    // on the version: the warning says so.
    let mut upstream = items(vec![cluster("kf", "us-east1-b")]);
    let results = run(
        &config(&[("private-gke.ip-allocation", "upstream")]),
        &mut upstream,
    );
    assert_eq!(
        mentioning(&results, Severity::Warning, assumed),
        vec![
            "nothing in the package names the Config Connector version (no ContainerCluster \
             CRD, no cnrm.cloud.google.com/version annotation): the private network for a \
             current one (firewall logConfig and NAT dynamic port allocation from 1.90.0, FQDN \
             egress rules in a network firewall policy from 1.118.0), which earlier versions \
             reject; set private-gke.cnrm-version to the version you run, e.g. \
             private-gke.cnrm-version=1.15.1"
                .to_string()
        ]
    );
    // Given, or found in a CRD or an annotation: no such warning.
    let crd = docs(&copy("crds/containercluster-1.15.1.yaml")).remove(0);
    let cases: Vec<(Vec<Value>, Pairs)> = vec![
        (vec![], &[("private-gke.cnrm-version", "1.15.1")]),
        (vec![crd.clone()], &[]),
        (vec![cnrm_namespace("1.7.1")], &[]),
    ];
    for (extra, pairs) in cases {
        let mut input = vec![cluster("kf", "us-east1-b")];
        input.extend(extra);
        let results = run(&config(pairs), &mut items(input));
        assert_eq!(
            mentioning(&results, Severity::Warning, assumed),
            Vec::<String>::new(),
            "{pairs:?}"
        );
    }
    // The annotation's version is named with the file it came from.
    let mut ns = cnrm_namespace("1.7.1");
    ns["metadata"]["annotations"]["config.kubernetes.io/path"] =
        json!("cnrm-install/0-cnrm-system.yaml");
    let results = run(
        &config(&[]),
        &mut items(vec![cluster("kf", "us-east1-b"), ns]),
    );
    assert_eq!(
        mentioning(&results, Severity::Info, "written for Config Connector"),
        vec![
            "written for Config Connector 1.7.1 (cnrm.cloud.google.com/version of \
              cnrm-install/0-cnrm-system.yaml): spec.networkingMode left out (it needs 1.21.0 or \
              later); private-gke.cnrm-version overrides this"
                .to_string()
        ]
    );
    // A setting that contradicts the CRD among the items is followed, with a warning.
    let results = run(
        &config(&[("private-gke.cnrm-version", "1.33.0")]),
        &mut items(vec![cluster("kf", "us-east1-b"), crd]),
    );
    assert_eq!(
        mentioning(
            &results,
            Severity::Warning,
            "is given, but the ContainerCluster CRD"
        )
        .len(),
        1,
        "{results:?}"
    );
}

#[test]
fn networking_mode_converges_when_the_target_changes() {
    let owned = |c: &Value| -> Value {
        serde_json::from_str(
            c["metadata"]["annotations"]["private-gke.dev/owned"]
                .as_str()
                .unwrap(),
        )
        .unwrap()
    };
    let steps: &[(Pairs, bool)] = &[
        (&[], true),
        (&[("private-gke.cnrm-version", "1.15.1")], false),
        (&[("private-gke.cnrm-version", "1.21.0")], true),
        (&[("private-gke.ip-allocation", "upstream")], false),
        (&[("private-gke.ip-allocation", "compat")], true),
        (&[("private-gke.cnrm-version", "1.9.1")], false),
    ];
    let mut state = items(vec![cluster("kf", "us-east1-b")]);
    for (pairs, expected) in steps {
        let mut next = reread(&state);
        let results = run(&config(pairs), &mut next);
        assert_eq!(errors(&results), Vec::<String>::new(), "{pairs:?}");
        let c = &next[0].value();
        assert_eq!(
            c["spec"].get("networkingMode").is_some(),
            *expected,
            "{pairs:?}"
        );
        assert_eq!(
            owned(c).get("/spec/networkingMode").is_some(),
            *expected,
            "{pairs:?}"
        );
        let given_back = results
            .iter()
            .any(|r| r.message.starts_with("networkingMode given back"));
        let before = state[0].value()["spec"].get("networkingMode").is_some();
        assert_eq!(given_back, before && !*expected, "{pairs:?}: {results:?}");
        if pairs
            .iter()
            .any(|(k, v)| *k == "private-gke.ip-allocation" && *v == "upstream")
        {
            assert_eq!(c["spec"]["ipAllocationPolicy"]["useIpAliases"], true);
        } else {
            assert!(
                c["spec"]["ipAllocationPolicy"]
                    .get("useIpAliases")
                    .is_none(),
                "{pairs:?}"
            );
        }
        state = next;
    }
    // Taken back after all that: the cluster as it was.
    let mut back = reread(&state);
    run(&config(&[("gke.private", "false")]), &mut back);
    assert_eq!(*back[0].value(), cluster("kf", "us-east1-b"));
    // A networkingMode of the user's own stays when the target lacks it.
    let mut mine = cluster("kf", "us-east1-b");
    mine["spec"]["networkingMode"] = json!("VPC_NATIVE");
    let mut state = items(vec![mine.clone()]);
    run(&config(&[]), &mut state);
    let mut next = reread(&state);
    run(
        &config(&[("private-gke.cnrm-version", "1.15.1")]),
        &mut next,
    );
    assert_eq!(next[0].value()["spec"]["networkingMode"], "VPC_NATIVE");
}

#[test]
fn networking_mode_follows_the_target_config_connector() {
    if !reference_data::present() {
        return;
    }
    let crd = |rel: &str| docs(&reference(rel)).remove(0);
    let cases: Vec<(Option<Value>, Pairs, bool)> = vec![
        (Some(crd("upstream/k8s-config-connector@1.15.1/crds/container_v1beta1_containercluster.yaml")), &[], false),
        (Some(crd("upstream/k8s-config-connector@1.21.0/crds/container_v1beta1_containercluster.yaml")), &[], true),
        (
            Some(crd("upstream/k8s-config-connector@HEAD/config/crds/resources/apiextensions.k8s.io_v1_customresourcedefinition_containerclusters.container.cnrm.cloud.google.com.yaml")),
            &[],
            true,
        ),
        // The setting is an explicit choice: it wins over the CRD among the items.
        (
            Some(crd("upstream/k8s-config-connector@HEAD/config/crds/resources/apiextensions.k8s.io_v1_customresourcedefinition_containerclusters.container.cnrm.cloud.google.com.yaml")),
            &[("private-gke.cnrm-version", "1.15.1")],
            false,
        ),
        (
            Some(crd("upstream/k8s-config-connector@1.15.1/crds/container_v1beta1_containercluster.yaml")),
            &[("private-gke.cnrm-version", "1.33.0")],
            true,
        ),
        // Without a ContainerCluster CRD: the install manifests' version annotation.
        (Some(cnrm_namespace("1.7.1")), &[], false),
        (Some(cnrm_namespace("1.21.0")), &[], true),
        (Some(cnrm_namespace("0.0.0-dev")), &[], true),
        (None, &[("private-gke.cnrm-version", "1.15.1")], false),
        (None, &[("private-gke.cnrm-version", "1.21.0")], true),
        (None, &[], true),
        (None, &[("private-gke.ip-allocation", "upstream")], false),
    ];
    for (crd, pairs, expected) in cases {
        let mut input = vec![cluster("kf", "us-east1-b")];
        input.extend(crd);
        let mut items = items(input);
        run(&config(pairs), &mut items);
        assert_eq!(
            items[0].value()["spec"].get("networkingMode").is_some(),
            expected,
            "{pairs:?}"
        );
    }
}

#[test]
fn kustomize_capture_comment_free() {
    let rl = docs(&copy("captures/captured-kustomize-exec.yaml")).remove(0);
    let settings = Settings::from_function_config(rl.get("functionConfig")).unwrap();
    let mut items = items(rl["items"].as_array().unwrap().clone());
    let results = run(&settings, &mut items);
    assert_eq!(errors(&results), Vec::<String>::new());
    let c = find(&items, "ContainerCluster", "kf");
    assert_eq!(c["spec"]["location"], "us-east1-b");
    assert_eq!(
        c["spec"]["privateClusterConfig"]["enablePrivateNodes"],
        true
    );
    assert_eq!(c["spec"]["list"], json!(["a", "b"]));
    assert_eq!(
        c["metadata"]["annotations"]["kustomize.config.k8s.io/id"],
        "group: container.cnrm.cloud.google.com\nkind: ContainerCluster\nname: kf\nversion: v1beta1\n"
    );
    assert_eq!(
        find(&items, "ComputeRouterNAT", "kf")["spec"]["region"],
        "us-east1"
    );
    assert_eq!(items.len(), 2 + generated_count(true, true));
}

/// Keys sorted at every level, as kustomize hands items to a transformer.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[test]
fn key_sorted_input_without_path_annotations_gives_the_same_resources() {
    let settings = config(&golden_pairs("upstream"));
    let mut plain = items(golden_input());
    run(&settings, &mut plain);
    let kustomized: Vec<Value> = golden_input()
        .iter()
        .map(|v| {
            let mut v = sorted(v);
            let ann = v["metadata"]["annotations"].as_object_mut().unwrap();
            ann.retain(|k, _| !k.contains("config.kubernetes.io/"));
            v
        })
        .collect();
    let mut from_kustomize = items(kustomized);
    run(&settings, &mut from_kustomize);
    let norm = |items: &[Item]| {
        let mut v: Vec<(String, Value)> = items
            .iter()
            .map(|i| (key(i.value()), sorted(&normalize(i.value()))))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (got, want) = (norm(&from_kustomize), norm(&plain));
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
}

#[test]
fn user_edits_to_owned_resources_survive() {
    let settings = config(&[("region", "us-east1")]);
    let mut items = items(vec![cluster("kf", "us-east1-b")]);
    run(&settings, &mut items);
    let mut next = reread(&items);
    for item in next.iter_mut() {
        if item.kind() == "ComputeFirewall" && item.name() == "kf-cm" {
            item.value_mut()["spec"]["targetTags"] = json!(["webhooks"]);
            item.value_mut()["metadata"]["labels"] = json!({"team": "ml"});
            item.value_mut()["spec"]["sourceRanges"] = json!(["10.9.9.0/28"]);
        }
    }
    run(&settings, &mut next);
    let cm = find(&next, "ComputeFirewall", "kf-cm");
    assert_eq!(cm["spec"]["targetTags"], json!(["webhooks"]));
    assert_eq!(cm["metadata"]["labels"], json!({"team": "ml"}));
    // Fields we own come back to the desired state.
    assert_eq!(cm["spec"]["sourceRanges"], json!(["172.16.0.32/28"]));
    assert_eq!(next.len(), 1 + generated_count(true, true));
}

#[test]
fn existing_resources_are_adopted_not_duplicated() {
    let base = copy(GOLDEN);
    let mut input = golden_input();
    input.extend(load_dir(&format!("{base}/v2/privateGKE"), &base));
    let before = input.len();
    let mut items = items(input);
    let results = run(&config(&golden_pairs("compat")), &mut items);
    // Upstream's 23 are adopted but for the two address-list rules, which the FQDN rules of a
    // current Config Connector replace: those are left as they are, with a warning.
    let adopted = 23 - 2;
    let created = generated_count(true, true) - adopted;
    assert_eq!(items.len(), before + created);
    assert!(results.iter().any(|r| r.message
        == format!(
            "private network: {created} resources created, {adopted} updated, 0 unchanged"
        )));
    for name in ["testKptName-dockerhub", "testKptName-iap-jwks"] {
        let given_back = find(&items, "ComputeFirewall", name);
        assert!(given_back["metadata"]["annotations"]
            .get("private-gke.dev/owned")
            .is_none());
        assert!(results.iter().any(|r| r.severity == Severity::Warning
            && r.message.starts_with(&format!(
                "ComputeFirewall {name} allows a fixed 2020 address list"
            ))
            && r.resource_ref.as_ref().is_some_and(|rr| rr.name == name)));
    }
    let subnet = find(&items, "ComputeSubnetwork", "testKptName");
    assert_eq!(
        subnet["metadata"]["annotations"]["config.kubernetes.io/path"],
        "v2/privateGKE/compute-network.yaml"
    );
    // The partial cluster patch is left alone.
    let partial = items
        .iter()
        .find(|i| private_gke::gke::is_partial_cluster(i.value()))
        .unwrap();
    assert_eq!(
        partial.value()["spec"]["ipAllocationPolicy"]["useIpAliases"],
        true
    );
}

#[test]
fn renamed_base_name_replaces_owned_resources() {
    let mut items = items(vec![cluster("kf", "us-east1-b")]);
    run(&config(&[]), &mut items);
    let mut next = reread(&items);
    run(&config(&[("name", "kf2")]), &mut next);
    assert_eq!(next.len(), 1 + generated_count(true, true));
    assert!(next.iter().any(|i| i.name() == "kf2-cm"));
    assert!(!next.iter().any(|i| i.name() == "kf-cm"));
    assert_eq!(
        find(&next, "ContainerCluster", "kf")["spec"]["networkRef"]["name"],
        "kf2"
    );
}

#[test]
fn log_firewalls_on_every_firewall() {
    let user_fw = json!({"apiVersion": "compute.cnrm.cloud.google.com/v1beta1", "kind": "ComputeFirewall",
        "metadata": {"name": "mine"}, "spec": {"enableLogging": false}});
    let mut items = items(vec![cluster("kf", "us-east1-b"), user_fw.clone()]);
    run(&config(&[("log-firewalls", "true")]), &mut items);
    let firewalls: Vec<&Item> = items
        .iter()
        .filter(|i| i.kind() == "ComputeFirewall")
        .collect();
    // Assumed current Config Connector: logConfig on every rule, enableLogging only where a rule
    // already had it.
    assert_eq!(firewalls.len(), 9);
    assert!(firewalls
        .iter()
        .all(|f| f.value()["spec"]["logConfig"]["metadata"] == "INCLUDE_ALL_METADATA"));
    assert_eq!(
        find(&items, "ComputeFirewall", "mine")["spec"]["enableLogging"],
        true
    );
    assert!(find(&items, "ComputeFirewall", "kf-cm")["spec"]
        .get("enableLogging")
        .is_none());
    // Config Connector 1.15.1 has no logConfig: enableLogging on every rule.
    let mut old = self::items(vec![cluster("kf", "us-east1-b"), user_fw.clone()]);
    run(
        &config(&[
            ("log-firewalls", "true"),
            ("private-gke.cnrm-version", "1.15.1"),
        ]),
        &mut old,
    );
    let firewalls: Vec<&Item> = old
        .iter()
        .filter(|i| i.kind() == "ComputeFirewall")
        .collect();
    assert_eq!(firewalls.len(), 11);
    assert!(firewalls
        .iter()
        .all(|f| f.value()["spec"]["enableLogging"] == true
            && f.value()["spec"].get("logConfig").is_none()));
    // Not given: the user's own firewall keeps its value.
    let mut items2 = self::items(vec![cluster("kf", "us-east1-b"), user_fw]);
    run(&config(&[]), &mut items2);
    assert_eq!(
        find(&items2, "ComputeFirewall", "mine")["spec"]["enableLogging"],
        false
    );
    assert!(find(&items2, "ComputeFirewall", "kf-cm")["spec"]
        .get("enableLogging")
        .is_none());
    assert!(find(&items2, "ComputeFirewall", "kf-cm")["spec"]
        .get("logConfig")
        .is_none());
}

fn disk(name: &str, location: &str) -> Value {
    json!({"apiVersion": "compute.cnrm.cloud.google.com/v1beta1", "kind": "ComputeDisk",
        "metadata": {"name": name}, "spec": {"location": location, "size": 20}})
}

#[test]
fn region_zone_location() {
    // (settings, cluster location, disk location, subnet region)
    let cases: &[(Pairs, &str, &str, &str)] = &[
        (
            &[("region", "europe-west1"), ("location", "europe-west1")],
            "europe-west1",
            "us-east1-d",
            "europe-west1",
        ),
        (
            &[
                ("region", "europe-west1"),
                ("zone", "europe-west1-c"),
                ("location", "europe-west1"),
            ],
            "europe-west1",
            "europe-west1-c",
            "europe-west1",
        ),
        (
            &[("region", "us-east1")],
            "us-east1-d",
            "us-east1-d",
            "us-east1",
        ),
        (
            &[("zone", "us-east1-b")],
            "us-east1-d",
            "us-east1-d",
            "us-east1",
        ),
        (
            &[("location", "us-west1-a")],
            "us-west1-a",
            "us-west1-a",
            "us-west1",
        ),
        (
            &[
                ("gcloud.compute.region", "us-west1"),
                ("location", "us-west1-b"),
            ],
            "us-west1-b",
            "us-west1-b",
            "us-west1",
        ),
        (&[], "us-east1-d", "us-east1-d", "us-east1"),
    ];
    for (pairs, cluster_location, disk_location, region) in cases {
        let mut items = items(vec![
            cluster("kf", "us-east1-d"),
            disk("kf-disk", "us-east1-d"),
        ]);
        let results = run(&config(pairs), &mut items);
        assert_eq!(errors(&results), Vec::<String>::new(), "{pairs:?}");
        assert_eq!(
            find(&items, "ContainerCluster", "kf")["spec"]["location"],
            *cluster_location,
            "{pairs:?}"
        );
        assert_eq!(
            find(&items, "ComputeDisk", "kf-disk")["spec"]["location"],
            *disk_location,
            "{pairs:?}"
        );
        for kind in ["ComputeSubnetwork", "ComputeRouter", "ComputeRouterNAT"] {
            assert_eq!(
                find(&items, kind, "kf")["spec"]["region"],
                *region,
                "{pairs:?}"
            );
        }
    }
    // A regional location without a zone leaves disks alone, with a warning.
    let mut items = items(vec![
        cluster("kf", "us-east1-d"),
        disk("kf-disk", "us-east1-d"),
    ]);
    let results = run(&config(&[("location", "europe-west1")]), &mut items);
    assert!(results.iter().any(|r| r.severity == Severity::Warning
        && r.message == "location \"europe-west1\" is a region and no zone is set: the disk's location is left as is; set zone"));
}

#[test]
fn a_region_or_zone_never_moves_the_cluster() {
    for (pairs, key) in [
        (
            &[("region", "europe-west1")][..],
            "region: \"europe-west1\"",
        ),
        (
            &[("region", "europe-west1"), ("zone", "europe-west1-b")][..],
            "region: \"europe-west1\"",
        ),
        (
            &[("zone", "europe-west1-b")][..],
            "zone: \"europe-west1-b\"",
        ),
        (
            &[("gcloud.compute.region", "us-west1")][..],
            "region: \"us-west1\"",
        ),
    ] {
        let input = vec![cluster("kf", "us-central1-c")];
        let mut items = items(input.clone());
        let results = run(&config(pairs), &mut items);
        assert_eq!(values(&items), input, "{pairs:?}: nothing may change");
        let errs: Vec<_> = results
            .iter()
            .filter(|r| r.severity == Severity::Error)
            .collect();
        assert_eq!(errs.len(), 1, "{pairs:?}: {results:?}");
        let e = errs[0];
        assert!(
            e.message.starts_with(&format!(
                "{key} contradicts the cluster's location \"us-central1-c\" (region \"us-central1\")"
            )),
            "{pairs:?}: {}",
            e.message
        );
        assert!(e
            .message
            .contains("set location as well to move the cluster on purpose"));
        assert_eq!(e.field.as_ref().unwrap().path, "spec.location");
        assert_eq!(e.resource_ref.as_ref().unwrap().name, "kf");
    }
    // Given on purpose, the location moves.
    let mut moved = items(vec![cluster("kf", "us-central1-c")]);
    let results = run(
        &config(&[("region", "europe-west1"), ("location", "europe-west1-b")]),
        &mut moved,
    );
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(moved[0].value()["spec"]["location"], "europe-west1-b");
    // check-locations: false skips the comparison, and still leaves the location alone.
    let mut kept = items(vec![cluster("kf", "us-central1-c")]);
    let results = run(
        &config(&[
            ("region", "testRegion"),
            ("private-gke.check-locations", "false"),
        ]),
        &mut kept,
    );
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(kept[0].value()["spec"]["location"], "us-central1-c");
    assert_eq!(
        find(&kept, "ComputeSubnetwork", "kf")["spec"]["region"],
        "testRegion"
    );
}

#[test]
fn no_cluster_is_a_warning_and_changes_nothing() {
    let fw = json!({"apiVersion": "compute.cnrm.cloud.google.com/v1beta1", "kind": "ComputeFirewall", "metadata": {"name": "x"}, "spec": {}});
    let base = copy(GOLDEN);
    let partial = load_dir(&format!("{base}/v2/privateGKE"), &base)
        .into_iter()
        .find(|v| v["kind"] == "ContainerCluster")
        .unwrap();
    for (input, message) in [
        (vec![fw.clone()], "no ContainerCluster among the items; nothing made private"),
        (
            vec![fw, partial],
            "no ContainerCluster among the items (only a partial one, a kustomize patch); nothing made private",
        ),
    ] {
        let mut items = items(input.clone());
        let results = run(&config(&[("log-firewalls", "true")]), &mut items);
        assert_eq!(values(&items), input);
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].severity, Severity::Warning);
        assert_eq!(results[0].message, message);
    }
}

#[test]
fn bad_inputs_are_clear_errors_and_change_nothing() {
    let long = "a".repeat(49);
    let two = vec![cluster("a", "us-east1-b"), cluster("b", "us-east1-b")];
    let one = vec![cluster("kf", "us-east1-b")];
    type Case<'a> = (Vec<Value>, Vec<(&'a str, &'a str)>, String);
    let cases: Vec<Case> = vec![
        (two.clone(), vec![], "2 ContainerClusters among the items: \"a\" (container.cnrm.cloud.google.com/v1beta1), \"b\" (container.cnrm.cloud.google.com/v1beta1); they differ in name; set private-gke.cluster to the one to make private, e.g. private-gke.cluster=a".into()),
        (two.clone(), vec![("private-gke.cluster", "c")], "no ContainerCluster matches \"c\" (clusters: \"a\" (container.cnrm.cloud.google.com/v1beta1), \"b\" (container.cnrm.cloud.google.com/v1beta1))".into()),
        (
            one.clone(),
            vec![("region", "us-east1"), ("zone", "us-west1-a")],
            "zone: \"us-west1-a\" is not in region \"us-east1\" (private-gke.check-locations: false skips this check for placeholder values)".into(),
        ),
        (
            one.clone(),
            vec![("region", "us-east1"), ("location", "us-west1-a")],
            "location: \"us-west1-a\" is neither region \"us-east1\" nor one of its zones (private-gke.check-locations: false skips this check for placeholder values)".into(),
        ),
        (
            one.clone(),
            vec![("region", "testRegion")],
            "region: \"testRegion\" is not a GCP region name like us-central1 (private-gke.check-locations: false skips this check for placeholder values)".into(),
        ),
        (
            one.clone(),
            vec![("location", "LOCATION")],
            "location: \"LOCATION\" is neither a GCP region nor a zone (private-gke.check-locations: false skips this check for placeholder values)".into(),
        ),
        (
            one.clone(),
            vec![("zone", "testZone")],
            "zone: \"testZone\" is not a GCP zone name like us-central1-a (private-gke.check-locations: false skips this check for placeholder values)".into(),
        ),
        (
            one.clone(),
            vec![("name", long.as_str())],
            format!("\"{long}\" makes the resource name \"{long}-health-ingress\" 64 characters long; GCP allows 63 (use a name of at most 48 characters)"),
        ),
        (
            one.clone(),
            vec![("name", "kf_net")],
            "\"kf_net\" is not an RFC 1035 label: it must start with a letter, end with a letter or digit, and hold only letters, digits and '-'".into(),
        ),
        (
            one.clone(),
            vec![("name", "1kf")],
            "\"1kf\" is not an RFC 1035 label: it must start with a letter, end with a letter or digit, and hold only letters, digits and '-'".into(),
        ),
        (
            vec![cluster("kf", "LOCATION")],
            vec![("private-gke.check-locations", "false")],
            "cannot tell the region of the subnet, router and NAT: set region (the cluster's location \"LOCATION\" names none)".into(),
        ),
    ];
    for (input, pairs, message) in cases {
        let mut items = items(input.clone());
        let results = run(&config(&pairs), &mut items);
        assert_eq!(errors(&results), vec![message.clone()], "{pairs:?}");
        assert_eq!(values(&items), input, "{pairs:?}");
    }
    // The option's results name it as the field, once: not in the message too.
    let mut picked = self::items(two.clone());
    let results = run(&config(&[("private-gke.cluster", "c")]), &mut picked);
    let error = results
        .iter()
        .find(|r| r.severity == Severity::Error)
        .unwrap();
    assert_eq!(error.field.as_ref().unwrap().path, "private-gke.cluster");
    assert_eq!(
        error.to_line(),
        "[error] private-gke.cluster: no ContainerCluster matches \"c\" (clusters: \"a\" (container.cnrm.cloud.google.com/v1beta1), \"b\" (container.cnrm.cloud.google.com/v1beta1))"
    );
    // The cluster's location placeholder with nothing given: the region cannot be told either.
    let mut items = items(vec![cluster("kf", "LOCATION")]);
    assert_eq!(errors(&run(&config(&[]), &mut items)).len(), 1);
    // Two clusters and `cluster` set: only that one is patched.
    let mut items = self::items(two);
    let results = run(&config(&[("private-gke.cluster", "b")]), &mut items);
    assert_eq!(errors(&results), Vec::<String>::new());
    assert!(items[0].value()["spec"]
        .get("privateClusterConfig")
        .is_none());
    assert_eq!(
        items[1].value()["spec"]["privateClusterConfig"]["enablePrivateNodes"],
        true
    );
}

#[test]
fn bad_cidrs_are_config_errors() {
    // (key, value, message)
    let cases: &[(&str, &str, &str)] = &[
        ("master-ipv4-cidr", "172.16.0.32/27", "master-ipv4-cidr: 172.16.0.32/27 must be a /28 (GKE requires a /28 for the control plane)"),
        ("master-ipv4-cidr", "10.10.10.32/28", "master-ipv4-cidr 10.10.10.32/28 overlaps subnet-cidr 10.10.10.0/24; the ranges must be disjoint"),
        ("master-ipv4-cidr", "10.1.5.0/28", "master-ipv4-cidr 10.1.5.0/28 overlaps pods-cidr 10.1.0.0/16; the ranges must be disjoint"),
        ("master-ipv4-cidr", "10.10.11.16/28", "master-ipv4-cidr 10.10.11.16/28 overlaps services-cidr 10.10.11.0/24; the ranges must be disjoint"),
        ("subnet-cidr", "10.10.10.0/24x", "\"10.10.10.0/24x\" is not a valid IPv4 CIDR (like 10.10.10.0/24)"),
    ];
    for (k, v, message) in cases {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}, "data": {*k: v}});
        let errs = Settings::from_function_config(Some(&cm)).unwrap_err();
        assert_eq!(
            errs.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
            vec![*message]
        );
    }
}

#[test]
fn upper_case_name_is_a_warning() {
    let mut items = items(vec![cluster("kf", "us-east1-b")]);
    let results = run(&config(&[("name", "testKptName")]), &mut items);
    assert_eq!(errors(&results), Vec::<String>::new());
    assert!(results.iter().any(|r| r.severity == Severity::Warning
        && r.field.as_ref().is_some_and(|f| f.path == "name")
        && r.message == "\"testKptName\" has upper-case letters; GCP and Kubernetes accept only lower-case names"));
}

#[test]
fn generated_resources_take_the_clusters_namespace() {
    let mut c = cluster("kf", "us-east1-b");
    c["metadata"]["namespace"] = json!("my-project");
    let mut items = items(vec![c]);
    run(&config(&[]), &mut items);
    assert!(items.iter().all(|i| i.namespace() == Some("my-project")));
}

#[test]
fn check_mode_changes_nothing() {
    let input = vec![cluster("kf", "us-east1-b")];
    let mut items = items(input.clone());
    run(&config(&[("private-gke.mode", "check")]), &mut items);
    assert_eq!(values(&items), input);
}

#[test]
fn cidrs_feed_the_cluster_subnet_and_master_rules() {
    let mut items = items(vec![cluster("kf", "us-east1-b")]);
    let results = run(
        &config(&[
            ("master-ipv4-cidr", "172.16.0.64/28"),
            ("subnet-cidr", "10.20.0.0/24"),
            ("pods-cidr", "10.30.0.0/16"),
            ("services-cidr", "10.20.1.0/24"),
        ]),
        &mut items,
    );
    assert_eq!(errors(&results), Vec::<String>::new());
    assert_eq!(
        find(&items, "ContainerCluster", "kf")["spec"]["privateClusterConfig"]
            ["masterIpv4CidrBlock"],
        "172.16.0.64/28"
    );
    assert_eq!(
        find(&items, "ComputeFirewall", "kf-master-egress")["spec"]["destinationRanges"],
        json!(["172.16.0.64/28"])
    );
    assert_eq!(
        find(&items, "ComputeFirewall", "kf-istio")["spec"]["sourceRanges"],
        json!(["172.16.0.64/28"])
    );
    assert_eq!(
        find(&items, "ComputeFirewall", "kf-cm")["spec"]["sourceRanges"],
        json!(["172.16.0.64/28"])
    );
    let subnet = find(&items, "ComputeSubnetwork", "kf");
    assert_eq!(subnet["spec"]["ipCidrRange"], "10.20.0.0/24");
    assert_eq!(
        subnet["spec"]["secondaryIpRange"],
        json!([{"ipCidrRange": "10.20.1.0/24", "rangeName": "services"}, {"ipCidrRange": "10.30.0.0/16", "rangeName": "pods"}])
    );
}

#[test]
fn generated_files_go_to_the_package_that_holds_the_cluster() {
    let with_path = |mut v: Value, path: &str| {
        v["metadata"]["annotations"] = json!({"internal.config.kubernetes.io/path": path});
        Item::generated(v, None)
    };
    let kptfile = |name: &str| json!({"apiVersion": "kpt.dev/v1", "kind": "Kptfile", "metadata": {"name": name}});
    let settings = Settings {
        region: Some("us-central1".into()),
        ..Settings::default()
    };
    for (kptfiles, cluster_path, expected_dir) in [
        (
            vec!["Kptfile", "examples/blueprint/Kptfile"],
            "examples/blueprint/cluster/cluster.yaml",
            "examples/blueprint/private-gke/",
        ),
        (vec!["Kptfile"], "cluster/cluster.yaml", "private-gke/"),
        (vec![], "deep/cluster.yaml", "private-gke/"),
        (
            vec!["examples/blue/Kptfile"],
            "examples/blueprint/cluster.yaml",
            "private-gke/",
        ),
    ] {
        let mut items: Vec<Item> = kptfiles
            .iter()
            .map(|p| with_path(kptfile("pkg"), p))
            .collect();
        items.push(with_path(cluster("kf", "us-central1-c"), cluster_path));
        let mut results = Vec::new();
        private_gke::gke::run(&settings, &mut items, &mut results);
        let paths: Vec<&str> = items
            .iter()
            .filter(|i| {
                i.origin.is_none() && i.kind() != "Kptfile" && i.kind() != "ContainerCluster"
            })
            .filter_map(|i| i.annotation("internal.config.kubernetes.io/path"))
            .collect();
        assert_eq!(paths.len(), generated_count(true, true), "{results:?}");
        for p in paths {
            assert!(
                p.starts_with(expected_dir) && !p[expected_dir.len()..].contains('/'),
                "{cluster_path} with Kptfiles {kptfiles:?}: generated {p}, expected in {expected_dir}"
            );
        }
    }
}
