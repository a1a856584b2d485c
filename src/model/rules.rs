//! Firewall evaluation as GCP does it: of the enabled rules in the traffic's direction whose
//! ranges hold the peer and whose entries match protocol and port, the lowest priority number
//! wins and deny wins a tie; with none, the implied rules (allow egress, deny ingress, 65535).
//! GKE's own ingress rule from the master range (tcp 443 and 10250, priority 1000) can be added.

use super::{is_rfc1918, network_of, Firewall, Rule, DEFAULT_PRIORITY, MASTER_DEFAULT_PORTS};
use crate::krm::Item;
use ipnet::Ipv4Net;

/// GCP's implied rules' priority.
pub(crate) const IMPLIED_PRIORITY: i64 = 65535;

/// A flow's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP.
    Icmp,
}

impl Proto {
    /// `tcp`, `udp`, `icmp`.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
        }
    }

    /// True when a rule entry's `protocol` covers this protocol.
    fn matched_by(self, protocol: &str) -> bool {
        match protocol {
            "all" => true,
            "tcp" | "6" => self == Proto::Tcp,
            "udp" | "17" => self == Proto::Udp,
            "icmp" | "1" => self == Proto::Icmp,
            _ => false,
        }
    }
}

/// True when `rule` matches `proto` on `port` (`None`: some port of the flow's protocol, as for
/// health checks whose serving ports the package does not say).
pub(crate) fn entry_matches(rule: &Rule, proto: Proto, port: Option<u16>) -> bool {
    if !proto.matched_by(&rule.protocol) {
        return false;
    }
    match port {
        Some(p) if proto != Proto::Icmp && !rule.ports.is_empty() => {
            rule.ports.iter().any(|&(a, b)| a <= p && p <= b)
        }
        _ => true,
    }
}

/// What decided a firewall verdict.
#[derive(Clone, Copy)]
pub(crate) enum Decider<'a> {
    /// A ComputeFirewall among the items.
    Rule(&'a Firewall<'a>),
    /// GKE's own ingress rule from the master range (tcp 443, 10250).
    GkeMaster,
    /// GCP's implied rule at 65535 (allow egress, deny ingress).
    Implied,
    /// A rule of a network firewall policy: (item, priority).
    Policy(&'a Item, i64),
}

/// A firewall verdict.
#[derive(Clone)]
pub(crate) struct Decision<'a> {
    /// The traffic passes.
    pub allowed: bool,
    /// The rule that decided.
    pub by: Decider<'a>,
    /// Allow rules ahead of the decider that hold only part of the peer range (fixed address
    /// lists): that part passes.
    pub partial: Vec<&'a Firewall<'a>>,
    /// A policy rule that would allow the traffic but comes after the VPC rule that denies it.
    pub overridden: Option<&'a Item>,
}

impl Decision<'_> {
    /// The deciding rule's name, `GKE` for GKE's own rule, `implied rule` for GCP's.
    pub fn short(&self) -> String {
        match self.by {
            Decider::Rule(fw) => fw.name().to_string(),
            Decider::GkeMaster => "GKE".into(),
            Decider::Implied => "implied rule".into(),
            Decider::Policy(item, _) => item.name().to_string(),
        }
    }

    /// `ComputeFirewall x (allow, priority 1000)`, GKE's rule or the implied rule.
    pub fn describe(&self, egress: bool) -> String {
        match self.by {
            Decider::Rule(fw) => format!(
                "ComputeFirewall {} ({}, priority {})",
                fw.name(),
                if self.allowed { "allow" } else { "deny" },
                fw.priority
            ),
            Decider::GkeMaster => "GKE's own rule from the master range (tcp 443, 10250)".into(),
            Decider::Implied if egress => "the implied allow-egress rule (priority 65535)".into(),
            Decider::Implied => "the implied deny-ingress rule (priority 65535)".into(),
            Decider::Policy(item, priority) => format!(
                "ComputeNetworkFirewallPolicyRule {} ({}, priority {priority})",
                item.name(),
                if self.allowed { "allow" } else { "deny" }
            ),
        }
    }
}

