//! kpt v1 Kptfile pipelines: the setter values an `apply-setters` mutator (`configPath:` or
//! `configMap:`) gives the items of its package, as `kpt fn render` would have applied them.

use crate::krm::Item;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// The option that makes private-gke apply setter values only (`private-gke.mode`).
const SETTERS_MODE_KEY: &str = "private-gke.mode";

/// The annotation `kpt fn render` gives every item: its package's directory.
const PACKAGE_PATH: &str = "internal.config.kubernetes.io/package-path";

/// Kptfile apiVersions whose `pipeline` kpt v1 runs.
const PIPELINE_VERSIONS: [&str; 2] = ["kpt.dev/v1", "kpt.dev/v1alpha2"];

/// The values of one package's apply-setters mutators.
#[derive(Debug, Clone)]
struct Scope {
    /// The package directory: `""` for the root, else `dir/`.
    dir: String,
    values: BTreeMap<String, String>,
    /// Only the package's own items, not its subpackages' (private-gke's setters mode, which
    /// keeps kpt v0's one set of values per package).
    own_only: bool,
}

/// A problem with a Kptfile's apply-setters config: (Kptfile item, field path, message).
pub type Problem = (usize, String, String);

/// The apply-setters values of every kpt v1 Kptfile among the items.
#[derive(Debug, Clone, Default)]
pub struct PipelineValues {
    /// Deepest package first.
    scopes: Vec<Scope>,
    /// The directory of every kpt v1 Kptfile, deepest first.
    packages: Vec<String>,
    /// Configs that could not be read (warnings).
    pub problems: Vec<Problem>,
}

/// The package-relative path of an item (internal annotation first, then legacy).
fn path_of(item: &Item) -> Option<&str> {
    item.annotation("internal.config.kubernetes.io/path")
        .or_else(|| item.annotation("config.kubernetes.io/path"))
}

/// Where an item is in the tree: its path, behind its package's path when kpt names one
/// (`kpt fn render` gives each package's items paths relative to that package, and the package's
/// directory in `internal.config.kubernetes.io/package-path`; compared without its leading `/`); `default` when it has no path.
fn location_of(item: &Item, default: Option<&str>) -> String {
    let path = path_of(item).or(default).unwrap_or("");
    let path = path.trim_start_matches("./");
    match item.annotation(PACKAGE_PATH) {
        Some(package) if !package.is_empty() => {
            format!("{}/{path}", package.trim_matches('/'))
        }
        _ => path.to_string(),
    }
}

/// `dir` + `rel`, with `.` and `..` segments resolved; `None` when it leaves the root.
fn join(dir: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// String values of a `data` map (numbers and booleans as written); others are skipped.
fn string_values(data: &Value) -> BTreeMap<String, String> {
    data.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((k.clone(), text))
        })
        .collect()
}

impl PipelineValues {
    /// Reads the `pipeline.mutators` of every kpt v1 Kptfile among the items: an entry whose
    /// `image` names apply-setters contributes its `configMap`, or the `data` of the item its
    /// `configPath` names (relative to the Kptfile); any entry whose `configPath` item says
    /// `private-gke.mode: setters` contributes that item's other `data`.
    pub fn read(items: &[Item]) -> PipelineValues {
        let kptfiles: Vec<usize> = (0..items.len())
            .filter(|&i| items[i].kind() == "Kptfile")
            .collect();
        Self::read_kptfiles(items, &kptfiles)
    }

