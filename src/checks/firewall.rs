//! Firewall rules as rules: every egress allow rule wins over the deny-all rule; master-CIDR rules
//! use the cluster's actual master CIDR. Whether health checks reach the backends and the nodes
//! reach the master is a flow verdict (`connectivity`).

use super::{list, Ctx, Firewall};
use crate::krm::KrmResult;
use serde_json::Value;

/// Run every firewall check on the rules of the cluster's network.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    stale_master_ranges(ctx, out);
    egress_priorities(ctx, out);
}

/// Rules that use a /28 that looks like a master range but is not the cluster's.
fn stale_master_ranges(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(master) = ctx.cluster.as_ref().and_then(|c| c.master) else {
        return;
    };
    for fw in &ctx.firewalls {
        for (i, net) in fw.ranges().iter().enumerate() {
            let Some(net) = net.filter(|n| ctx.is_stale_master(n)) else {
                continue;
            };
            let breaks = if fw.egress {
                "nodes cannot reach the master (kubelet registration and the API fail)"
            } else {
                "the master cannot reach the webhooks and ports this rule opens"
            };
            out.push(
                KrmResult::error(format!(
                    "ComputeFirewall {} uses master range {net}, but the cluster's master range \
                     is {master}: {breaks}. Fix: set it to {master}",
                    fw.name()
                ))
                .for_item(fw.item)
                .at_field(
                    format!("spec.{}[{i}]", fw.range_field()),
                    Some(net.to_string().into()),
                    Some(master.to_string().into()),
                )
                .tag("check", "firewall"),
            );
        }
    }
}

/// Egress allow rules that the deny-all egress rule overrides (same or larger priority number).
fn egress_priorities(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    for deny in ctx.deny_all_egress() {
        let shadowed: Vec<&Firewall> = ctx
            .firewalls
            .iter()
            .filter(|fw| {
                fw.egress
                    && fw.priority >= deny.priority
                    && fw
                        .allow
                        .iter()
                        .any(|a| deny.deny.iter().any(|d| d.overlaps(a)))
            })
            .collect();
        let Some(highest) = shadowed.iter().map(|fw| fw.priority).max() else {
            continue;
        };
        let proposed = (highest < 65535).then(|| Value::from(highest.saturating_add(1)));
        out.push(
            KrmResult::error(format!(
                "deny-all egress rule {} has priority {}, which wins over the egress allow rules \
                 {} (a smaller number wins, and deny wins a tie): their traffic is blocked (Google \
                 APIs, the master, health checks, image pulls). Fix: give the deny rule a larger \
                 number than every allow rule ({}), or the allow rules smaller ones",
                deny.name(),
                deny.priority,
                list(shadowed.iter().map(|fw| fw.name())),
                highest.saturating_add(1)
            ))
            .for_item(deny.item)
            .at_field(
                "spec.priority",
                deny.item.value()["spec"].get("priority").cloned(),
                proposed,
            )
            .tag("check", "firewall"),
        );
    }
}
