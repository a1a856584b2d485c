//! Helpers shared by the end-to-end tests.

use std::fs;
use std::path::Path;

#[allow(dead_code)]
/// Copy a directory tree, leaving out entries with the names in `skip`; copies are writable
/// (the shared reference data is read-only).
pub fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if skip.contains(&entry.file_name().to_str().unwrap_or("")) {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target, skip);
        } else {
            fs::copy(entry.path(), &target).unwrap();
            let mut perms = fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            fs::set_permissions(&target, perms).unwrap();
        }
    }
}

/// `shared/reference/`, beside the repository.
#[allow(dead_code)]
pub const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference");

/// Every YAML/JSON file (and Kptfile) under `shared/reference/`, sorted; asserts they are there.
/// The yaml-test-suite is left out: it holds deliberate error cases and has a tier of its own.
#[allow(dead_code)]
pub fn reference_yaml_files() -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n == "yaml-test-suite") {
                    continue;
                }
                walk(&path, out);
            } else {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.ends_with(".yaml")
                    || name.ends_with(".yml")
                    || name.ends_with(".json")
                    || name == "Kptfile"
                {
                    out.push(path);
                }
            }
        }
    }
    let mut files = Vec::new();
    walk(Path::new(REFERENCE), &mut files);
    assert!(
        files.len() > 100,
        "reference files not found under {REFERENCE}"
    );
    files
}
