//! Network firewall policies (Config Connector `ComputeNetworkFirewallPolicy*`): the egress rules
//! of the policies associated with the cluster's network, FQDN rules (`match.destFqdns`)
//! included, and where GCP evaluates them: after the network's VPC firewall rules unless the
//! network says `networkFirewallPolicyEnforcementOrder: BEFORE_CLASSIC_FIREWALL`. A VPC rule that
//! matches ends the evaluation; the implied rules come after both.

use super::{array, parse_net, ref_name, Ctx};
use crate::krm::Item;
use ipnet::Ipv4Net;

/// One egress rule of an associated network firewall policy.
pub(crate) struct PolicyRule<'a> {
    /// The ComputeNetworkFirewallPolicyRule item.
    pub item: &'a Item,
    /// `priority`.
    pub priority: i64,
    /// `action`: `Some(true)` allow, `Some(false)` deny, `None` goto_next.
    pub allow: Option<bool>,
    /// `match.destFqdns`, lower case, without the final dot.
    pub fqdns: Vec<String>,
    /// `match.destIPRanges`.
    pub ranges: Vec<Ipv4Net>,
    /// `match.layer4Configs` as (protocol, ports).
    pub l4: Vec<(String, Vec<String>)>,
}

impl PolicyRule<'_> {
    /// True when the rule matches tcp 443 to `host` at `dst`.
    fn matches(&self, host: &str, dst: &Ipv4Net) -> bool {
        let l4 = self.l4.is_empty()
            || self.l4.iter().any(|(p, ports)| {
                matches!(p.as_str(), "all" | "tcp" | "6")
                    && (ports.is_empty()
                        || ports.iter().any(|r| match r.split_once('-') {
                            Some((a, b)) => {
                                a.parse::<u16>().is_ok_and(|a| a <= 443)
                                    && b.parse::<u16>().is_ok_and(|b| 443 <= b)
                            }
                            None => r == "443",
                        }))
            });
        let target = self.fqdns.iter().any(|f| f == host)
            || self.ranges.iter().any(|r| r.contains(dst))
            || (self.fqdns.is_empty() && self.ranges.is_empty());
        l4 && target
    }
}

/// The egress rules of the firewall policies associated with the cluster's network, in
/// evaluation order (priority), and whether they come before the VPC rules.
pub(crate) fn egress_rules<'a>(ctx: &'a Ctx<'a>) -> (Vec<PolicyRule<'a>>, bool) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return (Vec::new(), false);
    };
    let policies: Vec<String> = ctx
        .cnrm("ComputeNetworkFirewallPolicyAssociation")
        .filter(|a| {
            ref_name(&a.value()["spec"]["attachmentTargetRef"]).as_deref()
                == Some(cluster.network.as_str())
        })
        .filter_map(|a| ref_name(&a.value()["spec"]["firewallPolicyRef"]))
        .collect();
    let mut rules: Vec<PolicyRule> = ctx
        .cnrm("ComputeNetworkFirewallPolicyRule")
        .filter(|r| {
            let spec = &r.value()["spec"];
            ref_name(&spec["firewallPolicyRef"]).is_some_and(|p| policies.contains(&p))
                && spec["direction"].as_str() == Some("EGRESS")
                && spec["disabled"].as_bool() != Some(true)
        })
        .map(|item| {
            let spec = &item.value()["spec"];
            let m = &spec["match"];
            PolicyRule {
                item,
                // The rule's priority is its `resourceID` (a string); `priority` is read too.
                priority: spec["resourceID"]
                    .as_str()
                    .and_then(|p| p.parse().ok())
                    .or_else(|| spec["priority"].as_i64())
                    .unwrap_or(i64::MAX),
                allow: match spec["action"].as_str() {
                    Some("allow") => Some(true),
                    Some("deny") => Some(false),
                    _ => None,
                },
                fqdns: array(&m["destFqdns"])
                    .iter()
                    .filter_map(|f| f.as_str())
                    .map(|f| f.trim_end_matches('.').to_ascii_lowercase())
                    .collect(),
                ranges: array(&m["destIPRanges"])
                    .iter()
                    .filter_map(|r| r.as_str().and_then(parse_net))
                    .collect(),
                l4: array(&m["layer4Configs"])
                    .iter()
                    .map(|c| {
                        (
                            c["ipProtocol"].as_str().unwrap_or("").to_ascii_lowercase(),
                            array(&c["ports"])
                                .iter()
                                .filter_map(|p| p.as_str().map(str::to_string))
                                .collect(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    rules.sort_by_key(|r| r.priority);
    let before = ctx.network().is_some_and(|n| {
        n.value()["spec"]["networkFirewallPolicyEnforcementOrder"].as_str()
            == Some("BEFORE_CLASSIC_FIREWALL")
    });
    (rules, before)
}

/// The first policy rule that decides tcp 443 to `host` at `dst`: (allowed, rule).
pub(crate) fn decide<'r, 'a>(
    rules: &'r [PolicyRule<'a>],
    host: &str,
    dst: &Ipv4Net,
) -> Option<(bool, &'r PolicyRule<'a>)> {
    rules
        .iter()
        .filter(|r| r.matches(host, dst))
        .find_map(|r| r.allow.map(|a| (a, r)))
}
