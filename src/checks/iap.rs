//! IAP: a BackendConfig with `iap` enabled needs egress to the JWKs endpoint
//! (www.gstatic.com): Cloud NAT on the cluster's network and, when egress is denied, an EGRESS
//! allow rule for tcp 443 to a public address.

use super::{is_rfc1918, Ctx, HEALTH_CHECK_RANGES, RESTRICTED_VIP};
use crate::krm::KrmResult;

/// Check every IAP BackendConfig.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let has_nat = ctx.nat().is_some();
    let egress_denied = ctx.deny_all_egress().next().is_some();
    let internal: Vec<ipnet::Ipv4Net> = HEALTH_CHECK_RANGES
        .iter()
        .chain([&RESTRICTED_VIP])
        .filter_map(|r| r.parse().ok())
        .collect();
    let public_443 = ctx.firewalls.iter().any(|fw| {
        fw.egress
            && fw.allows_tcp(443)
            && fw
                .ranges()
                .iter()
                .flatten()
                .any(|n| !is_rfc1918(n) && !internal.iter().any(|i| i.contains(n)))
    });
    for bc in ctx.of_kind("BackendConfig") {
        let iap = &bc.value["spec"]["iap"];
        if !iap.is_object() || iap["enabled"].as_bool() == Some(false) {
            continue;
        }
        let mut lacking = Vec::new();
        if !has_nat {
            lacking.push(format!(
                "Cloud NAT (a ComputeRouter and ComputeRouterNAT on network `{}`)",
                cluster.network
            ));
        }
        if egress_denied && !public_443 {
            lacking.push(
                "an EGRESS allow rule for tcp 443 to the JWKs endpoint (www.gstatic.com)"
                    .to_string(),
            );
        }
        if lacking.is_empty() {
            continue;
        }
        out.push(
            KrmResult::error(format!(
                "BackendConfig {} enables IAP, but the nodes cannot fetch the IAP JWKs, so every \
                 request through IAP is rejected (\"Invalid JWT\"). Fix: add {}",
                bc.name(),
                lacking.join(" and ")
            ))
            .for_resource(&bc.value)
            .at_field("spec.iap", None, None)
            .tag("check", "iap"),
        );
    }
}
