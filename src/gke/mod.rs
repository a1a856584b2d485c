//! Private-GKE knowledge: the cluster patch, the generated network resources, firewall logging,
//! region/zone/location, and the Config Connector CRD fix.

pub mod access;
pub mod adopt;
pub mod cluster;
pub mod crd;
pub mod dialect;
pub mod firewall_rules;
mod index;
pub mod location;
pub mod network;
pub mod registries;
pub mod resources;
pub mod select;
mod upkeep;
pub mod version;
pub mod webhook_rule;
pub mod wiring;

pub use cluster::{is_full_cluster, is_full_cluster_item, is_partial_cluster};
pub use crd::fix_crds;

use crate::config::{IpAllocation, Mode, Settings};
use crate::krm::{Item, KrmResult};
use crate::smp;
use resources::{full_name, Desired, Params};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The one ownership annotation: `"true"` on resources this function generated or adopted; on a
/// patched ContainerCluster, a JSON record of each patched field's value before the first patch
/// (`null` = absent), which `gke.private: false` restores.
pub const OWNED: &str = "private-gke.dev/owned";

/// Folder of the files generated resources go to.
pub const DIR: &str = "private-gke";

/// `spec.ports[0].port` style path of a JSON pointer.
pub fn field_path(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

fn tagged(r: KrmResult) -> KrmResult {
    r.tag("stage", "private-gke")
}

/// The `OWNED` value of a webhook firewall rule (`webhook_rule`): ours, but not part of
/// the private network this stage generates, so only reversal removes it.
pub const OWNED_WEBHOOK_RULE: &str = "webhook-firewall";

/// The item's `OWNED` annotation value, if any.
fn owned_marker(value: &Value) -> Option<&str> {
    value
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(OWNED))
        .and_then(Value::as_str)
}

/// True when the item is part of the private network (generated or adopted), not a patched
/// cluster nor a webhook rule.
fn is_owned_resource(value: &Value) -> bool {
    owned_marker(value) == Some("true") || adopt::is_adopted(value)
}

/// True for every resource the function wrote: the private network, webhook rules and its own
/// kustomization (adopted resources are not: they are given back, not removed).
fn is_generated(value: &Value) -> bool {
    matches!(
        owned_marker(value),
        Some("true") | Some(OWNED_WEBHOOK_RULE) | Some(wiring::OWNED_KUSTOMIZATION)
    )
}

/// [`is_generated`] of an item, read off its text while its view is not built.
fn is_generated_item(item: &Item) -> bool {
    matches!(
        item.annotation(OWNED),
        Some("true") | Some(OWNED_WEBHOOK_RULE) | Some(wiring::OWNED_KUSTOMIZATION)
    )
}

/// The package-relative file an item came from (internal annotation first, then legacy).
fn item_path(item: &Item) -> Option<&str> {
    item.path()
}

/// kpt's annotation naming the absolute directory of the package an item belongs to.
const PACKAGE_PATH: &str = "internal.config.kubernetes.io/package-path";

/// Where generated files go: `private-gke/` in the package that holds the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Directory of the generated files, relative like the cluster's path, ending in `/`.
    pub dir: String,
    /// The cluster's `internal.config.kubernetes.io/package-path` (kpt render paths are relative
    /// to each item's own package), copied onto generated items.
    pub package_path: Option<String>,
}

/// The placement of generated files for `cluster`: in the deepest directory with a Kptfile among
/// the items (of the cluster's package, when kpt says which) that contains the cluster's file,
/// or at the root.
pub fn placement(items: &[Item], cluster: &Item) -> Placement {
    let cluster_path = item_path(cluster).unwrap_or("");
    let package_path = cluster.annotation(PACKAGE_PATH);
    let package = items
        .iter()
        .filter(|i| i.kind() == "Kptfile")
        .filter(|i| package_path.is_none() || i.annotation(PACKAGE_PATH) == package_path)
        .filter_map(item_path)
        .filter_map(|p| p.strip_suffix("Kptfile"))
        .filter(|dir| dir.is_empty() || dir.ends_with('/'))
        .filter(|dir| cluster_path.starts_with(dir))
        .max_by_key(|dir| dir.len())
        .unwrap_or("");
    Placement {
        dir: format!("{package}{DIR}/"),
        package_path: package_path.map(str::to_string),
    }
}

