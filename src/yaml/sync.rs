//! Syncing a changed JSON value back to text as minimal edits.
//!
//! `sync` walks the parsed node and the old and new JSON values together. Equal subtrees are
//! skipped (their text, comments included, is never touched); a changed scalar token is
//! replaced in place, keeping its quote style when the new value reads back the same in it;
//! block mappings get per-key deletes and inserts; block sequences are diffed item by item;
//! flow collections and values that change type are re-rendered. Anything that would change
//! text reached through an alias, an anchor used elsewhere or a merge key is refused.

use super::edits::{edit_error, line_column};
use super::render::{double_quoted, single_quoted, string_text, Context, Renderer};
use super::{Document, Edits, Layout, NodeId, NodeKind, ScalarStyle, YamlError};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

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

    /// Byte range to delete to remove block-sequence item `item` (its `- ` line(s), with its own
    /// comments), leaving neighbours intact.
    ///
    /// The range runs from the line break before the item's head comment (comment lines
    /// directly above its `-`, no deeper than the dash) to the end of its last line, taking the
    /// comment lines indented deeper than the dash that follow it; so inserting at
    /// [`Document::append_point`] in the same edits works even when the last item goes. For an
    /// item whose `-` does not start its line (`- - x`), the range covers its own text only.
    pub fn item_removal_range(&self, item: NodeId) -> Range<usize> {
        let t = Text::new(self.source());
        let node = self.node(item);
        let Some(dash) = t.dash_before(node.span().start) else {
            return node.span();
        };
        if !t.blank_before(dash) {
            return dash..t.content_end(node.span());
        }
        let col = t.indent_of(dash);
        let start = t.head_start(t.line_start(dash), col);
        let point = if node.span().is_empty() {
            Point {
                pos: t.eol(dash),
                line_start: false,
            }
        } else {
            self.after_point(item)
        };
        t.removal(start, point, col)
    }

    /// The start of the first line of block-sequence item `item` (its head comment's, if any):
    /// where whole new item lines can go before it. `None` when its `-` does not start its
    /// line.
    pub fn item_line_start(&self, item: NodeId) -> Option<usize> {
        let t = Text::new(self.source());
        let dash = t.dash_before(self.node(item).span().start)?;
        t.blank_before(dash)
            .then(|| t.head_start(t.line_start(dash), t.indent_of(dash)))
    }

    /// Byte offset where new text for one more item of block sequence `seq` is inserted
    /// (the end of the line holding the last item's content), and the column of its `-`.
    ///
    /// Insert `"\n"`, the column's indentation and the item text there. When the last item
    /// ends with a `|+` block, the offset is after the blank lines that belong to its value.
    pub fn append_point(&self, seq: NodeId) -> (usize, usize) {
        let t = Text::new(self.source());
        let node = self.node(seq);
        let items: &[NodeId] = match &node.kind {
            NodeKind::Sequence { items, .. } => items,
            _ => &[],
        };
        let Some(&last) = items.last() else {
            let end = t.content_end(node.span());
            return (t.eol(end), t.column(node.span().start));
        };
        let dash = t
            .dash_before(self.node(last).span().start)
            .unwrap_or(self.node(last).span().start);
        let end = if self.node(last).span().is_empty() {
            t.eol(dash)
        } else {
            self.after_point(last).pos
        };
        (end, t.column(dash))
    }

    /// True when node `id`'s text ends with a clip or keep (`+`) `|`/`>` block scalar at the
    /// very end of a text without a final line break: its value has no final line break, and
    /// any text after it (a line break first) would give it one.
    pub fn ends_with_open_block(&self, id: NodeId) -> bool {
        let src = self.source();
        if src.ends_with(['\n', '\r']) {
            return false;
        }
        let t = Text::new(src);
        let leaf = self.node(self.last_leaf(id));
        let block = matches!(
            leaf.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        );
        block
            && t.eol(leaf.span().end) >= src.len()
            && !src[leaf.span().start..t.header_end(leaf.span().start)].contains('-')
    }

    /// The node whose text ends block collection `id` (its last entry's value or last item,
    /// recursively), or `id` itself.
    fn last_leaf(&self, id: NodeId) -> NodeId {
        let mut last = id;
        loop {
            match &self.node(last).kind {
                NodeKind::Mapping {
                    flow: false,
                    entries,
                } if !entries.is_empty() => last = entries[entries.len() - 1].1,
                NodeKind::Sequence { flow: false, items } if !items.is_empty() => {
                    last = items[items.len() - 1]
                }
                _ => return last,
            }
        }
    }

    /// Where text that follows `id` goes: the end of the line holding its last content (after
    /// that line's comment), or, when the node ends with a `|+` block, the end of the last
    /// blank line that belongs to its value.
    fn after_point(&self, id: NodeId) -> Point {
        let t = Text::new(self.source());
        let leaf = self.node(self.last_leaf(id));
        if let NodeKind::Scalar {
            style: ScalarStyle::Literal | ScalarStyle::Folded,
            ..
        } = leaf.kind
        {
            if t.keeps_breaks(leaf.span().start) {
                // The blank lines after a `|+` block belong to its value: insert after them.
                let next = t.next_content_line(leaf.span().end);
                return Point {
                    pos: t.before_last_break(next).max(leaf.span().end),
                    line_start: false,
                };
            }
            // The block's span ends its last content line, a line of spaces included.
            return Point {
                pos: t.eol(leaf.span().end),
                line_start: false,
            };
        }
        Point {
            pos: t.eol(t.content_end(self.node(id).span())),
            line_start: false,
        }
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
    fn iter(&self) -> impl Iterator<Item = &(Range<usize>, String)> {
        self.all.entries()[self.start..].iter()
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
        let node = self.doc.node(id);
        if self.doc.tag(id).is_none() && self.doc.anchor(id).is_none() {
            return node.span().start;
        }
        self.text().props_start(node.span().start)
    }

    /// Before text is added after node `id`: when `id` ends with a `|`/`>` block at the very end
    /// of a text without a final line break, its value has no final line break either, so a
    /// clip or keep (`+`) header gets `-` to keep it so once lines follow.
    fn keep_eof_block_value(&mut self, id: NodeId) {
        let doc = self.doc;
        if !doc.ends_with_open_block(id) {
            return;
        }
        let leaf = doc.node(doc.last_leaf(id));
        let header_end = self.text().header_end(leaf.span().start);
        let header = &self.src[leaf.span().start..header_end];
        let edited = self.edits.iter().any(|(r, _)| {
            r.start <= leaf.span().start && leaf.span().start < r.end.max(r.start + 1)
        });
        if edited {
            return;
        }
        match header.find('+') {
            Some(plus) => {
                let at = leaf.span().start + plus;
                self.edits.push((at..at + 1, "-".to_string()));
            }
            None => self.edits.push((header_end..header_end, "-".to_string())),
        }
    }

    /// True for a key written after `? ` (an explicit key), the key on the `?` line or on a
    /// line after it. `floor`: where the entry's text can start at the earliest (the end of the
    /// previous entry's value, or the mapping's start), so a `?` ending a scalar or a comment
    /// before it is no indicator.
    fn is_explicit_key(&self, key: NodeId, floor: usize) -> bool {
        let b = self.src.as_bytes();
        let mut i = self.start_of(key);
        while i > floor && matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
            i -= 1;
        }
        if i <= floor || b[i - 1] != b'?' {
            return false;
        }
        let at = i - 1;
        let comments = self.doc.comments();
        let before = comments.partition_point(|c| c.start <= at);
        let in_comment = before > 0 && comments[before - 1].contains(&at);
        !in_comment && (at == 0 || matches!(b[at - 1], b' ' | b'\t' | b'\n' | b'\r'))
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
                let (line, column) = line_column(self.src, doc.node(*target).span().start);
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
                self.block_map(id, entries, old, new_map, slot)
            }
            (NodeKind::Sequence { flow: false, items }, Value::Array(new_items))
                if !items.is_empty() && !new_items.is_empty() =>
            {
                self.block_seq(id, items, old, new_items, slot)
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
                    for &(k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                NodeKind::Sequence { items, .. } => stack.extend(items.iter().copied()),
                _ => {}
            }
        }
        Ok(())
    }

    fn block_map(
        &mut self,
        id: NodeId,
        entries: &'a [(NodeId, NodeId)],
        old: &Value,
        new: &Map<String, Value>,
        slot: Slot,
    ) -> Result<(), YamlError> {
        let doc = self.doc;
        let t = self.text();
        let empty = Map::new();
        let old_map = old.as_object().unwrap_or(&empty);
        let mut own: HashSet<&str> = HashSet::new();
        let mut kept: Vec<usize> = Vec::new();
        let mut merge_entry: Option<usize> = None;
        for (i, (k, _)) in entries.iter().enumerate() {
            let floor = match i {
                0 => doc.node(id).span().start,
                _ => doc.node(entries[i - 1].1).span().end,
            };
            let Some(name) = key_name(doc, *k) else {
                return Err(self.error(
                    doc.node(*k).span().start,
                    "the mapping has a key that is not a scalar".into(),
                ));
            };
            if self.is_explicit_key(*k, floor) {
                return Err(self.error(
                    doc.node(*k).span().start,
                    "the mapping has an explicit `? key` entry; edit it by hand".into(),
                ));
            }
            if is_merge_key(doc, *k) {
                merge_entry = Some(i);
                kept.push(i);
                continue;
            }
            own.insert(name);
            if new.contains_key(name) {
                kept.push(i);
            }
        }
        // A repeated key reads as its last value; which one to edit is not for us to guess.
        for &(earlier, later) in doc.duplicate_keys() {
            if doc.parent(later) != Some(id) {
                continue;
            }
            let name = key_name(doc, later).unwrap_or_default();
            if new.get(name) != old_map.get(name) {
                let (first_line, _) = line_column(self.src, doc.node(earlier).span().start);
                let (line, _) = line_column(self.src, doc.node(later).span().start);
                return Err(self.error(
                    doc.node(later).span().start,
                    format!(
                        "key `{name}` is written twice in this mapping (lines {first_line} and \
                         {line}); edit it by hand"
                    ),
                ));
            }
        }
        // Keys merged in with `<<` cannot change here.
        for (name, value) in old_map {
            if own.contains(name.as_str()) {
                continue;
            }
            if new.get(name) != Some(value) {
                let pos = merge_entry.map_or(doc.node(id).span().start, |i| {
                    doc.node(entries[i].0).span().start
                });
                return Err(self.error(
                    pos,
                    format!(
                        "key `{name}` comes from a merge key `<<`; edit the merged mapping or \
                         override the key explicitly"
                    ),
                ));
            }
        }
        if kept.is_empty() {
            return self.replace_value(id, slot, &Value::Object(new.clone()));
        }
        // Changes and deletions of own keys.
        let first_key = entries[0].0;
        let dash_line_key = !t.blank_before(self.start_of(first_key));
        let first_kept = kept[0];
        for (i, (k, v)) in entries.iter().enumerate() {
            if Some(i) == merge_entry {
                continue;
            }
            let name = key_name(doc, *k).unwrap_or_default();
            match new.get(name) {
                Some(new_value) => {
                    let old_value = old_map.get(name).unwrap_or(&Value::Null);
                    self.path.push(Seg::Key(name));
                    self.node(*v, Slot::Key(*k), old_value, new_value)?;
                    self.path.pop();
                }
                None if dash_line_key && i < first_kept => {
                    self.check_subtree_not_shared(*k)?;
                    self.check_subtree_not_shared(*v)?;
                    if i == 0 {
                        self.remove_leading_entries(entries, first_kept);
                    }
                }
                None => {
                    self.check_subtree_not_shared(*k)?;
                    self.check_subtree_not_shared(*v)?;
                    let key_start = self.start_of(*k);
                    let col = t.column(key_start);
                    let start = t.head_start(t.line_start(key_start), col);
                    let range = t.removal(start, doc.after_point(*v), col);
                    self.edits.push((range, String::new()));
                }
            }
        }
        // New keys, in the new value's order, after the last kept entry.
        let added: Map<String, Value> = new
            .iter()
            .filter(|(k, _)| !old_map.contains_key(k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !added.is_empty() {
            let last = *kept.last().unwrap_or(&0);
            let (last_key, last_value) = entries[last];
            let col = t.column(self.start_of(last_key));
            if doc.ends_with_open_block(last_value) {
                // Lines after a `|`/`>` block ending the text would change its header: the new
                // keys go before the last kept entry, and the block keeps ending the text.
                let moved_up = dash_line_key && last == first_kept && first_kept > 0;
                self.insert_before_entry(last_key, &added, col, moved_up);
                return Ok(());
            }
            let point = doc.after_point(last_value);
            self.keep_eof_block_value(last_value);
            let after = t.after(point);
            let body = self.renderer(after).map_body(&added, col);
            self.edits.push((point.pos..point.pos, point.wrap(&body)));
        }
        Ok(())
    }

    /// Insert the `added` keys (at column `col`) before the entry of key `key`: above its line
    /// (and its head comment) when the key starts its line, else (a key on a `- ` line, or one
    /// that moves up onto it, `moved_up`) on that line before the key, which goes on the next.
    fn insert_before_entry(
        &mut self,
        key: NodeId,
        added: &Map<String, Value>,
        col: usize,
        moved_up: bool,
    ) {
        let t = self.text();
        let key_start = self.start_of(key);
        let body = self.renderer(After::Break).map_body(added, col);
        if t.blank_before(key_start) && !moved_up {
            let head = t.head_start(t.line_start(key_start), col);
            let point = Point {
                pos: head,
                line_start: true,
            };
            self.edits.push((head..head, point.wrap(&body)));
        } else {
            let text = format!("{}\n{}", &body[col..], " ".repeat(col));
            self.edits.push((key_start..key_start, text));
        }
    }

    /// Remove entries `0..first_kept` of a map whose first key sits on a `- ` line: the first
    /// kept key moves up onto that line, and its head comment moves above the item.
    fn remove_leading_entries(&mut self, entries: &[(NodeId, NodeId)], first_kept: usize) {
        let doc = self.doc;
        let t = self.text();
        let start = self.start_of(entries[0].0);
        let kept_key = self.start_of(entries[first_kept].0);
        let col = t.column(kept_key);
        let kept_line = t.line_start(kept_key);
        let prev_end = t.lines_end(doc.after_point(entries[first_kept - 1].1), col);
        let head = t.head_start(kept_line, col).max(prev_end);
        self.edits.push((start..kept_key, String::new()));
        if head < kept_line {
            let item_line = t.line_start(start);
            let pad = " ".repeat(t.indent_of(item_line));
            let mut moved = String::new();
            for line in self.src[head..kept_line].lines() {
                moved.push_str(&pad);
                moved.push_str(line.trim());
                moved.push('\n');
            }
            self.edits.push((item_line..item_line, moved));
        }
    }

    fn block_seq(
        &mut self,
        id: NodeId,
        items: &'a [NodeId],
        old: &Value,
        new: &[Value],
        slot: Slot,
    ) -> Result<(), YamlError> {
        let doc = self.doc;
        let t = self.text();
        let empty = Vec::new();
        let old_items = old.as_array().unwrap_or(&empty);
        let dashes: Vec<Option<usize>> = items
            .iter()
            .map(|&it| t.dash_before(doc.node(it).span().start))
            .collect();
        if dashes.iter().any(|d| !d.is_some_and(|d| t.blank_before(d))) {
            // An item on a line with another `- ` (`- - x`): re-render the whole sequence.
            return self.replace_value(id, slot, &Value::Array(new.to_vec()));
        }
        let dash_col = t.column(dashes[0].unwrap_or(0));
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut intern = |v: &Value| {
            let n = ids.len();
            *ids.entry(v.to_string()).or_insert(n)
        };
        let old_ids: Vec<usize> = old_items.iter().map(&mut intern).collect();
        let new_ids: Vec<usize> = new.iter().map(&mut intern).collect();
        let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_ids, &new_ids);
        // Positions from the ops' lengths: the indices `similar` reports after compaction do
        // not always point where the change is.
        let (mut o, mut n) = (0, 0);
        for op in ops {
            let (old_len, new_len) = match op {
                similar::DiffOp::Equal { len, .. } => {
                    o += len;
                    n += len;
                    continue;
                }
                similar::DiffOp::Delete { old_len, .. } => (old_len, 0),
                similar::DiffOp::Insert { new_len, .. } => (0, new_len),
                similar::DiffOp::Replace {
                    old_len, new_len, ..
                } => (old_len, new_len),
            };
            let (old_range, new_range) = (o..o + old_len, n..n + new_len);
            o += old_len;
            n += new_len;
            let paired = old_range.len().min(new_range.len());
            for k in 0..paired {
                let (o, n) = (old_range.start + k, new_range.start + k);
                self.path.push(Seg::Index(n));
                self.node(items[o], Slot::Item, &old_items[o], &new[n])?;
                self.path.pop();
            }
            for &item in &items[old_range.start + paired..old_range.end] {
                self.check_subtree_not_shared(item)?;
                self.edits
                    .push((doc.item_removal_range(item), String::new()));
            }
            let extra = &new[new_range.start + paired..new_range.end];
            if extra.is_empty() {
                continue;
            }
            let next_old = old_range.end;
            let (point, after) = if next_old < items.len() {
                let dash = dashes[next_old].unwrap_or(0);
                let head = t.head_start(t.line_start(dash), dash_col);
                // At the end of the line before, where a removal of the next item would start.
                let point = Point {
                    pos: t.before_last_break(head),
                    line_start: head == 0,
                };
                (point, After::Break)
            } else {
                let last_kept = if paired > 0 {
                    items[old_range.start + paired - 1]
                } else if old_range.start > 0 {
                    items[old_range.start - 1]
                } else {
                    return self.replace_value(id, slot, &Value::Array(new.to_vec()));
                };
                let point = doc.after_point(last_kept);
                self.keep_eof_block_value(last_kept);
                (point, t.after(point))
            };
            let r = self.renderer(after);
            let mut lines = String::new();
            for (k, v) in extra.iter().enumerate() {
                if k > 0 {
                    lines.push('\n');
                }
                lines.push_str(&" ".repeat(dash_col));
                lines.push('-');
                lines.push_str(&r.after_dash(v, dash_col));
            }
            self.edits.push((point.pos..point.pos, point.wrap(&lines)));
        }
        Ok(())
    }

    /// Replace a scalar token with a new scalar, keeping its style where the value reads back
    /// the same in it; a stale explicit tag goes.
    fn scalar(&mut self, id: NodeId, slot: Slot, new: &Value) -> Result<(), YamlError> {
        let doc = self.doc;
        let t = self.text();
        let node = doc.node(id);
        let NodeKind::Scalar { style, .. } = &node.kind else {
            return self.replace_value(id, slot, new);
        };
        let slot = self.resolve_slot(id, slot);
        if node.span().is_empty() {
            return self.replace_value(id, slot, new);
        }
        // A stale tag (`!!int abc`) goes with the old value.
        if doc.tag(id).is_some() {
            if let Some(tag) = t.tag_before(node.span().start) {
                self.edits.push((tag, String::new()));
            }
        }
        let Value::String(s) = new else {
            let text = super::render::flow_text(new);
            self.edits.push((node.span(), text));
            return Ok(());
        };
        if matches!(slot, Slot::Flow) {
            let text = match style {
                ScalarStyle::SingleQuoted => single_quoted(s).unwrap_or_else(|| double_quoted(s)),
                ScalarStyle::DoubleQuoted => double_quoted(s),
                _ => string_text(s, Context::Flow),
            };
            self.edits.push((node.span(), text));
            return Ok(());
        }
        let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
        let (parent_indent, content_col) = if block || s.contains('\n') {
            self.block_columns(id, slot)
        } else {
            (0, 0)
        };
        if block {
            // Keep a block scalar a literal block, at its old content indentation.
            let end = if t.keeps_breaks(node.span().start) {
                let next = t.next_content_line(node.span().end);
                t.before_last_break(next).max(node.span().end)
            } else {
                t.eol(t.content_end(node.span()))
            };
            let header_end = t.header_end(node.span().start);
            let comment = &self.src[header_end..t.eol(node.span().start)];
            let content_col = t
                .first_content_indent(t.next_line(node.span().start), end)
                .filter(|&c| c > parent_indent)
                .unwrap_or(content_col);
            let r = self.renderer(t.after_pos(end));
            let text = match r.literal(s, content_col, parent_indent) {
                Some(lit) => match lit.find('\n') {
                    Some(i) => format!("{}{}{}", &lit[..i], comment.trim_end(), &lit[i..]),
                    None => lit,
                },
                None => format!("{}{}", double_quoted(s), comment.trim_end()),
            };
            self.edits.push((node.span().start..end, text));
            return Ok(());
        }
        if s.contains('\n') {
            let r = self.renderer(self.multi_line_after(node.span().end, parent_indent));
            if let Some(lit) = r.literal(s, content_col, parent_indent) {
                self.place(node.span().start..node.span().end, &lit, parent_indent);
                return Ok(());
            }
        }
        let text = match style {
            ScalarStyle::SingleQuoted => single_quoted(s).unwrap_or_else(|| double_quoted(s)),
            ScalarStyle::DoubleQuoted => double_quoted(s),
            _ => string_text(s, Context::Block),
        };
        self.edits.push((node.span(), text));
        Ok(())
    }

    /// What follows a multi-line replacement of a token ending at `end`: the rest of its line,
    /// then comment lines deeper than `parent_indent` that [`Self::place`] swallows.
    fn multi_line_after(&self, end: usize, parent_indent: usize) -> After {
        let t = self.text();
        t.after_pos(t.lines_end_deeper(t.eol(end), parent_indent, false))
    }

    /// Replace `token` with multi-line `text`: a comment after the token moves to the end of
    /// the text's first line, and deeper-indented comment lines after it (which would otherwise
    /// read as content of a literal block) are removed with it.
    fn place(&mut self, token: Range<usize>, text: &str, parent_indent: usize) {
        let t = self.text();
        let line_end = t.eol(token.end);
        let rest = self.src[token.end..line_end].trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            self.edits.push((token, text.to_string()));
            return;
        }
        let end = t.lines_end_deeper(line_end, parent_indent, false);
        let text = if rest.starts_with('#') {
            match text.find('\n') {
                Some(i) => format!("{} {rest}{}", &text[..i], &text[i..]),
                None => format!("{text} {rest}"),
            }
        } else {
            text.to_string()
        };
        self.edits.push((token.start..end, text));
    }

    /// Re-render node `id` whole in block style (flow for flow children), in its slot.
    fn replace_value(&mut self, id: NodeId, slot: Slot, new: &Value) -> Result<(), YamlError> {
        let doc = self.doc;
        let t = self.text();
        let node = doc.node(id);
        self.check_subtree_not_shared(id)?;
        let slot = self.resolve_slot(id, slot);
        let block_collection = matches!(
            node.kind,
            NodeKind::Mapping { flow: false, .. } | NodeKind::Sequence { flow: false, .. }
        );
        let is_block_scalar = matches!(
            node.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        );
        // End of the old value's own text (a block scalar's content lines included).
        let old_end = if is_block_scalar || block_collection {
            t.eol(t.content_end(node.span()))
        } else {
            node.span().end
        };
        let (indicator_end, col) = match slot {
            Slot::Key(k) => match t.colon_after(doc.node(k).span().end) {
                Some(colon) => (colon + 1, t.column(self.start_of(k))),
                None => {
                    return Err(self.error(
                        doc.node(k).span().start,
                        "the key is not followed by `:`".into(),
                    ))
                }
            },
            // Not over comments: replacing from the `-` would drop a `- # note` comment.
            Slot::Item => match t.dash_before_over(node.span().start, false) {
                Some(dash) => (dash + 1, t.column(dash)),
                None => {
                    return Err(self.error(node.span().start, "the item has no `-`".into()));
                }
            },
            Slot::Flow => {
                let text = super::render::flow_text(new);
                self.edits.push((node.span(), text));
                return Ok(());
            }
            Slot::Root | Slot::Unknown => {
                let start = self.start_of(id);
                // A block collection cannot start on a `--- ` line: it goes below, at column 0.
                let own_line = t.blank_before(start);
                let below = !own_line && is_non_empty_collection(new);
                let col = if own_line { t.column(start) } else { 0 };
                let end = if node.span().is_empty() {
                    node.span().end
                } else {
                    old_end
                };
                let mut text = self.root_text(new, col, end);
                let mut start = start;
                if below {
                    text.insert(0, '\n');
                    while start > 0 && matches!(t.b[start - 1], b' ' | b'\t') {
                        start -= 1;
                    }
                }
                if text.contains('\n') {
                    self.place(start..end, &text, col);
                } else {
                    self.edits.push((start..end, text));
                }
                return Ok(());
            }
        };
        let empty_scalar = node.span().is_empty() && !block_collection;
        let on_indicator_line = !block_collection || t.eol(indicator_end) >= node.span().start;
        let multi_after = t.after_pos(t.lines_end_deeper(
            t.eol(if empty_scalar { indicator_end } else { old_end }),
            col,
            false,
        ));
        let r = self.renderer(multi_after);
        let rendered = match slot {
            Slot::Key(_) => r.after_key(new, col),
            _ => r.after_dash(new, col),
        };
        let multi_line = rendered.contains('\n');
        if empty_scalar {
            // `key: !!str` / `- &a`: the value goes after an anchor; a tag goes with the empty
            // value it typed (text after it would read as part of the new value).
            let props = t.props_after(indicator_end, col);
            let mut at = indicator_end..indicator_end;
            for (i, (range, tag)) in props.iter().enumerate() {
                let last = i + 1 == props.len();
                match (tag, last) {
                    (true, true) => at = range.clone(),
                    (true, false) => self.edits.push((range.clone(), String::new())),
                    (false, _) => at = range.end..range.end,
                }
            }
            self.place(at, &rendered, col);
        } else if block_collection && !on_indicator_line {
            // Value on the lines below the key: the key line's rest (comment, anchor) stays
            // when the new value also starts on a new line.
            let key_line_end = t.eol(indicator_end);
            let end = t.lines_end_deeper(old_end, col, false);
            if multi_line && rendered.starts_with('\n') {
                self.edits.push((key_line_end..end, rendered));
            } else {
                let rest = self.src[indicator_end..key_line_end].trim();
                let text = if rest.starts_with('#') && !multi_line {
                    format!("{rendered} {rest}")
                } else {
                    rendered
                };
                self.edits.push((indicator_end..end, text));
            }
        } else if multi_line {
            self.place(indicator_end..old_end, &rendered, col);
        } else {
            self.edits.push((indicator_end..old_end, rendered));
        }
        Ok(())
    }

    /// A new value for a whole document (or a node whose slot is unknown), at column `col`.
    fn root_text(&mut self, new: &Value, col: usize, old_end: usize) -> String {
        let r = self.renderer(self.multi_line_after(old_end, col));
        let text = match new {
            Value::Object(m) if !m.is_empty() => r.map_body(m, col),
            Value::Array(a) if !a.is_empty() => r.seq_body(a, col),
            // A root block scalar's indentation indicator counts from column 0.
            other => return r.block_scalar(other, col + 2, 0),
        };
        text[col..].to_string()
    }

    /// Indentation of the parent node and content column for a block scalar in `slot`.
    fn block_columns(&mut self, id: NodeId, slot: Slot) -> (usize, usize) {
        let t = self.text();
        let doc = self.doc;
        match slot {
            Slot::Key(k) => {
                let c = t.column(self.start_of(k));
                (c, c + self.layout().indent)
            }
            Slot::Item => {
                let d = t
                    .dash_before(doc.node(id).span().start)
                    .map_or(0, |d| t.column(d));
                (d, d + 2)
            }
            _ => (0, 2),
        }
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
            } => entries
                .iter()
                .find(|&&(_, v)| v == id)
                .map_or(Slot::Flow, |&(k, _)| Slot::Key(k)),
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
                out.entry(*target).or_insert(node.span().start);
            }
            NodeKind::Mapping { entries, .. } => {
                for &(k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
            NodeKind::Sequence { items, .. } => stack.extend(items.iter().copied()),
            NodeKind::Scalar { .. } => {}
        }
    }
    out
}

