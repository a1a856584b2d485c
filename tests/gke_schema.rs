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
    assert_eq!(props.len(), 17);
    for (field, def) in props {
        let samples: Vec<Value> = match (def.get("enum"), def["type"].as_str().unwrap()) {
            (Some(Value::Array(values)), _) => values.clone(),
            (None, "boolean") => vec![json!(true), json!(false)],
            (None, "object") => vec![json!({"any.setter": "x"})],
            (None, _) => vec![def.get("default").cloned().unwrap_or(json!("us-east1"))],
            (Some(other), _) => panic!("{field}: enum is not a list: {other}"),
        };
        for sample in samples {
            let value = if field == "cnrmVersion" {
                json!("1.15.1")
            } else {
                sample
            };
            Settings::from_function_config(Some(&typed(json!({ field.as_str(): value }))))
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
