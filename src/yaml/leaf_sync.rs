//! Syncing a changed value scalar by scalar when that is all that changed: the edits
//! [`Document::sync_from`] makes for such a change, without walking every mapping again.

use super::{Document, Edits, NodeId, NodeKind, ScalarStyle, YamlError};
use serde_json::Value;

impl Document {
    /// Sync a read item's change back to its text: when every difference between `old` (its JSON
    /// view as read) and `new` is a scalar replacing a scalar, reached through block mappings that
    /// keep their keys (sequences are diffed item by item, so they are left to the general path),
    /// each changed scalar is synced on its own (what syncing
    /// the whole item does for such changes, without walking the item's mappings again);
    /// otherwise, or when a scalar cannot be synced, the whole item is, so that every other case
    /// and every error is exactly that of [`Document::sync_from`].
    pub fn sync_item(
        &self,
        node: NodeId,
        old: &Value,
        new: &Value,
        edits: &mut Edits,
    ) -> Result<(), YamlError> {
        let doc = self;
        let mut leaves = Vec::new();
        if scalar_changes(doc, node, old, new, &mut leaves) {
            let mut trial = Edits::default();
            if leaves
                .iter()
                .all(|&(id, o, n)| doc.sync_from(id, o, n, &mut trial).is_ok())
            {
                for (id, o, n) in leaves {
                    doc.sync_from(id, o, n, edits)?;
                }
                return Ok(());
            }
        }
        doc.sync_from(node, old, new, edits)
    }

    /// True when a change of scalar `leaf` alone, under item node `root`, is one
    /// [`Document::sync_item`] syncs on its own: the leaf and every mapping above it up to
    /// `root` pass what `sync_item` asks of a changed scalar's way (block mappings without `?`,
    /// anchors or tags, plain keys that are not `<<`, no repeated keys in the text).
    pub fn syncs_alone(&self, root: NodeId, leaf: NodeId) -> bool {
        self.item_syncs_alone(root) && self.leaf_syncs_alone(root, leaf, &mut Vec::new())
    }

    /// The part of [`Document::syncs_alone`] that is the same for every leaf of item `root`:
    /// no repeated keys in the text, no `?` in `root`'s text (which holds that of every mapping
    /// on a leaf's way). Said once per item.
    pub fn item_syncs_alone(&self, root: NodeId) -> bool {
        self.duplicate_keys().is_empty() && !self.source()[self.node(root).span()].contains('?')
    }

    /// The rest of [`Document::syncs_alone`] for `leaf`, under a `root` that
    /// [`Document::item_syncs_alone`] accepts. `passed` holds the mappings whose keys were found
    /// plain for an earlier leaf of the same root (those are not looked at again) and gets the
    /// new ones.
    pub fn leaf_syncs_alone(&self, root: NodeId, leaf: NodeId, passed: &mut Vec<NodeId>) -> bool {
        let n = self.node(leaf);
        if !matches!(n.kind, NodeKind::Scalar { .. })
            || n.span().is_empty()
            || self.anchor(leaf).is_some()
            || self.tag(leaf).is_some()
        {
            return false;
        }
        let mut child = leaf;
        while child != root {
            let Some(parent) = self.parent(child) else {
                return false;
            };
            let p = self.node(parent);
            let NodeKind::Mapping {
                flow: false,
                entries,
            } = &p.kind
            else {
                return false;
            };
            if self.anchor(parent).is_some() || self.tag(parent).is_some() {
                return false;
            }
            // Below a mapping whose keys are all plain scalars, a collection is a value; the
            // leaf, a scalar, may be a key.
            if child == leaf && !self.entries_at(*entries).iter().any(|e| e.1 == child) {
                return false;
            }
            if !passed.contains(&parent) {
                for (key, _) in self.entries_at(*entries).iter() {
                    let plain = matches!(self.scalar(key), Some(text) if text != "<<");
                    if !plain || self.anchor(key).is_some() || self.tag(key).is_some() {
                        return false;
                    }
                }
                passed.push(parent);
            }
            child = parent;
        }
        true
    }

    /// Sync scalar `leaves` (nodes [`Document::syncs_alone`] accepts) to their new values, each
    /// on its own as [`Document::sync_item`] does; those that read as their new value already
    /// are left. False, with `edits` untouched, when one cannot be synced so.
    pub fn sync_leaves(&self, leaves: &[(NodeId, &Value)], edits: &mut Edits) -> bool {
        let mut changed = Vec::with_capacity(leaves.len());
        for &(id, new) in leaves {
            let Ok(old) = self.to_json(id) else {
                return false;
            };
            if old != *new {
                changed.push((id, old, new));
            }
        }
        // Each leaf synced once; a leaf that cannot be takes back what the others added.
        let mark = edits.len();
        let synced = changed
            .iter()
            .all(|(id, o, n)| self.sync_from(*id, o, n, edits).is_ok());
        if !synced {
            edits.truncate(mark);
        }
        synced
    }

