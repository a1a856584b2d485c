//! Package writes: confined to the package, all or nothing, and recoverable after a kill.
//!
//! A writing run holds an exclusive lock (`.private-gke.lock`), so a concurrent run is refused.
//! A write keeps a journal (`.private-gke.journal`): first every new text goes to a temp file
//! and every file to be replaced or deleted gets a backup (a hard link, or a copy); only then are
//! the temp files renamed over their targets and the deleted files removed; the backups go last.
//! A failure undoes what was renamed; a run interrupted before the end is undone (or, when every
//! rename was done, completed) by the next one. Temp files, backups and the journal are hidden
//! and never end in `.yaml`, so readers skip them.

use super::Change;
use crate::krm::InputError;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// The lock file, in the package directory.
pub const LOCK: &str = ".private-gke.lock";
/// The journal of a write under way, in the package directory.
pub const JOURNAL: &str = ".private-gke.journal";
/// What the journal is written to before it is renamed into place.
const JOURNAL_TEMP: &str = ".private-gke.journal.tmp";

/// How far a write got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    /// Temp files and backups are being written; no target has changed.
    Prepare,
    /// Targets are being replaced or deleted.
    Rename,
    /// Every target is replaced or deleted; only backups are left to remove.
    Done,
}

/// One file of a write, package-relative.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    target: String,
    /// The file existed (it has a backup).
    old: bool,
    /// The file gets a new text (from its temp file); otherwise it is deleted.
    new: bool,
}

/// The journal: the state and every file of the write, with the directories it created.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Journal {
    state: State,
    entries: Vec<Entry>,
    /// Created directories, package-relative, parents first.
    dirs: Vec<String>,
}

/// Whether `path` is a relative path that stays inside the package (no `..`, not absolute).
pub fn is_package_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Refuse a write target that would land outside the package `dir`: a symlink on the way (or the
/// file itself) that resolves elsewhere, or a symlinked file (a rename would replace the link).
pub fn check_inside(dir: &Path, rel: &str) -> Result<(), String> {
    let root = fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut path = dir.to_path_buf();
    let mut shown = PathBuf::new();
    for component in Path::new(rel).components() {
        path.push(component);
        shown.push(component);
        let Ok(meta) = fs::symlink_metadata(&path) else {
            break;
        };
        if !meta.file_type().is_symlink() {
            continue;
        }
        let resolved = fs::canonicalize(&path);
        match resolved {
            Ok(real) if real.starts_with(&root) && shown != Path::new(rel) => {}
            Ok(real) if real.starts_with(&root) => {
                return Err(format!(
                    "cannot write {rel}: it is a symlink (to {}); replace it with the file",
                    real.display()
                ))
            }
            Ok(real) => {
                return Err(format!(
                    "cannot write {rel}: {} is a symlink to {}, outside the package",
                    shown.display(),
                    real.display()
                ))
            }
            Err(e) => {
                return Err(format!(
                    "cannot write {rel}: {} is a symlink that does not resolve ({e})",
                    shown.display()
                ))
            }
        }
    }
    Ok(())
}

/// An exclusive lock on a package; on drop its file is removed and the lock released.
#[derive(Debug)]
pub struct PackageLock {
    path: PathBuf,
    _file: File,
}

impl Drop for PackageLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Take the package's lock, or refuse when another run holds it. `None` when the lock file
/// cannot be created because the directory is not writable (then nothing can be written either).
pub fn lock(dir: &Path) -> Result<Option<PackageLock>, InputError> {
    let path = dir.join(LOCK);
    let shown = path.display().to_string();
    loop {
        let file = match OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if read_only(&e) => return Ok(None),
            Err(e) => {
                return Err(InputError::whole(
                    &shown,
                    format!("cannot lock the package: {e}"),
                ))
            }
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(InputError::whole(
                    &shown,
                    "another private-gke run is writing this package; nothing was written (run again when it has finished)",
                ))
            }
            Err(TryLockError::Error(e)) => {
                return Err(InputError::whole(&shown, format!("cannot lock the package: {e}")))
            }
        }
        // The run that held the lock may have removed its file meanwhile: hold the one on disk.
        let held = file.metadata().map(|m| (m.dev(), m.ino()));
        let on_disk = fs::metadata(&path).map(|m| (m.dev(), m.ino()));
        if let (Ok(held), Ok(on_disk)) = (held, on_disk) {
            if held == on_disk {
                return Ok(Some(PackageLock { path, _file: file }));
            }
        }
    }
}