/// The verdict of the firewall rules for traffic in one direction to (egress) or from (ingress)
/// `peer`, on `proto`/`port`.
pub(crate) fn evaluate<'a>(
    rules: &'a [Firewall<'a>],
    egress: bool,
    peer: &Ipv4Net,
    proto: Proto,
    port: Option<u16>,
    gke_master: Option<&Ipv4Net>,
) -> Decision<'a> {
    // (priority, deny first, full cover, decider)
    let mut candidates: Vec<(i64, bool, bool, Decider)> = Vec::new();
    for fw in rules
        .iter()
        .filter(|fw| fw.egress == egress && !fw.disabled)
    {
        let ranges: Vec<Ipv4Net> = fw.ranges().into_iter().flatten().collect();
        let full = ranges.iter().any(|r| r.contains(peer));
        let partial = ranges
            .iter()
            .any(|r| peer.contains(&r.network()) || r.contains(&peer.network()));
        if !full && !partial {
            continue;
        }
        if fw.deny.iter().any(|r| entry_matches(r, proto, port)) {
            candidates.push((fw.priority, true, full, Decider::Rule(fw)));
        } else if fw.allow.iter().any(|r| entry_matches(r, proto, port)) {
            candidates.push((fw.priority, false, full, Decider::Rule(fw)));
        }
    }
    if let Some(master) = gke_master {
        let port_ok = port.is_none_or(|p| MASTER_DEFAULT_PORTS.contains(&p));
        if !egress && proto == Proto::Tcp && port_ok && master.contains(peer) {
            candidates.push((DEFAULT_PRIORITY, false, true, Decider::GkeMaster));
        }
    }
    candidates.sort_by_key(|&(priority, deny, _, _)| (priority, !deny));
    let mut partial = Vec::new();
    for (_, deny, full, by) in candidates {
        if full {
            return Decision {
                allowed: !deny,
                by,
                partial,
                overridden: None,
            };
        }
        if let (false, Decider::Rule(fw)) = (deny, by) {
            partial.push(fw);
        }
    }
    Decision {
        allowed: egress,
        by: Decider::Implied,
        partial,
        overridden: None,
    }
}

/// An allow rule that would pass the traffic but misses it: on another network, disabled, or
/// (for an internal peer) with internal ranges that do not hold the peer: (rule, why, field).
pub(crate) fn near_miss<'f, 'a>(
    all: &'f [Firewall<'a>],
    network: &str,
    egress: bool,
    peer: &Ipv4Net,
    proto: Proto,
    port: Option<u16>,
    limit: i64,
) -> Option<(&'f Firewall<'a>, String, String)> {
    let candidates = || {
        all.iter().filter(move |fw| {
            fw.egress == egress && fw.allow.iter().any(|r| entry_matches(r, proto, port))
        })
    };
    let on = |fw: &Firewall| network_of(fw.item.value()).as_deref() == Some(network);
    let holds = |fw: &Firewall| fw.ranges().iter().flatten().any(|r| r.contains(peer));
    if let Some(fw) = candidates().find(|fw| !on(fw) && holds(fw)) {
        let other = network_of(fw.item.value()).unwrap_or_default();
        return Some((
            fw,
            format!("would allow it, but is on network `{other}`"),
            "spec.networkRef".into(),
        ));
    }
    if let Some(fw) = candidates().find(|fw| on(fw) && fw.disabled && holds(fw)) {
        return Some((
            fw,
            "would allow it, but is disabled".into(),
            "spec.disabled".into(),
        ));
    }
    let other_port = all.iter().find(|fw| {
        fw.egress == egress
            && on(fw)
            && !fw.disabled
            && fw.priority < limit
            && holds(fw)
            && port.is_some()
            && fw.allow.iter().any(|r| entry_matches(r, proto, None))
    });
    if let Some(fw) = other_port {
        return Some((
            fw,
            format!(
                "allows {} {} it, but not on port {}",
                proto.name(),
                if egress { "to" } else { "from" },
                port.unwrap_or_default()
            ),
            "spec.allow".into(),
        ));
    }
    if !is_rfc1918(peer) {
        return None;
    }
    // The closest internal rule: the longest prefix shared with the peer (a stale copy of a
    // range), or a catch-all for internal traffic (every port).
    let common = |r: &Ipv4Net| {
        let x = u32::from(r.network()) ^ u32::from(peer.network());
        (x.leading_zeros() as u8)
            .min(r.prefix_len())
            .min(peer.prefix_len())
    };
    candidates()
        .filter(|fw| {
            let ranges: Vec<Ipv4Net> = fw.ranges().into_iter().flatten().collect();
            on(fw)
                && !fw.disabled
                && fw.priority < limit
                && !ranges.is_empty()
                && ranges.iter().all(is_rfc1918)
                && !holds(fw)
        })
        .filter_map(|fw| {
            let best = fw.ranges().iter().flatten().map(common).max().unwrap_or(0);
            let every_port = fw
                .allow
                .iter()
                .any(|r| r.ports.is_empty() || r.ports.contains(&(0, 65535)));
            (best >= 16 || every_port).then_some((best, fw))
        })
        .rev()
        .max_by_key(|(best, _)| *best)
        .map(|(_, fw)| fw)
        .map(|fw| {
            let ranges: Vec<String> = fw
                .ranges()
                .into_iter()
                .flatten()
                .map(|r| r.to_string())
                .collect();
            (
                fw,
                format!(
                    "allows it {} {}, which do not hold {peer}",
                    if egress { "to" } else { "from" },
                    ranges.join(", ")
                ),
                format!("spec.{}", fw.range_field()),
            )
        })
}

#[cfg(test)]
mod tests;
