//! The Kubeflow 1.1 blueprint as users have it on disk (reference tier:
//! `upstream/kubeflow-blueprint-v1.1.0.tgz`), through the commands they run next: one run of the
//! function with a user's values, then the blueprint's own `make hydrate-gcp` (`kustomize build
//! --load-restrictor LoadRestrictionsNone instance/gcp_config`), checked for what would be
//! deployed: one private cluster, the private network resources once each with the build's labels, a
//! master ingress rule for the webhook ports the package's webhooks need, every Config
//! Connector object strictly valid for Config Connector 1.15.1; a second run changes nothing;
//! `gke.private=false` gives every file back and the build a public cluster.
//!
//! Package mode runs on the blueprint root. `kpt fn eval` (1.0.0-beta.56) refuses
//! `upstream/manifests/gcp` itself before any function runs (`cloud-endpoints/base/params.yaml:
//! resource must have apiVersion`), so the kpt case runs on `v2/cnrm`, the subtree kpt reads.

use crate::support;

use serde_norway::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

const VALUES: [&str; 5] = [
    "name=kf-test",
    "gcloud.core.project=my-proj",
    "region=us-central1",
    "zone=us-central1-c",
    "location=us-central1-c",
];

/// How many resources the private network has for the blueprint's Config Connector (1.7.1,
/// which has no network firewall policies: the address-list form).
fn network_size() -> usize {
    use private_gke::gke::{firewall_rules::Allowlist, resources};
    resources::count(
        true,
        Allowlist::choose(private_gke::config::EgressAllowlist::Fqdn, false),
    )
}

/// Kinds the build must hold exactly once.
const ONCE: [&str; 5] = [
    "ContainerCluster",
    "ComputeNetwork",
    "ComputeSubnetwork",
    "ComputeRouter",
    "ComputeRouterNAT",
];

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("version").output().is_ok();
    if !ok {
        eprintln!("skipped: {tool} not runnable");
    }
    ok
}

