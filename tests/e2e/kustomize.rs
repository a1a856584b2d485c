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
        .args(["--load-restrictor", "LoadRestrictionsNone"])
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
    // A region alone never moves the cluster (GKE cannot change a location in place).
    assert_eq!(cluster["spec"]["location"].as_str(), Some("us-east1-d"));
    // The cluster and the private resources, by kind (no version named: a current Config
    // Connector, FQDN rules for Docker Hub and the JWKs).
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
        ("DNSManagedZone", 3),
        ("DNSRecordSet", 6),
        ("Service", 1),
        ("ComputeRouter", 1),
        ("ComputeRouterNAT", 1),
        ("ComputeFirewall", 8),
        ("ComputeNetworkFirewallPolicy", 1),
        ("ComputeNetworkFirewallPolicyAssociation", 1),
        ("ComputeNetworkFirewallPolicyRule", 2),
    ] {
        assert_eq!(count(kind), n, "{kind} in {kinds:?}");
    }
    let generated = private_gke::gke::resources::count(
        true,
        private_gke::gke::firewall_rules::Allowlist::choose(
            private_gke::config::EgressAllowlist::Fqdn,
            true,
        ),
    );
    assert_eq!(kinds.len(), 1 + generated, "{kinds:?}");
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

/// The documents of a build whose `kind` is `kind`.
fn docs_of(stdout: &str, kind: &str) -> Vec<serde_norway::Value> {
    stdout
        .split("\n---\n")
        .filter(|doc| doc.contains(&format!("\nkind: {kind}\n")))
        .map(|doc| serde_norway::from_str(doc).unwrap())
        .collect()
}

#[test]
fn the_readme_example_builds_a_consistent_private_cluster() {
    // examples/kustomize as the README runs it, with the exec path pointing at the test binary.
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = tmp.path().join("examples");
    for file in ["cluster/cluster.yaml", "cluster/kf-vm-sa.yaml"] {
        let to = examples.join("blueprint").join(file);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(root.join("examples/blueprint").join(file), to).unwrap();
    }
    let kdir = examples.join("kustomize");
    fs::create_dir_all(&kdir).unwrap();
    fs::copy(
        root.join("examples/kustomize/kustomization.yaml"),
        kdir.join("kustomization.yaml"),
    )
    .unwrap();
    let config = fs::read_to_string(root.join("examples/kustomize/private-gke.yaml")).unwrap();
    assert!(config.contains("path: ../../target/release/private-gke"));
    fs::write(
        kdir.join("private-gke.yaml"),
        config.replace("../../target/release/private-gke", BIN),
    )
    .unwrap();
    let Some((ok, stdout, stderr)) = kustomize_build(&kdir) else {
        return;
    };
    assert!(ok, "{stderr}");
    // The one thing a kustomize user must be told: the example keeps Kubeflow 1.1's open
    // public endpoint.
    assert_eq!(
        stderr,
        "[warning] ContainerCluster/name spec.privateClusterConfig.enablePrivateEndpoint: the \
         control plane's public endpoint is open to every address (no \
         masterAuthorizedNetworksConfig and no private endpoint; CIS GKE benchmark 5.4.2). Fix: \
         private-gke.control-plane: authorized with private-gke.authorized-networks (the CIDRs \
         that run kubectl), or private\n"
    );
    let cluster = &docs_of(&stdout, "ContainerCluster")[0];
    let name = cluster["metadata"]["name"].as_str().unwrap();
    let location = cluster["spec"]["location"].as_str().unwrap();
    // One name and one location throughout: the cluster, its refs, clusterName, mesh_id.
    assert_eq!(cluster["spec"]["networkRef"]["name"].as_str(), Some(name));
    assert_eq!(
        cluster["spec"]["subnetworkRef"]["name"].as_str(),
        Some(name)
    );
    let cluster_name = cluster["metadata"]["clusterName"].as_str().unwrap();
    assert!(
        cluster_name.ends_with(&format!("/{location}/{name}")),
        "{cluster_name}"
    );
    let mesh_id = cluster["metadata"]["labels"]["mesh_id"].as_str().unwrap();
    assert!(
        mesh_id.ends_with(&format!("_{location}_{name}")),
        "{mesh_id}"
    );
    let network = &docs_of(&stdout, "ComputeNetwork")[0];
    assert_eq!(network["metadata"]["name"].as_str(), Some(name));
    let account = &docs_of(&stdout, "IAMServiceAccount")[0];
    assert_eq!(
        cluster["spec"]["nodeConfig"]["serviceAccountRef"]["name"],
        account["metadata"]["name"]
    );
    let subnet = &docs_of(&stdout, "ComputeSubnetwork")[0];
    assert!(location.starts_with(subnet["spec"]["region"].as_str().unwrap()));
}

#[test]
fn setter_values_kustomize_cannot_apply_are_said_once_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k");
    kustomization(
        &dir,
        "  name: kf-demo\n  setters:\n    gcloud.core.project: kf-demo-project\n",
    );
    let Some((ok, stdout, stderr)) = kustomize_build(&dir) else {
        return;
    };
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("kustomize hands transformers items without comments"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("[warning] ")
            && lines[0].contains("gcloud.core.project set nothing")
            && lines[0].contains("name applies only to the fields private-gke writes itself")
            && lines[0].contains("private-gke --set KEY=VALUE DIR"),
        "{stderr}"
    );
    // The cluster keeps its name, and clusterName says that name, not the one given.
    let cluster = &docs_of(&stdout, "ContainerCluster")[0];
    assert_eq!(cluster["metadata"]["name"].as_str(), Some("name"));
    assert_eq!(
        cluster["metadata"]["clusterName"].as_str(),
        Some("project-id/us-east1-d/name")
    );
}

#[test]
fn a_setter_one_typo_from_a_guide_setter_fails_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k");
    kustomization(&dir, "  setters:\n    gke.privat: \"true\"\n");
    let Some((ok, stdout, stderr)) = kustomize_build(&dir) else {
        return;
    };
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains("[error] PrivateGKE/private-gke spec.setters.gke.privat: no setter comment or Kptfile definition uses \"gke.privat\", one typo away from gke.private: did you mean gke.private?"),
        "{stderr}"
    );
}

#[test]
fn generated_resources_carry_the_labels_kustomize_gave_the_cluster() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("k");
    kustomization(&dir, "  region: us-east1\n");
    let path = dir.join("kustomization.yaml");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("{text}commonLabels:\n  kf-name: kf-demo\n")).unwrap();
    let Some((ok, stdout, stderr)) = kustomize_build(&dir) else {
        return;
    };
    assert!(ok, "{stderr}");
    let docs: Vec<&str> = stdout.split("\n---\n").collect();
    let generated = private_gke::gke::resources::count(
        true,
        private_gke::gke::firewall_rules::Allowlist::choose(
            private_gke::config::EgressAllowlist::Fqdn,
            true,
        ),
    );
    assert_eq!(docs.len(), 1 + generated, "{stdout}");
    for doc in docs {
        let value: serde_norway::Value = serde_norway::from_str(doc).unwrap();
        assert_eq!(
            value["metadata"]["labels"]["kf-name"].as_str(),
            Some("kf-demo"),
            "{doc}"
        );
    }
}
