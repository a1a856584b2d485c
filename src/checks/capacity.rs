//! Capacity: the pods range against the nodes the package can reach times the pod range GKE
//! gives each node, and the services range against the Services in the package.
//!
//! Nodes: the cluster's default pool (`initialNodeCount`, unless the
//! `cnrm.cloud.google.com/remove-default-node-pool` annotation removes it) and each
//! ContainerNodePool of the cluster (`autoscaling.totalMaxNodeCount`, else
//! `autoscaling.maxNodeCount` or `initialNodeCount` per zone), times the zones (`nodeLocations`,
//! else 3 for a regional cluster and 1 for a zonal one). GKE gives each node the smallest range
//! holding twice its maximum pods (`maxPodsPerNode`, else the cluster's
//! `defaultMaxPodsPerNode`, else 110: a /24). Services: every v1 Service with a cluster IP
//! (not headless, not ExternalName) plus the `kubernetes` Service, against the range's
//! addresses less the network and broadcast addresses.

use super::{array, parse_net, ref_name, Ctx};
use crate::krm::{Item, KrmResult};
use ipnet::Ipv4Net;
use serde_json::Value;

/// GKE's maximum pods per node when nothing sets one.
const DEFAULT_MAX_PODS: u64 = 110;

/// Zones a regional cluster's node pools span when `nodeLocations` is unset.
const REGIONAL_ZONES: u64 = 3;

/// Check the cluster's pods and services ranges.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let spec = &cluster.item.value()["spec"];
    let policy = &spec["ipAllocationPolicy"];
    if let Some((net, from)) = range(
        ctx,
        policy,
        "clusterSecondaryRangeName",
        "clusterIpv4CidrBlock",
    ) {
        pods(ctx, cluster.item, net, &from, out);
    }
    if let Some((net, from)) = range(
        ctx,
        policy,
        "servicesSecondaryRangeName",
        "servicesIpv4CidrBlock",
    ) {
        services(ctx, cluster.item, net, &from, out);
    }
}

/// The range the cluster uses: its CIDR field, else the named secondary range of its subnetwork;
/// with where it was read, for messages.
fn range(ctx: &Ctx, policy: &Value, name_key: &str, cidr_key: &str) -> Option<(Ipv4Net, String)> {
    if let Some(net) = policy[cidr_key].as_str().and_then(parse_net) {
        return Some((net, format!("ipAllocationPolicy.{cidr_key}")));
    }
    let wanted = policy[name_key].as_str()?;
    let subnet = ctx.subnet()?;
    array(&subnet.view_at(&["spec", "secondaryIpRange"]))
        .iter()
        .find(|r| r["rangeName"].as_str() == Some(wanted))
        .and_then(|r| r["ipCidrRange"].as_str().and_then(parse_net))
        .map(|net| {
            (
                net,
                format!("secondary range `{wanted}` of subnetwork {}", subnet.name()),
            )
        })
}

