//! kpt v0 definitions from every Kptfile among the items: setters (stored value as default,
//! `enumValues`, `listValues`, `type`), substitutions (markers, nested, cycles), and writing a
//! set value back into the Kptfile like `kpt cfg set`.

use super::comment::{V0Ref, SETTER_PREFIX, SUBSTITUTION_PREFIX};
use super::typing::DeclaredType;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Longest text a substitution may expand to (nested substitutions can double at each level).
const MAX_SUBSTITUTION_LEN: usize = 1 << 20;

/// A kpt v0 setter definition (`io.k8s.cli.setters.NAME`).
#[derive(Debug, Clone, PartialEq)]
pub struct SetterDef {
    /// Name (the definition key's suffix).
    pub name: String,
    /// Stored `value`, as text.
    pub value: Option<String>,
    /// Stored `listValues`.
    pub list_values: Option<Vec<Value>>,
    /// `enumValues`: accepted input -> written value, in order.
    pub enum_values: Option<Vec<(String, String)>>,
    /// Declared `type`.
    pub declared: Option<DeclaredType>,
    /// Declared `items.type` (arrays).
    pub items_type: Option<DeclaredType>,
    /// `maxLength` / `minLength` (strings), `maxItems` (arrays).
    pub max_length: Option<u64>,
    /// See `max_length`.
    pub min_length: Option<u64>,
    /// See `max_length`.
    pub max_items: Option<u64>,
    /// Indices of the Kptfile items that define it (first one wins for reading).
    pub kptfiles: Vec<usize>,
}

impl SetterDef {
    /// True for list setters (`listValues` or `type: array`).
    pub fn is_list(&self) -> bool {
        self.list_values.is_some() || self.declared == Some(DeclaredType::Array)
    }

    /// The text a field gets for input `raw`: mapped through `enumValues` when present.
    pub fn field_text(&self, raw: &str) -> Result<String, String> {
        match &self.enum_values {
            None => Ok(raw.to_string()),
            Some(map) => map
                .iter()
                .find(|(k, _)| k == raw)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| {
                    let keys: Vec<&str> = map.iter().map(|(k, _)| k.as_str()).collect();
                    format!(
                        "value {raw:?} for setter {} is not one of its enumValues [{}]",
                        self.name,
                        keys.join(", ")
                    )
                }),
        }
    }

    /// Check a scalar input against the declared schema (`type`, `maxLength`, `minLength`).
    pub fn validate_scalar(&self, raw: &str) -> Result<(), String> {
        let text = self.field_text(raw)?;
        if let Some(declared) = self.declared.filter(|d| *d != DeclaredType::Array) {
            super::typing::type_declared(declared, &text)
                .map_err(|e| format!("setter {}: {e}", self.name))?;
        }
        let chars = text.chars().count() as u64;
        if let Some(max) = self.max_length.filter(|m| chars > *m) {
            return Err(format!(
                "setter {}: value {text:?} is {chars} characters long, at most {max} allowed",
                self.name
            ));
        }
        if let Some(min) = self.min_length.filter(|m| chars < *m) {
            return Err(format!(
                "setter {}: value {text:?} is {chars} characters long, at least {min} required",
                self.name
            ));
        }
        Ok(())
    }
}

/// A kpt v0 substitution definition (`io.k8s.cli.substitutions.NAME`).
#[derive(Debug, Clone, PartialEq)]
pub struct SubstitutionDef {
    /// Name (the definition key's suffix).
    pub name: String,
    /// `pattern` with markers.
    pub pattern: String,
    /// `values`: (marker, referenced definition) in order.
    pub values: Vec<(String, V0Ref)>,
    /// Index of the Kptfile item that defines it.
    pub kptfile: usize,
}

/// What a v0 reference resolves to.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A setter.
    Setter(&'a SetterDef),
    /// A substitution.
    Substitution(&'a SubstitutionDef),
}

/// Why a substitution could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubstError {
    /// Substitutions that refer to each other, in order, the first repeated at the end.
    Cycle(Vec<String>),
    /// Anything else, as a message.
    Other(String),
}

