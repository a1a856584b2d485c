//! Flows to named hosts and to the internet: DNS through the private zones, then the route, then
//! Cloud NAT for public addresses outside Google, then the firewall (VPC rules and network
//! firewall policies in the network's order). A name with several addresses passes only when
//! every address does (DNS hands them out in turn).

use super::flows::{Block, Flow, Place, Verdict, JWKS_HOST, L4_HEALTH_CHECK_RANGES, VIPS};
use super::paths::{nat, resolve, route, zone_elsewhere, Resolved};
use super::policy::{self, PolicyRule};
use super::rules::{evaluate, Decider, Decision, Proto};
use super::{array, is_rfc1918, parse_net, Ctx, Firewall, HEALTH_CHECK_RANGES};
use crate::krm::Item;
use ipnet::Ipv4Net;

/// Evaluates egress tcp 443 to a host at a destination range: the VPC rules and the network's
/// firewall policies, in the network's order.
pub(super) fn firewall_decider<'p, 'a: 'p>(
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

/// True for a host Google serves behind the API VIPs (Container and Artifact Registry, APIs).
pub(crate) fn google_host(host: &str) -> bool {
    ["gcr.io", "pkg.dev", "googleapis.com"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
}

/// The host image pulls of a registry go to: Docker Hub serves `docker.io/…` from
/// `registry-1.docker.io`; every other registry is its own host.
pub(crate) fn pull_host(registry: &str) -> &str {
    if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    }
}

/// The Google API VIP holding `net`, when one does.
pub(crate) fn vip_of(net: &Ipv4Net) -> Option<Ipv4Net> {
    VIPS.iter()
        .filter_map(|v| v.parse::<Ipv4Net>().ok())
        .find(|v| v.contains(net))
}

/// What the DNS step found, for the route and firewall steps.
struct Dns<'a> {
    /// `private zone … (A …)` or `no private zone … (public DNS)`.
    text: String,
    /// The traffic stays with Google (no NAT needed).
    google: bool,
    /// The A record that answered, when a private zone did.
    record: Option<&'a Item>,
}

/// A flow to a named host: DNS, then route (and NAT for non-Google public addresses), then the
/// firewall.
pub(super) fn host_flow<'a>(
    ctx: &'a Ctx<'a>,
    zones: &[(&'a Item, String)],
    name: &str,
    host: &str,
    from: Place,
    firewall: &impl Fn(&Ipv4Net, &str) -> Decision<'a>,
) -> Flow<'a> {
    let network = ctx
        .cluster
        .as_ref()
        .map(|c| c.network.clone())
        .unwrap_or_default();
    let mut flow = Flow::new(
        name.to_string(),
        format!("tcp 443 ({host})"),
        from,
        Place::Vip,
    );
    flow.host = Some(host.to_string());
    let (dsts, dns) = match resolve(ctx, zones, host) {
        Resolved::Missing(zone, why) => {
            flow.verdict = Verdict::Blocked;
            flow.block = Some(Block::Record(zone));
            flow.cause = why;
            flow.fix = format!(
                "add a DNSRecordSet with managedZoneRef `{}` for `{host}.` (a CNAME to the \
                 zone's A record on the Google API VIP, or an A record 199.36.153.4-7)",
                zone.name()
            );
            flow.subject = Some(zone);
            return flow;
        }
        Resolved::Private(dsts, zone, a) => (
            dsts,
            Dns {
                text: format!("private zone {} (A {})", zone.name(), a.name()),
                google: true,
                record: Some(a),
            },
        ),
        Resolved::Public => {
            flow.to = Place::Internet;
            flow.public_dns = true;
            (
                vec![Ipv4Net::default()],
                Dns {
                    text: format!(
                        "no private zone on network `{network}` holds `{host}` (public DNS)"
                    ),
                    google: google_host(host),
                    record: None,
                },
            )
        }
    };
    let mut first = None;
    for dst in dsts {
        let f = through(ctx, flow.clone(), &network, &dns, dst, host, firewall);
        if f.verdict == Verdict::Blocked {
            return f;
        }
        first.get_or_insert(f);
    }
    first.unwrap_or(flow)
}

/// The record and index of `dst` when it is one address of an A record whose addresses are not
/// all in one Google API VIP (`dst` is then that address, not the VIP).
fn outside_vips<'a>(record: Option<&'a Item>, dst: &Ipv4Net) -> Option<(&'a Item, usize)> {
    let record = record?;
    if VIPS
        .iter()
        .any(|v| v.parse::<Ipv4Net>().ok().as_ref() == Some(dst))
    {
        return None;
    }
    array(&record.value()["spec"]["rrdatas"])
        .iter()
        .position(|d| d.as_str().and_then(parse_net).as_ref() == Some(dst))
        .map(|i| (record, i))
}

/// The route, NAT and firewall steps of a host flow to one destination.
fn through<'a>(
    ctx: &'a Ctx<'a>,
    mut flow: Flow<'a>,
    network: &str,
    dns: &Dns<'a>,
    dst: Ipv4Net,
    host: &str,
    firewall: &impl Fn(&Ipv4Net, &str) -> Decision<'a>,
) -> Flow<'a> {
    let address = outside_vips(dns.record, &dst);
    let dns_text = &dns.text;
    let path = route(ctx, &dst);
    if !path.ok {
        flow.verdict = Verdict::Blocked;
        flow.block = Some(match address {
            Some((record, i)) => Block::Address(record, i),
            None => Block::Route(dst),
        });
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
    if !dns.google {
        match nat(ctx, flow.from == Place::Pods) {
            Ok(n) => via = format!("{via}, {n}"),
            Err((why, subject, field)) => {
                flow.verdict = Verdict::Blocked;
                flow.block = Some(Block::Nat);
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
    let lists: Vec<&'a Firewall<'a>> = d
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
        flow.fixed = lists.iter().map(|fw| fw.item).collect();
    } else {
        flow.verdict = Verdict::Blocked;
        flow.block = Some(match address {
            Some((record, i)) => Block::Address(record, i),
            None if flow.public_dns => Block::Public,
            None => Block::Firewall,
        });
        flow.cause = format!(
            "{dns_text} → {}, {via}, but {} denies it",
            if dst.prefix_len() == 0 {
                "public addresses".to_string()
            } else {
                dst.to_string()
            },
            d.describe(true)
        );
        flow.fix = if dst.prefix_len() == 0 && dns.google {
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
            flow.overridden = Some(rule);
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
/// domain label: `docker` for Docker Hub, `gstatic` or `jwks` for www.gstatic.com).
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
pub(super) fn internet_flow<'a>(ctx: &'a Ctx<'a>, rules: &'a [Firewall<'a>]) -> Flow<'a> {
    let mut flow = Flow::new(
        "nodes → internet".into(),
        "tcp 443".into(),
        Place::Nodes,
        Place::Internet,
    );
    let any = Ipv4Net::default();
    let path = route(ctx, &any);
    if !path.ok {
        if ctx.nat().is_some() {
            flow.verdict = Verdict::Blocked;
            flow.block = Some(Block::Route(any));
        } else {
            flow.verdict = Verdict::Policy;
        }
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
            flow.cause = why;
            if missing {
                flow.verdict = Verdict::Policy;
            } else {
                flow.verdict = Verdict::Blocked;
                flow.block = Some(Block::Nat);
                flow.fix = "set spec.region of the router and NAT to the nodes' region".into();
                flow.subject = subject;
                flow.field = field;
            }
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
