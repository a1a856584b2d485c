//! Kptfiles: a `kpt.dev/v1alpha1` Kptfile as `kpt.dev/v1`, its setter definitions as the values
//! of a setters ConfigMap, and the pipeline mutators that run the function.

use crate::setters::comment::SETTER_PREFIX;
use crate::setters::defs::{list_item_text, Definitions, SetterDef};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// How the pipelines run the function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    /// `image: IMAGE` (a container function).
    Image(String),
    /// `exec: PATH` (needs `kpt fn render --allow-exec`; relative to where kpt runs).
    Exec(String),
}

impl Runner {
    /// A pipeline mutator entry with `configPath` (when given).
    pub fn mutator(&self, config_path: Option<&str>) -> Value {
        let mut entry = Map::new();
        match self {
            Runner::Image(image) => entry.insert("image".into(), Value::String(image.clone())),
            Runner::Exec(path) => entry.insert("exec".into(), Value::String(path.clone())),
        };
        if let Some(path) = config_path {
            entry.insert("configPath".into(), Value::String(path.to_string()));
        }
        Value::Object(entry)
    }
}

/// The values a package's setters file holds: every setter its Kptfile defines, in the
/// Kptfile's order: the value `given` for it, else the stored `value` (set with `isSet`, or the
/// default) mapped through `enumValues`, or `listValues` as a flow sequence. Setters with no
/// value at all are listed second.
pub fn setter_values(
    kptfile: &Value,
    defs: &Definitions,
    given: &BTreeMap<String, String>,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut values = Vec::new();
    let mut missing = Vec::new();
    let keys = kptfile
        .pointer("/openAPI/definitions")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys());
    for key in keys {
        let Some(setter) = key
            .strip_prefix(SETTER_PREFIX)
            .and_then(|n| defs.setters.get(n))
        else {
            continue;
        };
        match value_of(setter, given) {
            Some(v) => values.push((setter.name.clone(), v)),
            None => missing.push(setter.name.clone()),
        }
    }
    (values, missing)
}

fn value_of(setter: &SetterDef, given: &BTreeMap<String, String>) -> Option<String> {
    if let Some(v) = given.get(&setter.name) {
        return Some(setter.field_text(v).unwrap_or_else(|_| v.clone()));
    }
    if setter.is_list() {
        let items = setter.list_values.as_ref()?;
        let texts: Vec<String> = items
            .iter()
            .map(|i| crate::yaml::scalar_text(&Value::String(list_item_text(i))))
            .collect();
        return Some(format!("[{}]", texts.join(", ")));
    }
    let raw = setter.value.as_ref()?;
    Some(setter.field_text(raw).unwrap_or_else(|_| raw.clone()))
}

/// The setters ConfigMap of a package: local config (never deployed), `private-gke.mode:
/// setters` first (the function then applies only setter values), then the values.
pub fn setters_config(name: &str, values: &[(String, String)]) -> Value {
    let mut data = Map::new();
    data.insert("private-gke.mode".into(), Value::String("setters".into()));
    for (k, v) in values {
        data.insert(k.clone(), Value::String(v.clone()));
    }
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "annotations": {"config.kubernetes.io/local-config": "true"},
        },
        "data": data,
    })
}

/// A ConfigMap name for the setters of package `dir` (`setters`, `setters-instance`,
/// `setters-upstream-manifests-gcp`): unique in the tree, so the root's run sees no duplicates.
pub fn setters_name(dir: &str) -> String {
    let slug: String = dir
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "setters".to_string()
    } else {
        format!("setters-{slug}")
    }
}

/// A new root Kptfile (`kpt.dev/v1`) named `name` whose pipeline is `mutators`.
pub fn root_kptfile(name: &str, mutators: Vec<Value>) -> Value {
    json!({
        "apiVersion": "kpt.dev/v1",
        "kind": "Kptfile",
        "metadata": {
            "name": name,
            "annotations": {"config.kubernetes.io/local-config": "true"},
        },
        "info": {"description": "Root package written by `private-gke migrate`: its pipeline runs private-gke on the whole tree."},
        "pipeline": {"mutators": mutators},
    })
}

/// `old` (a `kpt.dev/v1alpha1` Kptfile) as `kpt.dev/v1` with pipeline `mutators` (none: no
/// pipeline). Notes say what had no place in kpt v1.
pub fn to_v1(old: &Value, mutators: Vec<Value>, notes: &mut Vec<String>) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!("kpt.dev/v1"));
    out.insert("kind".into(), json!("Kptfile"));
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    for (key, value) in old {
        match key.as_str() {
            "apiVersion" | "kind" | "openAPI" => {}
            "metadata" => {
                out.insert(key.clone(), value.clone());
            }
            "upstream" => upstream(value, &mut out, notes),
            "packageMetadata" => info(value, &mut out, notes),
            "inventory" => {
                out.insert(key.clone(), value.clone());
            }
            "pipeline" => {
                if !mutators.is_empty() {
                    notes.push("`pipeline` replaced by the migrated one".into());
                } else {
                    out.insert(key.clone(), value.clone());
                }
            }
            other => notes.push(format!(
                "`{other}` has no place in a kpt v1 Kptfile: dropped"
            )),
        }
    }
    if !mutators.is_empty() {
        out.insert("pipeline".into(), json!({"mutators": mutators}));
    }
    Value::Object(out)
}

