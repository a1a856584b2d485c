//! IAP: a BackendConfig with `iap` enabled needs egress to the JWKs endpoint
//! (www.gstatic.com). Working paths: the private Google APIs VIP (a private `gstatic.com.` zone
//! on it, an egress rule and a route to it), or Cloud NAT with, when egress is denied, an FQDN
//! rule of a network firewall policy on the network (evaluated before the VPC rules) or an
//! egress rule for tcp 443 to public addresses. A rule that lists only fixed addresses (such as
//! upstream's 2020 snapshot) is a stale list: a warning, since it breaks when they move.

use super::{is_rfc1918, network_of, parse_net, ref_name, Ctx, RESTRICTED_VIP};
use crate::gke::firewall_rules::{HEALTH_CHECK_RANGES, JWKS_FQDN, JWKS_IPS, PRIVATE_VIP};
use crate::krm::{Item, KrmResult};
use ipnet::Ipv4Net;
use serde_json::Value;

/// What the package offers as a way to the JWKs when egress is denied.
#[derive(Default)]
struct Paths {
    /// An FQDN policy rule for www.gstatic.com on the network, and whether the network lets it
    /// act before the deny-all rule (`None` when it does; else the network's name).
    fqdn: Option<(String, Option<String>)>,
    /// A private zone mapping gstatic.com to the private VIP, with rule and route.
    vip: bool,
    /// An egress allow rule for tcp 443 to a public range that is not a list of fixed addresses.
    open: bool,
    /// Egress allow rules for tcp 443 to fixed public addresses only: (rule, it holds all of
    /// upstream's 2020 snapshot of www.gstatic.com).
    fixed: Vec<(String, bool)>,
}

/// Check every IAP BackendConfig.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let has_nat = ctx.nat().is_some();
    let egress_denied = ctx.deny_all_egress().next().is_some();
    let paths = paths(ctx, egress_denied);
    for bc in ctx.of_kind("BackendConfig") {
        let iap = &*bc.view_at(&["spec", "iap"]);
        if !iap.is_object() || iap["enabled"].as_bool() == Some(false) {
            continue;
        }
        if paths.vip {
            continue;
        }
        let fqdn_ok = paths
            .fqdn
            .as_ref()
            .is_some_and(|(_, blocked)| blocked.is_none());
        let mut lacking = Vec::new();
        if !has_nat {
            lacking.push(format!(
                "Cloud NAT (a ComputeRouter and ComputeRouterNAT on network `{}`)",
                cluster.network
            ));
        }
        if egress_denied && !paths.open && !fqdn_ok && paths.fixed.is_empty() {
            lacking.push(match &paths.fqdn {
                Some((rule, Some(network))) => format!(
                    "spec.networkFirewallPolicyEnforcementOrder: BEFORE_CLASSIC_FIREWALL on \
                     ComputeNetwork `{network}` (else the deny-all egress rule ends the flow \
                     before the FQDN rule `{rule}` is evaluated)"
                ),
                _ => format!(
                    "an FQDN egress rule for {JWKS_FQDN} (private-gke.egress-allowlist: fqdn), \
                     or a private gstatic.com zone on the private Google APIs VIP \
                     (private-gke.egress-allowlist: vip)"
                ),
            });
        }
        if lacking.is_empty() {
            if egress_denied && !paths.open && !fqdn_ok && !paths.fixed.is_empty() {
                out.push(stale(bc, &paths.fixed));
            }
            continue;
        }
        out.push(
            KrmResult::error(format!(
                "BackendConfig {} enables IAP, but the nodes cannot fetch the IAP JWKs, so every \
                 request through IAP is rejected (\"Invalid JWT\"). Fix: add {}",
                bc.name(),
                lacking.join(" and ")
            ))
            .for_item(bc)
            .at_field("spec.iap", None, None)
            .tag("check", "iap"),
        );
    }
}

