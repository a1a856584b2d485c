//! private-gke: a KRM function that turns a Kubeflow-on-GCP Config Connector blueprint into a
//! private GKE deployment. `process` is the engine behind every mode.
#![forbid(unsafe_code)]

pub mod checks;
pub mod config;
pub mod gke;
pub mod krm;
pub mod limits;
pub mod migrate;
pub(crate) mod model;
pub mod package;
mod report;
pub mod setters;
pub mod smp;
pub mod yaml;

use crate::config::{Mode, Settings};
pub use crate::krm::resource_list::OutputText;
use crate::krm::{has_errors, InputError, Item, KrmResult, ResourceList};
use serde_json::{json, Map, Value};
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::path::Path;

/// What the caller gives the engine besides the input.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Replaces the input's functionConfig (from `--config` / `--set`).
    pub function_config: Option<Value>,
}

/// What the engine produced from readable input.
#[derive(Debug, Clone)]
pub struct Output {
    /// The whole ResourceList (or List, or documents), results included where they fit, as
    /// pieces verified already ([`OutputText::write_to`] streams them; `to_string` assembles).
    pub stdout: OutputText,
    /// Every result, in the order the stages produced them.
    pub results: Vec<KrmResult>,
    /// True when the results are part of `stdout` (a ResourceList); otherwise they belong on
    /// stderr only.
    pub results_in_stdout: bool,
    /// True when kustomize sent the input: it shows none of the results unless the function
    /// fails, so warnings belong on stderr too.
    pub under_kustomize: bool,
    /// The connectivity report (Markdown) of the selected private cluster, when the checks
    /// modelled one; the CLI writes it to `--report FILE`, never into the ResourceList.
    pub report: Option<String>,
    /// The items and the input as read, kept with the output so that a caller about to exit
    /// can `std::mem::forget` the whole output instead of freeing them piece by piece.
    _retained: Option<Box<(Vec<Item>, ResourceList)>>,
}

impl Output {
    /// 1 when any result is an error, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(has_errors(&self.results))
    }
}

/// Run the function on `input` (a ResourceList, a List or plain Kubernetes documents, YAML or
/// JSON). Input that cannot be read, or larger than [`limits::max_input_bytes`], is an
/// `InputError`; everything else is results.
pub fn process(input: &[u8], options: &Options) -> Result<Output, InputError> {
    limits::check_input_size(input.len() as u64, "stdin")?;
    process_list(ResourceList::read(input, "stdin")?, options)
}

/// [`process`] of input already decoded as UTF-8, which the parsed document keeps without
/// copying it.
pub fn process_text(input: String, options: &Options) -> Result<Output, InputError> {
    limits::check_input_size(input.len() as u64, "stdin")?;
    process_list(ResourceList::read_text(input, "stdin")?, options)
}

fn process_list(mut list: ResourceList, options: &Options) -> Result<Output, InputError> {
    let function_config = options
        .function_config
        .clone()
        .or_else(|| list.function_config.clone());
    let mut items = std::mem::take(&mut list.items);
    let under_kustomize = from_kustomize(&items);
    let mut results = std::mem::take(&mut list.warnings);
    // An item kpt itself would refuse is an error result: the stages do not run on such input.
    let mut report = None;
    if !has_errors(&results) {
        let (staged, written) = run_stages_with_report(&mut items, function_config.as_ref());
        results.extend(staged);
        report = written;
    }
    confine_generated(&mut items, &mut results);
    let stdout = list.write_output(&items, &mut results)?;
    Ok(Output {
        stdout,
        report,
        results,
        results_in_stdout: list.carries_results(),
        under_kustomize,
        _retained: Some(Box::new((items, list))),
    })
}

/// Take out every generated item whose path annotation (derived from the input's annotations)
/// leaves the package (`../…`, `/…`): an error result each, so no such path is ever emitted.
fn confine_generated(items: &mut Vec<Item>, results: &mut Vec<KrmResult>) {
    items.retain(|item| {
        if item.origin.is_some() {
            return true;
        }
        let outside = [package::PATH, package::LEGACY_PATH]
            .into_iter()
            .filter_map(|key| item.annotation(key).map(|path| (key, path)))
            .find(|(_, path)| !package::is_package_relative(path));
        let Some((key, path)) = outside else {
            return true;
        };
        let mut result = KrmResult::error(format!(
            "generated resource left out: its `{key}` `{path}` is outside the package (it comes from the input's path annotations)"
        ))
        .for_item(item);
        result.file = None;
        results.push(result);
        false
    });
}

