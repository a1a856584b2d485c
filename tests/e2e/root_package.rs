//! The repository as a kpt package: `kpt fn render --allow-exec .` at the root (after
//! `cargo build --release`) runs the function on the bundled example blueprint. Runs exactly
//! that on a copy of the whole repository (build output and git data aside), so a test fixture
//! with a Kptfile of its own — which kpt would take for a subpackage whatever `.krmignore` says —
//! breaks it. Skipped, with the reason printed, where kpt is missing.

use crate::support;

use std::fs;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

fn render(dir: &Path) -> String {
    let out = Command::new("/usr/bin/kpt")
        .args(["fn", "render", "--allow-exec", "."])
        .current_dir(dir)
        .env("KRM_DISABLE_ATTRIBUTION", "1")
        .output()
        .expect("run kpt");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "kpt fn render failed:\n{log}");
    log
}

fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "yaml") || path.ends_with("Kptfile") {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((rel, fs::read_to_string(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn kpt_fn_render_at_the_root_makes_the_example_private() {
    if !Path::new("/usr/bin/kpt").is_file() {
        eprintln!("skipped: kpt is not installed at /usr/bin/kpt");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path();
    support::copy_tree(Path::new(ROOT), pkg, &[".git", "target"]);
    fs::create_dir_all(pkg.join("target/release")).unwrap();
    fs::copy(BIN, pkg.join("target/release/private-gke")).unwrap();

    let outside_example = |files: Vec<(String, String)>| -> Vec<(String, String)> {
        files
            .into_iter()
            .filter(|(path, _)| !path.starts_with("examples/blueprint/"))
            .collect()
    };
    let untouched = outside_example(snapshot(pkg));
    let log = render(pkg);
    assert!(
        outside_example(snapshot(pkg)) == untouched,
        "render changed files outside the example"
    );
    assert!(
        log.contains("[PASS] \"./target/release/private-gke\""),
        "{log}"
    );

    let example = pkg.join("examples/blueprint");
    let cluster = fs::read_to_string(example.join("cluster/cluster.yaml")).unwrap();
    for expected in [
        "  name: kf-demo # kpt-set: ${name}\n",
        "  location: us-central1-c # kpt-set: ${location}\n",
        "  privateClusterConfig:\n    enablePrivateNodes: true\n",
        "    masterIpv4CidrBlock: 172.16.0.32/28\n",
        "    # use upper case for the channels\n",
    ] {
        assert!(
            cluster.contains(expected),
            "missing {expected:?} in\n{cluster}"
        );
    }
    let generated: Vec<String> = snapshot(pkg)
        .into_iter()
        .map(|(path, _)| path)
        .filter(|p| p.starts_with("examples/") && p.contains("private-gke/"))
        .collect();
    assert_eq!(
        generated,
        [
            "examples/blueprint/private-gke/compute-network.yaml",
            "examples/blueprint/private-gke/dns-gcr.yaml",
            "examples/blueprint/private-gke/dns-google-apis.yaml",
            "examples/blueprint/private-gke/dns-pkg-dev.yaml",
            "examples/blueprint/private-gke/enable-services.yaml",
            "examples/blueprint/private-gke/firewall.yaml",
            "examples/blueprint/private-gke/nat.yaml",
        ]
    );
    let firewalls = fs::read_to_string(example.join("private-gke/firewall.yaml")).unwrap();
    // Config Connector 1.33.0 (the example's): no firewall policies, so the address lists too.
    assert_eq!(firewalls.matches("kind: ComputeFirewall").count(), 10);
    assert!(firewalls.contains("name: kf-demo-deny-egress # kpt-set: ${name}-deny-egress"));

    let first = snapshot(pkg);
    render(pkg);
    assert!(
        snapshot(pkg) == first,
        "a second render changed the package"
    );
}
