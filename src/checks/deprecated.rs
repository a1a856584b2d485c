//! Deprecated fields in the user's clusters and node pools: `workloadIdentityConfig.identityNamespace`
//! (for `workloadPool`) and `workloadMetadataConfig.nodeMetadata` (for `mode`). Where the target
//! Config Connector (`gke::version`) has the replacement, a warning names it with the value to
//! write; where it has only the old field, an info says the rename waits for an upgrade. The
//! fields are never rewritten: `workloadMetadataConfig` is immutable.

use super::Ctx;
use crate::gke::version::{self, Field, Target};
use crate::krm::{Item, KrmResult};
use serde_json::Value;

/// The `mode` that replaces a `nodeMetadata` value, with a note where the meaning differs.
fn mode_for(node_metadata: &str) -> (&'static str, &'static str) {
    match node_metadata {
        "GKE_METADATA_SERVER" => ("GKE_METADATA", ""),
        "EXPOSE" => ("GCE_METADATA", ""),
        "SECURE" => (
            "GKE_METADATA",
            " (SECURE, metadata concealment, has no equivalent; GKE_METADATA is Workload \
             Identity's metadata server)",
        ),
        _ => ("MODE_UNSPECIFIED", ""),
    }
}

/// Check every ContainerCluster and ContainerNodePool among the items.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let mut quiet = Vec::new();
    let target = version::target(ctx.settings, ctx.items, &mut quiet);
    for item in ctx.cnrm("ContainerCluster") {
        identity_namespace(&target, item, out);
        node_metadata(&target, item, out);
    }
    for item in ctx.cnrm("ContainerNodePool") {
        node_metadata(&target, item, out);
    }
}

/// One result: a warning when the target has the replacement, else an info.
fn result(
    target: &Target,
    field: Field,
    item: &Item,
    path: &str,
    current: &Value,
    replace: String,
) -> KrmResult {
    let message = if target.has(field) {
        KrmResult::warning(format!(
            "deprecated in {} and to be removed: {replace}",
            target.describe()
        ))
    } else {
        KrmResult::info(format!(
            "the only form {} has, deprecated from {} on: when you upgrade, {replace}",
            target.describe(),
            field.needs().trim_end_matches(" or later")
        ))
    };
    message
        .for_item(item)
        .at_field(path.to_string(), Some(current.clone()), None)
        .tag("check", "deprecated")
}

/// `workloadIdentityConfig.identityNamespace` of a cluster.
fn identity_namespace(target: &Target, item: &Item, out: &mut Vec<KrmResult>) {
    let config = &*item.view_at(&["spec", "workloadIdentityConfig"]);
    let Some(current) = config.get("identityNamespace") else {
        return;
    };
    let replace = match config.get("workloadPool") {
        Some(pool) => format!("workloadPool {pool} is set too; remove identityNamespace"),
        None => format!("use spec.workloadIdentityConfig.workloadPool: {current} instead"),
    };
    out.push(result(
        target,
        Field::WorkloadPool,
        item,
        "spec.workloadIdentityConfig.identityNamespace",
        current,
        replace,
    ));
}

/// `nodeConfig.workloadMetadataConfig.nodeMetadata` of a cluster or node pool.
fn node_metadata(target: &Target, item: &Item, out: &mut Vec<KrmResult>) {
    let config = &*item.view_at(&["spec", "nodeConfig", "workloadMetadataConfig"]);
    let Some(current) = config.get("nodeMetadata") else {
        return;
    };
    let replace = match config.get("mode") {
        Some(mode) => format!("mode {mode} is set too; remove nodeMetadata"),
        None => {
            let (mode, note) = mode_for(current.as_str().unwrap_or(""));
            format!(
                "use spec.nodeConfig.workloadMetadataConfig.mode: {mode} instead{note}; the block \
                 is immutable, so make the change when the nodes are replaced"
            )
        }
    };
    out.push(result(
        target,
        Field::WorkloadMetadataMode,
        item,
        "spec.nodeConfig.workloadMetadataConfig.nodeMetadata",
        current,
        replace,
    ));
}
