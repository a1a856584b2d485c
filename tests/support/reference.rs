//! The reference tier: where the upstream reference data is, and what a test does without it.
//!
//! The data is found at `PRIVATE_GKE_REFERENCE` (default `../shared/reference` beside the
//! repository); the team's tools at `PRIVATE_GKE_TOOLS` (default `tools/` beside that directory).
//! When the data is absent a test prints `skipped: …` (past the harness's output capture) and
//! passes, unless `PRIVATE_GKE_REQUIRE_REFERENCE=1` (set by `.ci/run`): then absence fails it.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The reference data directory, whether or not it is there.
pub fn dir() -> PathBuf {
    match std::env::var_os("PRIVATE_GKE_REFERENCE") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference"),
    }
}

/// The tools directory, whether or not it is there.
pub fn tools_dir() -> PathBuf {
    match std::env::var_os("PRIVATE_GKE_TOOLS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => dir().join("../tools"),
    }
}

/// Whether absence of the reference data fails the test (`PRIVATE_GKE_REQUIRE_REFERENCE=1`).
pub fn required() -> bool {
    std::env::var("PRIVATE_GKE_REQUIRE_REFERENCE").is_ok_and(|v| v == "1")
}

/// `path` when it exists; otherwise a printed skip (or a failure when required) and `None`.
fn existing(path: PathBuf, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("reference tier")
        .to_string();
    let why = format!(
        "{test}: {what} {} not found (set PRIVATE_GKE_REFERENCE to the reference data)",
        path.display()
    );
    assert!(!required(), "PRIVATE_GKE_REQUIRE_REFERENCE=1: {why}");
    // Straight to stderr, past the test harness's capture, so that a plain `cargo test` shows
    // it; once per message (a property test asks many times).
    static SHOWN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    if SHOWN
        .lock()
        .map(|mut s| s.insert(why.clone()))
        .unwrap_or(true)
    {
        let _ = writeln!(std::io::stderr(), "skipped: {why}");
    }
    None
}

/// `<reference>/<rel>` when the reference data holds it; `None` after a printed skip.
pub fn path(rel: &str) -> Option<PathBuf> {
    existing(dir().join(rel), "reference data")
}

/// `<tools>/<name>` when the team's tools are there; `None` after a printed skip.
pub fn tool(name: &str) -> Option<PathBuf> {
    existing(tools_dir().join(name), "tool")
}

/// Whether the reference data is there; when not, a printed skip (or a failure when required).
pub fn present() -> bool {
    path("").is_some()
}
