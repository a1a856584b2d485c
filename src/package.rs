//! Package mode: a directory of KRM files <-> items, written back atomically.
//!
//! Reads a package the way kpt does (Kptfile, `*.yaml`, `*.yml`, `*.json`, recursively,
//! `.krmignore`, multi-document files, hidden directories skipped; every mapping document is an
//! item, with or without `apiVersion`/`kind`; other documents and special files left alone),
//! gives each item kpt's path/index annotations in its JSON view only, runs the engine, and
//! writes back only the files whose text changed.

use crate::krm::resource_list::{OutputText, BOM};
use crate::krm::{has_errors, writer, InputError, Item, KrmResult};
use crate::yaml::{self, Document, Edits, Layout, NodeId, Placed};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::sync::Arc;

mod read;
mod stdout;
#[cfg(test)]
mod tests;
mod verify;
mod write;
#[cfg(test)]
use read::read_package;
pub(crate) use read::{krmignored, sorted_entries};
use read::{location, read_package_and_warnings};
use stdout::resource_list_text;
use write::write_changes;
pub use write::{is_package_relative, JOURNAL, LOCK};

/// kpt's path annotation.
pub const PATH: &str = "internal.config.kubernetes.io/path";
/// kpt's index annotation.
pub const INDEX: &str = "internal.config.kubernetes.io/index";
/// The legacy path annotation.
pub const LEGACY_PATH: &str = "config.kubernetes.io/path";
/// The legacy index annotation.
pub const LEGACY_INDEX: &str = "config.kubernetes.io/index";
const LOCATION_KEYS: [&str; 4] = [PATH, INDEX, LEGACY_PATH, LEGACY_INDEX];

/// What package mode is asked to do.
#[derive(Debug, Clone, Default)]
pub struct PackageOptions {
    /// The functionConfig (from `--config` / `--set`), if any.
    pub function_config: Option<Value>,
    /// Write nothing; print a unified diff.
    pub dry_run: bool,
    /// Write nothing; print the resulting ResourceList.
    pub output_stdout: bool,
}

/// What a package run produced.
#[derive(Debug, Clone, Default)]
pub struct PackageOutcome {
    /// The connectivity report (Markdown) of the selected private cluster, when there is one.
    pub report: Option<String>,
    /// Every result of the engine.
    pub results: Vec<KrmResult>,
    /// The diff (`--dry-run`) or the ResourceList (`--output stdout`); empty otherwise.
    pub stdout: String,
    /// Files written or deleted (package-relative), in order.
    pub changed: Vec<String>,
}

impl PackageOutcome {
    /// 1 when any result is an error, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(has_errors(&self.results))
    }
}

/// One file of the package that holds KRM objects.
struct SourceFile {
    rel: String,
    doc: Arc<Document>,
    json: bool,
    /// The file starts with a UTF-8 byte order mark (outside `doc`, written back).
    bom: bool,
    item_nodes: Vec<NodeId>,
}

/// What reading added to an item's JSON view, to take back out before writing.
#[derive(Debug, Clone, Default)]
struct Added {
    keys: Vec<&'static str>,
    annotations: bool,
    metadata: bool,
    /// How many annotations the text had: a map the stages emptied goes, a `{}` written so stays.
    had_annotations: usize,
    /// `metadata:` was null (empty) in the text: left empty, it is null again.
    metadata_null: bool,
    /// `annotations:` was null (empty) in the text: left empty, it is null again.
    annotations_null: bool,
}

/// A file's new text (`None`: delete it) beside its old one (`None`: a new file).
struct Change {
    rel: String,
    old: Option<String>,
    new: Option<String>,
}

