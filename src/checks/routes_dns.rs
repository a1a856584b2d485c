//! Routes and DNS for restricted Google APIs: a route to the restricted VIP 199.36.153.4/30
//! preferred over the default internet route; an explicit `0.0.0.0/0` route when the network
//! deletes its default routes and Cloud NAT is used; private DNS zones for `googleapis.com.`,
//! `gcr.io.` and, when the package's images come from Artifact Registry, `pkg.dev.` on the
//! cluster's network with the CNAME and A records to the restricted VIP.
//!
//! Images from registries outside Google resolve to public addresses: with a deny-all egress
//! rule and no egress rule to public addresses, a registry needs an FQDN rule for its host
//! (a warning otherwise).
//!
//! The VIP route and the DNS zones are required only when the network is locked down (it
//! deletes its default routes, or a deny-all egress rule exists): otherwise private Google
//! access reaches the public Google API addresses through GCE's default route.
//!
//! GCE picks the most specific route before it compares priorities, so a /30 to the VIP already
//! beats `0.0.0.0/0`; the priority inversion is a warning that repeats the guide's advice, not
//! an error.

use super::{array, network_of, parse_net, Ctx, DEFAULT_PRIORITY, RESTRICTED_VIP};
use crate::krm::{Item, KrmResult};
use ipnet::Ipv4Net;
use serde_json::Value;
use std::collections::HashMap;

/// The zones the restricted VIP setup knows: (DNS name, CNAME owner, CNAME target = A owner).
/// `googleapis.com.` and `gcr.io.` (GKE's own images) are always needed, the others when an
/// image of the package comes from a registry under them.
const ZONES: [(&str, &str, &str); 3] = [
    (
        "googleapis.com.",
        "*.googleapis.com.",
        "restricted.googleapis.com.",
    ),
    ("gcr.io.", "*.gcr.io.", "gcr.io."),
    ("pkg.dev.", "*.pkg.dev.", "pkg.dev."),
];

/// The zones always needed.
const ALWAYS: [&str; 2] = ["googleapis.com.", "gcr.io."];

/// A route on the cluster's network.
struct Route<'a> {
    item: &'a Item,
    dest: Ipv4Net,
    priority: i64,
}

/// Check routes and DNS.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
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
    let deletes_default = ctx.deletes_default_routes();
    let locked_down = deletes_default || ctx.deny_all_egress().next().is_some();
    let internet: Vec<&Route> = routes.iter().filter(|r| r.dest.prefix_len() == 0).collect();
    let vip_routes: Vec<&Route> = routes
        .iter()
        .filter(|r| r.dest.prefix_len() > 0 && r.dest.contains(&vip))
        .collect();
    let network_item = ctx.network();
    let subject = network_item.unwrap_or(cluster.item);
    let default_field = |out: &mut Vec<KrmResult>, r: KrmResult| {
        let r = r.for_item(subject).tag("check", "routes-dns");
        out.push(match network_item {
            Some(n) => r.at_field(
                "spec.deleteDefaultRoutesOnCreate",
                n.value()["spec"]
                    .get("deleteDefaultRoutesOnCreate")
                    .cloned(),
                None,
            ),
            None => r,
        });
    };
    if vip_routes.is_empty() && internet.is_empty() && deletes_default {
        default_field(
            out,
            KrmResult::error(format!(
                "network `{}` deletes its default routes and has no route to the restricted \
                 Google APIs VIP {RESTRICTED_VIP}: nodes cannot reach Google APIs or gcr.io, \
                 image pulls fail and the cluster stays provisioning. Fix: add a ComputeRoute to \
                 {RESTRICTED_VIP} via default-internet-gateway",
                cluster.network
            )),
        );
    }
    let internet_priority = internet
        .iter()
        .map(|r| r.priority)
        .min()
        .or((!deletes_default).then_some(DEFAULT_PRIORITY));
    if let Some(limit) = internet_priority {
        for r in vip_routes.iter().filter(|r| r.priority >= limit) {
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
                .for_item(r.item)
                .at_field(
                    "spec.priority",
                    r.item.value()["spec"].get("priority").cloned(),
                    Some(Value::from(limit.saturating_sub(1))),
                )
                .tag("check", "routes-dns"),
            );
        }
    }
    if deletes_default && internet.is_empty() && ctx.nat().is_some() {
        default_field(
            out,
            KrmResult::error(format!(
                "network `{}` deletes its default routes and uses Cloud NAT, but has no \
                 0.0.0.0/0 route: NAT traffic has no way out, so image pulls from Docker Hub and \
                 the IAP JWKs fetch fail. Fix: add a ComputeRoute to 0.0.0.0/0 via \
                 default-internet-gateway with a larger priority number than the VIP route",
                cluster.network
            )),
        );
    }
    if locked_down {
        dns(ctx, subject, out);
    }
    public_registries(ctx, out);
}

