//! Package mode: a directory of KRM files <-> items, written back atomically.
//!
//! Reads a package the way kpt does (Kptfile, `*.yaml`, `*.yml`, `*.json`, recursively,
//! `.krmignore`, multi-document files, hidden directories skipped; every mapping document is an
//! item, with or without `apiVersion`/`kind`; other documents and special files left alone),
//! gives each item kpt's path/index annotations in its JSON view only, runs the engine, and
//! writes back only the files whose text changed.

use crate::krm::resource_list::{check_item_identity_types, decode_utf8, BOM};
use crate::krm::{has_errors, oddities, InputError, Item, KrmResult};
use crate::yaml::{self, Document, Edits, Layout, NodeId, NodeKind, Placed};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod stdout;
mod verify;
mod write;
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
        outcome.stdout = resource_list_text(&files, &items, &mut outcome.results);
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

/// A file to read: its path, and its path relative to the package.
type FileToRead = (PathBuf, String);

/// Every KRM file of the package, in kpt's (lexical) walk order; a warning for each file with
/// a KRM name that is not a regular file (a FIFO would block the read), which is skipped.
fn package_files(dir: &Path) -> Result<(Vec<FileToRead>, Vec<KrmResult>), InputError> {
    let mut files = Vec::new();
    let mut ignores: Vec<Gitignore> = Vec::new();
    let mut warnings = Vec::new();
    walk(dir, "", &mut ignores, &mut files, &mut warnings)?;
    Ok((files, warnings))
}

