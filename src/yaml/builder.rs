//! The node arena both readers feed (granit's events in `parse.rs`, the fast scanner in
//! `fast.rs`): byte spans, styles, tags, anchors, comments, duplicate-key and depth checks.

use super::{
    Children, Document, Entries, Node, NodeId, NodeKind, NodeProps, ScalarStyle, ScalarText,
    YamlError,
};
use std::ops::Range;

/// Deepest nesting of collections accepted (checked before descending, so no recursion
/// anywhere depends on input depth).
pub const MAX_DEPTH: usize = 1000;

/// A node's tag as written and the byte range of its token.
pub(super) type Tag = (String, Range<usize>);

/// Marks "no parent" in the parent table.
pub(super) const NO_PARENT: u32 = u32::MAX;

/// Marks "no `-`" in the dash table (items of flow sequences).
pub(super) const NO_DASH: u32 = u32::MAX;

/// An open collection while its children are being read.
struct Frame {
    id: NodeId,
    /// granit anchor id defined on the collection (0: none).
    anchor: usize,
    /// For mappings: the key read, waiting for its value.
    pending_key: Option<NodeId>,
    /// Where this collection's children start in `open_entries` or `open_items`.
    first_child: usize,
    /// A mapping (else a sequence).
    mapping: bool,
    /// A block sequence (its items have a `-`).
    block_seq: bool,
    /// The `-` before this collection when it is a block-sequence item.
    dash: u32,
}

/// The document made of `src` and what its builder found.
pub(super) fn assemble(mut src: String, mut doc: Document) -> Document {
    // A text read whole may sit in a buffer grown by doubling: the document keeps its exact
    // size (large buffers shrink in place).
    src.shrink_to_fit();
    doc.src = src;
    doc.duplicate_keys.sort_unstable_by_key(|&(_, later)| later);
    if !doc.comments.is_sorted_by_key(|c| c.0) {
        doc.comments.sort_by_key(|c| c.0);
    }
    doc.comments.shrink_to_fit();
    doc
}

/// Builds the arena from parse events (granit's, or the fast path's).
pub(super) struct Builder<'s> {
    pub(super) src: &'s str,
    nodes: Vec<Node>,
    parents: Vec<u32>,
    /// The entries of the closed mappings, each mapping's together (ids fit `u32`: checked
    /// at parse).
    entries: Vec<(u32, u32)>,
    /// The items of the closed sequences, each sequence's together.
    items: Vec<NodeId>,
    /// The `-` of each item in `items`.
    dashes: Vec<u32>,
    /// Decoded scalar texts that are not the source text.
    texts: Vec<Box<str>>,
    roots: Vec<NodeId>,
    /// Byte ranges of the comments, as `u32` pairs ([`Builder::push_comment`]).
    comments: Vec<(u32, u32)>,
    stack: Vec<Frame>,
    /// Tag and anchor of the nodes that have either, by node id.
    props: std::collections::BTreeMap<NodeId, NodeProps>,
    /// Entries of the open mappings, innermost last (moved into `entries` on close).
    open_entries: Vec<(NodeId, NodeId)>,
    /// Items of the open sequences and their `-`, innermost last (moved on close).
    open_items: Vec<(NodeId, u32)>,
    /// The `-` of the block-sequence item the next node is, when the reader knows it.
    pub(super) next_dash: Option<usize>,
    /// The `|`/`>` header of the block scalar the next node is, when the reader knows it.
    pub(super) next_header: Option<usize>,
    /// End of the text granit's events covered before the next node (comments and empty spans
    /// aside): where the forward searches for a block scalar's header and for the `-` of an
    /// indentless sequence's first item start.
    pub(super) last_end: usize,
    /// granit anchor id → completed node (index = anchor id).
    pub(super) anchors: Vec<Option<NodeId>>,
    /// The node an `Anchor` event that follows belongs to.
    pub(super) last_node: Option<NodeId>,
    /// Record duplicate keys in `duplicate_keys` instead of failing.
    pub(super) allow_duplicate_keys: bool,
    /// The reader passes no explicit key (`?`): a mapping never starts at one.
    pub(super) no_explicit_keys: bool,
    /// (earlier key, later key with the same text), when duplicates are allowed.
    duplicate_keys: Vec<(NodeId, NodeId)>,
}