fn read_only(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

/// Refuse to read a package that an interrupted write left half done (dry runs, which write
/// nothing, cannot repair it).
pub fn check_no_journal(dir: &Path) -> Result<(), InputError> {
    let path = dir.join(JOURNAL);
    if path.exists() {
        return Err(InputError::whole(
            &path.display().to_string(),
            "an interrupted private-gke run left this package half written; a run without --dry-run or --output undoes it",
        ));
    }
    Ok(())
}

/// Undo (or complete) a write that an earlier run left unfinished; call with the lock held.
/// Returns what was done, for a result.
pub fn recover(dir: &Path) -> Result<Option<String>, InputError> {
    let path = dir.join(JOURNAL);
    let shown = path.display().to_string();
    let _ = fs::remove_file(dir.join(JOURNAL_TEMP));
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(InputError::whole(&shown, e.to_string())),
    };
    let journal: Journal = serde_json::from_str(&text).map_err(|e| {
        InputError::whole(
            &shown,
            format!("not a journal of private-gke ({e}); check the package and remove it"),
        )
    })?;
    let files = journal.entries.len();
    let done = if journal.state == State::Done {
        finish(dir, &journal).map(|()| format!("completed ({files} files)"))
    } else {
        undo(dir, &journal).map(|()| format!("undone ({files} files as before)"))
    };
    let what = done.map_err(|e| InputError::whole(&shown, e))?;
    Ok(Some(format!(
        "an interrupted run had left {JOURNAL}: its write was {what}"
    )))
}

/// `dir/a/.b.yaml.private-gke.<suffix>` for target `a/b.yaml`.
fn beside(dir: &Path, rel: &str, suffix: &str) -> PathBuf {
    let path = dir.join(rel);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.private-gke.{suffix}"))
}

fn temp_of(dir: &Path, rel: &str) -> PathBuf {
    beside(dir, rel, "tmp")
}

fn backup_of(dir: &Path, rel: &str) -> PathBuf {
    beside(dir, rel, "old")
}

fn remove_if_there(path: &Path) -> Result<(), String> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn sync_dir(path: &Path) {
    if let Ok(dir) = File::open(path) {
        let _ = dir.sync_all();
    }
}

/// Write the journal atomically (temp file, fsync, rename, fsync of the directory).
fn save(dir: &Path, journal: &Journal) -> Result<(), String> {
    let temp = dir.join(JOURNAL_TEMP);
    let text = serde_json::to_string(journal).map_err(|e| e.to_string())?;
    let written = File::create(&temp)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&temp, dir.join(JOURNAL)));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(format!("{}: {e}", dir.join(JOURNAL).display()));
    }
    sync_dir(dir);
    Ok(())
}

