//! Reading a node's JSON view without building it: member lookup, scalar strings, kinds and
//! equality with a value, with exactly [`Document::to_json`]'s semantics.
//!
//! The answers hold for "plain" nodes: no alias, tag or anchor, no merge key (`<<`), scalar
//! keys only. Anywhere else the lookups say [`NotPlain`] and the caller builds the view.

use super::json::resolve_plain_non_string;
use super::parse::MAX_DEPTH;
use super::{Document, Node, NodeId, NodeKind, ScalarStyle, ScalarText};
use serde_json::Value;

/// The JSON view cannot be read off the nodes alone (an alias, a tag or anchor, a merge key, a
/// collection key is in the way): build it with [`Document::to_json`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotPlain;

/// What a node's JSON view is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// `a == b`, with the length and first byte compared before the call to compare the rest.
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().first() == b.as_bytes().first() && a == b
}

impl Document {
    /// Node `id` when it has no alias, tag or anchor.
    #[inline]
    fn plain_node(&self, id: NodeId) -> Result<&Node, NotPlain> {
        let node = self.nodes.get(id).ok_or(NotPlain)?;
        if node.has_props() || matches!(node.kind, NodeKind::Alias { .. }) {
            return Err(NotPlain);
        }
        Ok(node)
    }

    /// The text of a plain scalar key (not `<<`).
    #[inline]
    fn plain_key(&self, key: NodeId) -> Result<&str, NotPlain> {
        let node = self.plain_node(key)?;
        let NodeKind::Scalar { value, style } = &node.kind else {
            return Err(NotPlain);
        };
        let text = value.get(&self.src, &self.texts, node.span(), *style);
        if *style == ScalarStyle::Plain && text == "<<" {
            return Err(NotPlain);
        }
        Ok(text)
    }

    /// The node whose view is member `key` of `map`'s view (`to_json(map).get(key)`): the last
    /// entry with that key; `Ok(None)` when absent or `map` is no mapping.
    pub fn json_member(&self, map: NodeId, key: &str) -> Result<Option<NodeId>, NotPlain> {
        let NodeKind::Mapping { entries, .. } = &self.plain_node(map)?.kind else {
            return Ok(None);
        };
        // The last entry with the key wins; every key is still read, since one that is not
        // plain makes the whole view unreadable here.
        let mut found = None;
        for (k, v) in self.entries_at(*entries).iter() {
            if same_text(self.plain_key(k)?, key) {
                found = Some(v);
            }
        }
        Ok(found)
    }

    /// [`Document::json_member`] of a mapping in a tree [`Document::is_plain_tree`] accepts (no
    /// key there can be unplain): the last entry with `key`, searched from the end. Elsewhere the
    /// answer may differ from the view's.
    pub fn plain_tree_member(&self, map: NodeId, key: &str) -> Option<NodeId> {
        let NodeKind::Mapping { entries, .. } = &self.nodes.get(map)?.kind else {
            return None;
        };
        let is_key = |k: NodeId| {
            self.nodes.get(k).is_some_and(|node| match &node.kind {
                // The common key, compared as bytes.
                NodeKind::Scalar {
                    value: ScalarText::SOURCE,
                    style: ScalarStyle::Plain,
                } => self.src.as_bytes().get(node.span()) == Some(key.as_bytes()),
                NodeKind::Scalar { value, style } => {
                    same_text(value.get(&self.src, &self.texts, node.span(), *style), key)
                }
                _ => false,
            })
        };
        self.entries_at(*entries)
            .iter()
            .rev()
            .find(|&(k, _)| is_key(k))
            .map(|(_, v)| v)
    }

    /// [`Document::plain_tree_member`] for several keys in one pass over the entries.
    pub fn plain_tree_members<const N: usize>(
        &self,
        map: NodeId,
        keys: [&str; N],
    ) -> [Option<NodeId>; N] {
        let mut found = [None; N];
        let Some(NodeKind::Mapping { entries, .. }) = self.nodes.get(map).map(|n| &n.kind) else {
            return found;
        };
        for (k, v) in self.entries_at(*entries).iter() {
            let Some(node) = self.nodes.get(k) else {
                continue;
            };
            let NodeKind::Scalar { value, style } = &node.kind else {
                continue;
            };
            let text = value.get(&self.src, &self.texts, node.span(), *style);
            for (slot, key) in found.iter_mut().zip(keys) {
                if same_text(text, key) {
                    *slot = Some(v);
                }
            }
        }
        found
    }

