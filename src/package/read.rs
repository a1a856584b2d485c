//! Reading a package the way kpt does: its KRM files in kpt's walk order (`.krmignore`,
//! hidden directories and special files skipped), each mapping document an item carrying kpt's
//! path/index annotations beside its text.

use super::{SourceFile, INDEX, LEGACY_INDEX, LEGACY_PATH, PATH};
use crate::krm::resource_list::{check_item_identity_types, decode_utf8, BOM};
use crate::krm::{oddities, InputError, Item, KrmResult};
use crate::yaml::{Document, NodeId, NodeKind};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// The entries of directory `dir` sorted by name, the order kpt reads a package in.
pub(crate) fn sorted_entries(dir: &Path) -> std::io::Result<Vec<fs::DirEntry>> {
    let mut entries = fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
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
    let entries = sorted_entries(dir).map_err(|e| InputError::whole(&shown(dir), e.to_string()))?;
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
        if krmignored(ignores, &path, is_dir) {
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

pub(super) type ReadPackage = (Vec<SourceFile>, Vec<Item>);

/// [`read_package_and_warnings`] without the warnings.
#[cfg(test)]
pub(super) fn read_package(dir: &Path) -> Result<ReadPackage, InputError> {
    read_package_and_warnings(dir).map(|(read, _)| read)
}

/// Parse every KRM file; each mapping document becomes an item with kpt's annotations, kept
/// beside its text until a stage builds its view ([`Item::with_annotations`]) (those
/// without `apiVersion`/`kind` too, as kustomizations and settings files: setters run on them);
/// the warnings say what was skipped or is odd.
pub(super) fn read_package_and_warnings(
    dir: &Path,
) -> Result<(ReadPackage, Vec<KrmResult>), InputError> {
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
pub(super) fn location(rel: &str, index: usize) -> Vec<(&'static str, String)> {
    let index = index.to_string();
    vec![
        (PATH, rel.to_string()),
        (INDEX, index.clone()),
        (LEGACY_PATH, rel.to_string()),
        (LEGACY_INDEX, index),
    ]
}
