//! The path of a flow to a named host or range: which private zone answers for the name (CNAMEs
//! followed), which route on the network carries the destination, and the Cloud NAT that
//! translates traffic to public addresses.

use super::{array, parse_net, ref_name, Ctx, DEFAULT_PRIORITY};
use crate::krm::Item;
use ipnet::Ipv4Net;
use serde_json::Value;

use super::flows::VIPS;

/// Where a name resolves: an address range, or why it does not.
pub(super) enum Resolved<'a> {
    /// A private zone answers with addresses: (the Google API VIP holding them all, else each
    /// address; zone; A record).
    Private(Vec<Ipv4Net>, &'a Item, &'a Item),
    /// No private zone holds the name: public addresses.
    Public,
    /// A private zone holds the name's domain but no record for it: (zone, why).
    Missing(&'a Item, String),
}

/// The path (route) to `dst`: the deciding route's description, or why there is none.
pub(super) struct Path<'a> {
    /// A route holds the destination.
    pub ok: bool,
    /// The route, or why there is none.
    pub text: String,
    /// Where the missing route is to be fixed.
    pub subject: Option<&'a Item>,
    /// Its field.
    pub field: Option<String>,
}

/// Private DNS zones visible to the cluster's network.
pub(super) fn private_zones<'a>(ctx: &'a Ctx<'a>) -> Vec<(&'a Item, String)> {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return Vec::new();
    };
    ctx.cnrm("DNSManagedZone")
        .filter(|z| {
            let spec = &z.value()["spec"];
            spec["visibility"].as_str() == Some("private")
                && array(&spec["privateVisibilityConfig"]["networks"])
                    .iter()
                    .any(|n| ref_name(&n["networkRef"]).as_deref() == Some(&cluster.network))
        })
        .filter_map(|z| {
            let name = z.value()["spec"]["dnsName"].as_str()?;
            Some((z, name.trim_end_matches('.').to_ascii_lowercase()))
        })
        .collect()
}

