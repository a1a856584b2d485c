//! The reference tier's switch (`support/reference.rs`): with the reference data absent a test
//! prints why it skipped and passes; with `PRIVATE_GKE_REQUIRE_REFERENCE=1` it fails; with the
//! data present it runs. Each case runs this test binary's `probe` in a child process.

use crate::support;

use std::process::Command;

/// Asks for a reference file; run only by the test below, in a child with its environment.
#[test]
#[ignore = "run by reference_data_absent_skips_visibly_or_fails_when_required"]
fn probe() {
    let Some(path) = support::reference::path("derived") else {
        return;
    };
    assert!(path.is_dir());
    println!("ran with {}", path.display());
}

fn probe_with(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        "reference_tier::probe",
        "--nocapture",
    ])
    .env_remove("PRIVATE_GKE_REQUIRE_REFERENCE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn reference_data_absent_skips_visibly_or_fails_when_required() {
    let tmp = tempfile::tempdir().unwrap();
    let absent = tmp.path().join("no-reference");
    let absent = absent.to_str().unwrap();
    let (code, log) = probe_with(&[("PRIVATE_GKE_REFERENCE", absent)]);
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains(&format!(
            "skipped: reference_tier::probe: reference data {absent}/derived not found"
        )),
        "{log}"
    );
    let (code, log) = probe_with(&[
        ("PRIVATE_GKE_REFERENCE", absent),
        ("PRIVATE_GKE_REQUIRE_REFERENCE", "1"),
    ]);
    assert_eq!(code, Some(101), "{log}");
    assert!(
        log.contains("PRIVATE_GKE_REQUIRE_REFERENCE=1: reference_tier::probe: reference data"),
        "{log}"
    );

    std::fs::create_dir_all(tmp.path().join("present/derived")).unwrap();
    let present = tmp.path().join("present");
    let (code, log) = probe_with(&[
        ("PRIVATE_GKE_REFERENCE", present.to_str().unwrap()),
        ("PRIVATE_GKE_REQUIRE_REFERENCE", "1"),
    ]);
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("ran with"), "{log}");
}
