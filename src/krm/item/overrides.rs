//! New values for scalar nodes of an item whose view is not built: recorded per node, read
//! through by the accessors, applied to the view when it is built, synced node by node.

use super::Item;
use crate::yaml::{Document, NodeId, NodeKind};
use serde_json::Value;

impl Item {
    /// Give scalar node `node` of the item's own origin text the value `new` without building
    /// the view (the view, when built, is the text with it). Only for an item whose view is
    /// not built, a scalar `new`, and a node whose change alone the writer syncs on its own
    /// ([`Document::syncs_alone`]); otherwise `new` is given back, nothing recorded: change the
    /// view then.
    pub fn set_scalar(&mut self, node: NodeId, new: Value) -> Result<(), Value> {
        let mut one = vec![(node, new)];
        match self.set_scalars(&mut one) {
            0 => Err(one.pop().map_or(Value::Null, |(_, v)| v)),
            _ => Ok(()),
        }
    }

    /// [`Item::set_scalar`] for each of `changes` in order, what is the same for every node
    /// said once; stops at the first one it cannot take. Gives how many it took: those are
    /// drained from the front of `changes`, the rest are left there (change the view for them).
    pub fn set_scalars(&mut self, changes: &mut Vec<(NodeId, Value)>) -> usize {
        if self.dirty || self.is_materialized() {
            return 0;
        }
        let Some(origin) = &self.origin else {
            return 0;
        };
        let (doc, root) = (&origin.doc, origin.node);
        if changes.is_empty() || !doc.item_syncs_alone(root) {
            return 0;
        }
        let mut passed = Vec::new();
        let taken = changes
            .iter()
            .take_while(|(node, new)| {
                !matches!(new, Value::Array(_) | Value::Object(_))
                    && doc.leaf_syncs_alone(root, *node, &mut passed)
            })
            .count();
        self.overrides.reserve_exact(taken);
        for (node, new) in changes.drain(..taken) {
            match self.overrides.iter_mut().find(|(n, _)| *n == node) {
                Some((_, value)) => *value = new,
                None => self.overrides.push((node, new)),
            }
        }
        taken
    }

    /// How many nodes [`Item::set_scalar`] gave new values.
    pub fn scalar_count(&self) -> usize {
        self.overrides.len()
    }

    /// Forget the new values given after the first `count` ([`Item::scalar_count`] then), as
    /// if they had not been given.
    pub fn drop_scalars(&mut self, count: usize) {
        self.overrides.truncate(count);
    }

    /// True when [`Item::set_scalar`] gave some node a new value.
    pub fn has_overrides(&self) -> bool {
        !self.overrides.is_empty()
    }

    /// The new value [`Item::set_scalar`] gave `node` while the view is not built.
    pub(super) fn override_of(&self, node: NodeId) -> Option<&Value> {
        if self.overrides.is_empty() || self.is_materialized() {
            return None;
        }
        self.overrides
            .iter()
            .find(|(n, _)| *n == node)
            .map(|(_, value)| value)
    }

    /// Write the new values of the nodes under `node` into `value`, the view of `node` built
    /// from the origin's text.
    pub(super) fn apply_overrides_under(&self, node: NodeId, value: &mut Value) {
        let Some(origin) = &self.origin else {
            return;
        };
        let span = origin.doc.node(node).span();
        for (n, new) in &self.overrides {
            let inner = origin.doc.node(*n).span();
            if span.start <= inner.start && inner.end <= span.end {
                if let Some(slot) = slot(&origin.doc, node, *n, value) {
                    *slot = new.clone();
                }
            }
        }
    }

    /// Write the new values into `value`, the view built from the origin's text.
    pub(super) fn apply_overrides(&self, value: &mut Value) {
        let Some(origin) = &self.origin else {
            return;
        };
        for (node, new) in &self.overrides {
            if let Some(slot) = slot(&origin.doc, origin.node, *node, value) {
                *slot = new.clone();
            }
        }
    }

