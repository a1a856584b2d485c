//! Connectivity: a verdict for each flow a private Kubeflow cluster needs, computed from the
//! rules, routes, NAT, DNS zones and ranges among the items (never from the function's own
//! templates), the way GCP evaluates them.
//!
//! Firewall rules: of the enabled rules on the cluster's network in the flow's direction whose
//! ranges hold the peer, the lowest priority number wins and deny wins a tie; with none, GCP's
//! implied rules apply (allow egress, deny ingress, at 65535). Target tags and service accounts
//! are not resolved: every rule is taken to apply to every node. GKE's own ingress rule from the
//! master range (tcp 443 and 10250, priority 1000) is part of every private cluster. Routes: the
//! most specific route on the network wins, then the lowest priority number; a network that does
//! not delete its default routes has `0.0.0.0/0` via the internet gateway. DNS: the private zones
//! visible to the network answer for their names (a name a zone lacks does not resolve), CNAMEs
//! followed; other names resolve to public addresses.

use super::hosts::{firewall_decider, host_flow, internet_flow, pull_host};
use super::paths::private_zones;
use super::policy;
use super::rules::{evaluate, near_miss, Decider, Proto, IMPLIED_PRIORITY};
use super::webhooks::{self, Need};
use super::{array, parse_net, Ctx, Firewall, HEALTH_CHECK_RANGES, MASTER_DEFAULT_PORTS};
use crate::krm::{Item, KrmResult};
use ipnet::Ipv4Net;
use std::collections::BTreeSet;

/// The Google API VIPs: `restricted.googleapis.com` and `private.googleapis.com`.
pub(crate) const VIPS: [&str; 2] = ["199.36.153.4/30", "199.36.153.8/30"];
/// L4 (network) load balancer health-check ranges, needed with a Service of type LoadBalancer.
pub(crate) const L4_HEALTH_CHECK_RANGES: [&str; 2] = ["209.85.152.0/22", "209.85.204.0/22"];
/// The host IAP fetches its JWKs from.
pub(crate) const JWKS_HOST: &str = "www.gstatic.com";
/// The name of the flow to the IAP JWKs.
pub(crate) const IAP_FLOW: &str = "pods → IAP JWKs";

/// A flow's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The traffic passes.
    Allowed,
    /// The traffic does not pass, and the cluster needs it: an error.
    Blocked,
    /// The traffic does not pass by the package's own policy (internet egress denied): said so.
    Policy,
}

/// A node of the network diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Place {
    /// The nodes (subnet primary range).
    Nodes,
    /// The pods range.
    Pods,
    /// The master range.
    Master,
    /// The Google API VIP (through the private zones and the VIP route).
    Vip,
    /// Public addresses (through Cloud NAT or the internet route).
    Internet,
    /// The health-check ranges.
    Health,
}

/// One flow and its verdict.
#[derive(Clone)]
pub(crate) struct Flow<'a> {
    /// Short name: `nodes → master`.
    pub name: String,
    /// `tcp 443`.
    pub traffic: String,
    /// Where it starts and ends, for the diagram.
    pub from: Place,
    /// Where it ends.
    pub to: Place,
    /// The verdict.
    pub verdict: Verdict,
    /// By which rule, or which missing route or record.
    pub cause: String,
    /// What to change, for a blocked flow.
    pub fix: String,
    /// The resource the cause is on, and the field, when known.
    pub subject: Option<&'a Item>,
    /// Field of `subject`.
    pub field: Option<String>,
    /// The webhook port this flow is for (master → webhook flows).
    pub webhook_port: Option<u16>,
    /// The flow goes to a named host (through DNS).
    pub host: Option<String>,
    /// No private zone answers for the host: it resolves to public addresses (or not at all).
    pub public_dns: bool,
    /// The firewall rule that decided, in short (`kf-demo-master-egress`, `GKE`, `implied`).
    pub rule: Option<String>,
    /// What blocks the flow (set when the verdict is `Blocked`).
    pub block: Option<Block<'a>>,
    /// The fixed-address rules the flow passes through only (a list that goes stale).
    pub fixed: Vec<&'a Item>,
    /// A network firewall policy rule that would allow the flow but comes after the VPC rule
    /// that denies it.
    pub overridden: Option<&'a Item>,
}

