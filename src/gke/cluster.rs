//! The ContainerCluster side: which cluster, the private patch, and the record that undoes it.

use super::{field_path, OWNED};
use crate::config::IpAllocation;
use crate::krm::KrmResult;
use crate::smp;
use serde_json::{json, Map, Value};

/// True for a ContainerCluster that is a kustomize patch rather than a cluster: upstream's
/// `cluster-private-patch.yaml` (by its path), or any ContainerCluster without `spec.location`.
pub fn is_partial_cluster(value: &Value) -> bool {
    if value.get("kind").and_then(Value::as_str) != Some("ContainerCluster") {
        return false;
    }
    let path = [
        "internal.config.kubernetes.io/path",
        "config.kubernetes.io/path",
    ]
    .iter()
    .find_map(|k| {
        value
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(*k))
            .and_then(Value::as_str)
    });
    path.is_some_and(|p| p.ends_with("cluster-private-patch.yaml"))
        || value.get("spec").and_then(|s| s.get("location")).is_none()
}

/// [`is_full_cluster`] of an item, read off its text while its view is not built.
pub fn is_full_cluster_item(item: &crate::krm::Item) -> bool {
    item.kind() == "ContainerCluster"
        && !super::item_path(item).is_some_and(|p| p.ends_with("cluster-private-patch.yaml"))
        && item.has_at(&["spec", "location"])
}

/// True for a ContainerCluster that is a real cluster (not a partial patch).
pub fn is_full_cluster(value: &Value) -> bool {
    value.get("kind").and_then(Value::as_str) == Some("ContainerCluster")
        && !is_partial_cluster(value)
}

/// What the patch writes.
#[derive(Debug, Clone)]
pub struct Patch {
    /// Base name: network and subnetwork refs.
    pub name: String,
    /// `privateClusterConfig.masterIpv4CidrBlock`.
    pub master_cidr: String,
    /// Which `ipAllocationPolicy` fields.
    pub ip_allocation: IpAllocation,
    /// Write `networkingMode: VPC_NATIVE` (compat mode, target CNRM has it).
    pub networking_mode: bool,
    /// The network is the user's: `networkRef` and `subnetworkRef` are kept, never recorded.
    pub keep_network: bool,
    /// The master range is the user's: `masterIpv4CidrBlock` is kept.
    pub keep_master: bool,
    /// The secondary range names are the user's: the `ipAllocationPolicy` names are kept.
    pub keep_ranges: bool,
}

/// True for the refs a kept network leaves alone.
fn is_network_ref(pointer: &str) -> bool {
    matches!(pointer, "/spec/networkRef" | "/spec/subnetworkRef")
}

/// The top-level fields the patch changes; the record keeps their values before the first patch.
const PATCHED: [&str; 5] = [
    "/spec/privateClusterConfig",
    "/spec/ipAllocationPolicy",
    "/spec/networkingMode",
    "/spec/networkRef",
    "/spec/subnetworkRef",
];

/// Fields no Config Connector CRD has (gcp-blueprints issue 32).
const UNSUPPORTED: [&str; 2] = ["useIpAliases", "createSubnetwork"];

