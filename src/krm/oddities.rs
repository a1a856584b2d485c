//! Items that kpt and kustomize accept although they are odd: mappings that repeat a key,
//! objects without `apiVersion` or `kind`. Reading passes them through and says what is odd.

use crate::krm::{InputError, Item, KrmResult};
use crate::yaml::{Document, JsonKind, NodeId, NodeKind, ParseOptions};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Display;

/// How items are parsed: repeated keys are read (last value wins, as kustomize reads them),
/// not refused.
pub const PARSE: ParseOptions = ParseOptions {
    allow_duplicate_keys: true,
};

/// One warning per repeated key inside `items` (node and item of each item read from
/// `doc`). A repeated key outside every item is skipped (a package file's document that is no
/// item), or with `refuse_outside` (the ResourceList's own keys, its functionConfig) makes the
/// input unreadable, as before. `source` names the text (`stdin`, a package file).
pub fn duplicate_key_warnings(
    doc: &Document,
    source: &str,
    items: &[(NodeId, &Item)],
    refuse_outside: bool,
) -> Result<Vec<KrmResult>, InputError> {
    if doc.duplicate_keys().is_empty() {
        return Ok(Vec::new());
    }
    let by_node: HashMap<NodeId, &Item> = items.iter().copied().collect();
    let mut warnings = Vec::new();
    for &(earlier, later) in doc.duplicate_keys() {
        let (line, column) = doc.position(doc.node(later).span().start);
        let (first_line, _) = doc.position(doc.node(earlier).span().start);
        let key = doc.scalar(later).unwrap_or_default();
        let Some((item, path)) = item_path(doc, later, &by_node) else {
            if !refuse_outside {
                continue;
            }
            return Err(duplicate_error(doc, source, earlier, later));
        };
        warnings.push(
            KrmResult::warning(format!(
                "{source}:{line}:{column}: duplicate key \"{key}\" (first on line {first_line}): \
                 read as its last value, as kustomize reads it; passed through unchanged, and a \
                 change to this key is an error"
            ))
            .for_item(item)
            .at_field(path, None, None),
        );
    }
    Ok(warnings)
}

/// JSON text is written back whole (serde_json), which would drop a repeated key: there it
/// stays unreadable, as before.
pub fn refuse_duplicates_in_json(doc: &Document, source: &str) -> Result<(), InputError> {
    match doc.duplicate_keys().first() {
        Some(&(earlier, later)) => Err(duplicate_error(doc, source, earlier, later)),
        None => Ok(()),
    }
}

/// The error strict parsing gives for key node `later` repeating `earlier`.
fn duplicate_error(doc: &Document, source: &str, earlier: NodeId, later: NodeId) -> InputError {
    let (line, column) = doc.position(doc.node(later).span().start);
    let (first_line, _) = doc.position(doc.node(earlier).span().start);
    let key = doc.scalar(later).unwrap_or_default();
    InputError::at(
        source,
        line,
        column,
        format!("not valid YAML: duplicate key \"{key}\" (first defined on line {first_line})"),
    )
}

/// The item holding node `id` and the field path of `id` in it (`spec.list[2].key`).
fn item_path<T: Copy>(
    doc: &Document,
    id: NodeId,
    items: &HashMap<NodeId, T>,
) -> Option<(T, String)> {
    let mut segments: Vec<String> = Vec::new();
    let mut node = id;
    loop {
        if let Some(item) = items.get(&node) {
            segments.reverse();
            let path = segments.concat();
            return Some((*item, path.trim_start_matches('.').to_string()));
        }
        let parent = doc.parent(node)?;
        match &doc.node(parent).kind {
            NodeKind::Mapping { .. } => {
                let key = doc
                    .entries(parent)
                    .iter()
                    .find(|&(k, v)| k == node || v == node)
                    .and_then(|(k, _)| doc.scalar(k))
                    .unwrap_or_default();
                segments.push(format!(".{key}"));
            }
            NodeKind::Sequence { .. } => {
                let index = doc
                    .items(parent)
                    .iter()
                    .position(|&i| i == node)
                    .unwrap_or_default();
                segments.push(format!("[{index}]"));
            }
            _ => {}
        }
        node = parent;
    }
}

/// True for a name kustomize reads as a kustomization file.
pub fn is_kustomization_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// [`metadata_results`] for `item`, read off its text when every shape is right.
pub fn item_metadata_results(item: &Item, what: &dyn Display) -> Vec<KrmResult> {
    let fine = match item.kind_at(&["metadata"]) {
        None | Some(JsonKind::Null) => true,
        Some(JsonKind::Object) => {
            let at = |key: &str| item.kind_at(&["metadata", key]);
            let scalar =
                |k: Option<JsonKind>| !matches!(k, Some(JsonKind::Object | JsonKind::Array));
            let map =
                |k: Option<JsonKind>| matches!(k, None | Some(JsonKind::Null | JsonKind::Object));
            // A name or namespace read as a non-empty string is a scalar.
            map(at("annotations"))
                && (!item.name().is_empty() || scalar(at("name")))
                && (item.namespace().is_some_and(|n| !n.is_empty()) || scalar(at("namespace")))
                && map(at("labels"))
        }
        Some(_) => false,
    };
    if fine {
        return Vec::new();
    }
    metadata_results(item.value(), &what.to_string())
}

/// Results for an item whose `metadata` has the wrong shape: an error where kpt refuses the file
/// (`metadata` or `metadata.annotations` not a mapping: `wrong node kind: expected MappingNode`),
/// a warning where kpt reads it but no Kubernetes API server would take it (a `name` or
/// `namespace` that is not a scalar, `labels` not a mapping): such items pass through unchanged.
pub fn metadata_results(value: &Value, what: &str) -> Vec<KrmResult> {
    let mut results = Vec::new();
    let shape = |v: &Value| match v {
        Value::Object(_) => "a mapping",
        Value::Array(_) => "a list",
        _ => "a scalar",
    };
    let Some(metadata) = value.get("metadata").filter(|m| !m.is_null()) else {
        return results;
    };
    let Some(fields) = metadata.as_object() else {
        results.push(
            KrmResult::error(format!(
                "{what}: `metadata` must be a mapping, found {} (kpt refuses it too)",
                shape(metadata)
            ))
            .for_resource(value),
        );
        return results;
    };
    if let Some(a) = fields
        .get("annotations")
        .filter(|a| !a.is_null() && !a.is_object())
    {
        results.push(
            KrmResult::error(format!(
                "{what}: `metadata.annotations` must be a mapping, found {} (kpt refuses it too)",
                shape(a)
            ))
            .for_resource(value),
        );
    }
    for (key, want_map) in [("name", false), ("namespace", false), ("labels", true)] {
        let Some(v) = fields.get(key).filter(|v| !v.is_null()) else {
            continue;
        };
        let wrong = if want_map {
            !v.is_object()
        } else {
            v.is_object() || v.is_array()
        };
        if wrong {
            let want = if want_map { "a mapping" } else { "a scalar" };
            results.push(
                KrmResult::warning(format!(
                    "{what}: `metadata.{key}` should be {want}, found {}; passed through unchanged",
                    shape(v)
                ))
                .for_resource(value),
            );
        }
    }
    results
}
