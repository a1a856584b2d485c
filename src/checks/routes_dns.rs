//! Routes and DNS for Google APIs, as verdicts of the flows (`model::flows`): the route to a
//! Google API VIP on a network that deletes its default routes, the `0.0.0.0/0` route Cloud NAT
//! needs there, the private zones (`googleapis.com.`, `gcr.io.`, `pkg.dev.` for Artifact
//! Registry images) and their records, and registries outside Google that resolve to public
//! addresses the deny-all egress rule blocks. Each is an error where a flow the cluster needs
//! is blocked by it, one per cause, naming the flows (tag `flows`).
//!
//! GCE picks the most specific route before it compares priorities, so a /30 to the VIP already
//! beats `0.0.0.0/0`; the priority inversion is a warning that repeats the guide's advice, no
//! flow.

use super::connectivity::{naming, owned, Owner};
use super::{array, network_of, parse_net, Ctx, DEFAULT_PRIORITY, RESTRICTED_VIP};
use crate::gke::registries::{registry, vip_zone};
use crate::krm::{Item, KrmResult};
use crate::model::flows::{Block, Flow, Flows};
use crate::model::hosts::{google_host, pull_host, vip_of};
use ipnet::Ipv4Net;
use serde_json::Value;

/// The zones the restricted VIP setup knows: (DNS name, CNAME owner, CNAME target = A owner).
const ZONES: [(&str, &str, &str); 3] = [
    (
        "googleapis.com.",
        "*.googleapis.com.",
        "restricted.googleapis.com.",
    ),
    ("gcr.io.", "*.gcr.io.", "gcr.io."),
    ("pkg.dev.", "*.pkg.dev.", "pkg.dev."),
];

/// A route on the cluster's network.
struct Route<'a> {
    item: &'a Item,
    dest: Ipv4Net,
    priority: i64,
}

/// Check routes and DNS: the blocked flows `routes-dns` phrases, and the route priorities.
pub(super) fn check(ctx: &Ctx, flows: &Flows, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let mine = owned(ctx, flows, Owner::RoutesDns);
    let network_item = ctx.network();
    let subject = network_item.unwrap_or(cluster.item);
    let default_field = |r: KrmResult| {
        let r = r.for_resource(subject.value()).tag("check", "routes-dns");
        match network_item {
            Some(n) => r.at_field(
                "spec.deleteDefaultRoutesOnCreate",
                n.value()["spec"]
                    .get("deleteDefaultRoutesOnCreate")
                    .cloned(),
                None,
            ),
            None => r,
        }
    };
    let mut vips: Vec<Ipv4Net> = Vec::new();
    for f in &mine {
        if let Some(Block::Route(dst)) = f.block {
            if let Some(vip) = vip_of(&dst).filter(|v| !vips.contains(v)) {
                vips.push(vip);
            }
        }
    }
    for vip in vips {
        let blocked = mine
            .iter()
            .copied()
            .filter(|f| matches!(f.block, Some(Block::Route(d)) if vip.contains(&d)));
        let which = if vip.to_string() == RESTRICTED_VIP {
            "restricted"
        } else {
            "private"
        };
        out.push(naming(
            default_field(KrmResult::error(format!(
                "network `{}` deletes its default routes and has no route to the {which} \
                 Google APIs VIP {vip}: nodes cannot reach Google APIs or gcr.io, image pulls \
                 fail and the cluster stays provisioning. Fix: add a ComputeRoute to {vip} via \
                 default-internet-gateway",
                cluster.network
            ))),
            blocked,
        ));
    }
    priorities(ctx, out);
    let internet: Vec<&Flow> = mine
        .iter()
        .copied()
        .filter(|f| matches!(f.block, Some(Block::Route(d)) if d.prefix_len() == 0))
        .collect();
    if !internet.is_empty() {
        out.push(naming(
            default_field(KrmResult::error(format!(
                "network `{}` deletes its default routes and uses Cloud NAT, but has no \
                 0.0.0.0/0 route: NAT traffic has no way out, so image pulls from Docker Hub and \
                 the IAP JWKs fetch fail. Fix: add a ComputeRoute to 0.0.0.0/0 via \
                 default-internet-gateway with a larger priority number than the VIP route",
                cluster.network
            ))),
            internet,
        ));
    }
    records(ctx, &mine, out);
    public_names(ctx, &mine, subject, out);
}

