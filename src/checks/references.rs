//! References: every `networkRef`, `subnetworkRef`, `routerRef`, `managedZoneRef`, `clusterRef`
//! and `serviceAccountRef` without `external` resolves to an item of the right kind; and (private
//! packages) every firewall rule, route, router, private DNS zone and the cluster's subnetwork is
//! on the cluster's network.
//!
//! An unresolved reference is a warning (the resource may exist outside the package), except for
//! what the private cluster itself needs — its network and subnetwork, and the references of the
//! private setup's own resources — which is an error; the network and subnetwork the private-GKE
//! stage kept as the user's (its record on the cluster has no entry for the refs) may be managed
//! elsewhere: a warning. One result per missing resource, at the
//! cluster when it is among the referrers, else at the first referrer.

use super::{array, network_of, ref_name, Ctx};
use crate::krm::{KeyScan, KrmResult};
use serde_json::Value;
use std::collections::HashMap;

/// Reference fields and the kind each must reach.
const REF_KINDS: [(&str, &str); 6] = [
    ("networkRef", "ComputeNetwork"),
    ("subnetworkRef", "ComputeSubnetwork"),
    ("routerRef", "ComputeRouter"),
    ("managedZoneRef", "DNSManagedZone"),
    ("clusterRef", "ContainerCluster"),
    ("serviceAccountRef", "IAMServiceAccount"),
];

/// The reference fields of [`REF_KINDS`] as one scan of an item's keys.
static REF_SCAN: KeyScan = KeyScan {
    literal: "Ref",
    keys: &[
        "networkRef",
        "subnetworkRef",
        "routerRef",
        "managedZoneRef",
        "clusterRef",
        "serviceAccountRef",
    ],
};

/// Kinds that make up the private network setup.
const PRIVATE_SETUP_KINDS: [&str; 7] = [
    "ComputeFirewall",
    "ComputeRoute",
    "ComputeRouter",
    "ComputeRouterNAT",
    "ComputeSubnetwork",
    "DNSManagedZone",
    "DNSRecordSet",
];

/// Kinds whose network [`wrong_networks`] compares with the cluster's.
const NETWORK_CHECKED_KINDS: [&str; 4] = [
    "ComputeFirewall",
    "ComputeRoute",
    "ComputeRouter",
    "DNSManagedZone",
];

/// One reference found in an item.
struct Found {
    item: usize,
    path: String,
    kind: &'static str,
    name: String,
    namespace: Option<String>,
    needed: bool,
}

/// Check every reference, then (private packages) the networks.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let cluster_item = ctx.cluster.as_ref().map(|c| c.item);
    let private = ctx.private();
    let mut missing: Vec<Found> = Vec::new();
    for (i, (item, meta)) in ctx.items.iter().zip(&ctx.meta).enumerate() {
        if !meta.cnrm || !item.may_have_any_key(&REF_SCAN) {
            continue;
        }
        let mut refs = Vec::new();
        let spec = item.view_at(&["spec"]);
        walk(&spec, &mut vec![Seg::Key("spec")], &mut refs);
        let is_cluster = cluster_item.is_some_and(|c| std::ptr::eq(c, item));
        for (path, kind, r) in refs {
            let Some(name) = r["name"].as_str() else {
                continue;
            };
            let namespace = r["namespace"].as_str().or(meta.namespace);
            if ctx.resolve(kind, name, namespace).is_some() || off_network(ctx, item, kind, name) {
                continue;
            }
            let needed = private
                && if users_network(ctx, kind, name) {
                    false
                } else {
                    (is_cluster && matches!(kind, "ComputeNetwork" | "ComputeSubnetwork"))
                        || PRIVATE_SETUP_KINDS.contains(&meta.kind)
                };
            missing.push(Found {
                item: i,
                path,
                kind,
                name: name.to_string(),
                namespace: namespace.map(str::to_string),
                needed,
            });
        }
    }
    report_missing(ctx, missing, cluster_item, out);
    if private {
        wrong_networks(ctx, out);
    }
}

