//! The files of a package tree as kpt 1.0 sees them: which package holds each file, and
//! which files kpt 1.0 refuses to read (not KRM resources).

use crate::yaml::{Document, ParseOptions};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A file kpt 1.0 reads (`Kptfile`, `*.yaml`, `*.yml`, `*.json`), not already `.krmignore`d.
#[derive(Debug, Clone)]
pub struct File {
    /// Path relative to the root, `/`-separated.
    pub rel: String,
    /// Path on disk.
    pub path: PathBuf,
    /// The directory (relative to the root, `""` for the root) of the package that holds it.
    pub package: String,
}

/// Every package directory (one with a `Kptfile`; the root always) and every file kpt reads.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// Package directories, `""` for the root, with whether a `Kptfile` exists there.
    pub packages: BTreeMap<String, bool>,
    /// Files in walk order (sorted by name within a directory).
    pub files: Vec<File>,
}

/// Walk `root` like kpt 1.0: hidden files and directories read too (kpt reads `.github/`),
/// symlinks skipped, `.krmignore` honoured.
pub fn scan(root: &Path) -> Result<Tree, String> {
    let mut tree = Tree::default();
    tree.packages
        .insert(String::new(), root.join("Kptfile").is_file());
    let mut ignores = Vec::new();
    walk(root, "", "", &mut ignores, &mut tree)?;
    Ok(tree)
}

fn walk(
    dir: &Path,
    rel: &str,
    package: &str,
    ignores: &mut Vec<Gitignore>,
    tree: &mut Tree,
) -> Result<(), String> {
    let shown = |p: &Path| p.display().to_string();
    let krmignore = dir.join(".krmignore");
    let pushed = krmignore.is_file();
    if pushed {
        let mut builder = GitignoreBuilder::new(dir);
        if let Some(e) = builder.add(&krmignore) {
            return Err(format!("{}: {e}", shown(&krmignore)));
        }
        ignores.push(
            builder
                .build()
                .map_err(|e| format!("{}: {e}", shown(&krmignore)))?,
        );
    }
    let entries =
        crate::package::sorted_entries(dir).map_err(|e| format!("{}: {e}", shown(dir)))?;
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", shown(&path)))?;
        if file_type.is_symlink() {
            continue;
        }
        let is_dir = file_type.is_dir();
        if crate::package::krmignored(ignores, &path, is_dir) {
            continue;
        }
        let child = join(rel, &name);
        if is_dir {
            let sub_package = if path.join("Kptfile").is_file() {
                tree.packages.insert(child.clone(), true);
                child.clone()
            } else {
                package.to_string()
            };
            walk(&path, &child, &sub_package, ignores, tree)?;
        } else if file_type.is_file()
            && (name == "Kptfile"
                || [".yaml", ".yml", ".json"]
                    .iter()
                    .any(|ext| name.ends_with(ext)))
        {
            tree.files.push(File {
                rel: child,
                path,
                package: package.to_string(),
            });
        }
    }
    if pushed {
        ignores.pop();
    }
    Ok(())
}

/// `dir/name`, or `name` at the root.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// File names kpt 1.0 reads as kustomizations: it accepts them without `apiVersion` or name.
const KUSTOMIZATION_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Why kpt 1.0 refuses to read a file (`None`: it reads it): the first document that is not
/// a KRM resource (`apiVersion`, `kind` and `metadata.name`), or the YAML error.
pub fn unreadable_reason(rel: &str, text: &str) -> Option<String> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name == "Kptfile" || KUSTOMIZATION_NAMES.contains(&name) {
        return None;
    }
    let options = ParseOptions {
        allow_duplicate_keys: true,
    };
    let doc = match Document::parse_with(text, options) {
        Ok(doc) => doc,
        Err(e) => return Some(format!("not valid YAML (line {}: {})", e.line, e.message)),
    };
    for (i, &root) in doc.roots().iter().enumerate() {
        let (line, _) = doc.position(doc.node(root).span().start);
        let at = if doc.roots().len() > 1 {
            format!("document {} (line {line})", i + 1)
        } else {
            "the document".to_string()
        };
        let value = match doc.to_json(root) {
            Ok(v) => v,
            Err(e) => return Some(format!("{at}: {}", e.message)),
        };
        if value.is_null() {
            continue;
        }
        let Some(map) = value.as_object() else {
            return Some(format!("{at} is not a mapping"));
        };
        let has = |v: Option<&serde_json::Value>| {
            v.and_then(|v| v.as_str()).is_some_and(|s| !s.is_empty())
        };
        if !has(map.get("apiVersion")) {
            return Some(format!("{at} has no `apiVersion`"));
        }
        if !has(map.get("kind")) {
            return Some(format!("{at} has no `kind`"));
        }
        if !has(value.pointer("/metadata/name")) {
            return Some(format!("{at} has no `metadata.name`"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_kpt_refuses() {
        let cases = [
            (
                "a/params.yaml",
                "varReference:\n- path: x\n",
                Some("the document has no `apiVersion`"),
            ),
            (
                "op.yaml",
                "apiVersion: v1\nkind: X\nmetadata: {}\n",
                Some("the document has no `metadata.name`"),
            ),
            (
                "k.yaml",
                "apiVersion: v1\nmetadata:\n  name: a\n",
                Some("the document has no `kind`"),
            ),
            ("l.yaml", "- a\n", Some("the document is not a mapping")),
            (
                "ok.yaml",
                "---\n# only a comment\n---\napiVersion: v1\nkind: X\nmetadata:\n  name: a\n",
                None,
            ),
            ("x/kustomization.yaml", "resources: []\n", None),
            ("x/Kustomization", "resources: []\n", None),
            ("Kptfile", "apiVersion: kpt.dev/v1alpha1\n", None),
        ];
        for (rel, text, want) in cases {
            assert_eq!(unreadable_reason(rel, text).as_deref(), want, "{rel}");
        }
        let two = "apiVersion: v1\nkind: X\nmetadata:\n  name: a\n---\nfoo: 1\n";
        assert_eq!(
            unreadable_reason("t.yaml", two).as_deref(),
            Some("document 2 (line 6) has no `apiVersion`")
        );
    }
}