/// Routes to the restricted VIP whose priority does not beat the internet route's (advice).
fn priorities(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let routes: Vec<Route> = ctx
        .cnrm("ComputeRoute")
        .filter(|r| network_of(r.value()).as_deref() == Some(cluster.network.as_str()))
        .filter_map(|item| {
            let spec = &*item.view_at(&["spec"]);
            Some(Route {
                item,
                dest: spec["destRange"].as_str().and_then(parse_net)?,
                priority: spec["priority"].as_i64().unwrap_or(DEFAULT_PRIORITY),
            })
        })
        .collect();
    let vip: Ipv4Net = RESTRICTED_VIP.parse().unwrap_or_default();
    let internet_priority = routes
        .iter()
        .filter(|r| r.dest.prefix_len() == 0)
        .map(|r| r.priority)
        .min()
        .or((!ctx.deletes_default_routes()).then_some(DEFAULT_PRIORITY));
    let Some(limit) = internet_priority else {
        return;
    };
    for r in routes
        .iter()
        .filter(|r| r.dest.prefix_len() > 0 && r.dest.contains(&vip) && r.priority >= limit)
    {
        out.push(
            KrmResult::warning(format!(
                "route {} to the restricted VIP has priority {}, not a smaller number than \
                 the default internet route ({limit}): the guide's troubleshooting asks for \
                 the VIP route to win, so API traffic never depends on the internet route \
                 (GCE prefers the more specific route anyway). Fix: set priority below \
                 {limit}, or give the internet route a larger number",
                r.item.name(),
                r.priority
            ))
            .for_resource(r.item.value())
            .at_field(
                "spec.priority",
                r.item.value()["spec"].get("priority").cloned(),
                Some(Value::from(limit.saturating_sub(1))),
            )
            .tag("check", "routes-dns"),
        );
    }
}

/// Zones that hold a name's domain but no record for it, and A records outside the VIPs: one
/// error per zone or address.
fn records(ctx: &Ctx, mine: &[&Flow], out: &mut Vec<KrmResult>) {
    let mut done: Vec<(*const Item, usize)> = Vec::new();
    for f in mine {
        let (item, index) = match f.block {
            Some(Block::Record(zone)) => (zone, usize::MAX),
            Some(Block::Address(record, i)) => (record, i),
            _ => continue,
        };
        if done.contains(&(item as *const Item, index)) {
            continue;
        }
        done.push((item as *const Item, index));
        let same = mine.iter().copied().filter(|g| match g.block {
            Some(Block::Record(z)) => std::ptr::eq(z, item) && index == usize::MAX,
            Some(Block::Address(r, i)) => std::ptr::eq(r, item) && i == index,
            _ => false,
        });
        let r = if index == usize::MAX {
            zone_lacks(ctx, item, f)
        } else {
            let d = &array(&item.value()["spec"]["rrdatas"])[index];
            KrmResult::error(format!(
                "A record {} points `{}` at {d}, outside the restricted VIP {RESTRICTED_VIP}: \
                 traffic goes where no route or firewall rule lets it. Fix: use 199.36.153.4, \
                 .5, .6 and .7",
                item.name(),
                item.value()["spec"]["name"].as_str().unwrap_or("")
            ))
            .for_resource(item.value())
            .at_field(format!("spec.rrdatas[{index}]"), Some(d.clone()), None)
        };
        out.push(naming(r.tag("check", "routes-dns"), same));
    }
}

/// The error of a zone without the record a flow's name needs: the records of the VIP setup it
/// lacks, or the flow's cause.
fn zone_lacks(ctx: &Ctx, zone: &Item, flow: &Flow) -> KrmResult {
    let dns_name = zone.value()["spec"]["dnsName"].as_str().unwrap_or("");
    let lacking: Vec<String> = ZONES
        .iter()
        .filter(|(name, _, _)| *name == dns_name)
        .flat_map(|(_, cname_owner, a_owner)| {
            let find = |kind: &str, owner: &str| {
                zone_records(ctx, zone).find(|r| {
                    r.value()["spec"]["type"].as_str() == Some(kind)
                        && r.value()["spec"]["name"].as_str() == Some(owner)
                })
            };
            let cname_ok = find("CNAME", cname_owner).is_some_and(|r| {
                array(&r.value()["spec"]["rrdatas"])
                    .iter()
                    .any(|d| d.as_str() == Some(a_owner))
            });
            let mut lacking = Vec::new();
            if !cname_ok {
                lacking.push(format!("CNAME `{cname_owner}` → `{a_owner}`"));
            }
            if find("A", a_owner).is_none() {
                lacking.push(format!("A `{a_owner}` → 199.36.153.4-7"));
            }
            lacking
        })
        .collect();
    let message = if lacking.is_empty() {
        format!(
            "private zone {} for `{dns_name}`: {}. Fix: {}",
            zone.name(),
            flow.cause,
            flow.fix
        )
    } else {
        format!(
            "private zone {} for `{dns_name}` lacks the record(s) {}: names under `{dns_name}` \
             do not resolve to the restricted VIP, so those calls fail. Fix: add the \
             DNSRecordSet(s) with managedZoneRef `{}`",
            zone.name(),
            lacking.join(" and "),
            zone.name()
        )
    };
    KrmResult::error(message).for_resource(zone.value())
}

