//! Connectivity: one error per flow the cluster needs that the items block (`model::flows`), at
//! the rule, route, record or NAT that blocks it, and a summary of every flow. Which check
//! phrases a blocked flow is [`owner`]'s one rule: webhook ports are `webhooks`', the VIP and
//! internet routes and the DNS findings `routes-dns`', the JWKs `iap`'s, the rest this check's.
//! A flow whose cause another check already reports as an error at the same resource (a stale
//! master range, a deny rule above the allows, a rule on the wrong network) is said once, by
//! that error. Every error that stands for blocked flows names them in its tag `flows`
//! (`name: traffic`, `; ` between), so results and report can be matched.

use super::Ctx;
use crate::krm::{KrmResult, Severity};
use crate::model::flows::{Block, Flow, Flows, Verdict, IAP_FLOW};
use crate::model::hosts::vip_of;

/// The check that phrases a blocked flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    /// `webhooks`: master → webhook ports.
    Webhooks,
    /// `routes-dns`: the route to a Google API VIP or to the internet, a zone's records.
    RoutesDns,
    /// `iap`: the JWKs, unless a route or NAT every flow shares blocks it.
    Iap,
    /// `connectivity`: firewall verdicts, NAT.
    Connectivity,
}

/// Which check phrases `flow` (a blocked one).
pub(super) fn owner(ctx: &Ctx, flow: &Flow) -> Owner {
    let nat = ctx.nat().is_some();
    let shared = match flow.block {
        Some(Block::Route(dst)) if dst.prefix_len() == 0 && nat => Some(Owner::RoutesDns),
        Some(Block::Nat) if nat => Some(Owner::Connectivity),
        _ => None,
    };
    if flow.webhook_port.is_some() {
        return Owner::Webhooks;
    }
    if flow.name == IAP_FLOW {
        return shared.unwrap_or(Owner::Iap);
    }
    if let Some(owner) = shared {
        return owner;
    }
    let zone_elsewhere = flow.subject.is_some_and(|s| s.kind() == "DNSManagedZone");
    match flow.block {
        Some(Block::Route(dst)) if vip_of(&dst).is_some() => Owner::RoutesDns,
        Some(Block::Record(_)) | Some(Block::Address(..)) => Owner::RoutesDns,
        Some(Block::Public) if !zone_elsewhere => Owner::RoutesDns,
        _ => Owner::Connectivity,
    }
}

/// The blocked flows `who` phrases.
pub(super) fn owned<'f, 'a>(ctx: &'f Ctx, flows: &'f Flows<'a>, who: Owner) -> Vec<&'f Flow<'a>> {
    flows
        .flows
        .iter()
        .filter(|f| f.verdict == Verdict::Blocked && owner(ctx, f) == who)
        .collect()
}

/// `r` naming `flows` in its tag `flows` (added to the names it has).
pub(super) fn naming<'f, 'a: 'f>(
    mut r: KrmResult,
    flows: impl IntoIterator<Item = &'f Flow<'a>>,
) -> KrmResult {
    for flow in flows {
        let label = flow.label();
        match r.tags.get_mut("flows") {
            Some(names) if names.split("; ").any(|n| n == label) => {}
            Some(names) => {
                names.push_str("; ");
                names.push_str(&label);
            }
            None => {
                r.tags.insert("flows".into(), label);
            }
        }
    }
    r
}

/// Report the blocked flows this check owns and the summary; `found` holds the other checks'
/// results (an error of theirs at a flow's cause is tagged with the flow instead).
pub(super) fn check(ctx: &Ctx, flows: &Flows, found: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let mut out = Vec::new();
    for flow in owned(ctx, flows, Owner::Connectivity) {
        let at = flow
            .subject
            .map(|item| KrmResult::info("").for_resource(item.value()).resource_ref);
        let said = at.and_then(|reference| {
            found
                .iter()
                .position(|r| r.severity == Severity::Error && r.resource_ref == reference)
        });
        if let Some(i) = said {
            found[i] = naming(found[i].clone(), [flow]);
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
        out.push(naming(r.tag("check", "connectivity"), [flow]));
    }
    found.append(&mut out);
    found.push(KrmResult::info(flows.summary(cluster.item.name())).tag("check", "summary"));
}