/// Run the engine on the package in `dir`.
pub fn run(dir: &Path, options: &PackageOptions) -> Result<PackageOutcome, InputError> {
    let shown = dir.display().to_string();
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(InputError::whole(&shown, "not a directory")),
        Err(_) => return Err(InputError::whole(&shown, "no such directory")),
    }
    // A writing run holds the lock from reading to writing and first repairs what an
    // interrupted run left; dry runs only refuse a half-written package.
    let mut recovered = None;
    let _lock = if options.dry_run || options.output_stdout {
        write::check_no_journal(dir)?;
        None
    } else {
        let lock = write::lock(dir)?;
        recovered = write::recover(dir)?;
        lock
    };
    let ((files, mut items), mut results) = read_package_and_warnings(dir)?;
    // A file kpt itself would refuse is an error result: the stages do not run on it.
    let mut report = None;
    if !has_errors(&results) {
        let (staged, written) =
            crate::run_stages_with_report(&mut items, options.function_config.as_ref());
        results.extend(staged);
        report = written;
    }
    results.extend(recovered.map(KrmResult::warning));
    let changes = plan(dir, &files, &items, &mut results);
    let mut outcome = PackageOutcome {
        results,
        report,
        ..PackageOutcome::default()
    };
    // Like function mode: the whole ResourceList with its results, errors included.
    if options.output_stdout {
        outcome.stdout = resource_list_text(&items, &mut outcome.results);
        return Ok(outcome);
    }
    if has_errors(&outcome.results) {
        return Ok(outcome);
    }
    if options.dry_run {
        outcome.stdout = diff(&changes);
        return Ok(outcome);
    }
    write_changes(dir, &changes)?;
    outcome.changed = changes.into_iter().map(|c| c.rel).collect();
    Ok(outcome)
}

/// What [`crate::krm::item::add_annotations`] adds to `value` (a document as read) for `location`.
fn added_by_reading(value: &Value, location: &[(&'static str, String)]) -> Added {
    let mut what = Added::default();
    let Some(object) = value.as_object() else {
        return what;
    };
    let metadata = object.get("metadata");
    // `None`: `metadata` is made a mapping, so `annotations` is absent from it.
    let annotations = match metadata.and_then(Value::as_object) {
        Some(fields) => Some(fields.get("annotations")),
        None => {
            what.metadata = metadata.is_none();
            what.metadata_null = metadata.is_some_and(Value::is_null);
            None
        }
    };
    let existing = match annotations {
        None => {
            what.annotations = true;
            None
        }
        Some(a) => match a.and_then(Value::as_object) {
            Some(map) => Some(map),
            None => {
                what.annotations = a.is_none();
                what.annotations_null = a.is_some_and(Value::is_null);
                None
            }
        },
    };
    what.had_annotations = existing.map_or(0, Map::len);
    what.keys = location
        .iter()
        .map(|(key, _)| *key)
        .filter(|key| !existing.is_some_and(|m| m.contains_key(*key)))
        .collect();
    what
}

/// Take the location annotations back out: those reading added (`Some`), or all four (`None`,
/// for generated items, as kpt does when it writes files). Empty maps reading created go too.
fn strip(value: &Value, added: Option<&Added>) -> Value {
    let mut value = value.clone();
    let keys: Vec<&str> = match added {
        Some(a) => a.keys.clone(),
        None => LOCATION_KEYS.to_vec(),
    };
    let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) else {
        return value;
    };
    if let Some(annotations) = metadata
        .get_mut("annotations")
        .and_then(Value::as_object_mut)
    {
        for key in keys {
            annotations.shift_remove(key);
        }
        let created = added.is_none_or(|a| a.annotations || a.had_annotations > 0);
        if annotations.is_empty() && created {
            metadata.shift_remove("annotations");
        } else if annotations.is_empty() && added.is_some_and(|a| a.annotations_null) {
            metadata.insert("annotations".to_string(), Value::Null);
        }
    }
    if metadata.is_empty() && added.is_some_and(|a| a.metadata) {
        if let Some(object) = value.as_object_mut() {
            object.shift_remove("metadata");
        }
    } else if metadata.is_empty() && added.is_some_and(|a| a.metadata_null) {
        if let Some(object) = value.as_object_mut() {
            object.insert("metadata".to_string(), Value::Null);
        }
    }
    value
}

/// Where a generated item goes: its path annotation, or `<kind>_<name>.yaml` as kpt names it.
fn destination(item: &Item) -> Result<String, String> {
    let path = item
        .annotation(PATH)
        .or_else(|| item.annotation(LEGACY_PATH))
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}_{}.yaml", item.kind().to_lowercase(), item.name()));
    if !write::is_package_relative(&path) {
        return Err(format!(
            "path annotation `{path}` is not a relative path inside the package"
        ));
    }
    Ok(path.trim_start_matches("./").to_string())
}

