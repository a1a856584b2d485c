//! The upkeep of the generated network beyond its templates: which ranges `int-egress` allows,
//! what the user must know about the egress allowlist, upstream's address-list rules the
//! allowlist replaces, and fields written by earlier runs that the target or the settings no
//! longer want (firewall logging included).

use super::resources::{full_name, Desired, Params};
use super::{
    adopt, cluster, firewall_rules, is_generated, is_owned_resource, network, tagged, version,
};
use crate::config::Settings;
use crate::krm::{Item, KrmResult};
use serde_json::json;

/// Sets firewall logging on every ComputeFirewall we own, and on every other one when
/// `log-firewalls` was given: `spec.enableLogging` before Config Connector's `logConfig`;
/// from then on `logConfig.metadata` present or absent, and `enableLogging` only where a rule
/// already has it. Adopted rules record what this changes.
pub(super) fn log_firewalls(settings: &Settings, current_fields: bool, items: &mut [Item]) {
    let given = settings.given.contains_key("log-firewalls");
    let on = settings.log_firewalls;
    for item in items.iter_mut().filter(|i| i.kind() == "ComputeFirewall") {
        if !(given || is_generated(item.value()) || adopt::is_adopted(item.value())) {
            continue;
        }
        let before = item.value().clone();
        let value = item.value_mut();
        if !current_fields || value.pointer("/spec/enableLogging").is_some() {
            cluster::set(value, "/spec/enableLogging", json!(on));
        }
        if current_fields {
            if !on {
                cluster::remove(value, "/spec/logConfig");
            } else if value.pointer("/spec/logConfig/metadata").is_none() {
                cluster::set(
                    value,
                    "/spec/logConfig/metadata",
                    json!(firewall_rules::LOG_METADATA),
                );
            }
        }
        if adopt::is_adopted(&before) && *item.value() != before {
            adopt::mark(&before, item.value_mut());
        }
    }
}

/// Removes from the resources we own the fields an earlier run wrote that the templates no
/// longer have: those the target Config Connector lacks (after a switch to an older version),
/// and NAT fields the NAT settings turned off. Adopted resources record what this removes.
pub(super) fn prune(p: &Params, items: &mut [Item]) {
    let mut gone: Vec<(&str, &str)> = Vec::new();
    if !p.current_fields {
        gone.extend([
            ("ComputeFirewall", "/spec/logConfig"),
            ("ComputeRouterNAT", "/spec/enableDynamicPortAllocation"),
        ]);
    }
    if !(p.current_fields && p.nat_dynamic_ports) {
        gone.extend([
            ("ComputeRouterNAT", "/spec/maxPortsPerVm"),
            ("ComputeRouterNAT", "/spec/enableEndpointIndependentMapping"),
        ]);
    }
    if p.nat_logging.filter().is_none() {
        gone.push(("ComputeRouterNAT", "/spec/logConfig"));
    }
    if !p.allowlist.fqdn {
        gone.push((
            "ComputeNetwork",
            "/spec/networkFirewallPolicyEnforcementOrder",
        ));
    }
    for item in items
        .iter_mut()
        .filter(|i| i.annotation(super::OWNED).is_some() && is_owned_resource(i.value()))
    {
        let before = item.value().clone();
        for (kind, pointer) in &gone {
            if item.kind() == *kind {
                cluster::remove(item.value_mut(), pointer);
            }
        }
        if adopt::is_adopted(&before) && *item.value() != before {
            adopt::mark(&before, item.value_mut());
        }
    }
}

