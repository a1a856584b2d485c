//! NAT: a ComputeRouter and ComputeRouterNAT on the cluster's network, in the cluster's region.
//!
//! Private nodes have no external IPs, so without Cloud NAT nothing outside Google is reachable.
//! A missing NAT is a warning (a package that pulls only from gcr.io works without one; the IAP
//! check makes it an error where it is needed); a NAT in another region is an error, since it
//! serves only subnetworks of its own region.

use super::Ctx;
use crate::krm::KrmResult;

/// Check the router and NAT.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let Some((router, nat)) = ctx.nat() else {
        out.push(
            KrmResult::warning(format!(
                "no ComputeRouter with a ComputeRouterNAT on network `{}`: private nodes have no \
                 external IPs, so images from Docker Hub or quay.io cannot be pulled and IAP \
                 cannot fetch its JWKs. Fix: add a ComputeRouter on the network and a \
                 ComputeRouterNAT (natIpAllocateOption: AUTO_ONLY, \
                 sourceSubnetworkIpRangesToNat: ALL_SUBNETWORKS_ALL_IP_RANGES) in {}",
                cluster.network,
                cluster
                    .region
                    .as_ref()
                    .map_or("the cluster's region".to_string(), |r| format!(
                        "region {r}"
                    ))
            ))
            .for_resource(&ctx.network().unwrap_or(cluster.item).value)
            .tag("check", "nat"),
        );
        return;
    };
    let Some(region) = cluster.region.as_deref() else {
        return;
    };
    for item in [router, nat] {
        let current = item.value["spec"]["region"].as_str();
        if current.is_none_or(|r| r == region) {
            continue;
        }
        out.push(
            KrmResult::error(format!(
                "{} {} is in region {}, but the cluster is in {region}: Cloud NAT serves only \
                 subnetworks of its own region, so the nodes get no internet egress. Fix: set \
                 spec.region to {region}",
                item.kind(),
                item.name(),
                current.unwrap_or_default()
            ))
            .for_resource(&item.value)
            .at_field("spec.region", current.map(Into::into), Some(region.into()))
            .tag("check", "nat"),
        );
    }
}