    /// The scalar nodes given new values and those values, in text order, while the view was
    /// not changed through [`Item::value_mut`] (the writer syncs these instead of the view).
    pub fn scalar_overrides(&self) -> Option<Vec<(NodeId, &Value)>> {
        if self.dirty || self.overrides.is_empty() {
            return None;
        }
        let doc = &self.origin.as_ref()?.doc;
        let mut out: Vec<(NodeId, &Value)> = self.overrides.iter().map(|(n, v)| (*n, v)).collect();
        out.sort_by_key(|(n, _)| doc.node(*n).span().start);
        Some(out)
    }

    /// True when node `node` of `doc` reads as this item's origin text with its new scalar
    /// values (for an item whose view is not built): compared node with node, without building
    /// a view where both are plain; builds with debug assertions check it against the view.
    pub fn text_reads_as(&self, doc: &Document, node: NodeId) -> bool {
        let Some(origin) = &self.origin else {
            return false;
        };
        let over = |n: NodeId| self.overrides.iter().find(|(o, _)| *o == n).map(|(_, v)| v);
        let by_json = || {
            origin.doc.to_json(origin.node).is_ok_and(|mut meant| {
                self.apply_overrides(&mut meant);
                doc.equals_json(node, &meant)
            })
        };
        match doc.equals_node(node, &origin.doc, origin.node, &over) {
            Ok(same) => {
                debug_assert_eq!(same, by_json(), "node-by-node and view comparison differ");
                same
            }
            Err(_) => by_json(),
        }
    }
}

