//! Settings from the functionConfig shapes kpt and kustomize really send (captures).

use private_gke::config::{
    EgressAllowlist, IpAllocation, Mode, NatLogging, SetterResults, Settings, WebhookFirewall,
};
use private_gke::krm::Severity;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn capture_config(name: &str) -> Option<Value> {
    let rl = load(&format!(
        "{}/testdata/upstream/captures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ));
    rl.get("functionConfig").cloned()
}

fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

type CaptureCase<'a> = (
    &'a str,
    bool,
    Option<&'a str>,
    Option<&'a str>,
    &'a [(&'a str, &'a str)],
);

#[test]
fn captures_give_the_expected_settings() {
    // (capture, gke.private, region, location, given keys)
    let cases: &[CaptureCase] = &[
        (
            "captured-render-configmap.yaml",
            true,
            None,
            None,
            &[("gke.private", "true"), ("replicas", "3")],
        ),
        (
            "captured-render-configpath.yaml",
            true,
            Some("us-east1"),
            None,
            &[
                ("gke.private", "true"),
                ("region", "us-east1"),
                ("env", "- prod\n- dev\n"),
            ],
        ),
        (
            "captured-eval-args.yaml",
            true,
            None,
            None,
            &[("gke.private", "true"), ("replicas", "3"), ("v", "0071335")],
        ),
        (
            "captured-render-untyped-configmap.yaml",
            true,
            None,
            None,
            &[
                ("gke.private", "true"),
                ("replicas", "3"),
                ("v", "0071335"),
                ("empty", ""),
                ("env", "- a\n- b\n"),
            ],
        ),
        (
            "captured-kustomize-exec.yaml",
            true,
            None,
            Some("us-east1-b"),
            &[("gke.private", "true"), ("location", "us-east1-b")],
        ),
        ("captured-eval-noargs.yaml", true, None, None, &[]),
        ("captured-render-noconfig.yaml", true, None, None, &[]),
    ];
    for (capture, private, region, location, keys) in cases {
        let config = capture_config(capture);
        let s = Settings::from_function_config(config.as_ref())
            .unwrap_or_else(|e| panic!("{capture}: {e:?}"));
        assert_eq!(s.private, *private, "{capture}");
        assert_eq!(s.region.as_deref(), *region, "{capture}");
        assert_eq!(s.location.as_deref(), *location, "{capture}");
        assert_eq!(s.given, given(keys), "{capture}");
    }
}

#[test]
fn no_config_capture_has_no_function_config() {
    assert_eq!(capture_config("captured-render-noconfig.yaml"), None);
    assert_eq!(
        Settings::from_function_config(None).unwrap(),
        Settings::default()
    );
}

#[test]
fn typed_kustomize_transformer_object() {
    let config = load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/gke/config/kustomize-transformer.yaml"
    ));
    let s = Settings::from_function_config(Some(&config)).unwrap();
    let expected = Settings {
        private: true,
        region: Some("us-east1".into()),
        zone: Some("us-east1-b".into()),
        location: Some("us-east1-b".into()),
        log_firewalls: true,
        name: Some("kf-test".into()),
        master_ipv4_cidr: "172.16.0.48/28".into(),
        subnet_cidr: "10.20.0.0/24".into(),
        pods_cidr: "10.2.0.0/16".into(),
        services_cidr: "10.20.1.0/24".into(),
        cnrm_version: Some("1.15.1".into()),
        ip_allocation: IpAllocation::Upstream,
        cluster: Some("kf-test".into()),
        check_locations: false,
        mode: Mode::Check,
        webhook_firewall: WebhookFirewall::Generate,
        setter_results: SetterResults::Full,
        control_plane: None,
        authorized_networks: Vec::new(),
        private_endpoint_subnetwork: None,
        webhook_ports: Vec::new(),
        egress_allowlist: EgressAllowlist::Vip,
        nat_logging: NatLogging::All,
        nat_min_ports: 128,
        nat_max_ports: 8192,
        nat_dynamic_ports: false,
        given: given(&[
            ("gke.private", "true"),
            ("region", "us-east1"),
            ("zone", "us-east1-b"),
            ("location", "us-east1-b"),
            ("log-firewalls", "true"),
            ("name", "kf-test"),
            ("master-ipv4-cidr", "172.16.0.48/28"),
            ("subnet-cidr", "10.20.0.0/24"),
            ("pods-cidr", "10.2.0.0/16"),
            ("services-cidr", "10.20.1.0/24"),
            ("gcloud.core.project", "my-project"),
            ("replicas", "3"),
        ]),
    };
    assert_eq!(s, expected);
    let values = s.setter_values();
    assert_eq!(values["gcloud.compute.region"], "us-east1");
    assert_eq!(values["gcloud.compute.zone"], "us-east1-b");
}