/// The text of a generated item as a whole document, location annotations taken out.
fn generated_document(item: &Item, layout: Layout) -> String {
    let value = strip(item.value(), None);
    if let Some(text) = &item.text {
        if let Ok(doc) = Document::parse(text.as_str()) {
            if let Some(&root) = doc.roots().first() {
                let mut edits = Edits::default();
                if doc.sync(root, &value, &mut edits).is_ok() {
                    if let Ok(mut out) = edits.apply(text) {
                        if !out.ends_with('\n') {
                            out.push('\n');
                        }
                        return out;
                    }
                }
            }
        }
    }
    yaml::render_document(&value, layout)
}

/// Work out every file's new text; problems become error results.
fn plan(
    dir: &Path,
    files: &[SourceFile],
    items: &[Item],
    results: &mut Vec<KrmResult>,
) -> Vec<Change> {
    let file_of = |item: &Item| {
        let origin = item.origin.as_ref()?;
        let index = files
            .iter()
            .position(|f| Arc::ptr_eq(&f.doc, &origin.doc))?;
        Some((index, origin.node))
    };
    let mut edits: Vec<Edits> = files.iter().map(|_| Edits::default()).collect();
    let mut touched: Vec<bool> = vec![false; files.len()];
    let mut kept: HashSet<(usize, NodeId)> = HashSet::new();
    // Values of the items of JSON files (`None`: as read).
    let mut json_values: HashMap<usize, Vec<(NodeId, Option<Value>)>> = HashMap::new();
    let mut appended: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // What each file must read as: its kept items (by node, sorted below; `None`: as read),
    // then the added ones.
    let mut meant: HashMap<usize, Vec<(NodeId, Option<Value>)>> = HashMap::new();
    let mut meant_added: HashMap<String, Vec<Value>> = HashMap::new();
    // Files with a change that could not be synced (an error result already): not verified.
    let mut unsynced: HashSet<usize> = HashSet::new();
    for item in items {
        match file_of(item) {
            Some((f, node)) => {
                kept.insert((f, node));
                // An item no stage changed reads as read: its view is not built.
                let doc = &files[f].doc;
                let value = (item.is_dirty() || item.has_overrides()).then(|| {
                    let index = doc.roots().iter().position(|&r| r == node).unwrap_or(0);
                    let original = doc.to_json(node).unwrap_or(Value::Null);
                    let added = added_by_reading(&original, &location(&files[f].rel, index));
                    strip(item.value(), Some(&added))
                });
                meant.entry(f).or_default().push((node, value.clone()));
                // The view carries the location annotations: changed when it no longer reads,
                // without them, as the text.
                let changed = value.as_ref().is_some_and(|v| !doc.equals_json(node, v));
                if files[f].json {
                    json_values.entry(f).or_default().push((node, value));
                    touched[f] |= changed;
                } else if changed {
                    touched[f] = true;
                    let value = value.as_ref().unwrap_or(&Value::Null);
                    let value = || Cow::Borrowed(value);
                    let synced = writer::write_item(doc, node, item, value, false, &mut edits[f]);
                    if let Err(e) = synced {
                        unsynced.insert(f);
                        results.push(
                            KrmResult::error(format!(
                                "cannot write the change back to {} (line {}, column {}): {}",
                                files[f].rel, e.line, e.column, e.message
                            ))
                            .for_item(item),
                        );
                    }
                }
            }
            None => match destination(item) {
                Ok(dest) => {
                    let layout = files
                        .iter()
                        .find(|f| f.rel == dest)
                        .map_or_else(Layout::default, |f| f.doc.layout());
                    meant_added
                        .entry(dest.clone())
                        .or_default()
                        .push(strip(item.value(), None));
                    appended
                        .entry(dest)
                        .or_default()
                        .push(generated_document(item, layout));
                }
                Err(message) => {
                    results.push(KrmResult::error(message).for_item(item));
                }
            },
        }
    }
    let mut changes = Vec::new();
    for (f, file) in files.iter().enumerate() {
        let src = file.doc.source();
        let removed: Vec<NodeId> = file
            .item_nodes
            .iter()
            .copied()
            .filter(|n| !kept.contains(&(f, *n)))
            .collect();
        let additions = appended.remove(&file.rel);
        if !touched[f] && removed.is_empty() && additions.is_none() {
            continue;
        }
        // Added documents went before the kept last one (it ends in an open `|`/`>` block).
        let mut added_before = false;
        let new = if file.json {
            if additions.is_some() {
                results.push(KrmResult::error(format!(
                    "cannot add a resource to the JSON file {}",
                    file.rel
                )));
                continue;
            }
            let doc = &file.doc;
            let values: Vec<(NodeId, Value)> = json_values
                .remove(&f)
                .unwrap_or_default()
                .into_iter()
                .map(|(node, value)| (node, value.unwrap_or_else(|| as_read(doc, node))))
                .collect();
            match values.as_slice() {
                [] => None,
                [(node, one)] => Some(format!("{}\n", doc.json_text(Some(*node), one))),
                many => {
                    // Items of one JSON file are the items of its top-level array.
                    let array = doc.roots().first().copied();
                    let values = Value::Array(many.iter().map(|(_, v)| v.clone()).collect());
                    Some(format!("{}\n", doc.json_text(array, &values)))
                }
            }
        } else {
            // The stream writer the ResourceList of plain documents goes through too.
            let documents = additions.unwrap_or_default();
            let placed = file.doc.edit_stream(&mut edits[f], &removed, &documents);
            added_before = placed == Placed::BeforeLast;
            // The pieces of the one writer, assembled: the package sink reads every file's
            // text again, diffs it or writes it to a temp file whole.
            let file_edits = std::mem::take(&mut edits[f]);
            let text = match file_edits.checked_order(src) {
                Ok(order) => {
                    OutputText::edited(file.doc.clone(), file_edits, order, false).to_string()
                }
                Err(e) => {
                    results.push(KrmResult::error(format!(
                        "cannot write {} (line {}, column {}): {}",
                        file.rel, e.line, e.column, e.message
                    )));
                    continue;
                }
            };
            // A file whose every document went, and nothing added: deleted.
            let emptied = documents.is_empty() && file.doc.roots().len() == removed.len();
            (!emptied || removed.is_empty()).then_some(text)
        };
        if let (Some(text), false) = (&new, unsynced.contains(&f)) {
            let mut kept_values = meant.remove(&f).unwrap_or_default();
            kept_values.sort_by_key(|(node, _)| *node);
            let kept_values: Vec<Value> = kept_values
                .into_iter()
                .map(|(node, value)| value.unwrap_or_else(|| as_read(&file.doc, node)))
                .collect();
            let added = meant_added.get(&file.rel).into_iter().flatten();
            let expected: Vec<&Value> = match (added_before, kept_values.split_last()) {
                (true, Some((last, before))) => before.iter().chain(added).chain([last]).collect(),
                _ => kept_values.iter().chain(added).collect(),
            };
            if let Some(result) = verify::check_file(&file.rel, text, &expected) {
                results.push(result);
            }
        }
        let bom = if file.bom { BOM } else { "" };
        let new = new.map(|text| format!("{bom}{text}"));
        let old = format!("{bom}{src}");
        if new.as_deref() != Some(old.as_str()) {
            changes.push(Change {
                rel: file.rel.clone(),
                old: Some(old),
                new,
            });
        }
    }
    for (dest, documents) in appended {
        if dir.join(&dest).exists() {
            results.push(KrmResult::error(format!(
                "cannot add a resource to {dest}: the file exists and holds no KRM resources"
            )));
            continue;
        }
        let text = crate::yaml::stream_text(&documents);
        let expected: Vec<&Value> = meant_added.get(&dest).into_iter().flatten().collect();
        if let Some(result) = verify::check_file(&dest, &text, &expected) {
            results.push(result);
        }
        changes.push(Change {
            rel: dest,
            old: None,
            new: Some(text),
        });
    }
    for change in &changes {
        if let Err(message) = write::check_inside(dir, &change.rel) {
            results.push(KrmResult::error(message));
        }
    }
    changes
}

/// The JSON view of document root `node` as read (without the location annotations).
fn as_read(doc: &Document, node: NodeId) -> Value {
    doc.to_json(node).unwrap_or(Value::Null)
}

/// A unified diff of every change, `a/` and `b/` prefixed like git.
fn diff(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        let old = change.old.as_deref().unwrap_or("");
        let new = change.new.as_deref().unwrap_or("");
        let rel = crate::krm::results::one_line(&change.rel);
        let from = match change.old {
            Some(_) => format!("a/{rel}"),
            None => "/dev/null".to_string(),
        };
        let to = match change.new {
            Some(_) => format!("b/{rel}"),
            None => "/dev/null".to_string(),
        };
        let text = similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&from, &to)
            .to_string();
        out.push_str(&text);
    }
    out
}
