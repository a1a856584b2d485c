//! Firewall: health-check ranges allowed in; nodes → master (443, 10250) allowed out when egress
//! is denied; every egress allow rule wins over the deny-all rule; master-CIDR rules use the
//! cluster's actual master CIDR.

use super::{list, parse_net, Ctx, Firewall, HEALTH_CHECK_RANGES, MASTER_DEFAULT_PORTS};
use crate::krm::KrmResult;
use serde_json::Value;

/// Run every firewall check on the rules of the cluster's network.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    health_checks(ctx, out);
    stale_master_ranges(ctx, out);
    nodes_to_master(ctx, out);
    egress_priorities(ctx, out);
}

fn health_checks(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let ingress_allow: Vec<&Firewall> = ctx
        .firewalls
        .iter()
        .filter(|fw| !fw.egress && fw.allow.iter().any(|r| r.tcp()))
        .collect();
    let missing: Vec<&str> = HEALTH_CHECK_RANGES
        .iter()
        .copied()
        .filter(|r| {
            let net = parse_net(r).unwrap_or_default();
            !ingress_allow.iter().any(|fw| fw.covers(&net))
        })
        .collect();
    if missing.is_empty() {
        return;
    }
    let subject = ctx.network().unwrap_or(cluster.item);
    out.push(
        KrmResult::error(format!(
            "no ingress firewall rule on network `{}` allows GKE health checks from {}: load \
             balancer health checks fail, backends stay unhealthy and the Kubeflow ingress \
             returns 502. Fix: add an INGRESS ComputeFirewall allowing tcp (80, 443 and the \
             serving ports) from 130.211.0.0/22 and 35.191.0.0/16",
            cluster.network,
            missing.join(", ")
        ))
        .for_resource(&subject.value)
        .tag("check", "firewall"),
    );
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
                .for_resource(&fw.item.value)
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

/// When a deny rule blocks egress to the master, 443 and 10250 must be allowed out to it.
fn nodes_to_master(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(master) = ctx.cluster.as_ref().and_then(|c| c.master) else {
        return;
    };
    let Some(deny) = ctx
        .firewalls
        .iter()
        .find(|fw| fw.egress && fw.covers(&master) && fw.deny.iter().any(|r| r.tcp()))
    else {
        return;
    };
    let missing: Vec<String> = MASTER_DEFAULT_PORTS
        .iter()
        .filter(|&&port| {
            !ctx.firewalls.iter().any(|fw| {
                fw.egress
                    && fw.allows_tcp(port)
                    && fw.ranges().iter().flatten().any(|n| ctx.master_like(n))
            })
        })
        .map(u16::to_string)
        .collect();
    if missing.is_empty() {
        return;
    }
    out.push(
        KrmResult::error(format!(
            "ComputeFirewall {} denies egress to the master range {master}, and no egress rule \
             allows tcp {} to it: nodes cannot register with the master and the cluster stays \
             provisioning. Fix: add an EGRESS allow rule for tcp 443 and 10250 to {master} with \
             a smaller priority number than {}",
            deny.name(),
            missing.join(", "),
            deny.priority
        ))
        .for_resource(&deny.item.value)
        .at_field("spec.deny", None, None)
        .tag("check", "firewall"),
    );
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
            .for_resource(&deny.item.value)
            .at_field(
                "spec.priority",
                deny.item.value["spec"].get("priority").cloned(),
                proposed,
            )
            .tag("check", "firewall"),
        );
    }
}