/// What blocks a flow, for the check that phrases it.
#[derive(Clone, Copy)]
pub(crate) enum Block<'a> {
    /// A firewall rule (of the VPC or a policy) or GCP's implied rule denies it.
    Firewall,
    /// No route on the network holds the destination.
    Route(Ipv4Net),
    /// A private zone holds the name's domain but no usable record for it.
    Record(&'a Item),
    /// The name's A record points outside the Google API VIPs: (record, index in `rrdatas`).
    Address(&'a Item, usize),
    /// No private zone answers for the name: it resolves to public addresses the firewall denies.
    Public,
    /// Cloud NAT is missing, in another region, or does not translate the source range.
    Nat,
}

impl<'a> Flow<'a> {
    /// A flow from `from` to `to`, allowed until a step says otherwise.
    pub(super) fn new(name: String, traffic: String, from: Place, to: Place) -> Self {
        Flow {
            name,
            traffic,
            from,
            to,
            verdict: Verdict::Allowed,
            cause: String::new(),
            fix: String::new(),
            subject: None,
            field: None,
            webhook_port: None,
            host: None,
            public_dns: false,
            rule: None,
            block: None,
            fixed: Vec::new(),
            overridden: None,
        }
    }

    /// `nodes → master: tcp 443`: how results name the flow (tag `flows`).
    pub fn label(&self) -> String {
        format!("{}: {}", self.name, self.traffic)
    }
}

/// Every flow, and what the computation read along the way.
pub(crate) struct Flows<'a> {
    /// The flows, in a fixed order.
    pub flows: Vec<Flow<'a>>,
    /// The webhooks whose ports the master must reach.
    pub webhooks: Vec<Need<'a>>,
    /// Warnings for webhooks whose port cannot be told.
    pub webhook_warnings: Vec<KrmResult>,
    /// The private zones visible to the cluster's network: (zone item, DNS name).
    pub zones: Vec<(&'a Item, String)>,
    /// Registries the package's images use.
    pub registries: Vec<String>,
}

impl<'a> Flows<'a> {
    /// `connectivity: N flow(s) needed, A allowed, B blocked, P denied by policy`.
    pub fn summary(&self, cluster: &str) -> String {
        let count = |v: Verdict| self.flows.iter().filter(|f| f.verdict == v).count();
        format!(
            "connectivity of cluster {cluster}: {} flow(s) needed, {} allowed, {} blocked, {} \
             denied by the package's policy",
            self.flows.len(),
            count(Verdict::Allowed),
            count(Verdict::Blocked),
            count(Verdict::Policy)
        )
    }

    /// Webhook ports a blocked flow names (the ports a generated rule must open).
    pub fn blocked_webhook_ports(&self) -> BTreeSet<u16> {
        self.flows
            .iter()
            .filter(|f| f.verdict == Verdict::Blocked)
            .filter_map(|f| f.webhook_port)
            .collect()
    }
}

/// The registry hosts of every container image among the items (`gke::registries`, which the
/// private-GKE stage reads too), and `gke.gcr.io`, where the cluster's own system images come
/// from.
pub(crate) fn registries(ctx: &Ctx) -> Vec<String> {
    let mut found: BTreeSet<String> = BTreeSet::new();
    found.insert("gke.gcr.io".to_string());
    for (image, _) in ctx.images() {
        found.insert(crate::gke::registries::registry(image));
    }
    found.into_iter().collect()
}

/// Compute every flow for the selected private cluster (empty without one).
pub(crate) fn compute<'a>(ctx: &'a Ctx<'a>) -> Flows<'a> {
    let mut out = Flows {
        flows: Vec::new(),
        webhooks: Vec::new(),
        webhook_warnings: Vec::new(),
        zones: Vec::new(),
        registries: Vec::new(),
    };
    let Some(cluster) = ctx.cluster.as_ref().filter(|c| c.private) else {
        return out;
    };
    out.zones = private_zones(ctx);
    out.registries = registries(ctx);
    let (needs, warnings) = webhooks::needs(ctx);
    out.webhooks = needs;
    out.webhook_warnings = warnings;
    let network = cluster.network.as_str();
    let net_subject = ctx.network().unwrap_or(cluster.item);
    let nodes = ctx.subnet_ranges.first().copied();
    let pods = pods_range(ctx);
    let rules = ctx.firewalls.as_slice();
    let (policy_rules, before) = policy::egress_rules(ctx);
    let all: Vec<Firewall> = ctx.cnrm("ComputeFirewall").map(Firewall::parse).collect();
    let firewall_flow = |name: String,
                         from: Place,
                         to: Place,
                         egress: bool,
                         peer: Ipv4Net,
                         proto: Proto,
                         port: Option<u16>,
                         gke_master: Option<&Ipv4Net>| {
        let d = evaluate(rules, egress, &peer, proto, port, gke_master);
        let traffic = match port {
            Some(p) if proto != Proto::Icmp => format!("{} {p}", proto.name()),
            _ => proto.name().to_string(),
        };
        let (mut subject, mut field) = match d.by {
            Decider::Rule(fw) => (Some(fw.item), Some(deny_field(fw, d.allowed))),
            _ => (Some(net_subject), None),
        };
        let direction = if egress { "EGRESS" } else { "INGRESS" };
        let range_word = if egress { "to" } else { "from" };
        let limit = match d.by {
            Decider::Rule(fw) => fw.priority,
            _ => IMPLIED_PRIORITY,
        };
        let mut cause = format!("{} on network `{network}`", d.describe(egress));
        if !d.allowed {
            if let Some((fw, why, at)) = near_miss(&all, network, egress, &peer, proto, port, limit)
            {
                cause = format!("{cause}; ComputeFirewall {} {why}", fw.name());
                subject = Some(fw.item);
                field = Some(at);
            }
        }
        Flow {
            name,
            traffic: traffic.clone(),
            from,
            to,
            verdict: if d.allowed {
                Verdict::Allowed
            } else {
                Verdict::Blocked
            },
            cause,
            fix: format!(
                "add an {direction} allow rule for {traffic} {range_word} {peer} on network \
                 `{network}` with a smaller priority number than {}",
                match d.by {
                    Decider::Rule(fw) => fw.priority.to_string(),
                    _ => IMPLIED_PRIORITY.to_string(),
                }
            ),
            subject: subject.filter(|_| !d.allowed),
            field: field.filter(|_| !d.allowed),
            webhook_port: None,
            host: None,
            public_dns: false,
            rule: Some(d.short()),
            block: (!d.allowed).then_some(Block::Firewall),
            fixed: Vec::new(),
            overridden: None,
        }
    };

    if let Some(master) = cluster.master {
        for port in MASTER_DEFAULT_PORTS {
            out.flows.push(firewall_flow(
                "nodes → master".into(),
                Place::Nodes,
                Place::Master,
                true,
                master,
                Proto::Tcp,
                Some(port),
                None,
            ));
        }
        for port in MASTER_DEFAULT_PORTS {
            out.flows.push(firewall_flow(
                "master → nodes".into(),
                Place::Master,
                Place::Nodes,
                false,
                master,
                Proto::Tcp,
                Some(port),
                Some(&master),
            ));
        }
        let mut ports: Vec<(u16, Vec<&str>)> = Vec::new();
        for need in &out.webhooks {
            match ports.iter_mut().find(|(p, _)| *p == need.port) {
                Some((_, hooks)) => hooks.push(need.webhook.as_str()),
                None => ports.push((need.port, vec![need.webhook.as_str()])),
            }
        }
        ports.sort();
        for (port, hooks) in ports {
            if MASTER_DEFAULT_PORTS.contains(&port) {
                continue;
            }
            let mut flow = firewall_flow(
                format!("master → webhook {}", super::list(hooks.iter().copied())),
                Place::Master,
                Place::Nodes,
                false,
                master,
                Proto::Tcp,
                Some(port),
                Some(&master),
            );
            flow.webhook_port = Some(port);
            if flow.verdict == Verdict::Blocked {
                let mut by: Vec<String> = Vec::new();
                for need in out.webhooks.iter().filter(|n| n.port == port) {
                    let what = match need.config {
                        Some(c) => format!("{} {}", c.kind(), c.name()),
                        None => format!("component `{}` (private-gke.webhook-ports)", need.webhook),
                    };
                    if !by.contains(&what) {
                        by.push(what);
                    }
                }
                flow.cause = format!("{}; needed by {}", flow.cause, by.join(", "));
            }
            out.flows.push(flow);
        }
    }

    if let (Some(nodes), Some(pods)) = (nodes, pods) {
        for (name, from, to, dst) in [
            ("pods → pods", Place::Pods, Place::Pods, pods),
            ("pods → nodes", Place::Pods, Place::Nodes, nodes),
            ("nodes → pods", Place::Nodes, Place::Pods, pods),
        ] {
            for proto in [Proto::Tcp, Proto::Udp] {
                out.flows.push(firewall_flow(
                    name.into(),
                    from,
                    to,
                    true,
                    dst,
                    proto,
                    None,
                    None,
                ));
            }
        }
    }

    let lb = ctx
        .of_kind("Service")
        .any(|s| s.value()["spec"]["type"].as_str() == Some("LoadBalancer"));
    let health: Vec<&str> = HEALTH_CHECK_RANGES
        .iter()
        .chain(L4_HEALTH_CHECK_RANGES.iter().filter(|_| lb))
        .copied()
        .collect();
    for range in health {
        let Some(net) = parse_net(range) else {
            continue;
        };
        let mut flow = firewall_flow(
            format!("health checks {range} → backends"),
            Place::Health,
            Place::Nodes,
            false,
            net,
            Proto::Tcp,
            None,
            None,
        );
        if flow.verdict == Verdict::Blocked {
            flow.fix = format!(
                "add an INGRESS ComputeFirewall on network `{network}` allowing tcp (80, 443 and \
                 the serving ports) from {range}: without it load balancer health checks fail \
                 and the Kubeflow ingress returns 502"
            );
        }
        out.flows.push(flow);
    }

    let mut hosts: Vec<(String, String)> = vec![(
        "logging.googleapis.com".to_string(),
        "nodes → Google APIs".to_string(),
    )];
    for r in &out.registries {
        hosts.push((pull_host(r).to_string(), format!("nodes → registry {r}")));
    }
    let decide = firewall_decider(rules, &policy_rules, before);
    for (host, name) in hosts {
        out.flows.push(host_flow(
            ctx,
            &out.zones,
            &name,
            &host,
            Place::Nodes,
            &decide,
        ));
    }
    if iap_in_use(ctx) {
        out.flows.push(host_flow(
            ctx,
            &out.zones,
            IAP_FLOW,
            JWKS_HOST,
            Place::Pods,
            &decide,
        ));
    }
    out.flows.push(internet_flow(ctx, rules));
    out
}

/// The field that decided: the deny rule's `spec.deny`, the allow rule's `spec.allow`.
fn deny_field(fw: &Firewall, allowed: bool) -> String {
    if !allowed && !fw.deny.is_empty() {
        "spec.deny".into()
    } else {
        "spec.allow".into()
    }
}

/// The pods range: the cluster's `ipAllocationPolicy` secondary range on its subnetwork, or its
/// CIDR block.
fn pods_range(ctx: &Ctx) -> Option<Ipv4Net> {
    let cluster = ctx.cluster.as_ref()?;
    let policy = &cluster.item.value()["spec"]["ipAllocationPolicy"];
    if let Some(net) = policy["clusterIpv4CidrBlock"].as_str().and_then(parse_net) {
        return Some(net);
    }
    let name = policy["clusterSecondaryRangeName"].as_str()?;
    let subnet = ctx.subnet()?;
    array(&subnet.value()["spec"]["secondaryIpRange"])
        .iter()
        .find(|r| r["rangeName"].as_str() == Some(name))
        .and_then(|r| r["ipCidrRange"].as_str().and_then(parse_net))
}

/// True when a BackendConfig enables IAP.
fn iap_in_use(ctx: &Ctx) -> bool {
    ctx.of_kind("BackendConfig").any(|bc| {
        let iap = &bc.value()["spec"]["iap"];
        iap.is_object() && iap["enabled"].as_bool() != Some(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::hosts::google_host;

    #[test]
    fn google_hosts_and_pull_hosts() {
        assert!(google_host("eu.gcr.io") && google_host("europe-docker.pkg.dev"));
        assert!(!google_host("docker.io") && !google_host("notgcr.io"));
        assert_eq!(pull_host("docker.io"), "registry-1.docker.io");
        assert_eq!(pull_host("quay.io"), "quay.io");
    }
}
