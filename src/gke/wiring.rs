//! Wiring: the resources the function owns are put into every kustomize build that includes the
//! cluster, exactly once, and taken out again on reversal.
//!
//! The kustomizations among the items (`kind: Kustomization`/`Component`, or any document in a
//! file named `kustomization.yaml`, `kustomization.yml` or `Kustomization`) form a graph through
//! their `resources`, `bases` and `components` entries. A build root is a kustomization no other
//! one includes. For every root that builds the cluster's file, each owned resource's file must
//! be built too: when no such root builds it, the kustomization that lists the cluster's file
//! gets an entry — the directory of a kustomization beside the files that builds them and nothing
//! any root already builds (upstream's `privateGKE/`), or `private-gke/`, whose own
//! kustomization the function writes and keeps listing exactly the files it generated. The
//! entries added are recorded on the cluster (`kustomizations` in its ownership record) so that
//! `gke.private: false`, or a switch of cluster, removes exactly those.
//!
//! Inside a kustomize build (items carry `kustomize.config.k8s.io/id`) there are no
//! kustomizations to edit, and kustomize has applied `commonLabels` before transformers run:
//! generated resources get the cluster's labels instead.

use super::{cluster, is_generated, item_path, tagged, OWNED};
use crate::krm::{Item, KrmResult};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `OWNED` value of the kustomization the function writes in its own folder.
pub const OWNED_KUSTOMIZATION: &str = "kustomization";

/// Key of the cluster record that lists the entries wiring added, per kustomization file.
pub const RECORD_KEY: &str = "kustomizations";

const ENTRY_KEYS: [&str; 3] = ["resources", "bases", "components"];

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// True for a kustomization among the items.
fn is_kustomization(item: &Item) -> bool {
    item.is_kustomization()
}

