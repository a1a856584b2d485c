//! Syncing a changed JSON value back to text as minimal edits.
//!
//! `sync` walks the parsed node and the old and new JSON values together. Equal subtrees are
//! skipped (their text, comments included, is never touched); a changed scalar token is
//! replaced in place, keeping its quote style when the new value reads back the same in it;
//! block mappings get per-key deletes and inserts; block sequences are diffed item by item;
//! flow collections and values that change type are re-rendered. Anything that would change
//! text reached through an alias, an anchor used elsewhere or a merge key is refused.
//!
//! The driver is here (`Syncer`: which kind of edit a node takes, what may not be edited);
//! the edits themselves are in `scalar.rs` (scalar tokens, block scalars), `replace.rs` (values
//! re-rendered whole), `mapping.rs` (keys inserted and removed), `sequence.rs` (items diffed),
//! `points.rs` (where lines go and come from), over `text.rs` (line-oriented positions).

use super::edits::{edit_error, line_column};
use super::render::Renderer;
use super::{Document, Edits, Layout, NodeId, NodeKind, ScalarStyle, YamlError};
use serde_json::Value;
use std::collections::HashMap;
use std::ops::Range;
use text::Text;

mod mapping;
mod points;
mod replace;
mod scalar;
mod sequence;
#[cfg(test)]
mod test_support;
mod text;

impl Document {
    /// Add to `edits` the minimal edits that make node `id` read as `new`. Untouched subtrees,
    /// comments and formatting stay byte-identical; refuses (with an error) to edit through an alias.
    pub fn sync(&self, id: NodeId, new: &Value, edits: &mut Edits) -> Result<(), YamlError> {
        // Untagged scalars (the setters' and stages' common case) compare without a JSON view.
        if let Some(same) = self.scalar_reads_as(id, new) {
            if same {
                return Ok(());
            }
            return Syncer::new(self, edits).run(id, &Value::Null, new);
        }
        let old = self.to_json(id)?;
        self.sync_from(id, &old, new, edits)
    }

    /// Whether untagged scalar `id` reads as scalar `new` (as `to_json` would say); `None` for
    /// other nodes and values.
    fn scalar_reads_as(&self, id: NodeId, new: &Value) -> Option<bool> {
        let node = self.node(id);
        let (NodeKind::Scalar { style, .. }, Some(value)) = (&node.kind, self.scalar_of(node))
        else {
            return None;
        };
        if self.tag(id).is_some() || new.is_object() || new.is_array() {
            return None;
        }
        Some(match (style, new) {
            (ScalarStyle::Plain, Value::String(s)) => {
                value == s && super::resolve_plain(value).is_string()
            }
            (ScalarStyle::Plain, other) => super::resolve_plain(value) == *other,
            (_, Value::String(s)) => value == s,
            _ => false,
        })
    }

    /// [`Document::sync`] for a caller that already holds the node's JSON view `old` (what
    /// `to_json(id)` returned, e.g. an item's original value), saving a second conversion.
    pub fn sync_from(
        &self,
        id: NodeId,
        old: &Value,
        new: &Value,
        edits: &mut Edits,
    ) -> Result<(), YamlError> {
        if old == new {
            return Ok(());
        }
        Syncer::new(self, edits).run(id, old, new)
    }
}

/// Where new lines are inserted: at the end of a line (text gets a leading line break) or at
/// the start of one (text gets a trailing line break).
#[derive(Debug, Clone, Copy)]
struct Point {
    pos: usize,
    line_start: bool,
}

impl Point {
    fn wrap(self, lines: &str) -> String {
        if self.line_start {
            format!("{lines}\n")
        } else {
            format!("\n{lines}")
        }
    }
}

/// How a node hangs in its parent, for re-rendering it whole.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// Not known yet (the node `sync` was called on): found by searching the tree.
    Unknown,
    /// The value of this key node in a block mapping.
    Key(NodeId),
    /// A block-sequence item.
    Item,
    /// A document root.
    Root,
    /// Inside a flow collection (only re-rendered as part of it).
    Flow,
}

/// One step of the path to the node being changed, for error messages.
#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// What lies after inserted or replaced text, which decides whether a literal block can end it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// A line break, then empty lines, other content or the end of the text.
    Break,
    /// No line break (end of text): only a `|-` block ends correctly.
    NoBreak,
    /// A line of only blanks follows: a literal block would read it as content.
    SpacesLine,
}

struct Syncer<'a> {
    doc: &'a Document,
    src: &'a str,
    layout: Option<Layout>,
    alias_targets: Option<HashMap<NodeId, usize>>,
    path: Vec<Seg<'a>>,
    edits: EditSink<'a>,
}

