//! CIDRs: the master range is a /28 inside RFC 1918; the subnet, pods, services and master
//! ranges do not overlap; the cluster's secondary range names exist on its subnetwork; private
//! Google access is on for that subnetwork.

use super::{array, is_rfc1918, parse_net, Ctx};
use crate::krm::{Item, KrmResult};
use ipnet::Ipv4Net;
use serde_json::Value;

const MASTER_PATH: &str = "spec.privateClusterConfig.masterIpv4CidrBlock";

/// One range with where it is written.
struct Range<'a> {
    label: String,
    net: Ipv4Net,
    item: &'a Item,
    path: String,
}

/// Check the cluster's ranges.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let citem = cluster.item;
    let spec = &*citem.view_at(&["spec"]);
    let mut ranges: Vec<Range> = Vec::new();
    let written = &spec["privateClusterConfig"]["masterIpv4CidrBlock"];
    match (written.as_str(), cluster.master) {
        (None, _) => out.push(
            KrmResult::error(
                "private nodes need a master range, and privateClusterConfig sets none: GKE \
                 rejects the cluster. Fix: set masterIpv4CidrBlock to a free /28 inside RFC 1918 \
                 (upstream: 172.16.0.32/28) and use it in the master firewall rules",
            )
            .for_item(citem)
            .at_field(MASTER_PATH, None, None)
            .tag("check", "cidrs"),
        ),
        (Some(text), None) => out.push(
            KrmResult::error(format!(
                "master range `{text}` is not an IPv4 CIDR: GKE rejects the cluster. Fix: use a \
                 /28 inside RFC 1918 such as 172.16.0.32/28"
            ))
            .for_item(citem)
            .at_field(MASTER_PATH, Some(written.clone()), None)
            .tag("check", "cidrs"),
        ),
        (Some(text), Some(master)) => {
            let problem = if master.prefix_len() != 28 {
                Some("is not a /28")
            } else if !is_rfc1918(&master) {
                Some("is not inside RFC 1918 (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)")
            } else if master.trunc() != master {
                Some("has host bits set")
            } else {
                None
            };
            if let Some(problem) = problem {
                let proposed = (master.prefix_len() == 28 && is_rfc1918(&master))
                    .then(|| Value::from(master.trunc().to_string()));
                out.push(
                    KrmResult::error(format!(
                        "master range `{text}` {problem}: GKE accepts only a /28 from a private \
                         range for the control plane and rejects the cluster. Fix: use a free \
                         /28 inside RFC 1918 (upstream: 172.16.0.32/28)"
                    ))
                    .for_item(citem)
                    .at_field(MASTER_PATH, Some(written.clone()), proposed)
                    .tag("check", "cidrs"),
                );
            }
            ranges.push(Range {
                label: "master".to_string(),
                net: master,
                item: citem,
                path: MASTER_PATH.to_string(),
            });
        }
    }
    let policy = &spec["ipAllocationPolicy"];
    if !policy.is_object() && spec["networkingMode"].as_str() != Some("VPC_NATIVE") {
        out.push(
            KrmResult::error(
                "private clusters must be VPC-native, and the cluster has no ipAllocationPolicy: \
                 GKE rejects it. Fix: set ipAllocationPolicy with clusterSecondaryRangeName and \
                 servicesSecondaryRangeName naming the subnetwork's secondary ranges",
            )
            .for_item(citem)
            .at_field("spec.ipAllocationPolicy", None, None)
            .tag("check", "cidrs"),
        );
    }
    for (key, label) in [
        ("clusterIpv4CidrBlock", "pods"),
        ("servicesIpv4CidrBlock", "services"),
    ] {
        if let Some(net) = policy[key].as_str().and_then(parse_net) {
            ranges.push(Range {
                label: label.to_string(),
                net,
                item: citem,
                path: format!("spec.ipAllocationPolicy.{key}"),
            });
        }
    }
    if let Some(subnet) = ctx.subnet() {
        subnet_checks(ctx, subnet, policy, &mut ranges, out);
    }
    for (i, b) in ranges.iter().enumerate() {
        if let Some(a) = ranges[..i]
            .iter()
            .find(|a| a.net.contains(&b.net.network()) || b.net.contains(&a.net.network()))
        {
            out.push(
                KrmResult::error(format!(
                    "{} range {} overlaps the {} range {}: GKE rejects overlapping node, pod, \
                     service and master ranges, and the cluster is never created. Fix: pick \
                     ranges that do not overlap",
                    b.label, b.net, a.label, a.net
                ))
                .for_item(b.item)
                .at_field(b.path.clone(), Some(b.net.to_string().into()), None)
                .tag("check", "cidrs"),
            );
        }
    }
}

