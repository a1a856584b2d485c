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

use super::paths::{nat, private_zones, resolve, route, zone_elsewhere, Resolved};
use super::policy::{self, PolicyRule};
use super::rules::{evaluate, near_miss, Decider, Decision, Proto, IMPLIED_PRIORITY};
use super::webhooks::{self, Need};
use super::{
    array, is_rfc1918, parse_net, Ctx, Firewall, HEALTH_CHECK_RANGES, MASTER_DEFAULT_PORTS,
};
use crate::krm::{Item, KrmResult};
use ipnet::Ipv4Net;
use std::collections::BTreeSet;

/// The Google API VIPs: `restricted.googleapis.com` and `private.googleapis.com`.
pub(crate) const VIPS: [&str; 2] = ["199.36.153.4/30", "199.36.153.8/30"];
/// L4 (network) load balancer health-check ranges, needed with a Service of type LoadBalancer.
pub(crate) const L4_HEALTH_CHECK_RANGES: [&str; 2] = ["209.85.152.0/22", "209.85.204.0/22"];
/// The host IAP fetches its JWKs from.
pub(crate) const JWKS_HOST: &str = "www.gstatic.com";

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

/// Container image registries of every pod template among the items (`docker.io` for bare
/// names); the cluster's own system images come from `gcr.io` and `pkg.dev` hosts always.
pub(crate) fn registries(items: &[Item]) -> Vec<String> {
    let mut found: BTreeSet<String> = BTreeSet::new();
    found.insert("gke.gcr.io".to_string());
    for item in items {
        let spec = &*item.view_at(&["spec"]);
        let pod = match item.kind() {
            "Pod" => spec,
            "CronJob" => &spec["jobTemplate"]["spec"]["template"]["spec"],
            _ => &spec["template"]["spec"],
        };
        for key in ["containers", "initContainers"] {
            for c in array(&pod[key]) {
                if let Some(image) = c["image"].as_str() {
                    found.insert(registry_of(image));
                }
            }
        }
    }
    found.into_iter().collect()
}

/// The registry host of an image reference.
pub(crate) fn registry_of(image: &str) -> String {
    match image.split_once('/') {
        Some((host, _)) if host.contains('.') || host.contains(':') || host == "localhost" => {
            host.split(':').next().unwrap_or(host).to_string()
        }
        _ => "docker.io".to_string(),
    }
}

/// True for a host Google serves behind the API VIPs (Container and Artifact Registry, APIs).
fn google_host(host: &str) -> bool {
    ["gcr.io", "pkg.dev", "googleapis.com"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
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
    out.registries = registries(ctx.items);
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
        hosts.push((r.clone(), format!("nodes → registry {r}")));
    }
    for (host, name) in hosts {
        out.flows.push(host_flow(
            ctx,
            &out.zones,
            &name,
            &host,
            Place::Nodes,
            nodes,
            firewall_flow_decider(rules, &policy_rules, before),
        ));
    }
    if iap_in_use(ctx) {
        out.flows.push(host_flow(
            ctx,
            &out.zones,
            "pods → IAP JWKs",
            JWKS_HOST,
            Place::Pods,
            pods.or(nodes),
            firewall_flow_decider(rules, &policy_rules, before),
        ));
    }
    out.flows.push(internet_flow(ctx, rules, nodes));
    out
}

/// Evaluates egress tcp 443 to a host at a destination range: the VPC rules and the network's
/// firewall policies, in the network's order.
fn firewall_flow_decider<'p, 'a: 'p>(
    rules: &'a [Firewall<'a>],
    policy: &'p [PolicyRule<'a>],
    before: bool,
) -> impl Fn(&Ipv4Net, &str) -> Decision<'a> + 'p {
    move |dst, host| {
        let vpc = evaluate(rules, true, dst, Proto::Tcp, Some(443), None);
        let Some((allowed, rule)) = policy::decide(policy, host, dst) else {
            return vpc;
        };
        let by_policy = Decision {
            allowed,
            by: Decider::Policy(rule.item, rule.priority),
            partial: vpc.partial.clone(),
            overridden: None,
        };
        match vpc.by {
            _ if before => by_policy,
            Decider::Implied => by_policy,
            _ if !vpc.allowed && allowed => Decision {
                overridden: Some(rule.item),
                ..vpc
            },
            _ => vpc,
        }
    }
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
    array(&subnet.view_at(&["spec", "secondaryIpRange"]))
        .iter()
        .find(|r| r["rangeName"].as_str() == Some(name))
        .and_then(|r| r["ipCidrRange"].as_str().and_then(parse_net))
}

/// True when a BackendConfig enables IAP.
fn iap_in_use(ctx: &Ctx) -> bool {
    ctx.of_kind("BackendConfig").any(|bc| {
        let iap = &*bc.view_at(&["spec", "iap"]);
        iap.is_object() && iap["enabled"].as_bool() != Some(false)
    })
}

