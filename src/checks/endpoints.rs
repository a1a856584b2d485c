//! Cloud Endpoints: the Cloud Endpoints controller cannot reach the Service Management API
//! through the restricted VIP, so a `CloudEndpoint` in a private package is never created
//! (Kubeflow gcp-blueprints issue 36). The guide's workaround: create it from a workstation.

use super::Ctx;
use crate::krm::results::file_ref;
use crate::krm::KrmResult;

/// Warn about every CloudEndpoint.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    for ep in ctx.of_kind("CloudEndpoint") {
        let file = file_ref(ep.value())
            .map(|f| f.path)
            .unwrap_or_else(|| "<the CloudEndpoint file>".to_string());
        out.push(
            KrmResult::warning(format!(
                "CloudEndpoint {} is never created from a private cluster: the Cloud Endpoints \
                 controller cannot reach the Service Management API through the restricted VIP \
                 (gcp-blueprints issue 36). Workaround from the guide: create it from a \
                 workstation with `kfctl apply -f {file}`",
                ep.name()
            ))
            .for_item(ep)
            .tag("check", "endpoints"),
        );
    }
}
