//! `private-gke migrate`: a kpt v0 package tree (Kptfiles `kpt.dev/v1alpha1` with setter
//! definitions, `{"$kpt-set":…}` / `$ref` comments) made into kpt v1 that `kpt fn render` runs.
//!
//! Each v0 package gets a `kpt.dev/v1` Kptfile whose pipeline runs the function in setters mode
//! with its own `setters.yaml` (kpt v1 packages inherit no values: each subpackage's pipeline
//! passes its values, rendered before its parent's); its fields get `# kpt-set:` comments with
//! the whole pattern. The root Kptfile (written when missing) runs the function with the
//! settings given, on the whole tree, last. Files kpt 1.0 cannot read go into the package's
//! `.krmignore` (kustomize still reads them by path). Every other byte stays as it is.

mod comments;
mod kptfile;
mod tree;

pub use comments::{convert, v1_pattern, Converted};
pub use kptfile::{root_kptfile, setter_values, setters_config, setters_name, to_v1, Runner};
pub use tree::unreadable_reason;

use crate::config::Settings;
use crate::krm::KrmResult;
use crate::setters::defs::Definitions;
use crate::yaml::{render_document, Document, Layout};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The image the pipelines name when no `--exec` is given.
pub const DEFAULT_IMAGE: &str = "localhost/private-gke:v0.1.0";
/// The setters file each migrated package gets.
pub const SETTERS_FILE: &str = "setters.yaml";
/// The root's functionConfig file (the settings given).
pub const CONFIG_FILE: &str = "private-gke.yaml";

/// What `migrate` is asked to do.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// The settings for the root pipeline (`--config`, `--set`), if any.
    pub function_config: Option<Value>,
    /// How the pipelines run the function.
    pub runner: Runner,
    /// Write nothing; print a unified diff.
    pub dry_run: bool,
}

/// What a migration did.
#[derive(Debug, Clone, Default)]
pub struct MigrateOutcome {
    /// What was done, and what the user must know or do.
    pub results: Vec<KrmResult>,
    /// The diff (`--dry-run`); empty otherwise.
    pub stdout: String,
    /// Files written (root-relative), in order.
    pub changed: Vec<String>,
}

/// A file's new text beside its old one (`None`: a new file).
struct Change {
    rel: String,
    old: Option<String>,
    new: String,
}

/// A `kpt.dev/v1alpha1` package found in the tree.
struct V0Package {
    dir: String,
    kptfile: Value,
    defs: Definitions,
}

