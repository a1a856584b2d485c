//! Strategic merge patch over JSON values, as Kubernetes applies it: maps merge, `null` deletes,
//! lists of maps merge by the key Kubernetes declares for the field (a small built-in table;
//! lists without one, such as every Config Connector list, are replaced), and the directives
//! `$patch: replace|delete|merge`, `$retainKeys`, `$setElementOrder/<field>` and
//! `$deleteFromPrimitiveList/<field>`.

use serde_json::{Map, Value};
use std::fmt;

/// How a list field is patched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStrategy {
    /// The patch's list replaces the original.
    Replace,
    /// Elements (maps) merge by this key; new ones are appended.
    MergeKey(&'static str),
    /// A list of scalars merged as a set union (e.g. `finalizers`).
    MergePrimitive,
}

/// A patch that cannot be applied, with the dotted path where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmpError {
    /// Dotted field path (`spec.containers[1]`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SmpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for SmpError {}

/// The Kubernetes list fields that merge by key, by field name (and parent, for `ports`).
pub fn list_strategy(path: &[String]) -> ListStrategy {
    let field = path.last().map(String::as_str).unwrap_or("");
    let in_container = path.iter().rev().skip(1).any(|p| {
        matches!(
            p.as_str(),
            "containers" | "initContainers" | "ephemeralContainers"
        )
    });
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => ListStrategy::MergeKey("name"),
        "volumeMounts" => ListStrategy::MergeKey("mountPath"),
        "volumeDevices" => ListStrategy::MergeKey("devicePath"),
        "hostAliases" => ListStrategy::MergeKey("ip"),
        "conditions" => ListStrategy::MergeKey("type"),
        "ownerReferences" => ListStrategy::MergeKey("uid"),
        "topologySpreadConstraints" => ListStrategy::MergeKey("topologyKey"),
        "ports" if in_container => ListStrategy::MergeKey("containerPort"),
        "ports" => ListStrategy::MergeKey("port"),
        "finalizers" => ListStrategy::MergePrimitive,
        _ => ListStrategy::Replace,
    }
}

/// Applies `patch` to `original` with the built-in list table.
pub fn merge(original: &Value, patch: &Value) -> Result<Value, SmpError> {
    merge_with(original, patch, &list_strategy)
}

/// Applies `patch` to `original`, asking `strategy` how each list field (by path) merges.
pub fn merge_with(
    original: &Value,
    patch: &Value,
    strategy: &dyn Fn(&[String]) -> ListStrategy,
) -> Result<Value, SmpError> {
    let mut path = Vec::new();
    Ok(merge_value(Some(original), patch, &mut path, strategy)?.unwrap_or(Value::Null))
}

fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for p in path {
        if p.starts_with('[') {
            out.push_str(p);
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(p);
        }
    }
    out
}

fn error(path: &[String], message: impl Into<String>) -> SmpError {
    SmpError {
        path: dotted(path),
        message: message.into(),
    }
}

/// Merges one value; `None` means the field is deleted.
fn merge_value(
    original: Option<&Value>,
    patch: &Value,
    path: &mut Vec<String>,
    strategy: &dyn Fn(&[String]) -> ListStrategy,
) -> Result<Option<Value>, SmpError> {
    match patch {
        Value::Object(p) => merge_map(original.and_then(Value::as_object), p, path, strategy),
        Value::Array(items) => {
            merge_list(original.and_then(Value::as_array), items, path, strategy).map(Some)
        }
        scalar => Ok(Some(scalar.clone())),
    }
}

