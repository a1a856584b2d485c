//! Comment setters: kpt v1 `# kpt-set: ${x}` and kpt v0 `$kpt-set`/`$ref` with Kptfile definitions.
//!
//! The stage finds each read item's setter comments from its document's sorted comment list
//! (`found.rs`; items whose view was changed are walked over it), computes new values with
//! type-preserving rules, and writes them into the item's JSON view, or for a plain scalar of an
//! item whose view is not built, beside its text ([`Item::set_scalar`]); the writer syncs the text.
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
mod values;
mod written;

use crate::config::{SetterResults, Settings};
use crate::krm::{Item, KrmResult};
use crate::yaml::{Document, NodeId, NodeKind};
pub use names::names_in_use;

use comment::{SetterComment, V0Ref, SETTER_PREFIX, SUBSTITUTION_PREFIX};
use defs::{Definitions, StoredValue, SubstError, Target};
use pattern::{list_names, DeriveError, Pattern};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::rc::Rc;
use typing::{type_declared, type_for_field, type_list, DeclaredType, Typed};
use written::{Undo, Written};

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
    label: &'f Rc<str>,
}

/// A change made during the walk (undone when the stage finds any error).
struct Change {
    item: usize,
    path: Box<[Seg]>,
    old: Value,
    new: Value,
    comment: Rc<str>,
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
    /// [`name_bit`] of every name in `values`: a name whose bit is not set has no value.
    value_bits: u64,
    defs: Definitions,
    /// v0 setters whose given value failed validation (reported once, fields skipped).
    invalid: HashSet<String>,
    changes: Vec<Change>,
    /// Fields of an item walked without its JSON view that changed: (the change in
    /// `changes`, the node).
    writes: Vec<(usize, NodeId)>,
    /// The new values of `writes`, in the same order, as [`Item::set_scalars`] takes them
    /// (the values built for the stage, moved here rather than copied from `changes`).
    news: Vec<(NodeId, Value)>,
    errors: Vec<Pending>,
    warnings: Vec<Pending>,
    /// Given names some comment used.
    used: BTreeSet<String>,
    unresolved: BTreeMap<String, Unresolved>,
    /// Error keys already reported (cycles are reported once).
    reported: HashSet<String>,
    /// Whether each item, by index, is one the private-GKE stage owns (it writes its own
    /// settings into them).
    owned: Vec<bool>,
    /// Every distinct comment text, parsed once.
    comments: found::CommentCache,
    /// The fields found next to the comments of the item at hand.
    near: found::Near,
}

/// One of 64 bits for a setter name, by its length and its first and last bytes.
fn name_bit(name: &str) -> u64 {
    let b = name.as_bytes();
    let (first, last) = (b.first().copied(), b.last().copied());
    let mix = b.len() * 7 + usize::from(first.unwrap_or(0)) * 3 + usize::from(last.unwrap_or(0));
    1 << (mix % 64)
}