/// Put every target back as it was (backups renamed back, new files removed), then remove temp
/// files, created directories and the journal.
fn undo(dir: &Path, journal: &Journal) -> Result<(), String> {
    let mut failures = Vec::new();
    for entry in &journal.entries {
        let target = dir.join(&entry.target);
        let backup = backup_of(dir, &entry.target);
        let temp = temp_of(dir, &entry.target);
        // A target is untouched while its temp file is there (or, to be deleted, it is there).
        let touched = journal.state != State::Prepare
            && if entry.new {
                !temp.exists()
            } else {
                !target.exists()
            };
        let restored = match (touched, entry.old) {
            // No backup left: an earlier undo restored it already.
            (true, true) if !backup.exists() => Ok(()),
            (true, true) => {
                fs::rename(&backup, &target).map_err(|e| format!("{}: {e}", target.display()))
            }
            (true, false) => remove_if_there(&target),
            (false, _) => remove_if_there(&backup),
        };
        failures.extend(restored.err());
        failures.extend(remove_if_there(&temp).err());
    }
    if !failures.is_empty() {
        return Err(format!(
            "cannot undo the write ({}); the next run tries again",
            failures.join("; ")
        ));
    }
    for created in journal.dirs.iter().rev() {
        let _ = fs::remove_dir(dir.join(created));
    }
    remove_if_there(&dir.join(JOURNAL))?;
    sync_dir(dir);
    Ok(())
}

/// Remove the backups and the journal of a write whose renames are all done.
fn finish(dir: &Path, journal: &Journal) -> Result<(), String> {
    for entry in &journal.entries {
        remove_if_there(&backup_of(dir, &entry.target))?;
        remove_if_there(&temp_of(dir, &entry.target))?;
    }
    remove_if_there(&dir.join(JOURNAL))?;
    sync_dir(dir);
    Ok(())
}

/// Directories (package-relative, parents first) that writing `changes` has to create.
fn missing_dirs(dir: &Path, changes: &[Change]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for change in changes.iter().filter(|c| c.new.is_some()) {
        let mut ancestors: Vec<&Path> = Path::new(&change.rel)
            .ancestors()
            .skip(1)
            .filter(|a| !a.as_os_str().is_empty())
            .collect();
        ancestors.reverse();
        for a in ancestors {
            let rel = a.to_string_lossy().into_owned();
            if !dir.join(a).exists() && !out.contains(&rel) {
                out.push(rel);
            }
        }
    }
    out
}

/// Write every change, all or nothing (see the module doc). Errors name the file, say that
/// nothing was written, and leave no temp file behind.
pub fn write_changes(dir: &Path, changes: &[Change]) -> Result<(), InputError> {
    if changes.is_empty() {
        return Ok(());
    }
    for change in changes {
        let path = dir.join(&change.rel);
        if let Ok(meta) = fs::metadata(&path) {
            if meta.permissions().readonly() {
                return Err(InputError::whole(
                    &path.display().to_string(),
                    "file is read-only; nothing was written",
                ));
            }
        }
    }
    let mut journal = Journal {
        state: State::Prepare,
        entries: changes
            .iter()
            .map(|c| Entry {
                target: c.rel.clone(),
                old: c.old.is_some(),
                new: c.new.is_some(),
            })
            .collect(),
        dirs: missing_dirs(dir, changes),
    };
    let failed = |journal: &Journal, file: String, message: String| {
        let undone = match undo(dir, journal) {
            Ok(()) => "nothing was written".to_string(),
            Err(e) => e,
        };
        InputError::whole(&file, format!("{message}; {undone}"))
    };
    save(dir, &journal).map_err(|e| {
        let _ = fs::remove_file(dir.join(JOURNAL_TEMP));
        InputError::whole(
            &dir.join(JOURNAL).display().to_string(),
            format!("{e}; nothing was written"),
        )
    })?;
    if let Err((file, e)) = prepare(dir, &journal, changes) {
        return Err(failed(&journal, file, e));
    }
    journal.state = State::Rename;
    if let Err(e) = save(dir, &journal) {
        journal.state = State::Prepare;
        return Err(failed(&journal, dir.join(JOURNAL).display().to_string(), e));
    }
    for change in changes {
        let target = dir.join(&change.rel);
        let done = match change.new {
            Some(_) => fs::rename(temp_of(dir, &change.rel), &target),
            None => fs::remove_file(&target),
        };
        if let Err(e) = done {
            return Err(failed(
                &journal,
                target.display().to_string(),
                e.to_string(),
            ));
        }
    }
    for created in journal.dirs.iter().chain(std::iter::once(&String::new())) {
        sync_dir(&dir.join(created));
    }
    journal.state = State::Done;
    if let Err(e) = save(dir, &journal) {
        return Err(failed(&journal, dir.join(JOURNAL).display().to_string(), e));
    }
    finish(dir, &journal)
        .map_err(|e| InputError::whole(&dir.join(JOURNAL).display().to_string(), e))?;
    remove_emptied_dirs(dir, changes);
    Ok(())
}