/// Secondary range names, private Google access, and the subnetwork's ranges.
fn subnet_checks<'a>(
    ctx: &Ctx<'a>,
    subnet: &'a Item,
    policy: &Value,
    ranges: &mut Vec<Range<'a>>,
    out: &mut Vec<KrmResult>,
) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let sspec = &*subnet.view_at(&["spec"]);
    if let Some(net) = sspec["ipCidrRange"].as_str().and_then(parse_net) {
        ranges.push(Range {
            label: "subnet".to_string(),
            net,
            item: subnet,
            path: "spec.ipCidrRange".to_string(),
        });
    }
    let secondary = array(&sspec["secondaryIpRange"]);
    for (i, r) in secondary.iter().enumerate() {
        if let Some(net) = r["ipCidrRange"].as_str().and_then(parse_net) {
            ranges.push(Range {
                label: format!(
                    "secondary `{}`",
                    r["rangeName"].as_str().unwrap_or_default()
                ),
                net,
                item: subnet,
                path: format!("spec.secondaryIpRange[{i}].ipCidrRange"),
            });
        }
    }
    let names: Vec<&str> = secondary
        .iter()
        .filter_map(|r| r["rangeName"].as_str())
        .collect();
    for (key, what) in [
        ("clusterSecondaryRangeName", "pods"),
        ("servicesSecondaryRangeName", "services"),
    ] {
        let Some(wanted) = policy[key].as_str() else {
            continue;
        };
        if names.contains(&wanted) {
            continue;
        }
        out.push(
            KrmResult::error(format!(
                "the cluster's {what} secondary range `{wanted}` is not on subnetwork {} (it has: \
                 {}): GKE fails to create the cluster. Fix: name one of the subnetwork's \
                 secondary ranges, or add a `{wanted}` range to the subnetwork",
                subnet.name(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    super::list(names.iter().copied())
                }
            ))
            .for_item(cluster.item)
            .at_field(
                format!("spec.ipAllocationPolicy.{key}"),
                Some(wanted.into()),
                None,
            )
            .tag("check", "cidrs"),
        );
    }
    if let (Some(current), Some(region)) = (sspec["region"].as_str(), cluster.region.as_deref()) {
        if current != region {
            out.push(
                KrmResult::error(format!(
                    "subnetwork {} is in region {current}, but the cluster is in {region}: GKE \
                     accepts only a subnetwork of the cluster's own region. Fix: set \
                     spec.region to {region}",
                    subnet.name()
                ))
                .for_item(subnet)
                .at_field("spec.region", Some(current.into()), Some(region.into()))
                .tag("check", "cidrs"),
            );
        }
    }
    if sspec["privateIpGoogleAccess"] != Value::Bool(true) {
        out.push(
            KrmResult::error(format!(
                "private Google access is off on subnetwork {}: nodes without external IPs \
                 cannot reach Google APIs or gcr.io, so image pulls fail and the cluster stays \
                 provisioning. Fix: set privateIpGoogleAccess: true",
                subnet.name()
            ))
            .for_item(subnet)
            .at_field(
                "spec.privateIpGoogleAccess",
                sspec.get("privateIpGoogleAccess").cloned(),
                Some(Value::Bool(true)),
            )
            .tag("check", "cidrs"),
        );
    }
}
