//! The published OpenAPI schema of the typed config matches what the parser accepts.

use private_gke::config::Settings;
use serde_json::{json, Value};
use std::process::Command;

fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/functions/private-gke.schema.yaml"
    ))
    .unwrap();
    serde_norway::from_str(&text).unwrap()
}

fn typed(spec: Value) -> Value {
    json!({"apiVersion": "private-gke.dev/v1alpha1", "kind": "PrivateGKE", "metadata": {"name": "p"}, "spec": spec})
}

#[test]
fn every_schema_field_and_enum_value_is_accepted() {
    let props = schema()["openAPIV3Schema"]["properties"]["spec"]["properties"].clone();
    let props = props.as_object().unwrap();
    assert_eq!(props.len(), 27);
    for (field, def) in props {
        let samples: Vec<Value> = match (def.get("enum"), def["type"].as_str().unwrap()) {
            (Some(Value::Array(values)), _) => values.clone(),
            (None, "boolean") => vec![json!(true), json!(false)],
            (None, "object") => vec![json!({"any.setter": "x"})],
            (None, _) => vec![def.get("default").cloned().unwrap_or(json!("us-east1"))],
            (Some(other), _) => panic!("{field}: enum is not a list: {other}"),
        };
        for sample in samples {
            // Fields without a default take a valid value, and the companion the rules between
            // the control-plane settings ask for.
            let (value, companion) = match field.as_str() {
                "cnrmVersion" => (json!("1.15.1"), None),
                "authorizedNetworks" => (json!("203.0.113.0/24"), Some("authorized")),
                "privateEndpointSubnetwork" => (json!("endpoints"), Some("private")),
                "webhookPorts" => (json!("gatekeeper, istio"), None),
                "controlPlane" if sample == "authorized" => {
                    let spec = json!({"controlPlane": sample, "authorizedNetworks": "10.0.0.0/8"});
                    Settings::from_function_config(Some(&typed(spec)))
                        .unwrap_or_else(|e| panic!("{field}: {e:?}"));
                    continue;
                }
                _ => (sample, None),
            };
            let mut spec = json!({ field.as_str(): value });
            if let Some(mode) = companion {
                spec["controlPlane"] = json!(mode);
            }
            Settings::from_function_config(Some(&typed(spec)))
                .unwrap_or_else(|e| panic!("{field}: {e:?}"));
        }
    }
    // Defaults in the schema are the parser's defaults.
    let d = Settings::default();
    let default = |f: &str| props[f]["default"].clone();
    assert_eq!(default("private"), json!(d.private));
    assert_eq!(default("logFirewalls"), json!(d.log_firewalls));
    assert_eq!(default("checkLocations"), json!(d.check_locations));
    assert_eq!(default("masterIpv4Cidr"), json!(d.master_ipv4_cidr));
    assert_eq!(default("subnetCidr"), json!(d.subnet_cidr));
    assert_eq!(default("podsCidr"), json!(d.pods_cidr));
    assert_eq!(default("servicesCidr"), json!(d.services_cidr));
    assert_eq!(default("natMinPortsPerVm"), json!(d.nat_min_ports));
    assert_eq!(default("natMaxPortsPerVm"), json!(d.nat_max_ports));
    assert_eq!(default("natDynamicPorts"), json!(d.nat_dynamic_ports));
    assert_eq!(
        default("natLogging"),
        json!(d.nat_logging.filter().unwrap_or("off"))
    );
    let allowlist = Settings::from_function_config(Some(&typed(
        json!({"egressAllowlist": default("egressAllowlist")}),
    )))
    .unwrap();
    assert_eq!(allowlist.egress_allowlist, d.egress_allowlist);
}

#[test]
fn the_example_transformer_config_validates_against_the_schema() {
    let script = r#"
import sys, yaml
from openapi_schema_validator import OAS30Validator
schema = yaml.safe_load(open(sys.argv[1]))["openAPIV3Schema"]
for path in sys.argv[2:]:
    errs = list(OAS30Validator(schema).iter_errors(yaml.safe_load(open(path))))
    print(path, len(errs), "; ".join(e.message for e in errs))
"#;
    let root = env!("CARGO_MANIFEST_DIR");
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        bad.path(),
        "apiVersion: private-gke.dev/v1alpha1\nkind: PrivateGKE\nspec: {ipAllocation: legacy, regoin: x}\n",
    )
    .unwrap();
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(format!("{root}/functions/private-gke.schema.yaml"))
        .arg(format!(
            "{root}/testdata/gke/config/kustomize-transformer.yaml"
        ))
        .arg(bad.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let counts: Vec<&str> = stdout
        .lines()
        .map(|l| l.split(' ').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(counts, vec!["0", "2"], "{stdout}");
}

#[test]
fn every_schema_field_names_its_configmap_key() {
    // `(key)` opens each description: the key of the settings table, options with their prefix.
    let props = schema()["openAPIV3Schema"]["properties"]["spec"]["properties"].clone();
    for (key, spec) in private_gke::config::keys().filter(|(_, spec)| !spec.is_empty()) {
        let description = props[spec]["description"].as_str().unwrap_or("");
        assert!(
            description.starts_with(&format!("({key})"))
                || description.starts_with(&format!("({key}, alias")),
            "{spec}: {description}"
        );
    }
}

#[test]
fn the_readme_reference_lists_every_key_of_the_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme
        .split("| key (spec field) | default | what it touches |")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap();
    // `| `key` (`spec`), alias `other` | …`: the first cell's keys.
    let mut listed = Vec::new();
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        let cell = row.split(" | ").next().unwrap();
        let names: Vec<&str> = cell.split('`').skip(1).step_by(2).collect();
        listed.push((names[0].to_string(), names[1]));
        if let Some(alias) = names.get(2) {
            listed.push((alias.to_string(), ""));
        }
    }
    let keys: Vec<(String, &str)> = private_gke::config::keys().collect();
    let mut sorted_listed = listed.clone();
    sorted_listed.sort();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    assert_eq!(sorted_listed, sorted_keys);
}

#[test]
fn the_published_configs_give_the_settings_they_promise() {
    use private_gke::config::Mode;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/functions/configs");
    let load = |name: &str| -> Value {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        serde_norway::from_str(&text).unwrap()
    };
    for name in [
        "kpt-configpath.yaml",
        "kustomize-container.yaml",
        "kustomize-exec.yaml",
    ] {
        let s = Settings::from_function_config(Some(&load(name)))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(s.private, "{name}");
        assert_eq!(s.region.as_deref(), Some("us-central1"), "{name}");
    }
    // The Kptfile snippet: each entry's configMap is what kpt sends as a ConfigMap's data.
    let kptfile = load("kptfile-configmap.yaml");
    let as_config = |entry: &Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}, "data": entry["configMap"].clone()});
    let mutator =
        Settings::from_function_config(Some(&as_config(&kptfile["pipeline"]["mutators"][0])))
            .unwrap();
    assert_eq!(mutator.mode, Mode::Apply);
    assert_eq!(mutator.zone.as_deref(), Some("us-central1-a"));
    let validator =
        Settings::from_function_config(Some(&as_config(&kptfile["pipeline"]["validators"][0])))
            .unwrap();
    assert_eq!(validator.mode, Mode::Check);
    assert!(validator.given.is_empty(), "an option is no setter value");
}