/// The stages of the design, in order, over `items`: settings from the functionConfig (config
/// errors and setter values one typo away from a value key are results and stop the changes),
/// then unless in check mode setters (only setters in setters mode), the private-GKE
/// stage and the CRD fix; then the checks and the duplicate-identity check.
pub fn run_stages(items: &mut Vec<Item>, function_config: Option<&Value>) -> Vec<KrmResult> {
    run_stages_with_report(items, function_config).0
}

/// [`run_stages`], with the connectivity report of the checks stage.
pub fn run_stages_with_report(
    items: &mut Vec<Item>,
    function_config: Option<&Value>,
) -> (Vec<KrmResult>, Option<String>) {
    let mut results = Vec::new();
    let mut report = None;
    match Settings::from_function_config(function_config) {
        Err(errors) => results.extend(errors),
        Ok(settings) => {
            let typos = settings.typo_errors(function_config, || setters::names_in_use(items));
            if !typos.is_empty() {
                results.extend(typos);
                results.extend(duplicates(items));
                return (results, None);
            }
            if settings.mode == Mode::Setters {
                own_package_setters(&settings, items, function_config, &mut results);
                results.extend(duplicates(items));
                return (results, None);
            }
            if settings.mode != Mode::Check {
                setters::run(&settings, items, &mut results);
                gke::run(&settings, items, &mut results);
                gke::fix_crds(items, &mut results);
            }
            report = checks::run_with_report(&settings, items, &mut results);
            gke::finish(&settings, items, &mut results);
        }
    }
    results.extend(duplicates(items));
    (results, report)
}

/// The annotation `kpt fn render` gives every item and the functionConfig: its package's directory.
const PACKAGE_PATH: &str = "internal.config.kubernetes.io/package-path";

/// Setters mode: the setters stage on the items of the functionConfig's own package only (kpt v0
/// kept one set of values per package; under `kpt fn render` a package's pipeline also sees its
/// subpackages' items); on every item when kpt names no package.
fn own_package_setters(
    settings: &Settings,
    items: &mut Vec<Item>,
    function_config: Option<&Value>,
    results: &mut Vec<KrmResult>,
) {
    let package = function_config
        .and_then(|c| c.pointer("/metadata/annotations"))
        .and_then(|a| a.get(PACKAGE_PATH))
        .and_then(Value::as_str);
    let Some(package) = package else {
        setters::run(settings, items, results);
        return;
    };
    type Placed = Vec<(usize, Item)>;
    let (own, others): (Placed, Placed) = std::mem::take(items)
        .into_iter()
        .enumerate()
        .partition(|(_, item)| item.annotation(PACKAGE_PATH) == Some(package));
    let (places, mut own): (Vec<usize>, Vec<Item>) = own.into_iter().unzip();
    setters::run(settings, &mut own, results);
    let mut all: Vec<(usize, Item)> = places.into_iter().zip(own).chain(others).collect();
    all.sort_by_key(|(i, _)| *i);
    items.extend(all.into_iter().map(|(_, item)| item));
}

/// kustomize's annotation on every item it hands a transformer.
const KUSTOMIZE_ID: &str = "kustomize.config.k8s.io/id";

/// True when kustomize sent the items (as a transformer): they come without comments.
pub fn from_kustomize(items: &[Item]) -> bool {
    items.iter().any(|i| i.annotation(KUSTOMIZE_ID).is_some())
}