impl<'s> Builder<'s> {
    /// An empty arena for `src`.
    pub(super) fn new(src: &'s str) -> Self {
        // Typical Kubernetes YAML has a node per 15-20 bytes. Reserving generously avoids
        // copying the arena as it grows; pages never touched cost no memory.
        let estimate = src.len() / 10 + 16;
        Builder {
            src,
            nodes: Vec::with_capacity(estimate),
            parents: Vec::with_capacity(estimate),
            entries: Vec::with_capacity(estimate / 3),
            items: Vec::new(),
            dashes: Vec::new(),
            texts: Vec::new(),
            roots: Vec::new(),
            comments: Vec::new(),
            stack: Vec::new(),
            props: Default::default(),
            open_entries: Vec::new(),
            open_items: Vec::new(),
            next_dash: None,
            next_header: None,
            last_end: 0,
            anchors: Vec::new(),
            last_node: None,
            allow_duplicate_keys: false,
            no_explicit_keys: false,
            duplicate_keys: Vec::new(),
        }
    }

    /// What was built (the document without its source), for [`assemble`].
    pub(super) fn finish(mut self) -> Document {
        // The arena was reserved generously; what the document keeps is its exact size (for
        // large arenas the allocator shrinks in place, without copying).
        self.nodes.shrink_to_fit();
        self.parents.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.items.shrink_to_fit();
        self.dashes.shrink_to_fit();
        Document {
            src: String::new(),
            nodes: self.nodes,
            props: self.props.into_iter().collect(),
            parents: self.parents,
            entries: self.entries,
            items: self.items,
            dashes: self.dashes,
            texts: self.texts,
            roots: self.roots,
            comments: self.comments,
            duplicate_keys: self.duplicate_keys,
            line_starts: Default::default(),
            layout: Default::default(),
            block_scalars: Default::default(),
        }
    }

    /// Node `id`'s tag as written, with its token's range (sources fit `u32`: checked at parse).
    #[inline]
    fn set_tag(&mut self, id: NodeId, tag: Option<Tag>) {
        if let Some((tag, at)) = tag {
            self.nodes[id].mark_props();
            let props = self.props.entry(id).or_default();
            props.tag = Some(tag);
            props.tag_start = at.start as u32;
            props.tag_end = at.end as u32;
        }
    }

    /// Node `id`'s anchor name, its `&` at byte `at`.
    pub(super) fn set_anchor(&mut self, id: NodeId, anchor: String, at: usize) {
        self.nodes[id].mark_props();
        let props = self.props.entry(id).or_default();
        props.anchor = Some(anchor);
        props.anchor_at = at as u32;
    }

    /// The comment at `range` (sources fit `u32`: checked at parse).
    #[inline]
    pub(super) fn push_comment(&mut self, range: Range<usize>) {
        self.comments.push((range.start as u32, range.end as u32));
    }

    pub(super) fn push_node(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.parents.push(NO_PARENT);
        self.nodes.len() - 1
    }

    /// A scalar token at `range` written in `style`; `value` is its decoded text, `None` when
    /// that is the token's own source text (a plain token, or what is between the quotes of a
    /// quoted one), so the fast path never copies text that needs no decoding. A block scalar's
    /// `range` is its content as granit reports it; its node starts at its header.
    pub(super) fn scalar(
        &mut self,
        value: Option<String>,
        style: ScalarStyle,
        range: Range<usize>,
        tag: Option<Tag>,
    ) -> NodeId {
        let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
        let (value, span) = if block {
            (
                self.owned(value.unwrap_or_default()),
                self.block_span(range),
            )
        } else {
            let value = match value {
                // An empty node (`key:`, `- `, `: value`): no text.
                _ if range.is_empty() && style == ScalarStyle::Plain => ScalarText::SOURCE,
                Some(value)
                    if ScalarText::in_source(self.src, range.clone(), style)
                        == Some(value.as_str()) =>
                {
                    ScalarText::SOURCE
                }
                Some(value) => self.owned(value),
                None => ScalarText::SOURCE,
            };
            (value, range)
        };
        let node = Node::new(NodeKind::Scalar { value, style }, span);
        let id = self.push_node(node);
        self.set_tag(id, tag);
        id
    }

