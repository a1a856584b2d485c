//! Package writes that cannot escape the package or leave it half written: symlinks out of the
//! package are refused, a failed rename undoes the files already replaced, a concurrent run is
//! refused, SIGKILLs at random points of a large write leave every file old or new and the next
//! run makes the package wholly one or the other; in stdin mode no generated item gets a path
//! outside the package.

use crate::support;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run private-gke")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir` (hidden ones included) with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else {
                let rel = entry.path().strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, fs::read(entry.path()).unwrap_or_default());
            }
        }
    }
    out
}

/// Names that private-gke's write machinery uses: temp files, backups, the journal, the lock.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    files(dir)
        .into_keys()
        .filter(|p| p.to_string_lossy().contains(".private-gke"))
        .collect()
}

/// A copy of the bundled example blueprint in a temp dir.
fn blueprint() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    support::copy_tree(&Path::new(ROOT).join("examples/blueprint"), &pkg, &[]);
    (tmp, pkg)
}

#[test]
fn a_symlinked_directory_out_of_the_package_is_refused() {
    let (tmp, pkg) = blueprint();
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink("../outside", pkg.join("private-gke")).unwrap();
    let before = files(&pkg);
    let config = format!("{ROOT}/private-gke.yaml");
    for dry in [true, false] {
        let mut args = vec!["--config", config.as_str()];
        if dry {
            args.push("--dry-run");
        }
        args.push(pkg.to_str().unwrap());
        let out = run(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "dry-run {dry}: {stderr}");
        assert!(
            stderr.contains("cannot write private-gke/")
                && stderr.contains("private-gke is a symlink to")
                && stderr.contains("outside the package"),
            "{stderr}"
        );
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0, "wrote outside");
        assert_eq!(files(&pkg), before, "the package changed");
        assert!(leftovers(&pkg).is_empty());
    }
}

/// A package of `n` ConfigMaps whose `data.v` is set by the setter `v`: the old texts, and the
/// new ones after `--set v=new`.
fn setter_package(
    dir: &Path,
    n: usize,
) -> (BTreeMap<PathBuf, Vec<u8>>, BTreeMap<PathBuf, Vec<u8>>) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    let kptfile = "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n";
    fs::write(dir.join("Kptfile"), kptfile).unwrap();
    let pad = "x".repeat(2000);
    let (mut old, mut new) = (BTreeMap::new(), BTreeMap::new());
    old.insert(PathBuf::from("Kptfile"), kptfile.as_bytes().to_vec());
    new.insert(PathBuf::from("Kptfile"), kptfile.as_bytes().to_vec());
    for i in 0..n {
        let body = |v: &str| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  v: {v} # kpt-set: ${{v}}\n  pad: {pad}\n")
        };
        let rel = PathBuf::from(format!("f{i:03}.yaml"));
        fs::write(dir.join(&rel), body("old")).unwrap();
        old.insert(rel.clone(), body("old").into_bytes());
        new.insert(rel, body("new").into_bytes());
    }
    (old, new)
}

/// A small xorshift generator (the seed is printed, to replay a failure).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Files of the SIGKILL test's package.
const N: usize = 80;

#[test]
fn sigkill_during_a_large_write_leaves_the_package_old_or_new() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    let p = pkg.to_str().unwrap();
    let (old, new) = setter_package(&pkg, N);
    let start = Instant::now();
    let full = run(&["--set", "v=new", p]);
    let whole = start.elapsed();
    assert_eq!(full.status.code(), Some(0), "{}", text(&full.stderr));
    assert_eq!(files(&pkg), new);

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("seed {seed}, a whole run takes {whole:?}");
    let mut rng = Rng(seed);
    let (mut mid_write, mut ended_old, mut ended_new) = (0, 0, 0);
    for round in 0..30 {
        setter_package(&pkg, N);
        let mut child = Command::new(BIN)
            .args(["--set", "v=new", p])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = rng.below(whole.as_micros() as u64 * 11 / 10);
        std::thread::sleep(Duration::from_micros(wait));
        let _ = child.kill();
        child.wait().unwrap();

        let after_kill = files(&pkg);
        for (rel, bytes) in &after_kill {
            if rel.to_string_lossy().contains(".private-gke") {
                continue;
            }
            assert!(
                old.get(rel) == Some(bytes) || new.get(rel) == Some(bytes),
                "round {round} (seed {seed}): {} is neither old nor new",
                rel.display()
            );
        }
        if after_kill.contains_key(Path::new(".private-gke.journal")) {
            mid_write += 1;
        }

        // The next run (here one that changes nothing itself) completes or undoes the write.
        let next = run(&[p]);
        assert_eq!(
            next.status.code(),
            Some(0),
            "round {round}: {}",
            text(&next.stderr)
        );
        let now = files(&pkg);
        if now == old {
            ended_old += 1;
        } else if now == new {
            ended_new += 1;
        } else {
            let mixed: Vec<_> = now
                .iter()
                .filter(|(rel, bytes)| {
                    old.get(*rel) != Some(*bytes) && new.get(*rel) != Some(*bytes)
                })
                .map(|(rel, _)| rel.display().to_string())
                .collect();
            panic!("round {round} (seed {seed}): the package is half old, half new: {mixed:?}");
        }
    }
    eprintln!(
        "30 kills: {mid_write} mid-write; after the next run {ended_old} old, {ended_new} new"
    );
    assert!(
        mid_write > 0,
        "no kill landed in the write (seed {seed}); the test proves nothing"
    );
}

