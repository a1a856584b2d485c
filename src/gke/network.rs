//! The cluster's network: the function's own (generated `<name>`) or the user's (a network the
//! cluster already refers to), and which of the cluster's master range and secondary ranges are
//! the user's to keep. Read through the shared read-only model (`model::Ctx`: the selected
//! cluster, its refs resolved among the items, its subnetwork's ranges), before the stage writes.

use super::{cluster, OWNED};
use crate::config::Settings;
use crate::krm::{Item, KrmResult};
use crate::model::Ctx;
use serde_json::Value;

/// The user's network, which the cluster already refers to and the function keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    /// The cluster's `spec.networkRef`, as is (`external`, or `name` and maybe `namespace`).
    pub network_ref: Value,
    /// The cluster's `spec.subnetworkRef`, as is, when set.
    pub subnetwork_ref: Option<Value>,
    /// A `name` ref to a ComputeNetwork that is not among the items (managed elsewhere).
    pub elsewhere: bool,
    /// The kpt v1 setter comment on the ref's `external` or `name` line, as (key, comment):
    /// the generated refs carry it too, so a later apply-setters keeps them on the network.
    pub setter_comment: Option<(String, String)>,
}

/// How the private stage treats the cluster's network, master range and secondary ranges.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The user's network; `None`: the function generates network and subnetwork `<name>`.
    pub existing: Option<Existing>,
    /// The master range the cluster has (the user's) or gets (`master-ipv4-cidr`).
    pub master_cidr: String,
    /// The master range is the user's: kept, and no `${master-ipv4-cidr}` comments for it.
    pub user_master: bool,
    /// The secondary range names (or CIDRs) of `ipAllocationPolicy` are the user's: kept.
    pub user_ranges: bool,
    /// The primary and secondary ranges of the user's subnetwork, when it is among the items.
    pub users_subnet_ranges: Option<Vec<String>>,
    /// Warnings and the info about what was kept.
    pub results: Vec<KrmResult>,
}

/// `ipAllocationPolicy` fields that say which ranges the cluster uses.
const RANGE_FIELDS: [&str; 4] = [
    "clusterSecondaryRangeName",
    "servicesSecondaryRangeName",
    "clusterIpv4CidrBlock",
    "servicesIpv4CidrBlock",
];

/// The CIDR settings that only shape the generated subnetwork.
const SUBNET_SETTINGS: [&str; 3] = ["subnet-cidr", "pods-cidr", "services-cidr"];

/// True when the function wrote the cluster's value at `pointer` (its record holds the value
/// from before).
fn written_by_function(cluster: &Value, pointer: &str) -> bool {
    cluster::record(cluster).is_some_and(|r| r.contains_key(pointer))
}

/// The cluster's value at `pointer` before the function first patched it (the record's), else
/// the current one; `Null` when absent.
fn before(cluster: &Value, pointer: &str) -> Value {
    match cluster::record(cluster).and_then(|mut r| r.shift_remove(pointer)) {
        Some(old) => old,
        None => cluster.pointer(pointer).cloned().unwrap_or(Value::Null),
    }
}

/// True for a ComputeNetwork/ComputeSubnetwork the function generated or adopted.
fn owned(item: &Item) -> bool {
    item.annotation(OWNED).is_some()
}

/// `Some(elsewhere)` for a ref to the user's resource: `external` or a `name` among the items
/// not owned by the function (`false`), or a `name` not among the items (`true`, managed
/// elsewhere); `None` for a ref to a resource the function owns.
fn users_ref(r: &Value, kind: &str, ctx: &Ctx) -> Option<bool> {
    if r.get("external").is_some() {
        return Some(false);
    }
    let name = r.get("name").and_then(Value::as_str)?;
    let namespace = r.get("namespace").and_then(Value::as_str);
    match ctx.resolve(kind, name, namespace) {
        None => Some(true),
        Some(first) if !owned(first) => Some(false),
        Some(_) => None,
    }
}