/// A warning for every item with the same apiVersion, kind, namespace and name as an earlier one
/// (items without a name, like a `Kustomization`, have no identity to clash).
pub fn duplicates(items: &[Item]) -> Vec<KrmResult> {
    fn key(item: &Item) -> (&str, &str, Option<&str>, &str) {
        (
            item.api_version(),
            item.kind(),
            item.namespace(),
            item.name(),
        )
    }
    // (hash of the key, index) sorted: 16 bytes an item where a map of the keys took ~120;
    // equal keys have equal hashes, so each item's first earlier twin is in its run.
    let hasher = RandomState::new();
    let mut hashed: Vec<(u64, usize)> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| !item.name().is_empty())
        .map(|(i, item)| (hasher.hash_one(key(item)), i))
        .collect();
    hashed.sort_unstable();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for run in hashed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        for (n, &(_, later)) in run.iter().enumerate().skip(1) {
            let earlier = run[..n]
                .iter()
                .map(|&(_, i)| i)
                .find(|&i| key(&items[i]) == key(&items[later]));
            if let Some(earlier) = earlier {
                pairs.push((later, earlier));
            }
        }
    }
    pairs.sort_unstable();
    pairs
        .into_iter()
        .map(|(later, earlier)| {
            let file = items[earlier]
                .path()
                .map(|p| format!(" in {p}"))
                .unwrap_or_default();
            KrmResult::warning(format!(
                "duplicate resource: items[{earlier}]{file} has the same apiVersion, kind, namespace and name"
            ))
            .for_item(&items[later])
        })
        .collect()
}

/// The functionConfig `kpt fn eval -- k=v` sends: a ConfigMap `function-input`, all values strings.
pub fn config_map(pairs: &[(String, String)]) -> Value {
    let data: Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "function-input"},
        "data": data,
    })
}

/// The functionConfig from `--config FILE` and `--set KEY=VALUE`…: the file's object with the
/// `--set` values added (a ConfigMap's `data`, or a typed object's `spec` fields and
/// `spec.setters`); or a `function-input` ConfigMap.
pub fn function_config_from_args(
    config: Option<&Path>,
    set: &[(String, String)],
) -> Result<Option<Value>, InputError> {
    let Some(path) = config else {
        return Ok((!set.is_empty()).then(|| config_map(set)));
    };
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| InputError::whole(&source, e.to_string()))?;
    let text = krm::resource_list::decode_utf8(&bytes, &source)?;
    let doc = yaml::Document::parse(text).map_err(|e| {
        InputError::at(
            &source,
            e.line,
            e.column,
            format!("not valid YAML: {}", e.message),
        )
    })?;
    let Some(&root) = doc.roots().first() else {
        return Err(InputError::whole(
            &source,
            "empty file: expected a functionConfig object",
        ));
    };
    let mut value = doc
        .to_json(root)
        .map_err(|e| InputError::at(&source, e.line, e.column, e.message))?;
    let Some(object) = value.as_object_mut() else {
        let (line, column) = doc.position(doc.node(root).span().start);
        return Err(InputError::at(
            &source,
            line,
            column,
            "the functionConfig must be a mapping",
        ));
    };
    if !set.is_empty() {
        config::add_pairs(object, set);
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: &str, namespace: Option<&str>, name: &str) -> Item {
        let mut metadata = json!({ "name": name });
        if let Some(ns) = namespace {
            metadata["namespace"] = json!(ns);
        }
        Item::generated(
            json!({ "apiVersion": "v1", "kind": kind, "metadata": metadata }),
            None,
        )
    }

    #[test]
    fn duplicates_name_the_first_earlier_twin_in_the_order_of_the_later_items() {
        let items = [
            item("ConfigMap", None, "a"),
            item("Secret", None, "a"),
            item("ConfigMap", Some("ns"), "a"),
            item("Secret", None, "a"),
            item("ConfigMap", None, "a"),
            item("Kustomization", None, ""),
            item("Kustomization", None, ""),
            item("ConfigMap", None, "a"),
            item("ConfigMap", Some("ns"), "b"),
        ];
        let got: Vec<(String, Option<String>)> = duplicates(&items)
            .into_iter()
            .map(|r| {
                (
                    r.message,
                    r.resource_ref.map(|r| format!("{}/{}", r.kind, r.name)),
                )
            })
            .collect();
        let earlier = |i: usize| {
            format!(
                "duplicate resource: items[{i}] has the same apiVersion, kind, namespace and name"
            )
        };
        let want: Vec<(String, Option<String>)> =
            [(1, "Secret"), (0, "ConfigMap"), (0, "ConfigMap")]
                .into_iter()
                .map(|(i, kind)| (earlier(i), Some(format!("{kind}/a"))))
                .collect();
        assert_eq!(got, want);
    }
}