/// True for a reference to the cluster's own network or subnetwork when the private-GKE stage
/// kept the cluster's refs as the user's: it may be managed elsewhere, so a missing one is a
/// warning, not an error.
fn users_network(ctx: &Ctx, kind: &str, name: &str) -> bool {
    ctx.cluster.as_ref().is_some_and(|c| {
        c.users_refs
            && match kind {
                "ComputeNetwork" => c.network == name,
                "ComputeSubnetwork" => c.subnetwork.as_deref() == Some(name),
                _ => false,
            }
    })
}

/// True for a network reference that [`wrong_networks`] reports (so it is reported once).
fn off_network(ctx: &Ctx, item: &crate::krm::Item, kind: &str, name: &str) -> bool {
    ctx.private()
        && kind == "ComputeNetwork"
        && ctx.cluster.as_ref().is_some_and(|c| c.network != name)
        && NETWORK_CHECKED_KINDS.contains(&item.kind())
}

/// One step of a field path.
enum Seg<'v> {
    Key(&'v str),
    Index(usize),
}

/// `spec.a.b[0].c` from path steps (built only for references found, so walking stays cheap).
fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Collect `(field path, expected kind, ref object)` for every reference under `value`.
fn walk<'v>(
    value: &'v Value,
    path: &mut Vec<Seg<'v>>,
    refs: &mut Vec<(String, &'static str, &'v Value)>,
) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                path.push(Seg::Key(key));
                match REF_KINDS.iter().find(|(k, _)| k == key) {
                    Some((_, kind)) if v.is_object() => {
                        if v.get("external").is_none() {
                            refs.push((format!("{}.name", render(path)), kind, v));
                        }
                    }
                    _ => walk(v, path, refs),
                }
                path.pop();
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(v, path, refs);
                path.pop();
            }
        }
        _ => {}
    }
}