/// Upstream's address-list rules (`<name>-dockerhub`, `<name>-iap-jwks`) that the package holds
/// but the allowlist no longer needs: left as they are (the function deletes no file it did not
/// write), with a warning saying what replaces them.
pub(super) fn replaced_lists(
    p: &Params,
    desired: &[Desired],
    items: &[Item],
    results: &mut Vec<KrmResult>,
) {
    for suffix in ["dockerhub", "iap-jwks"] {
        let name = full_name(&p.name, suffix);
        let wanted = desired.iter().any(|d| {
            d.value["kind"] == "ComputeFirewall" && d.value["metadata"]["name"] == name.as_str()
        });
        if wanted {
            continue;
        }
        let replacement = if suffix == "iap-jwks" && p.allowlist.jwks_vip {
            "the private Google APIs VIP"
        } else {
            "an FQDN rule of the network firewall policy"
        };
        for item in items
            .iter()
            .filter(|i| i.kind() == "ComputeFirewall" && i.name() == name)
            .filter(|i| i.annotation(super::OWNED).is_none() || !is_owned_resource(i.value()))
        {
            results.push(tagged(
                KrmResult::warning(format!(
                    "ComputeFirewall {name} allows a fixed 2020 address list; {replacement} now \
                     does its job, so the function leaves it as it is: delete it once nothing \
                     else needs it"
                ))
                .for_item(item),
            ));
        }
    }
}

/// Where the ranges of `int-egress` come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RangesFrom {
    /// The `subnet-cidr`, `pods-cidr` and `services-cidr` settings (the generated subnetwork,
    /// or given for the user's).
    Settings,
    /// The user's subnetwork among the items.
    Subnetwork,
    /// Nothing says (the user's subnetwork is elsewhere): every RFC 1918 range.
    Rfc1918,
}

/// The three RFC 1918 ranges.
const RFC1918: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// The destinations of `int-egress` and where they come from: the primary and secondary ranges
/// of the user's subnetwork when it is among the items; the range settings for the generated
/// subnetwork, or when given; else every RFC 1918 range. Then the master range.
pub(super) fn internal_ranges(
    settings: &Settings,
    net: &network::Plan,
) -> (Vec<String>, RangesFrom) {
    let given = ["subnet-cidr", "pods-cidr", "services-cidr"]
        .iter()
        .any(|k| settings.given.contains_key(*k));
    let (mut ranges, from): (Vec<String>, RangesFrom) = match &net.users_subnet_ranges {
        Some(ranges) => (ranges.clone(), RangesFrom::Subnetwork),
        None if net.existing.is_some() && !given => (
            RFC1918.iter().map(|r| r.to_string()).collect(),
            RangesFrom::Rfc1918,
        ),
        None => (
            vec![
                settings.subnet_cidr.clone(),
                settings.pods_cidr.clone(),
                settings.services_cidr.clone(),
            ],
            RangesFrom::Settings,
        ),
    };
    ranges.push(net.master_cidr.clone());
    ranges.dedup();
    (ranges, from)
}

/// What the user must know about the egress allowlist: the 2020 address lists where the target
/// lacks FQDN rules (an info: the IAP check warns where a stale list matters), and the
/// enforcement order a user's network needs for them (a warning).
pub(super) fn allowlist_notes(
    p: &Params,
    target: &version::Target,
    users_network: bool,
) -> Vec<KrmResult> {
    let mut out = Vec::new();
    if !p.allowlist.fqdn {
        let which = if p.allowlist.jwks_vip {
            "Docker Hub"
        } else {
            "Docker Hub and www.gstatic.com (IAP JWKs)"
        };
        out.push(KrmResult::info(format!(
            "Config Connector {} has no network firewall policy FQDN rules (they need {} or \
             later): egress to {which} is allowed by upstream's 2020 address snapshot, which \
             goes stale when their addresses change; upgrade Config Connector and set {} to match{}",
            target.label(),
            version_text(version::FIREWALL_POLICY_SINCE),
            version::SETTING,
            if p.allowlist.jwks_vip {
                ""
            } else {
                ", or private-gke.egress-allowlist: vip for the JWKs"
            }
        )));
    } else if users_network {
        out.push(KrmResult::warning(
            "the FQDN egress rules are in a network firewall policy, which your network \
             evaluates after its VPC firewall rules by default: the deny-all egress rule ends \
             those flows first. Set spec.networkFirewallPolicyEnforcementOrder: \
             BEFORE_CLASSIC_FIREWALL on your ComputeNetwork (the function does not change it)",
        ));
    }
    out.into_iter().map(tagged).collect()
}

fn version_text(v: (u64, u64, u64)) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}