    /// Whether a mapping key anywhere in the subtree of `id` reads as a string `wanted` accepts,
    /// in a tree [`Document::is_plain_tree`] accepts (elsewhere keys may read otherwise).
    pub fn plain_tree_any_key(&self, id: NodeId, wanted: impl Fn(&str) -> bool) -> bool {
        let mut stack = Vec::with_capacity(32);
        stack.push(id);
        while let Some(n) = stack.pop() {
            match self.nodes.get(n).map(|n| &n.kind) {
                Some(NodeKind::Mapping { entries, .. }) => {
                    for (k, v) in self.entries_at(*entries).iter() {
                        let Some(key) = self.nodes.get(k) else {
                            continue;
                        };
                        if let NodeKind::Scalar { value, style } = &key.kind {
                            if wanted(value.get(&self.src, &self.texts, key.span(), *style)) {
                                return true;
                            }
                        }
                        // Scalars hold no keys: only collections are walked.
                        if self
                            .nodes
                            .get(v)
                            .is_some_and(|n| !matches!(n.kind, NodeKind::Scalar { .. }))
                        {
                            stack.push(v);
                        }
                    }
                }
                Some(NodeKind::Sequence { items, .. }) => {
                    stack.extend(self.items_at(*items).iter().copied().filter(|&i| {
                        self.nodes
                            .get(i)
                            .is_some_and(|n| !matches!(n.kind, NodeKind::Scalar { .. }))
                    }))
                }
                _ => {}
            }
        }
        false
    }

    /// [`Document::plain_tree_any_key`] for keys that hold `literal` (ASCII letters and digits):
    /// false at once when the subtree's text holds neither `literal` nor an escape (`escapes`,
    /// asked only then, is its [`Document::text_has_escape`]), since such a key's text is its
    /// source but for double-quoted escapes (folding gives spaces, quote escapes quotes).
    pub fn plain_tree_any_key_with(
        &self,
        id: NodeId,
        literal: &str,
        escapes: impl FnOnce() -> bool,
        wanted: impl Fn(&str) -> bool,
    ) -> bool {
        let wanted = |k: &str| k.contains(literal) && wanted(k);
        let checkable = !literal.is_empty() && literal.bytes().all(|b| b.is_ascii_alphanumeric());
        let text = self.nodes.get(id).and_then(|n| self.src.get(n.span()));
        if let Some(text) = text.filter(|_| checkable) {
            if !text.contains(literal) && !escapes() {
                debug_assert!(!self.plain_tree_any_key(id, wanted));
                return false;
            }
        }
        self.plain_tree_any_key(id, wanted)
    }

    /// Whether the text of node `id` holds a `\` (a double-quoted escape, which may spell any
    /// key).
    pub fn text_has_escape(&self, id: NodeId) -> bool {
        let text = self.nodes.get(id).and_then(|n| self.src.get(n.span()));
        text.is_none_or(|t| t.contains('\\'))
    }

    /// Node `id`'s view as a string (`to_json(id).as_str()`): `Ok(None)` when it is no string.
    pub fn json_str(&self, id: NodeId) -> Result<Option<&str>, NotPlain> {
        let node = self.plain_node(id)?;
        Ok(match (&node.kind, self.scalar_of(node)) {
            (NodeKind::Scalar { style, .. }, Some(text))
                if *style != ScalarStyle::Plain || resolve_plain_non_string(text).is_none() =>
            {
                Some(text)
            }
            _ => None,
        })
    }

    /// What node `id`'s view is.
    pub fn json_kind(&self, id: NodeId) -> Result<JsonKind, NotPlain> {
        let node = self.plain_node(id)?;
        Ok(match (&node.kind, self.scalar_of(node)) {
            (NodeKind::Mapping { .. }, _) => JsonKind::Object,
            (NodeKind::Sequence { .. }, _) => JsonKind::Array,
            (NodeKind::Scalar { style, .. }, Some(text)) if *style == ScalarStyle::Plain => {
                match resolve_plain_non_string(text) {
                    None => JsonKind::String,
                    Some(Value::Null) => JsonKind::Null,
                    Some(Value::Bool(_)) => JsonKind::Bool,
                    Some(_) => JsonKind::Number,
                }
            }
            _ => JsonKind::String,
        })
    }