/// Line-oriented helpers over the source text.
#[derive(Clone, Copy)]
struct Text<'a> {
    s: &'a str,
    b: &'a [u8],
}

impl<'a> Text<'a> {
    fn new(s: &'a str) -> Self {
        Text { s, b: s.as_bytes() }
    }

    /// Start of the line holding `pos` (line breaks: `\n`, `\r\n`, and a lone `\r` as YAML
    /// reads it; a position at the `\n` of a `\r\n` is on the line that break ends).
    fn line_start(&self, pos: usize) -> usize {
        let mut end = pos;
        if end > 0 && self.b[end - 1] == b'\r' && self.b.get(end) == Some(&b'\n') {
            end -= 1;
        }
        self.b[..end]
            .iter()
            .rposition(|&c| c == b'\n' || c == b'\r')
            .map_or(0, |i| i + 1)
    }

    /// Position of the line break ending the line holding `pos`, or the end.
    fn eol(&self, pos: usize) -> usize {
        self.b[pos..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(self.b.len(), |i| pos + i)
    }

    /// Start of the line after the one holding `pos` (the end of the text if none).
    fn next_line(&self, pos: usize) -> usize {
        let e = self.eol(pos);
        match self.b.get(e) {
            Some(b'\r') if self.b.get(e + 1) == Some(&b'\n') => e + 2,
            Some(_) => e + 1,
            None => e,
        }
    }

    /// Column in characters.
    fn column(&self, pos: usize) -> usize {
        self.s[self.line_start(pos)..pos].chars().count()
    }

    /// Number of leading spaces of the line holding `pos`.
    fn indent_of(&self, pos: usize) -> usize {
        let ls = self.line_start(pos);
        self.b[ls..].iter().take_while(|&&c| c == b' ').count()
    }

    fn blank_before(&self, pos: usize) -> bool {
        self.b[self.line_start(pos)..pos]
            .iter()
            .all(|&c| c == b' ' || c == b'\t')
    }

    /// The trimmed text of the line starting at `ls`.
    fn line_text(&self, ls: usize) -> &'a str {
        self.s[ls..self.eol(ls)].trim()
    }

