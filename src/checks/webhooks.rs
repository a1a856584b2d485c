//! Webhooks: every admission webhook's Service is resolved to the pod port the master must reach
//! (`model::webhooks`). GKE lets the master reach nodes only on 443 and 10250, so any other port
//! needs an INGRESS allow rule from the master range — else the API server fails with "failed
//! calling webhook". Whether the master reaches a port is the connectivity model's verdict for
//! the flow "master → webhook" (`model::flows`), so this check and the report never disagree.
//! With `private-gke.webhook-firewall: generate` the private-GKE stage writes the missing rule
//! before the checks run (`gke::webhook_rule`); this check writes nothing.

use super::Ctx;
use crate::config::{Mode, WebhookFirewall};
use crate::krm::KrmResult;
use crate::model::flows::Flows;

/// Report every webhook port the master cannot reach, and the webhooks whose port is unknown.
pub(super) fn check(ctx: &Ctx, flows: &Flows, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    out.extend(flows.webhook_warnings.iter().cloned());
    let note = match (ctx.settings.webhook_firewall, ctx.settings.mode) {
        (WebhookFirewall::Generate, Mode::Check) => {
            " (the default `private-gke.mode: apply` writes the rule; `check` mode writes nothing)"
        }
        (WebhookFirewall::Generate, Mode::Apply) => {
            " (`private-gke.webhook-firewall: generate` cannot write it: the rule it would write exists, or \
             the master range is unknown)"
        }
        _ => ", or leave `private-gke.webhook-firewall` at its default, `generate`",
    };
    let master = cluster
        .master
        .map(|m| m.to_string())
        .unwrap_or_else(|| "the master range".to_string());
    let blocked = flows.blocked_webhook_ports();
    for need in flows.webhooks.iter().filter(|n| blocked.contains(&n.port)) {
        let subject = match need.config {
            Some(_) => format!(
                "webhook `{}` calls service {}, which its pods serve on port {}",
                need.webhook, need.service, need.port
            ),
            None => format!(
                "component `{}` (private-gke.webhook-ports) serves {} on port {}",
                need.webhook, need.service, need.port
            ),
        };
        let result = KrmResult::error(format!(
            "{subject}, and no ingress firewall rule on network `{}` allows tcp {} from the \
             master range {master}: GKE lets the master reach nodes only on 443 and 10250, so \
             every matching API request fails with \"failed calling webhook … context deadline \
             exceeded\". Fix: add an INGRESS ComputeFirewall allowing tcp {} from {master}{note}",
            cluster.network, need.port, need.port
        ))
        .tag("check", "webhooks");
        let result = super::connectivity::naming(
            result,
            flows
                .flows
                .iter()
                .filter(|f| f.webhook_port == Some(need.port)),
        );
        out.push(match need.config {
            Some(config) => result.for_item(config).at_field(
                format!("webhooks[{}].clientConfig.service", need.index),
                None,
                None,
            ),
            None => result.for_item(cluster.item),
        });
    }
}