/// The warning of JWKs paths that are only lists of fixed addresses.
fn stale(bc: &Item, fixed: &[(String, bool)]) -> KrmResult {
    let rules = super::list(fixed.iter().map(|(name, _)| name.as_str()));
    let snapshots = super::list(
        fixed
            .iter()
            .filter(|(_, snapshot)| *snapshot)
            .map(|(name, _)| name.as_str()),
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

/// The ways to the JWKs the package offers.
fn paths(ctx: &Ctx, egress_denied: bool) -> Paths {
    let mut paths = Paths::default();
    let not_public: Vec<Ipv4Net> = HEALTH_CHECK_RANGES
        .iter()
        .chain([&RESTRICTED_VIP, &PRIVATE_VIP])
        .filter_map(|r| r.parse().ok())
        .collect();
    let snapshot: Vec<Ipv4Net> = JWKS_IPS.iter().filter_map(|a| parse_net(a)).collect();
    for fw in ctx
        .firewalls
        .iter()
        .filter(|fw| fw.egress && fw.allows_tcp(443))
    {
        let public: Vec<Ipv4Net> = fw
            .ranges()
            .into_iter()
            .flatten()
            .filter(|n| !is_rfc1918(n) && !not_public.iter().any(|i| i.contains(n)))
            .collect();
        if public.is_empty() {
            continue;
        }
        if public.iter().all(|n| n.prefix_len() == 32) {
            let known = snapshot.iter().all(|n| public.contains(n));
            paths.fixed.push((fw.name().to_string(), known));
        } else {
            paths.open = true;
        }
    }
    paths.fqdn = fqdn_rule(ctx, JWKS_FQDN, egress_denied);
    paths.vip = vip(ctx, egress_denied);
    paths
}

/// True when some egress rule allows tcp 443 to public addresses (a range, or fixed addresses
/// that may or may not be the host's): a host's reachability cannot be told from the rules.
pub(super) fn public_443(ctx: &Ctx) -> bool {
    let paths = paths(ctx, true);
    paths.open || !paths.fixed.is_empty()
}

/// An EGRESS allow rule of a network firewall policy associated with the cluster's network
/// whose `destFqdns` hold `host` on tcp 443; with the network that evaluates it after the VPC
/// rules while a deny-all egress rule exists.
pub(super) fn fqdn_rule(
    ctx: &Ctx,
    host: &str,
    egress_denied: bool,
) -> Option<(String, Option<String>)> {
    let network = &ctx.cluster.as_ref()?.network;
    let associated: Vec<String> = ctx
        .cnrm("ComputeNetworkFirewallPolicyAssociation")
        .filter(|a| {
            ref_name(&a.view_at(&["spec", "attachmentTargetRef"])).as_ref() == Some(network)
        })
        .filter_map(|a| ref_name(&a.view_at(&["spec", "firewallPolicyRef"])))
        .collect();
    let rule = ctx.cnrm("ComputeNetworkFirewallPolicyRule").find(|r| {
        let spec = &*r.view_at(&["spec"]);
        let l4_443 = super::array(&spec["match"]["layer4Configs"])
            .iter()
            .any(|l| {
                let proto = l["ipProtocol"].as_str().unwrap_or("");
                let ports = super::array(&l["ports"]);
                matches!(proto, "tcp" | "6" | "all")
                    && (ports.is_empty()
                        || ports.iter().any(|p| {
                            p.as_str()
                                .and_then(|s| {
                                    let (a, b) = s.split_once('-').unwrap_or((s, s));
                                    Some((
                                        a.trim().parse::<u16>().ok()?,
                                        b.trim().parse::<u16>().ok()?,
                                    ))
                                })
                                .is_some_and(|(a, b)| a <= 443 && 443 <= b)
                        }))
            });
        spec["direction"].as_str() == Some("EGRESS")
            && spec["action"].as_str() == Some("allow")
            && spec["disabled"] != Value::Bool(true)
            && super::array(&spec["match"]["destFqdns"])
                .iter()
                .any(|f| f.as_str() == Some(host))
            && l4_443
            && ref_name(&spec["firewallPolicyRef"]).is_some_and(|p| associated.contains(&p))
    })?;
    let after_vpc = ctx.network().is_some_and(|n| {
        n.value()["spec"]["networkFirewallPolicyEnforcementOrder"].as_str()
            != Some("BEFORE_CLASSIC_FIREWALL")
    });
    let blocked = (egress_denied && after_vpc).then(|| network.clone());
    Some((rule.name().to_string(), blocked))
}

/// A private zone for `gstatic.com.` (or `www.gstatic.com.`) on the network whose A records
/// point into the private VIP, an egress rule for tcp 443 to the VIP when egress is denied, and
/// a route to it when the network deletes its default routes.
fn vip(ctx: &Ctx, egress_denied: bool) -> bool {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return false;
    };
    let Some(vip) = parse_net(PRIVATE_VIP) else {
        return false;
    };
    let zone_ok = ctx.cnrm("DNSManagedZone").any(|z| {
        let spec = &*z.view_at(&["spec"]);
        let on_network = super::array(&spec["privateVisibilityConfig"]["networks"])
            .iter()
            .any(|n| ref_name(&n["networkRef"]).as_ref() == Some(&cluster.network));
        matches!(
            spec["dnsName"].as_str(),
            Some("gstatic.com.") | Some("www.gstatic.com.")
        ) && spec["visibility"].as_str() == Some("private")
            && on_network
            && ctx.cnrm("DNSRecordSet").any(|r| {
                let rs = &*r.view_at(&["spec"]);
                rs["managedZoneRef"]["name"].as_str() == Some(z.name())
                    && rs["type"].as_str() == Some("A")
                    && !super::array(&rs["rrdatas"]).is_empty()
                    && super::array(&rs["rrdatas"]).iter().all(|d| {
                        d.as_str()
                            .and_then(parse_net)
                            .is_some_and(|n| vip.contains(&n))
                    })
            })
    });
    let rule_ok = !egress_denied
        || ctx
            .firewalls
            .iter()
            .any(|fw| fw.egress && fw.allows_tcp(443) && fw.covers(&vip));
    let route_ok = !ctx.deletes_default_routes()
        || ctx.cnrm("ComputeRoute").any(|r| {
            network_of(r.value()).as_ref() == Some(&cluster.network)
                && r.value()["spec"]["destRange"]
                    .as_str()
                    .and_then(parse_net)
                    .is_some_and(|d| d.contains(&vip))
        });
    zone_ok && rule_ok && route_ok
}