/// The [`name_bit`]s of `names`.
fn name_bits<'n>(names: impl Iterator<Item = &'n String>) -> u64 {
    names.fold(0, |bits, n| bits | name_bit(n))
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
        self.unresolved_at(name, field.item, field.path);
    }

    /// Setter `name` has no value for the field at `path` of item `item`.
    fn unresolved_at(&mut self, name: &str, item: usize, path: &[Seg]) {
        // The private-GKE stage writes its own settings into the resources it owns, given or not.
        if self.owned.get(item).copied().unwrap_or(false) && crate::config::is_setting_key(name) {
            return;
        }
        match self.unresolved.get_mut(name) {
            Some(u) => u.count += 1,
            None => {
                let first = Unresolved {
                    item,
                    path: path.to_vec(),
                    count: 1,
                };
                self.unresolved.insert(name.to_string(), first);
            }
        }
    }

    /// Whether setter `name` has a value (most names are told apart without the map).
    fn has_value(&self, name: &str) -> bool {
        self.value_bits & name_bit(name) != 0 && self.values.contains_key(name)
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
            NodeKind::Mapping { .. } => {
                for (key, value) in doc.entries(node) {
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
            NodeKind::Sequence { .. } => {
                for (i, &child) in doc.items(node).iter().enumerate() {
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
        let line = doc.line_comment(value);
        if line.is_some_and(|t| self.unset_line_setter(doc, value, (item, path), t)) {
            return;
        }
        let setter = match self.comments.of(doc, head, line) {
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
        let line = doc.line_comment(value);
        if line.is_some_and(|t| self.unset_line_setter(doc, value, (item, path), t)) {
            return true;
        }
        match self.comments.of(doc, head, line) {
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
            // The change wrote its new value into `built`.
            self.writes.push((changes, value));
            self.news.push((value, std::mem::take(old)));
        }
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
        value_bits: name_bits(values.keys()),
        values,
        defs,
        invalid: HashSet::new(),
        changes: Vec::new(),
        writes: Vec::new(),
        news: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        used: BTreeSet::new(),
        unresolved: BTreeMap::new(),
        reported: HashSet::new(),
        comments: found::CommentCache::new(defs_empty),
        near: found::Near::default(),
        owned: (items.iter())
            .map(|it| it.annotation(crate::gke::OWNED).is_some())
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
    // Results are written item by item as the walk leaves each: no list of every change is held.
    let start = results.len();
    let mut written = Written::new(settings.setter_results != SetterResults::Summary);
    let given = stage.values.clone();
    for (index, item) in items.iter_mut().enumerate() {
        let values = per_item.next().flatten();
        let Some(origin) = &item.origin else {
            continue;
        };
        let (doc, node) = (origin.doc.clone(), origin.node);
        let scoped = values.is_some();
        let scalars = item.scalar_count();
        if let Some(values) = values {
            stage.value_bits = name_bits(values.keys());
            stage.values = values;
        }
        // An item as read is walked over its text; only the fields that change reach its view.
        if item.reads_as_origin() && doc.duplicate_keys().is_empty() {
            stage.visit_commented(&doc, node, index);
            // A scalar's new value is kept beside the text: no view is built.
            let taken = item.set_scalars(&mut stage.news);
            for ((change, _), (_, value)) in stage.writes.drain(taken..).zip(stage.news.drain(..)) {
                let path = &stage.changes[change].path;
                if let Some(slot) = lookup_mut(&doc, item.value_mut(), path) {
                    *slot = value;
                }
            }
            stage.writes.clear();
            stage.news.clear();
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
            stage.value_bits = name_bits(given.keys());
        }
        written.take(&mut stage.changes, (index, item), scalars, results);
    }
    let Stage {
        values,
        errors,
        warnings,
        used,
        unresolved,
        ..
    } = stage;

    if !errors.is_empty() {
        // Nothing is written: undo the walk's changes, newest first.
        results.truncate(start);
        for undo in written.undo.drain(..).rev() {
            match undo {
                Undo::Scalars(index, count) => items[index].drop_scalars(count),
                Undo::View(index, path, old) => {
                    let item = &mut items[index];
                    let Some(doc) = item.origin.as_ref().map(|o| o.doc.clone()) else {
                        continue;
                    };
                    if let Some(slot) = lookup_mut(&doc, item.value_mut(), &path) {
                        *slot = old;
                    }
                }
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

    let (fields, resources) = (written.fields, written.resources);
    let summaries = written.summaries();
    results.reserve_exact(summaries.len() + stores.len() + warnings.len() + 1);
    results.extend(summaries);
    let mut definitions = 0;
    for (index, name, stored) in stores {
        if let Some((path, old, new)) =
            defs::store_in_kptfile(items[index].value_mut(), &name, &stored)
        {
            definitions += 1;
            results.push(
                KrmResult::info(format!("stored the value of setter {name} (isSet: true)"))
                    .for_item(&items[index])
                    .at_field(path, Some(old), Some(new)),
            );
        }
    }
    results.extend(warnings);
    let names: BTreeSet<&str> = values
        .keys()
        .map(String::as_str)
        .chain(pipeline.names())
        .filter(|k| used.contains(*k))
        .collect();
    let names: Vec<&str> = names.into_iter().collect();
    results.push(KrmResult::info(format!(
        "setters: {fields} field(s) changed in {resources} resource(s), {definitions} Kptfile setter definition(s) updated; setters used: [{}]",
        names.join(", ")
    )));
}

#[cfg(test)]
mod tests;
