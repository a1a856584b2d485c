//! Comment setters: kpt v1 `# kpt-set: ${x}` and kpt v0 `$kpt-set`/`$ref` with Kptfile definitions.
//!
//! The stage finds each read item's setter comments from its document's sorted comment list
//! (`found.rs`; items whose view was changed are walked over it), computes new values with
//! type-preserving rules, and writes them into the item's JSON view; the writer syncs the text.
//! Nothing is changed when any error is found.
//!
//! kpt v1: a field is set when at least one of its pattern's setters is given; missing ones are
//! read off the current value. kpt v0, like `kpt cfg set`: a field changes only when its setter,
//! or a setter its substitution depends on, is given; the substitution's other setters take the
//! Kptfile's stored values; a given v0 setter is stored back into the Kptfile (`value`,
//! `isSet: true`). Without any Kptfile definition, a v0
//! comment acts like `${name}`. A kpt v1 Kptfile whose pipeline runs apply-setters gives its
//! package's items that function's values, under the functionConfig's own
//! ([`kptfile_pipeline`]).

pub mod comment;
pub mod defs;
mod found;
pub mod kptfile_pipeline;
pub mod names;
pub mod pattern;
pub mod typing;

use crate::config::{SetterResults, Settings};
use crate::krm::{Item, KrmResult};
use crate::yaml::{Document, NodeId, NodeKind};
pub use names::names_in_use;

use comment::{SetterComment, V0Ref, SETTER_PREFIX, SUBSTITUTION_PREFIX};
use defs::{Definitions, StoredValue, SubstError, Target};
use pattern::{list_names, DeriveError, Pattern};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use typing::{type_declared, type_for_field, type_list, DeclaredType, Typed};

/// One step of a path into an item's JSON: a mapping key (by its key node in the item's
/// document, so walking allocates nothing) or a sequence index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg {
    Key(NodeId),
    Index(usize),
}

/// The text of a key node.
fn key_text(doc: &Document, key: NodeId) -> &str {
    doc.scalar(key).unwrap_or("")
}

/// `spec.template.spec.containers[0].image`.
fn path_string(doc: &Document, path: &[Seg]) -> String {
    let mut out = String::with_capacity(64);
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key_text(doc, *k));
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

fn lookup_mut<'v>(doc: &Document, root: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    path.iter().try_fold(root, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(key_text(doc, *k)),
        Seg::Index(i) => v.get_mut(*i),
    })
}

/// A field that carries a setter comment (borrowed while the walk is at it).
struct Field<'f> {
    item: usize,
    path: &'f [Seg],
    comment: &'f SetterComment,
    /// The comment for results ([`SetterComment`]'s `Display`), written once per comment.
    label: &'f str,
}

/// A change made during the walk (undone when the stage finds any error).
struct Change {
    item: usize,
    path: Vec<Seg>,
    old: Value,
    new: Value,
    comment: String,
}

/// Where a setter without a value was seen, and how often.
struct Unresolved {
    item: usize,
    path: Vec<Seg>,
    count: usize,
}

/// Parse a setter value as a YAML sequence (flow `[a, b]` or block `- a`); empty text is `[]`.
fn parse_sequence(raw: &str) -> Option<Vec<Value>> {
    if raw.trim().is_empty() {
        return Some(Vec::new());
    }
    let doc = Document::parse(raw).ok()?;
    let [root] = doc.roots() else {
        return None;
    };
    if !matches!(doc.node(*root).kind, NodeKind::Sequence { .. }) {
        return None;
    }
    match doc.to_json(*root).ok()? {
        Value::Array(items) => Some(items),
        _ => None,
    }
}

/// Where a pending result points.
enum At {
    /// A field of an item, by path.
    Field(Vec<Seg>),
    /// A field of an item, as text (Kptfile definitions).
    Text(String),
}

/// A warning or error, turned into a result once the items can be read again.
struct Pending {
    item: usize,
    at: At,
    message: String,
}

impl Pending {
    fn result(self, base: KrmResult, items: &[Item]) -> KrmResult {
        let item = &items[self.item];
        let path = match self.at {
            At::Field(path) => field_path(item, &path),
            At::Text(path) => path,
        };
        let mut result = base.for_item(item).at_field(path, None, None);
        result.message = self.message;
        result
    }
}

struct Stage {
    values: BTreeMap<String, String>,
    defs: Definitions,
    /// v0 setters whose given value failed validation (reported once, fields skipped).
    invalid: HashSet<String>,
    changes: Vec<Change>,
    /// New values of fields of an item walked without its JSON view: (path, value).
    writes: Vec<(Vec<Seg>, Value)>,
    errors: Vec<Pending>,
    warnings: Vec<Pending>,
    /// Given names some comment used.
    used: HashSet<String>,
    unresolved: BTreeMap<String, Unresolved>,
    /// Error keys already reported (cycles are reported once).
    reported: HashSet<String>,
    /// Items the private-GKE stage owns (it writes its own settings into them).
    owned: HashSet<usize>,
    /// Every distinct comment text, parsed once.
    comments: found::CommentCache,
}