/// Every kpt v0 definition among the items.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    /// Setters by name.
    pub setters: HashMap<String, SetterDef>,
    /// Substitutions by name.
    pub substitutions: HashMap<String, SubstitutionDef>,
    /// Problems found while reading definitions: (Kptfile item index, field path, message).
    pub problems: Vec<(usize, String, String)>,
}

/// Text of a stored scalar (`value: 4` and `value: "4"` both give `4`).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Definitions {
    /// Read the `openAPI.definitions` of every `Kptfile` item (`values` = each item's JSON).
    pub fn read<'a>(values: impl IntoIterator<Item = (usize, &'a Value)>) -> Definitions {
        let mut defs = Definitions::default();
        for (index, value) in values {
            if value.get("kind").and_then(Value::as_str) != Some("Kptfile") {
                continue;
            }
            let Some(map) = value
                .pointer("/openAPI/definitions")
                .and_then(Value::as_object)
            else {
                continue;
            };
            for (key, def) in map {
                if let Some(name) = key.strip_prefix(SETTER_PREFIX) {
                    defs.read_setter(index, key, name, def);
                } else if let Some(name) = key.strip_prefix(SUBSTITUTION_PREFIX) {
                    defs.read_substitution(index, key, name, def);
                }
            }
        }
        defs
    }

    /// True when no Kptfile defines anything.
    pub fn is_empty(&self) -> bool {
        self.setters.is_empty() && self.substitutions.is_empty()
    }

    fn read_setter(&mut self, index: usize, key: &str, name: &str, def: &Value) {
        let Some(setter) = def.pointer("/x-k8s-cli/setter") else {
            self.problems.push((
                index,
                format!("openAPI.definitions.{key}"),
                format!("setter definition {key} has no x-k8s-cli.setter"),
            ));
            return;
        };
        if let Some(existing) = self.setters.get_mut(name) {
            existing.kptfiles.push(index);
            return;
        }
        let type_of = |v: Option<&Value>| v.and_then(Value::as_str).and_then(DeclaredType::parse);
        let declared = type_of(def.get("type")).or_else(|| type_of(def.pointer("/x-k8s-cli/type")));
        let enum_values = setter
            .get("enumValues")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), scalar_text(v).unwrap_or_default()))
                    .collect()
            });
        let number = |k: &str| def.get(k).and_then(Value::as_u64);
        self.setters.insert(
            name.to_string(),
            SetterDef {
                name: name.to_string(),
                value: setter.get("value").and_then(scalar_text),
                list_values: setter.get("listValues").and_then(Value::as_array).cloned(),
                enum_values,
                declared,
                items_type: type_of(def.pointer("/items/type")),
                max_length: number("maxLength"),
                min_length: number("minLength"),
                max_items: number("maxItems"),
                kptfiles: vec![index],
            },
        );
    }

    fn read_substitution(&mut self, index: usize, key: &str, name: &str, def: &Value) {
        let path = format!("openAPI.definitions.{key}");
        let Some(sub) = def.pointer("/x-k8s-cli/substitution") else {
            self.problems.push((
                index,
                path,
                format!("substitution definition {key} has no x-k8s-cli.substitution"),
            ));
            return;
        };
        if self.substitutions.contains_key(name) {
            return;
        }
        let Some(pattern) = sub.get("pattern").and_then(Value::as_str) else {
            self.problems
                .push((index, path, format!("substitution {name} has no pattern")));
            return;
        };
        let mut values = Vec::new();
        for entry in sub
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let marker = entry.get("marker").and_then(Value::as_str).unwrap_or("");
            let reference = entry.get("ref").and_then(Value::as_str).unwrap_or("");
            let target = reference.strip_prefix("#/definitions/").and_then(|p| {
                p.strip_prefix(SETTER_PREFIX)
                    .map(|n| V0Ref::Setter(n.to_string()))
                    .or_else(|| {
                        p.strip_prefix(SUBSTITUTION_PREFIX)
                            .map(|n| V0Ref::Substitution(n.to_string()))
                    })
            });
            match target {
                Some(t) if !marker.is_empty() => values.push((marker.to_string(), t)),
                _ => {
                    self.problems.push((
                        index,
                        path.clone(),
                        format!(
                            "substitution {name}: value {{marker: {marker:?}, ref: {reference:?}}} needs a non-empty marker and a ref to #/definitions/{SETTER_PREFIX}NAME or {SUBSTITUTION_PREFIX}NAME"
                        ),
                    ));
                    return;
                }
            }
        }
        self.substitutions.insert(
            name.to_string(),
            SubstitutionDef {
                name: name.to_string(),
                pattern: pattern.to_string(),
                values,
                kptfile: index,
            },
        );
    }

    /// What a reference points to (a short-hand name: a setter first, then a substitution).
    pub fn resolve(&self, reference: &V0Ref) -> Option<Target<'_>> {
        match reference {
            V0Ref::Setter(n) => self.setters.get(n).map(Target::Setter),
            V0Ref::Substitution(n) => self.substitutions.get(n).map(Target::Substitution),
            V0Ref::Short(n) => self
                .setters
                .get(n)
                .map(Target::Setter)
                .or_else(|| self.substitutions.get(n).map(Target::Substitution)),
        }
    }

    /// The text a setter contributes: the given value, else the stored one, mapped through
    /// `enumValues`. `Ok(None)` when neither exists.
    pub fn setter_text(
        &self,
        setter: &SetterDef,
        given: &BTreeMap<String, String>,
    ) -> Result<Option<String>, String> {
        let raw = given
            .get(&setter.name)
            .cloned()
            .or_else(|| setter.value.clone());
        match raw {
            Some(raw) => setter.field_text(&raw).map(Some),
            None => Ok(None),
        }
    }

    /// Compute substitution `name` from all setters' values (given, else stored). Returns the
    /// text and whether any setter it depends on (transitively) was given.
    pub fn substitute(
        &self,
        name: &str,
        given: &BTreeMap<String, String>,
    ) -> Result<(String, bool), SubstError> {
        let mut stack = Vec::new();
        self.substitute_inner(name, given, &mut stack)
    }

    fn substitute_inner(
        &self,
        name: &str,
        given: &BTreeMap<String, String>,
        stack: &mut Vec<String>,
    ) -> Result<(String, bool), SubstError> {
        if let Some(start) = stack.iter().position(|n| n == name) {
            let mut cycle = stack[start..].to_vec();
            cycle.push(name.to_string());
            return Err(SubstError::Cycle(cycle));
        }
        let sub = self.substitutions.get(name).ok_or_else(|| {
            SubstError::Other(format!(
                "no definition {SUBSTITUTION_PREFIX}{name} in the Kptfile"
            ))
        })?;
        stack.push(name.to_string());
        let mut any_given = false;
        let mut values: Vec<(&str, String)> = Vec::with_capacity(sub.values.len());
        for (marker, target) in &sub.values {
            let text = match target {
                V0Ref::Substitution(inner) => {
                    let (text, given_inner) = self.substitute_inner(inner, given, stack)?;
                    any_given |= given_inner;
                    text
                }
                V0Ref::Setter(setter) | V0Ref::Short(setter) => {
                    let def = self.setters.get(setter).ok_or_else(|| {
                        SubstError::Other(format!(
                            "substitution {name}: no definition {SETTER_PREFIX}{setter} in the Kptfile"
                        ))
                    })?;
                    any_given |= given.contains_key(setter);
                    self.setter_text(def, given)
                        .map_err(SubstError::Other)?
                        .ok_or_else(|| {
                            SubstError::Other(format!(
                                "substitution {name}: setter {setter} has no value"
                            ))
                        })?
                }
            };
            values.push((marker.as_str(), text));
        }
        stack.pop();
        let text = replace_markers(&sub.pattern, &values);
        if text.len() > MAX_SUBSTITUTION_LEN {
            return Err(SubstError::Other(format!(
                "substitution {name} expands to {} bytes, more than {MAX_SUBSTITUTION_LEN}",
                text.len()
            )));
        }
        Ok((text, any_given))
    }
}

