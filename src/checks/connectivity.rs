//! Connectivity: one error per flow the cluster needs that the items block (`model::flows`), at
//! the rule, route, record or NAT that blocks it, and a summary of every flow. A flow whose
//! cause another check already reports as an error at the same resource (a stale master range,
//! a deny rule above the allows, a rule on the wrong network, a missing route), or in its own
//! terms (webhooks; the DNS findings of `routes-dns`; IAP), is counted and in the report, but
//! its error is that check's: each problem is said once.

use super::Ctx;
use crate::krm::{KrmResult, Severity};
use crate::model::flows::{Flows, Verdict};

/// Report the blocked flows and the summary; `found` holds the other checks' results.
pub(super) fn check(ctx: &Ctx, flows: &Flows, found: &[KrmResult], out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let family_erred = |family: &str| {
        found.iter().any(|r| {
            r.severity == Severity::Error && r.tags.get("check").map(String::as_str) == Some(family)
        })
    };
    let routes_dns = family_erred("routes-dns");
    let iap = family_erred("iap");
    let erred_on = |item: &crate::krm::Item| {
        let reference = KrmResult::info("").for_item(item).resource_ref;
        found
            .iter()
            .any(|r| r.severity == Severity::Error && r.resource_ref == reference)
    };
    for flow in flows.flows.iter().filter(|f| f.verdict == Verdict::Blocked) {
        if flow.webhook_port.is_some() || flow.subject.is_some_and(erred_on) {
            continue;
        }
        let by_firewall = flow.cause.contains("ComputeFirewall");
        if routes_dns && flow.host.is_some() && (!by_firewall || flow.public_dns) {
            continue;
        }
        if iap && flow.name == "pods → IAP JWKs" {
            continue;
        }
        let mut r = KrmResult::error(format!(
            "flow blocked: {} ({}) on cluster {}: {}. Fix: {}",
            flow.name,
            flow.traffic,
            cluster.item.name(),
            flow.cause,
            flow.fix
        ))
        .for_resource(flow.subject.unwrap_or(cluster.item).value());
        if let Some(field) = &flow.field {
            r = r.at_field(field.clone(), None, None);
        }
        out.push(r.tag("check", "connectivity"));
    }
    out.push(KrmResult::info(flows.summary(cluster.item.name())).tag("check", "summary"));
}