/// The kpt v1 setter comment (`kpt-set: …`) on the `external` or `name` line of the cluster's
/// `spec.<field>` in its text, as (key, comment).
fn setter_comment(cluster: &Item, field: &str) -> Option<(String, String)> {
    let origin = cluster.origin.as_ref()?;
    let doc = &origin.doc;
    let r = doc.get(doc.get(origin.node, "spec")?, field)?;
    let (key, value) = ["external", "name"]
        .iter()
        .find_map(|k| doc.get(r, k).map(|v| (*k, v)))?;
    let comment = doc.line_comment(value)?.trim();
    comment
        .starts_with("kpt-set:")
        .then(|| (key.to_string(), comment.to_string()))
}

/// `external `x`` or `name `x`` of a ref, for messages.
fn describe(r: &Value) -> String {
    for key in ["external", "name"] {
        if let Some(v) = r.get(key).and_then(Value::as_str) {
            return format!("{key} `{v}`");
        }
    }
    r.to_string()
}

/// Reads how the selected cluster's network is treated. Errors (one result each) when the
/// cluster names a subnetwork of its own without a network, the generated subnetwork on the
/// user's network, or when `master-ipv4-cidr` contradicts the cluster's own master range; no
/// plan (and no result) without a selected cluster.
pub(crate) fn plan(settings: &Settings, ctx: &Ctx) -> Result<Plan, Vec<KrmResult>> {
    let Some(selected) = ctx.cluster.as_ref() else {
        return Err(Vec::new());
    };
    let cluster = selected.item;
    let cluster_value = &cluster.value();
    let spec = &cluster_value["spec"];
    let tag = |r: KrmResult| r.for_resource(cluster_value).tag("stage", "private-gke");
    let mut results = Vec::new();

    let network_ref = spec.get("networkRef").filter(|r| r.is_object());
    let subnetwork_ref = spec.get("subnetworkRef").filter(|r| r.is_object());
    let mine = |pointer: &str| written_by_function(cluster_value, pointer);
    // A ref the function wrote stays the function's unless the user has since pointed it at a
    // network of their own (`external`, or one among the items the function does not own).
    let existing = network_ref.and_then(|r| {
        let elsewhere = users_ref(r, "ComputeNetwork", ctx)?;
        if elsewhere && mine("/spec/networkRef") {
            return None;
        }
        Some(Existing {
            network_ref: r.clone(),
            subnetwork_ref: subnetwork_ref.cloned(),
            elsewhere,
            setter_comment: setter_comment(cluster, "networkRef"),
        })
    });
    if let Some(r) = existing.as_ref().and(subnetwork_ref) {
        if users_ref(r, "ComputeSubnetwork", ctx).is_none() {
            return Err(vec![tag(KrmResult::error(format!(
                "the cluster's network is the user's (spec.networkRef {}), but spec.subnetworkRef \
                 {} names the subnetwork the function generated on its own network, which goes \
                 away. Fix: set spec.subnetworkRef to a subnetwork of the cluster's network",
                describe(&cluster_value["spec"]["networkRef"]),
                describe(r)
            ))
            .at_field("spec.subnetworkRef", Some(r.clone()), None))]);
        }
    }
    if existing.is_none() && network_ref.is_none() && !mine("/spec/subnetworkRef") {
        if let Some(r) = subnetwork_ref.filter(|r| users_ref(r, "ComputeSubnetwork", ctx).is_some())
        {
            return Err(vec![tag(KrmResult::error(format!(
                "the cluster names a subnetwork of its own (spec.subnetworkRef {}) but no network: \
                 the firewall rules, routes and DNS zones must be on that subnetwork's network. \
                 Fix: set spec.networkRef to it",
                describe(r)
            ))
            .at_field("spec.subnetworkRef", Some(r.clone()), None))]);
        }
    }

    let pcc = "/spec/privateClusterConfig";
    let current_master = cluster_value
        .pointer(&format!("{pcc}/masterIpv4CidrBlock"))
        .and_then(Value::as_str);
    let user_master = before(cluster_value, pcc)
        .get("masterIpv4CidrBlock")
        .and_then(Value::as_str)
        .and(current_master);
    if let Some(master) = user_master {
        let given = settings.given.get("master-ipv4-cidr");
        if given.is_some_and(|g| g.trim() != master) {
            return Err(vec![tag(KrmResult::error(format!(
                "master-ipv4-cidr {:?} contradicts the cluster's own master range {master:?} \
                 (spec.privateClusterConfig.masterIpv4CidrBlock): GKE cannot change a cluster's \
                 master range, it recreates the cluster. Fix: leave master-ipv4-cidr unset to \
                 keep the cluster's range, or change the cluster's field yourself",
                settings.master_ipv4_cidr
            ))
            .at_field(
                "spec.privateClusterConfig.masterIpv4CidrBlock",
                Some(master.into()),
                None,
            ))]);
        }
    }

    let policy = before(cluster_value, "/spec/ipAllocationPolicy");
    let kept_ranges: Vec<String> = RANGE_FIELDS
        .iter()
        .filter_map(|f| {
            policy
                .get(*f)
                .and_then(Value::as_str)
                .map(|v| format!("{f} `{v}`"))
        })
        .collect();
    let user_ranges = existing.is_some() && !kept_ranges.is_empty();
    let users_subnet_ranges = existing
        .as_ref()
        .and_then(|e| e.subnetwork_ref.as_ref())
        .and_then(|_| ctx.subnet())
        .map(|_| ctx.subnet_ranges.iter().map(|r| r.to_string()).collect());

    if let Some(e) = &existing {
        let given: Vec<&str> = SUBNET_SETTINGS
            .iter()
            .copied()
            .filter(|k| settings.given.contains_key(*k))
            .collect();
        if !given.is_empty() {
            results.push(tag(KrmResult::warning(format!(
                "{} not used: the cluster's subnetwork is the user's ({}) and has its own ranges",
                given.join(", "),
                e.subnetwork_ref
                    .as_ref()
                    .map(|r| format!("spec.subnetworkRef {}", describe(r)))
                    .unwrap_or_else(|| "no spec.subnetworkRef: GKE picks one".to_string())
            ))));
        }
        if !user_ranges {
            results.push(tag(KrmResult::warning(
                "the cluster named no secondary ranges: the function set \
                 clusterSecondaryRangeName `pods` and servicesSecondaryRangeName `services`, \
                 which the user's subnetwork must have. Fix: set them to the names of that \
                 subnetwork's secondary ranges"
                    .to_string(),
            )
            .at_field("spec.ipAllocationPolicy", None, None)));
        }
        let mut kept = vec![format!(
            "network (spec.networkRef {})",
            describe(&e.network_ref)
        )];
        if let Some(r) = &e.subnetwork_ref {
            kept.push(format!("subnetwork (spec.subnetworkRef {})", describe(r)));
        }
        if let Some(m) = user_master {
            kept.push(format!("master range {m}"));
        }
        if user_ranges {
            kept.push(format!("ranges ({})", kept_ranges.join(", ")));
        }
        let elsewhere = if e.elsewhere {
            let namespace = e.network_ref["namespace"]
                .as_str()
                .or_else(|| cluster_value["metadata"]["namespace"].as_str())
                .unwrap_or("default");
            format!(
                "; the ComputeNetwork is not among the items: it is managed elsewhere and must \
                 exist in namespace `{namespace}`"
            )
        } else {
            String::new()
        };
        results.push(tag(KrmResult::info(format!(
            "kept the cluster's own {}; the firewall rules, routes, router and NAT and DNS zones \
             are on that network, and no network or subnetwork is generated{elsewhere}",
            kept.join(", ")
        ))));
    } else if let Some(m) = user_master {
        results.push(tag(KrmResult::info(format!(
            "kept the cluster's own master range {m}; the master firewall rules use it"
        ))));
    }

    Ok(Plan {
        existing,
        master_cidr: user_master
            .map(str::to_string)
            .unwrap_or_else(|| settings.master_ipv4_cidr.clone()),
        user_master: user_master.is_some(),
        user_ranges,
        users_subnet_ranges,
        results,
    })
}

impl Plan {
    /// The info for a cluster the patch changed: what it is private with.
    pub fn made_private(&self, name: &str) -> String {
        let ranges = if self.user_ranges {
            "its own VPC-native ranges".to_string()
        } else {
            "VPC-native ranges `pods` and `services`".to_string()
        };
        let network = match &self.existing {
            Some(e) => format!("on its own network ({})", describe(&e.network_ref)),
            None => format!("network and subnetwork `{name}`"),
        };
        format!(
            "made private: private nodes with the master range {}, {ranges}, {network}",
            self.master_cidr
        )
    }
}
