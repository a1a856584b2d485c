//! Control plane: a public endpoint open to every address is a warning (CIS GKE benchmark
//! 5.4.2): no `masterAuthorizedNetworksConfig` (or one allowing `0.0.0.0/0`), no private
//! endpoint, and IP access not turned off by `controlPlaneEndpointsConfig`.

use super::{array, truthy, Ctx};
use crate::krm::KrmResult;
use serde_json::Value;

/// Check the selected cluster's endpoint.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let spec = &cluster.item.value()["spec"];
    let private_endpoint = truthy(&spec["privateClusterConfig"]["enablePrivateEndpoint"]);
    let ip_off =
        spec["controlPlaneEndpointsConfig"]["ipEndpointsConfig"]["enabled"] == Value::Bool(false);
    let authorized = &spec["masterAuthorizedNetworksConfig"];
    let everyone = array(&authorized["cidrBlocks"])
        .iter()
        .any(|b| b["cidrBlock"].as_str() == Some("0.0.0.0/0"));
    if private_endpoint || ip_off || (authorized.is_object() && !everyone) {
        return;
    }
    let (path, why) = if everyone {
        (
            "spec.masterAuthorizedNetworksConfig",
            "masterAuthorizedNetworksConfig allows 0.0.0.0/0",
        )
    } else {
        (
            "spec.privateClusterConfig.enablePrivateEndpoint",
            "no masterAuthorizedNetworksConfig and no private endpoint",
        )
    };
    out.push(
        KrmResult::warning(format!(
            "the control plane's public endpoint is open to every address ({why}; CIS GKE \
             benchmark 5.4.2). Fix: private-gke.control-plane: authorized with \
             private-gke.authorized-networks (the CIDRs that run kubectl), or private"
        ))
        .for_item(cluster.item)
        .at_field(path, None, None)
        .tag("check", "control-plane"),
    );
}
