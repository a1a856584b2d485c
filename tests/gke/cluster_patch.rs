//! The private cluster patch is a strategic merge patch: kustomize, given the function's patch
//! document as a kustomization patch, builds the cluster the function writes.

use crate::gke_common::*;
use private_gke::config::IpAllocation;
use private_gke::gke::cluster::{apply, patch_document, Patch};
use private_gke::gke::OWNED as OWNED_RECORD;
use serde_json::{json, Value};
use std::fs;
use std::process::Command;

/// Upstream's cluster, with the fields the patch must replace or remove.
fn cluster() -> Value {
    let mut cluster = docs(&copy("kubeflow-1.1-gcp/v2/cnrm/cluster/cluster.yaml")).remove(0);
    cluster["spec"]["networkRef"] = json!({ "external": "projects/p/global/networks/default" });
    cluster["spec"]["ipAllocationPolicy"] = json!({
        "useIpAliases": true,
        "createSubnetwork": true,
        "clusterIpv4CidrBlock": "/14",
    });
    cluster
}

fn patch(ip_allocation: IpAllocation, keep_network: bool) -> Patch {
    Patch {
        name: "kf-test".into(),
        master_cidr: "172.16.0.32/28".into(),
        ip_allocation,
        networking_mode: true,
        keep_network,
        keep_master: false,
        keep_ranges: false,
    }
}

/// `kustomize build` of `cluster` with `patch` as a kustomization patch; `None` (skipped, said)
/// without kustomize.
fn kustomize_merge(cluster: &Value, patch: &Value) -> Option<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut patch = patch.clone();
    patch["apiVersion"] = cluster["apiVersion"].clone();
    patch["kind"] = cluster["kind"].clone();
    patch["metadata"] = json!({ "name": cluster["metadata"]["name"] });
    fs::write(dir.path().join("cluster.yaml"), cluster.to_string()).unwrap();
    fs::write(dir.path().join("patch.yaml"), patch.to_string()).unwrap();
    fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- cluster.yaml\npatches:\n- path: patch.yaml\n",
    )
    .unwrap();
    let out = match Command::new("kustomize")
        .arg("build")
        .arg(dir.path())
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: kustomize not runnable ({e}); install it (`.ci/run` does)");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "kustomize build: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = dir.path().join("built.yaml");
    fs::write(&built, &out.stdout).unwrap();
    Some(docs(built.to_str().unwrap()).remove(0))
}

#[test]
fn kustomize_applying_the_patch_document_builds_the_cluster_the_function_writes() {
    for (ip_allocation, keep_network) in [
        (IpAllocation::Compat, false),
        (IpAllocation::Upstream, false),
        (IpAllocation::Compat, true),
    ] {
        let before = cluster();
        let patch = patch(ip_allocation, keep_network);
        let document = patch_document(&before, &patch);
        let Some(built) = kustomize_merge(&before, &document) else {
            return;
        };
        let mut patched = before.clone();
        apply(&mut patched, &patch, &mut Vec::new());
        let annotations = patched["metadata"]["annotations"].as_object_mut().unwrap();
        assert!(annotations.shift_remove(OWNED_RECORD).is_some());
        if annotations.is_empty() {
            patched["metadata"]
                .as_object_mut()
                .unwrap()
                .shift_remove("annotations");
        }
        assert_eq!(
            patched, built,
            "{ip_allocation:?}, keep_network {keep_network}: the function and kustomize differ"
        );
        let spec = &patched["spec"];
        assert_eq!(spec["privateClusterConfig"]["enablePrivateNodes"], true);
        if keep_network {
            assert_eq!(spec["networkRef"], before["spec"]["networkRef"]);
        } else {
            // Replaced whole: `external` and `name` exclude each other.
            assert_eq!(spec["networkRef"], json!({ "name": "kf-test" }));
        }
        let removed = ip_allocation == IpAllocation::Compat;
        assert_eq!(
            spec["ipAllocationPolicy"].get("useIpAliases").is_none(),
            removed
        );
    }
}

#[test]
fn the_patch_document_never_creates_a_policy_only_to_remove_fields_from_it() {
    let mut before = cluster();
    before["spec"]
        .as_object_mut()
        .unwrap()
        .shift_remove("ipAllocationPolicy");
    let mut patch = patch(IpAllocation::Compat, false);
    patch.keep_ranges = true;
    let document = patch_document(&before, &patch);
    assert!(
        document["spec"].get("ipAllocationPolicy").is_none(),
        "{document}"
    );
    let mut patched = before.clone();
    apply(&mut patched, &patch, &mut Vec::new());
    assert!(patched["spec"].get("ipAllocationPolicy").is_none());
}
