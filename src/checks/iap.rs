//! IAP: a BackendConfig with `iap` enabled needs the flow pods → IAP JWKs (www.gstatic.com) of
//! `model::flows`: through the private Google APIs VIP (a private `gstatic.com.` zone on it, an
//! egress rule and a route to it), or Cloud NAT with, when egress is denied, an FQDN rule of a
//! network firewall policy evaluated before the VPC rules, or an egress rule to public
//! addresses. The flow blocked is an error per BackendConfig (unless a route or NAT every flow
//! shares blocks it: that error is `routes-dns`' or `connectivity`'s); the flow allowed only to
//! lists of fixed addresses (such as upstream's 2020 snapshot) is a warning: it breaks when they
//! move.

use super::connectivity::{naming, owner, Owner};
use super::{parse_net, Ctx};
use crate::gke::firewall_rules::{JWKS_FQDN, JWKS_IPS};
use crate::krm::{Item, KrmResult};
use crate::model::flows::{Block, Flow, Flows, Verdict, IAP_FLOW};
use ipnet::Ipv4Net;

/// Check every IAP BackendConfig against the JWKs flow.
pub(super) fn check(ctx: &Ctx, flows: &Flows, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let Some(flow) = flows.flows.iter().find(|f| f.name == IAP_FLOW) else {
        return;
    };
    let blocked = flow.verdict == Verdict::Blocked && owner(ctx, flow) == Owner::Iap;
    for bc in ctx.of_kind("BackendConfig") {
        let iap = &*bc.view_at(&["spec", "iap"]);
        if !iap.is_object() || iap["enabled"].as_bool() == Some(false) {
            continue;
        }
        if blocked {
            let lacking = match (flow.block, flow.overridden) {
                (Some(Block::Nat), _) => Some(format!(
                    "Cloud NAT (a ComputeRouter and ComputeRouterNAT on network `{}`)",
                    cluster.network
                )),
                (Some(Block::Firewall | Block::Public), Some(rule)) => Some(format!(
                    "spec.networkFirewallPolicyEnforcementOrder: BEFORE_CLASSIC_FIREWALL on \
                     ComputeNetwork `{}` (else the deny-all egress rule ends the flow before the \
                     FQDN rule `{}` is evaluated)",
                    cluster.network,
                    rule.name()
                )),
                (Some(Block::Firewall | Block::Public), None) => Some(format!(
                    "an FQDN egress rule for {JWKS_FQDN} (private-gke.egress-allowlist: fqdn), \
                     or a private gstatic.com zone on the private Google APIs VIP \
                     (private-gke.egress-allowlist: vip)"
                )),
                _ => None,
            };
            let message = match lacking {
                Some(lacking) => format!(
                    "BackendConfig {} enables IAP, but the nodes cannot fetch the IAP JWKs, so \
                     every request through IAP is rejected (\"Invalid JWT\"). Fix: add {lacking}",
                    bc.name()
                ),
                None => format!(
                    "BackendConfig {} enables IAP, but the nodes cannot fetch the IAP JWKs ({}), \
                     so every request through IAP is rejected (\"Invalid JWT\"). Fix: {}",
                    bc.name(),
                    flow.cause,
                    flow.fix
                ),
            };
            out.push(naming(
                KrmResult::error(message)
                    .for_resource(bc.value())
                    .at_field("spec.iap", None, None)
                    .tag("check", "iap"),
                [flow],
            ));
        } else if flow.verdict == Verdict::Allowed && !flow.fixed.is_empty() {
            out.push(stale(bc, flow));
        }
    }
}

/// The warning of a JWKs path that is only lists of fixed addresses.
fn stale(bc: &Item, flow: &Flow) -> KrmResult {
    let snapshot: Vec<Ipv4Net> = JWKS_IPS.iter().filter_map(|a| parse_net(a)).collect();
    let holds_snapshot = |fw: &&Item| {
        let ranges: Vec<Ipv4Net> = super::array(&fw.value()["spec"]["destinationRanges"])
            .iter()
            .filter_map(|r| r.as_str().and_then(parse_net))
            .collect();
        snapshot.iter().all(|n| ranges.contains(n))
    };
    let rules = super::list(flow.fixed.iter().map(|fw| fw.name()));
    let snapshots = super::list(
        flow.fixed
            .iter()
            .filter(|fw| holds_snapshot(fw))
            .map(|fw| fw.name()),
    );
    let snapshot = if snapshots.is_empty() {
        String::new()
    } else {
        format!(" ({snapshots}: upstream's 2020 snapshot of {JWKS_FQDN})")
    };
    KrmResult::warning(format!(
        "BackendConfig {} enables IAP, and egress to the IAP JWKs ({JWKS_FQDN}) is allowed only \
         to lists of fixed addresses: ComputeFirewall {rules}{snapshot}. When its addresses \
         change, every request through IAP is rejected. Fix: an FQDN egress rule \
         (private-gke.egress-allowlist: fqdn) or the private Google APIs VIP \
         (private-gke.egress-allowlist: vip)",
        bc.name()
    ))
    .for_item(bc)
    .at_field("spec.iap", None, None)
    .tag("check", "iap")
}