/// Registries outside Google that the package's images use, and that nothing lets the nodes
/// reach past the deny-all egress rule.
fn public_registries(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    use crate::gke::registries::{images, registry, vip_zone};
    let Some(deny) = ctx.deny_all_egress().next() else {
        return;
    };
    if super::iap::public_443(ctx) {
        return;
    }
    let mut hosts: Vec<(String, Vec<(&str, &Item)>)> = Vec::new();
    for (image, item) in images(ctx.items) {
        let host = registry(image);
        if vip_zone(&host).is_some() {
            continue;
        }
        match hosts.iter_mut().find(|(h, _)| *h == host) {
            Some((_, list)) => list.push((image, item)),
            None => hosts.push((host, vec![(image, item)])),
        }
    }
    for (host, users) in hosts {
        // Docker Hub serves pulls of `docker.io/…` from registry-1.docker.io.
        let pull_host = if host == "docker.io" {
            "registry-1.docker.io"
        } else {
            host.as_str()
        };
        let allowed = super::iap::fqdn_rule(ctx, pull_host, true)
            .is_some_and(|(_, blocked)| blocked.is_none());
        if allowed {
            continue;
        }
        let (image, item) = users[0];
        out.push(
            KrmResult::warning(format!(
                "{} image(s) of the package come from `{host}` (e.g. `{image}`), which resolves \
                 to public addresses, and deny-all egress rule {} blocks them: no egress rule \
                 allows tcp 443 there, so those pulls fail. Fix: an FQDN egress rule for \
                 `{pull_host}` in the network's firewall policy (evaluated before the VPC \
                 rules), or mirror the images to Artifact Registry (`*-docker.pkg.dev`, reached \
                 through the VIP)",
                users.len(),
                deny.name()
            ))
            .for_item(item)
            .tag("check", "routes-dns"),
        );
    }
}

/// The private zones and their records.
fn dns(ctx: &Ctx, subject: &Item, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let mut records: HashMap<&str, Vec<&Item>> = HashMap::new();
    for r in ctx.cnrm("DNSRecordSet") {
        if let Some(zone) = r.value()["spec"]["managedZoneRef"]["name"].as_str() {
            records.entry(zone).or_default().push(r);
        }
    }
    let vip: Ipv4Net = RESTRICTED_VIP.parse().unwrap_or_default();
    let images = crate::gke::registries::images(ctx.items);
    for (dns_name, cname_owner, a_owner) in ZONES {
        let users: Vec<&str> = images
            .iter()
            .map(|(image, _)| *image)
            .filter(|image| {
                crate::gke::registries::vip_zone(&crate::gke::registries::registry(image))
                    == Some(dns_name)
            })
            .collect();
        if users.is_empty() && !ALWAYS.contains(&dns_name) {
            continue;
        }
        let zones: Vec<&Item> = ctx
            .cnrm("DNSManagedZone")
            .filter(|z| {
                let spec = &*z.view_at(&["spec"]);
                spec["dnsName"].as_str() == Some(dns_name)
                    && spec["visibility"].as_str() == Some("private")
            })
            .collect();
        let Some(zone) = zones.first() else {
            out.push(
                KrmResult::error(format!(
                    "no private DNS zone for `{dns_name}` on network `{}`: nodes resolve it to \
                     public addresses the locked-down network does not reach, so {} fail. Fix: \
                     add a private DNSManagedZone for `{dns_name}` on the network, with CNAME \
                     `{cname_owner}` → `{a_owner}` and A `{a_owner}` → 199.36.153.4-7",
                    cluster.network,
                    match dns_name {
                        "gcr.io." => "image pulls from gcr.io".to_string(),
                        "googleapis.com." =>
                            "calls to Google APIs (logging, monitoring, Config Connector)"
                                .to_string(),
                        _ => format!(
                            "pulls of {} image(s) of the package (e.g. `{}`)",
                            users.len(),
                            users[0]
                        ),
                    }
                ))
                .for_item(subject)
                .tag("check", "routes-dns"),
            );
            continue;
        };
        let in_zone = records.get(zone.name()).map(Vec::as_slice).unwrap_or(&[]);
        let find = |kind: &str, owner: &str| {
            in_zone.iter().copied().find(|r| {
                r.value()["spec"]["type"].as_str() == Some(kind)
                    && r.value()["spec"]["name"].as_str() == Some(owner)
            })
        };
        let cname_ok = find("CNAME", cname_owner).is_some_and(|r| {
            array(&r.view_at(&["spec", "rrdatas"]))
                .iter()
                .any(|d| d.as_str() == Some(a_owner))
        });
        let a = find("A", a_owner);
        let mut lacking = Vec::new();
        if !cname_ok {
            lacking.push(format!("CNAME `{cname_owner}` → `{a_owner}`"));
        }
        if a.is_none() {
            lacking.push(format!("A `{a_owner}` → 199.36.153.4-7"));
        }
        if !lacking.is_empty() {
            out.push(
                KrmResult::error(format!(
                    "private zone {} for `{dns_name}` lacks the record(s) {}: names under \
                     `{dns_name}` do not resolve to the restricted VIP, so those calls fail. Fix: \
                     add the DNSRecordSet(s) with managedZoneRef `{}`",
                    zone.name(),
                    lacking.join(" and "),
                    zone.name()
                ))
                .for_item(zone)
                .tag("check", "routes-dns"),
            );
        }
        if let Some(a) = a {
            for (i, d) in array(&a.view_at(&["spec", "rrdatas"])).iter().enumerate() {
                if d.as_str()
                    .and_then(parse_net)
                    .is_some_and(|n| vip.contains(&n))
                {
                    continue;
                }
                out.push(
                    KrmResult::error(format!(
                        "A record {} points `{a_owner}` at {d}, outside the restricted VIP \
                         {RESTRICTED_VIP}: traffic goes where no route or firewall rule lets it. \
                         Fix: use 199.36.153.4, .5, .6 and .7",
                        a.name()
                    ))
                    .for_item(a)
                    .at_field(format!("spec.rrdatas[{i}]"), Some(d.clone()), None)
                    .tag("check", "routes-dns"),
                );
            }
        }
    }
}
