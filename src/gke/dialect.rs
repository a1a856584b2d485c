//! The setter dialect of the package that holds the cluster: kpt v1 `# kpt-set: ${x}` comments,
//! or kpt v0 `# {"$kpt-set":"x"}` references to the Kptfile's `openAPI.definitions`, which the
//! generated resources are written in.

use super::resources::Desired;
use super::{item_path, Placement, DIR, PACKAGE_PATH};
use crate::krm::{Item, KrmResult};
use crate::setters::comment::{self, SetterComment, SETTER_PREFIX, SUBSTITUTION_PREFIX};
use crate::setters::defs::Definitions;
use crate::setters::pattern::{Pattern, Segment};
use serde_json::{json, Map, Value};

/// The Kptfile apiVersion of kpt v0 packages.
pub const V0_KPTFILE: &str = "kpt.dev/v1alpha1";

/// Marks a Kptfile definition this function authored, so that take-back removes it.
pub const OWNED_DEFINITION: &str = "x-private-gke.dev/owned";

/// How generated resources spell their setter comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialect {
    /// kpt v1: `# kpt-set: <pattern>`.
    V1,
    /// kpt v0: `# {"$kpt-set":"<setter or substitution>"}`, defined in the package's Kptfile
    /// (its item index, when it is among the items).
    V0 {
        /// Index of the package's Kptfile.
        kptfile: Option<usize>,
    },
}

/// The Kptfile of the package the generated files go to (see [`super::placement`]).
fn package_kptfile(items: &[Item], place: &Placement) -> Option<usize> {
    let dir = place.dir.strip_suffix(&format!("{DIR}/"))?;
    let wanted = format!("{dir}Kptfile");
    items.iter().position(|i| {
        i.kind() == "Kptfile"
            && item_path(i) == Some(wanted.as_str())
            && (place.package_path.is_none()
                || i.annotation(PACKAGE_PATH) == place.package_path.as_deref())
    })
}

/// True when the item's own text carries a kpt v0 setter comment.
fn has_v0_comment(item: &Item) -> bool {
    let Some(origin) = &item.origin else {
        return false;
    };
    origin
        .doc
        .comments_within(origin.node)
        .iter()
        .any(|c| matches!(comment::parse_line(c), Ok(Some(SetterComment::V0(..)))))
}

/// The dialect of the package holding `cluster`: kpt v0 when its Kptfile is `kpt.dev/v1alpha1`
/// or the cluster's own comments are kpt v0 references; kpt v1 otherwise.
pub fn detect(items: &[Item], cluster: &Item, place: &Placement) -> Dialect {
    let kptfile = package_kptfile(items, place);
    let v0_kptfile = kptfile.is_some_and(|i| items[i].api_version() == V0_KPTFILE);
    if v0_kptfile || has_v0_comment(cluster) {
        Dialect::V0 { kptfile }
    } else {
        Dialect::V1
    }
}

/// The kpt v0 setter a kpt v1 setter name stands for in this package, if it defines one.
fn v0_setter<'a>(name: &'a str, defs: &Definitions) -> Option<&'a str> {
    let candidates: &[&'a str] = match name {
        "region" => &["gcloud.compute.region", "region"],
        "zone" => &["gcloud.compute.zone", "zone"],
        other => return defs.setters.contains_key(other).then_some(other),
    };
    candidates
        .iter()
        .copied()
        .find(|c| defs.setters.contains_key(*c))
}

/// A substitution's pattern with each marker written as `${setter}`, when every value refers
/// to a setter.
fn as_v1_pattern(pattern: &str, values: &[(String, comment::V0Ref)]) -> Option<String> {
    let mut out = pattern.to_string();
    for (marker, target) in values {
        let comment::V0Ref::Setter(name) = target else {
            return None;
        };
        out = out.replace(marker.as_str(), &format!("${{{name}}}"));
    }
    Some(out)
}