    /// Whether the whole subtree of `id` is plain: its view is a direct transcription of the
    /// nodes, so [`Document::to_json`] cannot fail on it and every lookup here answers.
    ///
    /// The subtree is the nodes from `id` to its last descendant (the arena is in source
    /// pre-order), read in one pass; one of [`MAX_DEPTH`] nodes or more, which could nest too
    /// deep, is walked with its depths.
    pub fn is_plain_tree(&self, id: NodeId) -> bool {
        let Some(end) = self.subtree_end(id) else {
            return false;
        };
        if end - id >= MAX_DEPTH - 1 {
            return self.is_plain_tree_walked(id);
        }
        self.nodes[id..end].iter().all(|node| {
            if node.has_props() {
                return false;
            }
            match &node.kind {
                NodeKind::Alias { .. } => false,
                NodeKind::Mapping { entries, .. } => self
                    .entries_at(*entries)
                    .iter()
                    .all(|(k, _)| self.is_plain_key_kind(k)),
                _ => true,
            }
        })
    }

    /// One past the last node of the subtree of `id` (its last child's, recursively); `None`
    /// for no node.
    fn subtree_end(&self, id: NodeId) -> Option<NodeId> {
        let mut last = id;
        loop {
            match &self.nodes.get(last)?.kind {
                NodeKind::Mapping { entries, .. } if !entries.is_empty() => {
                    last = self.entries_at(*entries).last().map_or(last, |e| e.1)
                }
                NodeKind::Sequence { items, .. } if !items.is_empty() => {
                    last = self.items_at(*items)[items.len() - 1]
                }
                _ => return Some(last + 1),
            }
        }
    }

    /// Whether key node `key` is a scalar and not the merge key `<<` (its properties are
    /// looked at with every node of the subtree).
    fn is_plain_key_kind(&self, key: NodeId) -> bool {
        let node = &self.nodes[key];
        let NodeKind::Scalar { value, style } = &node.kind else {
            return false;
        };
        *style != ScalarStyle::Plain
            || node.span().len() != 2
            || value.get(&self.src, &self.texts, node.span(), *style) != "<<"
    }

    /// [`Document::is_plain_tree`] by a walk that counts depths.
    fn is_plain_tree_walked(&self, id: NodeId) -> bool {
        let mut stack = vec![(id, 1usize)];
        while let Some((n, depth)) = stack.pop() {
            let Ok(node) = self.plain_node(n) else {
                return false;
            };
            match &node.kind {
                NodeKind::Mapping { entries, .. } => {
                    if depth + 1 >= MAX_DEPTH {
                        return false;
                    }
                    for (k, v) in self.entries_at(*entries).iter() {
                        if self.plain_key(k).is_err() {
                            return false;
                        }
                        stack.push((v, depth + 1));
                    }
                }
                NodeKind::Sequence { items, .. } => {
                    if depth + 1 >= MAX_DEPTH {
                        return false;
                    }
                    stack.extend(self.items_at(*items).iter().map(|&i| (i, depth + 1)));
                }
                _ => {}
            }
        }
        true
    }

    /// Whether node `id` reads as `value` (`to_json(id) == Ok(value)`, so mappings compare as
    /// sets of keys), without building the view where the nodes are plain.
    pub fn equals_json(&self, id: NodeId, value: &Value) -> bool {
        if self.duplicate_keys.is_empty() {
            if let Ok(same) = self.plain_equals(id, value) {
                return same;
            }
        }
        self.to_json(id).is_ok_and(|v| v == *value)
    }

