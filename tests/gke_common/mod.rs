//! Shared helpers of the gke_* integration tests: reference YAML into items, normalisation.
#![allow(dead_code)]

use private_gke::config::Settings;
use private_gke::krm::{Item, KrmResult, Severity};
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::Path;

/// `../shared/reference/<rel>`.
pub fn reference(rel: &str) -> String {
    format!("{}/../shared/reference/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Every document of a YAML file (null documents skipped).
pub fn docs(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{path}: {e}")))
        .filter(|v| !v.is_null())
        .collect()
}

/// Every KRM document of the `.yaml` files under `dir` (kustomization.yaml skipped), sorted by path,
/// with kpt's path annotations relative to `base`.
pub fn load_dir(dir: &str, base: &str) -> Vec<Value> {
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name == "kustomization.yaml" || f.to_string_lossy().contains("kustomize-fns") {
            continue;
        }
        let rel = f.strip_prefix(base).unwrap().to_string_lossy().to_string();
        for (i, mut d) in docs(&f.to_string_lossy()).into_iter().enumerate() {
            let ann = d
                .as_object_mut()
                .unwrap()
                .entry("metadata")
                .or_insert(json!({}))
                .as_object_mut()
                .unwrap()
                .entry("annotations")
                .or_insert(json!({}));
            ann["config.kubernetes.io/path"] = json!(rel);
            ann["config.kubernetes.io/index"] = json!(i.to_string());
            ann["internal.config.kubernetes.io/path"] = json!(rel);
            ann["internal.config.kubernetes.io/index"] = json!(i.to_string());
            out.push(d);
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// Items from values (no source text).
pub fn items(values: Vec<Value>) -> Vec<Item> {
    values
        .into_iter()
        .map(|v| Item::generated(v, None))
        .collect()
}

/// A ConfigMap function config.
pub fn config(pairs: &[(&str, &str)]) -> Settings {
    let data: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Settings::from_function_config(Some(
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}, "data": data}),
    ))
    .unwrap()
}

/// Runs stage 4 then stage 5.
pub fn run(settings: &Settings, items: &mut Vec<Item>) -> Vec<KrmResult> {
    let mut results = Vec::new();
    private_gke::gke::run(settings, items, &mut results);
    private_gke::gke::fix_crds(items, &mut results);
    results
}

/// Error messages among results.
pub fn errors(results: &[KrmResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .map(|r| r.message.clone())
        .collect()
}

/// A resource without what differs by orchestrator: our annotation, path/index annotations,
/// kustomize's namespace and `kf-name` label.
pub fn normalize(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.shift_remove("namespace");
        if let Some(labels) = meta.get_mut("labels").and_then(Value::as_object_mut) {
            labels.shift_remove("kf-name");
            if labels.is_empty() {
                meta.shift_remove("labels");
            }
        }
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            ann.retain(|k, _| {
                !(k == "private-gke.dev/owned"
                    || k.ends_with("config.kubernetes.io/path")
                    || k.ends_with("config.kubernetes.io/index"))
            });
            if ann.is_empty() {
                meta.shift_remove("annotations");
            }
        }
    }
    v
}

/// `Kind/name` of a resource.
pub fn key(v: &Value) -> String {
    format!(
        "{}/{}",
        v["kind"].as_str().unwrap_or(""),
        v["metadata"]["name"].as_str().unwrap_or("")
    )
}

/// How many resources the private stage generates on its own network (`true`) or the user's,
/// with the default allowlist, for a target Config Connector with or without network firewall
/// policies (an assumed current version has them).
pub fn generated_count(own_network: bool, policies: bool) -> usize {
    use private_gke::config::EgressAllowlist;
    use private_gke::gke::firewall_rules::Allowlist;
    private_gke::gke::resources::count(
        own_network,
        Allowlist::choose(EgressAllowlist::Fqdn, policies),
    )
}