#[test]
fn foreign_typed_config_is_an_error() {
    let config = load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/upstream/captures/kustomize-build-transformer.1.stdin.yaml"
    ));
    let errors = Settings::from_function_config(config.get("functionConfig")).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].message,
        "functionConfig example.com/v1alpha1/MyFnConfig is not supported; use a ConfigMap or private-gke.dev/v1alpha1 PrivateGKE"
    );
}

fn configmap(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}, "data": data})
}

#[test]
fn configpath_scalars_and_aliases() {
    // A configPath file may hold plain YAML scalars: booleans and numbers are taken as text.
    let s = Settings::from_function_config(Some(&configmap(json!({
        "gke.private": false,
        "log-firewalls": true,
        "gcloud.compute.region": "europe-west1",
        "gcloud.compute.zone": "europe-west1-b",
        "private-gke.cnrm-version": "v1.21.0",
        "replicas": 3
    }))))
    .unwrap();
    assert!(!s.private);
    assert!(s.log_firewalls);
    assert_eq!(s.region.as_deref(), Some("europe-west1"));
    assert_eq!(s.zone.as_deref(), Some("europe-west1-b"));
    assert_eq!(s.cnrm_version_triple(), Some((1, 21, 0)));
    assert_eq!(s.given["replicas"], "3");
    assert_eq!(s.given["gke.private"], "false");
    assert_eq!(s.setter_values()["region"], "europe-west1");
}

#[test]
fn bad_values_name_key_and_value() {
    // (data, message, field path): the path names the key, the message does not repeat it.
    let cases: &[(Value, &str, &str)] = &[
        (
            json!({"gke.private": "maybe"}),
            "\"maybe\" is not a boolean; use true or false",
            "data.gke.private",
        ),
        (
            json!({"log-firewalls": "yes please"}),
            "\"yes please\" is not a boolean; use true or false",
            "data.log-firewalls",
        ),
        (
            json!({"subnet-cidr": "10.10.10.0/33"}),
            "\"10.10.10.0/33\" is not a valid IPv4 CIDR (like 10.10.10.0/24)",
            "data.subnet-cidr",
        ),
        (
            json!({"pods-cidr": "banana"}),
            "\"banana\" is not a valid IPv4 CIDR (like 10.10.10.0/24)",
            "data.pods-cidr",
        ),
        (
            json!({"services-cidr": "10.10.11.5/24"}),
            "\"10.10.11.5/24\" has host bits set; did you mean 10.10.11.0/24?",
            "data.services-cidr",
        ),
        (
            json!({"private-gke.ip-allocation": "legacy"}),
            "\"legacy\" is not one of compat, upstream",
            "data.private-gke.ip-allocation",
        ),
        (
            json!({"private-gke.mode": "dry"}),
            "\"dry\" is not one of apply, check, setters",
            "data.private-gke.mode",
        ),
        (
            json!({"private-gke.webhook-firewall": "open"}),
            "\"open\" is not one of check, generate",
            "data.private-gke.webhook-firewall",
        ),
        (
            json!({"private-gke.cnrm-version": "latest"}),
            "\"latest\" is not a version like 1.15.1",
            "data.private-gke.cnrm-version",
        ),
        (
            json!({"private-gke.check-locations": "no"}),
            "\"no\" is not a boolean; use true or false",
            "data.private-gke.check-locations",
        ),
        (
            json!({"private-gke.mdoe": "check"}),
            "unknown option private-gke.mdoe; did you mean private-gke.mode?",
            "data.private-gke.mdoe",
        ),
        (
            json!({"private-gke.clusters": "kf"}),
            "unknown option private-gke.clusters; did you mean private-gke.cluster?",
            "data.private-gke.clusters",
        ),
        (
            json!({"region": "us-east1", "gcloud.compute.region": "us-west1"}),
            "\"us-west1\" conflicts with data.region \"us-east1\"; give one region",
            "data.gcloud.compute.region",
        ),
        (
            json!({"replicas": {"a": 1}}),
            "the value must be a string, found a map",
            "data.replicas",
        ),
    ];
    for (data, message, path) in cases {
        let errors = Settings::from_function_config(Some(&configmap(data.clone())))
            .expect_err(&data.to_string());
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, vec![*message], "{data}");
        assert!(errors.iter().all(|e| e.severity == Severity::Error));
        assert_eq!(errors[0].field.as_ref().unwrap().path, *path, "{data}");
        assert_eq!(
            errors[0].resource_ref.as_ref().unwrap().name,
            "function-input"
        );
    }
    // Rules between the ranges have no single field: the message names the keys.
    let range_cases: &[(Value, &str)] = &[
        (
            json!({"master-ipv4-cidr": "172.16.0.0/24"}),
            "master-ipv4-cidr: 172.16.0.0/24 must be a /28 (GKE requires a /28 for the control plane)",
        ),
        (
            json!({"master-ipv4-cidr": "10.10.10.16/28"}),
            "master-ipv4-cidr 10.10.10.16/28 overlaps subnet-cidr 10.10.10.0/24; the ranges must be disjoint",
        ),
        (
            json!({"master-ipv4-cidr": "10.1.2.0/28"}),
            "master-ipv4-cidr 10.1.2.0/28 overlaps pods-cidr 10.1.0.0/16; the ranges must be disjoint",
        ),
        (
            json!({"master-ipv4-cidr": "10.10.11.32/28"}),
            "master-ipv4-cidr 10.10.11.32/28 overlaps services-cidr 10.10.11.0/24; the ranges must be disjoint",
        ),
        (
            json!({"pods-cidr": "10.10.10.128/25"}),
            "subnet-cidr 10.10.10.0/24 overlaps pods-cidr 10.10.10.128/25; the ranges must be disjoint",
        ),
    ];
    for (data, message) in range_cases {
        let errors = Settings::from_function_config(Some(&configmap(data.clone())))
            .expect_err(&data.to_string());
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, vec![*message], "{data}");
    }
}