/// Replace markers in one pass, left to right, the longest marker first at each position (so a
/// value that contains a marker's text is not replaced again).
pub fn replace_markers(pattern: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    'outer: while !rest.is_empty() {
        let mut best: Option<&(&str, String)> = None;
        for entry in values {
            if !entry.0.is_empty()
                && rest.starts_with(entry.0)
                && best.is_none_or(|b| entry.0.len() > b.0.len())
            {
                best = Some(entry);
            }
        }
        if let Some((marker, value)) = best {
            out.push_str(value);
            rest = &rest[marker.len()..];
            continue 'outer;
        }
        let ch = rest.chars().next().unwrap_or_default();
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

/// What `kpt cfg set` writes into a setter's definition.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredValue {
    /// `value: "<text>"`.
    Scalar(String),
    /// `listValues: [...]` (each item as a string).
    List(Vec<String>),
}

/// Write a set value into definition `io.k8s.cli.setters.NAME` of a Kptfile's JSON: `value` (or
/// `listValues`) as strings, `setBy` removed, `isSet: true`. Returns the changed field's path with
/// its old and new value, or `None` when nothing changed.
pub fn store_in_kptfile(
    kptfile: &mut Value,
    name: &str,
    stored: &StoredValue,
) -> Option<(String, Value, Value)> {
    let key = format!("{SETTER_PREFIX}{name}");
    let setter = kptfile
        .get_mut("openAPI")?
        .get_mut("definitions")?
        .get_mut(&key)?
        .get_mut("x-k8s-cli")?
        .get_mut("setter")?
        .as_object_mut()?;
    let (field, new) = match stored {
        StoredValue::Scalar(text) => ("value", Value::String(text.clone())),
        StoredValue::List(items) => (
            "listValues",
            Value::Array(items.iter().cloned().map(Value::String).collect()),
        ),
    };
    let old = setter.get(field).cloned().unwrap_or(Value::Null);
    let changed = old != new
        || setter.get("isSet") != Some(&Value::Bool(true))
        || setter.contains_key("setBy");
    if !changed {
        return None;
    }
    set_keep_order(setter, field, new.clone());
    setter.shift_remove("setBy");
    set_keep_order(setter, "isSet", Value::Bool(true));
    Some((
        format!("openAPI.definitions.{key}.x-k8s-cli.setter.{field}"),
        old,
        new,
    ))
}