/// The end of the line holding byte `pos` (before its line break: `\n`, `\r\n` or a lone `\r`).
fn line_end(doc: &Document, pos: usize) -> usize {
    let src = doc.source();
    let pos = pos.min(src.len());
    src.as_bytes()[pos..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(src.len(), |i| pos + i)
}

/// Whether any comment starts inside `range`.
fn has_comment(doc: &Document, range: std::ops::Range<usize>) -> bool {
    let comments = doc.comments();
    let i = comments.partition_point(|c| c.start < range.start);
    comments.get(i).is_some_and(|c| c.start < range.end)
}

/// A field path of a read item as text (setter comments only exist in read items).
fn field_path(item: &Item, path: &[Seg]) -> String {
    item.origin
        .as_ref()
        .map(|o| path_string(&o.doc, path))
        .unwrap_or_default()
}

impl Stage {
    fn error_at(&mut self, field: &Field, message: String) {
        self.error_at_path(field.item, field.path, message);
    }

    fn error_at_path(&mut self, item: usize, path: &[Seg], message: String) {
        self.errors.push(Pending {
            item,
            at: At::Field(path.to_vec()),
            message,
        });
    }

    fn warn_at(&mut self, field: &Field, message: String) {
        self.warnings.push(Pending {
            item: field.item,
            at: At::Field(field.path.to_vec()),
            message,
        });
    }

    fn kptfile_error(&mut self, item: usize, path: String, message: String) {
        self.errors.push(Pending {
            item,
            at: At::Text(path),
            message,
        });
    }

    fn unresolved(&mut self, name: &str, field: &Field) {
        // The private-GKE stage writes its own settings into the resources it owns, given or not.
        if crate::config::is_setting_key(name) && self.owned.contains(&field.item) {
            return;
        }
        match self.unresolved.get_mut(name) {
            Some(u) => u.count += 1,
            None => {
                let first = Unresolved {
                    item: field.item,
                    path: field.path.to_vec(),
                    count: 1,
                };
                self.unresolved.insert(name.to_string(), first);
            }
        }
    }

    fn mark_used(&mut self, name: &str) {
        if !self.used.contains(name) {
            self.used.insert(name.to_string());
        }
    }

    /// Walk the children of a mapping or sequence node. `from` is where the text that can hold
    /// comments for the first child begins; a child with no comment between the previous child
    /// and the end of its own last line is skipped (it can hold no setter comment).
    fn walk(
        &mut self,
        doc: &Document,
        node: NodeId,
        item: usize,
        path: &mut Vec<Seg>,
        from: usize,
        mut json: Option<&mut Value>,
    ) {
        let mut prev_end = from;
        match &doc.node(node).kind {
            NodeKind::Mapping { entries, .. } => {
                for &(key, value) in entries {
                    let region = prev_end..line_end(doc, doc.node(value).span().end);
                    prev_end = region.end;
                    match doc.scalar(key) {
                        Some(text) if text != "<<" => {}
                        _ => continue,
                    }
                    if !has_comment(doc, region.clone()) {
                        continue;
                    }
                    let child = match json.as_deref_mut() {
                        Some(json) => match json.get_mut(key_text(doc, key)) {
                            Some(child) => Some(child),
                            None => continue,
                        },
                        None => None,
                    };
                    path.push(Seg::Key(key));
                    self.visit(doc, (key, value), item, path, region.start, child);
                    path.pop();
                }
            }
            NodeKind::Sequence { items, .. } => {
                for (i, &child) in items.iter().enumerate() {
                    let region = prev_end..line_end(doc, doc.node(child).span().end);
                    prev_end = region.end;
                    if !has_comment(doc, region.clone()) {
                        continue;
                    }
                    let child_json = match json.as_deref_mut() {
                        Some(json) => match json.get_mut(i) {
                            Some(child) => Some(child),
                            None => continue,
                        },
                        None => None,
                    };
                    path.push(Seg::Index(i));
                    self.visit(doc, (child, child), item, path, region.start, child_json);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// A value node with its JSON view `old` (`None`: read off the node, and a change goes to
    /// `writes`); `head` is its key, or the node itself for sequence items.
    fn visit(
        &mut self,
        doc: &Document,
        (head, value): (NodeId, NodeId),
        item: usize,
        path: &mut Vec<Seg>,
        from: usize,
        old: Option<&mut Value>,
    ) {
        let node = doc.node(value);
        let is_sequence = match &node.kind {
            NodeKind::Alias { .. } => return,
            NodeKind::Mapping { .. } => return self.walk(doc, value, item, path, from, old),
            NodeKind::Sequence { .. } => true,
            NodeKind::Scalar { .. } => false,
        };
        let setter = match self.comments.of(doc, head, value) {
            Ok(Some(setter)) => setter,
            Ok(None) => {
                if is_sequence {
                    self.walk(doc, value, item, path, from, old);
                }
                return;
            }
            Err(message) => return self.error_at_path(item, path, message),
        };
        self.apply(doc, value, item, path, &setter, old);
    }

    /// A field found next to a setter comment ([`Stage::visit_commented`]): applied when it
    /// carries one; a change goes to `writes`. True when it carries one, or a broken one.
    fn visit_field(
        &mut self,
        doc: &Document,
        (head, value): (NodeId, NodeId),
        item: usize,
        path: &[Seg],
    ) -> bool {
        if matches!(
            doc.node(value).kind,
            NodeKind::Alias { .. } | NodeKind::Mapping { .. }
        ) {
            return false;
        }
        match self.comments.of(doc, head, value) {
            Ok(Some(setter)) => self.apply(doc, value, item, path, &setter, None),
            Ok(None) => return false,
            Err(message) => self.error_at_path(item, path, message),
        }
        true
    }

    /// Apply `setter` to scalar or sequence node `value` with its JSON view `old` (`None`: read
    /// off the node, and a change goes to `writes`).
    fn apply(
        &mut self,
        doc: &Document,
        value: NodeId,
        item: usize,
        path: &[Seg],
        setter: &found::Setter,
        old: Option<&mut Value>,
    ) {
        let node = doc.node(value);
        let is_sequence = matches!(node.kind, NodeKind::Sequence { .. });
        let field = Field {
            item,
            path,
            comment: &setter.comment,
            label: &setter.label,
        };
        if let Some(anchor) = doc.anchor(value) {
            let message = format!(
                "setter comment {}: the field has anchor &{anchor}, whose aliases would change too; not set",
                field.comment
            );
            return self.warn_at(&field, message);
        }
        if self.none_given(&field, setter.effective(), is_sequence) {
            return;
        }
        let mut built;
        let built_here = old.is_none();
        let old = match old {
            Some(old) => old,
            None => {
                built = doc.to_json(value).unwrap_or(Value::Null);
                &mut built
            }
        };
        let changes = self.changes.len();
        if is_sequence {
            self.sequence(&field, old, setter.effective());
        } else {
            let text = doc.scalar_of(node).unwrap_or("");
            self.scalar(&field, old, text, setter.effective());
        }
        if built_here && self.changes.len() > changes {
            self.writes.push((path.to_vec(), old.clone()));
        }
    }

    /// For a kpt v1 comment none of whose setters is given: count them as unresolved, as
    /// [`Stage::scalar`] and [`Stage::sequence`] would, and say so (the field's view is not
    /// needed).
    fn none_given(&mut self, field: &Field, comment: &SetterComment, is_sequence: bool) -> bool {
        let SetterComment::V1(p) = comment else {
            return false;
        };
        if is_sequence && p.single_setter().is_none() {
            return false;
        }
        let setters = p.segments.iter().filter_map(|s| match s {
            pattern::Segment::Setter(name) => Some(name.as_str()),
            pattern::Segment::Literal(_) => None,
        });
        if setters.clone().any(|n| self.values.contains_key(n)) {
            return false;
        }
        for name in p.names() {
            self.unresolved(name, field);
        }
        true
    }

    /// `comment`: the one to apply ([`found::Setter::effective`]).
    fn scalar(&mut self, field: &Field, old: &mut Value, text: &str, comment: &SetterComment) {
        match comment {
            SetterComment::V1(p) => {
                // An empty field (`env: # kpt-set: ${env}`) given a YAML sequence becomes a list.
                if let (Value::Null, Some(name)) = (&*old, p.single_setter()) {
                    if let Some(raw) = self.values.get(name).filter(|r| looks_like_sequence(r)) {
                        let raw = raw.clone();
                        self.mark_used(name);
                        return self.set_list(field, old, name, &raw, None);
                    }
                }
                self.v1_scalar(field, old, text, p)
            }
            SetterComment::V0(r, _) => self.v0_scalar(field, old, r),
        }
    }

    fn v1_scalar(&mut self, field: &Field, old: &mut Value, text: &str, p: &Pattern) {
        let names = p.names();
        let (provided, missing): (Vec<&str>, Vec<&str>) =
            names.iter().partition(|n| self.values.contains_key(**n));
        if provided.is_empty() {
            for name in names {
                self.unresolved(name, field);
            }
            return;
        }
        for name in &provided {
            self.mark_used(name);
        }
        let derived = if missing.is_empty() {
            BTreeMap::new()
        } else {
            match p.derive(text, &missing) {
                Ok(d) => d,
                Err(e) => {
                    let why = match e {
                        DeriveError::NoMatch => "does not match the pattern",
                        DeriveError::Ambiguous => "matches the pattern in more than one way",
                    };
                    let message = format!(
                        "setter comment {}: values for setters {} must be provided (the current value {text:?} {why})",
                        field.comment,
                        list_names(&missing)
                    );
                    return self.error_at(field, message);
                }
            }
        };
        let new_text = p.render(|n| self.values.get(n).or_else(|| derived.get(n)).cloned());
        self.set_scalar(field, old, &new_text, None);
    }

    /// A reference to a definition no Kptfile has: an error when its setter is given; otherwise
    /// the field is left alone in silence, as `kpt cfg set` only reads the setters it sets (the
    /// blueprint's `instance/settings.yaml` refers to a `private` setter no Kptfile defines).
    fn missing_definition(&mut self, field: &Field, reference: &V0Ref) {
        let name = match reference {
            V0Ref::Setter(n) | V0Ref::Substitution(n) | V0Ref::Short(n) => n,
        };
        if !self.values.contains_key(name.as_str()) {
            return;
        }
        let what = match reference {
            V0Ref::Setter(n) => format!("no definition {SETTER_PREFIX}{n}"),
            V0Ref::Substitution(n) => format!("no definition {SUBSTITUTION_PREFIX}{n}"),
            V0Ref::Short(n) => format!("no setter or substitution {n}"),
        };
        let message = format!("setter comment {}: {what} in the Kptfile", field.comment);
        self.error_at(field, message);
    }

    fn v0_scalar(&mut self, field: &Field, old: &mut Value, reference: &V0Ref) {
        let text = match self.defs.resolve(reference) {
            None => return self.missing_definition(field, reference),
            Some(Target::Setter(def)) => {
                // Like `kpt cfg set`: only a given setter changes its fields.
                let given = self.values.get(&def.name);
                let Some(raw) = given else {
                    return;
                };
                if self.invalid.contains(&def.name) {
                    return;
                }
                if def.is_list() {
                    let message = format!(
                        "setter comment {}: list setter {} is on a scalar field",
                        field.comment, def.name
                    );
                    return self.error_at(field, message);
                }
                let declared = def.declared;
                let kptfile = def.kptfiles[0];
                let name = def.name.clone();
                match def.field_text(raw) {
                    Ok(text) => return self.set_scalar(field, old, &text, declared),
                    // A given value was checked before the walk; a stored one is reported here, once.
                    Err(message) => {
                        if given.is_none() && self.reported.insert(format!("stored {name}")) {
                            self.invalid.insert(name.clone());
                            let path = format!("openAPI.definitions.{SETTER_PREFIX}{name}");
                            self.kptfile_error(kptfile, path, message);
                        }
                        return;
                    }
                }
            }
            Some(Target::Substitution(sub)) => {
                match self.defs.substitute(&sub.name, &self.values) {
                    // Recomputed only when a setter it depends on is given; the others take
                    // their Kptfile values, as with `kpt cfg set`.
                    Ok((text, true)) => text,
                    Ok((_, false)) => return,
                    Err(SubstError::Cycle(cycle)) => {
                        let mut key: Vec<&String> = cycle.iter().collect();
                        key.sort();
                        key.dedup();
                        let key = format!("cycle {key:?}");
                        if self.reported.insert(key) {
                            let message = format!(
                                "setter comment {}: substitution cycle {}",
                                field.comment,
                                cycle.join(" -> ")
                            );
                            self.error_at(field, message);
                        }
                        return;
                    }
                    Err(SubstError::Other(m)) => {
                        let message = format!("setter comment {}: {m}", field.comment);
                        return self.error_at(field, message);
                    }
                }
            }
        };
        self.set_scalar(field, old, &text, None);
    }

    /// Type `text` for the field and record the change.
    fn set_scalar(
        &mut self,
        field: &Field,
        old: &mut Value,
        text: &str,
        declared: Option<DeclaredType>,
    ) {
        let new = match declared.filter(|d| *d != DeclaredType::Array) {
            Some(d) => match type_declared(d, text) {
                Ok(v) => v,
                Err(e) => {
                    let message = format!("setter comment {}: {e}", field.comment);
                    return self.error_at(field, message);
                }
            },
            None => match type_for_field(&*old, text) {
                Typed::Fits(v) => v,
                Typed::Mismatch {
                    value,
                    old_type,
                    new_type,
                } => {
                    let message = format!(
                        "setter comment {}: the field held {} {old_type}, the new value {text:?} reads as {} {new_type}; written as a string",
                        field.comment,
                        article(old_type),
                        article(new_type)
                    );
                    self.warn_at(field, message);
                    value
                }
            },
        };
        self.record(field, old, new);
    }

    /// Write `new` into the field (recorded, so that an error anywhere can undo it).
    fn record(&mut self, field: &Field, old: &mut Value, new: Value) {
        if *old != new {
            let previous = std::mem::replace(old, new.clone());
            self.changes.push(Change {
                item: field.item,
                path: field.path.to_vec(),
                old: previous,
                new,
                comment: field.label.to_string(),
            });
        }
    }

    /// `comment`: the one to apply ([`found::Setter::effective`]).
    fn sequence(&mut self, field: &Field, old: &mut Value, comment: &SetterComment) {
        match comment {
            SetterComment::V1(p) => {
                let Some(name) = p.single_setter() else {
                    let message = format!(
                        "setter comment {}: invalid setter pattern for array node: {:?}",
                        field.comment, p.text
                    );
                    return self.error_at(field, message);
                };
                match self.values.get(name).cloned() {
                    Some(raw) => {
                        self.mark_used(name);
                        self.set_list(field, old, name, &raw, None);
                    }
                    None => self.unresolved(name, field),
                }
            }
            SetterComment::V0(reference, _) => match self.defs.resolve(reference) {
                None => self.missing_definition(field, reference),
                Some(Target::Substitution(sub)) => {
                    let message = format!(
                        "setter comment {}: substitution {} is on a list field",
                        field.comment, sub.name
                    );
                    self.error_at(field, message);
                }
                Some(Target::Setter(def)) => {
                    if self.invalid.contains(&def.name) {
                        return;
                    }
                    let (name, items_type) = (def.name.clone(), def.items_type);
                    // Like `kpt cfg set`: only a given setter changes its fields.
                    if let Some(raw) = self.values.get(&def.name).cloned() {
                        self.set_list(field, old, &name, &raw, items_type);
                    }
                }
            },
        }
    }

    fn set_list(
        &mut self,
        field: &Field,
        old: &mut Value,
        name: &str,
        raw: &str,
        items_type: Option<DeclaredType>,
    ) {
        let Some(items) = parse_sequence(raw) else {
            let message = format!(
                "setter comment {}: input to array setter must be an array of values, setter {name} has {raw:?}",
                field.comment
            );
            return self.error_at(field, message);
        };
        self.set_items(field, old, items, items_type);
    }

    /// Type new list items for the field and record the change.
    fn set_items(
        &mut self,
        field: &Field,
        old: &mut Value,
        items: Vec<Value>,
        items_type: Option<DeclaredType>,
    ) {
        let (typed, mismatches) = match type_list(&*old, items, items_type) {
            Ok(t) => t,
            Err(e) => {
                let message = format!("setter comment {}: {e}", field.comment);
                return self.error_at(field, message);
            }
        };
        for (i, old_type, new_type) in mismatches {
            let message = format!(
                "setter comment {}: the list held {} items, new item [{i}] reads as {} {new_type}; written as a string",
                field.comment,
                old_type,
                article(new_type)
            );
            self.warn_at(field, message);
        }
        self.record(field, old, Value::Array(typed));
    }

    /// Validate given values of v0 setters; the valid ones are stored back into their Kptfiles.
    fn v0_given(&mut self) -> Vec<(usize, String, StoredValue)> {
        let mut stores = Vec::new();
        let given: Vec<(String, String)> = self
            .values
            .iter()
            .filter(|(k, _)| self.defs.setters.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (name, raw) in given {
            let def = &self.defs.setters[&name];
            let first = def.kptfiles[0];
            let def_path = format!("openAPI.definitions.{SETTER_PREFIX}{name}");
            let stored = if def.is_list() {
                match parse_sequence(&raw) {
                    None => Err(format!(
                        "input to array setter must be an array of values, setter {name} has {raw:?}"
                    )),
                    Some(items) => defs::validate_list(def, &items).map(|_| {
                        StoredValue::List(items.iter().map(defs::list_item_text).collect())
                    }),
                }
            } else {
                def.validate_scalar(&raw)
                    .map(|_| StoredValue::Scalar(raw.clone()))
            };
            match stored {
                Ok(stored) => {
                    for &k in &def.kptfiles {
                        stores.push((k, name.clone(), stored.clone()));
                    }
                    self.used.insert(name);
                }
                Err(message) => {
                    self.invalid.insert(name.clone());
                    self.used.insert(name);
                    self.kptfile_error(first, def_path, message);
                }
            }
        }
        stores
    }
}

/// A value written as a YAML sequence: `[...]`, or block items (`- x`).
fn looks_like_sequence(raw: &str) -> bool {
    let t = raw.trim_start();
    (t.starts_with('[') && t.trim_end().ends_with(']'))
        || t.starts_with("- ")
        || t.starts_with("-\n")
        || t == "-"
}

fn article(type_name: &str) -> &'static str {
    match type_name.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => "an",
        _ => "a",
    }
}

/// Under kustomize (items without comments): one warning naming the given setter values no
/// setter comment can take, or `None` when every given value is one private-gke applies itself.
fn kustomize_warning(settings: &Settings, unmatched: &[&String]) -> Option<KrmResult> {
    let partial: Vec<&str> = ["name", "location"]
        .into_iter()
        .filter(|k| settings.given.get(*k).is_some_and(|v| !v.trim().is_empty()))
        .collect();
    if unmatched.is_empty() && partial.is_empty() {
        return None;
    }
    let mut what = Vec::new();
    if !unmatched.is_empty() {
        let names: Vec<&str> = unmatched.iter().map(|n| n.as_str()).collect();
        what.push(format!("{} set nothing", names.join(", ")));
    }
    if !partial.is_empty() {
        let verb = if partial.len() == 1 {
            "applies"
        } else {
            "apply"
        };
        what.push(format!(
            "{} {verb} only to the fields private-gke writes itself (the generated resources, \
             the cluster's network refs and location), not to the cluster's name nor other \
             fields with setter comments",
            partial.join(" and ")
        ));
    }
    Some(KrmResult::warning(format!(
        "kustomize hands transformers items without comments, so no setter comment applies: {}. \
         Set setter values in the files before the build (private-gke --set KEY=VALUE DIR, \
         kpt fn eval or kpt fn render)",
        what.join("; ")
    )))
}

/// Stage 3: apply every setter comment in every item's text to the item's JSON view.
pub fn run(settings: &Settings, items: &mut [Item], results: &mut Vec<KrmResult>) {
    let values = settings.setter_values();
    let kptfiles: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].kind() == "Kptfile")
        .collect();
    let defs = Definitions::read(kptfiles.iter().map(|&i| (i, items[i].value())));
    let defs_empty = defs.is_empty();
    let mut stage = Stage {
        values,
        defs,
        invalid: HashSet::new(),
        changes: Vec::new(),
        writes: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        used: HashSet::new(),
        unresolved: BTreeMap::new(),
        reported: HashSet::new(),
        comments: found::CommentCache::new(defs_empty),
        owned: items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.annotation(crate::gke::OWNED).is_some())
            .map(|(i, _)| i)
            .collect(),
    };
    for (item, path, message) in std::mem::take(&mut stage.defs.problems) {
        stage.kptfile_error(item, path, message);
    }
    let stores = stage.v0_given();
    let pipeline = kptfile_pipeline::PipelineValues::read_kptfiles(items, &kptfiles);
    for (item, path, message) in &pipeline.problems {
        stage.warnings.push(Pending {
            item: *item,
            at: At::Text(path.clone()),
            message: message.clone(),
        });
    }
    let mut per_item = pipeline.per_item(items, &stage.values).into_iter();
    let given = stage.values.clone();
    for (index, item) in items.iter_mut().enumerate() {
        let values = per_item.next().flatten();
        let Some(origin) = &item.origin else {
            continue;
        };
        let (doc, node) = (origin.doc.clone(), origin.node);
        let scoped = values.is_some();
        if let Some(values) = values {
            stage.values = values;
        }
        // An item as read is walked over its text; only the fields that change reach its view.
        if item.reads_as_origin() && doc.duplicate_keys().is_empty() {
            stage.visit_commented(&doc, node, index);
            for (path, value) in std::mem::take(&mut stage.writes) {
                if let Some(slot) = lookup_mut(&doc, item.value_mut(), &path) {
                    *slot = value;
                }
            }
        } else {
            stage.walk(
                &doc,
                node,
                index,
                &mut Vec::new(),
                0,
                Some(item.value_mut()),
            );
        }
        if scoped {
            stage.values.clone_from(&given);
        }
    }
    let Stage {
        values,
        changes,
        errors,
        warnings,
        used,
        unresolved,
        ..
    } = stage;

    if !errors.is_empty() {
        // Nothing is written: undo the walk's changes, newest first.
        for change in changes.iter().rev() {
            let item = &mut items[change.item];
            let Some(doc) = item.origin.as_ref().map(|o| o.doc.clone()) else {
                continue;
            };
            if let Some(slot) = lookup_mut(&doc, item.value_mut(), &change.path) {
                *slot = change.old.clone();
            }
        }
    }
    let mut warnings: Vec<KrmResult> = warnings
        .into_iter()
        .map(|w| w.result(KrmResult::warning(String::new()), items))
        .collect();
    for (name, u) in &unresolved {
        let item = &items[u.item];
        warnings.push(
            KrmResult::warning(format!(
                "no value for setter ${{{name}}}: {} field(s) that use it left as they are",
                u.count
            ))
            .for_item(item)
            .at_field(field_path(item, &u.path), None, None),
        );
    }
    let mut unmatched: Vec<&String> = settings
        .given
        .keys()
        .filter(|k| !crate::config::is_setting_key(k) && !used.contains(*k))
        .collect();
    unmatched.sort();
    if crate::from_kustomize(items) {
        if let Some(warning) = kustomize_warning(settings, &unmatched) {
            warnings.push(warning);
        }
    } else {
        for name in unmatched {
            let option = crate::config::option_key(name)
                .map(|o| format!(" (the function's option is {o})"))
                .unwrap_or_default();
            warnings.push(KrmResult::warning(format!(
                "setter {name:?} was given but no setter comment or Kptfile definition uses it{option}"
            )));
        }
    }

    if !errors.is_empty() {
        let count = errors.len();
        results.extend(
            errors
                .into_iter()
                .map(|e| e.result(KrmResult::error(String::new()), items)),
        );
        results.extend(warnings);
        results.push(KrmResult::info(format!(
            "setters: nothing changed because of {count} error(s)"
        )));
        return;
    }

    let mut infos = Vec::with_capacity(changes.len() + stores.len());
    let mut resources: BTreeSet<usize> = changes.iter().map(|c| c.item).collect();
    let fields = changes.len();
    let changes = if settings.setter_results == SetterResults::Summary {
        infos.extend(summaries(changes, items));
        Vec::new()
    } else {
        changes
    };
    // Results name each resource as it is after the stage (one template per resource).
    let mut template: Option<(usize, KrmResult)> = None;
    // One message per distinct setter comment, cloned for each field it changed.
    let mut messages: HashMap<String, String> = HashMap::new();
    for change in changes {
        resources.insert(change.item);
        let item = &items[change.item];
        let base = match &template {
            Some((index, base)) if *index == change.item => base.clone(),
            _ => {
                let base = KrmResult::info(String::new()).for_item(item);
                template = Some((change.item, base.clone()));
                base
            }
        };
        let mut info = base.at_field(
            field_path(item, &change.path),
            Some(change.old),
            Some(change.new),
        );
        info.message = match messages.get(&change.comment) {
            Some(message) => message.clone(),
            None => {
                let message = format!("set by setter comment {}", change.comment);
                messages.insert(change.comment, message.clone());
                message
            }
        };
        infos.push(info);
    }
    let mut definitions = 0;
    for (index, name, stored) in stores {
        if let Some((path, old, new)) =
            defs::store_in_kptfile(items[index].value_mut(), &name, &stored)
        {
            definitions += 1;
            infos.push(
                KrmResult::info(format!("stored the value of setter {name} (isSet: true)"))
                    .for_item(&items[index])
                    .at_field(path, Some(old), Some(new)),
            );
        }
    }
    results.extend(infos);
    results.extend(warnings);
    let names: BTreeSet<&str> = values
        .keys()
        .map(String::as_str)
        .chain(pipeline.names())
        .filter(|k| used.contains(*k))
        .collect();
    let names: Vec<&str> = names.into_iter().collect();
    results.push(KrmResult::info(format!(
        "setters: {fields} field(s) changed in {} resource(s), {definitions} Kptfile setter definition(s) updated; setters used: [{}]",
        resources.len(),
        names.join(", ")
    )));
}

/// Fields a summary names by path.
const SUMMARY_FIELDS: usize = 3;

/// One info result per setter comment (`private-gke.setter-results: summary`): a comment that
/// changed one field gives the same result as the full list; one that changed more says how
/// many fields in how many resources and names the first few, located at the first of them.
fn summaries(changes: Vec<Change>, items: &[Item]) -> Vec<KrmResult> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<Change>> = HashMap::new();
    for change in changes {
        if !groups.contains_key(&change.comment) {
            order.push(change.comment.clone());
        }
        groups
            .entry(change.comment.clone())
            .or_default()
            .push(change);
    }
    let describe = |c: &Change| {
        let item = &items[c.item];
        let at = match item.namespace() {
            Some(ns) => format!("{}/{ns}/{}", item.kind(), item.name()),
            None => format!("{}/{}", item.kind(), item.name()),
        };
        format!("{at} {}", field_path(item, &c.path))
    };
    order
        .into_iter()
        .map(|comment| {
            let group = groups.remove(&comment).unwrap_or_default();
            let count = group.len();
            let resources = group.iter().map(|c| c.item).collect::<BTreeSet<_>>().len();
            let mut message = format!("set by setter comment {comment}");
            if count > 1 {
                let shown: Vec<String> = group.iter().take(SUMMARY_FIELDS).map(describe).collect();
                let more = if count > SUMMARY_FIELDS { ", …" } else { "" };
                message.push_str(&format!(
                    ": {count} fields in {resources} resource(s): {}{more} (private-gke.setter-results: full lists each)",
                    shown.join(", ")
                ));
            }
            let first = group.into_iter().next();
            match first {
                Some(c) => {
                    let item = &items[c.item];
                    KrmResult::info(message)
                        .for_resource(item.value())
                        .at_field(field_path(item, &c.path), Some(c.old), Some(c.new))
                }
                None => KrmResult::info(message),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::krm::Severity;
    use serde_json::json;
    use std::sync::Arc;

    /// Run the stage over a YAML stream; returns each item's JSON and the results.
    fn run_yaml(src: &str, values: &[(&str, &str)]) -> (Vec<Value>, Vec<KrmResult>) {
        let doc = Arc::new(Document::parse(src).unwrap());
        let mut items: Vec<Item> = doc
            .roots()
            .iter()
            .map(|&r| Item::read(doc.clone(), r).unwrap())
            .collect();
        let settings = Settings {
            given: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Settings::default()
        };
        let mut results = Vec::new();
        run(&settings, &mut items, &mut results);
        (
            items.into_iter().map(|i| i.value().clone()).collect(),
            results,
        )
    }

    /// (name, input, values, JSON pointer in the last item, expected value there).
    type Case = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
        Value,
    );

    #[test]
    fn sets_values() {
        let kptfile = "apiVersion: kpt.dev/v1alpha1\nkind: Kptfile\nmetadata:\n  name: k\nopenAPI:\n  definitions:\n    io.k8s.cli.setters.name:\n      x-k8s-cli:\n        setter:\n          name: name\n          value: app\n    io.k8s.cli.setters.project:\n      x-k8s-cli:\n        setter:\n          name: project\n          value: p\n    io.k8s.cli.substitutions.sa:\n      x-k8s-cli:\n        substitution:\n          name: sa\n          pattern: ${name}@${project}.iam\n          values:\n          - marker: ${name}\n            ref: '#/definitions/io.k8s.cli.setters.name'\n          - marker: ${project}\n            ref: '#/definitions/io.k8s.cli.setters.project'\n---\n";
        let cases: Vec<Case> = vec![
            (
                "v1 whole value",
                "a: x # kpt-set: ${a}\n",
                &[("a", "y")],
                "/a",
                json!("y"),
            ),
            (
                "v1 partial, derived tag",
                "i: nginx:1.7 # kpt-set: ${image}:${tag}\n",
                &[("image", "ubuntu")],
                "/i",
                json!("ubuntu:1.7"),
            ),
            (
                "v1 names with dots",
                "p: false # kpt-set: ${gke.private}\n",
                &[("gke.private", "true")],
                "/p",
                json!(true),
            ),
            (
                "v1 none provided: left alone",
                "i: nginx:1.7 # kpt-set: ${image}:${tag}\n",
                &[("other", "x")],
                "/i",
                json!("nginx:1.7"),
            ),
            (
                "v1 in a sequence item",
                "zones:\n- a # kpt-set: ${zone}\n- b\n",
                &[("zone", "c")],
                "/zones",
                json!(["c", "b"]),
            ),
            (
                "v1 block list on the key",
                "l: # kpt-set: ${l}\n- a\n",
                &[("l", "[b, c]")],
                "/l",
                json!(["b", "c"]),
            ),
            (
                "v1 list value on an empty field",
                "l: # kpt-set: ${l}\nm: 1\n",
                &[("l", "- a\n- b\n")],
                "/l",
                json!(["a", "b"]),
            ),
            (
                "v1 text on an empty field",
                "l: # kpt-set: ${l}\nm: 1\n",
                &[("l", "-x")],
                "/l",
                json!("-x"),
            ),
            (
                "v1 empty value on a list",
                "l: [a] # kpt-set: ${l}\n",
                &[("l", "")],
                "/l",
                json!([]),
            ),
            (
                "v0 setter, line comment",
                "n: app # {\"$kpt-set\":\"name\"}\n",
                &[("name", "kf")],
                "/n",
                json!("kf"),
            ),
            (
                "v0 setter, head comment",
                "# {\"$ref\":\"#/definitions/io.k8s.cli.setters.name\"}\nn: app\n",
                &[("name", "kf")],
                "/n",
                json!("kf"),
            ),
            (
                "v0 substitution, one setter given, the other stored",
                "sa: app@p.iam # {\"$kpt-set\":\"sa\"}\n",
                &[("project", "q")],
                "/sa",
                json!("app@q.iam"),
            ),
            (
                "v0 substitution, none of its setters given: left as it is (kpt cfg set)",
                "sa: old # {\"$kpt-set\":\"sa\"}\n",
                &[("other", "x")],
                "/sa",
                json!("old"),
            ),
            (
                "v0 setter not given: left as it is (kpt cfg set)",
                "n: other # {\"$kpt-set\":\"name\"}\n",
                &[("project", "x")],
                "/n",
                json!("other"),
            ),
            (
                "anchored value: not set (its aliases would change too)",
                "x: &v a # kpt-set: ${a}\ny: *v\n",
                &[("a", "b")],
                "/x",
                json!("a"),
            ),
        ];
        for (name, input, values, pointer, want) in cases {
            let src = format!("{kptfile}{input}");
            let (items, results) = run_yaml(&src, values);
            assert!(
                !results.iter().any(|r| r.severity == Severity::Error),
                "{name}: {results:?}"
            );
            assert_eq!(
                items.last().unwrap().pointer(pointer),
                Some(&want),
                "{name}"
            );
        }
    }

    #[test]
    fn v0_set_updates_the_kptfile() {
        let src = "apiVersion: kpt.dev/v1alpha1\nkind: Kptfile\nmetadata:\n  name: k\nopenAPI:\n  definitions:\n    io.k8s.cli.setters.name:\n      x-k8s-cli:\n        setter:\n          name: name\n          value: app\n          setBy: me\n---\nn: app # {\"$kpt-set\":\"name\"}\n";
        let (items, results) = run_yaml(src, &[("name", "kf")]);
        assert_eq!(
            items[0]["openAPI"]["definitions"]["io.k8s.cli.setters.name"]["x-k8s-cli"]["setter"],
            json!({"name": "name", "value": "kf", "isSet": true})
        );
        let infos: Vec<&str> = results.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            infos,
            vec![
                "set by setter comment {\"$kpt-set\":\"name\"}",
                "stored the value of setter name (isSet: true)",
                "setters: 1 field(s) changed in 1 resource(s), 1 Kptfile setter definition(s) updated; setters used: [name]",
            ]
        );
    }

    #[test]
    fn paths_name_keys_and_indices() {
        let doc = Document::parse("a:\n  b:\n  - c: 1\n").unwrap();
        let root = doc.roots()[0];
        let a = doc.entry(root, "a").unwrap();
        let b = doc.entry(a.1, "b").unwrap();
        let NodeKind::Sequence { items, .. } = &doc.node(b.1).kind else {
            panic!()
        };
        let c = doc.entry(items[0], "c").unwrap();
        let path = [Seg::Key(a.0), Seg::Key(b.0), Seg::Index(0), Seg::Key(c.0)];
        assert_eq!(path_string(&doc, &path), "a.b[0].c");
        let mut json = doc.to_json(root).unwrap();
        assert_eq!(lookup_mut(&doc, &mut json, &path), Some(&mut json!(1)));
    }
}