    /// True when the text with `edits` reads, at each of `leaves` ([`Document::sync_leaves`]
    /// made `edits[made]` for them), as its new value, and reads as before everywhere else:
    /// each edit replaces one leaf's own one-line token by one line of text, and that line, read
    /// alone from its key on, is one block mapping entry of the same key with a scalar (not a
    /// block scalar, no anchor or tag) reading as the new value; a leaf without an edit reads
    /// as its new value already. A value on one line of a block mapping cannot reach another
    /// line without saying so on its own (an open quote or bracket, a block indicator); a
    /// plain scalar would go on to a more indented next line, which the text as read cannot
    /// have after a one-line value of a block mapping (it would have been part of it, or an
    /// error). False when this cannot be said: read the text again then.
    pub fn leaves_read_as<'a>(
        &'a self,
        edits: &Edits,
        made: std::ops::Range<usize>,
        leaves: &[(NodeId, &'a Value)],
        lines: &mut LineReads<'a>,
    ) -> bool {
        let src = self.source();
        if made.end > edits.len() {
            return false;
        }
        let mut edited = vec![false; leaves.len()];
        for (range, text) in edits.iter_range(made) {
            let Some(i) = leaves
                .iter()
                .position(|&(leaf, _)| self.node(leaf).span() == range)
            else {
                return false;
            };
            if std::mem::replace(&mut edited[i], true) {
                return false;
            }
            let (leaf, new) = leaves[i];
            let key = match self.parent(leaf).map(|p| &self.node(p).kind) {
                Some(NodeKind::Mapping { entries, .. }) => {
                    match self.entries_at(*entries).iter().find(|e| e.1 == leaf) {
                        Some((key, _)) => key,
                        None => return false,
                    }
                }
                _ => return false,
            };
            let key_start = self.node(key).span().start;
            let breaks = |t: &str| t.contains(['\n', '\r']);
            if key_start > range.start || breaks(&src[key_start..range.end]) || breaks(text) {
                return false;
            }
            let eol = src[range.end..]
                .find(['\n', '\r'])
                .map_or(src.len(), |i| range.end + i);
            let Some(key) = self.scalar(key) else {
                return false;
            };
            lines.push(
                [&src[key_start..range.start], text, &src[range.end..eol]],
                key,
                new,
            );
        }
        leaves
            .iter()
            .zip(edited)
            .all(|(&(leaf, new), edited)| edited || self.equals_json(leaf, new))
    }
}

/// The edited lines [`Document::leaves_read_as`] passed, read again in batches: each line from
/// its key on as one item of a block sequence (`- key: value rest`), so that one parse reads
/// many lines. Reading a line there is reading it alone: its tokens are the same, and a line
/// that would reach the next one (an open quote or bracket) makes the batch read as fewer
/// items or other values, so the batch fails and the text is read again whole.
#[derive(Default)]
pub struct LineReads<'a> {
    /// The pending lines, each as `- ` + line + `\n`.
    text: String,
    /// Per pending line, its key and the value it must read as.
    meant: Vec<(&'a str, &'a Value)>,
    /// Whether a batch read already did not read as meant.
    failed: bool,
}

/// The size of text at which pending lines are read (a bound on the memory a batch takes).
const LINE_BATCH_BYTES: usize = 16 * 1024;

impl<'a> LineReads<'a> {
    /// Add the line made of `parts`, which must read as an entry `key` with value `value`.
    fn push(&mut self, parts: [&str; 3], key: &'a str, value: &'a Value) {
        self.text.push_str("- ");
        parts.iter().for_each(|part| self.text.push_str(part));
        self.text.push('\n');
        self.meant.push((key, value));
        if self.text.len() >= LINE_BATCH_BYTES {
            self.read_pending();
        }
    }

    fn read_pending(&mut self) {
        if !self.failed && !self.meant.is_empty() {
            self.failed = !lines_read_as(&self.text, &self.meant);
        }
        self.text.clear();
        self.meant.clear();
    }

    /// True when every line added reads as meant.
    pub fn all_read_as_meant(mut self) -> bool {
        self.read_pending();
        !self.failed
    }
}