fn merge_map(
    original: Option<&Map<String, Value>>,
    patch: &Map<String, Value>,
    path: &mut Vec<String>,
    strategy: &dyn Fn(&[String]) -> ListStrategy,
) -> Result<Option<Value>, SmpError> {
    match patch.get("$patch").map(|v| v.as_str()) {
        None | Some(Some("merge")) => {}
        Some(Some("delete")) => return Ok(None),
        Some(Some("replace")) => {
            let mut rest = patch.clone();
            rest.shift_remove("$patch");
            let replaced = merge_map(None, &rest, path, strategy)?;
            // A replace that changes nothing keeps the original (maps compare without regard
            // to key order, so its order stays).
            return Ok(match (original, replaced) {
                (Some(original), Some(Value::Object(replaced))) if *original == replaced => {
                    Some(Value::Object(original.clone()))
                }
                (_, replaced) => replaced,
            });
        }
        Some(other) => {
            return Err(error(
                path,
                format!("unknown $patch directive {:?}", other.unwrap_or("")),
            ))
        }
    }
    let mut result = original.cloned().unwrap_or_default();
    let mut orders = Vec::new();
    let mut deletions = Vec::new();
    let mut retain: Option<Vec<String>> = None;
    for (key, value) in patch {
        if key == "$patch" {
            continue;
        }
        if key == "$retainKeys" {
            let keys = value
                .as_array()
                .and_then(|a| a.iter().map(|k| k.as_str().map(str::to_string)).collect())
                .ok_or_else(|| error(path, "$retainKeys must be a list of field names"))?;
            retain = Some(keys);
            continue;
        }
        if let Some(field) = key.strip_prefix("$setElementOrder/") {
            orders.push((field.to_string(), value));
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            deletions.push((field.to_string(), value));
            continue;
        }
        if key.starts_with('$') {
            return Err(error(path, format!("unknown directive {key}")));
        }
        if value.is_null() {
            result.shift_remove(key);
            continue;
        }
        path.push(key.clone());
        let merged = merge_value(result.get(key), value, path, strategy)?;
        path.pop();
        match merged {
            Some(v) => {
                result.insert(key.clone(), v);
            }
            None => {
                result.shift_remove(key);
            }
        }
    }
    for (field, values) in deletions {
        let values = values.as_array().ok_or_else(|| {
            error(
                path,
                format!("$deleteFromPrimitiveList/{field} must be a list"),
            )
        })?;
        if let Some(Value::Array(list)) = result.get_mut(&field) {
            list.retain(|v| !values.contains(v));
        }
    }
    for (field, order) in orders {
        let order = order
            .as_array()
            .ok_or_else(|| error(path, format!("$setElementOrder/{field} must be a list")))?;
        path.push(field.clone());
        let key = match strategy(path) {
            ListStrategy::MergeKey(k) => Some(k),
            _ => None,
        };
        path.pop();
        if let Some(Value::Array(list)) = result.get_mut(&field) {
            reorder(list, order, key);
        }
    }
    if let Some(keys) = retain {
        result.retain(|k, _| keys.iter().any(|r| r == k));
    }
    Ok(Some(Value::Object(result)))
}

/// Every list replaced: how a custom resource merges when no schema declares merge keys (Config
/// Connector's CRDs declare none, so `allow[].ports` of a firewall is replaced, not merged by
/// `port`).
pub fn replace_lists(_path: &[String]) -> ListStrategy {
    ListStrategy::Replace
}

/// Puts the elements named in `order` first, in that order; the others follow as they were.
fn reorder(list: &mut Vec<Value>, order: &[Value], key: Option<&str>) {
    let id = |v: &Value| match key {
        Some(k) => v.get(k).cloned(),
        None => Some(v.clone()),
    };
    let mut rest = std::mem::take(list);
    for wanted in order {
        let wanted_id = id(wanted);
        if let Some(pos) = rest.iter().position(|v| id(v) == wanted_id) {
            list.push(rest.remove(pos));
        }
    }
    list.extend(rest);
}

fn merge_list(
    original: Option<&Vec<Value>>,
    patch: &[Value],
    path: &mut Vec<String>,
    strategy: &dyn Fn(&[String]) -> ListStrategy,
) -> Result<Value, SmpError> {
    let replace_all = patch
        .iter()
        .any(|v| v.get("$patch").and_then(Value::as_str) == Some("replace"));
    let strategy_here = strategy(path);
    if replace_all || strategy_here == ListStrategy::Replace {
        let mut out = Vec::new();
        for (i, item) in patch.iter().enumerate() {
            if item.get("$patch").and_then(Value::as_str) == Some("replace") {
                continue;
            }
            path.push(format!("[{i}]"));
            if let Some(v) = merge_value(None, item, path, strategy)? {
                out.push(v);
            }
            path.pop();
        }
        // As for maps: a replacement equal to the original keeps the original's key orders.
        return Ok(Value::Array(match original {
            Some(original) if *original == out => original.clone(),
            _ => out,
        }));
    }
    let mut result = original.cloned().unwrap_or_default();
    match strategy_here {
        ListStrategy::MergePrimitive => {
            for item in patch {
                if !result.contains(item) {
                    result.push(item.clone());
                }
            }
        }
        ListStrategy::MergeKey(key) => {
            for (i, item) in patch.iter().enumerate() {
                path.push(format!("[{i}]"));
                let Some(id) = item.get(key) else {
                    return Err(error(
                        path,
                        format!("list element has no merge key {key:?}"),
                    ));
                };
                let pos = result.iter().position(|v| v.get(key) == Some(id));
                let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
                match (pos, delete) {
                    (Some(p), true) => {
                        result.remove(p);
                    }
                    (None, true) => {}
                    (Some(p), false) => {
                        if let Some(v) = merge_value(Some(&result[p]), item, path, strategy)? {
                            result[p] = v;
                        }
                    }
                    (None, false) => {
                        if let Some(v) = merge_value(None, item, path, strategy)? {
                            result.push(v);
                        }
                    }
                }
                path.pop();
            }
        }
        ListStrategy::Replace => {}
    }
    Ok(Value::Array(result))
}