    /// The span of a block scalar whose content granit reports at `range`: from its `|`/`>`
    /// header (the reader's, else the first one after the last event) to the end of its last
    /// content line, or of the header when it has no content. Without a header (none found
    /// where only indicators, properties and comments may stand), the content's span.
    fn block_span(&mut self, range: Range<usize>) -> Range<usize> {
        let bytes = self.src.as_bytes();
        let header = match self.next_header.take() {
            Some(at) => Some(at),
            // (An empty block scalar at the end of the text has its content start at its header.)
            None => indicator_after(
                bytes,
                self.last_end,
                range.start + 1,
                Indicator::Header,
                true,
            ),
        };
        let content_end = block_content_end(bytes, range.clone());
        let Some(h) = header else {
            return range.start..content_end;
        };
        let mut header_end = h + 1;
        while header_end < bytes.len() && matches!(bytes[header_end], b'0'..=b'9' | b'+' | b'-') {
            header_end += 1;
        }
        let empty = if range.start <= h {
            // Empty at the end of the text: granit's span starts at the header, and the lines
            // of spaces after it are the block's (they are a `|+` block's value once a line
            // follows).
            let below = bytes.get(header_end..content_end).unwrap_or_default();
            !below.iter().any(|&b| b == b'\n' || b == b'\r')
        } else {
            content_end == range.start
        };
        h..if empty { header_end } else { content_end }
    }

    /// A copy of decoded text `value`.
    fn owned(&mut self, value: String) -> ScalarText {
        self.texts.push(value.into_boxed_str());
        ScalarText(self.texts.len() as u32 - 1)
    }

    /// A scalar whose text is its source text (not a block scalar), as the next child of the
    /// innermost open collection: [`Builder::scalar`] then [`Builder::attach`], without the
    /// cases only granit's events bring (tags, anchors; roots go the general way).
    pub(super) fn source_scalar(
        &mut self,
        style: ScalarStyle,
        mut span: Range<usize>,
    ) -> Result<(), YamlError> {
        let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
        let Some(frame) = self.stack.last_mut().filter(|_| !block) else {
            let id = self.scalar(None, style, span, None);
            return self.attach(id, 0);
        };
        let id = self.nodes.len();
        if frame.pending_key.is_some()
            && span.is_empty()
            && style == ScalarStyle::Plain
            && self.src.as_bytes().get(span.start) == Some(&b':')
        {
            // As in `attach`: an empty value sits just after its `:`.
            span = span.start + 1..span.start + 1;
        }
        let value = ScalarText::SOURCE;
        let start = span.start;
        self.nodes
            .push(Node::new(NodeKind::Scalar { value, style }, span));
        self.parents.push(frame.id as u32);
        self.last_node = Some(id);
        if frame.mapping {
            match frame.pending_key.take() {
                Some(key) => self.open_entries.push((key, id)),
                None => frame.pending_key = Some(id),
            }
        } else {
            let dash = self.item_dash(start);
            self.open_items.push((id, dash));
        }
        Ok(())
    }