/// True when `text` is a block sequence of one item per `meant`, each a block mapping of one
/// entry with its key and a one-line scalar (no block scalar, anchor or tag) reading as its
/// value.
fn lines_read_as(text: &str, meant: &[(&str, &Value)]) -> bool {
    let Ok(doc) = Document::parse(text) else {
        return false;
    };
    let &[root] = doc.roots() else {
        return false;
    };
    let NodeKind::Sequence { flow: false, .. } = doc.node(root).kind else {
        return false;
    };
    let items = doc.items(root);
    let plain = |n: NodeId| doc.anchor(n).is_none() && doc.tag(n).is_none();
    let one_line = |n: NodeId| {
        matches!(
            doc.node(n).kind,
            NodeKind::Scalar {
                style: ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted,
                ..
            }
        ) && !text[doc.node(n).span()].contains(['\n', '\r'])
    };
    items.len() == meant.len()
        && items.iter().zip(meant).all(|(&item, &(key, value))| {
            let NodeKind::Mapping {
                flow: false,
                entries,
            } = doc.node(item).kind
            else {
                return false;
            };
            let (1, Some((k, v))) = (entries.len(), doc.entries_at(entries).first()) else {
                return false;
            };
            doc.scalar(k) == Some(key)
                && plain(item)
                && plain(k)
                && plain(v)
                && one_line(v)
                && doc.equals_json(v, value)
        })
}

/// Collect the changed scalars under `node` into `out`; false when some difference is not a
/// plain scalar replacing a scalar inside block mappings that keep their keys.
fn scalar_changes<'v>(
    doc: &Document,
    node: NodeId,
    old: &'v Value,
    new: &'v Value,
    out: &mut Vec<(NodeId, &'v Value, &'v Value)>,
) -> bool {
    let n = doc.node(node);
    if doc.anchor(node).is_some() || doc.tag(node).is_some() {
        return false;
    }
    match (&n.kind, old, new) {
        (
            NodeKind::Mapping {
                flow: false,
                entries,
            },
            Value::Object(o),
            Value::Object(nw),
        ) => {
            if o.len() != entries.len()
                || nw.len() != entries.len()
                || doc.source()[n.span()].contains('?')
            {
                return false;
            }
            for (((ok, ov), (nk, nv)), (key, value)) in
                o.iter().zip(nw.iter()).zip(doc.entries_at(*entries))
            {
                let plain_key = matches!(doc.scalar(key), Some(text)
                    if text == ok && text != "<<");
                if ok != nk || !plain_key || doc.anchor(key).is_some() || doc.tag(key).is_some() {
                    return false;
                }
                if !same_ordered(ov, nv) && !scalar_changes(doc, value, ov, nv, out) {
                    return false;
                }
            }
            true
        }
        (NodeKind::Scalar { .. }, old, new)
            if !n.span().is_empty()
                && !matches!(old, Value::Object(_) | Value::Array(_))
                && !matches!(new, Value::Object(_) | Value::Array(_)) =>
        {
            out.push((node, old, new));
            true
        }
        _ => false,
    }
}