/// Removes the directories that deleting files left empty (the generated `private-gke/` after
/// `gke.private: false`), up to the package root; a directory with anything left stays.
fn remove_emptied_dirs(dir: &Path, changes: &[Change]) {
    for change in changes.iter().filter(|c| c.new.is_none()) {
        let mut parent = Path::new(&change.rel).parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            if fs::remove_dir(dir.join(p)).is_err() {
                break;
            }
            parent = p.parent();
        }
    }
}

/// Create the missing directories, write every temp file and make every backup; the file and
/// message of the first failure.
fn prepare(dir: &Path, journal: &Journal, changes: &[Change]) -> Result<(), (String, String)> {
    for created in &journal.dirs {
        let path = dir.join(created);
        match fs::create_dir(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err((path.display().to_string(), e.to_string())),
        }
    }
    for change in changes {
        let target = dir.join(&change.rel);
        let shown = || target.display().to_string();
        if let Some(text) = &change.new {
            write_temp(&target, &temp_of(dir, &change.rel), text)
                .map_err(|e| (shown(), e.to_string()))?;
        }
        if change.old.is_some() {
            let backup = backup_of(dir, &change.rel);
            remove_if_there(&backup).map_err(|e| (shown(), e))?;
            if fs::hard_link(&target, &backup).is_err() {
                fs::copy(&target, &backup)
                    .map_err(|e| (shown(), format!("cannot back up: {e}")))?;
            }
        }
    }
    Ok(())
}