/// The DNSRecordSets of a zone (by `managedZoneRef.name`).
fn zone_records<'a>(ctx: &'a Ctx<'a>, zone: &'a Item) -> impl Iterator<Item = &'a Item> + 'a {
    ctx.cnrm("DNSRecordSet")
        .filter(move |r| r.value()["spec"]["managedZoneRef"]["name"].as_str() == Some(zone.name()))
}

/// Names no private zone answers for, which resolve to public addresses the firewall denies:
/// one error per missing zone of a Google domain, one per registry outside Google.
fn public_names(ctx: &Ctx, mine: &[&Flow], subject: &Item, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let public: Vec<(&Flow, &str)> = mine
        .iter()
        .copied()
        .filter(|f| matches!(f.block, Some(Block::Public)))
        .filter_map(|f| Some((f, f.host.as_deref()?)))
        .collect();
    let all = ctx.images();
    let mut done: Vec<String> = Vec::new();
    for &(_, host) in &public {
        let key = match google_host(host) {
            true => vip_zone(host).unwrap_or(host).to_string(),
            false => host.to_string(),
        };
        if done.contains(&key) {
            continue;
        }
        done.push(key.clone());
        let same = public.iter().filter(|(_, h)| match google_host(h) {
            true => vip_zone(h).unwrap_or(h) == key,
            false => *h == key,
        });
        let blocked: Vec<&Flow> = same.map(|(f, _)| *f).collect();
        let users: Vec<(&str, &Item)> = all
            .iter()
            .copied()
            .filter(|(image, _)| {
                let r = registry(image);
                match google_host(host) {
                    true => vip_zone(&r) == Some(key.as_str()),
                    false => pull_host(&r) == host,
                }
            })
            .collect();
        let r = if google_host(host) {
            let (cname_owner, a_owner) = ZONES
                .iter()
                .find(|(name, _, _)| *name == key)
                .map_or(("", ""), |(_, c, a)| (*c, *a));
            KrmResult::error(format!(
                "no private DNS zone for `{key}` on network `{}`: nodes resolve it to public \
                 addresses the locked-down network does not reach, so {} fail. Fix: add a \
                 private DNSManagedZone for `{key}` on the network, with CNAME `{cname_owner}` \
                 → `{a_owner}` and A `{a_owner}` → 199.36.153.4-7",
                cluster.network,
                match (key.as_str(), users.first()) {
                    ("gcr.io.", _) => "image pulls from gcr.io".to_string(),
                    ("googleapis.com.", _) =>
                        "calls to Google APIs (logging, monitoring, Config Connector)".to_string(),
                    (_, Some((image, _))) => format!(
                        "pulls of {} image(s) of the package (e.g. `{image}`)",
                        users.len()
                    ),
                    (_, None) => format!("calls to `{host}`"),
                }
            ))
            .for_resource(subject.value())
        } else {
            let by = blocked
                .first()
                .and_then(|f| f.subject)
                .filter(|s| ctx.deny_all_egress().any(|d| std::ptr::eq(d.item, *s)))
                .map_or_else(
                    || {
                        blocked
                            .first()
                            .and_then(|f| f.rule.clone())
                            .map_or("the firewall".to_string(), |r| format!("rule {r}"))
                    },
                    |s| format!("deny-all egress rule {}", s.name()),
                );
            let (image, item) = users.first().copied().unwrap_or((host, cluster.item));
            let registry = if host == pull_host("docker.io") {
                "docker.io"
            } else {
                host
            };
            KrmResult::error(format!(
                "{} image(s) of the package come from `{registry}` (e.g. `{image}`), which \
                 resolves to public addresses, and {by} blocks them: no egress rule allows tcp \
                 443 there, so those pulls fail. Fix: an FQDN egress rule for `{host}` in the \
                 network's firewall policy (evaluated before the VPC rules), or mirror the \
                 images to Artifact Registry (`*-docker.pkg.dev`, reached through the VIP)",
                users.len()
            ))
            .for_resource(item.value())
        };
        out.push(naming(r.tag("check", "routes-dns"), blocked));
    }
}