/// Equality that also requires mappings to list their keys in the same order (cheaper than
/// `==`, which looks every key up; a reordered mapping counts as changed).
fn same_ordered(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((xk, xv), (yk, yv))| xk == yk && same_ordered(xv, yv))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_ordered(x, y))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leaf that cannot be synced (an anchored scalar an alias reads) leaves the edits as
    /// they were, though the leaf before it was synced.
    #[test]
    fn a_leaf_that_cannot_be_synced_takes_back_the_others() {
        let doc = Document::parse("a: 1\nx: &x 1\nb: *x\n").unwrap();
        let root = doc.roots()[0];
        let [a, x] = ["a", "x"].map(|k| doc.get(root, k).unwrap());
        let (two, five) = (serde_json::json!(2), serde_json::json!(5));
        let mut edits = Edits::default();
        edits.insert(0, "# kept\n");
        assert!(!doc.sync_leaves(&[(a, &two), (x, &five)], &mut edits));
        assert_eq!(edits.len(), 1);
        assert!(doc.sync_leaves(&[(a, &two)], &mut edits));
        assert_eq!(
            edits.apply(doc.source()).unwrap(),
            "# kept\na: 2\nx: &x 1\nb: *x\n"
        );
    }

    /// Apply `change` to the JSON view of the first document of `src`, then sync it back both
    /// ways: scalar by scalar where possible, and whole (the general path).
    fn both_ways(src: &str, change: impl Fn(&mut Value)) -> (String, String, usize) {
        let doc = Document::parse(src).unwrap();
        let root = doc.roots()[0];
        let old = doc.to_json(root).unwrap();
        let mut new = old.clone();
        change(&mut new);
        let outcome = |edits: Result<Edits, YamlError>| match edits {
            Ok(edits) => edits.apply(doc.source()).unwrap(),
            Err(e) => format!("error at {}:{}: {}", e.line, e.column, e.message),
        };
        let mut fast = Edits::default();
        let fast = doc.sync_item(root, &old, &new, &mut fast).map(|()| fast);
        let mut whole = Edits::default();
        let whole = doc.sync_from(root, &old, &new, &mut whole).map(|()| whole);
        let mut leaves = Vec::new();
        let scalar_only = scalar_changes(&doc, root, &old, &new, &mut leaves);
        (
            outcome(fast),
            outcome(whole),
            if scalar_only { leaves.len() } else { 0 },
        )
    }

    #[test]
    fn syncing_scalar_by_scalar_writes_what_syncing_the_item_writes() {
        let src = "kind: K\nmetadata:\n  name: a # kpt-set: ${name}\n  annotations:\n    \
                   x: 'quoted' # c\n    n: \"1\"\nspec:\n  # head\n  list:\n  - a # c\n  \
                   - b\n  flow: {a: 1, b: [x, y]}\n  text: |\n    two\n    lines\n  \
                   anchored: &a v\n  alias: *a\n  tagged: !!str 5\n  empty:\n";
        type Change = fn(&mut Value);
        let cases: Vec<(&str, Change, usize)> = vec![
            (
                "plain scalar, comment kept",
                |v| v["metadata"]["name"] = "b-1".into(),
                1,
            ),
            (
                "quoted scalars",
                |v| {
                    v["metadata"]["annotations"]["x"] = "it's".into();
                    v["metadata"]["annotations"]["n"] = "2".into();
                },
                2,
            ),
            ("type change", |v| v["metadata"]["name"] = true.into(), 1),
            ("to a multi-line string", |v| v["kind"] = "x\ny".into(), 1),
            ("block scalar", |v| v["spec"]["text"] = "one\n".into(), 1),
            (
                "sequence item: general path",
                |v| v["spec"]["list"][0] = "z".into(),
                0,
            ),
            (
                "swapped items: general path",
                |v| {
                    v["spec"]["list"] = serde_json::json!(["b", "a"]);
                },
                0,
            ),
            (
                "flow mapping: general path",
                |v| v["spec"]["flow"]["a"] = 2.into(),
                0,
            ),
            (
                "anchored: general path",
                |v| v["spec"]["anchored"] = "w".into(),
                0,
            ),
            (
                "alias: general path",
                |v| v["spec"]["alias"] = "w".into(),
                0,
            ),
            (
                "tagged: general path",
                |v| v["spec"]["tagged"] = "6".into(),
                0,
            ),
            (
                "empty value: general path",
                |v| v["spec"]["empty"] = "e".into(),
                0,
            ),
            (
                "key added: general path",
                |v| v["metadata"]["labels"] = "l".into(),
                0,
            ),
            (
                "key removed: general path",
                |v| {
                    v["metadata"]
                        .as_object_mut()
                        .unwrap()
                        .shift_remove("annotations");
                },
                0,
            ),
            (
                "scalar to mapping: general path",
                |v| {
                    v["metadata"]["name"] = serde_json::json!({"a": 1});
                },
                0,
            ),
        ];
        for (name, change, leaves) in cases {
            let (fast, whole, n) = both_ways(src, change);
            assert_eq!(fast, whole, "{name}");
            assert_eq!(n, leaves, "{name}");
        }
        let merged = "base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n";
        let (fast, whole, n) = both_ways(merged, |v| v["m"]["y"] = 3.into());
        assert_eq!((fast, n), (whole, 0));
        let explicit = "m:\n  ? k\n  : v\n  y: 2\n";
        let (fast, whole, n) = both_ways(explicit, |v| v["m"]["y"] = 3.into());
        assert_eq!((fast, n), (whole.clone(), 0));
        assert!(whole.starts_with("error"), "{whole}");
    }

    /// Leaves of one root said syncing alone with what earlier leaves found (`passed`) are
    /// what `syncs_alone` says of each on its own, in any order.
    #[test]
    fn leaves_said_together_are_said_as_alone() {
        let sources = [
            "a:\n  b: x\n  c: y\nd:\n  e: 1\n",
            "a:\n  b: x\n  <<: {c: 1}\nd: z\n",
            "a: &m\n  b: x\nd: [1]\ne: {f: g}\n",
            "a:\n  !t b: x\n  c: y\n",
        ];
        for src in sources {
            let doc = Document::parse(src).unwrap();
            let root = doc.roots()[0];
            let leaves: Vec<NodeId> = (0..doc.len()).collect();
            for order in [leaves.clone(), leaves.iter().rev().copied().collect()] {
                let mut passed = Vec::new();
                for &leaf in &order {
                    let together =
                        doc.item_syncs_alone(root) && doc.leaf_syncs_alone(root, leaf, &mut passed);
                    assert_eq!(together, doc.syncs_alone(root, leaf), "{src:?} {leaf}");
                }
            }
        }
    }

    /// Edited lines are read in batches: a line that would run into the next one (an open
    /// quote) fails its batch, though the two lines together read as one value; a bad line
    /// past the first batch still fails; many good lines across batches pass.
    #[test]
    fn edited_lines_are_read_in_batches_that_fail_as_one() {
        let s = |t: &str| Value::String(t.to_string());
        let (open, close) = (s("x"), s("y"));
        let mut lines = LineReads::default();
        lines.push(["a: ", "'x", ""], "a", &open);
        lines.push(["b: ", "y'", ""], "b", &close);
        assert!(!lines.all_read_as_meant());
        let values: Vec<Value> = (0..2 * LINE_BATCH_BYTES / 8)
            .map(|i| s(&i.to_string()))
            .collect();
        let text: Vec<String> = (0..values.len()).map(|i| format!("'{i}'")).collect();
        let mut lines = LineReads::default();
        for (value, text) in values.iter().zip(&text) {
            lines.push(["k: ", text, " # note"], "k", value);
        }
        assert!(
            lines.text.len() < LINE_BATCH_BYTES,
            "some batches were read"
        );
        assert!(lines.all_read_as_meant());
        let mut lines = LineReads::default();
        for (value, text) in values.iter().zip(&text) {
            lines.push(["k: ", text, ""], "k", value);
        }
        lines.push(["k: ", "'1'", ""], "k", &open);
        assert!(!lines.all_read_as_meant());
        let mut lines = LineReads::default();
        lines.push(["k: ", "'1'", ""], "k", &open);
        for (value, text) in values.iter().zip(&text) {
            lines.push(["k: ", text, ""], "k", value);
        }
        assert!(
            !lines.all_read_as_meant(),
            "a failed first batch is not forgotten"
        );
    }

    /// A leaf's line read alone says whether the edited text reads as its new value: an edit
    /// that opens a quote, a block scalar or a flow collection, reaches another line, starts a
    /// comment or gives an anchor is not taken; a leaf without an edit must read so already.
    #[test]
    fn edited_leaves_are_read_again_from_their_lines() {
        let src = "a:\n  b: x # c\n  c: y\nd: z\n";
        let doc = Document::parse(src).unwrap();
        let root = doc.roots()[0];
        let a = doc.get(root, "a").unwrap();
        let b = doc.get(a, "b").unwrap();
        let c = doc.get(a, "c").unwrap();
        let check = |text: &str, new: &Value, also: Option<&Value>| {
            let mut edits = Edits::default();
            edits.replace(doc.node(b).span(), text);
            let mut leaves = vec![(b, new)];
            leaves.extend(also.map(|v| (c, v)));
            let mut lines = LineReads::default();
            doc.leaves_read_as(&edits, 0..1, &leaves, &mut lines) && lines.all_read_as_meant()
        };
        let s = |t: &str| Value::String(t.to_string());
        assert!(check("w", &s("w"), None));
        assert!(check("'a # b'", &s("a # b"), None));
        assert!(check("\"1\"", &s("1"), None));
        assert!(check("1", &serde_json::json!(1), Some(&s("y"))));
        assert!(!check("1", &s("1"), None));
        assert!(!check("w", &s("w"), Some(&s("other"))));
        for bad in [
            "'open",
            "|",
            ">-",
            "[w",
            "{w",
            "w\n  more",
            "&x w",
            "!t w",
            "w: v",
        ] {
            assert!(!check(bad, &s("w"), None), "{bad:?}");
        }
        assert!(!check("w # x", &s("w # x"), None));
        // An edit of another range than a leaf's token.
        let mut edits = Edits::default();
        edits.replace(0..1, "e");
        let mut lines = LineReads::default();
        assert!(!doc.leaves_read_as(&edits, 0..1, &[(b, &s("x"))], &mut lines));
    }
}