/// Write `text` to the new file `temp` beside `path` (with `path`'s permissions), synced.
fn write_temp(path: &Path, temp: &Path, text: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(temp)?;
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| match fs::metadata(path) {
            Ok(meta) => fs::set_permissions(temp, meta.permissions()),
            Err(_) => Ok(()),
        });
    if let Err(e) = written {
        let _ = fs::remove_file(temp);
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(rel: &str, old: Option<&str>, new: Option<&str>) -> Change {
        Change {
            rel: rel.to_string(),
            old: old.map(str::to_string),
            new: new.map(str::to_string),
        }
    }

    /// Every file under `dir`, package-relative, with its text.
    fn tree(dir: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path.clone());
                }
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, fs::read_to_string(&path).unwrap_or_default()));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_failed_rename_puts_back_what_was_renamed_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.yaml"), "old a\n").unwrap();
        fs::write(dir.path().join("gone.yaml"), "old gone\n").unwrap();
        // A "new file" whose place is taken by a non-empty directory: its rename fails last.
        fs::create_dir_all(dir.path().join("d/x")).unwrap();
        let before = tree(dir.path());
        let changes = [
            change("a.yaml", Some("old a\n"), Some("new a\n")),
            change("gone.yaml", Some("old gone\n"), None),
            change("sub/new.yaml", None, Some("new\n")),
            change("d", None, Some("new d\n")),
        ];
        let err = write_changes(dir.path(), &changes).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{}: ", dir.path().join("d").display()))
                && err.ends_with("; nothing was written"),
            "{err}"
        );
        assert_eq!(tree(dir.path()), before);
    }

    #[test]
    fn an_interrupted_write_is_undone_before_its_renames_end_and_completed_after() {
        for state in [State::Prepare, State::Rename, State::Done] {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            fs::write(d.join("a.yaml"), "new a\n").unwrap();
            fs::write(backup_of(d, "a.yaml"), "old a\n").unwrap();
            fs::write(d.join("b.yaml"), "old b\n").unwrap();
            fs::hard_link(d.join("b.yaml"), backup_of(d, "b.yaml")).unwrap();
            fs::write(temp_of(d, "b.yaml"), "new b\n").unwrap();
            let journal = Journal {
                state,
                entries: vec![
                    Entry {
                        target: "a.yaml".into(),
                        old: true,
                        new: true,
                    },
                    Entry {
                        target: "b.yaml".into(),
                        old: true,
                        new: true,
                    },
                ],
                dirs: vec![],
            };
            save(d, &journal).unwrap();
            let what = recover(d).unwrap().unwrap();
            let a = fs::read_to_string(d.join("a.yaml")).unwrap();
            let b = fs::read_to_string(d.join("b.yaml")).unwrap();
            match state {
                // Prepare: no target was touched, so a.yaml's text is the user's.
                State::Prepare => assert_eq!((a.as_str(), b.as_str()), ("new a\n", "old b\n")),
                State::Rename => assert_eq!((a.as_str(), b.as_str()), ("old a\n", "old b\n")),
                State::Done => assert_eq!((a.as_str(), b.as_str()), ("new a\n", "old b\n")),
            }
            assert!(
                what.contains(if state == State::Done {
                    "completed"
                } else {
                    "undone"
                }),
                "{what}"
            );
            let names: Vec<String> = tree(d).into_iter().map(|(n, _)| n).collect();
            assert_eq!(names, ["a.yaml", "b.yaml"], "{state:?}");
        }
    }

    #[test]
    fn write_targets_must_resolve_inside_the_package() {
        let tmp = tempfile::tempdir().unwrap();
        let pkg = tmp.path().join("pkg");
        fs::create_dir_all(pkg.join("real")).unwrap();
        fs::write(pkg.join("real/g.yaml"), "x\n").unwrap();
        fs::create_dir(tmp.path().join("outside")).unwrap();
        fs::write(tmp.path().join("outside/f.yaml"), "x\n").unwrap();
        std::os::unix::fs::symlink("../outside", pkg.join("out")).unwrap();
        std::os::unix::fs::symlink("real", pkg.join("in")).unwrap();
        std::os::unix::fs::symlink("../outside/f.yaml", pkg.join("f.yaml")).unwrap();
        std::os::unix::fs::symlink("real/g.yaml", pkg.join("g.yaml")).unwrap();
        std::os::unix::fs::symlink("nowhere", pkg.join("dangling")).unwrap();
        let outside = fs::canonicalize(tmp.path().join("outside")).unwrap();
        let real = fs::canonicalize(pkg.join("real")).unwrap();
        assert_eq!(check_inside(&pkg, "in/x.yaml"), Ok(()));
        assert_eq!(check_inside(&pkg, "new/x.yaml"), Ok(()));
        assert_eq!(
            check_inside(&pkg, "out/x.yaml"),
            Err(format!(
                "cannot write out/x.yaml: out is a symlink to {}, outside the package",
                outside.display()
            ))
        );
        assert_eq!(
            check_inside(&pkg, "f.yaml"),
            Err(format!(
                "cannot write f.yaml: f.yaml is a symlink to {}, outside the package",
                outside.join("f.yaml").display()
            ))
        );
        assert_eq!(
            check_inside(&pkg, "g.yaml"),
            Err(format!(
                "cannot write g.yaml: it is a symlink (to {}); replace it with the file",
                real.join("g.yaml").display()
            ))
        );
        assert!(check_inside(&pkg, "dangling/x.yaml")
            .unwrap_err()
            .starts_with(
                "cannot write dangling/x.yaml: dangling is a symlink that does not resolve ("
            ));
        assert!(is_package_relative("a/./b.yaml"));
        for bad in ["", "../a.yaml", "a/../../b.yaml", "/etc/x.yaml"] {
            assert!(!is_package_relative(bad), "{bad}");
        }
    }
}
