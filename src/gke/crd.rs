//! The Config Connector ContainerCluster CRD fix of gcp-blueprints issue 32: add the
//! `ipAllocationPolicy` properties the upstream private patch uses to every schema lacking them.

use crate::krm::{Item, KrmResult};
use serde_json::{json, Map, Value};

/// `metadata.name` of the ContainerCluster CRD.
pub const CLUSTER_CRD: &str = "containerclusters.container.cnrm.cloud.google.com";

/// The properties of the workaround, in the order, with their types.
const PROPERTIES: [(&str, &str); 7] = [
    ("useIpAliases", "boolean"),
    ("createSubnetwork", "boolean"),
    ("subnetworkName", "string"),
    ("clusterIpv4CidrBlock", "string"),
    ("clusterSecondaryRangeName", "string"),
    ("servicesIpv4CidrBlock", "string"),
    ("servicesSecondaryRangeName", "string"),
];

/// True when `value` is the ContainerCluster CRD (any apiextensions version).
pub fn is_cluster_crd(value: &Value) -> bool {
    value.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
        && value.pointer("/metadata/name").and_then(Value::as_str) == Some(CLUSTER_CRD)
}

/// [`is_cluster_crd`] of an item, read off its text while its view is not built.
pub fn is_cluster_crd_item(item: &crate::krm::Item) -> bool {
    item.kind() == "CustomResourceDefinition" && item.name() == CLUSTER_CRD
}

/// Every `openAPIV3Schema` of a CRD, as (JSON pointer, label for messages).
fn schema_pointers(crd: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if crd.pointer("/spec/validation/openAPIV3Schema").is_some() {
        let label = crd
            .pointer("/spec/version")
            .and_then(Value::as_str)
            .map(|v| format!("version {v} (spec.validation)"))
            .unwrap_or_else(|| "spec.validation".to_string());
        out.push(("/spec/validation/openAPIV3Schema".to_string(), label));
    }
    if let Some(versions) = crd.pointer("/spec/versions").and_then(Value::as_array) {
        for (i, version) in versions.iter().enumerate() {
            if version.pointer("/schema/openAPIV3Schema").is_some() {
                let name = version.get("name").and_then(Value::as_str).unwrap_or("?");
                out.push((
                    format!("/spec/versions/{i}/schema/openAPIV3Schema"),
                    format!("version {name}"),
                ));
            }
        }
    }
    out
}

/// True when any schema of the CRD declares `spec.networkingMode`.
pub fn has_networking_mode(crd: &Value) -> bool {
    schema_pointers(crd).iter().any(|(p, _)| {
        crd.pointer(&format!("{p}/properties/spec/properties/networkingMode"))
            .is_some()
    })
}

/// True when some schema of the CRD declares the dotted path under `spec` (`a.b` is
/// `properties.a.properties.b`).
pub fn declares(crd: &Value, path: &str) -> bool {
    let under: String = path
        .split('.')
        .map(|t| format!("/properties/{t}"))
        .collect();
    schema_pointers(crd).iter().any(|(p, _)| {
        crd.pointer(&format!("{p}/properties/spec{under}"))
            .is_some()
    })
}

/// Adds the missing properties under one schema; returns the names added.
fn fix_schema(schema: &mut Value) -> Option<Vec<&'static str>> {
    let policy = schema.pointer_mut("/properties/spec/properties/ipAllocationPolicy")?;
    let policy = policy.as_object_mut()?;
    let props = policy
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()?;
    let mut added = Vec::new();
    for (name, ty) in PROPERTIES {
        if !props.contains_key(name) {
            props.insert(name.to_string(), json!({ "type": ty }));
            added.push(name);
        }
    }
    Some(added)
}

/// Stage 5: fix every ContainerCluster CRD among the items; one info result per schema changed.
pub fn fix_crds(items: &mut [Item], results: &mut Vec<KrmResult>) {
    for item in items.iter_mut().filter(|i| is_cluster_crd_item(i)) {
        for (pointer, label) in schema_pointers(item.value()) {
            let Some(schema) = item.value_mut().pointer_mut(&pointer) else {
                continue;
            };
            match fix_schema(schema) {
                Some(added) if !added.is_empty() => results.push(
                    KrmResult::info(format!(
                        "{label}: added ipAllocationPolicy properties {} (gcp-blueprints issue 32)",
                        added.join(", ")
                    ))
                    .for_item(item)
                    .at_field(
                        super::field_path(&format!(
                            "{pointer}/properties/spec/properties/ipAllocationPolicy/properties"
                        )),
                        None,
                        None,
                    )
                    .tag("stage", "crd-fix"),
                ),
                Some(_) => {}
                None => results.push(
                    KrmResult::warning(format!(
                        "{label}: the schema has no spec.ipAllocationPolicy object; left as is"
                    ))
                    .for_item(item)
                    .tag("stage", "crd-fix"),
                ),
            }
        }
    }
}