#[test]
fn options_take_the_prefix_and_bare_names_are_setter_values() {
    // A user setter `mode: strict` (and `cluster`, …) is a setter value like any other.
    let s = Settings::from_function_config(Some(&configmap(json!({
        "mode": "strict",
        "cluster": "db",
        "ip-allocation": "whatever",
        "private-gke.mode": "check",
        "private-gke.cluster": "kf",
        "private-gke.webhook-firewall": "generate",
        "private-gke.check-locations": "false",
        "private-gke.ip-allocation": "upstream",
        "private-gke.cnrm-version": "1.15.1",
        "region": "us-east1"
    }))))
    .unwrap();
    assert_eq!(s.mode, Mode::Check);
    assert_eq!(s.cluster.as_deref(), Some("kf"));
    assert_eq!(s.webhook_firewall, WebhookFirewall::Generate);
    assert!(!s.check_locations);
    assert_eq!(s.ip_allocation, IpAllocation::Upstream);
    assert_eq!(s.cnrm_version.as_deref(), Some("1.15.1"));
    assert_eq!(s.region.as_deref(), Some("us-east1"));
    // Options are never setter values; value keys and plain setters are.
    assert_eq!(
        s.given,
        given(&[
            ("mode", "strict"),
            ("cluster", "db"),
            ("ip-allocation", "whatever"),
            ("region", "us-east1"),
        ])
    );
    // Unprefixed, an option's name switches nothing.
    let bare =
        Settings::from_function_config(Some(&configmap(json!({"mode": "check", "cluster": "kf"}))))
            .unwrap();
    assert_eq!(bare.mode, Mode::Apply);
    assert_eq!(bare.cluster, None);
}