fn package_mode(dir: &Path, extra: &[&str]) -> String {
    let mut cmd = Command::new(BIN);
    for v in VALUES.iter().chain(extra) {
        cmd.arg("--set").arg(v);
    }
    let out = cmd.arg(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// Every file under `dir`, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `make hydrate-gcp`: the objects the user deploys.
fn hydrate_gcp(dir: &Path) -> Vec<Value> {
    let out = Command::new("kustomize")
        .args(["build", "--load-restrictor", "LoadRestrictionsNone"])
        .arg(dir.join("instance/gcp_config"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect()
}

fn count(docs: &[Value], kind: &str) -> usize {
    docs.iter().filter(|d| d["kind"] == kind).count()
}

fn ports(rule: &Value) -> Vec<String> {
    rule["spec"]["allow"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|a| a["ports"].as_sequence().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect()
}

/// What a private build must hold: the private network once (and `webhook_rules` rules), every
/// object labelled `kf-name: <label>`, ingress from the master range on `webhook_ports`.
fn assert_private_build(docs: &[Value], label: &str, webhook_rules: usize, webhook_ports: &[&str]) {
    for kind in ONCE {
        assert_eq!(count(docs, kind), 1, "{kind}");
    }
    let owned: Vec<String> = docs
        .iter()
        .filter(|d| d["kind"] != "ContainerCluster")
        .filter(|d| !d["metadata"]["annotations"]["private-gke.dev/owned"].is_null())
        .map(|d| {
            format!(
                "{}/{}",
                d["kind"].as_str().unwrap(),
                d["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(owned.len(), network_size() + webhook_rules, "{owned:?}");
    for d in docs {
        assert_eq!(
            d["metadata"]["labels"]["kf-name"].as_str(),
            Some(label),
            "{} {} carries the build's commonLabels",
            d["kind"].as_str().unwrap_or(""),
            d["metadata"]["name"].as_str().unwrap_or("")
        );
    }
    let cluster = docs
        .iter()
        .find(|d| d["kind"] == "ContainerCluster")
        .unwrap();
    let pcc = &cluster["spec"]["privateClusterConfig"];
    assert_eq!(pcc["enablePrivateNodes"], Value::Bool(true));
    let master = pcc["masterIpv4CidrBlock"].as_str().unwrap();
    assert_eq!(
        cluster["spec"]["networkRef"]["name"].as_str(),
        Some("kf-test")
    );
    assert_eq!(cluster["spec"]["location"].as_str(), Some("us-central1-c"));
    let from_master: Vec<String> = docs
        .iter()
        .filter(|d| d["kind"] == "ComputeFirewall" && d["spec"]["direction"] == "INGRESS")
        .filter(|d| {
            d["spec"]["sourceRanges"]
                .as_sequence()
                .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(master)))
        })
        .flat_map(ports)
        .collect();
    for port in webhook_ports {
        assert!(
            from_master.iter().any(|p| p == port),
            "ingress from the master range on {port}: {from_master:?}"
        );
    }
}

/// Strict validation of every Config Connector object against the 1.15.1 CRDs.
fn assert_valid_on_1_15_1(docs: &[Value]) {
    let (Some(crds), Some(validate)) = (
        support::reference::path("upstream/k8s-config-connector@1.15.1/crds"),
        support::reference::tool("validate_crd.py"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("build.yaml");
    let text: Vec<String> = docs
        .iter()
        .map(|d| serde_norway::to_string(d).unwrap())
        .collect();
    fs::write(&file, text.join("---\n")).unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(validate).arg("--strict");
    for e in fs::read_dir(&crds).unwrap() {
        cmd.arg("--crd").arg(e.unwrap().path());
    }
    let out = cmd.arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let valid = stdout.lines().filter(|l| l.starts_with("OK")).count();
    assert!(valid >= 25, "{valid} objects validated: {stdout}");
}

#[test]
fn package_mode_on_the_whole_blueprint_gives_a_deployable_private_cluster() {
    let Some((_tmp, dir)) = support::unpacked_blueprint() else {
        return;
    };
    if !have("kustomize") {
        return;
    }
    let (_tmp2, setters_only) = support::unpacked_blueprint().unwrap();
    package_mode(&setters_only, &["gke.private=false"]);
    let original = snapshot(&dir);

    let stderr = package_mode(&dir, &["gke.private=true", "private-gke.cluster=kf-test"]);
    assert!(!stderr.contains("[error]"), "{stderr}");
    assert!(
        stderr.contains("written for Config Connector 1.7.1"),
        "the version the package's install manifests say: {stderr}"
    );
    let docs = hydrate_gcp(&dir);
    assert_private_build(&docs, "kf-test", 1, &["8443"]);
    assert_valid_on_1_15_1(&docs);

    let after = snapshot(&dir);
    package_mode(&dir, &["gke.private=true", "private-gke.cluster=kf-test"]);
    assert!(snapshot(&dir) == after, "a second run changes nothing");

    package_mode(&dir, &["gke.private=false"]);
    let back = snapshot(&dir);
    for file in original.keys() {
        assert!(back.contains_key(file), "{file} is still there");
    }
    assert!(
        back == snapshot(&setters_only),
        "taken back, the tree is what the setters alone make of it"
    );
    let public = hydrate_gcp(&dir);
    let cluster = public
        .iter()
        .find(|d| d["kind"] == "ContainerCluster")
        .unwrap();
    assert!(cluster["spec"]["privateClusterConfig"].is_null());
    assert_eq!(count(&public, "ComputeNetwork"), 0);
}

#[test]
fn kpt_fn_eval_on_the_cluster_subtree_gives_the_same_deployable_build() {
    let Some((_tmp, dir)) = support::unpacked_blueprint() else {
        return;
    };
    if !have("kustomize") || !have("kpt") {
        return;
    }
    let cnrm = dir.join("upstream/manifests/gcp/v2/cnrm");
    let eval = |exec: &str, dir: &Path, values: &[&str]| {
        let out = Command::new("kpt")
            .args(["fn", "eval", "--exec", exec, "--truncate-output=false"])
            .arg(dir)
            .arg("--")
            .args(values)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let mut values = VALUES.to_vec();
    values.push("private-gke.cnrm-version=1.15.1");
    eval(BIN, &cnrm, &values);
    let docs = hydrate_gcp(&dir);
    // `instance/` is outside what kpt read: its label keeps the placeholder.
    assert_private_build(&docs, "KUBEFLOW-NAME", 0, &[]);
    assert_valid_on_1_15_1(&docs);
    let kust = fs::read_to_string(cnrm.join("cluster/kustomization.yaml")).unwrap();
    assert!(kust.ends_with("- ../private-gke\n"), "{kust}");
    // kpt reformats what it writes back (it drops blank lines between head comments): a second
    // run must give what kpt gives with a function that changes nothing.
    let baseline = tempfile::tempdir().unwrap();
    let copy = baseline.path().join("cnrm");
    support::copy_tree(&cnrm, &copy, &[]);
    eval("/bin/cat", &copy, &[]);
    eval(BIN, &cnrm, &values);
    assert!(
        snapshot(&cnrm) == snapshot(&copy),
        "a second kpt fn eval changes nothing kpt itself does not"
    );
}

/// The placeholders Kubeflow 1.2.0 put in the same files (`REGION` in `privateGKE/`, `location`
/// in the cluster), applied to the 1.1 tree as kubeflow/manifests v1.2.0 changed them.
fn as_in_1_2_0(dir: &Path) {
    let gcp = dir.join("upstream/manifests/gcp/v2");
    let edit = |rel: &str, from: &str, to: &str| {
        let path = gcp.join(rel);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel}: {from}");
        fs::write(&path, text.replace(from, to)).unwrap();
    };
    let region = "region: us-central1 # {\"$kpt-set\":\"gcloud.compute.region\"}";
    let placeholder = "region: REGION # {\"$kpt-set\":\"gcloud.compute.region\"}";
    edit("privateGKE/compute-network.yaml", region, placeholder);
    edit("privateGKE/nat.yaml", region, placeholder);
    edit(
        "cnrm/cluster/cluster.yaml",
        "location: us-east1-d # {\"$kpt-set\":\"location\"}",
        "location: location # {\"$kpt-set\":\"location\"}",
    );
    edit(
        "cnrm/cluster/cluster.yaml",
        "clusterName: \"project-id/us-east1-d/name\"",
        "clusterName: \"project-id/location/name\"",
    );
}

#[test]
fn the_same_flow_works_on_the_placeholders_of_kubeflow_1_2() {
    let Some((_tmp, dir)) = support::unpacked_blueprint() else {
        return;
    };
    if !have("kustomize") {
        return;
    }
    as_in_1_2_0(&dir);
    // No region given: the subnet, router and NAT take the region of the location.
    let mut cmd = Command::new(BIN);
    for v in VALUES.iter().filter(|v| !v.starts_with("region=")) {
        cmd.arg("--set").arg(v);
    }
    let out = cmd.arg(&dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = hydrate_gcp(&dir);
    assert_private_build(&docs, "kf-test", 1, &["8443"]);
    assert_valid_on_1_15_1(&docs);
    for kind in ["ComputeSubnetwork", "ComputeRouter", "ComputeRouterNAT"] {
        let d = docs.iter().find(|d| d["kind"] == kind).unwrap();
        assert_eq!(d["spec"]["region"].as_str(), Some("us-central1"), "{kind}");
    }
}
