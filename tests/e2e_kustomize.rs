//! Real kustomize, end to end: a `transformers:` entry runs the built binary as an exec KRM
//! function (`kustomize build --enable-alpha-plugins --enable-exec`), on comment-free input.
//! Skipped, with the reason printed, where kustomize is not installed.

use std::fs;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");
const BLUEPRINT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/blueprint");

fn kustomize_build(dir: &Path) -> Option<(bool, String, String)> {
    let out = match Command::new("kustomize")
        .args(["build", "--enable-alpha-plugins", "--enable-exec"])
        .arg(dir)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: kustomize not runnable ({e}); install it (`.ci/run` does)");
            return None;
        }
    };
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn kustomization(dir: &Path, spec: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::copy(
        Path::new(BLUEPRINT).join("cluster/cluster.yaml"),
        dir.join("cluster.yaml"),
    )
    .unwrap();
    fs::write(
        dir.join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- cluster.yaml\ntransformers:\n- private-gke.yaml\n",
    )
    .unwrap();
    fs::write(
        dir.join("private-gke.yaml"),
        format!("apiVersion: private-gke.dev/v1alpha1\nkind: PrivateGKE\nmetadata:\n  name: private-gke\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: {BIN}\nspec:\n{spec}"),
    )
    .unwrap();
}

#[test]
fn a_kustomize_transformer_makes_the_cluster_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k");
    kustomization(&dir, "  region: us-east1\n");
    let Some((ok, stdout, stderr)) = kustomize_build(&dir) else {
        return;
    };
    assert!(ok, "{stderr}");
    let cluster = stdout
        .split("\n---\n")
        .find(|doc| doc.contains("\nkind: ContainerCluster\n"))
        .expect("the ContainerCluster in the output");
    let cluster: serde_norway::Value = serde_norway::from_str(cluster).unwrap();
    assert_eq!(
        cluster["spec"]["privateClusterConfig"]["enablePrivateNodes"],
        serde_norway::Value::Bool(true),
        "{stdout}"
    );
    assert_eq!(cluster["spec"]["location"].as_str(), Some("us-east1"));
    // The cluster and the 23 private resources, by kind.
    let kinds: Vec<&str> = stdout
        .split("\n---\n")
        .filter_map(|doc| doc.lines().find_map(|l| l.strip_prefix("kind: ")))
        .collect();
    let count = |kind: &str| kinds.iter().filter(|k| **k == kind).count();
    for (kind, n) in [
        ("ContainerCluster", 1),
        ("ComputeNetwork", 1),
        ("ComputeSubnetwork", 1),
        ("ComputeRoute", 2),
        ("DNSManagedZone", 2),
        ("DNSRecordSet", 4),
        ("Service", 1),
        ("ComputeRouter", 1),
        ("ComputeRouterNAT", 1),
        ("ComputeFirewall", 10),
    ] {
        assert_eq!(count(kind), n, "{kind} in {kinds:?}");
    }
    assert_eq!(kinds.len(), 24, "{kinds:?}");
}

#[test]
fn a_failing_transformer_fails_the_build_with_its_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k");
    kustomization(&dir, "  private: maybe\n");
    let Some((ok, stdout, stderr)) = kustomize_build(&dir) else {
        return;
    };
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("couldn't execute function"), "{stderr}");
    assert!(
        stderr.contains("[error] PrivateGKE/private-gke spec.private: "),
        "{stderr}"
    );
}
