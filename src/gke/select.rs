//! Which ContainerCluster to make private: the `private-gke.cluster` selector and the rule that
//! picks the Kubeflow cluster when several clusters match.
//!
//! A selector is a name (`kf`), `NAMESPACE/NAME`, a file (`v2/cnrm/cluster/cluster.yaml`, with
//! `#NAME` when the file holds several), or `key=value` pairs separated by commas with the keys
//! `name`, `namespace`, `path` and `apiVersion`. Among the clusters that match (all full
//! ContainerClusters when no selector is given), those of Config Connector's served API
//! `container.cnrm.cloud.google.com/v1beta1` win over older ones (`v1alpha2`, which no Config
//! Connector since 1.0 serves: the Kubeflow 1.1 management cluster uses it). A single winner is
//! picked, with an info result naming what was passed over; otherwise the result lists each
//! candidate and what tells them apart.

use super::{is_full_cluster_item, item_path, tagged};
use crate::krm::{Item, KrmResult};
use serde_json::json;

/// The setting that names the cluster, as users write it.
pub const SETTING: &str = "private-gke.cluster";

/// The ContainerCluster API version current Config Connector serves.
pub const SERVED_API: &str = "container.cnrm.cloud.google.com/v1beta1";

/// A parsed `private-gke.cluster` value: every given part must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// `metadata.name`.
    pub name: Option<String>,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// The file the cluster came from (package-relative; a trailing part of it is enough).
    pub path: Option<String>,
    /// `apiVersion`.
    pub api_version: Option<String>,
}

fn is_file_name(s: &str) -> bool {
    [".yaml", ".yml", ".json"].iter().any(|e| s.ends_with(e))
}

impl Selector {
    /// Reads a selector; the error says which part is wrong.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err(
                "is empty: give a cluster name, NAMESPACE/NAME, a file, or key=value pairs".into(),
            );
        }
        let mut s = Selector::default();
        if text.contains('=') {
            for part in text.split(',') {
                let Some((key, value)) = part.split_once('=') else {
                    return Err(format!("{part:?} is not key=value"));
                };
                let value = Some(value.trim().to_string());
                match key.trim() {
                    "name" => s.name = value,
                    "namespace" => s.namespace = value,
                    "path" => s.path = value,
                    "apiVersion" => s.api_version = value,
                    other => {
                        return Err(format!(
                        "unknown key {other:?}: the keys are name, namespace, path and apiVersion"
                    ))
                    }
                }
            }
            return Ok(s);
        }
        let (head, fragment) = match text.split_once('#') {
            Some((h, f)) => (h, Some(f)),
            None => (text, None),
        };
        if is_file_name(head) {
            s.path = Some(head.to_string());
            s.name = fragment.map(str::to_string);
        } else if let Some((ns, name)) = text.split_once('/') {
            s.namespace = Some(ns.to_string());
            s.name = Some(name.to_string());
        } else {
            s.name = Some(text.to_string());
        }
        Ok(s)
    }

    /// True when `item` matches every given part.
    pub fn matches(&self, item: &Item) -> bool {
        let path_ok = self.path.as_deref().is_none_or(|want| {
            let want = want.trim_start_matches("./");
            item_path(item).is_some_and(|p| {
                p == want || p.strip_suffix(want).is_some_and(|rest| rest.ends_with('/'))
            })
        });
        path_ok
            && self.name.as_deref().is_none_or(|n| item.name() == n)
            && self
                .namespace
                .as_deref()
                .is_none_or(|ns| item.namespace() == Some(ns))
            && self
                .api_version
                .as_deref()
                .is_none_or(|v| item.api_version() == v)
    }
}

/// One line per candidate: file, apiVersion, namespace.
fn describe(item: &Item) -> String {
    let mut out = format!("{:?}", item.name());
    if let Some(p) = item_path(item) {
        out.push_str(&format!(" in {p}"));
    }
    out.push_str(&format!(" ({}", item.api_version()));
    if let Some(ns) = item.namespace() {
        out.push_str(&format!(", namespace {ns}"));
    }
    out.push(')');
    out
}

/// What tells `ids` apart, and a selector for the first of them in the simplest form that works.
fn difference(items: &[Item], ids: &[usize]) -> (Vec<&'static str>, String) {
    let differ = |f: fn(&Item) -> Option<&str>| {
        let first = f(&items[ids[0]]);
        ids.iter().any(|&i| f(&items[i]) != first)
    };
    let mut parts = Vec::new();
    if differ(|i| Some(i.name())) {
        parts.push("name");
    }
    if differ(Item::namespace) {
        parts.push("namespace");
    }
    if differ(|i| Some(i.api_version())) {
        parts.push("apiVersion");
    }
    if differ(item_path) {
        parts.push("path");
    }
    let first = &items[ids[0]];
    let example = match (parts.first().copied(), item_path(first)) {
        (Some("namespace"), _) if first.namespace().is_some() => {
            format!("{}/{}", first.namespace().unwrap_or(""), first.name())
        }
        (Some("apiVersion"), _) => {
            format!("name={},apiVersion={}", first.name(), first.api_version())
        }
        (_, Some(p)) => format!("{p}#{}", first.name()),
        _ => first.name().to_string(),
    };
    (parts, example)
}