/// Resolve `host` through the private zones (CNAMEs followed, up to 8).
pub(super) fn resolve<'a>(
    ctx: &'a Ctx<'a>,
    zones: &[(&'a Item, String)],
    host: &str,
) -> Resolved<'a> {
    let mut name = host.trim_end_matches('.').to_ascii_lowercase();
    for _ in 0..8 {
        let Some((zone, domain)) = zones
            .iter()
            .filter(|(_, d)| name == *d || name.ends_with(&format!(".{d}")))
            .max_by_key(|(_, d)| d.len())
        else {
            return Resolved::Public;
        };
        let records: Vec<&Item> = ctx
            .cnrm("DNSRecordSet")
            .filter(|r| r.value()["spec"]["managedZoneRef"]["name"].as_str() == Some(zone.name()))
            .collect();
        let owner = |r: &&Item| {
            r.value()["spec"]["name"]
                .as_str()
                .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
        };
        let exact = records.iter().find(|r| owner(r).as_deref() == Some(&name));
        let wildcard = || {
            records.iter().find(|r| {
                owner(r).is_some_and(|o| {
                    o.strip_prefix("*.")
                        .is_some_and(|base| name.ends_with(&format!(".{base}")))
                })
            })
        };
        let Some(record) = exact.or_else(wildcard) else {
            return Resolved::Missing(
                zone,
                format!(
                    "private zone {} for `{domain}.` on the network has no record for `{name}`, \
                     so the name does not resolve",
                    zone.name()
                ),
            );
        };
        let spec = &record.value()["spec"];
        let data: Vec<&str> = array(&spec["rrdatas"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        match spec["type"].as_str() {
            Some("CNAME") => match data.first() {
                Some(target) => name = target.trim_end_matches('.').to_ascii_lowercase(),
                None => {
                    return Resolved::Missing(
                        zone,
                        format!("CNAME {} has no target", record.name()),
                    )
                }
            },
            Some("A") => {
                let nets: Vec<Ipv4Net> = data.iter().filter_map(|d| parse_net(d)).collect();
                if nets.is_empty() {
                    return Resolved::Missing(
                        zone,
                        format!("A record {} has no address", record.name()),
                    );
                }
                let vip = VIPS
                    .iter()
                    .filter_map(|v| v.parse::<Ipv4Net>().ok())
                    .find(|v| nets.iter().all(|n| v.contains(n)));
                return Resolved::Private(vip.map_or(nets, |v| vec![v]), zone, record);
            }
            _ => {
                return Resolved::Missing(
                    zone,
                    format!("record {} is neither A nor CNAME", record.name()),
                )
            }
        }
    }
    Resolved::Public
}

/// The route to `dst` on the cluster's network.
pub(super) fn route<'a>(ctx: &'a Ctx<'a>, dst: &Ipv4Net) -> Path<'a> {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return Path {
            ok: false,
            text: String::new(),
            subject: None,
            field: None,
        };
    };
    let mut best: Option<(u8, i64, &Item)> = None;
    for r in ctx
        .cnrm("ComputeRoute")
        .filter(|r| super::network_of(r.value()).as_deref() == Some(cluster.network.as_str()))
    {
        let spec = &r.value()["spec"];
        let Some(range) = spec["destRange"].as_str().and_then(parse_net) else {
            continue;
        };
        if !range.contains(dst) {
            continue;
        }
        let priority = spec["priority"].as_i64().unwrap_or(DEFAULT_PRIORITY);
        let key = (range.prefix_len(), -priority);
        if best.is_none_or(|(l, p, _)| key > (l, -p)) {
            best = Some((range.prefix_len(), priority, r));
        }
    }
    if let Some((_, _, r)) = best {
        let hop = r.value()["spec"]["nextHopGateway"]
            .as_str()
            .map(|g| format!(" via {g}"))
            .unwrap_or_default();
        return Path {
            ok: true,
            text: format!(
                "route {} ({}{hop})",
                r.name(),
                r.value()["spec"]["destRange"].as_str().unwrap_or("")
            ),
            subject: None,
            field: None,
        };
    }
    if !ctx.deletes_default_routes() {
        return Path {
            ok: true,
            text: "the network's default route (0.0.0.0/0)".into(),
            subject: None,
            field: None,
        };
    }
    Path {
        ok: false,
        text: format!(
            "network `{}` deletes its default routes and no route on it holds {dst}",
            cluster.network
        ),
        subject: ctx.network().or(Some(cluster.item)),
        field: ctx
            .network()
            .map(|_| "spec.deleteDefaultRoutesOnCreate".to_string()),
    }
}

/// Cloud NAT for traffic from `source`: Ok(description) or Err(why, subject, field).
pub(super) fn nat<'a>(
    ctx: &'a Ctx<'a>,
    from_pods: bool,
) -> Result<String, (String, Option<&'a Item>, Option<String>)> {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return Err(("no cluster".into(), None, None));
    };
    let Some((router, nat)) = ctx.nat() else {
        return Err((
            format!(
                "no ComputeRouter with a ComputeRouterNAT on network `{}` (private nodes have no \
                 external IPs)",
                cluster.network
            ),
            ctx.network().or(Some(cluster.item)),
            None,
        ));
    };
    let subnet_region = ctx
        .subnet()
        .and_then(|s| s.value()["spec"]["region"].as_str().map(str::to_string))
        .or_else(|| cluster.region.clone());
    if let Some(region) = subnet_region {
        for item in [router, nat] {
            let current = item.value()["spec"]["region"].as_str();
            if current.is_some_and(|r| r != region) {
                return Err((
                    format!(
                        "{} {} is in region {}, the nodes in {region}: Cloud NAT serves only \
                         subnetworks of its own region",
                        item.kind(),
                        item.name(),
                        current.unwrap_or_default()
                    ),
                    Some(item),
                    Some("spec.region".into()),
                ));
            }
        }
    }
    let ranges = nat.value()["spec"]["sourceSubnetworkIpRangesToNat"]
        .as_str()
        .unwrap_or("");
    if from_pods && ranges == "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES" {
        return Err((
            format!(
                "ComputeRouterNAT {} translates only primary ranges, not the pods range",
                nat.name()
            ),
            Some(nat),
            Some("spec.sourceSubnetworkIpRangesToNat".into()),
        ));
    }
    Ok(format!("Cloud NAT {}", nat.name()))
}

/// A private zone for `host`'s domain that the cluster's network does not see.
pub(super) fn zone_elsewhere<'a>(ctx: &'a Ctx<'a>, host: &str) -> Option<&'a Item> {
    let visible = private_zones(ctx);
    ctx.cnrm("DNSManagedZone").find(|z| {
        let domain = z.value()["spec"]["dnsName"]
            .as_str()
            .unwrap_or("")
            .trim_end_matches('.')
            .to_ascii_lowercase();
        !domain.is_empty()
            && (host == domain || host.ends_with(&format!(".{domain}")))
            && !visible.iter().any(|(v, _)| std::ptr::eq(*v, *z))
    })
}