/// What a file that is neither a regular file, a directory nor a symlink is, for messages.
fn special_kind(file_type: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// True when the innermost `.krmignore` that says anything about `path` ignores it (kpt's rule,
/// shared by package mode and `migrate`).
pub(crate) fn krmignored(ignores: &[Gitignore], path: &Path, is_dir: bool) -> bool {
    ignores
        .iter()
        .rev()
        .map(|g| g.matched_path_or_any_parents(path, is_dir))
        .find(|m| !m.is_none())
        .is_some_and(|m| m.is_ignore())
}

fn walk(
    dir: &Path,
    rel: &str,
    ignores: &mut Vec<Gitignore>,
    files: &mut Vec<(PathBuf, String)>,
    warnings: &mut Vec<KrmResult>,
) -> Result<(), InputError> {
    let shown = |p: &Path| p.display().to_string();
    let krmignore = dir.join(".krmignore");
    let pushed = if krmignore.is_file() {
        let mut builder = GitignoreBuilder::new(dir);
        if let Some(e) = builder.add(&krmignore) {
            return Err(InputError::whole(&shown(&krmignore), e.to_string()));
        }
        let matcher = builder
            .build()
            .map_err(|e| InputError::whole(&shown(&krmignore), e.to_string()))?;
        ignores.push(matcher);
        true
    } else {
        false
    };
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)
        .map_err(|e| InputError::whole(&shown(dir), e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| InputError::whole(&shown(dir), e.to_string()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| InputError::whole(&shown(&path), e.to_string()))?;
        if file_type.is_symlink() {
            continue;
        }
        let is_dir = file_type.is_dir();
        if crate::package::krmignored(ignores, &path, is_dir) {
            continue;
        }
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if is_dir {
            if !name.starts_with('.') {
                walk(&path, &child_rel, ignores, files, warnings)?;
            }
        } else if name == "Kptfile"
            || [".yaml", ".yml", ".json"]
                .iter()
                .any(|ext| name.ends_with(ext))
        {
            if file_type.is_file() {
                files.push((path, child_rel));
            } else {
                warnings.push(KrmResult::warning(format!(
                    "{child_rel}: {}, not a regular file: skipped",
                    special_kind(&file_type)
                )));
            }
        }
    }
    if pushed {
        ignores.pop();
    }
    Ok(())
}

type ReadPackage = (Vec<SourceFile>, Vec<Item>);

/// [`read_package_and_warnings`] without the warnings.
#[cfg(test)]
fn read_package(dir: &Path) -> Result<ReadPackage, InputError> {
    read_package_and_warnings(dir).map(|(read, _)| read)
}

/// Parse every KRM file; each mapping document becomes an item with kpt's annotations, kept
/// beside its text until a stage builds its view ([`Item::with_annotations`]) (those
/// without `apiVersion`/`kind` too, as kustomizations and settings files: setters run on them);
/// the warnings say what was skipped or is odd.
fn read_package_and_warnings(dir: &Path) -> Result<(ReadPackage, Vec<KrmResult>), InputError> {
    let mut files = Vec::new();
    let mut items = Vec::new();
    let (paths, mut warnings) = package_files(dir)?;
    let total: u64 = paths
        .iter()
        .filter_map(|(path, _)| fs::metadata(path).ok())
        .map(|m| m.len())
        .sum();
    crate::limits::check_input_size(total, &dir.display().to_string())?;
    for (path, rel) in paths {
        let bytes = fs::read(&path).map_err(|e| InputError::whole(&rel, e.to_string()))?;
        let text = decode_utf8(&bytes, &rel)?;
        let (bom, text) = match text.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let doc = Document::parse_with(text, oddities::PARSE).map_err(|e| {
            InputError::at(
                &rel,
                e.line,
                e.column,
                format!("not valid YAML: {}", e.message),
            )
        })?;
        let json = text.trim_start().starts_with('{');
        if json {
            oddities::refuse_duplicates_in_json(&doc, &rel)?;
        }
        let doc = Arc::new(doc);
        let mut item_nodes = Vec::new();
        for (index, &root) in doc.roots().iter().enumerate() {
            if !matches!(doc.node(root).kind, NodeKind::Mapping { .. }) {
                continue;
            }
            let item = Item::read(doc.clone(), root)
                .map_err(|e| InputError::at(&rel, e.line, e.column, e.message))?;
            if check_item_identity_types(&item, "document").is_err() {
                continue;
            }
            warnings.extend(oddities::item_metadata_results(
                &item,
                &format!("{rel}: document {}", index + 1),
            ));
            item_nodes.push(root);
            items.push(item.with_annotations(location(&rel, index)));
        }
        let first = items.len() - item_nodes.len();
        let pairs: Vec<(NodeId, &Item)> = item_nodes
            .iter()
            .copied()
            .zip(items[first..].iter())
            .collect();
        warnings.extend(oddities::duplicate_key_warnings(&doc, &rel, &pairs, false)?);
        if !item_nodes.is_empty() {
            files.push(SourceFile {
                json,
                bom,
                rel,
                doc,
                item_nodes,
            });
        }
    }
    Ok(((files, items), warnings))
}

/// kpt's path/index annotations (internal and legacy) of document `index` of file `rel`.
fn location(rel: &str, index: usize) -> Vec<(&'static str, String)> {
    let index = index.to_string();
    vec![
        (PATH, rel.to_string()),
        (INDEX, index.clone()),
        (LEGACY_PATH, rel.to_string()),
        (LEGACY_INDEX, index),
    ]
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
                    if let Err(e) = files[f].doc.sync(node, value, &mut edits[f]) {
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
            let text = match std::mem::take(&mut edits[f]).apply(src) {
                Ok(text) => text,
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
        let text = documents.join("---\n");
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KPTFILE: &str = "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n";
    const A: &str = "# first\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a0\ndata:\n  k: v # keep\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a1\n";
    const B: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n";

    fn package() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = [
            ("Kptfile", KPTFILE),
            ("a.yaml", A),
            ("b.yml", B),
            ("c.json", "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"c\"}}\n"),
            ("values.yaml", "foo: bar\n"),
            ("README.md", "# not read\n"),
            (".hidden/h.yaml", B),
            ("ignored/i.yaml", B),
            (".krmignore", "ignored/\n"),
            ("sub/d.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: d\n  annotations:\n    x: y\n"),
        ];
        for (name, text) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    fn locations(items: &[Item]) -> Vec<(String, String, String)> {
        items
            .iter()
            .map(|i| {
                (
                    i.name().to_string(),
                    i.annotation(PATH).unwrap_or("").to_string(),
                    i.annotation(LEGACY_INDEX).unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn reads_a_package_like_kpt() {
        let dir = package();
        let (files, items) = read_package(dir.path()).unwrap();
        let expected = [
            ("pkg", "Kptfile", "0"),
            ("a0", "a.yaml", "0"),
            ("a1", "a.yaml", "1"),
            ("b", "b.yml", "0"),
            ("c", "c.json", "0"),
            ("d", "sub/d.yaml", "0"),
            // No KRM object, but a mapping: kpt sends it, setters may set it.
            ("", "values.yaml", "0"),
        ];
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(locations(&items), expected);
        assert_eq!(files.len(), 6);
        assert_eq!(
            items[5].value()["metadata"]["annotations"],
            json!({"x": "y", PATH: "sub/d.yaml", INDEX: "0", LEGACY_PATH: "sub/d.yaml", LEGACY_INDEX: "0"})
        );
    }

    fn plan_for(dir: &Path, change: impl FnOnce(&mut Vec<Item>)) -> (Vec<Change>, Vec<KrmResult>) {
        let (files, mut items) = read_package(dir).unwrap();
        change(&mut items);
        let mut results = Vec::new();
        let changes = plan(dir, &files, &items, &mut results);
        (changes, results)
    }

    fn summary(changes: &[Change]) -> Vec<(&str, Option<&str>)> {
        changes
            .iter()
            .map(|c| (c.rel.as_str(), c.new.as_deref()))
            .collect()
    }

    #[test]
    fn an_unchanged_package_changes_no_file() {
        let dir = package();
        let (changes, results) = plan_for(dir.path(), |_| {});
        assert!(changes.is_empty());
        assert!(results.is_empty());
    }

    #[test]
    fn a_changed_item_is_written_without_the_annotations_reading_added() {
        let dir = package();
        let (changes, results) = plan_for(dir.path(), |items| {
            items[1].value_mut()["data"]["k"] = json!("w");
            items[5].value_mut()["metadata"]["annotations"]["x"] = json!("z");
        });
        assert!(results.is_empty(), "{results:?}");
        assert_eq!(
            summary(&changes),
            [
                ("a.yaml", Some(A.replace("k: v # keep", "k: w # keep").as_str())),
                ("sub/d.yaml", Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: d\n  annotations:\n    x: z\n")),
            ]
        );
    }

    #[test]
    fn removed_items_leave_their_file_and_an_emptied_file_is_deleted() {
        let dir = package();
        let (changes, _) = plan_for(dir.path(), |items| {
            items.retain(|i| !matches!(i.name(), "a0" | "b" | "c"));
        });
        assert_eq!(
            summary(&changes),
            [
                (
                    "a.yaml",
                    Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a1\n")
                ),
                ("b.yml", None),
                ("c.json", None),
            ]
        );
    }

    #[test]
    fn generated_items_go_to_the_file_their_path_names() {
        let dir = package();
        let (changes, results) = plan_for(dir.path(), |items| {
            items.push(Item::generated(
                json!({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": "n", "annotations": {PATH: "net/n.yaml"}}}),
                Some(format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n # new\n  annotations:\n    {PATH}: 'net/n.yaml'\n")),
            ));
            items.push(Item::generated(
                json!({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": "m", "annotations": {LEGACY_PATH: "b.yml", "keep": "me"}}}),
                None,
            ));
            items.push(Item::generated(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "o"}}),
                None,
            ));
        });
        assert!(results.is_empty(), "{results:?}");
        assert_eq!(
            summary(&changes),
            [
                ("b.yml", Some(format!("{B}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: m\n  annotations:\n    keep: me\n").as_str())),
                ("namespace_o.yaml", Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: o\n")),
                ("net/n.yaml", Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n # new\n")),
            ]
        );
    }

    #[test]
    fn a_path_outside_the_package_is_an_error_result() {
        let dir = package();
        let (changes, results) = plan_for(dir.path(), |items| {
            items.push(Item::generated(
                json!({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": "n", "annotations": {PATH: "../n.yaml"}}}),
                None,
            ));
        });
        assert!(changes.is_empty());
        assert_eq!(
            results.iter().map(KrmResult::to_line).collect::<Vec<_>>(),
            ["[error] Namespace/n: path annotation `../n.yaml` is not a relative path inside the package (file ../n.yaml)"]
        );
    }

    #[test]
    fn a_read_only_file_stops_every_write() {
        let dir = package();
        let (changes, _) = plan_for(dir.path(), |items| {
            items[1].value_mut()["data"]["k"] = json!("w");
            items[3].value_mut()["metadata"]["name"] = json!("b2");
        });
        let b = dir.path().join("b.yml");
        let mut perms = fs::metadata(&b).unwrap().permissions();
        perms.set_readonly(true);
        fs::set_permissions(&b, perms).unwrap();
        let err = write_changes(dir.path(), &changes).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: file is read-only; nothing was written", b.display())
        );
        assert_eq!(fs::read_to_string(dir.path().join("a.yaml")).unwrap(), A);
        assert_eq!(fs::read_to_string(&b).unwrap(), B);
    }

    #[test]
    fn changes_are_written_and_emptied_files_deleted() {
        let dir = package();
        let (changes, _) = plan_for(dir.path(), |items| {
            items[1].value_mut()["data"]["k"] = json!("w");
            items.retain(|i| i.name() != "b");
        });
        write_changes(dir.path(), &changes).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
            A.replace("k: v # keep", "k: w # keep")
        );
        assert!(!dir.path().join("b.yml").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn dry_run_diff_is_unified() {
        let changes = [Change {
            rel: "a.yaml".into(),
            old: Some("a: 1\nb: 2\n".into()),
            new: Some("a: 1\nb: 3\n".into()),
        }];
        assert_eq!(
            diff(&changes),
            "--- a/a.yaml\n+++ b/a.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n"
        );
    }

    #[test]
    fn output_stdout_lists_items_with_their_locations() {
        let dir = package();
        let (files, items) = read_package(dir.path()).unwrap();
        let text = resource_list_text(&files, &items[3..4], &mut Vec::new());
        assert_eq!(
            text,
            format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n    annotations:\n      {PATH}: b.yml\n      {INDEX}: '0'\n      {LEGACY_PATH}: b.yml\n      {LEGACY_INDEX}: '0'\n")
        );
    }

    #[test]
    fn unreadable_files_are_named_with_line_and_column() {
        let cases: [(&str, &[u8], &str); 2] = [
            (
                "bad.yaml",
                b"kind: A\napiVersion: \xff\n",
                "bad.yaml:2:13: not valid UTF-8 (byte 0xff at offset 20)",
            ),
            (
                "sub/broken.yml",
                b"a: [b\n",
                "sub/broken.yml:1:4: not valid YAML: unclosed bracket '['",
            ),
        ];
        for (name, bytes, expected) in cases {
            let dir = package();
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, bytes).unwrap();
            let err = run(dir.path(), &PackageOptions::default()).unwrap_err();
            assert_eq!(err.to_string(), expected);
        }
    }

    #[test]
    fn a_file_that_is_not_a_directory_is_refused() {
        let dir = package();
        let file = dir.path().join("b.yml");
        let err = run(&file, &PackageOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: not a directory", file.display())
        );
    }

    #[test]
    fn a_file_ending_in_an_open_block_scalar_keeps_it_when_resources_are_added() {
        let open = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  x: |\n    text";
        for file in [open.to_string(), format!("{B}---\n{open}")] {
            let dir = package();
            fs::write(dir.path().join("b.yml"), &file).unwrap();
            let (changes, results) = plan_for(dir.path(), |items| {
                items.push(Item::generated(
                    json!({"apiVersion": "v1", "kind": "Namespace",
                           "metadata": {"name": "n", "annotations": {PATH: "b.yml"}}}),
                    None,
                ));
            });
            assert!(results.is_empty(), "{results:?}");
            let [(_, Some(text))] = summary(&changes)[..] else {
                panic!("{:?}", summary(&changes));
            };
            assert!(text.ends_with(open), "{text:?}");
            let doc = crate::yaml::Document::parse(text).unwrap();
            let names: Vec<Value> = doc
                .roots()
                .iter()
                .map(|&r| doc.to_json(r).unwrap()["metadata"]["name"].clone())
                .collect();
            let want = match file.starts_with(B) {
                true => vec!["b", "n", "m"],
                false => vec!["n", "m"],
            };
            assert_eq!(names, want, "{text:?}");
        }
    }

    #[test]
    fn a_cr_only_file_gets_cr_line_breaks_for_appended_resources() {
        let dir = package();
        fs::write(dir.path().join("b.yml"), B.replace('\n', "\r")).unwrap();
        let (changes, results) = plan_for(dir.path(), |items| {
            items.push(Item::generated(
                json!({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": "m", "annotations": {PATH: "b.yml"}}}),
                None,
            ));
        });
        assert!(results.is_empty(), "{results:?}");
        let expected = format!("{B}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: m\n")
            .replace('\n', "\r");
        assert_eq!(summary(&changes), [("b.yml", Some(expected.as_str()))]);
    }

    #[test]
    fn a_crlf_file_gets_crlf_separators_for_appended_resources() {
        let dir = package();
        fs::write(dir.path().join("b.yml"), B.replace('\n', "\r\n")).unwrap();
        let (changes, results) = plan_for(dir.path(), |items| {
            items.push(Item::generated(
                json!({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": "m", "annotations": {PATH: "b.yml"}}}),
                None,
            ));
        });
        assert!(results.is_empty(), "{results:?}");
        let expected = format!("{B}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: m\n")
            .replace('\n', "\r\n");
        assert_eq!(summary(&changes), [("b.yml", Some(expected.as_str()))]);
    }
}