    pub(super) fn open(
        &mut self,
        kind: NodeKind,
        range: Range<usize>,
        tag: Option<Tag>,
        anchor: usize,
    ) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(depth_error(self, range.start));
        }
        let first_child = match kind {
            NodeKind::Mapping { .. } => self.open_entries.len(),
            _ => self.open_items.len(),
        };
        let dash = match self.stack.last() {
            Some(f) if !f.mapping => self.item_dash(range.start),
            _ => NO_DASH,
        };
        let block_seq = matches!(kind, NodeKind::Sequence { flow: false, .. });
        let node = Node::new(kind, range);
        let id = self.push_node(node);
        self.set_tag(id, tag);
        self.last_node = Some(id);
        self.stack.push(Frame {
            id,
            anchor,
            pending_key: None,
            first_child,
            mapping: matches!(self.nodes[id].kind, NodeKind::Mapping { .. }),
            block_seq,
            dash,
        });
        if anchor != 0 {
            // Registered on close: an alias inside the node itself must not resolve.
            self.note_anchor(anchor, None);
        }
        Ok(())
    }

    pub(super) fn close(&mut self, range: Range<usize>) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Err(self.error_at(range.start, "unbalanced collection end"));
        };
        let id = frame.id;
        // The children, moved into the document's arena.
        match &mut self.nodes[id].kind {
            NodeKind::Mapping { entries, .. } => {
                let open = &self.open_entries[frame.first_child..];
                *entries = Children {
                    start: self.entries.len() as u32,
                    len: open.len() as u32,
                };
                self.entries
                    .extend(open.iter().map(|&(k, v)| (k as u32, v as u32)));
                self.open_entries.truncate(frame.first_child);
            }
            NodeKind::Sequence { items, .. } => {
                let open = &self.open_items[frame.first_child..];
                *items = Children {
                    start: self.items.len() as u32,
                    len: open.len() as u32,
                };
                self.items.extend(open.iter().map(|&(item, _)| item));
                self.dashes.extend(open.iter().map(|&(_, dash)| dash));
                self.open_items.truncate(frame.first_child);
            }
            _ => {}
        }
        let start = self.nodes[id].span().start;
        let bytes = self.src.as_bytes();
        let kind = self.nodes[id].kind;
        let (span, pending) = match kind {
            NodeKind::Mapping { flow: true, .. } | NodeKind::Sequence { flow: true, .. } => {
                (start..range.end, frame.pending_key)
            }
            NodeKind::Mapping { entries, .. } => {
                let entries = Entries::new(&self.entries[entries.range()]);
                let span = match (entries.first(), entries.last()) {
                    (Some((k, _)), Some((_, v))) => {
                        // The first key's tag or anchor (`!t key: v`) starts the mapping, and
                        // so does the `?` of an explicit first key (`? key`).
                        let mut s = self.nodes[k].span().start;
                        if self.no_explicit_keys && frame.pending_key.is_none() {
                            return self.closed(id, frame, s..self.nodes[v].span().end);
                        }
                        if self.nodes[k].has_props() {
                            if let Some(at) = self.props.get(&k).and_then(NodeProps::start) {
                                s = s.min(at);
                            }
                        }
                        // The key may start on the line after a lone `?`, which then starts
                        // its line (after indentation or `- ` indicators).
                        let mut p = s;
                        while p > 0 && matches!(bytes[p - 1], b' ' | b'\t' | b'\n' | b'\r') {
                            p -= 1;
                        }
                        let same_line = || !bytes[p..s].iter().any(|&b| b == b'\n' || b == b'\r');
                        let indicator_only = || {
                            let line_start = bytes[..p.saturating_sub(1)]
                                .iter()
                                .rposition(|&b| b == b'\n' || b == b'\r')
                                .map_or(0, |i| i + 1);
                            bytes[line_start..p.saturating_sub(1)]
                                .iter()
                                .all(|&b| matches!(b, b' ' | b'\t' | b'-'))
                        };
                        // An empty key right after its `?` (`?` alone) starts at the `?` too.
                        let empty_key = self.nodes[k].span().is_empty();
                        if p > 0
                            && bytes[p - 1] == b'?'
                            && (p < s || empty_key)
                            && (same_line() || indicator_only())
                        {
                            s = p - 1;
                        }
                        s..self.nodes[v].span().end
                    }
                    _ => start..start,
                };
                (span, frame.pending_key)
            }
            NodeKind::Sequence { items, .. } => {
                let range = items.range();
                let items = &self.items[range.clone()];
                let span = match (items.first(), items.last()) {
                    (Some(&f), Some(&l)) => {
                        let first = self.nodes[f].span().start;
                        // Recorded for every item of a block sequence.
                        let dash = self.dashes[range.start];
                        let s = if dash != NO_DASH {
                            dash as usize
                        } else {
                            first
                        };
                        s..self.nodes[l].span().end
                    }
                    _ => start..start,
                };
                (span, None)
            }
            _ => return Err(self.error_at(start, "internal: frame is not a collection")),
        };
        if let Some(key) = pending {
            // A key without value cannot come from granit; be defensive.
            return Err(self.error_at(self.nodes[key].span().start, "mapping key without a value"));
        }
        self.closed(id, frame, span)
    }

    /// Collection `id` of `frame` is closed at `span`: check it and attach it.
    fn closed(&mut self, id: NodeId, frame: Frame, span: Range<usize>) -> Result<(), YamlError> {
        let anchor = frame.anchor;
        self.nodes[id].set_span(span);
        if matches!(self.nodes[id].kind, NodeKind::Mapping { .. }) {
            if let Err(e) = self.check_duplicates(id) {
                if !self.allow_duplicate_keys {
                    return Err(e);
                }
                self.record_duplicates(id);
            }
        }
        self.last_node = None;
        self.next_dash = (frame.dash != NO_DASH).then_some(frame.dash as usize);
        self.attach(id, anchor)
    }

    /// The `-` of the item starting at `start` of the innermost open collection, a sequence:
    /// what the reader said, else the first `-` after the previous item (or the sequence's
    /// start) over blanks and comments, else the first after the last event read.
    fn item_dash(&mut self, start: usize) -> u32 {
        let next = self.next_dash.take();
        let Some(frame) = self.stack.last().filter(|f| f.block_seq) else {
            return NO_DASH;
        };
        if let Some(dash) = next {
            return dash as u32;
        }
        let from = match self.open_items[frame.first_child..].last() {
            Some(&(prev, _)) => self.nodes[prev].span().end,
            None => self.nodes[frame.id].span().start,
        };
        let bytes = self.src.as_bytes();
        indicator_after(bytes, from, start, Indicator::Dash, false)
            .or_else(|| {
                // granit starts an indentless sequence (`key:\n- a`) at its first item's
                // content or tag: its `-` follows the key's `:` and the sequence's properties.
                indicator_after(bytes, self.last_end, start, Indicator::Dash, true)
            })
            .map_or(NO_DASH, |d| d as u32)
    }

    /// Record `id` as the next child of the open collection (or as a document root).
    pub(super) fn attach(&mut self, id: NodeId, anchor: usize) -> Result<(), YamlError> {
        if matches!(self.nodes[id].kind, NodeKind::Scalar { .. }) {
            self.last_node = Some(id);
        }
        if anchor != 0 {
            self.note_anchor(anchor, Some(id));
        }
        let Some(frame) = self.stack.last_mut() else {
            let node = &self.nodes[id];
            let empty_doc = node.span().is_empty()
                && self.props.get(&id).is_none_or(|p| p.tag.is_none())
                && anchor == 0
                && matches!(node.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain } if value.get(self.src, &self.texts, node.span(), ScalarStyle::Plain).is_empty());
            if !empty_doc {
                self.roots.push(id);
            }
            return Ok(());
        };
        // Ids fit: a source of at most `u32::MAX` bytes has fewer nodes than that.
        self.parents[id] = frame.id as u32;
        if frame.pending_key.is_some() {
            // An empty value (`key:`) sits just after the `:`, where granit places it at the `:`.
            let node = &mut self.nodes[id];
            let at = node.span().start;
            if node.span().is_empty()
                && self.src.as_bytes().get(at) == Some(&b':')
                && matches!(node.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain } if value.get(self.src, &self.texts, node.span(), ScalarStyle::Plain).is_empty())
            {
                node.set_span(at + 1..at + 1);
            }
        }
        if frame.mapping {
            match frame.pending_key.take() {
                Some(key) => self.open_entries.push((key, id)),
                None => frame.pending_key = Some(id),
            }
        } else {
            let start = self.nodes[id].span().start;
            let dash = self.item_dash(start);
            self.open_items.push((id, dash));
        }
        Ok(())
    }

    fn note_anchor(&mut self, anchor: usize, id: Option<NodeId>) {
        if self.anchors.len() <= anchor {
            self.anchors.resize(anchor + 1, None);
        }
        self.anchors[anchor] = id;
    }

    /// Record every later occurrence of a scalar key of mapping `id` with its first occurrence.
    fn record_duplicates(&mut self, id: NodeId) {
        let NodeKind::Mapping { entries, .. } = self.nodes[id].kind else {
            return;
        };
        let mut first: std::collections::HashMap<&str, NodeId> = Default::default();
        for (k, _) in Entries::new(&self.entries[entries.range()]).iter() {
            let node = &self.nodes[k];
            let NodeKind::Scalar { value, style } = node.kind else {
                continue;
            };
            let text = value.get(self.src, &self.texts, node.span(), style);
            match first.get(text) {
                Some(&earlier) => self.duplicate_keys.push((earlier, k)),
                None => {
                    first.insert(text, k);
                }
            }
        }
    }

    /// Error on the second occurrence of a scalar key in mapping `id`.
    fn check_duplicates(&self, id: NodeId) -> Result<(), YamlError> {
        let NodeKind::Mapping { entries, .. } = self.nodes[id].kind else {
            return Ok(());
        };
        let entries = Entries::new(&self.entries[entries.range()]);
        let key_text = |k: NodeId| {
            let node = &self.nodes[k];
            match node.kind {
                // The common key, read here without a call.
                NodeKind::Scalar {
                    value: ScalarText::SOURCE,
                    style: ScalarStyle::Plain,
                } => Some(self.src.get(node.span()).unwrap_or_default()),
                NodeKind::Scalar { value, style } => {
                    Some(value.get(self.src, &self.texts, node.span(), style))
                }
                _ => None,
            }
        };
        let report = |first: NodeId, second: NodeId| {
            let (first, second) =
                if self.nodes[first].span().start <= self.nodes[second].span().start {
                    (first, second)
                } else {
                    (second, first)
                };
            let line = line_of(self.src, self.nodes[first].span().start);
            self.error_at(
                self.nodes[second].span().start,
                format!(
                    "duplicate key \"{}\" (first defined on line {line})",
                    key_text(second).unwrap_or_default()
                ),
            )
        };
        if entries.len() <= 16 {
            // Each key's length and end bytes in one word tell most keys apart in one
            // comparison; texts are compared only when the words agree. Keys that are no
            // scalars get `NOT_SCALAR`, which no text's word equals, and are never compared.
            const NOT_SCALAR: u64 = u64::MAX;
            let bytes = self.src.as_bytes();
            let mut prints = [NOT_SCALAR; 16];
            for (i, (a, _)) in entries.iter().enumerate() {
                let node = &self.nodes[a];
                let print = match node.kind {
                    NodeKind::Scalar {
                        value: ScalarText::SOURCE,
                        style: ScalarStyle::Plain,
                    } => fingerprint(bytes.get(node.span()).unwrap_or_default()),
                    NodeKind::Scalar { .. } => {
                        fingerprint(key_text(a).unwrap_or_default().as_bytes())
                    }
                    _ => continue,
                };
                for (j, &p) in prints[..i].iter().enumerate() {
                    let earlier = entries.0[j].0 as NodeId;
                    if p == print && key_text(earlier) == key_text(a) {
                        return Err(report(earlier, a));
                    }
                }
                prints[i] = print;
            }
            return Ok(());
        }
        let mut keys: Vec<(&str, NodeId)> = entries
            .iter()
            .filter_map(|(k, _)| key_text(k).map(|t| (t, k)))
            .collect();
        keys.sort_unstable();
        let dup = keys
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| (w[0].1, w[1].1))
            .min_by_key(|&(a, b)| self.nodes[a].span().start.max(self.nodes[b].span().start));
        match dup {
            Some((a, b)) => Err(report(a, b)),
            None => Ok(()),
        }
    }

    pub(super) fn error_at(&self, byte: usize, message: impl Into<String>) -> YamlError {
        let (line, column) = position_in(self.src, byte);
        YamlError {
            message: message.into(),
            line,
            column,
        }
    }
}