fn report_missing(
    ctx: &Ctx,
    missing: Vec<Found>,
    cluster_item: Option<&crate::krm::Item>,
    out: &mut Vec<KrmResult>,
) {
    let mut groups: Vec<Vec<Found>> = Vec::new();
    let mut by_target: HashMap<(&'static str, String, Option<String>), usize> = HashMap::new();
    for f in missing {
        let key = (f.kind, f.name.clone(), f.namespace.clone());
        match by_target.get(&key) {
            Some(&g) => groups[g].push(f),
            None => {
                by_target.insert(key, groups.len());
                groups.push(vec![f]);
            }
        }
    }
    for group in groups {
        let at = group
            .iter()
            .position(|f| cluster_item.is_some_and(|c| std::ptr::eq(c, &ctx.items[f.item])))
            .unwrap_or(0);
        let first = &group[at];
        let item = &ctx.items[first.item];
        let mut referrers: Vec<usize> = group.iter().map(|f| f.item).collect();
        referrers.sort_unstable();
        referrers.dedup();
        let others = match referrers.len() - 1 {
            0 => String::new(),
            1 => " (1 other resource refers to it too)".to_string(),
            n => format!(" ({n} other resources refer to it too)"),
        };
        let (kind, name) = (first.kind, &first.name);
        let result = if group.iter().any(|f| f.needed) {
            KrmResult::error(format!(
                "{} {} refers to {kind} `{name}`, which is not in the package{others}: the \
                 private cluster needs it, and Config Connector waits for it forever (the \
                 cluster stays provisioning). Fix: add the {kind}, correct the name, or use \
                 `external:` for one created elsewhere",
                item.kind(),
                item.name()
            ))
        } else {
            KrmResult::warning(format!(
                "{} {} refers to {kind} `{name}`, which is not in the package{others}: unless \
                 it already exists in namespace `{}`, Config Connector waits for it forever. \
                 Fix: add the {kind}, correct the name, or use `external:`",
                item.kind(),
                item.name(),
                first.namespace.as_deref().unwrap_or("default")
            ))
        };
        out.push(
            result
                .for_item(item)
                .at_field(first.path.clone(), Some(name.as_str().into()), None)
                .tag("check", "references"),
        );
    }
}

/// Private setup resources on another network than the cluster's.
fn wrong_networks(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return;
    };
    let network = cluster.network.as_str();
    let mut report = |item: &crate::krm::Item, path: String, current: &str, what: &str| {
        out.push(
            KrmResult::error(format!(
                "{what} reference the wrong network: {} {} is on network `{current}`, but the \
                 cluster {} runs on `{network}`, so it never applies to the cluster's nodes. \
                 Fix: set {path} to `{network}`",
                item.kind(),
                item.name(),
                cluster.item.name()
            ))
            .for_item(item)
            .at_field(path, Some(current.into()), Some(network.into()))
            .tag("check", "references"),
        );
    };
    for (kind, what) in [
        ("ComputeFirewall", "firewall rules"),
        ("ComputeRoute", "routes"),
        ("ComputeRouter", "routers (and their NAT)"),
    ] {
        for item in ctx.cnrm(kind) {
            if let Some(current) = network_of(item.value()).filter(|n| n != network) {
                report(item, "spec.networkRef.name".to_string(), &current, what);
            }
        }
    }
    if let Some(subnet) = ctx.subnet() {
        if let Some(current) = network_of(subnet.value()).filter(|n| n != network) {
            report(
                subnet,
                "spec.networkRef.name".to_string(),
                &current,
                "the cluster's subnetwork and the cluster",
            );
        }
    }
    for zone in ctx.cnrm("DNSManagedZone") {
        let spec = &*zone.view_at(&["spec"]);
        if spec["visibility"].as_str() != Some("private") {
            continue;
        }
        let networks = array(&spec["privateVisibilityConfig"]["networks"]);
        let names: Vec<Option<String>> = networks
            .iter()
            .map(|n| ref_name(&n["networkRef"]))
            .collect();
        if names.is_empty() || names.iter().any(|n| n.as_deref() == Some(network)) {
            continue;
        }
        let current = names[0].clone().unwrap_or_default();
        report(
            zone,
            "spec.privateVisibilityConfig.networks[0].networkRef.name".to_string(),
            &current,
            "private DNS zones",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::krm::Item;
    use crate::yaml::Document;
    use std::sync::Arc;

    /// The messages the checks give on `src`'s documents, read lazily as a ResourceList's are.
    fn missing(src: &str) -> Vec<String> {
        let doc = Arc::new(Document::parse(src).unwrap());
        let items: Vec<Item> = (doc.roots().iter())
            .map(|&r| Item::read(doc.clone(), r).unwrap())
            .collect();
        let mut results = Vec::new();
        super::super::run(&Settings::default(), &items, &mut results);
        (results.iter())
            .filter(|r| r.message.contains("not in the package"))
            .map(|r| r.message.clone())
            .collect()
    }

    #[test]
    fn the_scan_looks_for_every_reference_field() {
        let fields: Vec<&str> = super::REF_KINDS.iter().map(|(f, _)| *f).collect();
        assert_eq!(super::REF_SCAN.keys, fields);
        assert!(fields.iter().all(|f| f.contains(super::REF_SCAN.literal)));
    }

    #[test]
    fn references_spelled_with_escapes_are_found() {
        let head = "apiVersion: compute.cnrm.cloud.google.com/v1beta1\nkind: ComputeSubnetwork\n\
                    metadata: {name: s}\nspec:\n";
        for key in ["networkRef", "'networkRef'", "\"network\\u0052ef\""] {
            let found = missing(&format!("{head}  {key}: {{name: gone}}\n"));
            assert_eq!(found.len(), 1, "{key}: {found:?}");
            assert!(
                found[0].contains("ComputeNetwork `gone`"),
                "{key}: {found:?}"
            );
        }
        assert!(missing(&format!("{head}  ipCidrRange: 10.0.0.0/24\n")).is_empty());
    }
}