    /// End of `span` with trailing blanks and line breaks left out.
    fn content_end(&self, span: Range<usize>) -> usize {
        let mut end = span.end.min(self.b.len());
        while end > span.start && matches!(self.b[end - 1], b' ' | b'\t' | b'\r' | b'\n') {
            end -= 1;
        }
        end
    }

    /// Start of the head comment above the line starting at `ls`: the comment-only lines
    /// directly above it (no blank line between) indented no deeper than `col`.
    fn head_start(&self, ls: usize, col: usize) -> usize {
        let mut start = ls;
        while start > 0 {
            let prev = self.line_start(self.before_last_break(start));
            if self.line_text(prev).starts_with('#') && self.indent_of(prev) <= col {
                start = prev;
            } else {
                break;
            }
        }
        start
    }

    /// The range removing whole lines: from the line break before `head` (a line start; from
    /// `head` itself when the lines end the text without a final break) to the end of the value
    /// ending at `point`, with the comment lines after it indented deeper than `col`. Keeping the line break after the value lets text be inserted at the end of
    /// the value's last line (the append point) in the same set of edits.
    fn removal(&self, head: usize, point: Point, col: usize) -> Range<usize> {
        let end = if point.line_start {
            self.before_last_break(point.pos)
        } else {
            point.pos
        };
        let end = self.lines_end_deeper(end, col, false);
        if head == 0 {
            return 0..self.next_line(end).max(end);
        }
        if end == self.b.len() && !self.s.ends_with(['\n', '\r']) {
            // The last lines of a text without a final line break: the break before them stays,
            // or a block scalar ending there would lose its final line break.
            return head..end;
        }
        self.before_last_break(head)..end
    }