/// The API group of an apiVersion (`compute.cnrm.cloud.google.com/v1beta1` → `compute.cnrm…`).
fn group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// Same kind, group and name; namespaces equal or one of them unset.
fn same_resource(a: &Value, b: &Value) -> bool {
    index::identity(a) == index::identity(b) && same_namespace(a, b)
}

/// Namespaces equal, or one of them unset.
fn same_namespace(a: &Value, b: &Value) -> bool {
    match (index::namespace(a), index::namespace(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// Region, zone and location as they will be written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Locations {
    /// Region of the subnet, router and NAT.
    pub region: Option<String>,
    /// Zone for zonal resources (ComputeDisks) when the location is a region.
    pub zone: Option<String>,
    /// The cluster's location.
    pub location: Option<String>,
}

/// Resolves region/zone/location from the settings and the cluster's current location, and
/// checks them unless `private-gke.check-locations: false`. The cluster's location is written
/// only when `location` is given (GKE cannot move a cluster); a given region or zone that
/// contradicts it is an error.
pub fn resolve_locations(
    settings: &Settings,
    cluster_location: Option<&str>,
) -> Result<Locations, Vec<KrmResult>> {
    use location::{is_region, region_of_location, region_of_zone};
    let region = settings
        .region
        .clone()
        .or_else(|| {
            settings
                .location
                .as_deref()
                .and_then(region_of_location)
                .map(str::to_string)
        })
        .or_else(|| {
            settings
                .zone
                .as_deref()
                .and_then(region_of_zone)
                .map(str::to_string)
        })
        .or_else(|| {
            cluster_location
                .and_then(region_of_location)
                .map(str::to_string)
        });
    let out = Locations {
        region: region.clone(),
        zone: settings.zone.clone(),
        location: settings.location.clone(),
    };
    if !settings.check_locations {
        return Ok(out);
    }
    let hint = "(private-gke.check-locations: false skips this check for placeholder values)";
    let mut errors = Vec::new();
    if let Some(r) = &settings.region {
        if !is_region(r) {
            errors.push(format!(
                "region: {r:?} is not a GCP region name like us-central1 {hint}"
            ));
        }
    }
    if let Some(z) = &settings.zone {
        match (region_of_zone(z), &region) {
            (None, _) => errors.push(format!(
                "zone: {z:?} is not a GCP zone name like us-central1-a {hint}"
            )),
            (Some(zr), Some(r)) if zr != r => {
                errors.push(format!("zone: {z:?} is not in region {r:?} {hint}"))
            }
            _ => {}
        }
    }
    if let Some(l) = &settings.location {
        match (&settings.region, region_of_location(l)) {
            (_, None) => errors.push(format!(
                "location: {l:?} is neither a GCP region nor a zone {hint}"
            )),
            (Some(r), Some(lr)) if lr != r => errors.push(format!(
                "location: {l:?} is neither region {r:?} nor one of its zones {hint}"
            )),
            _ => {}
        }
    }
    let mut errors: Vec<KrmResult> = errors
        .into_iter()
        .map(|m| tagged(KrmResult::error(m)))
        .collect();
    if let (None, Some(cl)) = (&settings.location, cluster_location) {
        let given =
            location::contradiction(settings.region.as_deref(), settings.zone.as_deref(), cl);
        if let Some((_, message)) = given.filter(|_| errors.is_empty()) {
            errors.push(tagged(KrmResult::error(message).at_field(
                "spec.location",
                Some(json!(cl)),
                None,
            )));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Checks the base name: every resource name `<name>[-suffix]` must be an RFC 1035 label of at
/// most 63 characters. Upper-case letters are RFC 1035 but GCP and Kubernetes reject them: a
/// warning.
pub fn check_name(name: &str, results: &mut Vec<KrmResult>) -> bool {
    let longest = resources::suffixes()
        .map(|s| full_name(name, s))
        .max_by_key(String::len)
        .unwrap_or_else(|| name.to_string());
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let chars_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let last_ok = name
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if !(first_ok && chars_ok && last_ok) {
        results.push(tagged(
            KrmResult::error(format!(
                "{name:?} is not an RFC 1035 label: it must start with a letter, end with a \
                 letter or digit, and hold only letters, digits and '-'"
            ))
            .at_field("name", Some(json!(name)), None),
        ));
        return false;
    }
    if longest.len() > 63 {
        results.push(tagged(
            KrmResult::error(format!(
                "{name:?} makes the resource name {longest:?} {} characters long; GCP allows 63 \
                 (use a name of at most {} characters)",
                longest.len(),
                63 - (longest.len() - name.len())
            ))
            .at_field("name", Some(json!(name)), None),
        ));
        return false;
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        results.push(tagged(
            KrmResult::warning(format!(
                "{name:?} has upper-case letters; GCP and Kubernetes accept only lower-case names"
            ))
            .at_field("name", Some(json!(name)), None),
        ));
    }
    true
}

/// `desired` as a strategic merge patch of the resource it updates: maps merge key by key,
/// except references (`*Ref`), which are replaced whole (`name` and `external` exclude each
/// other); lists and scalars are replaced.
fn as_patch(desired: &Value) -> Value {
    let Value::Object(map) = desired else {
        return desired.clone();
    };
    let entries = map.iter().map(|(key, value)| {
        let value = match value {
            Value::Object(reference) if key.ends_with("Ref") => {
                let mut reference = reference.clone();
                reference.insert("$patch".into(), json!("replace"));
                Value::Object(reference)
            }
            other => as_patch(other),
        };
        (key.clone(), value)
    });
    Value::Object(entries.collect())
}

/// The value of a new generated resource: the template plus namespace and annotations.
fn new_resource(d: &Desired, namespace: Option<&str>, place: &Placement, index: usize) -> Value {
    let mut value = Map::new();
    for (k, v) in d.value.as_object().into_iter().flatten() {
        if k != "metadata" {
            value.insert(k.clone(), v.clone());
            continue;
        }
        let mut meta = Map::new();
        let template_meta = v.as_object().cloned().unwrap_or_default();
        meta.insert(
            "name".into(),
            template_meta.get("name").cloned().unwrap_or(Value::Null),
        );
        if let Some(ns) = namespace {
            meta.insert("namespace".into(), json!(ns));
        }
        let mut ann = template_meta
            .get("annotations")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let path = format!("{}{}", place.dir, d.file);
        if let Some(package_path) = &place.package_path {
            ann.insert(PACKAGE_PATH.into(), json!(package_path));
        }
        ann.insert(OWNED.into(), json!("true"));
        ann.insert("config.kubernetes.io/path".into(), json!(path));
        ann.insert(
            "config.kubernetes.io/index".into(),
            json!(index.to_string()),
        );
        ann.insert("internal.config.kubernetes.io/path".into(), json!(path));
        ann.insert(
            "internal.config.kubernetes.io/index".into(),
            json!(index.to_string()),
        );
        meta.insert("annotations".into(), Value::Object(ann));
        value.insert("metadata".into(), Value::Object(meta));
    }
    Value::Object(value)
}

/// A generated item: its value, and its text with the template's setter comments (the yaml
/// layer's renderer writes text that reads back as the value; the writer verifies it).
fn generated_item(d: &Desired, namespace: Option<&str>, place: &Placement, index: usize) -> Item {
    let value = new_resource(d, namespace, place, index);
    let text = crate::yaml::render_commented_document(&value, &d.comments, Default::default());
    Item::generated(value, Some(text))
}

/// Creates or updates the desired resources; removes owned resources no longer desired.
fn upsert(
    desired: &[Desired],
    namespace: Option<&str>,
    place: &Placement,
    items: &mut Vec<Item>,
    results: &mut Vec<KrmResult>,
) {
    items.retain_mut(|item| {
        // Only an item with the annotation is owned.
        if item.annotation(OWNED).is_none()
            || !is_owned_resource(item.value())
            || desired
                .iter()
                .any(|d| same_resource(&d.value, item.value()))
        {
            return true;
        }
        if adopt::restore(item.value_mut()) {
            results.push(tagged(
                KrmResult::info(
                    "given back as it was: no longer part of the private network (renamed, or \
                     replaced by a newer form such as FQDN egress rules); delete it if nothing \
                     else needs it",
                )
                .for_item(item),
            ));
            return true;
        }
        results.push(tagged(
            KrmResult::info(
                "removed: no longer part of the private network (renamed, or replaced by a \
                 newer form such as FQDN egress rules)",
            )
            .for_item(item),
        ));
        false
    });
    // Room for every desired resource at once: the list holds all the package's items, and
    // doubling its capacity for a few more would double its memory.
    items.reserve_exact(desired.len());
    let mut per_file: BTreeMap<&str, usize> = BTreeMap::new();
    let mut created = 0;
    let mut updated = 0;
    let mut by_identity =
        index::ResourceIndex::new(std::iter::empty(), desired.iter().map(|d| &d.value));
    for (at, item) in items.iter().enumerate() {
        // Most items are of no desired kind: their other fields are not read.
        if by_identity.wants_kind(item.kind()) {
            by_identity.add(at, (item.kind(), group(item.api_version()), item.name()));
        }
    }
    for d in desired {
        let index = per_file.entry(d.file).or_insert(0);
        let existing = by_identity
            .candidates(&d.value)
            .iter()
            .copied()
            .find(|&at| {
                same_namespace(&d.value, items[at].value())
                    && !is_partial_cluster(items[at].value())
            });
        match existing.map(|at| &mut items[at]) {
            Some(item) => {
                let before = item.value().clone();
                let mut template = d.value.clone();
                if let Some(meta) = template.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.remove("name");
                }
                let merged =
                    smp::merge_with(item.value(), &as_patch(&template), &smp::replace_lists)
                        .expect(
                            "a generated resource holds no `$` keys but the ones as_patch adds",
                        );
                if merged != *item.value() {
                    *item.value_mut() = merged;
                }
                adopt::mark(&before, item.value_mut());
                if *item.value() != before {
                    updated += 1;
                }
            }
            None => {
                let item = generated_item(d, namespace, place, *index);
                by_identity.add(items.len(), index::identity(item.value()));
                items.push(item);
                *index += 1;
                created += 1;
            }
        }
    }
    if created + updated > 0 {
        results.push(tagged(KrmResult::info(format!(
            "private network: {created} resources created, {updated} updated, {} unchanged",
            desired.len() - created - updated
        ))));
    }
}

/// Push a generated `item` onto `items` with room for it alone (see [`upsert`]).
fn push_item(items: &mut Vec<Item>, item: Item) {
    items.reserve_exact(1);
    items.push(item);
}

/// Writes the cluster's location and the ComputeDisks' locations.
fn apply_locations(
    locs: &Locations,
    cluster_idx: usize,
    items: &mut [Item],
    results: &mut Vec<KrmResult>,
) {
    let Some(loc) = &locs.location else {
        return;
    };
    cluster::set(items[cluster_idx].value_mut(), "/spec/location", json!(loc));
    let is_regional = location::is_region(loc) || locs.region.as_deref() == Some(loc.as_str());
    let disk_location = if is_regional {
        locs.zone.as_ref()
    } else {
        Some(loc)
    };
    for item in items.iter_mut().filter(|i| i.kind() == "ComputeDisk") {
        match disk_location {
            Some(l) => cluster::set(item.value_mut(), "/spec/location", json!(l)),
            None => results.push(tagged(
                KrmResult::warning(format!(
                    "location {loc:?} is a region and no zone is set: the disk's location is left as is; set zone"
                ))
                .for_item(item)
                .at_field("spec.location", item.value().pointer("/spec/location").cloned(), None),
            )),
        }
    }
}

/// Takes the private patch and its wiring back out of one cluster; returns whether it had any.
fn take_back_cluster(idx: usize, items: &mut [Item], results: &mut Vec<KrmResult>) -> bool {
    if items[idx].annotation(OWNED).is_none() || cluster::record(items[idx].value()).is_none() {
        return false;
    }
    let value = items[idx].value().clone();
    wiring::unwire(&value, items, results);
    cluster::revert(items[idx].value_mut());
    true
}

/// `gke.private: false`: remove generated resources, give adopted ones back, undo the patch and
/// the wiring on recorded clusters.
fn reverse(items: &mut Vec<Item>, results: &mut Vec<KrmResult>) {
    for idx in 0..items.len() {
        if items[idx].kind() == "ContainerCluster" && take_back_cluster(idx, items, results) {
            results.push(tagged(
                KrmResult::info("private patch removed: the cluster is public again")
                    .for_item(&items[idx]),
            ));
        }
    }
    let before = items.len();
    items.retain(|i| !is_generated_item(i));
    let removed = before - items.len();
    dialect::revert(items, results);
    let mut restored = 0;
    for item in items.iter_mut() {
        // Only an item with the annotation has a record to give back.
        if item.annotation(OWNED).is_some() && adopt::restore(item.value_mut()) {
            restored += 1;
        }
    }
    if removed + restored > 0 {
        results.push(tagged(KrmResult::info(format!(
            "gke.private is false: removed {removed} resources the function generated, gave back \
             {restored} adopted ones as they were"
        ))));
    }
}

/// A switch of cluster: every other cluster the function patched is taken back.
fn take_back_others(selected: usize, items: &mut [Item], results: &mut Vec<KrmResult>) {
    for idx in 0..items.len() {
        if idx != selected
            && items[idx].kind() == "ContainerCluster"
            && take_back_cluster(idx, items, results)
        {
            results.push(tagged(
                KrmResult::info(
                    "private patch removed: another cluster is the one made private now",
                )
                .for_item(&items[idx]),
            ));
        }
    }
}

/// After the checks: wire every owned resource (the webhook rules too) into the builds of the
/// selected cluster.
pub fn finish(settings: &Settings, items: &mut Vec<Item>, results: &mut Vec<KrmResult>) {
    if settings.mode == Mode::Check || !settings.private {
        return;
    }
    let mut quiet = Vec::new();
    let Some(idx) = select::select_cluster(settings.cluster.as_deref(), items, &mut quiet) else {
        return;
    };
    if cluster::record(items[idx].value()).is_none() {
        return;
    }
    let place = placement(items, &items[idx]);
    wiring::wire(idx, &place, items, results);
}

/// Stage 4: make the package a private GKE deployment (or take it back out).
pub fn run(settings: &Settings, items: &mut Vec<Item>, results: &mut Vec<KrmResult>) {
    if settings.mode == Mode::Check {
        return;
    }
    if !settings.private {
        reverse(items, results);
        return;
    }
    let Some(idx) = select::select_cluster(settings.cluster.as_deref(), items, results) else {
        return;
    };
    take_back_others(idx, items, results);
    let cluster_value = items[idx].value().clone();
    let on_cluster = |r: KrmResult| r.for_resource(&cluster_value);
    let name = settings
        .name
        .clone()
        .unwrap_or_else(|| items[idx].name().to_string());
    let mut errors = Vec::new();
    check_name(&name, &mut errors);
    // The package as the shared read-only model reads it, before this stage writes.
    let (cluster_location, net) = {
        let mut quiet = Vec::new();
        let ctx = crate::model::Ctx::new(settings, items, &mut quiet);
        let location = ctx
            .cluster
            .as_ref()
            .and_then(|c| c.location)
            .map(str::to_string);
        (location, network::plan(settings, &ctx))
    };
    let cluster_location = cluster_location.as_deref();
    let locs = match resolve_locations(settings, cluster_location) {
        Ok(l) => l,
        Err(e) => {
            errors.extend(e);
            Locations::default()
        }
    };
    let net = net.map_err(|e| errors.extend(e));
    if crate::krm::has_errors(&errors) {
        results.extend(errors.into_iter().map(on_cluster));
        return;
    }
    results.extend(errors);
    let Ok(mut net) = net else {
        return;
    };
    let Some(region) = locs.region.clone() else {
        results.push(on_cluster(tagged(KrmResult::error(format!(
            "cannot tell the region of the subnet, router and NAT: set region (the cluster's location {} names none)",
            cluster_location.map(|l| format!("{l:?}")).unwrap_or_else(|| "is unset".into())
        )))));
        return;
    };
    let target = version::target(settings, items, results);
    let compat = settings.ip_allocation == IpAllocation::Compat;
    results.extend(version::report(&target, &cluster_value, compat));
    let networking_mode = compat && target.networking_mode;
    let patch = cluster::Patch {
        name: name.clone(),
        master_cidr: net.master_cidr.clone(),
        ip_allocation: settings.ip_allocation,
        networking_mode,
        keep_network: net.existing.is_some(),
        keep_master: net.user_master,
        keep_ranges: net.user_ranges,
    };
    let before = items[idx].value().clone();
    cluster::apply(items[idx].value_mut(), &patch, results);
    access::apply(settings, &target, items[idx].value_mut(), results);
    if *items[idx].value() != before {
        results.push(tagged(KrmResult::info(net.made_private(&patch.name))).for_item(&items[idx]));
    }
    results.append(&mut net.results);
    apply_locations(&locs, idx, items, results);
    let (ranges, ranges_from) = upkeep::internal_ranges(settings, &net);
    if ranges_from == upkeep::RangesFrom::Rfc1918 {
        results.push(on_cluster(tagged(KrmResult::warning(
            "the ranges of the cluster's subnetwork are unknown (it is managed elsewhere): \
             int-egress allows every RFC 1918 range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16). \
             Give subnet-cidr, pods-cidr and services-cidr the subnetwork's ranges to allow \
             exactly those",
        ))));
    }
    let params = Params {
        name,
        region,
        master_cidr: net.master_cidr.clone(),
        subnet_cidr: settings.subnet_cidr.clone(),
        pods_cidr: settings.pods_cidr.clone(),
        services_cidr: settings.services_cidr.clone(),
        log_firewalls: settings.log_firewalls,
        network_ref: net.existing.as_ref().map(|e| e.network_ref.clone()),
        network_comment: net.existing.as_ref().and_then(|e| e.setter_comment.clone()),
        user_master: net.user_master,
        internal_ranges: ranges.clone(),
        internal_from_settings: ranges_from == upkeep::RangesFrom::Settings,
        current_fields: target.current_fields(),
        allowlist: firewall_rules::Allowlist::choose(
            settings.egress_allowlist,
            target.firewall_policies(),
        ),
        nat_logging: settings.nat_logging,
        nat_min_ports: settings.nat_min_ports,
        nat_max_ports: settings.nat_max_ports,
        nat_dynamic_ports: settings.nat_dynamic_ports,
    };
    results.extend(
        upkeep::allowlist_notes(&params, &target, net.existing.is_some())
            .into_iter()
            .map(on_cluster),
    );
    let mut desired = resources::desired(&params);
    let namespace = cluster_value
        .pointer("/metadata/namespace")
        .and_then(Value::as_str);
    let place = placement(items, &items[idx]);
    let dialect = dialect::detect(items, &items[idx], &place);
    dialect::translate(&dialect, &mut desired, items, results);
    upsert(&desired, namespace, &place, items, results);
    upkeep::replaced_lists(&params, &desired, items, results);
    upkeep::prune(&params, items);
    upkeep::log_firewalls(settings, target.current_fields(), items);
    if settings.webhook_firewall == crate::config::WebhookFirewall::Generate {
        webhook_rule::generate(settings, items, results);
    }
}