/// Set a key in place when present, else append it.
fn set_keep_order(map: &mut Map<String, Value>, key: &str, value: Value) {
    match map.get_mut(key) {
        Some(slot) => *slot = value,
        None => {
            map.insert(key.to_string(), value);
        }
    }
}

/// Text of a list item for `listValues` (stored as strings).
pub fn list_item_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Check a list input against the declared `items.type` and `maxItems`.
pub fn validate_list(setter: &SetterDef, items: &[Value]) -> Result<(), String> {
    if let Some(max) = setter.max_items.filter(|m| items.len() as u64 > *m) {
        return Err(format!(
            "setter {}: {} items given, at most {max} allowed",
            setter.name,
            items.len()
        ));
    }
    if let Some(t) = setter.items_type {
        for (i, item) in items.iter().enumerate() {
            let text = list_item_text(item);
            super::typing::type_declared(t, &text)
                .map_err(|e| format!("setter {}: item [{i}] {e}", setter.name))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kptfile(defs: Value) -> Value {
        json!({"apiVersion": "kpt.dev/v1alpha1", "kind": "Kptfile", "openAPI": {"definitions": defs}})
    }

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn setter(name: &str, value: &str) -> (String, Value) {
        (
            format!("io.k8s.cli.setters.{name}"),
            json!({"x-k8s-cli": {"setter": {"name": name, "value": value}}}),
        )
    }

    fn subst(name: &str, pattern: &str, values: &[(&str, &str)]) -> (String, Value) {
        let values: Vec<Value> = values
            .iter()
            .map(|(m, r)| json!({"marker": m, "ref": format!("#/definitions/io.k8s.cli.{r}")}))
            .collect();
        (
            format!("io.k8s.cli.substitutions.{name}"),
            json!({"x-k8s-cli": {"substitution": {"name": name, "pattern": pattern, "values": values}}}),
        )
    }

    fn defs(entries: Vec<(String, Value)>) -> Definitions {
        let map: Map<String, Value> = entries.into_iter().collect();
        let k = kptfile(Value::Object(map));
        Definitions::read([(0usize, &k)])
    }

    #[test]
    fn reads_setters_and_substitutions() {
        let d = defs(vec![
            setter("gcloud.core.project", "project-id"),
            (
                "io.k8s.cli.setters.replicas".into(),
                json!({"type": "integer", "maxLength": 3, "x-k8s-cli": {"setter": {"name": "replicas", "value": 4,
                    "enumValues": {"small": "1", "large": 50}}}}),
            ),
            (
                "io.k8s.cli.setters.args".into(),
                json!({"x-k8s-cli": {"type": "array", "setter": {"name": "args", "listValues": ["1", "2"]}}}),
            ),
            subst(
                "image",
                "IMAGE:TAG",
                &[("IMAGE", "setters.image"), ("TAG", "setters.tag")],
            ),
        ]);
        let p = &d.setters["gcloud.core.project"];
        assert_eq!(p.value.as_deref(), Some("project-id"));
        let r = &d.setters["replicas"];
        assert_eq!(r.value.as_deref(), Some("4"));
        assert_eq!(r.declared, Some(DeclaredType::Integer));
        assert_eq!(r.max_length, Some(3));
        assert_eq!(
            r.enum_values,
            Some(vec![
                ("small".into(), "1".into()),
                ("large".into(), "50".into())
            ])
        );
        let a = &d.setters["args"];
        assert!(a.is_list());
        assert_eq!(a.list_values, Some(vec![json!("1"), json!("2")]));
        let s = &d.substitutions["image"];
        assert_eq!(
            s.values,
            vec![
                ("IMAGE".to_string(), V0Ref::Setter("image".into())),
                ("TAG".to_string(), V0Ref::Setter("tag".into()))
            ]
        );
        assert!(d.problems.is_empty());
        assert!(matches!(
            d.resolve(&V0Ref::Short("image".into())),
            Some(Target::Substitution(_))
        ));
        assert!(matches!(
            d.resolve(&V0Ref::Short("args".into())),
            Some(Target::Setter(_))
        ));
        assert!(d.resolve(&V0Ref::Setter("image".into())).is_none());
    }

    #[test]
    fn enum_values_map_input() {
        let d = defs(vec![(
            "io.k8s.cli.setters.replicas".into(),
            json!({"x-k8s-cli": {"setter": {"name": "replicas", "value": "foo", "enumValues": {"foo": "bar", "baz": "biz"}}}}),
        )]);
        let r = &d.setters["replicas"];
        assert_eq!(r.field_text("baz"), Ok("biz".into()));
        assert_eq!(
            r.field_text("hello"),
            Err(
                "value \"hello\" for setter replicas is not one of its enumValues [foo, baz]"
                    .into()
            )
        );
        assert_eq!(d.setter_text(r, &given(&[])), Ok(Some("bar".into())));
    }

    #[test]
    fn substitutions_nested_given_and_stored() {
        // setters2 cmdset "nested substitution".
        let d = defs(vec![
            setter("my-image-setter", "nginx"),
            setter("my-tag-setter", "1.7.9"),
            subst(
                "my-image-subst",
                "${my-image-setter}::${my-tag-setter}",
                &[
                    ("${my-image-setter}", "setters.my-image-setter"),
                    ("${my-tag-setter}", "setters.my-tag-setter"),
                ],
            ),
            setter("my-other-setter", "nginxotherthing"),
            subst(
                "my-nested-subst",
                "something/${my-image-subst}/${my-other-setter}",
                &[
                    ("${my-image-subst}", "substitutions.my-image-subst"),
                    ("${my-other-setter}", "setters.my-other-setter"),
                ],
            ),
        ]);
        let g = given(&[("my-image-setter", "ubuntu")]);
        assert_eq!(
            d.substitute("my-nested-subst", &g),
            Ok(("something/ubuntu::1.7.9/nginxotherthing".into(), true))
        );
        assert_eq!(
            d.substitute("my-image-subst", &given(&[("unrelated", "x")])),
            Ok(("nginx::1.7.9".into(), false))
        );
    }

    #[test]
    fn substitution_cycle_is_named() {
        let d = defs(vec![
            setter("my-tag-setter", "1.7.9"),
            subst(
                "my-image-subst",
                "${my-nested-subst}::${my-tag-setter}",
                &[
                    ("${my-nested-subst}", "substitutions.my-nested-subst"),
                    ("${my-tag-setter}", "setters.my-tag-setter"),
                ],
            ),
            subst(
                "my-nested-subst",
                "something/${my-image-subst}",
                &[("${my-image-subst}", "substitutions.my-image-subst")],
            ),
        ]);
        assert_eq!(
            d.substitute("my-nested-subst", &given(&[])),
            Err(SubstError::Cycle(vec![
                "my-nested-subst".into(),
                "my-image-subst".into(),
                "my-nested-subst".into()
            ]))
        );
    }

    #[test]
    fn substitution_missing_parts() {
        let d = defs(vec![
            setter("a", "1"),
            subst("s", "A-B", &[("A", "setters.a"), ("B", "setters.b")]),
            subst("t", "X", &[("X", "substitutions.nope")]),
        ]);
        assert_eq!(
            d.substitute("s", &given(&[])),
            Err(SubstError::Other(
                "substitution s: no definition io.k8s.cli.setters.b in the Kptfile".into()
            ))
        );
        assert_eq!(
            d.substitute("t", &given(&[])),
            Err(SubstError::Other(
                "no definition io.k8s.cli.substitutions.nope in the Kptfile".into()
            ))
        );
    }

    #[test]
    fn substitution_expansion_is_bounded() {
        let mut entries = vec![setter("a", &"x".repeat(1024))];
        entries.push(subst("s0", "AA", &[("A", "setters.a")]));
        for i in 1..12 {
            entries.push(subst(
                &format!("s{i}"),
                "BB",
                &[("B", &format!("substitutions.s{}", i - 1))],
            ));
        }
        let d = defs(entries);
        assert_eq!(
            d.substitute("s9", &given(&[])).map(|(t, _)| t.len()),
            Ok(1 << 20)
        );
        assert_eq!(
            d.substitute("s11", &given(&[])),
            Err(SubstError::Other(
                "substitution s10 expands to 2097152 bytes, more than 1048576".into()
            ))
        );
    }

    #[test]
    fn markers_replaced_once() {
        let values = [("IMAGE", "TAG".to_string()), ("TAG", "1.0".to_string())];
        assert_eq!(replace_markers("IMAGE:TAG", &values), "TAG:1.0");
        let overlap = [("${a}", "x".to_string()), ("${a}b", "y".to_string())];
        assert_eq!(replace_markers("${a}b-${a}", &overlap), "y-x");
        assert_eq!(replace_markers("é${a}", &overlap), "éx");
    }

    #[test]
    fn store_like_kpt_cfg_set() {
        // TestSetOpenAPI "set-annotation-quoted": an int value becomes a string, isSet appended.
        let mut k = kptfile(
            json!({"io.k8s.cli.setters.replicas": {"x-k8s-cli": {"setter": {
            "name": "replicas", "value": 4, "setBy": "me"}}, "description": "d"}}),
        );
        let changed = store_in_kptfile(&mut k, "replicas", &StoredValue::Scalar("3".into()));
        assert_eq!(
            changed,
            Some((
                "openAPI.definitions.io.k8s.cli.setters.replicas.x-k8s-cli.setter.value".into(),
                json!(4),
                json!("3")
            ))
        );
        assert_eq!(
            k.pointer("/openAPI/definitions/io.k8s.cli.setters.replicas")
                .unwrap()
                .to_string(),
            r#"{"x-k8s-cli":{"setter":{"name":"replicas","value":"3","isSet":true}},"description":"d"}"#
        );
        // Second time: nothing to do.
        assert_eq!(
            store_in_kptfile(&mut k, "replicas", &StoredValue::Scalar("3".into())),
            None
        );
        let mut l = kptfile(
            json!({"io.k8s.cli.setters.args": {"type": "array", "x-k8s-cli": {"setter": {
            "name": "args", "listValues": ["1"], "required": true}}}}),
        );
        store_in_kptfile(
            &mut l,
            "args",
            &StoredValue::List(vec!["2".into(), "3".into()]),
        );
        assert_eq!(
            l.pointer("/openAPI/definitions/io.k8s.cli.setters.args/x-k8s-cli/setter")
                .unwrap()
                .to_string(),
            r#"{"name":"args","listValues":["2","3"],"required":true,"isSet":true}"#
        );
        assert_eq!(
            store_in_kptfile(&mut l, "nope", &StoredValue::Scalar("x".into())),
            None
        );
    }

    #[test]
    fn validation() {
        let d = defs(vec![
            (
                "io.k8s.cli.setters.replicas".into(),
                json!({"type": "number", "x-k8s-cli": {"setter": {"name": "replicas", "value": "3"}}}),
            ),
            (
                "io.k8s.cli.setters.name".into(),
                json!({"type": "string", "maxLength": 5, "x-k8s-cli": {"setter": {"name": "name", "value": "nginx"}}}),
            ),
            (
                "io.k8s.cli.setters.tag".into(),
                json!({"type": "string", "minLength": 6, "x-k8s-cli": {"setter": {"name": "tag", "value": "1.7.9"}}}),
            ),
            (
                "io.k8s.cli.setters.list".into(),
                json!({"type": "array", "maxItems": 2, "items": {"type": "integer"}, "x-k8s-cli": {"setter": {"name": "list", "listValues": [0]}}}),
            ),
        ]);
        assert_eq!(
            d.setters["replicas"].validate_scalar("four"),
            Err("setter replicas: value \"four\" is not of the declared type number (it reads as string)".into())
        );
        assert_eq!(d.setters["replicas"].validate_scalar("4"), Ok(()));
        assert_eq!(
            d.setters["name"].validate_scalar("wordpress"),
            Err("setter name: value \"wordpress\" is 9 characters long, at most 5 allowed".into())
        );
        assert_eq!(
            d.setters["tag"].validate_scalar("1.8.1"),
            Err("setter tag: value \"1.8.1\" is 5 characters long, at least 6 required".into())
        );
        let list = &d.setters["list"];
        assert_eq!(
            validate_list(list, &[json!(10), json!("hi"), json!(true)]),
            Err("setter list: 3 items given, at most 2 allowed".into())
        );
        assert_eq!(
            validate_list(list, &[json!(10), json!("hi")]),
            Err("setter list: item [1] value \"hi\" is not of the declared type integer (it reads as string)".into())
        );
        assert_eq!(validate_list(list, &[json!(10), json!("11")]), Ok(()));
    }
}