    /// End of the lines removed with a value that ends at `point`: its line break, then the
    /// comment lines after it indented deeper than `col`.
    fn lines_end(&self, point: Point, col: usize) -> usize {
        let first = if point.line_start {
            point.pos
        } else {
            self.next_line(point.pos)
        };
        self.lines_end_deeper(first, col, true)
    }

    /// From `pos`, skip following comment-only lines indented deeper than `col`. With
    /// `line_starts`, `pos` is a line start and the result is one; otherwise `pos` is a line end
    /// and the result is the end of the last skipped line.
    fn lines_end_deeper(&self, pos: usize, col: usize, line_starts: bool) -> usize {
        let mut end = pos;
        let mut ls = if line_starts || pos >= self.b.len() {
            pos
        } else {
            self.next_line(pos)
        };
        // Blank lines are passed over, but only taken when a deeper comment follows them.
        while ls < self.b.len() {
            let text = self.line_text(ls);
            if text.starts_with('#') && self.indent_of(ls) > col {
                end = if line_starts {
                    self.next_line(ls)
                } else {
                    self.eol(ls)
                };
            } else if !text.is_empty() {
                break;
            }
            ls = self.next_line(ls);
        }
        end
    }

    /// What follows an insertion/replacement ending at line end `pos`.
    fn after_pos(&self, pos: usize) -> After {
        if pos >= self.b.len() {
            return After::NoBreak;
        }
        self.blank_lines_from(self.next_line(pos))
    }