fn depth_error(b: &Builder<'_>, at: usize) -> YamlError {
    b.error_at(at, format!("nesting deeper than {MAX_DEPTH} levels"))
}

/// A key's length and first and last bytes in one word: different words mean different texts.
fn fingerprint(b: &[u8]) -> u64 {
    let (first, last) = match b {
        [] => (0, 0),
        [first, .., last] => (*first, *last),
        [only] => (*only, *only),
    };
    (b.len() as u64) << 16 | u64::from(first) << 8 | u64::from(last)
}

/// End of a block scalar's last content line (line break excluded); `range.start` if it has no
/// content. A line of spaces longer than the block's indentation is content (` ` in
/// `allow ssh\n \n`), though it looks blank.
fn block_content_end(bytes: &[u8], range: Range<usize>) -> usize {
    let mut ls = bytes[..range.start]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |i| i + 1);
    let mut indent = None;
    let mut end = range.start;
    while ls < range.end {
        let mut e = ls;
        while e < range.end && bytes[e] != b'\n' && bytes[e] != b'\r' {
            e += 1;
        }
        let spaces = bytes[ls..e].iter().take_while(|&&c| c == b' ').count();
        let blank = bytes[ls..e].iter().all(|&c| c == b' ' || c == b'\t');
        if !blank && indent.is_none() {
            indent = Some(spaces);
        }
        if !blank || indent.is_some_and(|i| e - ls > i) {
            end = e;
        }
        ls = if e < bytes.len() && bytes[e] == b'\r' && bytes.get(e + 1) == Some(&b'\n') {
            e + 2
        } else {
            e + 1
        };
    }
    if indent.is_none() {
        return range.start;
    }
    end
}