/// Migrate the tree at `root`. Errors (unreadable files, settings that do not parse, a file in
/// the way) change nothing.
pub fn run(root: &Path, options: &MigrateOptions) -> Result<MigrateOutcome, String> {
    if !root.is_dir() {
        return Err(format!("{}: not a directory", root.display()));
    }
    let tree = tree::scan(root)?;
    let mut out = MigrateOutcome::default();
    let mut v0 = Vec::new();
    for (dir, has_kptfile) in &tree.packages {
        if !has_kptfile {
            continue;
        }
        let rel = tree::join(dir, "Kptfile");
        let value = read_json(&root.join(&rel), &rel)?;
        match value.get("apiVersion").and_then(Value::as_str) {
            Some("kpt.dev/v1alpha1") => {
                let defs = Definitions::read([(0, &value)]);
                for (_, field, message) in &defs.problems {
                    out.results
                        .push(KrmResult::warning(format!("{rel}: {field}: {message}")));
                }
                v0.push(V0Package {
                    dir: dir.clone(),
                    kptfile: value,
                    defs,
                });
            }
            other => out.results.push(KrmResult::info(format!(
                "{rel}: already {}: left as it is",
                other.unwrap_or("without apiVersion")
            ))),
        }
    }
    if v0.is_empty() {
        out.results.push(KrmResult::info(
            "no kpt.dev/v1alpha1 Kptfile in the tree: nothing to migrate",
        ));
        return Ok(out);
    }
    let settings =
        Settings::from_function_config(options.function_config.as_ref()).map_err(|errors| {
            errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })?;
    let given = settings.setter_values();
    let root_has_kptfile = tree.packages.get("").copied().unwrap_or(false);
    let root_is_v0 = v0.iter().any(|p| p.dir.is_empty());
    let mut changes = Vec::new();

    let root_config = match &options.function_config {
        Some(config) => {
            let mut config = config.clone();
            mark_local(&mut config);
            let text = render_document(&config, Layout::default());
            changes.push(new_file(root, CONFIG_FILE, text)?);
            Some(CONFIG_FILE)
        }
        None => None,
    };
    let root_mutator = options.runner.mutator(root_config);

    let migrated: Vec<&str> = v0
        .iter()
        .map(|p| p.dir.as_str())
        .chain((!root_has_kptfile).then_some(""))
        .collect();
    let mut ignores: BTreeMap<String, Vec<(String, String, bool)>> = BTreeMap::new();
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // The root package migrate writes has no definitions: v0 comments there cannot resolve.
    let no_defs = Definitions::default();
    for file in &tree.files {
        if file.rel.rsplit('/').next() == Some("Kptfile") {
            continue;
        }
        let text = fs::read_to_string(&file.path).map_err(|e| format!("{}: {e}", file.rel))?;
        let package = v0.iter().find(|p| p.dir == file.package);
        let new_root = !root_has_kptfile && file.package.is_empty();
        let defs = match package {
            Some(p) => Some(&p.defs),
            None => new_root.then_some(&no_defs),
        };
        let mut new_text = None;
        let unreadable = unreadable_reason(&file.rel, &text);
        let mut has_setters = false;
        if let Some(defs) = defs {
            match convert(&text, defs) {
                Ok(converted) => {
                    has_setters = !converted.names.is_empty() || !converted.problems.is_empty();
                    for (line, problem) in converted.problems {
                        out.results.push(KrmResult::warning(format!(
                            "{}:{line}: {problem}",
                            file.rel
                        )));
                    }
                    if unreadable.is_none() {
                        used.entry(file.package.clone())
                            .or_default()
                            .extend(converted.names);
                    }
                    new_text = converted.text;
                }
                Err(e) => out.results.push(KrmResult::warning(format!(
                    "{}: setter comments not converted: {e}",
                    file.rel
                ))),
            }
        }
        if migrated.contains(&file.package.as_str()) {
            if let Some(reason) = unreadable {
                let inner = file
                    .rel
                    .strip_prefix(&file.package)
                    .unwrap_or(&file.rel)
                    .trim_start_matches('/');
                ignores.entry(file.package.clone()).or_default().push((
                    inner.to_string(),
                    reason,
                    has_setters,
                ));
            }
        }
        if let Some(new) = new_text {
            changes.push(Change {
                rel: file.rel.clone(),
                old: Some(text),
                new,
            });
        }
    }
    for package in &v0 {
        let (mut values, missing) = setter_values(&package.kptfile, &package.defs, &given);
        let kptfile_rel = tree::join(&package.dir, "Kptfile");
        let no_use = BTreeSet::new();
        let in_use = used.get(&package.dir).unwrap_or(&no_use);
        values.retain(|(name, value)| {
            let keep = in_use.contains(name);
            if !keep {
                out.results.push(KrmResult::info(format!(
                    "{kptfile_rel}: setter {name} (value {value:?}) is used by no setter comment \
                     in a file kpt reads: left out of {SETTERS_FILE}"
                )));
            }
            keep
        });
        for name in &missing {
            out.results.push(KrmResult::warning(format!(
                "{kptfile_rel}: setter {name} has no value: kpt v1 has no defaults; fields that \
                 use it keep their text until a value is given (`--set {name}=VALUE`)"
            )));
        }
        let mut mutators = Vec::new();
        if !values.is_empty() {
            let config = setters_config(&setters_name(&package.dir), &values);
            let text = format!(
                "# kpt v1 setter values of this package, from its kpt v0 Kptfile (written by \
                 private-gke migrate); its Kptfile pipeline applies them.\n{}",
                render_document(&config, Layout::default())
            );
            changes.push(new_file(
                root,
                &tree::join(&package.dir, SETTERS_FILE),
                text,
            )?);
            mutators.push(options.runner.mutator(Some(SETTERS_FILE)));
        }
        if package.dir.is_empty() {
            mutators.push(root_mutator.clone());
        }
        let mut notes = Vec::new();
        let new = to_v1(&package.kptfile, mutators, &mut notes);
        for note in notes {
            out.results
                .push(KrmResult::warning(format!("{kptfile_rel}: {note}")));
        }
        let old = fs::read_to_string(root.join(&kptfile_rel))
            .map_err(|e| format!("{kptfile_rel}: {e}"))?;
        changes.push(Change {
            rel: kptfile_rel,
            old: Some(old),
            new: render_document(&new, Layout::default()),
        });
    }
    if !root_has_kptfile {
        let name = root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "root".to_string());
        let kptfile = root_kptfile(&name, vec![root_mutator.clone()]);
        changes.push(new_file(
            root,
            "Kptfile",
            render_document(&kptfile, Layout::default()),
        )?);
        out.results.push(KrmResult::info(
            "Kptfile: the tree had no root Kptfile: wrote one (kpt.dev/v1) whose pipeline runs \
             private-gke with the settings given",
        ));
    } else if !root_is_v0 {
        out.results.push(KrmResult::warning(
            "Kptfile: the root Kptfile is already kpt v1: private-gke is not added to its \
             pipeline; add it by hand",
        ));
    }

    for (dir, entries) in &ignores {
        let rel = tree::join(dir, ".krmignore");
        let old = fs::read_to_string(root.join(&rel)).ok();
        let mut new = old.clone().unwrap_or_default();
        if !new.is_empty() && !new.ends_with('\n') {
            new.push('\n');
        }
        new.push_str(
            "# private-gke migrate: files kpt 1.0 cannot read (not KRM resources); kustomize \
             still reads them by path\n",
        );
        for (inner, reason, has_setters) in entries {
            new.push('/');
            new.push_str(inner);
            new.push('\n');
            let setters = if *has_setters {
                "; kpt fn render does not set its setter comments: set them by hand or with \
                 package mode (`private-gke --set KEY=VALUE DIR`)"
            } else {
                ""
            };
            out.results.push(KrmResult::warning(format!(
                "{}: kpt 1.0 cannot read it ({reason}): listed in {rel}, kustomize still reads \
                 it{setters}",
                tree::join(dir, inner)
            )));
        }
        changes.push(Change { rel, old, new });
    }
    out.results.push(KrmResult::info(format!(
        "migrated {} kpt v0 package(s) to kpt v1: {}",
        v0.len(),
        v0.iter()
            .map(|p| if p.dir.is_empty() {
                "."
            } else {
                p.dir.as_str()
            })
            .collect::<Vec<_>>()
            .join(", ")
    )));
    changes.retain(|c| c.old.as_deref() != Some(c.new.as_str()));
    out.changed = changes.iter().map(|c| c.rel.clone()).collect();
    if options.dry_run {
        out.stdout = diff(&changes);
    } else {
        write(root, &changes)?;
    }
    Ok(out)
}