    /// What follows text inserted at `point`.
    fn after(&self, point: Point) -> After {
        if point.line_start {
            // The inserted text brings its own line break.
            self.blank_lines_from(point.pos)
        } else {
            self.after_pos(point.pos)
        }
    }

    /// [`After::SpacesLine`] when the blank lines from line start `ls` include one with spaces.
    fn blank_lines_from(&self, mut ls: usize) -> After {
        while ls < self.b.len() && self.line_text(ls).is_empty() {
            if ls < self.eol(ls) {
                return After::SpacesLine;
            }
            ls = self.next_line(ls);
        }
        After::Break
    }

    /// The `-` introducing the block-sequence item whose content starts at `start`, looking
    /// back over blanks, line breaks, comments (`- # note` above the content), an anchor and a
    /// tag.
    fn dash_before(&self, start: usize) -> Option<usize> {
        self.dash_before_over(start, true)
    }

    /// `dash_before`, looking back over comments only when `comments` is set.
    fn dash_before_over(&self, start: usize, comments: bool) -> Option<usize> {
        let mut i = start;
        for _ in 0..3 {
            loop {
                while i > 0 && matches!(self.b[i - 1], b' ' | b'\t' | b'\r' | b'\n') {
                    i -= 1;
                }
                // On an earlier line, what follows ` #` is a comment: look before it.
                match self.comment_start(self.line_start(i), i) {
                    Some(hash) if comments && i < self.line_start(start) + 1 => i = hash,
                    _ => break,
                }
            }
            if i == 0 {
                return None;
            }
            if self.b[i - 1] == b'-' && (i == start || !self.b[i].is_ascii_graphic()) {
                return Some(i - 1);
            }
            // Skip back over one token (`&anchor`, `!tag`).
            let token_end = i;
            while i > 0 && !matches!(self.b[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
                i -= 1;
            }
            if !matches!(self.b[i], b'&' | b'!') || i == token_end {
                return None;
            }
        }
        None
    }

    /// The first `#` in `ls..end` (a line's text) that starts a comment: at the line start or
    /// after a blank.
    fn comment_start(&self, ls: usize, end: usize) -> Option<usize> {
        (ls..end).find(|&p| self.b[p] == b'#' && (p == ls || matches!(self.b[p - 1], b' ' | b'\t')))
    }

    /// The anchor and tag tokens after `from` (each with the blanks before it), and whether
    /// each is a tag: on its line, or on lines below indented deeper than `col`; they end at
    /// the first other text.
    fn props_after(&self, from: usize, col: usize) -> Vec<(Range<usize>, bool)> {
        let mut out = Vec::new();
        let mut i = from;
        loop {
            let start = i;
            loop {
                while i < self.b.len() && matches!(self.b[i], b' ' | b'\t') {
                    i += 1;
                }
                if i >= self.b.len() || !matches!(self.b[i], b'\n' | b'\r') {
                    break;
                }
                let next = self.next_line(i);
                let text = self.line_text(next);
                if self.indent_of(next) <= col || !text.starts_with(['&', '!']) {
                    return out;
                }
                i = next;
            }
            let separated = i > start || start == from;
            if i >= self.b.len() || !matches!(self.b[i], b'!' | b'&') || !separated {
                return out;
            }
            let tag = self.b[i] == b'!';
            while i < self.b.len() && !matches!(self.b[i], b' ' | b'\t' | b'\n' | b'\r') {
                i += 1;
            }
            out.push((start..i, tag));
        }
    }

    /// Start of the anchor/tag tokens before a node starting at `start`, on the same line.
    fn props_start(&self, start: usize) -> usize {
        let mut found = start;
        let mut i = start;
        for _ in 0..2 {
            while i > 0 && matches!(self.b[i - 1], b' ' | b'\t') {
                i -= 1;
            }
            let token_end = i;
            while i > 0 && !matches!(self.b[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
                i -= 1;
            }
            if i == token_end || !matches!(self.b[i], b'!' | b'&') {
                break;
            }
            found = i;
        }
        found
    }

    /// The `:` after a key ending at `key_end` (blanks between allowed).
    fn colon_after(&self, key_end: usize) -> Option<usize> {
        let mut i = key_end;
        while i < self.b.len() && matches!(self.b[i], b' ' | b'\t') {
            i += 1;
        }
        (i < self.b.len() && self.b[i] == b':').then_some(i)
    }

    /// Range of an explicit tag before a scalar at `start` (with the blanks after it).
    fn tag_before(&self, start: usize) -> Option<Range<usize>> {
        let mut i = start;
        for _ in 0..2 {
            let token_end = i;
            while i > 0 && matches!(self.b[i - 1], b' ' | b'\t') {
                i -= 1;
            }
            let blank_end = i;
            while i > 0 && !matches!(self.b[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
                i -= 1;
            }
            if i == blank_end {
                return None;
            }
            match self.b[i] {
                b'!' => return Some(i..token_end),
                b'&' => continue,
                _ => return None,
            }
        }
        None
    }

    /// True when the block scalar header at `start` has keep chomping (`|+`, `>2+`).
    fn keeps_breaks(&self, start: usize) -> bool {
        self.b[start..self.header_end(start)].contains(&b'+')
    }

    /// Start of the first non-blank line after the line holding `pos` (the end of the text if
    /// there is none).
    fn next_content_line(&self, pos: usize) -> usize {
        let mut ls = self.next_line(pos);
        while ls < self.b.len() && self.line_text(ls).is_empty() {
            ls = self.next_line(ls);
        }
        ls
    }

    /// Position of the line break that ends the text before `end` (so trailing blank lines of
    /// a `|+` block are removed with it but the final line break stays).
    fn before_last_break(&self, end: usize) -> usize {
        let mut e = end;
        if e > 0 && self.b[e - 1] == b'\n' {
            e -= 1;
            if e > 0 && self.b[e - 1] == b'\r' {
                e -= 1;
            }
        } else if e > 0 && self.b[e - 1] == b'\r' {
            e -= 1;
        }
        e
    }

    /// End of a block scalar header (`|`, `>-`, `|2+`) starting at `start`.
    fn header_end(&self, start: usize) -> usize {
        let mut i = start + 1;
        while i < self.b.len() && matches!(self.b[i], b'0'..=b'9' | b'+' | b'-') {
            i += 1;
        }
        i
    }

    /// Indentation of the first non-blank line in `from..to`.
    fn first_content_indent(&self, from: usize, to: usize) -> Option<usize> {
        let mut ls = from;
        while ls < to {
            if !self.line_text(ls).is_empty() {
                return Some(self.indent_of(ls));
            }
            ls = self.next_line(ls);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A change to a JSON value, addressed by JSON pointer.
    enum Op {
        /// Set (or add, for a new key or the index one past the end) the value at the pointer.
        Set(&'static str, Value),
        /// Remove the key or index at the pointer.
        Remove(&'static str),
        /// Insert into the array at the pointer's parent, before the index.
        Insert(&'static str, Value),
        /// Replace the whole document's value.
        Root(Value),
    }
    use Op::*;

    fn split(ptr: &str) -> (&str, String) {
        let i = ptr.rfind('/').unwrap();
        (
            &ptr[..i],
            ptr[i + 1..].replace("~1", "/").replace("~0", "~"),
        )
    }

    fn change(v: &mut Value, op: &Op) {
        if let Root(new) = op {
            *v = new.clone();
            return;
        }
        let (ptr, val) = match op {
            Root(_) => unreachable!("handled above"),
            Set(p, val) | Insert(p, val) => (*p, Some(val.clone())),
            Remove(p) => (*p, None),
        };
        let (parent, last) = split(ptr);
        match (v.pointer_mut(parent).unwrap(), val) {
            (Value::Object(m), Some(val)) => {
                m.insert(last, val);
            }
            (Value::Object(m), None) => {
                m.shift_remove(&last);
            }
            (Value::Array(a), Some(val)) => {
                let i: usize = last.parse().unwrap();
                if matches!(op, Insert(..)) || i == a.len() {
                    a.insert(i, val);
                } else {
                    a[i] = val;
                }
            }
            (Value::Array(a), None) => {
                a.remove(last.parse::<usize>().unwrap());
            }
            (other, _) => panic!("{ptr}: not a collection: {other}"),
        }
    }

    /// Sync `ops` applied to the first document of `src`; check the result reads back (with
    /// this parser, and with libyaml when there are no anchors) as the changed value.
    fn synced(src: &str, ops: &[Op]) -> Result<String, YamlError> {
        let doc = Document::parse(src).unwrap();
        let root = doc.roots()[0];
        let mut v = doc.to_json(root).unwrap();
        for op in ops {
            change(&mut v, op);
        }
        let mut edits = Edits::default();
        doc.sync(root, &v, &mut edits)?;
        let out = edits.apply(src)?;
        let re = Document::parse(out.as_str()).unwrap_or_else(|e| panic!("{out}\n{e}"));
        assert_eq!(re.to_json(re.roots()[0]).unwrap(), v, "re-parse of {out:?}");
        if !src.contains(['&', '*']) {
            let libyaml: Value =
                serde_norway::from_str(&out).unwrap_or_else(|e| panic!("{out}\n{e}"));
            assert_eq!(libyaml, v, "libyaml read of {out:?}");
        }
        Ok(out)
    }

    fn table(cases: &[(&str, &str, Vec<Op>, &str)]) {
        let mut failed = Vec::new();
        for (name, src, ops, want) in cases {
            match synced(src, ops) {
                Ok(out) if out == *want => {}
                Ok(out) => failed.push(format!("{name}:\n  got  {out:?}\n  want {want:?}")),
                Err(e) => failed.push(format!("{name}: error {e}")),
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    #[test]
    fn scalars_keep_their_style_when_it_still_reads_the_same() {
        let src = "a: x # c\nb: 'y'\nc: \"z\"\nd: 1\n";
        table(&[
            (
                "plain stays plain",
                src,
                vec![Set("/a", json!("new"))],
                "a: new # c\nb: 'y'\nc: \"z\"\nd: 1\n",
            ),
            (
                "single stays single",
                src,
                vec![Set("/b", json!("it's"))],
                "a: x # c\nb: 'it''s'\nc: \"z\"\nd: 1\n",
            ),
            (
                "double stays double",
                src,
                vec![Set("/c", json!("on"))],
                "a: x # c\nb: 'y'\nc: \"on\"\nd: 1\n",
            ),
            (
                "plain that would read as bool is quoted",
                src,
                vec![Set("/a", json!("on"))],
                "a: 'on' # c\nb: 'y'\nc: \"z\"\nd: 1\n",
            ),
            (
                "plain that would read as number is quoted",
                src,
                vec![Set("/a", json!("012"))],
                "a: '012' # c\nb: 'y'\nc: \"z\"\nd: 1\n",
            ),
            (
                "plain that needs an escape is double-quoted",
                src,
                vec![Set("/a", json!("t\tb"))],
                "a: \"t\\tb\" # c\nb: 'y'\nc: \"z\"\nd: 1\n",
            ),
            (
                "single that needs an escape is double-quoted",
                src,
                vec![Set("/b", json!("\u{7}"))],
                "a: x # c\nb: \"\\x07\"\nc: \"z\"\nd: 1\n",
            ),
            (
                "string to int is plain",
                src,
                vec![Set("/b", json!(5))],
                "a: x # c\nb: 5\nc: \"z\"\nd: 1\n",
            ),
            (
                "string to bool and null",
                src,
                vec![Set("/c", json!(true)), Set("/a", json!(null))],
                "a: null # c\nb: 'y'\nc: true\nd: 1\n",
            ),
            (
                "int to string is quoted",
                src,
                vec![Set("/d", json!("2"))],
                "a: x # c\nb: 'y'\nc: \"z\"\nd: '2'\n",
            ),
            (
                "int to float",
                src,
                vec![Set("/d", json!(1.5))],
                "a: x # c\nb: 'y'\nc: \"z\"\nd: 1.5\n",
            ),
        ]);
    }

    #[test]
    fn stale_tags_go() {
        table(&[
            (
                "!!str tag dropped",
                "a: !!str 12\nb: 1\n",
                vec![Set("/a", json!("13"))],
                "a: '13'\nb: 1\n",
            ),
            (
                "!!int tag dropped",
                "a: !!int 12 # c\n",
                vec![Set("/a", json!(13))],
                "a: 13 # c\n",
            ),
            (
                "!!str to int",
                "a: !!str x\n",
                vec![Set("/a", json!(7))],
                "a: 7\n",
            ),
            (
                "anchor kept, tag dropped",
                "a: &n !!str 12\n",
                vec![Set("/a", json!(3))],
                "a: &n 3\n",
            ),
        ]);
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        table(&[
            (
                "clip",
                "a: x\nb: y\n",
                vec![Set("/a", json!("l1\nl2\n"))],
                "a: |\n  l1\n  l2\nb: y\n",
            ),
            (
                "strip",
                "a: x\nb: y\n",
                vec![Set("/a", json!("l1\nl2"))],
                "a: |-\n  l1\n  l2\nb: y\n",
            ),
            (
                "two trailing breaks are double-quoted (|+ would join blank lines after it)",
                "a: x\nb: y\n",
                vec![Set("/a", json!("l1\n\n"))],
                "a: \"l1\\n\\n\"\nb: y\n",
            ),
            (
                "line comment moves to the header",
                "a: 'x' # c\nb: y\n",
                vec![Set("/a", json!("l1\nl2\n"))],
                "a: | # c\n  l1\n  l2\nb: y\n",
            ),
            (
                "leading spaces need an indicator",
                "a: x\n",
                vec![Set("/a", json!("  l1\nl2\n"))],
                "a: |2\n    l1\n  l2\n",
            ),
            (
                "in a sequence",
                "l:\n- x\n- y\n",
                vec![Set("/l/0", json!("a\nb\n"))],
                "l:\n- |\n  a\n  b\n- y\n",
            ),
            (
                "at the end without a line break",
                "a: x",
                vec![Set("/a", json!("l1\n"))],
                "a: \"l1\\n\"",
            ),
            (
                "strip at the end without a line break",
                "a: x",
                vec![Set("/a", json!("l1\nl2"))],
                "a: |-\n  l1\n  l2",
            ),
            (
                "keep before blank line",
                "a: x\n\nb: y\n",
                vec![Set("/a", json!("l1\n\n"))],
                "a: \"l1\\n\\n\"\n\nb: y\n",
            ),
            (
                "block stays block",
                "a: |-\n  old\nb: 1\n",
                vec![Set("/a", json!("new"))],
                "a: |-\n  new\nb: 1\n",
            ),
            (
                "block chomping follows the value",
                "a: |-\n  old\nb: 1\n",
                vec![Set("/a", json!("n1\nn2\n"))],
                "a: |\n  n1\n  n2\nb: 1\n",
            ),
            (
                "keep block replaced, its blank lines with it",
                "a: |+\n  old\n\nb: 1\n",
                vec![Set("/a", json!("new\n\n"))],
                "a: \"new\\n\\n\"\nb: 1\n",
            ),
            (
                "keep block to strip",
                "a: |+\n  old\n\n\nb: 1\n",
                vec![Set("/a", json!("new"))],
                "a: |-\n  new\nb: 1\n",
            ),
            (
                "keep block at the end",
                "a: |+\n  old\n\n",
                vec![Set("/a", json!("new\n"))],
                "a: |\n  new\n",
            ),
            (
                "block content indentation kept",
                "a: |\n    old\nb: 1\n",
                vec![Set("/a", json!("x\ny\n"))],
                "a: |\n    x\n    y\nb: 1\n",
            ),
            (
                "block header comment kept",
                "a: | # c\n  old\n",
                vec![Set("/a", json!("new\n"))],
                "a: | # c\n  new\n",
            ),
            (
                "folded becomes literal",
                "a: >\n  old\n  text\n",
                vec![Set("/a", json!("new\n"))],
                "a: |\n  new\n",
            ),
            (
                "deeper comment after is not swallowed into the block",
                "a: x\n  # deep\nb: 1\n",
                vec![Set("/a", json!("l1\nl2"))],
                "a: |-\n  l1\n  l2\nb: 1\n",
            ),
        ]);
    }

    #[test]
    fn keys_are_inserted_after_the_last_key() {
        table(&[
            (
                "nested map",
                "metadata:\n  name: a # c\n  labels:\n    x: y\nspec: 1\n",
                vec![Set("/metadata/namespace", json!("ns"))],
                "metadata:\n  name: a # c\n  labels:\n    x: y\n  namespace: ns\nspec: 1\n",
            ),
            (
                "after the line comment",
                "a: 1 # c\n",
                vec![Set("/b", json!(2))],
                "a: 1 # c\nb: 2\n",
            ),
            (
                "in the new value's order",
                "a: 1\n",
                vec![Set("/z", json!(1)), Set("/b", json!({"c": "yes"}))],
                "a: 1\nz: 1\nb:\n  c: 'yes'\n",
            ),
            (
                "into an empty flow map",
                "spec: {} # c\nx: 1\n",
                vec![Set("/spec/a", json!(1))],
                "spec: # c\n  a: 1\nx: 1\n",
            ),
            (
                "into a list item map",
                "items:\n- name: a\n  x: 1\n- name: b\n",
                vec![Set("/items/0/y", json!([1]))],
                "items:\n- name: a\n  x: 1\n  'y':\n  - 1\n- name: b\n",
            ),
            (
                "four-space indentation detected",
                "a:\n    b: 1\n",
                vec![Set("/a/c", json!({"d": [1]}))],
                "a:\n    b: 1\n    c:\n        d:\n        - 1\n",
            ),
            (
                "wide sequences detected",
                "a:\n    b:\n        - 1\n",
                vec![Set("/a/c", json!([2]))],
                "a:\n    b:\n        - 1\n    c:\n        - 2\n",
            ),
            (
                "after a nested block",
                "a:\n  b:\n    c: 1\n  # foot\nd: 1\n",
                vec![Set("/a/e", json!(2))],
                "a:\n  b:\n    c: 1\n  e: 2\n  # foot\nd: 1\n",
            ),
            (
                "after a keep block scalar",
                "a:\n  b: |+\n    x\n\nc: 1\n",
                vec![Set("/a/e", json!(2))],
                "a:\n  b: |+\n    x\n\n  e: 2\nc: 1\n",
            ),
            (
                "quoted keys",
                "a: 1\n",
                vec![Set("/on", json!(1)), Set("/x: y", json!(2))],
                "a: 1\n'on': 1\n'x: y': 2\n",
            ),
        ]);
    }

    #[test]
    fn keys_are_deleted_with_their_comments() {
        table(&[
            (
                "middle key with head and line comment",
                "a: 1\n# head b\nb: 2 # line b\nc: 3\n",
                vec![Remove("/b")],
                "a: 1\nc: 3\n",
            ),
            (
                "last key of a nested map",
                "m:\n  a: 1\n  b: 2\nn: 3\n",
                vec![Remove("/m/b")],
                "m:\n  a: 1\nn: 3\n",
            ),
            (
                "last key of the document",
                "a: 1\nb: 2\n",
                vec![Remove("/b")],
                "a: 1\n",
            ),
            (
                "key with a nested value and its foot comment",
                "a:\n  b: 1\n  # foot\nc: 2\n",
                vec![Remove("/a")],
                "c: 2\n",
            ),
            ("first key", "a: 1\nb: 2\n", vec![Remove("/a")], "b: 2\n"),
            (
                "first key of a - item",
                "l:\n- name: a # c\n  image: b\n",
                vec![Remove("/l/0/name")],
                "l:\n- image: b\n",
            ),
            (
                "first key of a - item, next key's head comment moves up",
                "l:\n  - name: a\n    # img\n    image: b\n    x: 1\n",
                vec![Remove("/l/0/name")],
                "l:\n  # img\n  - image: b\n    x: 1\n",
            ),
            (
                "first two keys of a - item",
                "l:\n- a: 1\n  b: 2\n  c: 3\n",
                vec![Remove("/l/0/a"), Remove("/l/0/b")],
                "l:\n- c: 3\n",
            ),
            (
                "every key of a - item",
                "l:\n- a: 1\n  b: 2\n- c: 3\n",
                vec![Remove("/l/0/a"), Remove("/l/0/b")],
                "l:\n- {}\n- c: 3\n",
            ),
            (
                "every key of a nested map",
                "m:\n  a: 1 # c\nn: 1\n",
                vec![Remove("/m/a")],
                "m: {}\nn: 1\n",
            ),
            (
                "delete and add",
                "m:\n  a: 1\n  b: 2\n",
                vec![Remove("/m/b"), Set("/m/c", json!(3))],
                "m:\n  a: 1\n  c: 3\n",
            ),
            (
                "replace every key",
                "l:\n- a: 1\n",
                vec![Remove("/l/0/a"), Set("/l/0/b", json!(2))],
                "l:\n- b: 2\n",
            ),
        ]);
    }

    #[test]
    fn sequences_change_item_by_item() {
        let src = "l:\n- a # ca\n# head b\n- b # cb\n- c # cc\nk: 1\n";
        table(&[
            (
                "remove middle",
                src,
                vec![Remove("/l/1")],
                "l:\n- a # ca\n- c # cc\nk: 1\n",
            ),
            (
                "remove first",
                src,
                vec![Remove("/l/0")],
                "l:\n# head b\n- b # cb\n- c # cc\nk: 1\n",
            ),
            (
                "remove last",
                src,
                vec![Remove("/l/2")],
                "l:\n- a # ca\n# head b\n- b # cb\nk: 1\n",
            ),
            (
                "append",
                src,
                vec![Set("/l/3", json!("d"))],
                "l:\n- a # ca\n# head b\n- b # cb\n- c # cc\n- d\nk: 1\n",
            ),
            (
                "insert first",
                src,
                vec![Insert("/l/0", json!("z"))],
                "l:\n- z\n- a # ca\n# head b\n- b # cb\n- c # cc\nk: 1\n",
            ),
            (
                "insert before a head comment",
                src,
                vec![Insert("/l/1", json!({"x": 1}))],
                "l:\n- a # ca\n- x: 1\n# head b\n- b # cb\n- c # cc\nk: 1\n",
            ),
            (
                "replace keeps the comment",
                src,
                vec![Set("/l/1", json!("yes"))],
                "l:\n- a # ca\n# head b\n- 'yes' # cb\n- c # cc\nk: 1\n",
            ),
            (
                "empty",
                src,
                vec![Remove("/l/0"), Remove("/l/0"), Remove("/l/0")],
                "l: []\nk: 1\n",
            ),
            (
                "wide append",
                "l:\n  - a\n",
                vec![Set("/l/1", json!({"b": 1, "c": [2]}))],
                "l:\n  - a\n  - b: 1\n    c:\n      - 2\n",
            ),
            (
                "map items: change one field, comments on others stay",
                "l:\n- name: a # x\n  v: 1\n- name: b # y\n  v: 2\n",
                vec![Set("/l/1/v", json!(3))],
                "l:\n- name: a # x\n  v: 1\n- name: b # y\n  v: 3\n",
            ),
            (
                "remove a map item with its head comment",
                "l:\n# one\n- name: a\n  v: 1\n  # foot of one\n# two\n- name: b\n",
                vec![Remove("/l/0")],
                "l:\n# two\n- name: b\n",
            ),
            (
                "nested sequence re-rendered",
                "l:\n- - a\n  - b\n",
                vec![Set("/l/0/2", json!("c"))],
                "l:\n- - a\n  - b\n  - c\n",
            ),
        ]);
    }

    #[test]
    fn flow_collections_are_re_rendered_in_flow_style() {
        table(&[
            (
                "flow sequence",
                "a: [1, 2] # c\n",
                vec![Set("/a/2", json!("on"))],
                "a: [1, 2, 'on'] # c\n",
            ),
            (
                "flow map",
                "a: {x: 1}\n",
                vec![Set("/a/y", json!("a,b"))],
                "a: {x: 1, 'y': 'a,b'}\n",
            ),
            ("flow emptied", "a: [1]\n", vec![Remove("/a/0")], "a: []\n"),
            (
                "empty flow sequence becomes block",
                "a: []\nb: 1\n",
                vec![Set("/a/0", json!(1))],
                "a:\n- 1\nb: 1\n",
            ),
            (
                "flow in a block item",
                "l:\n- [a, b]\n",
                vec![Set("/l/0/0", json!("z"))],
                "l:\n- [z, b]\n",
            ),
        ]);
    }

    #[test]
    fn values_that_change_type_are_re_rendered() {
        table(&[
            (
                "scalar to map, comment to the key line",
                "a: 1 # c\nb: 2\n",
                vec![Set("/a", json!({"x": [1]}))],
                "a: # c\n  x:\n  - 1\nb: 2\n",
            ),
            (
                "map to list",
                "a:\n  x: 1\nb: 2\n",
                vec![Set("/a", json!([1, 2]))],
                "a:\n- 1\n- 2\nb: 2\n",
            ),
            (
                "map to scalar, key comment kept",
                "a: # k\n  x: 1 # inner\nb: 2\n",
                vec![Set("/a", json!(5))],
                "a: 5 # k\nb: 2\n",
            ),
            (
                "list to map",
                "a:\n- 1\nb: 2\n",
                vec![Set("/a", json!({"x": 1}))],
                "a:\n  x: 1\nb: 2\n",
            ),
            (
                "item scalar to map",
                "l:\n- a\n- b\n",
                vec![Set("/l/0", json!({"x": 1, "y": 2}))],
                "l:\n- x: 1\n  'y': 2\n- b\n",
            ),
            (
                "item map to scalar",
                "l:\n- x: 1\n  y: 2\n- b\n",
                vec![Set("/l/0", json!("s"))],
                "l:\n- s\n- b\n",
            ),
            (
                "empty value to map",
                "a:\nb: 1\n",
                vec![Set("/a", json!({"x": 1}))],
                "a:\n  x: 1\nb: 1\n",
            ),
            (
                "empty value to scalar",
                "a: # c\nb: 1\n",
                vec![Set("/a", json!("v"))],
                "a: v # c\nb: 1\n",
            ),
            (
                "deep in four-space file",
                "a:\n    b:\n        c: 1\n",
                vec![Set("/a/b/c", json!({"d": 1}))],
                "a:\n    b:\n        c:\n            d: 1\n",
            ),
        ]);
    }

    #[test]
    fn crlf_and_utf8() {
        table(&[
            (
                "crlf insert",
                "a: 1\r\nb:\r\n  c: 2\r\n",
                vec![Set("/b/d", json!({"e": "x\ny"}))],
                "a: 1\r\nb:\r\n  c: 2\r\n  d:\r\n    e: |-\r\n      x\r\n      y\r\n",
            ),
            (
                "crlf delete",
                "a: 1\r\n# h\r\nb: 2\r\nc: 3\r\n",
                vec![Remove("/b")],
                "a: 1\r\nc: 3\r\n",
            ),
            (
                "crlf sequence",
                "l:\r\n- a\r\n- b\r\n",
                vec![Remove("/l/0"), Set("/l/1", json!("c"))],
                "l:\r\n- b\r\n- c\r\n",
            ),
            (
                "cr-only insert: new lines end in `\\r`",
                "a: 1\rb:\r  c: 2\r",
                vec![Set("/b/d", json!({"e": "x\ny"}))],
                "a: 1\rb:\r  c: 2\r  d:\r    e: |-\r      x\r      y\r",
            ),
            (
                "cr-only sequence append",
                "l:\r- a\r",
                vec![Set("/l/1", json!("b"))],
                "l:\r- a\r- b\r",
            ),
            (
                "utf-8 before and inside edits",
                "名前: ü # é\nx: 日本\n",
                vec![Set("/x", json!("中文")), Set("/名前", json!("ö"))],
                "名前: ö # é\nx: 中文\n",
            ),
            (
                "utf-8 keys inserted",
                "ä: 1\n",
                vec![Set("/ö", json!("ü"))],
                "ä: 1\nö: ü\n",
            ),
        ]);
    }

    /// A position at the `\n` of a `\r\n` is on the line that break ends, as at its `\r`.
    #[test]
    fn the_cr_of_a_crlf_is_no_line_break_of_its_own() {
        let t = Text::new("a:\r\n  b: 1\r\n");
        for pos in [10, 11] {
            assert_eq!(t.line_start(pos), 4, "at {pos}");
            assert_eq!(t.indent_of(pos), 2, "at {pos}");
        }
        assert_eq!((t.column(10), t.column(11)), (6, 7));
        assert_eq!(t.line_start(12), 12);
        assert!(!Text::new("a\r\n").blank_before(2));
        // A lone `\r` still ends a line.
        assert_eq!(Text::new("a\rb").line_start(2), 2);
        assert_eq!(Text::new("a\r\rb").line_start(3), 3);
    }

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

    fn refused(src: &str, ops: &[Op]) -> YamlError {
        match synced(src, ops) {
            Ok(out) => panic!("expected an error, got {out:?}"),
            Err(e) => e,
        }
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
    fn explicit_keys_are_refused() {
        let e = refused("? a\n: 1\nb: 2\n", &[Set("/c", json!(3))]);
        assert_eq!(
            e.to_string(),
            "line 1, column 3: cannot change (root): the mapping has an explicit `? key` entry; edit it by hand"
        );
        refused("x: 1\n? \n", &[Set("/c", json!(3))]);
        // A `?` ending a plain value is no explicit key.
        assert_eq!(
            synced("a: what?\nb: 1\n", &[Set("/b", json!(2))]).unwrap(),
            "a: what?\nb: 2\n"
        );
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

    #[test]
    fn item_removal_and_append_points() {
        let src = "items:\n# one\n- a: 1\n  b: 2 # c\n  # foot\n# two\n- x\n- |\n  text\nk: 1\n";
        let doc = Document::parse(src).unwrap();
        let items = doc.get(doc.roots()[0], "items").unwrap();
        let NodeKind::Sequence { items: ids, .. } = &doc.node(items).kind else {
            panic!("not a sequence")
        };
        let cut = |i: usize| {
            let r = doc.item_removal_range(ids[i]);
            format!("{}{}", &src[..r.start], &src[r.end..])
        };
        assert_eq!(cut(0), "items:\n# two\n- x\n- |\n  text\nk: 1\n");
        assert_eq!(
            cut(1),
            "items:\n# one\n- a: 1\n  b: 2 # c\n  # foot\n- |\n  text\nk: 1\n"
        );
        assert_eq!(
            cut(2),
            "items:\n# one\n- a: 1\n  b: 2 # c\n  # foot\n# two\n- x\nk: 1\n"
        );
        let (at, col) = doc.append_point(items);
        assert_eq!(col, 0);
        assert_eq!(
            format!("{}\n- new{}", &src[..at], &src[at..]),
            "items:\n# one\n- a: 1\n  b: 2 # c\n  # foot\n# two\n- x\n- |\n  text\n- new\nk: 1\n"
        );
    }
}