/// `dir` joined with a relative `entry`, `.` and `..` resolved; `None` for a remote or absolute
/// entry, or one that climbs above the package.
fn join(dir: &str, entry: &str) -> Option<String> {
    if entry.contains("://") || entry.starts_with('/') || entry.starts_with("git@") {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in entry.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The relative path from directory `from` to path `to` (both package-relative).
fn relative(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = to.split('/').filter(|p| !p.is_empty()).collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// The kustomization graph of the items.
struct Graph {
    /// Item index of each kustomization, by its directory.
    by_dir: BTreeMap<String, usize>,
    /// Per kustomization directory: the files and kustomization directories it names.
    entries: BTreeMap<String, Vec<Target>>,
}

#[derive(Debug, Clone)]
enum Target {
    File(String),
    Kustomization(String),
}

impl Graph {
    fn build(items: &[Item]) -> Graph {
        let mut by_dir = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            if is_kustomization(item) {
                if let Some(p) = item_path(item) {
                    by_dir.entry(dir_of(p).to_string()).or_insert(i);
                }
            }
        }
        let files: BTreeSet<&str> = items.iter().filter_map(item_path).collect();
        let mut entries = BTreeMap::new();
        for (dir, &i) in &by_dir {
            let mut targets = Vec::new();
            for key in ENTRY_KEYS {
                for entry in items[i].value()[key].as_array().into_iter().flatten() {
                    let Some(path) = entry.as_str().and_then(|e| join(dir, e)) else {
                        continue;
                    };
                    if by_dir.contains_key(&path) {
                        targets.push(Target::Kustomization(path));
                    } else if files.contains(path.as_str()) {
                        targets.push(Target::File(path));
                    }
                }
            }
            entries.insert(dir.clone(), targets);
        }
        Graph { by_dir, entries }
    }

    /// Every file the kustomization in `dir` builds.
    fn closure(&self, dir: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![dir.to_string()];
        while let Some(d) = stack.pop() {
            if !seen.insert(d.clone()) {
                continue;
            }
            for t in self.entries.get(&d).into_iter().flatten() {
                match t {
                    Target::File(f) => {
                        out.insert(f.clone());
                    }
                    Target::Kustomization(k) => stack.push(k.clone()),
                }
            }
        }
        out
    }

    /// Kustomizations no other one includes.
    fn roots(&self) -> Vec<&str> {
        let included: BTreeSet<&str> = self
            .entries
            .values()
            .flatten()
            .filter_map(|t| match t {
                Target::Kustomization(k) => Some(k.as_str()),
                Target::File(_) => None,
            })
            .collect();
        self.by_dir
            .keys()
            .map(String::as_str)
            .filter(|d| !included.contains(d))
            .collect()
    }

    /// The kustomization that lists `file` directly, the deepest one when several do.
    fn lister(&self, file: &str) -> Option<&str> {
        self.entries
            .iter()
            .filter(|(_, ts)| ts.iter().any(|t| matches!(t, Target::File(f) if f == file)))
            .map(|(d, _)| d.as_str())
            .max_by_key(|d| d.len())
    }
}

/// The files of the resources the function owns: generated, adopted and webhook rules.
fn owned_files(items: &[Item]) -> BTreeSet<String> {
    items
        .iter()
        .filter(|i| {
            i.annotation(OWNED).is_some()
                && (super::is_owned_resource(i.value()) || is_generated(i.value()))
        })
        .filter(|i| !is_kustomization(i))
        .filter_map(item_path)
        .map(str::to_string)
        .collect()
}

/// Keeps the function's own kustomization in `dir` listing exactly the generated files there
/// (created when there are some, removed when none are left).
fn own_kustomization(dir: &str, items: &mut Vec<Item>, place: &super::Placement) {
    let path = format!("{dir}/kustomization.yaml");
    let generated: Vec<String> = items
        .iter()
        .filter(|i| super::is_generated_item(i) && !is_kustomization(i))
        .filter_map(item_path)
        .filter(|p| dir_of(p) == dir)
        .map(|p| base_name(p).to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let existing = items.iter().position(|i| {
        is_kustomization(i)
            && item_path(i) == Some(path.as_str())
            && super::owned_marker(i.value()) == Some(OWNED_KUSTOMIZATION)
    });
    match (existing, generated.is_empty()) {
        (Some(i), true) => {
            items.remove(i);
        }
        (Some(i), false) => {
            if items[i].value()["resources"] != json!(generated) {
                items[i].value_mut()["resources"] = json!(generated);
            }
        }
        (None, true) => {}
        (None, false) => {
            let mut annotations = Map::new();
            annotations.insert(OWNED.into(), json!(OWNED_KUSTOMIZATION));
            for key in [
                "config.kubernetes.io/path",
                "internal.config.kubernetes.io/path",
            ] {
                annotations.insert(key.into(), json!(path));
            }
            if let Some(package_path) = &place.package_path {
                annotations.insert(super::PACKAGE_PATH.into(), json!(package_path));
            }
            let value = json!({
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "metadata": {"annotations": annotations},
                "resources": generated,
            });
            let text = crate::yaml::render_commented_document(
                &value,
                &Default::default(),
                Default::default(),
            );
            super::push_item(items, Item::generated(value, Some(text)));
        }
    }
}

/// The entries wiring recorded on `cluster`, per kustomization file.
fn recorded(cluster: &Value) -> BTreeMap<String, Vec<String>> {
    cluster::record(cluster)
        .and_then(|r| r.get(RECORD_KEY).cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Stores `wired` in the cluster's record (the record must exist: the cluster was patched).
fn store(cluster: &mut Value, wired: &BTreeMap<String, Vec<String>>) {
    let Some(mut rec) = cluster::record(cluster) else {
        return;
    };
    if wired.is_empty() {
        rec.remove(RECORD_KEY);
    } else {
        rec.insert(RECORD_KEY.into(), json!(wired));
    }
    let pointer = format!("/metadata/annotations/{}", OWNED.replace('/', "~1"));
    cluster::set(cluster, &pointer, json!(Value::Object(rec).to_string()));
}

/// After the private-GKE stage and the checks: wires the owned resources into the builds of the
/// cluster at `cluster_idx` (or labels them, inside kustomize).
pub fn wire(
    cluster_idx: usize,
    place: &super::Placement,
    items: &mut Vec<Item>,
    results: &mut Vec<KrmResult>,
) {
    if items[cluster_idx]
        .annotation("kustomize.config.k8s.io/id")
        .is_some()
    {
        label_like_the_cluster(cluster_idx, items);
        return;
    }
    let own_dir = place.dir.trim_end_matches('/').to_string();
    let Some(cluster_file) = item_path(&items[cluster_idx]).map(str::to_string) else {
        return;
    };
    let built = {
        let graph = Graph::build(items);
        graph
            .roots()
            .iter()
            .any(|r| graph.closure(r).contains(&cluster_file))
    };
    if !built {
        // No kustomize build of the cluster here: nothing to wire, and no kustomization of ours.
        if let Some(i) = items.iter().position(|i| {
            is_kustomization(i) && super::owned_marker(i.value()) == Some(OWNED_KUSTOMIZATION)
        }) {
            items.remove(i);
        }
        return;
    }
    own_kustomization(&own_dir, items, place);
    let graph = Graph::build(items);
    let roots: Vec<(String, BTreeSet<String>)> = graph
        .roots()
        .into_iter()
        .map(|r| (r.to_string(), graph.closure(r)))
        .filter(|(_, c)| c.contains(&cluster_file))
        .collect();
    let Some(lister) = graph.lister(&cluster_file).map(str::to_string) else {
        return;
    };
    if roots.is_empty() {
        return;
    }
    let built_anywhere: BTreeSet<String> = roots.iter().flat_map(|(_, c)| c.clone()).collect();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    for file in owned_files(items) {
        let building = roots.iter().filter(|(_, c)| c.contains(&file)).count();
        if building == 0 {
            missing.insert(file);
        } else if building < roots.len() {
            let without: Vec<&str> = roots
                .iter()
                .filter(|(_, c)| !c.contains(&file))
                .map(|(r, _)| r.as_str())
                .collect();
            results.push(tagged(KrmResult::warning(format!(
                "{file} is built by some of the kustomizations that build the cluster but not by {}: \
                 add it there, or the cluster is deployed without it",
                without.join(", ")
            ))));
        }
    }
    let mut entries: Vec<String> = Vec::new();
    while let Some(file) = missing.iter().next().cloned() {
        let dir = dir_of(&file).to_string();
        let covering = graph.by_dir.contains_key(&dir).then(|| graph.closure(&dir));
        let target = match covering {
            Some(c)
                if c.contains(&file)
                    && !c.contains(&cluster_file)
                    && c.is_disjoint(&built_anywhere) =>
            {
                for f in &c {
                    missing.remove(f);
                }
                relative(&lister, &dir)
            }
            _ => {
                missing.remove(&file);
                relative(&lister, &file)
            }
        };
        entries.push(target);
    }
    if entries.is_empty() {
        return;
    }
    let Some(&lister_idx) = graph.by_dir.get(&lister) else {
        return;
    };
    let kust_path = item_path(&items[lister_idx])
        .unwrap_or_default()
        .to_string();
    let list = items[lister_idx]
        .value_mut()
        .as_object_mut()
        .map(|o| o.entry("resources").or_insert_with(|| json!([])));
    let Some(Value::Array(list)) = list else {
        results.push(tagged(
            KrmResult::error(format!(
                "cannot add {} to the kustomization: its `resources` is not a list",
                entries.join(", ")
            ))
            .for_item(&items[lister_idx])
            .at_field("resources", None, None),
        ));
        return;
    };
    for e in &entries {
        list.push(json!(e));
    }
    results.push(
        tagged(KrmResult::info(format!(
            "wired the private network into the build of the cluster: added {} to `resources`",
            entries.join(", ")
        )))
        .for_item(&items[lister_idx])
        .at_field("resources", None, Some(json!(entries))),
    );
    let mut wired = recorded(items[cluster_idx].value());
    wired.entry(kust_path).or_default().extend(entries);
    store(items[cluster_idx].value_mut(), &wired);
}

/// Takes out the entries wiring added for `cluster` (reversal, or a switch of cluster).
pub fn unwire(cluster: &Value, items: &mut [Item], results: &mut Vec<KrmResult>) {
    for (path, entries) in recorded(cluster) {
        let Some(item) = items
            .iter_mut()
            .find(|i| is_kustomization(i) && item_path(i) == Some(path.as_str()))
        else {
            continue;
        };
        let Some(list) = item
            .value_mut()
            .get_mut("resources")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        let before = list.len();
        list.retain(|v| !v.as_str().is_some_and(|s| entries.iter().any(|e| e == s)));
        if list.len() != before {
            results.push(
                tagged(KrmResult::info(format!(
                    "unwired the private network: removed {} from `resources`",
                    entries.join(", ")
                )))
                .for_item(item),
            );
        }
    }
}

/// Inside kustomize: the cluster's labels on every generated resource that has none of its own.
fn label_like_the_cluster(cluster_idx: usize, items: &mut [Item]) {
    let Some(labels) = items[cluster_idx].value()["metadata"]["labels"]
        .as_object()
        .cloned()
    else {
        return;
    };
    for item in items
        .iter_mut()
        .filter(|i| super::is_generated_item(i) && i.origin.is_none())
    {
        let meta = &mut item.value_mut()["metadata"];
        if meta.get("labels").is_none() {
            meta["labels"] = Value::Object(labels.clone());
            item.text = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_and_relate() {
        assert_eq!(
            join("v2/cnrm", "../privateGKE").as_deref(),
            Some("v2/privateGKE")
        );
        assert_eq!(join("a", "./b/c.yaml").as_deref(), Some("a/b/c.yaml"));
        assert_eq!(join("", "../x"), None);
        assert_eq!(join("a", "https://github.com/x/y"), None);
        assert_eq!(
            relative("v2/cnrm/cluster", "v2/privateGKE"),
            "../../privateGKE"
        );
        assert_eq!(relative("", "private-gke"), "private-gke");
        assert_eq!(relative("a/b", "a/b"), ".");
    }
}
