//! The items by resource identity (kind, API group, name), built once per stage run: the
//! lookups of `upsert` go through it instead of comparing every item with every desired resource.

use serde_json::Value;

/// `kind`, the API group of `apiVersion` and `metadata.name`, borrowed from a value.
pub(crate) fn identity(value: &Value) -> (&str, &str, &str) {
    fn s(v: Option<&Value>) -> &str {
        v.and_then(Value::as_str).unwrap_or("")
    }
    let kind = s(value.get("kind"));
    let group = super::group(s(value.get("apiVersion")));
    let name = s(value.get("metadata").and_then(|m| m.get("name")));
    (kind, group, name)
}

/// `metadata.namespace`, borrowed.
pub(crate) fn namespace(value: &Value) -> Option<&str> {
    value
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
}

/// Item positions by identity, in item order; namespaces are compared by the caller (equal, or
/// one of them unset, counts as the same resource). A sorted list searched with borrowed
/// strings: no allocation and no hashing per item.
#[derive(Debug, Default)]
pub(crate) struct ResourceIndex {
    by_identity: Vec<((String, String, String), Vec<usize>)>,
}

impl ResourceIndex {
    /// The index of the items with these identities (positions are their indices), keeping only
    /// the identities in `wanted`: the stage looks up a few dozen resources among all the
    /// package's items, and reads only their identities (`Item`'s accessors need no JSON view).
    pub fn new<'a>(
        identities: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
        wanted: impl Iterator<Item = &'a Value>,
    ) -> Self {
        let mut by_identity: Vec<((String, String, String), Vec<usize>)> = wanted
            .map(|w| {
                let (k, g, n) = identity(w);
                ((k.into(), g.into(), n.into()), Vec::new())
            })
            .collect();
        by_identity.sort_by(|a, b| a.0.cmp(&b.0));
        by_identity.dedup_by(|a, b| a.0 == b.0);
        let mut index = ResourceIndex { by_identity };
        for (i, id) in identities.enumerate() {
            index.add(i, id);
        }
        index
    }

    fn find(&self, key: (&str, &str, &str)) -> Option<usize> {
        self.by_identity
            .binary_search_by(|((k, g, n), _)| (k.as_str(), g.as_str(), n.as_str()).cmp(&key))
            .ok()
    }

    /// True when some wanted identity has `kind` (a cheap test before reading the rest).
    pub fn wants_kind(&self, kind: &str) -> bool {
        self.by_identity
            .binary_search_by(|((k, _, _), _)| k.as_str().cmp(kind))
            .is_ok()
    }

    /// Records the item with identity `id` at position `at` when the identity is wanted.
    pub fn add(&mut self, at: usize, id: (&str, &str, &str)) {
        if let Some(i) = self.find(id) {
            self.by_identity[i].1.push(at);
        }
    }

    /// Positions of the items with `value`'s identity, in item order.
    pub fn candidates(&self, value: &Value) -> &[usize] {
        self.find(identity(value))
            .map_or(&[], |i| self.by_identity[i].1.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res(kind: &str, api: &str, name: &str) -> Value {
        json!({"apiVersion": api, "kind": kind, "metadata": {"name": name}})
    }

    #[test]
    fn finds_wanted_identities_in_item_order_by_group_not_version() {
        let items = [
            res(
                "ComputeNetwork",
                "compute.cnrm.cloud.google.com/v1beta1",
                "a",
            ),
            res(
                "ComputeNetwork",
                "compute.cnrm.cloud.google.com/v1beta1",
                "b",
            ),
            res(
                "ComputeNetwork",
                "compute.cnrm.cloud.google.com/v1alpha1",
                "a",
            ),
            res(
                "ComputeSubnetwork",
                "compute.cnrm.cloud.google.com/v1beta1",
                "a",
            ),
        ];
        let wanted = [res(
            "ComputeNetwork",
            "compute.cnrm.cloud.google.com/v1beta1",
            "a",
        )];
        let mut index = ResourceIndex::new(items.iter().map(identity), wanted.iter());
        assert_eq!(index.candidates(&wanted[0]), &[0, 2]);
        assert_eq!(index.candidates(&items[1]), &[] as &[usize], "not wanted");
        assert!(index.wants_kind(identity(&wanted[0]).0));
        assert!(!index.wants_kind("NoSuchKind"));
        index.add(7, identity(&items[0]));
        index.add(8, identity(&items[3]));
        assert_eq!(index.candidates(&wanted[0]), &[0, 2, 7]);
    }
}