    /// [`PipelineValues::read`] for a caller that knows which items are Kptfiles.
    pub fn read_kptfiles(items: &[Item], kptfiles: &[usize]) -> PipelineValues {
        let mut out = PipelineValues::default();
        for &index in kptfiles {
            let kptfile = &items[index];
            if !PIPELINE_VERSIONS.contains(&kptfile.api_version()) {
                continue;
            }
            let Some(dir) = location_of(kptfile, Some("Kptfile"))
                .strip_suffix("Kptfile")
                .map(str::to_string)
            else {
                continue;
            };
            out.packages.push(dir.clone());
            let mutators = kptfile.value().pointer("/pipeline/mutators");
            let mut values = BTreeMap::new();
            let mut own_only = false;
            for (i, m) in mutators
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let is_apply_setters = m["image"]
                    .as_str()
                    .is_some_and(|image| image.contains("apply-setters"));
                let config = m["configPath"].as_str().map(|rel| {
                    let target = join(&dir, rel);
                    target.and_then(|t| {
                        items
                            .iter()
                            .find(|it| path_of(it).is_some() && location_of(it, None) == t)
                    })
                });
                if !is_apply_setters {
                    // private-gke in setters mode (as `private-gke migrate` writes it) applies
                    // its `configPath` values like apply-setters does.
                    let setters_mode = |c: &&Item| c.value()["data"][SETTERS_MODE_KEY] == "setters";
                    if let Some(c) = config.flatten().filter(setters_mode) {
                        own_only = true;
                        values.extend(
                            string_values(&c.value()["data"])
                                .into_iter()
                                .filter(|(k, _)| !k.starts_with(crate::config::OPTION_PREFIX)),
                        );
                    }
                    continue;
                }
                if m["configMap"].is_object() {
                    values.extend(string_values(&m["configMap"]));
                } else if let Some(rel) = m["configPath"].as_str() {
                    let field = format!("pipeline.mutators[{i}].configPath");
                    match config.flatten() {
                        Some(c) => values.extend(string_values(&c.value()["data"])),
                        None => out.problems.push((
                            index,
                            field,
                            format!(
                                "the apply-setters config {rel:?} is not among the package's \
                                 files: its setter values are not used"
                            ),
                        )),
                    }
                }
            }
            if !values.is_empty() {
                out.scopes.push(Scope {
                    dir,
                    values,
                    own_only,
                });
            }
        }
        out.scopes.sort_by_key(|s| std::cmp::Reverse(s.dir.len()));
        out.packages.sort_by_key(|d| std::cmp::Reverse(d.len()));
        out
    }

    /// Every setter name some pipeline gives a value.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.scopes
            .iter()
            .flat_map(|s| s.values.keys().map(String::as_str))
    }

    /// The setter values for each item: `given` (the functionConfig's, which win) over the
    /// values of the Kptfiles whose package holds the item (an enclosing package's over a
    /// nested one's, as kpt renders the nested package first; values of private-gke's setters
    /// mode only for the package's own items); `None` for an item no pipeline
    /// reaches (it takes `given` as is).
    pub fn per_item(
        &self,
        items: &[Item],
        given: &BTreeMap<String, String>,
    ) -> Vec<Option<BTreeMap<String, String>>> {
        if self.scopes.is_empty() {
            return vec![None; items.len()];
        }
        let mut cache: HashMap<Vec<usize>, BTreeMap<String, String>> = HashMap::new();
        items
            .iter()
            .map(|item| {
                let location = location_of(item, None);
                let path = location.as_str();
                let package = self.packages.iter().find(|d| path.starts_with(d.as_str()));
                let scopes: Vec<usize> = (0..self.scopes.len())
                    .filter(|&s| {
                        let scope = &self.scopes[s];
                        path.starts_with(scope.dir.as_str())
                            && (!scope.own_only || package == Some(&scope.dir))
                    })
                    .collect();
                if scopes.is_empty() {
                    return None;
                }
                let values = cache.entry(scopes).or_insert_with_key(|scopes| {
                    let mut values = BTreeMap::new();
                    for &s in scopes {
                        values.extend(self.scopes[s].values.clone());
                    }
                    values.extend(given.clone());
                    values
                });
                Some(values.clone())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(path: &str, value: Value) -> Item {
        let mut value = value;
        value["metadata"]["annotations"]["internal.config.kubernetes.io/path"] = json!(path);
        Item::generated(value, None)
    }

    fn kptfile(path: &str, mutators: Value) -> Item {
        item(
            path,
            json!({"apiVersion": "kpt.dev/v1", "kind": "Kptfile", "metadata": {"name": "k"},
                "pipeline": {"mutators": mutators}}),
        )
    }

    fn config_map(path: &str, data: Value) -> Item {
        item(
            path,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "setters"}, "data": data}),
        )
    }

    #[test]
    fn paths_join_like_kpt() {
        assert_eq!(join("", "setters.yaml").as_deref(), Some("setters.yaml"));
        assert_eq!(join("sub/", "./a/b.yaml").as_deref(), Some("sub/a/b.yaml"));
        assert_eq!(join("sub/", "../b.yaml").as_deref(), Some("b.yaml"));
        assert_eq!(join("", "../b.yaml"), None);
    }

    #[test]
    fn config_path_and_config_map_values_reach_their_package_given_values_win() {
        let items = vec![
            kptfile(
                "Kptfile",
                json!([{"image": "gcr.io/kpt-fn/apply-setters:v0.2", "configPath": "setters.yaml"},
                       {"image": "gcr.io/kpt-fn/set-labels:v0.1", "configMap": {"skip": "me"}}]),
            ),
            config_map(
                "setters.yaml",
                json!({"network": "shared", "project": "root", "port": 8443}),
            ),
            kptfile(
                "sub/Kptfile",
                json!([{"image": "apply-setters:v0.2", "configMap": {"project": "sub", "zone": "z"}}]),
            ),
            item("sub/x.yaml", json!({"kind": "X"})),
            item("y.yaml", json!({"kind": "Y"})),
        ];
        let values = PipelineValues::read(&items);
        assert!(values.problems.is_empty(), "{:?}", values.problems);
        let given = BTreeMap::from([("network".to_string(), "mine".to_string())]);
        let per_item = values.per_item(&items, &given);
        let want = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(per_item[2].as_ref(), per_item[3].as_ref());
        assert_eq!(
            per_item[3].clone().unwrap(),
            want(&[
                ("network", "mine"),
                ("port", "8443"),
                ("project", "root"),
                ("zone", "z")
            ])
        );
        assert_eq!(
            per_item[4].clone().unwrap(),
            want(&[("network", "mine"), ("port", "8443"), ("project", "root")])
        );
        let mut names: Vec<&str> = values.names().collect();
        names.sort();
        assert_eq!(names, ["network", "port", "project", "project", "zone"]);
    }

    #[test]
    fn a_missing_config_path_is_a_problem_and_other_kptfiles_give_nothing() {
        let mut v0 = kptfile(
            "v0/Kptfile",
            json!([{"image": "apply-setters:v0.2", "configMap": {"a": "b"}}]),
        );
        v0.value_mut()["apiVersion"] = json!("kpt.dev/v1alpha1");
        let items = vec![
            kptfile(
                "Kptfile",
                json!([{"image": "gcr.io/kpt-fn/apply-setters:v0.2", "configPath": "missing.yaml"}]),
            ),
            v0,
        ];
        let values = PipelineValues::read(&items);
        assert_eq!(values.names().count(), 0);
        assert_eq!(values.problems.len(), 1);
        assert_eq!(values.problems[0].0, 0);
        assert_eq!(values.problems[0].1, "pipeline.mutators[0].configPath");
        assert!(values.problems[0].2.contains("\"missing.yaml\""));
    }
}