/// Picks the cluster to make private (an index into `items`), or says why none was picked.
pub fn select_cluster(
    selector: Option<&str>,
    items: &[Item],
    results: &mut Vec<KrmResult>,
) -> Option<usize> {
    let full = || -> Vec<usize> {
        (0..items.len())
            .filter(|&i| is_full_cluster_item(&items[i]))
            .collect()
    };
    let parsed = match selector.map(Selector::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            results.push(tagged(KrmResult::error(e).at_field(
                SETTING,
                selector.map(|s| json!(s)),
                None,
            )));
            return None;
        }
    };
    // The selector's parts are cheaper to compare than the full-cluster test.
    let found: Vec<usize> = match &parsed {
        Some(s) => (0..items.len())
            .filter(|&i| s.matches(&items[i]) && is_full_cluster_item(&items[i]))
            .collect(),
        None => full(),
    };
    let list = |ids: &[usize]| {
        const SHOWN: usize = 5;
        let mut text = ids
            .iter()
            .take(SHOWN)
            .map(|&i| describe(&items[i]))
            .collect::<Vec<_>>()
            .join(", ");
        if ids.len() > SHOWN {
            text.push_str(&format!(" and {} more", ids.len() - SHOWN));
        }
        text
    };
    let at_setting = |r: KrmResult| match selector {
        Some(s) => r.at_field(SETTING, Some(json!(s)), None),
        None => r,
    };
    match found.len() {
        1 => return Some(found[0]),
        0 if selector.is_some() => {
            let full = full();
            results.push(tagged(at_setting(KrmResult::error(format!(
                "no ContainerCluster matches {:?} (clusters: {})",
                selector.unwrap_or_default(),
                if full.is_empty() {
                    "none".to_string()
                } else {
                    list(&full)
                }
            )))));
            return None;
        }
        0 => {
            if items.iter().any(|i| i.kind() == "ContainerCluster") {
                results.push(tagged(KrmResult::warning(
                    "no ContainerCluster among the items (only a partial one, a kustomize patch); \
                     nothing made private",
                )));
            } else if items
                .iter()
                .any(|i| !super::crd::is_cluster_crd_item(i) && i.kind() != "Kptfile")
            {
                results.push(tagged(KrmResult::warning(
                    "no ContainerCluster among the items; nothing made private",
                )));
            }
            return None;
        }
        _ => {}
    }
    let served: Vec<usize> = found
        .iter()
        .copied()
        .filter(|&i| items[i].api_version() == SERVED_API)
        .collect();
    if served.len() == 1 {
        let others: Vec<usize> = found.iter().copied().filter(|&i| i != served[0]).collect();
        results.push(
            tagged(at_setting(KrmResult::info(format!(
                "{} ContainerClusters match; picked the one of the served API {SERVED_API}, passed over {} \
                 (an API version no Config Connector since 1.0 serves, such as the Kubeflow 1.1 \
                 management cluster's)",
                found.len(),
                list(&others)
            ))))
            .for_item(&items[served[0]]),
        );
        return Some(served[0]);
    }
    let tied = if served.is_empty() { found } else { served };
    let (parts, example) = difference(items, &tied);
    let what = if selector.is_some() {
        format!(
            "{} ContainerClusters match {:?}",
            tied.len(),
            selector.unwrap_or_default()
        )
    } else {
        format!("{} ContainerClusters among the items", tied.len())
    };
    results.push(tagged(at_setting(KrmResult::error(format!(
        "{what}: {}; they differ in {}; set {SETTING} to the one to make private, e.g. {SETTING}={example}",
        list(&tied),
        if parts.is_empty() { "nothing but their place in the input".to_string() } else { parts.join(", ") },
    )))));
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn cluster(api: &str, name: &str, ns: Option<&str>, path: &str) -> Item {
        let mut v = json!({
            "apiVersion": api,
            "kind": "ContainerCluster",
            "metadata": {"name": name, "annotations": {"internal.config.kubernetes.io/path": path}},
            "spec": {"location": "us-central1-c"},
        });
        if let Some(ns) = ns {
            v["metadata"]["namespace"] = json!(ns);
        }
        Item::generated(v, None)
    }

    /// The Kubeflow 1.1 blueprint's two clusters after `name=kf-test`.
    fn blueprint() -> Vec<Item> {
        vec![
            cluster(
                "container.cnrm.cloud.google.com/v1alpha2",
                "kf-test",
                None,
                "v2/management/cluster/cluster.yaml",
            ),
            cluster(SERVED_API, "kf-test", None, "v2/cnrm/cluster/cluster.yaml"),
        ]
    }

    fn pick(selector: Option<&str>, items: &[Item]) -> (Option<usize>, Vec<KrmResult>) {
        let mut results = Vec::new();
        (select_cluster(selector, items, &mut results), results)
    }

    #[test]
    fn selectors_parse_into_their_parts() {
        let table: &[(&str, Selector)] = &[
            (
                "kf",
                Selector {
                    name: Some("kf".into()),
                    ..Default::default()
                },
            ),
            (
                "team-a/kf",
                Selector {
                    namespace: Some("team-a".into()),
                    name: Some("kf".into()),
                    ..Default::default()
                },
            ),
            (
                "v2/cnrm/cluster/cluster.yaml",
                Selector {
                    path: Some("v2/cnrm/cluster/cluster.yaml".into()),
                    ..Default::default()
                },
            ),
            (
                "a/c.yaml#kf",
                Selector {
                    path: Some("a/c.yaml".into()),
                    name: Some("kf".into()),
                    ..Default::default()
                },
            ),
            (
                "name=kf, apiVersion=container.cnrm.cloud.google.com/v1beta1",
                Selector {
                    name: Some("kf".into()),
                    api_version: Some(SERVED_API.into()),
                    ..Default::default()
                },
            ),
        ];
        for (text, want) in table {
            assert_eq!(&Selector::parse(text).unwrap(), want, "{text}");
        }
        assert!(Selector::parse("colour=blue")
            .unwrap_err()
            .contains("unknown key \"colour\""));
        assert!(Selector::parse(" ").is_err());
    }

    #[test]
    fn the_kubeflow_cluster_wins_over_the_management_cluster() {
        for selector in [None, Some("kf-test")] {
            let (picked, results) = pick(selector, &blueprint());
            assert_eq!(picked, Some(1), "{selector:?}");
            assert_eq!(results.len(), 1);
            assert_eq!(results[0].severity, crate::krm::Severity::Info);
            assert!(
                results[0]
                    .message
                    .contains("v2/management/cluster/cluster.yaml"),
                "{}",
                results[0].message
            );
        }
    }

    #[test]
    fn a_precise_selector_picks_either_cluster() {
        let items = blueprint();
        for (selector, want) in [
            ("v2/management/cluster/cluster.yaml", 0),
            ("management/cluster/cluster.yaml#kf-test", 0),
            (
                "name=kf-test,apiVersion=container.cnrm.cloud.google.com/v1alpha2",
                0,
            ),
            ("path=v2/cnrm/cluster/cluster.yaml", 1),
            ("cnrm/cluster/cluster.yaml", 1),
        ] {
            let (picked, results) = pick(Some(selector), &items);
            assert_eq!(picked, Some(want), "{selector}");
            assert!(results.is_empty(), "{selector}: {results:?}");
        }
    }

    #[test]
    fn ties_name_what_differs_and_how_to_choose() {
        let items = vec![
            cluster(SERVED_API, "kf", Some("a"), "a/cluster.yaml"),
            cluster(SERVED_API, "kf", Some("b"), "b/cluster.yaml"),
        ];
        let (picked, results) = pick(Some("kf"), &items);
        assert_eq!(picked, None);
        let m = &results[0].message;
        assert!(m.starts_with("2 ContainerClusters match \"kf\""), "{m}");
        assert!(m.contains("they differ in namespace, path"), "{m}");
        assert!(m.contains("private-gke.cluster=a/kf"), "{m}");
        assert!(!m.starts_with("cluster"), "no doubled prefix: {m}");
        let field = results[0].field.as_ref().unwrap();
        assert_eq!(field.path, SETTING);
        assert_eq!(field.current_value, Some(Value::from("kf")));
        let same_file = vec![
            cluster(SERVED_API, "kf", None, "c.yaml"),
            cluster(SERVED_API, "kf", None, "c.yaml"),
        ];
        let (_, results) = pick(None, &same_file);
        assert!(
            results[0]
                .message
                .contains("differ in nothing but their place"),
            "{}",
            results[0].message
        );
    }

    #[test]
    fn no_match_lists_the_clusters_and_crds_alone_say_nothing() {
        let (picked, results) = pick(Some("nope"), &blueprint());
        assert_eq!(picked, None);
        assert!(results[0]
            .message
            .contains("no ContainerCluster matches \"nope\""));
        assert!(results[0]
            .message
            .contains("in v2/cnrm/cluster/cluster.yaml"));
        let crd = Item::generated(
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                   "metadata": {"name": "containerclusters.container.cnrm.cloud.google.com"},
                   "spec": {"names": {"kind": "ContainerCluster"}, "group": "container.cnrm.cloud.google.com"}}),
            None,
        );
        let (picked, results) = pick(None, &[crd]);
        assert_eq!(picked, None);
        assert!(results.is_empty(), "{results:?}");
    }
}