/// The place of node `target` (under `root` of `doc`, reached through mappings and sequences)
/// in `value`, the view of `root`.
fn slot<'v>(
    doc: &Document,
    root: NodeId,
    target: NodeId,
    value: &'v mut Value,
) -> Option<&'v mut Value> {
    let mut chain = vec![target];
    let mut node = target;
    while node != root {
        node = doc.parent(node)?;
        chain.push(node);
    }
    chain.reverse();
    let mut value = value;
    for pair in chain.windows(2) {
        let (parent, child) = (pair[0], pair[1]);
        value = match &doc.node(parent).kind {
            NodeKind::Mapping { .. } => {
                let (key, _) = doc.entries(parent).iter().find(|e| e.1 == child)?;
                value.get_mut(doc.scalar(key)?)?
            }
            NodeKind::Sequence { .. } => {
                let i = doc.items(parent).iter().position(|&n| n == child)?;
                value.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::krm::Item;
    use serde_json::json;
    use std::sync::Arc;

    /// The items of `src`, read.
    fn read(src: &str) -> Item {
        let doc = Document::parse(src).unwrap();
        let root = doc.roots()[0];
        Item::read(Arc::new(doc), root).unwrap()
    }

    /// Node of `item`'s origin at `path` (keys, or indexes as numbers).
    fn node(item: &Item, path: &[&str]) -> NodeId {
        let o = item.origin.as_ref().unwrap();
        path.iter().fold(o.node, |n, k| match &o.doc.node(n).kind {
            NodeKind::Sequence { .. } => o.doc.items(n)[k.parse::<usize>().unwrap()],
            _ => o.doc.get(n, k).unwrap(),
        })
    }

    const SRC: &str =
        "apiVersion: v1\nkind: A\nmetadata:\n  name: n # c\n  annotations:\n    a: x\n    \
                       config.kubernetes.io/path: f.yaml\n\
                       spec:\n  location: here\n  n: 1\n  list:\n  - k: v\n  deep: {f: 1}\n";

    /// Fields given new values through `set_scalar` (no view built) answer as the same item
    /// changed through `value_mut`: the view, the accessors, `is_changed`. (An annotation
    /// other than the path changes before the fields the item's identity holds: the
    /// accessors keep using the identity, and read the annotation's new value.)
    #[test]
    fn an_overridden_item_answers_as_the_same_change_through_the_view() {
        let changes: [(&[&str], Value); 7] = [
            (&["spec", "location"], json!("there")),
            (&["spec", "n"], json!(2)),
            (&["metadata", "annotations", "a"], json!("y")),
            (
                &["metadata", "annotations", "config.kubernetes.io/path"],
                json!("g.yaml"),
            ),
            (&["metadata", "name"], json!("m")),
            (&["kind"], json!("B")),
            (&["apiVersion"], json!(true)),
        ];
        for count in 0..=changes.len() {
            let mut lazy = read(SRC);
            let mut built = read(SRC);
            for (path, new) in &changes[..count] {
                let at = node(&lazy, path);
                assert!(lazy.set_scalar(at, new.clone()).is_ok(), "{path:?}");
                let mut slot = built.value_mut();
                for k in *path {
                    slot = match k.parse::<usize>() {
                        Ok(i) => &mut slot[i],
                        Err(_) => &mut slot[*k],
                    };
                }
                *slot = new.clone();
            }
            let answers = |i: &Item| {
                (
                    [i.kind(), i.name(), i.api_version()].map(str::to_string),
                    i.annotation("a").map(str::to_string),
                    i.path().map(str::to_string),
                    format!("{:?}", i.identity_fields()),
                    [
                        &["spec", "location"][..],
                        &["metadata", "name"],
                        &["apiVersion"],
                    ]
                    .map(|p| i.str_at(p).map(str::to_string)),
                    i.kind_at(&["spec", "n"]),
                    i.view_at(&["spec"]).into_owned(),
                    i.view_at(&["spec", "list"]).into_owned(),
                    i.has_at(&["spec", "deep"]),
                    i.is_changed(),
                )
            };
            assert_eq!(answers(&lazy), answers(&built), "{count} changes");
            assert!(!lazy.is_materialized(), "{count} changes");
            assert_eq!(lazy.is_changed(), count > 0);
            assert_eq!(lazy.value(), built.value(), "{count} changes");
            assert_eq!(lazy.is_changed(), built.is_changed());
        }
    }

    /// A path annotation that is no string is passed over for the legacy one; given a string
    /// value, it is the path.
    #[test]
    fn a_path_annotation_given_a_string_is_the_path() {
        let src =
            "kind: A\nmetadata:\n  annotations:\n    internal.config.kubernetes.io/path: 1\n    \
                   config.kubernetes.io/path: old.yaml\n";
        let mut item = read(src);
        assert_eq!(item.path(), Some("old.yaml"));
        let at = node(
            &item,
            &[
                "metadata",
                "annotations",
                "internal.config.kubernetes.io/path",
            ],
        );
        assert!(item.set_scalar(at, json!("new.yaml")).is_ok());
        assert_eq!(item.path(), Some("new.yaml"));
        assert!(!item.is_materialized());
    }

    /// A value that is the text's own is no change; collections, scalars in flow mappings or
    /// sequences (synced with the whole item) and built items are given back.
    #[test]
    fn set_scalar_takes_plain_scalar_changes_only() {
        let mut item = read(SRC);
        let at = node(&item, &["spec", "location"]);
        assert!(item.set_scalar(at, json!("here")).is_ok());
        assert!(!item.is_changed());
        assert_eq!(item.set_scalar(at, json!([1])), Err(json!([1])));
        let flow = node(&item, &["spec", "deep", "f"]);
        assert_eq!(item.set_scalar(flow, json!(2)), Err(json!(2)));
        let listed = node(&item, &["spec", "list", "0", "k"]);
        assert_eq!(item.set_scalar(listed, json!(2)), Err(json!(2)));
        let mut built = read(SRC);
        built.value();
        assert_eq!(built.set_scalar(at, json!("x")), Err(json!("x")));
    }

    /// `set_scalars` takes what `set_scalar` one by one takes, in order, up to the first node it
    /// refuses (left in the list with the rest), and the item then answers the same; dropped
    /// values are forgotten.
    #[test]
    fn set_scalars_takes_a_prefix_as_set_scalar_does() {
        let paths: [&[&str]; 5] = [
            &["spec", "location"],
            &["metadata", "name"],
            &["spec", "deep", "f"],
            &["spec", "n"],
            &["kind"],
        ];
        for skip in 0..paths.len() {
            let mut batch = read(SRC);
            let mut single = read(SRC);
            let mut changes: Vec<(NodeId, Value)> = paths[skip..]
                .iter()
                .map(|p| (node(&batch, p), json!("new")))
                .collect();
            let all = changes.clone();
            let taken = batch.set_scalars(&mut changes);
            let one_by_one = all
                .iter()
                .take_while(|(n, v)| single.set_scalar(*n, v.clone()).is_ok())
                .count();
            assert_eq!(taken, one_by_one, "{skip}");
            assert_eq!(changes, all[taken..].to_vec(), "{skip}");
            assert_eq!(batch.value(), single.value(), "{skip}");
            let mut dropped = read(SRC);
            let mut again = all.clone();
            dropped.set_scalars(&mut again);
            dropped.drop_scalars(0);
            assert!(
                !dropped.is_changed() && dropped.scalar_count() == 0,
                "{skip}"
            );
        }
    }

    /// Every scalar `set_scalar` takes is written node by node as syncing the built view writes
    /// it (quoting, comments, types, blocks), and the output reads as the item, node with node.
    #[test]
    fn scalars_sync_alone_as_the_whole_item_syncs_them() {
        use crate::yaml::Edits;
        let sources = [
            "a: x # c\nb:\n  c: 'q' # kpt-set: ${c}\n  d: 1\n  e: \"s\"\n",
            "k: v\nm:\n  n: |\n    text\n  o: true\n",
            "a: 1\nf: {g: h}\ns:\n- t\n",
            "? a\n: b\nc: d\n",
            "a: !t x\nb: y\n",
        ];
        let news = [
            json!("plain"),
            json!("yes"),
            json!("1"),
            json!(2),
            json!(null),
            json!("a: b # c"),
            json!("two\nlines"),
            json!(""),
            json!(false),
        ];
        let mut taken = 0;
        for src in sources {
            let doc = Arc::new(Document::parse(src).unwrap());
            let root = doc.roots()[0];
            for leaf in 0..doc.len() {
                if !matches!(doc.node(leaf).kind, NodeKind::Scalar { .. }) {
                    continue;
                }
                for new in &news {
                    let mut lazy = Item::read(doc.clone(), root).unwrap();
                    if lazy.set_scalar(leaf, new.clone()).is_err() {
                        continue;
                    }
                    taken += 1;
                    let mut alone = Edits::default();
                    let leaves = lazy.scalar_overrides().unwrap();
                    let synced = doc.sync_leaves(&leaves, &mut alone);
                    let mut whole = Edits::default();
                    let old = doc.to_json(root).unwrap();
                    let built = doc.sync_item(root, &old, lazy.value(), &mut whole);
                    assert_eq!(synced, built.is_ok(), "{src:?} {leaf} {new}");
                    if !synced {
                        continue;
                    }
                    let out = alone.apply(src).unwrap();
                    assert_eq!(out, whole.apply(src).unwrap(), "{src:?} {leaf} {new}");
                    let lazy = {
                        let mut l = Item::read(doc.clone(), root).unwrap();
                        l.set_scalar(leaf, new.clone()).unwrap();
                        l
                    };
                    let reread = Document::parse(&out).unwrap();
                    assert!(lazy.text_reads_as(&reread, reread.roots()[0]), "{out:?}");
                    let other = Document::parse(src).unwrap();
                    let same = doc.to_json(leaf).unwrap() == *new;
                    assert_eq!(
                        lazy.text_reads_as(&other, other.roots()[0]),
                        same,
                        "{src:?}"
                    );
                }
            }
        }
        assert!(taken > 20, "{taken}");
    }
}