/// The caller's edits, which this sync call adds to (and looks back over from `start`).
struct EditSink<'a> {
    all: &'a mut Edits,
    start: usize,
}

impl EditSink<'_> {
    fn push(&mut self, (range, text): (Range<usize>, String)) {
        self.all.replace(range, text);
    }

    /// The edits this sync call has added.
    fn iter(&self) -> impl Iterator<Item = (Range<usize>, &str)> {
        self.iter_from(self.start)
    }

    /// The number of edits so far: a mark to look back to with [`EditSink::iter_from`].
    fn mark(&self) -> usize {
        self.all.len()
    }

    /// The edits added since `mark`.
    fn iter_from(&self, mark: usize) -> impl Iterator<Item = (Range<usize>, &str)> {
        self.all.iter_range(mark.max(self.start)..self.all.len())
    }
}

impl<'a> Syncer<'a> {
    fn new(doc: &'a Document, edits: &'a mut Edits) -> Self {
        let start = edits.len();
        Syncer {
            doc,
            src: doc.source(),
            layout: None,
            alias_targets: None,
            path: Vec::new(),
            edits: EditSink { all: edits, start },
        }
    }

    fn text(&self) -> Text<'a> {
        Text::new(self.src)
    }

    /// The document's layout, detected on first use (only edits that render need it).
    fn layout(&mut self) -> Layout {
        *self.layout.get_or_insert_with(|| self.doc.layout())
    }

    fn renderer(&mut self, after: After) -> Renderer<'static> {
        Renderer {
            layout: self.layout(),
            trailing_breaks_ok: !matches!(after, After::NoBreak),
            literals_ok: !matches!(after, After::SpacesLine),
            comments: None,
            flow_safe_strings: false,
        }
    }

    fn path_text(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
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
        if out.is_empty() {
            out.push_str("(root)");
        }
        out
    }

    fn error(&self, pos: usize, what: String) -> YamlError {
        edit_error(
            self.src,
            pos,
            format!("cannot change {}: {what}", self.path_text()),
        )
    }

    /// Where node `id`'s text starts, its anchor and tag on the same line included (a key's
    /// column is that of its properties: `&a key: v` is a mapping at the `&`).
    fn start_of(&self, id: NodeId) -> usize {
        let start = self.doc.node(id).span().start;
        let tag = self.doc.tag_range(id).map(|t| t.start);
        let on_line = |&at: &usize| at <= start && self.text().same_line(at, start);
        tag.into_iter()
            .chain(self.doc.anchor_at(id))
            .filter(on_line)
            .min()
            .unwrap_or(start)
    }

    /// Sync the node a caller asked for; on error, none of this call's edits stay.
    fn run(mut self, id: NodeId, old: &Value, new: &Value) -> Result<(), YamlError> {
        let result = self.changed(id, Slot::Unknown, old, new);
        if result.is_err() {
            self.edits.all.truncate(self.edits.start);
        }
        result
    }

    /// Make node `id` (currently reading as `old`) read as `new`.
    fn node(&mut self, id: NodeId, slot: Slot, old: &Value, new: &Value) -> Result<(), YamlError> {
        if old == new {
            return Ok(());
        }
        self.changed(id, slot, old, new)
    }

    /// [`Self::node`] for a node known to change (`old` is only read for collections).
    fn changed(
        &mut self,
        id: NodeId,
        slot: Slot,
        old: &Value,
        new: &Value,
    ) -> Result<(), YamlError> {
        let doc = self.doc;
        let node = doc.node(id);
        self.check_not_shared(id)?;
        match (&node.kind, new) {
            (NodeKind::Alias { target }, _) => {
                let (line, column) = line_column(self.src, doc.node(target.id()).span().start);
                Err(self.error(
                    node.span().start,
                    format!(
                        "the value is the alias {} of the node at line {line}, column {column}; \
                         edit the anchored node instead",
                        &self.src[node.span()]
                    ),
                ))
            }
            (
                NodeKind::Mapping {
                    flow: false,
                    entries,
                },
                Value::Object(new_map),
            ) if !entries.is_empty() && !new_map.is_empty() => {
                self.block_map(id, doc.entries_at(*entries), old, new_map, slot)
            }
            (NodeKind::Sequence { flow: false, items }, Value::Array(new_items))
                if !items.is_empty() && !new_items.is_empty() =>
            {
                self.block_seq(id, doc.items_at(*items), old, new_items, slot)
            }
            (NodeKind::Scalar { .. }, new) if !new.is_object() && !new.is_array() => {
                self.scalar(id, slot, new)
            }
            (NodeKind::Mapping { flow: true, .. } | NodeKind::Sequence { flow: true, .. }, new)
                if is_non_empty_collection(old) || !is_non_empty_collection(new) =>
            {
                // Re-render the flow collection, flow style kept.
                self.check_subtree_not_shared(id)?;
                let text = super::render::flow_text(new);
                self.edits.push((node.span(), text));
                Ok(())
            }
            _ => self.replace_value(id, slot, new),
        }
    }

    /// Refuse to change a node that an alias elsewhere also reads.
    fn check_not_shared(&mut self, id: NodeId) -> Result<(), YamlError> {
        let node = self.doc.node(id);
        let Some(anchor) = self.doc.anchor(id) else {
            return Ok(());
        };
        // Aliases come after their anchor: when no `*name` follows in the text, none reads it
        // (a quick scan that spares the walk over the whole document).
        let start = node.span().start.min(self.src.len());
        if !self.src[start..].contains(&format!("*{anchor}")) {
            return Ok(());
        }
        if self.alias_targets.is_none() {
            self.alias_targets = Some(alias_targets(self.doc));
        }
        if let Some(&alias_pos) = self.alias_targets.as_ref().and_then(|t| t.get(&id)) {
            let (line, column) = line_column(self.src, alias_pos);
            return Err(self.error(
                node.span().start,
                format!(
                    "the node anchored &{anchor} is also read through the alias at line {line}, \
                     column {column}; changing it would change both"
                ),
            ));
        }
        Ok(())
    }

    /// Refuse to remove or re-render a subtree holding a node that an alias elsewhere reads.
    fn check_subtree_not_shared(&mut self, id: NodeId) -> Result<(), YamlError> {
        let doc = self.doc;
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            self.check_not_shared(n)?;
            match &doc.node(n).kind {
                NodeKind::Mapping { entries, .. } => {
                    for (k, v) in doc.entries_at(*entries) {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                NodeKind::Sequence { items, .. } => {
                    stack.extend(doc.items_at(*items).iter().copied())
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The slot of `id` when the caller did not say: found by searching the document.
    fn resolve_slot(&self, id: NodeId, slot: Slot) -> Slot {
        if !matches!(slot, Slot::Unknown) {
            return slot;
        }
        let doc = self.doc;
        let Some(parent) = doc.parent(id) else {
            return Slot::Root;
        };
        match &doc.node(parent).kind {
            NodeKind::Mapping {
                flow: false,
                entries,
            } => doc
                .entries_at(*entries)
                .iter()
                .find(|&(_, v)| v == id)
                .map_or(Slot::Flow, |(k, _)| Slot::Key(k)),
            NodeKind::Sequence { flow: false, .. } => Slot::Item,
            _ => Slot::Flow,
        }
    }
}

fn is_non_empty_collection(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

/// The text of a scalar key, `None` for collection keys.
fn key_name(doc: &Document, key: NodeId) -> Option<&str> {
    doc.scalar(key)
}

fn is_merge_key(doc: &Document, key: NodeId) -> bool {
    matches!(
        &doc.node(key).kind,
        NodeKind::Scalar {
            style: ScalarStyle::Plain,
            ..
        }
    ) && doc.scalar(key) == Some("<<")
}

/// Every anchored node read through an alias, with the position of one such alias.
fn alias_targets(doc: &Document) -> HashMap<NodeId, usize> {
    let mut out = HashMap::new();
    let mut stack: Vec<NodeId> = doc.roots().to_vec();
    while let Some(n) = stack.pop() {
        let node = doc.node(n);
        match &node.kind {
            NodeKind::Alias { target } => {
                out.entry(target.id()).or_insert(node.span().start);
            }
            NodeKind::Mapping { entries, .. } => {
                for (k, v) in doc.entries_at(*entries) {
                    stack.push(k);
                    stack.push(v);
                }
            }
            NodeKind::Sequence { items, .. } => stack.extend(doc.items_at(*items).iter().copied()),
            NodeKind::Scalar { .. } => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use serde_json::json;

    /// Cases the fuzz target found: properties before a root, blanks after a token, a block
    /// scalar ending the text without a line break, lone `\r` line breaks, deeper comments.
    #[test]
    fn fuzz_found_cases() {
        table(&[
            (
                "tagged root replaced",
                "!t x\n",
                vec![Root(json!(["a"]))],
                "- a\n",
            ),
            (
                "root on the --- line",
                "--- x\n",
                vec![Root(json!({"a": 1}))],
                "---\na: 1\n",
            ),
            (
                "root scalar on the --- line",
                "--- x\n",
                vec![Root(json!("z"))],
                "--- z\n",
            ),
            (
                "anchored empty root replaced",
                "# c\n&tn\n",
                vec![Root(json!("l1\nl2"))],
                "# c\n|-\n  l1\n  l2\n",
            ),
            (
                "tagged root mapping gets a key",
                "!t a: 1\n",
                vec![Set("/b", json!(2))],
                "!t a: 1\nb: 2\n",
            ),
            (
                "blanks after the token",
                "a: x   \nb: 1\n",
                vec![Set("/a", json!("l1\nl2"))],
                "a: |-\n  l1\n  l2\nb: 1\n",
            ),
            (
                "a line of spaces after the token",
                "a: x\n     \nb: 1\n",
                vec![Set("/a", json!("l1\nl2"))],
                "a: \"l1\\nl2\"\n     \nb: 1\n",
            ),
            (
                "clip block ending the text: new keys go before it",
                "a: |\n  x",
                vec![Set("/b", json!(1))],
                "b: 1\na: |\n  x",
            ),
            (
                "lone CR line breaks: insert",
                "a: 1\rb: 2\r",
                vec![Set("/c", json!(3))],
                "a: 1\rb: 2\rc: 3\r",
            ),
            (
                "lone CR line breaks: delete",
                "a: 1\rb: 2\r",
                vec![Remove("/a")],
                "b: 2\r",
            ),
            (
                "deeper comment after a blank line",
                "a: x\n\n  # deep\nb: 1\n",
                vec![Set("/a", json!("l1\nl2"))],
                "a: |-\n  l1\n  l2\nb: 1\n",
            ),
        ]);
    }

    #[test]
    fn root_and_later_documents() {
        let src = "a: 1\n---\nb: 2 # c\n";
        let doc = Document::parse(src).unwrap();
        let mut edits = Edits::default();
        doc.sync(doc.roots()[1], &json!({"b": 3, "c": [1]}), &mut edits)
            .unwrap();
        assert_eq!(edits.apply(src).unwrap(), "a: 1\n---\nb: 3 # c\nc:\n- 1\n");
        let mut edits = Edits::default();
        doc.sync(doc.roots()[0], &json!(["x"]), &mut edits).unwrap();
        assert_eq!(edits.apply(src).unwrap(), "- x\n---\nb: 2 # c\n");
    }

    #[test]
    fn edits_through_aliases_are_refused() {
        let src = "base: &b\n  x: 1\nuse: *b\nother: &o 5\n";
        let e = refused(src, &[Set("/use/x", json!(2))]);
        assert_eq!(
            e.to_string(),
            "line 3, column 6: cannot change use: the value is the alias *b of the node at line 2, column 3; edit the anchored node instead"
        );
        let e = refused(src, &[Set("/base/x", json!(2))]);
        assert_eq!(
            e.to_string(),
            "line 2, column 3: cannot change base: the node anchored &b is also read through the alias at line 3, column 6; changing it would change both"
        );
        refused(src, &[Remove("/base")]);
        // An anchor nobody reads is an ordinary node.
        assert_eq!(
            synced(src, &[Set("/other", json!(6))]).unwrap(),
            "base: &b\n  x: 1\nuse: *b\nother: &o 6\n"
        );
        // Replacing the alias as a whole (it is a key's value) is an ordinary change.
        let e = refused("a: &x [1]\nb: *x\n", &[Set("/b/0", json!(2))]);
        assert!(e.message.contains("alias *x"), "{e}");
    }

    #[test]
    fn a_refused_sync_leaves_no_edits() {
        let src = "a: 1\nb: *x\n";
        let src = format!("x: &x 1\n{src}");
        let doc = Document::parse(src.as_str()).unwrap();
        let mut edits = Edits::default();
        edits.insert(0, "# kept\n");
        let new = json!({"x": 1, "a": 2, "b": 3});
        assert!(doc.sync(doc.roots()[0], &new, &mut edits).is_err());
        assert_eq!(edits.len(), 1);
    }

    #[test]
    fn merged_values_are_refused() {
        let src = "base: &b\n  x: 1\nm:\n  <<: *b\n  y: 2\n";
        let e = refused(src, &[Set("/m/x", json!(5))]);
        assert_eq!(
            e.to_string(),
            "line 4, column 3: cannot change m: key `x` comes from a merge key `<<`; edit the merged mapping or override the key explicitly"
        );
        refused(src, &[Remove("/m/x")]);
        assert_eq!(
            synced(src, &[Set("/m/y", json!(3))]).unwrap(),
            "base: &b\n  x: 1\nm:\n  <<: *b\n  y: 3\n"
        );
        assert_eq!(
            synced(src, &[Set("/m/z", json!(3))]).unwrap(),
            "base: &b\n  x: 1\nm:\n  <<: *b\n  y: 2\n  z: 3\n"
        );
    }
}