/// Reads the record of a patched cluster (`None` when the cluster carries none).
pub fn record(value: &Value) -> Option<Map<String, Value>> {
    let text = value
        .get("metadata")?
        .get("annotations")?
        .get(OWNED)?
        .as_str()?;
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// Sets `value` at `pointer`, creating maps on the way; no change when already equal.
pub fn set(root: &mut Value, pointer: &str, value: Value) {
    if root.pointer(pointer) == Some(&value) {
        return;
    }
    let mut node = root;
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    for (i, token) in tokens.iter().enumerate() {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let map = node.as_object_mut().expect("made an object above");
        if i + 1 == tokens.len() {
            map.insert(token.clone(), value);
            return;
        }
        node = map
            .entry(token.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// Removes the value at `pointer`, if present; returns it.
pub fn remove(root: &mut Value, pointer: &str) -> Option<Value> {
    let (parent, last) = pointer.rsplit_once('/')?;
    let last = last.replace("~1", "/").replace("~0", "~");
    root.pointer_mut(parent)?
        .as_object_mut()?
        .shift_remove(&last)
}

/// The private patch as a strategic merge patch of the cluster (what upstream's
/// `cluster-private-patch.yaml` is to kustomize), for the cluster as it is now: maps merge, the
/// refs are replaced whole, `null` removes a field no Config Connector version accepts.
pub fn patch_document(cluster: &Value, patch: &Patch) -> Value {
    let mut private = Map::new();
    private.insert("enablePrivateNodes".into(), json!(true));
    if cluster
        .pointer("/spec/privateClusterConfig/enablePrivateEndpoint")
        .is_none()
    {
        private.insert("enablePrivateEndpoint".into(), json!(false));
    }
    if !patch.keep_master {
        private.insert("masterIpv4CidrBlock".into(), json!(patch.master_cidr));
    }
    let mut ip_allocation = Map::new();
    match patch.ip_allocation {
        IpAllocation::Upstream => {
            ip_allocation.insert("useIpAliases".into(), json!(true));
            ip_allocation.insert("createSubnetwork".into(), json!(false));
        }
        IpAllocation::Compat => {
            for field in UNSUPPORTED {
                ip_allocation.insert(field.into(), Value::Null);
            }
        }
    }
    if !patch.keep_ranges {
        ip_allocation.insert("clusterSecondaryRangeName".into(), json!("pods"));
        ip_allocation.insert("servicesSecondaryRangeName".into(), json!("services"));
    }
    let mut spec = Map::new();
    spec.insert("privateClusterConfig".into(), Value::Object(private));
    let only_removals = ip_allocation.values().all(Value::is_null);
    if !only_removals
        || cluster
            .pointer("/spec/ipAllocationPolicy")
            .is_some_and(Value::is_object)
    {
        spec.insert("ipAllocationPolicy".into(), Value::Object(ip_allocation));
    }
    if patch.networking_mode {
        spec.insert("networkingMode".into(), json!("VPC_NATIVE"));
    }
    if !patch.keep_network {
        for r in ["networkRef", "subnetworkRef"] {
            spec.insert(r.into(), json!({ "$patch": "replace", "name": patch.name }));
        }
    }
    json!({ "spec": spec })
}

/// Applies the private patch to a cluster ([`patch_document`], merged the way kustomize merges
/// a patch of a custom resource), recording first values for reversal.
pub fn apply(cluster: &mut Value, patch: &Patch, results: &mut Vec<KrmResult>) {
    let mut rec = record(cluster).unwrap_or_default();
    if patch.keep_network {
        // The refs are the user's now (even where the function once wrote them).
        rec.retain(|pointer, _| !is_network_ref(pointer));
    }
    for pointer in PATCHED {
        if !rec.contains_key(pointer) {
            let touched = pointer != "/spec/networkingMode" || patch.networking_mode;
            let touched = touched && !(patch.keep_network && is_network_ref(pointer));
            if touched {
                rec.insert(
                    pointer.to_string(),
                    cluster.pointer(pointer).cloned().unwrap_or(Value::Null),
                );
            }
        }
    }
    if patch.ip_allocation == IpAllocation::Compat {
        for field in UNSUPPORTED {
            let pointer = format!("/spec/ipAllocationPolicy/{field}");
            if let Some(old) = cluster.pointer(&pointer) {
                results.push(
                    KrmResult::warning(format!(
                        "removed {field}: no Config Connector version accepts it (gcp-blueprints issue 32); \
                         private-gke.ip-allocation: upstream keeps it"
                    ))
                    .for_resource(cluster)
                    .at_field(field_path(&pointer), Some(old.clone()), None)
                    .tag("stage", "private-gke"),
                );
            }
        }
    }
    let merged = smp::merge_with(
        cluster,
        &patch_document(cluster, patch),
        &smp::replace_lists,
    )
    .expect("the private patch holds only the `$patch: replace` directive");
    if merged != *cluster {
        *cluster = merged;
    }
    if !patch.networking_mode
        && release(
            cluster,
            &mut rec,
            "/spec/networkingMode",
            &json!("VPC_NATIVE"),
        )
    {
        results.push(
            KrmResult::info(
                "networkingMode given back: the target Config Connector lacks it, or \
                 ip-allocation is upstream",
            )
            .for_resource(cluster)
            .at_field("spec.networkingMode", None, None)
            .tag("stage", "private-gke"),
        );
    }
    write_record(cluster, rec);
}

/// Stores the record on the cluster.
fn write_record(cluster: &mut Value, rec: Map<String, Value>) {
    let text = Value::Object(rec).to_string();
    set(
        cluster,
        &format!("/metadata/annotations/{}", OWNED.replace('/', "~1")),
        json!(text),
    );
}

/// Records the value at `pointer` before the function first writes it (a recorded cluster only;
/// an entry already there stays).
pub fn record_field(cluster: &mut Value, pointer: &str) {
    let Some(mut rec) = record(cluster) else {
        return;
    };
    if !rec.contains_key(pointer) {
        rec.insert(
            pointer.to_string(),
            cluster.pointer(pointer).cloned().unwrap_or(Value::Null),
        );
        write_record(cluster, rec);
    }
}

/// Gives back a field the function recorded and no longer writes: its value before the first
/// patch, and its entry out of the record. Returns whether the field changed.
pub fn release_field(cluster: &mut Value, pointer: &str) -> bool {
    let Some(mut rec) = record(cluster) else {
        return false;
    };
    let Some(old) = rec.shift_remove(pointer) else {
        return false;
    };
    let changed = cluster.pointer(pointer) != Some(&old)
        && !(old.is_null() && cluster.pointer(pointer).is_none());
    if old.is_null() {
        remove(cluster, pointer);
    } else {
        set(cluster, pointer, old);
    }
    write_record(cluster, rec);
    changed
}

/// Gives back a field the patch no longer writes: its value before the first patch when it still
/// holds what the patch wrote (a later edit of the user's stays), and its entry out of the
/// record. Returns whether the field changed.
fn release(
    cluster: &mut Value,
    rec: &mut Map<String, Value>,
    pointer: &str,
    written: &Value,
) -> bool {
    let Some(old) = rec.shift_remove(pointer) else {
        return false;
    };
    if cluster.pointer(pointer) != Some(written) || old == *written {
        return false;
    }
    if old.is_null() {
        remove(cluster, pointer);
    } else {
        set(cluster, pointer, old);
    }
    true
}

/// Undoes the patch on a cluster that carries a record; returns whether anything changed.
pub fn revert(cluster: &mut Value) -> bool {
    let Some(rec) = record(cluster) else {
        return false;
    };
    for (pointer, old) in rec {
        if !pointer.starts_with('/') {
            continue;
        }
        if old.is_null() {
            remove(cluster, &pointer);
        } else {
            set(cluster, &pointer, old);
        }
    }
    remove(
        cluster,
        &format!("/metadata/annotations/{}", OWNED.replace('/', "~1")),
    );
    if cluster
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
    {
        remove(cluster, "/metadata/annotations");
    }
    true
}