/// A number field, as an integer or a string of digits (setter values arrive as strings).
fn number(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

/// The prefix length of the range GKE gives a node with at most `max_pods` pods: the smallest
/// power of two holding twice as many addresses.
fn node_prefix(max_pods: u64) -> u8 {
    let addresses = (2 * max_pods.max(1)).next_power_of_two();
    32 - addresses.trailing_zeros() as u8
}

/// One source of nodes: what it is, how many nodes at most, and their maximum pods.
struct Pool {
    label: String,
    nodes: u64,
    max_pods: u64,
}

/// The zones a pool spans: its `nodeLocations`, else the cluster's, else by the location.
fn zones(pool_spec: &Value, cluster_spec: &Value) -> u64 {
    let listed = |v: &Value| array(&v["nodeLocations"]).len() as u64;
    match (listed(pool_spec), listed(cluster_spec)) {
        (n, _) if n > 0 => n,
        (_, n) if n > 0 => n,
        _ => {
            let location = cluster_spec["location"].as_str().unwrap_or("");
            if crate::gke::location::is_region(location) {
                REGIONAL_ZONES
            } else {
                1
            }
        }
    }
}

/// The default pool and the cluster's ContainerNodePools.
fn pools(ctx: &Ctx, cluster: &Item) -> Vec<Pool> {
    let spec = &*cluster.view_at(&["spec"]);
    let default_pods = number(&spec["defaultMaxPodsPerNode"]).unwrap_or(DEFAULT_MAX_PODS);
    let mut out = Vec::new();
    let removed =
        cluster.annotation("cnrm.cloud.google.com/remove-default-node-pool") == Some("true");
    if let Some(count) = number(&spec["initialNodeCount"]).filter(|_| !removed) {
        let zones = zones(&Value::Null, spec);
        out.push(Pool {
            label: format!("the default pool {count} × {zones} zone(s)"),
            nodes: count * zones,
            max_pods: default_pods,
        });
    }
    for pool in ctx.cnrm("ContainerNodePool") {
        let pspec = &*pool.view_at(&["spec"]);
        if ref_name(&pspec["clusterRef"]).as_deref() != Some(cluster.name()) {
            continue;
        }
        let max_pods = number(&pspec["maxPodsPerNode"]).unwrap_or(default_pods);
        let autoscaling = &pspec["autoscaling"];
        let (nodes, label) = if let Some(total) = number(&autoscaling["totalMaxNodeCount"]) {
            (total, format!("{} totalMaxNodeCount {total}", pool.name()))
        } else {
            let zones = zones(pspec, spec);
            let (per_zone, field) = match number(&autoscaling["maxNodeCount"]) {
                Some(n) => (n, "maxNodeCount"),
                None => (
                    number(&pspec["initialNodeCount"])
                        .or_else(|| number(&pspec["nodeCount"]))
                        .unwrap_or(1),
                    "initialNodeCount",
                ),
            };
            (
                per_zone * zones,
                format!("{} {field} {per_zone} × {zones} zone(s)", pool.name()),
            )
        };
        out.push(Pool {
            label,
            nodes,
            max_pods,
        });
    }
    out
}

/// The pods range against the nodes of every pool.
fn pods(ctx: &Ctx, cluster: &Item, net: Ipv4Net, from: &str, out: &mut Vec<KrmResult>) {
    let pools = pools(ctx, cluster);
    if pools.is_empty() {
        return;
    }
    // Each pool's nodes take their own block size; the range holds this many addresses.
    let available = 1u64 << (32 - u32::from(net.prefix_len()));
    let needed: u64 = pools
        .iter()
        .map(|p| p.nodes << (32 - u32::from(node_prefix(p.max_pods))))
        .sum();
    if needed <= available {
        return;
    }
    let nodes: u64 = pools.iter().map(|p| p.nodes).sum();
    let per_node: Vec<String> = pools
        .iter()
        .map(|p| {
            format!(
                "{} ({} pods per node: a /{} each)",
                p.label,
                p.max_pods,
                node_prefix(p.max_pods)
            )
        })
        .collect();
    let largest = pools
        .iter()
        .map(|p| p.max_pods)
        .max()
        .unwrap_or(DEFAULT_MAX_PODS);
    let fits = available >> (32 - u32::from(node_prefix(largest)));
    out.push(
        KrmResult::error(format!(
            "the pods range {net} ({from}) has {available} addresses, but the node pools reach \
             {nodes} nodes needing {needed}: {}. GKE gives every node its pod range up front, so \
             nodes past about {fits} are never created and scale-ups fail. Fix: a pods range \
             of /{} or larger, fewer nodes, or a smaller maxPodsPerNode",
            per_node.join(", "),
            32 - (64 - needed.saturating_sub(1).leading_zeros()).min(32)
        ))
        .for_item(cluster)
        .at_field("spec.ipAllocationPolicy", None, None)
        .tag("check", "capacity"),
    );
}

/// True for a v1 Service that takes an address of the services range.
fn takes_cluster_ip(item: &Item) -> bool {
    let spec = &*item.view_at(&["spec"]);
    item.api_version() == "v1"
        && spec["type"].as_str() != Some("ExternalName")
        && spec["clusterIP"].as_str() != Some("None")
}

/// The services range against the Services with a cluster IP.
fn services(ctx: &Ctx, cluster: &Item, net: Ipv4Net, from: &str, out: &mut Vec<KrmResult>) {
    let count = ctx
        .of_kind("Service")
        .filter(|s| takes_cluster_ip(s))
        .count() as u64;
    let addresses = 1u64 << (32 - u32::from(net.prefix_len()));
    let usable = addresses.saturating_sub(2);
    let needed = count + 1;
    if needed <= usable {
        return;
    }
    out.push(
        KrmResult::error(format!(
            "the services range {net} ({from}) has {usable} usable addresses, but the package \
             has {count} Services with a cluster IP, plus the cluster's own `kubernetes` \
             Service: {needed}. Services past the range are rejected (\"failed to allocate a \
             serviceIP\"). Fix: a services range of /{} or larger",
            32 - (64 - (needed + 1).leading_zeros()).min(32)
        ))
        .for_item(cluster)
        .at_field("spec.ipAllocationPolicy", None, None)
        .tag("check", "capacity"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ranges_follow_gke_table() {
        for (pods, prefix) in [
            (8, 28),
            (16, 27),
            (32, 26),
            (64, 25),
            (110, 24),
            (128, 24),
            (129, 23),
        ] {
            assert_eq!(node_prefix(pods), prefix, "{pods}");
        }
    }
}
