//! Checks: the guide's troubleshooting section, done before deploy. One file per family.
//!
//! Which checks apply:
//! - `names`, `references` and `deprecated` always apply (a wrong name, a dangling reference or
//!   a deprecated field is one in any package);
//! - every other family (`cidrs`, `capacity`, `control-plane`, `firewall`, `webhooks`,
//!   `routes-dns`, `nat`, `iap`, `endpoints`, `connectivity`, and the "same network" part of
//!   `references`) applies only when the package is
//!   private: the selected ContainerCluster has `spec.privateClusterConfig.enablePrivateNodes:
//!   true`. The package decides, not the `gke.private` setting, so check-only runs judge what is
//!   there.
//!
//! The cluster is the one the private-GKE stage picks (`gke::select`: the `private-gke.cluster`
//! selector, else the only full ContainerCluster, else the one of the served API); when none is
//! picked the private checks are skipped (in check mode with the selection's own result).
//!
//! The package is read through `model` (the same reading the private-GKE stage uses), and the
//! flows the cluster needs are judged once, by `model::flows`: the checks that overlap them
//! (health checks, nodes → master, webhook ports, NAT, the VIP and internet routes, DNS zones and
//! records, the IAP JWKs) only phrase its verdicts, each blocked flow once, and name the flows in
//! their tag `flows`, so the results and the connectivity report never disagree. Firewall rules are taken to apply to every node (target
//! tags are not resolved), and the deny-all egress rule is any EGRESS deny rule whose
//! destination is `0.0.0.0/0`. The checks never write: the webhook rule that
//! `private-gke.webhook-firewall: generate` asks for is the private-GKE stage's
//! (`gke::webhook_rule`).
//!
//! Check-only mode: `private-gke.mode: check` in the configuration (a ConfigMap `data` key or the typed
//! object's field). The engine then skips every mutating stage and still calls [`run`]; with
//! `private-gke.webhook-firewall: generate` the missing rule is reported, not written. kpt runs a Kptfile `validators:` entry without a functionConfig key unless the
//! entry names one, so a validator entry says so itself:
//!
//! ```yaml
//! pipeline:
//!   validators:
//!   - image: <registry>/private-gke:v0.1.0
//!     configMap: {private-gke.mode: check}   # or configPath: a file with `private-gke.mode: check`
//! ```
//!
//! Every result carries the tag `check: <family>`; one summary result closes the stage.

mod capacity;
mod cidrs;
mod connectivity;
mod control_plane;
mod deprecated;
mod endpoints;
mod firewall;
mod iap;
mod names;
mod nat;
mod references;
mod routes_dns;
mod webhooks;

pub(crate) use crate::model::*;

use crate::config::Settings;
use crate::krm::{Item, KrmResult, Severity};

/// Stage 6: check every item; adds and changes nothing (the private-GKE stage writes the
/// webhook rule `private-gke.webhook-firewall: generate` asks for).
pub fn run(settings: &Settings, items: &[Item], results: &mut Vec<KrmResult>) {
    run_with_report(settings, items, results);
}

/// [`run`], returning the connectivity report (Markdown) of the selected private cluster.
pub fn run_with_report(
    settings: &Settings,
    items: &[Item],
    results: &mut Vec<KrmResult>,
) -> Option<String> {
    let mut found = Vec::new();
    let mut ran: Vec<&str> = vec!["names", "references", "deprecated"];
    let mut report = None;
    {
        let ctx = Ctx::new(settings, items, &mut found);
        names::check(&ctx, &mut found);
        references::check(&ctx, &mut found);
        deprecated::check(&ctx, &mut found);
        if ctx.private() {
            let flows = flows::compute(&ctx);
            cidrs::check(&ctx, &mut found);
            capacity::check(&ctx, &mut found);
            control_plane::check(&ctx, &mut found);
            firewall::check(&ctx, &mut found);
            webhooks::check(&ctx, &flows, &mut found);
            routes_dns::check(&ctx, &flows, &mut found);
            nat::check(&ctx, &mut found);
            iap::check(&ctx, &flows, &mut found);
            endpoints::check(&ctx, &mut found);
            connectivity::check(&ctx, &flows, &mut found);
            report = crate::report::markdown(&ctx, &flows);
            ran.extend([
                "cidrs",
                "capacity",
                "control-plane",
                "firewall",
                "webhooks",
                "routes-dns",
                "nat",
                "iap",
                "endpoints",
                "connectivity",
            ]);
        }
    }
    let errors = found
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .count();
    let warnings = found
        .iter()
        .filter(|r| r.severity == Severity::Warning)
        .count();
    let scope = if ran.len() == 3 {
        " (the other checks apply to private clusters only)"
    } else {
        ""
    };
    // Errors of the earlier stages are above: the summary counts the checks' own, and says so.
    let earlier = results
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .count();
    let own = if earlier > 0 {
        format!(" of their own (the run fails on the {earlier} error(s) of earlier stages above)")
    } else {
        String::new()
    };
    results.append(&mut found);
    results.push(
        KrmResult::info(format!(
            "checks: {errors} error(s), {warnings} warning(s){own}; ran {}{scope}",
            ran.join(", ")
        ))
        .tag("check", "summary"),
    );
    report
}