#[test]
fn a_concurrent_run_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    let (old, _) = setter_package(&pkg, 3);
    let lock = fs::File::create(pkg.join(".private-gke.lock")).unwrap();
    lock.lock().unwrap();
    let out = run(&["--set", "v=new", pkg.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "private-gke: {}: another private-gke run is writing this package; nothing was written (run again when it has finished)",
            pkg.join(".private-gke.lock").display()
        )
    );
    assert!(out.stdout.is_empty());
    drop(lock);
    let mut now = files(&pkg);
    now.remove(Path::new(".private-gke.lock"));
    assert_eq!(now, old);

    let again = run(&["--set", "v=new", pkg.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(leftovers(&pkg).is_empty(), "{:?}", leftovers(&pkg));
}

#[test]
fn a_dry_run_refuses_a_half_written_package() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    setter_package(&pkg, 2);
    let journal = pkg.join(".private-gke.journal");
    fs::write(&journal, r#"{"state":"rename","entries":[],"dirs":[]}"#).unwrap();
    let out = run(&["--set", "v=new", "--dry-run", pkg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim_end(),
        format!("private-gke: {}: an interrupted private-gke run left this package half written; a run without --dry-run or --output undoes it", journal.display())
    );
    assert!(journal.exists());
}

#[test]
fn an_unreadable_journal_is_named_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    let (old, _) = setter_package(&pkg, 2);
    let journal = pkg.join(".private-gke.journal");
    fs::write(&journal, "not json").unwrap();
    let out = run(&["--set", "v=new", pkg.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "private-gke: {}: not a journal of private-gke",
            journal.display()
        )),
        "{stderr}"
    );
    let mut now = files(&pkg);
    assert_eq!(
        now.remove(Path::new(".private-gke.journal")),
        Some(b"not json".to_vec())
    );
    assert_eq!(now, old);
}

/// A failed rename (here an immutable file, where `chattr` works) undoes the files already
/// replaced and leaves no temp file; the error names the file.
#[test]
fn a_failed_rename_undoes_the_files_already_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    let (old, _) = setter_package(&pkg, 5);
    let last = pkg.join("f004.yaml");
    let chattr = Command::new("chattr").arg("+i").arg(&last).output();
    if !chattr.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!(
            "skipped: chattr +i does not work here (needs root and a file system with attributes)"
        );
        return;
    }
    let out = run(&["--set", "v=new", pkg.to_str().unwrap()]);
    let _ = Command::new("chattr").arg("-i").arg(&last).output();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("private-gke: {}: ", last.display()))
            && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(
        files(&pkg),
        old,
        "files replaced before the failure are not undone"
    );
}

/// In stdin mode generated items take their path from the input's annotations; a path out of
/// the package (`../…`, `/…`) is never emitted.
#[test]
fn stdin_mode_never_emits_a_generated_path_outside_the_package() {
    let cluster =
        fs::read_to_string(Path::new(ROOT).join("examples/blueprint/cluster/cluster.yaml"))
            .unwrap();
    let body = &cluster[cluster.find("apiVersion:").unwrap()..];
    let item: String = body
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("- {l}\n")
            } else {
                format!("  {l}\n")
            }
        })
        .collect();
    for base in ["../../evil/", "/etc/"] {
        let annotate = |text: &str, path: &str| {
            text.replacen(
                "  metadata:\n",
                &format!("  metadata:\n    annotations:\n      config.kubernetes.io/path: '{path}'\n      internal.config.kubernetes.io/path: '{path}'\n"),
                1,
            )
        };
        let kptfile = annotate(
            "- apiVersion: kpt.dev/v1\n  kind: Kptfile\n  metadata:\n    name: pkg\n",
            &format!("{base}Kptfile"),
        );
        let input = format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{kptfile}{}",
            annotate(&item, &format!("{base}cluster/cluster.yaml"))
        );
        let mut child = Command::new(BIN)
            .args([
                "--set",
                "region=us-central1",
                "--set",
                "location=us-central1-c",
                "--set",
                "zone=us-central1-c",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{base}: {}", text(&out.stderr));
        let list: serde_norway::Value = serde_norway::from_str(&stdout).unwrap();
        let items = list["items"].as_sequence().unwrap();
        assert_eq!(items.len(), 2, "{base}: generated items were emitted");
        let errors: Vec<&str> = list["results"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter(|r| r["severity"].as_str() == Some("error"))
            .filter_map(|r| r["message"].as_str())
            .collect();
        // Every generated resource of the private network (the version is assumed current).
        let generated = private_gke::gke::resources::count(
            true,
            private_gke::gke::firewall_rules::Allowlist::choose(
                private_gke::config::EgressAllowlist::Fqdn,
                true,
            ),
        );
        assert_eq!(errors.len(), generated, "{base}: {errors:?}");
        assert!(
            errors.iter().all(|m| m.starts_with(
                "generated resource left out: its `internal.config.kubernetes.io/path` `"
            ) && m.contains(&format!("`{base}private-gke/"))
                && m.ends_with(
                    "is outside the package (it comes from the input's path annotations)"
                )),
            "{errors:?}"
        );
        let generated = format!("{base}private-gke/");
        for result in list["results"].as_sequence().unwrap() {
            let path = result["file"]["path"].as_str().unwrap_or("");
            assert!(!path.starts_with(&generated), "a result names {path}");
        }
    }
}