/// The JSON view of a one-document YAML file.
fn read_json(path: &Path, rel: &str) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{rel}: {e}"))?;
    let doc = Document::parse(text).map_err(|e| format!("{rel}: {e}"))?;
    let Some(&root) = doc.roots().first() else {
        return Err(format!("{rel}: empty"));
    };
    doc.to_json(root).map_err(|e| format!("{rel}: {e}"))
}

/// Add `config.kubernetes.io/local-config: "true"` (a config is never deployed).
fn mark_local(config: &mut Value) {
    let Some(map) = config.as_object_mut() else {
        return;
    };
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Some(metadata) = metadata.as_object_mut() {
        let annotations = metadata
            .entry("annotations")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(a) = annotations.as_object_mut() {
            a.entry("config.kubernetes.io/local-config")
                .or_insert_with(|| Value::String("true".into()));
        }
    }
}

/// A file migrate writes: new, or already there with the same text; anything else is in the way.
fn new_file(root: &Path, rel: &str, text: String) -> Result<Change, String> {
    match fs::read_to_string(root.join(rel)) {
        Err(_) => Ok(Change {
            rel: rel.to_string(),
            old: None,
            new: text,
        }),
        Ok(old) if old == text => Ok(Change {
            rel: rel.to_string(),
            old: Some(old),
            new: text,
        }),
        Ok(_) => Err(format!(
            "{rel}: exists with other content: migrate writes its own {rel} there; move it away first"
        )),
    }
}

/// A unified diff of every change, `a/` and `b/` prefixed like git.
fn diff(changes: &[Change]) -> String {
    let mut out = String::new();
    for change in changes {
        let from = match change.old {
            Some(_) => format!("a/{}", change.rel),
            None => "/dev/null".to_string(),
        };
        let text = similar::TextDiff::from_lines(change.old.as_deref().unwrap_or(""), &change.new)
            .unified_diff()
            .context_radius(3)
            .header(&from, &format!("b/{}", change.rel))
            .to_string();
        out.push_str(&text);
    }
    out
}

/// Write every change: all temp files first, then rename each over its target.
fn write(root: &Path, changes: &[Change]) -> Result<(), String> {
    let mut temps = Vec::new();
    for change in changes {
        let target = root.join(&change.rel);
        let temp = target.with_file_name(format!(
            ".{}.private-gke-migrate",
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        if let Err(e) = fs::write(&temp, &change.new) {
            for (t, _) in &temps {
                let _ = fs::remove_file(t);
            }
            return Err(format!("{}: {e}", change.rel));
        }
        temps.push((temp, target));
    }
    for (temp, target) in temps {
        fs::rename(&temp, &target).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(())
}