/// What [`indicator_after`] looks for.
#[derive(Clone, Copy, PartialEq)]
enum Indicator {
    /// The `-` of a block-sequence item.
    Dash,
    /// The `|`/`>` header of a block scalar.
    Header,
}

/// The first `want` indicator in `from..to`, searched forward over blanks, line breaks and
/// comments and, with `props`, the `?`, `:` and (when no dash is wanted) `-` indicators, the
/// `---` and `...` markers and property tokens (`!tag`, `&anchor`, whose names may hold `-`,
/// `|` or `>`); `None` when other text comes first.
fn indicator_after(
    bytes: &[u8],
    from: usize,
    to: usize,
    want: Indicator,
    props: bool,
) -> Option<usize> {
    let blank = |p: usize| matches!(bytes.get(p), None | Some(b' ' | b'\t' | b'\n' | b'\r'));
    let mut p = from;
    while p < to.min(bytes.len()) {
        match bytes[p] {
            b' ' | b'\t' | b'\n' | b'\r' => p += 1,
            b'#' if p == 0 || blank(p - 1) => {
                while p < bytes.len() && !matches!(bytes[p], b'\n' | b'\r') {
                    p += 1;
                }
            }
            b'-' if want == Indicator::Dash && blank(p + 1) => return Some(p),
            b'|' | b'>' if want == Indicator::Header => return Some(p),
            b'-' | b'?' | b':' if props && blank(p + 1) => p += 1,
            b'-' | b'.'
                if props
                    && (p == 0 || matches!(bytes[p - 1], b'\n' | b'\r'))
                    && matches!(&bytes[p..], [b'-', b'-', b'-', ..] | [b'.', b'.', b'.', ..])
                    && blank(p + 3) =>
            {
                p += 3
            }
            b'!' | b'&' if props => {
                while !blank(p) {
                    p += 1;
                }
            }
            _ => return None,
        }
    }
    None
}