#[test]
fn typed_spec_setters_are_setter_values_only() {
    let typed = |spec: Value| json!({"apiVersion": "private-gke.dev/v1alpha1", "kind": "PrivateGKE", "metadata": {"name": "p"}, "spec": spec});
    let s = Settings::from_function_config(Some(&typed(json!({
        "mode": "check",
        "setters": {"mode": "strict", "cluster": "db", "region": "us-east1"}
    }))))
    .unwrap();
    assert_eq!(s.mode, Mode::Check);
    assert_eq!(s.cluster, None);
    // A value key under spec.setters is still the setting.
    assert_eq!(s.region.as_deref(), Some("us-east1"));
    assert_eq!(
        s.given,
        given(&[
            ("mode", "strict"),
            ("cluster", "db"),
            ("region", "us-east1")
        ])
    );
    let cases: &[(Value, &str, &str)] = &[
        (
            json!({"setters": {"private-gke.mode": "check"}}),
            "private-gke.mode is an option, not a setter: in a PrivateGKE object it is spec.mode",
            "spec.setters.private-gke.mode",
        ),
        (
            json!({"setters": {"private-gke.mod": "check"}}),
            "unknown option private-gke.mod; did you mean private-gke.mode?",
            "spec.setters.private-gke.mod",
        ),
        (
            json!({"region": "us-east1", "setters": {"region": "us-west1"}}),
            "\"us-west1\" conflicts with spec.region \"us-east1\"; give one region",
            "spec.setters.region",
        ),
    ];
    for (spec, message, path) in cases {
        let errors = Settings::from_function_config(Some(&typed(spec.clone()))).unwrap_err();
        assert_eq!(errors.len(), 1, "{spec}");
        assert_eq!(errors[0].message, *message);
        assert_eq!(errors[0].field.as_ref().unwrap().path, *path);
    }
}

#[test]
fn a_setter_one_typo_from_a_value_key_is_an_error_unless_the_package_uses_it() {
    let config = configmap(json!({"gke.privat": "true", "replicas": "3", "nme": "kf"}));
    let s = Settings::from_function_config(Some(&config)).unwrap();
    let errors = s.typo_errors(Some(&config), BTreeSet::new);
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.message.as_str(), e.field.as_ref().unwrap().path.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "no setter comment or Kptfile definition uses \"gke.privat\", one typo away from gke.private: did you mean gke.private?",
                "data.gke.privat"
            ),
            (
                "no setter comment or Kptfile definition uses \"nme\", one typo away from name: did you mean name?",
                "data.nme"
            ),
        ]
    );
    assert!(errors.iter().all(|e| e.severity == Severity::Error));
    // A package whose comments use the name: a setter of its own, no error.
    let used = || BTreeSet::from(["gke.privat".to_string(), "nme".to_string()]);
    assert!(s.typo_errors(Some(&config), used).is_empty());
    // Nothing near a value key: the package is not even looked at.
    let plain = configmap(json!({"replicas": "3", "gke.private": "true"}));
    let s = Settings::from_function_config(Some(&plain)).unwrap();
    assert!(s
        .typo_errors(Some(&plain), || panic!("no candidate, no scan"))
        .is_empty());
}

