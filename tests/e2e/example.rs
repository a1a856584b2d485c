//! The bundled example with its settings (`private-gke.yaml`), in package mode: the first run
//! makes it private with one warning, that its public control-plane endpoint is open to every
//! address (the example keeps the Kubeflow 1.1 access); the second changes nothing and warns the
//! same.

use crate::support;

use std::fs;
use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

fn run(dir: &Path) -> (String, String) {
    let out = Command::new(BIN)
        .arg("--config")
        .arg(Path::new(ROOT).join("private-gke.yaml"))
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    (stdout, stderr)
}

#[test]
fn the_example_becomes_private_then_stays_put() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("blueprint");
    support::copy_tree(&Path::new(ROOT).join("examples/blueprint"), &pkg, &[]);

    let (_, first) = run(&pkg);
    let open =
        "[warning] ContainerCluster/kf-demo spec.privateClusterConfig.enablePrivateEndpoint: \
                the control plane's public endpoint is open to every address";
    let warnings: Vec<&str> = first
        .lines()
        .filter(|l| l.starts_with("[warning]"))
        .collect();
    assert_eq!(warnings.len(), 1, "{first}");
    assert!(warnings[0].starts_with(open), "{first}");
    assert!(!first.contains("[error]"), "{first}");
    assert!(
        first.contains("[info] ContainerCluster/kf-demo: Config Connector 1.33.0 has no network firewall policy FQDN rules"),
        "{first}"
    );
    let generated = private_gke::gke::resources::count(
        true,
        private_gke::gke::firewall_rules::Allowlist::choose(
            private_gke::config::EgressAllowlist::Fqdn,
            false,
        ),
    );
    assert!(
        first.contains(&format!("private network: {generated} resources created")),
        "{first}"
    );
    assert!(
        first.contains("checks: 0 error(s), 1 warning(s)"),
        "{first}"
    );
    let cluster = fs::read_to_string(pkg.join("cluster/cluster.yaml")).unwrap();
    assert!(
        cluster.contains("  name: kf-demo # kpt-set: ${name}\n"),
        "{cluster}"
    );
    assert!(
        cluster.contains("    enablePrivateNodes: true\n"),
        "{cluster}"
    );

    let snapshot = |dir: &Path| {
        let mut files: Vec<(String, String)> = Vec::new();
        for sub in ["", "cluster", "private-gke"] {
            for entry in fs::read_dir(dir.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    files.push((
                        path.display().to_string(),
                        fs::read_to_string(&path).unwrap(),
                    ));
                }
            }
        }
        files.sort();
        files
    };
    let before = snapshot(&pkg);
    let (_, second) = run(&pkg);
    assert_eq!(snapshot(&pkg), before, "the second run changed files");
    let warnings: Vec<&str> = second
        .lines()
        .filter(|l| l.starts_with("[warning]"))
        .collect();
    assert_eq!(warnings.len(), 1, "{second}");
    assert!(warnings[0].starts_with(open), "{second}");
    assert!(
        second.contains("checks: 0 error(s), 1 warning(s)"),
        "{second}"
    );
}