/// 1-based line of a byte offset.
fn line_of(src: &str, byte: usize) -> usize {
    position_in(src, byte).0
}

/// 1-based (line, column in characters) of a byte offset, by scanning (for errors).
pub(super) fn position_in(src: &str, byte: usize) -> (usize, usize) {
    super::edits::line_column(src, floor_char_boundary(src, byte.min(src.len())))
}

pub(super) fn floor_char_boundary(src: &str, mut byte: usize) -> usize {
    while byte > 0 && !src.is_char_boundary(byte) {
        byte -= 1;
    }
    byte
}

#[cfg(test)]
mod tests {
    use crate::yaml::Document;

    #[test]
    fn keys_alike_in_length_and_first_bytes_are_told_apart() {
        for src in [
            "abcdefg1: 1\nabcdefg2: 2\n",
            "abcdefghij: 1\nabcdefgxij: 2\n",
            "a: 1\nab: 2\n",
        ] {
            assert!(Document::parse(src).is_ok(), "{src:?}");
            assert!(Document::parse_with_granit(src).is_ok(), "{src:?}");
        }
        let long = "k".repeat(300);
        for src in [
            "abcdefg1: 1\nx: 0\nabcdefg1: 2\n".to_string(),
            format!("{long}a: 1\n{long}b: 2\n{long}a: 3\n"),
        ] {
            let e = Document::parse(src.as_str()).unwrap_err();
            assert!(e.message.starts_with("duplicate key"), "{src:?}: {e}");
            assert_eq!(e.line, 3, "{src:?}");
        }
    }
}