/// v1alpha1 `upstream` (`type`, `git` with `commit`) as v1 `upstream` (no commit,
/// `updateStrategy: resource-merge`) and `upstreamLock` (with the commit).
fn upstream(value: &Value, out: &mut Map<String, Value>, notes: &mut Vec<String>) {
    let kind = value.get("type").cloned().unwrap_or(json!("git"));
    let Some(git) = value.get("git").and_then(Value::as_object) else {
        notes.push("`upstream` without `git` has no place in kpt v1: dropped".into());
        return;
    };
    let mut up = Map::new();
    let mut lock = Map::new();
    for key in ["repo", "directory", "ref"] {
        if let Some(v) = git.get(key) {
            up.insert(key.into(), v.clone());
            lock.insert(key.into(), v.clone());
        }
    }
    if let Some(commit) = git.get("commit") {
        lock.insert("commit".into(), commit.clone());
    }
    for key in git.keys() {
        if !["repo", "directory", "ref", "commit"].contains(&key.as_str()) {
            notes.push(format!(
                "`upstream.git.{key}` has no place in kpt v1: dropped"
            ));
        }
    }
    out.insert(
        "upstream".into(),
        json!({"type": kind, "git": up, "updateStrategy": "resource-merge"}),
    );
    out.insert("upstreamLock".into(), json!({"type": kind, "git": lock}));
}

/// v1alpha1 `packageMetadata` as v1 `info`.
fn info(value: &Value, out: &mut Map<String, Value>, notes: &mut Vec<String>) {
    let mut info = Map::new();
    for (key, v) in value.as_object().into_iter().flatten() {
        match key.as_str() {
            "shortDescription" => {
                info.insert("description".into(), v.clone());
            }
            "url" => {
                info.insert("site".into(), v.clone());
            }
            "email" => {
                info.insert("emails".into(), json!([v]));
            }
            "license" | "man" => {
                info.insert(key.clone(), v.clone());
            }
            "tags" => {
                info.insert("keywords".into(), v.clone());
            }
            other => notes.push(format!(
                "`packageMetadata.{other}` has no place in kpt v1 `info`: dropped"
            )),
        }
    }
    if !info.is_empty() {
        out.insert("info".into(), Value::Object(info));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_and_metadata_keep_their_place() {
        let old = json!({
            "apiVersion": "kpt.dev/v1alpha1",
            "kind": "Kptfile",
            "metadata": {"name": "upstream"},
            "packageMetadata": {"shortDescription": "d", "url": "https://x", "version": "1"},
            "upstream": {"type": "git", "git": {"commit": "abc", "repo": "https://r", "directory": "/d", "ref": "1.0.0"}},
            "inventory": {"namespace": "ns", "name": "inv", "inventoryID": "id"},
            "openAPI": {"definitions": {}},
            "dependencies": [],
        });
        let mut notes = Vec::new();
        let got = to_v1(&old, vec![json!({"exec": "./f"})], &mut notes);
        let want = json!({
            "apiVersion": "kpt.dev/v1",
            "kind": "Kptfile",
            "metadata": {"name": "upstream"},
            "info": {"description": "d", "site": "https://x"},
            "upstream": {"type": "git", "git": {"repo": "https://r", "directory": "/d", "ref": "1.0.0"}, "updateStrategy": "resource-merge"},
            "upstreamLock": {"type": "git", "git": {"repo": "https://r", "directory": "/d", "ref": "1.0.0", "commit": "abc"}},
            "inventory": {"namespace": "ns", "name": "inv", "inventoryID": "id"},
            "pipeline": {"mutators": [{"exec": "./f"}]},
        });
        assert_eq!(got, want);
        assert_eq!(
            notes,
            vec![
                "`packageMetadata.version` has no place in kpt v1 `info`: dropped".to_string(),
                "`dependencies` has no place in a kpt v1 Kptfile: dropped".to_string(),
            ]
        );
    }

    #[test]
    fn values_in_kptfile_order_given_first() {
        let kptfile = json!({
            "kind": "Kptfile",
            "openAPI": {"definitions": {
                "io.k8s.cli.setters.b": {"x-k8s-cli": {"setter": {"name": "b", "value": "stored", "isSet": true}}},
                "io.k8s.cli.setters.a": {"x-k8s-cli": {"setter": {"name": "a", "value": "default"}}},
                "io.k8s.cli.setters.env": {"type": "array", "x-k8s-cli": {"setter": {"name": "env", "listValues": ["dev", "a b", "true"]}}},
                "io.k8s.cli.setters.size": {"x-k8s-cli": {"setter": {"name": "size", "value": "small", "enumValues": {"small": "1Gi", "large": "8Gi"}}}},
                "io.k8s.cli.setters.none": {"x-k8s-cli": {"setter": {"name": "none"}}},
            }}
        });
        let defs = Definitions::read([(0, &kptfile)]);
        let given = BTreeMap::from([("a".to_string(), "mine".to_string())]);
        let (values, missing) = setter_values(&kptfile, &defs, &given);
        let pairs: Vec<(&str, &str)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("b", "stored"),
                ("a", "mine"),
                ("env", "[dev, a b, 'true']"),
                ("size", "1Gi"),
            ]
        );
        assert_eq!(missing, vec!["none".to_string()]);
    }

    #[test]
    fn names_are_unique_slugs() {
        assert_eq!(setters_name(""), "setters");
        assert_eq!(
            setters_name("upstream/manifests/gcp"),
            "setters-upstream-manifests-gcp"
        );
        assert_eq!(setters_name("In_Stance"), "setters-in-stance");
    }
}
