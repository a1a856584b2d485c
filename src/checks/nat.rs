//! NAT: a ComputeRouter and ComputeRouterNAT on the cluster's network, in the cluster's region.
//!
//! Private nodes have no external IPs, so without Cloud NAT nothing outside Google is reachable.
//! A missing NAT is a warning (a package that pulls only from gcr.io works without one; the
//! flows that need it make it an error where it is needed). A NAT in another region blocks the
//! flows through it: a `connectivity` verdict.

use super::Ctx;
use crate::krm::KrmResult;

/// Check the router and NAT.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    if ctx.nat().is_some() {
        return;
    }
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
        .for_resource(ctx.network().unwrap_or(cluster.item).value())
        .tag("check", "nat"),
    );
}