    /// Whether node `id` reads as node `other_id` of `other` reads with the values `over` gives
    /// some of `other`'s nodes instead (`to_json` of both compared), node with node without
    /// building either view; [`NotPlain`] where that cannot be said so (the caller compares
    /// views then): a node that is not plain, repeated keys, keys in another order.
    pub fn equals_node<'v>(
        &self,
        id: NodeId,
        other: &Document,
        other_id: NodeId,
        over: &dyn Fn(NodeId) -> Option<&'v Value>,
    ) -> Result<bool, NotPlain> {
        if !self.duplicate_keys.is_empty() || !other.duplicate_keys.is_empty() {
            return Err(NotPlain);
        }
        self.plain_equals_node(id, other, other_id, over)
    }

    fn plain_equals_node<'v>(
        &self,
        id: NodeId,
        other: &Document,
        other_id: NodeId,
        over: &dyn Fn(NodeId) -> Option<&'v Value>,
    ) -> Result<bool, NotPlain> {
        if let Some(value) = over(other_id) {
            return self.plain_equals(id, value);
        }
        let a = self.plain_node(id)?;
        let b = other.plain_node(other_id)?;
        match (&a.kind, &b.kind) {
            (NodeKind::Scalar { style: sa, .. }, NodeKind::Scalar { style: sb, .. }) => {
                let ta = self.scalar_of(a).unwrap_or_default();
                let tb = other.scalar_of(b).unwrap_or_default();
                let ra = (*sa == ScalarStyle::Plain).then(|| resolve_plain_non_string(ta));
                let rb = (*sb == ScalarStyle::Plain).then(|| resolve_plain_non_string(tb));
                Ok(match (ra.flatten(), rb.flatten()) {
                    (Some(x), Some(y)) => x == y,
                    (None, None) => ta == tb,
                    _ => false,
                })
            }
            (NodeKind::Mapping { entries: ea, .. }, NodeKind::Mapping { entries: eb, .. }) => {
                if ea.len() != eb.len() {
                    return Err(NotPlain);
                }
                for ((ka, va), (kb, vb)) in self
                    .entries_at(*ea)
                    .iter()
                    .zip(other.entries_at(*eb).iter())
                {
                    if self.plain_key(ka)? != other.plain_key(kb)? {
                        return Err(NotPlain);
                    }
                    if !self.plain_equals_node(va, other, vb, over)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            (NodeKind::Sequence { items: ia, .. }, NodeKind::Sequence { items: ib, .. }) => {
                if ia.len() != ib.len() {
                    return Ok(false);
                }
                for (&x, &y) in self.items_at(*ia).iter().zip(other.items_at(*ib).iter()) {
                    if !self.plain_equals_node(x, other, y, over)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            (NodeKind::Alias { .. }, _) | (_, NodeKind::Alias { .. }) => Err(NotPlain),
            _ => Ok(false),
        }
    }

    /// [`Document::equals_json`] over plain nodes of a text without repeated keys.
    fn plain_equals(&self, id: NodeId, value: &Value) -> Result<bool, NotPlain> {
        let node = self.plain_node(id)?;
        match (&node.kind, value) {
            (NodeKind::Scalar { style, .. }, v) => {
                let text = self.scalar_of(node).unwrap_or_default();
                Ok(match (style, resolve_plain_non_string(text)) {
                    (ScalarStyle::Plain, Some(resolved)) => resolved == *v,
                    _ => v.as_str() == Some(text),
                })
            }
            (NodeKind::Mapping { entries, .. }, Value::Object(map)) => {
                if entries.len() != map.len() {
                    // Keys are distinct (no repeated keys): a different count differs, unless a
                    // key is no plain scalar.
                    for (k, _) in self.entries_at(*entries).iter() {
                        self.plain_key(k)?;
                    }
                    return Ok(false);
                }
                let mut in_order = map.iter();
                for (k, v) in self.entries_at(*entries).iter() {
                    let key = self.plain_key(k)?;
                    let child = match in_order.next() {
                        Some((mk, mv)) if mk == key => mv,
                        _ => match map.get(key) {
                            Some(c) => c,
                            None => return Ok(false),
                        },
                    };
                    if !self.plain_equals(v, child)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            (NodeKind::Sequence { items, .. }, Value::Array(values)) => {
                if items.len() != values.len() {
                    return Ok(false);
                }
                for (&i, v) in self.items_at(*items).iter().zip(values) {
                    if !self.plain_equals(i, v)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::ParseOptions;
    use serde_json::json;

    /// Whether `key` is a key of an object anywhere in `value`.
    fn has_key(value: &Value, key: &str) -> bool {
        match value {
            Value::Object(m) => m.iter().any(|(k, v)| k == key || has_key(v, key)),
            Value::Array(a) => a.iter().any(|v| has_key(v, key)),
            _ => false,
        }
    }

    /// Every lookup agrees with the built view on every node it answers for.
    fn agrees(src: &str) {
        let doc = Document::parse_with(
            src,
            ParseOptions {
                allow_duplicate_keys: true,
            },
        )
        .unwrap();
        for id in 0..doc.len() {
            let Ok(view) = doc.to_json(id) else { continue };
            assert!(doc.equals_json(id, &view), "{src:?} node {id}");
            if let Ok(s) = doc.json_str(id) {
                assert_eq!(s, view.as_str(), "{src:?} node {id}");
            }
            if let Ok(kind) = doc.json_kind(id) {
                let want = match &view {
                    Value::Null => JsonKind::Null,
                    Value::Bool(_) => JsonKind::Bool,
                    Value::Number(_) => JsonKind::Number,
                    Value::String(_) => JsonKind::String,
                    Value::Array(_) => JsonKind::Array,
                    Value::Object(_) => JsonKind::Object,
                };
                assert_eq!(kind, want, "{src:?} node {id}");
            }
            for key in ["a", "b", "kind", "<<", "1", "~"] {
                if let Ok(member) = doc.json_member(id, key) {
                    let got = member.map(|m| doc.to_json(m).unwrap());
                    assert_eq!(got.as_ref(), view.get(key), "{src:?} node {id} {key}");
                }
                if doc.is_plain_tree(id) {
                    let got = doc
                        .plain_tree_member(id, key)
                        .map(|m| doc.to_json(m).unwrap());
                    assert_eq!(got.as_ref(), view.get(key), "{src:?} node {id} {key}");
                    let [one, two] = doc.plain_tree_members(id, [key, "b"]);
                    assert_eq!(
                        one,
                        doc.plain_tree_member(id, key),
                        "{src:?} node {id} {key}"
                    );
                    assert_eq!(two, doc.plain_tree_member(id, "b"), "{src:?} node {id}");
                    let any = doc.plain_tree_any_key(id, |k| k == key);
                    assert_eq!(any, has_key(&view, key), "{src:?} node {id} {key}");
                    for literal in [key, "kin", "Ref"] {
                        let escapes = || doc.text_has_escape(id);
                        let with = doc.plain_tree_any_key_with(id, literal, escapes, |k| k == key);
                        assert_eq!(with, any && key.contains(literal), "{src:?} {id} {key}");
                    }
                }
            }
            if doc.is_plain_tree(id) {
                assert!(doc.json_kind(id).is_ok());
            }
            assert_eq!(
                doc.is_plain_tree(id),
                doc.is_plain_tree_walked(id),
                "{src:?} node {id}"
            );
            let mut other = view.clone();
            match &mut other {
                Value::Object(m) => {
                    m.insert("zz-extra".into(), json!(1));
                }
                Value::Array(a) => a.push(json!(null)),
                Value::String(s) => s.push('x'),
                v => *v = json!("other"),
            }
            assert!(!doc.equals_json(id, &other), "{src:?} node {id}");
        }
    }

    #[test]
    fn lookups_read_what_the_built_view_says() {
        for src in [
            "a: 1\nb: '1'\nkind: x\n",
            "a: null\nb: ~\nkind: \"\"\n1: true\n~: 0x10\n",
            "a: [1, '2', x]\nb: {c: d}\n",
            "a: |\n  text\nb: >\n  folded\n",
            "a: 012\nb: 1.5\nkind: .inf\n",
            "a: &x {b: 1}\nb: *x\n",
            "base: &b {a: 1}\nm:\n  <<: *b\n  b: 2\n",
            "a: !!str 1\nb: !!int 2\nkind: !custom x\n",
            "a: 1\na: 2\nb: 3\n",
            "a: 1\nb: 2\na: 3\nb: {a: x, b: y, a: z}\n",
            "? [x]\n: 1\na: 2\n",
            "\"kind\": 'a'\n\"a\": \"1\"\n",
            "a:\n  b:\n  - c: 1\n    d: [e]\n",
            "x:\n  \"k\\u0069nd\": 1\n  'a': [{\"ki\\\n    nd\": 2}]\n",
        ] {
            agrees(src);
        }
    }

    #[test]
    fn mappings_compare_as_sets_and_unplain_nodes_say_so() {
        let doc = Document::parse("a: 1\nb: x\n").unwrap();
        let root = doc.roots()[0];
        assert!(doc.equals_json(root, &json!({"b": "x", "a": 1})));
        assert!(!doc.equals_json(root, &json!({"a": 1})));
        assert!(doc.is_plain_tree(root));
        let doc = Document::parse("a: &x 1\nb: *x\n").unwrap();
        let root = doc.roots()[0];
        assert!(!doc.is_plain_tree(root));
        let alias = doc.json_member(root, "b").unwrap().unwrap();
        assert_eq!(doc.json_str(alias), Err(NotPlain));
        assert!(doc.equals_json(root, &json!({"a": 1, "b": 1})));
        let doc = Document::parse("m:\n  <<: {a: 1}\n").unwrap();
        assert!(!doc.is_plain_tree(doc.roots()[0]));
    }

    /// Collections nested close to the depth limit are no plain tree; a little less deep,
    /// they are (the one-pass reading and the walk agree either side).
    #[test]
    fn trees_near_the_depth_limit() {
        for (depth, plain) in [(997, true), (998, true), (999, false)] {
            let src = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let doc = Document::parse(src.as_str()).unwrap();
            let root = doc.roots()[0];
            assert_eq!(doc.is_plain_tree(root), plain, "{depth}");
            assert_eq!(doc.is_plain_tree_walked(root), plain, "{depth}");
        }
    }
}