/// A flow to a named host: DNS, then route (and NAT for non-Google public addresses), then the
/// firewall.
fn host_flow<'a>(
    ctx: &'a Ctx<'a>,
    zones: &[(&'a Item, String)],
    name: &str,
    host: &str,
    from: Place,
    source: Option<Ipv4Net>,
    firewall: impl Fn(&Ipv4Net, &str) -> Decision<'a>,
) -> Flow<'a> {
    let network = ctx
        .cluster
        .as_ref()
        .map(|c| c.network.clone())
        .unwrap_or_default();
    let mut flow = Flow {
        name: name.to_string(),
        traffic: format!("tcp 443 ({host})"),
        from,
        to: Place::Vip,
        verdict: Verdict::Allowed,
        cause: String::new(),
        fix: String::new(),
        subject: None,
        field: None,
        webhook_port: None,
        host: Some(host.to_string()),
        public_dns: false,
        rule: None,
    };
    let _ = source;
    let (dst, dns_text, google) = match resolve(ctx, zones, host) {
        Resolved::Missing(zone, why) => {
            flow.verdict = Verdict::Blocked;
            flow.cause = why;
            flow.fix = format!(
                "add a DNSRecordSet with managedZoneRef `{}` for `{host}.` (a CNAME to the \
                 zone's A record on the Google API VIP, or an A record 199.36.153.4-7)",
                zone.name()
            );
            flow.subject = Some(zone);
            return flow;
        }
        Resolved::Private(dst, zone, a) => (
            dst,
            format!("private zone {} (A {})", zone.name(), a.name()),
            true,
        ),
        Resolved::Public => {
            flow.to = Place::Internet;
            flow.public_dns = true;
            (
                Ipv4Net::default(),
                format!("no private zone on network `{network}` holds `{host}` (public DNS)"),
                google_host(host),
            )
        }
    };
    let path = route(ctx, &dst);
    if !path.ok {
        flow.verdict = Verdict::Blocked;
        flow.cause = format!("{dns_text} → {dst}, but {}", path.text);
        flow.fix = format!(
            "add a ComputeRoute to {} via default-internet-gateway on network `{network}`",
            if dst.prefix_len() == 0 {
                "0.0.0.0/0".to_string()
            } else {
                dst.to_string()
            }
        );
        flow.subject = path.subject;
        flow.field = path.field;
        return flow;
    }
    let mut via = path.text.clone();
    if !google {
        match nat(ctx, from == Place::Pods) {
            Ok(n) => via = format!("{via}, {n}"),
            Err((why, subject, field)) => {
                flow.verdict = Verdict::Blocked;
                flow.cause = format!("{dns_text} → public addresses, but {why}");
                flow.fix = "add a ComputeRouter and ComputeRouterNAT on the network in the \
                            nodes' region (natIpAllocateOption: AUTO_ONLY, \
                            sourceSubnetworkIpRangesToNat: ALL_SUBNETWORKS_ALL_IP_RANGES)"
                    .into();
                flow.subject = subject;
                flow.field = field;
                return flow;
            }
        }
    }
    let d = firewall(&dst, host);
    let lists: Vec<&Firewall> = d
        .partial
        .iter()
        .copied()
        .filter(|fw| public_lists(&d).contains(&fw.name()) && meant_for(fw, host))
        .collect();
    let partial: Vec<&str> = lists.iter().map(|fw| fw.name()).collect();
    flow.rule = Some(d.short());
    if d.allowed {
        flow.cause = format!("{dns_text}, {via}, {}", d.describe(true));
    } else if !partial.is_empty() {
        flow.cause = format!(
            "{dns_text}, {via}; allowed only to the fixed addresses of {} (a list that goes stale \
             when the host's addresses move), everything else {}",
            super::list(partial.iter().copied()),
            d.describe(true)
        );
    } else {
        flow.verdict = Verdict::Blocked;
        flow.cause = format!(
            "{dns_text} → {}, {via}, but {} denies it",
            if dst.prefix_len() == 0 {
                "public addresses".to_string()
            } else {
                dst.to_string()
            },
            d.describe(true)
        );
        flow.fix = if dst.prefix_len() == 0 && google {
            format!(
                "add a private DNS zone for `{host}`'s domain on network `{network}` with \
                 records on the Google API VIP 199.36.153.4/30, or an EGRESS allow rule to it"
            )
        } else {
            format!(
                "add an EGRESS allow rule for tcp 443 to {dst} on network `{network}` with a \
                 smaller priority number than the deny rule"
            )
        };
        if let Decider::Rule(fw) = d.by {
            flow.subject = Some(fw.item);
            flow.field = Some("spec.deny".into());
        }
        if let Some(rule) = d.overridden {
            flow.cause = format!(
                "{}; ComputeNetworkFirewallPolicyRule {} would allow it, but the network \
                 evaluates its firewall policies after the VPC rules \
                 (networkFirewallPolicyEnforcementOrder AFTER_CLASSIC_FIREWALL)",
                flow.cause,
                rule.name()
            );
            flow.fix = "set spec.networkFirewallPolicyEnforcementOrder: BEFORE_CLASSIC_FIREWALL \
                        on the network, or allow the traffic in a VPC rule ahead of the deny rule"
                .into();
        }
        if let Some(zone) = flow.public_dns.then(|| zone_elsewhere(ctx, host)).flatten() {
            flow.cause = format!(
                "{}; DNSManagedZone {} would answer for it, but is not visible to network \
                 `{network}`",
                flow.cause,
                zone.name()
            );
            flow.subject = Some(zone);
            flow.field = Some("spec.privateVisibilityConfig.networks".into());
        }
    }
    flow
}