/// The v0 comment for a v1 pattern, authoring a substitution in `new` (when there is a Kptfile
/// to write it to) when the package has none; `None` when no definition can carry it.
fn v0_comment(
    pattern: &Pattern,
    defs: &Definitions,
    new: Option<&mut Map<String, Value>>,
) -> Option<String> {
    if let Some(single) = pattern.single_setter() {
        let setter = v0_setter(single, defs)?;
        return Some(json!({ "$kpt-set": setter }).to_string());
    }
    let mut wanted = String::new();
    let mut name = String::new();
    let mut setters = Vec::new();
    for segment in &pattern.segments {
        match segment {
            Segment::Literal(text) => {
                wanted.push_str(text);
                name.push_str(text);
            }
            Segment::Setter(setter) => {
                let setter = v0_setter(setter, defs)?;
                wanted.push_str(&format!("${{{setter}}}"));
                name.push_str(setter);
                if !setters.contains(&setter) {
                    setters.push(setter);
                }
            }
        }
    }
    let existing = defs
        .substitutions
        .values()
        .filter(|s| as_v1_pattern(&s.pattern, &s.values).as_deref() == Some(wanted.as_str()))
        .map(|s| s.name.clone())
        .min();
    if let Some(found) = existing {
        return Some(json!({ "$kpt-set": found }).to_string());
    }
    let new = new
        .filter(|_| !defs.setters.contains_key(&name) && !defs.substitutions.contains_key(&name))?;
    let values: Vec<Value> = setters
        .iter()
        .map(|s| json!({"marker": format!("${{{s}}}"), "ref": format!("#/definitions/{SETTER_PREFIX}{s}")}))
        .collect();
    new.insert(
        format!("{SUBSTITUTION_PREFIX}{name}"),
        json!({
            "x-k8s-cli": {"substitution": {"name": name, "pattern": wanted, "values": values}},
            OWNED_DEFINITION: "true"
        }),
    );
    Some(json!({ "$kpt-set": name }).to_string())
}

/// Rewrites the desired resources' setter comments into the package's dialect. In a kpt v0
/// package a comment refers to the Kptfile's setter or substitution (those of every Kptfile
/// among the items when the package's own is not a v0 one); a substitution the package's
/// Kptfile lacks is added to it (new entries only, marked as ours); a value no definition can
/// carry keeps no comment.
pub fn translate(
    dialect: &Dialect,
    desired: &mut [Desired],
    items: &mut [Item],
    results: &mut Vec<KrmResult>,
) {
    let Dialect::V0 { kptfile } = dialect else {
        return;
    };
    let kptfile = kptfile.filter(|&i| items[i].api_version() == V0_KPTFILE);
    let defs = match kptfile {
        Some(i) => Definitions::read([(i, items[i].value())]),
        None => Definitions::read(
            items
                .iter()
                .enumerate()
                .filter(|(_, i)| i.kind() == "Kptfile")
                .map(|(n, i)| (n, i.value())),
        ),
    };
    let mut new = Map::new();
    for d in desired.iter_mut() {
        let comments = std::mem::take(&mut d.comments);
        for (pointer, text) in comments {
            let Some(pattern) = text.strip_prefix("kpt-set:") else {
                d.comments.insert(pointer, text);
                continue;
            };
            let author = kptfile.is_some().then_some(&mut new);
            if let Some(v0) = v0_comment(&Pattern::parse(pattern.trim()), &defs, author) {
                d.comments.insert(pointer, v0);
            }
        }
    }
    let Some(index) = kptfile.filter(|_| !new.is_empty()) else {
        return;
    };
    let names: Vec<String> = new
        .keys()
        .map(|k| k.trim_start_matches(SUBSTITUTION_PREFIX).to_string())
        .collect();
    let kptfile = items[index].value_mut();
    for (key, def) in new {
        super::cluster::set(
            kptfile,
            &format!(
                "/openAPI/definitions/{}",
                key.replace('~', "~0").replace('/', "~1")
            ),
            def,
        );
    }
    results.push(
        KrmResult::info(format!(
            "kpt v0 package: added substitutions {} to the Kptfile, for the setter comments of \
             the generated resources",
            names.join(", ")
        ))
        .for_resource(kptfile)
        .at_field("openAPI.definitions", None, None)
        .tag("stage", "private-gke"),
    );
}

/// Take-back: removes the Kptfile definitions this function authored.
pub fn revert(items: &mut [Item], results: &mut Vec<KrmResult>) {
    for item in items.iter_mut().filter(|i| i.kind() == "Kptfile") {
        let Some(defs) = item
            .value_mut()
            .pointer_mut("/openAPI/definitions")
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let before = defs.len();
        defs.retain(|_, d| d.get(OWNED_DEFINITION).is_none());
        let removed = before - defs.len();
        if removed > 0 {
            results.push(
                KrmResult::info(format!(
                    "removed the {removed} substitutions private-gke added to the Kptfile"
                ))
                .for_item(item)
                .tag("stage", "private-gke"),
            );
        }
    }
}