#[test]
fn set_adds_to_either_form_of_config() {
    let dir = tempfile::tempdir().unwrap();
    let typed = dir.path().join("typed.yaml");
    std::fs::write(
        &typed,
        "apiVersion: private-gke.dev/v1alpha1\nkind: PrivateGKE\nmetadata:\n  name: p\nspec:\n  region: us-east1\n  setters:\n    name: old\n",
    )
    .unwrap();
    let pairs: Vec<(String, String)> = [
        ("private-gke.mode", "check"),
        ("name", "kf"),
        ("gcloud.core.project", "p1"),
        ("mode", "strict"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = private_gke::function_config_from_args(Some(&typed), &pairs)
        .unwrap()
        .unwrap();
    assert_eq!(
        config["spec"],
        json!({"region": "us-east1", "setters": {"gcloud.core.project": "p1", "mode": "strict"}, "mode": "check", "name": "kf"})
    );
    let s = Settings::from_function_config(Some(&config)).unwrap();
    assert_eq!(s.mode, Mode::Check);
    assert_eq!(s.name.as_deref(), Some("kf"));
    assert_eq!(s.given["mode"], "strict");

    let cm = dir.path().join("cm.yaml");
    std::fs::write(
        &cm,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  region: us-east1\n",
    )
    .unwrap();
    let config = private_gke::function_config_from_args(Some(&cm), &pairs)
        .unwrap()
        .unwrap();
    assert_eq!(
        config["data"],
        json!({"region": "us-east1", "private-gke.mode": "check", "name": "kf", "gcloud.core.project": "p1", "mode": "strict"})
    );
    assert_eq!(
        Settings::from_function_config(Some(&config)).unwrap().mode,
        Mode::Check
    );
}

#[test]
fn bad_value_result_points_at_the_field() {
    let errors = Settings::from_function_config(Some(&configmap(json!({"gke.private": "maybe"}))))
        .unwrap_err();
    let field = errors[0].field.as_ref().unwrap();
    assert_eq!(field.path, "data.gke.private");
    assert_eq!(field.current_value, Some(json!("maybe")));
}

#[test]
fn typed_bad_values() {
    let typed = |spec: Value| json!({"apiVersion": "private-gke.dev/v1alpha1", "kind": "PrivateGKE", "metadata": {"name": "p"}, "spec": spec});
    let cases: &[(Value, &str, &str)] = &[
        (
            json!({"private": "maybe"}),
            "\"maybe\" is not a boolean; use true or false",
            "spec.private",
        ),
        (
            json!({"ipAllocation": "legacy"}),
            "\"legacy\" is not one of compat, upstream",
            "spec.ipAllocation",
        ),
        (
            json!({"regoin": "us-east1"}),
            "unknown field spec.regoin; did you mean spec.region? (known fields: private, region, zone, location, logFirewalls, name, masterIpv4Cidr, subnetCidr, podsCidr, servicesCidr, cnrmVersion, ipAllocation, cluster, checkLocations, mode, webhookFirewall, setterResults, controlPlane, authorizedNetworks, privateEndpointSubnetwork, webhookPorts, egressAllowlist, natLogging, natMinPortsPerVm, natMaxPortsPerVm, natDynamicPorts, setters; setter values go under spec.setters)",
            "spec.regoin",
        ),
        (
            json!({"setters": ["a"]}),
            "spec.setters must be a map of setter names to values, found a list",
            "spec.setters",
        ),
    ];
    for (spec, message, path) in cases {
        let errors = Settings::from_function_config(Some(&typed(spec.clone()))).unwrap_err();
        assert_eq!(errors.len(), 1, "{spec}");
        assert_eq!(errors[0].message, *message);
        assert_eq!(errors[0].field.as_ref().unwrap().path, *path);
    }
    let wrong_version =
        json!({"apiVersion": "private-gke.dev/v2", "kind": "PrivateGKE", "spec": {}});
    assert_eq!(
        Settings::from_function_config(Some(&wrong_version)).unwrap_err()[0].message,
        "functionConfig apiVersion \"private-gke.dev/v2\" is not supported; use private-gke.dev/v1alpha1"
    );
}

#[test]
fn empty_values_mean_defaults() {
    let s = Settings::from_function_config(Some(&configmap(
        json!({"gke.private": "", "name": "", "subnet-cidr": ""}),
    )))
    .unwrap();
    assert!(s.private);
    assert_eq!(s.name, None);
    assert_eq!(s.subnet_cidr, "10.10.10.0/24");
    assert_eq!(s.given["name"], "");
}

#[test]
fn nat_and_allowlist_options_are_checked() {
    let data = |pairs: &[(&str, &str)]| {
        let data: serde_json::Map<String, Value> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        Settings::from_function_config(Some(
            &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data}),
        ))
    };
    let messages = |pairs: &[(&str, &str)]| -> Vec<String> {
        data(pairs)
            .unwrap_err()
            .into_iter()
            .map(|r| r.message)
            .collect()
    };
    assert_eq!(
        messages(&[("private-gke.nat-min-ports-per-vm", "100")]),
        ["private-gke.nat-min-ports-per-vm: 100 must be a power of two with dynamic port allocation (private-gke.nat-dynamic-ports: true)"]
    );
    assert_eq!(
        messages(&[("private-gke.nat-min-ports-per-vm", "4096"), ("private-gke.nat-max-ports-per-vm", "1024")]),
        ["private-gke.nat-min-ports-per-vm 4096 is not smaller than private-gke.nat-max-ports-per-vm 1024"]
    );
    assert_eq!(
        messages(&[("private-gke.nat-max-ports-per-vm", "70000")]),
        ["70000 is outside 32-65536, the ports per VM Cloud NAT accepts"]
    );
    assert_eq!(
        messages(&[("private-gke.egress-allowlist", "ips")]),
        ["\"ips\" is not one of fqdn, vip"]
    );
    // Static allocation takes any number of ports.
    let s = data(&[
        ("private-gke.nat-dynamic-ports", "false"),
        ("private-gke.nat-min-ports-per-vm", "100"),
        ("private-gke.nat-logging", "off"),
    ])
    .unwrap();
    assert_eq!((s.nat_dynamic_ports, s.nat_min_ports), (false, 100));
    assert_eq!(s.nat_logging.filter(), None);
    assert!(s.given.is_empty(), "options are not setter values");
}