/// True when a fixed-address rule names `host` (its name or description mentions the host's
/// domain label: `docker` for docker.io, `gstatic` or `jwks` for www.gstatic.com).
fn meant_for(fw: &Firewall, host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    let Some(label) = labels.len().checked_sub(2).and_then(|i| labels.get(i)) else {
        return false;
    };
    let text = format!(
        "{} {}",
        fw.name(),
        fw.item.value()["spec"]["description"]
            .as_str()
            .unwrap_or("")
    )
    .to_ascii_lowercase();
    let registry_1 = *label == "docker" && text.contains("dockerhub");
    let jwks = host == JWKS_HOST && text.contains("jwks");
    text.contains(label) || registry_1 || jwks
}

/// The allow rules ahead of the decider that open fixed public addresses (not RFC 1918, not a
/// Google API VIP, not a health-check range): the part of the internet that passes.
fn public_lists<'a>(d: &Decision<'a>) -> Vec<&'a str> {
    let internal: Vec<Ipv4Net> = VIPS
        .iter()
        .chain(HEALTH_CHECK_RANGES.iter())
        .chain(L4_HEALTH_CHECK_RANGES.iter())
        .filter_map(|r| r.parse().ok())
        .collect();
    d.partial
        .iter()
        .filter(|fw| {
            fw.ranges().iter().flatten().any(|n| {
                n.prefix_len() > 0 && !is_rfc1918(n) && !internal.iter().any(|i| i.contains(n))
            })
        })
        .map(|fw| fw.name())
        .collect()
}

/// Nodes → internet through Cloud NAT (any public address).
fn internet_flow<'a>(
    ctx: &'a Ctx<'a>,
    rules: &'a [Firewall<'a>],
    nodes: Option<Ipv4Net>,
) -> Flow<'a> {
    let _ = nodes;
    let mut flow = Flow {
        name: "nodes → internet".into(),
        traffic: "tcp 443".into(),
        from: Place::Nodes,
        to: Place::Internet,
        verdict: Verdict::Allowed,
        cause: String::new(),
        fix: String::new(),
        subject: None,
        field: None,
        webhook_port: None,
        host: None,
        public_dns: false,
        rule: None,
    };
    let any = Ipv4Net::default();
    let path = route(ctx, &any);
    if !path.ok {
        flow.verdict = if ctx.nat().is_some() {
            Verdict::Blocked
        } else {
            Verdict::Policy
        };
        flow.cause = path.text;
        flow.fix = "add a ComputeRoute to 0.0.0.0/0 via default-internet-gateway with a larger \
                    priority number than the VIP route"
            .into();
        flow.subject = path.subject;
        flow.field = path.field;
        return flow;
    }
    match nat(ctx, false) {
        Err((why, subject, field)) => {
            let missing = ctx.nat().is_none();
            flow.verdict = if missing {
                Verdict::Policy
            } else {
                Verdict::Blocked
            };
            flow.cause = why;
            if !missing {
                flow.fix = "set spec.region of the router and NAT to the nodes' region".into();
                flow.subject = subject;
                flow.field = field;
            }
            return flow;
        }
        Ok(n) => {
            let d = evaluate(rules, true, &any, Proto::Tcp, Some(443), None);
            let partial = public_lists(&d);
            flow.rule = Some(d.short());
            if d.allowed {
                flow.cause = format!("{}, {n}, {}", path.text, d.describe(true));
            } else {
                flow.verdict = Verdict::Policy;
                flow.cause = format!(
                    "{}, {n}; denied by policy: {}{}",
                    path.text,
                    d.describe(true),
                    if partial.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (only the fixed addresses of {} pass)",
                            super::list(partial.iter().copied())
                        )
                    }
                );
            }
        }
    }
    flow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_of_images() {
        for (image, host) in [
            ("nginx:1.25", "docker.io"),
            ("library/nginx", "docker.io"),
            ("gcr.io/kubeflow-images-public/x:v1", "gcr.io"),
            ("us-docker.pkg.dev/p/r/app@sha256:00", "us-docker.pkg.dev"),
            ("localhost:5000/app", "localhost"),
            ("quay.io/jetstack/cert-manager-webhook:v1", "quay.io"),
        ] {
            assert_eq!(registry_of(image), host, "{image}");
        }
        assert!(google_host("eu.gcr.io") && google_host("europe-docker.pkg.dev"));
        assert!(!google_host("docker.io") && !google_host("notgcr.io"));
    }
}
