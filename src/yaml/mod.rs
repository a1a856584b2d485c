//! Lossless YAML: parse to a span tree with comments, a JSON view, byte-range edits, and
//! syncing a changed JSON value back as minimal edits. Knows nothing of Kubernetes.
//!
//! Reading: [`Document::parse`] builds an arena of 20-byte [`Node`]s with byte spans and
//! styles (scalar text read from the source unless decoding changed it: [`Document::scalar`];
//! tags and anchors in a side table: [`Document::tag`]), plus every comment's byte range, from
//! `granit-parser` events — or, for the plain block style Kubernetes tools write, from a faster
//! scanner that yields the identical tree (`fast.rs`; anything unusual falls back to granit).
//! Input empty or holding only comments parses to no roots: callers that need content reject
//! it. Limits: input size `i32::MAX` bytes, nesting [`MAX_DEPTH`], alias expansion
//! [`MAX_ALIAS_EXPANSION`] nodes per `to_json`; all are errors, not crashes.
//! The signatures here are the API the rest of the crate codes against.

mod block;
#[cfg(test)]
pub(crate) use block::AWKWARD_STRINGS;
mod builder;
mod comments;
mod edits;
mod entry;
mod fast;
mod json;
mod json_text;
mod leaf_sync;
mod parse;
mod render;
mod root_text;
mod stream;
mod strict;
mod sync;
#[cfg(test)]
mod tests;
mod view;

pub use json::{resolve_plain, MAX_ALIAS_EXPANSION};
pub use parse::MAX_DEPTH;
pub use view::{JsonKind, NotPlain};

pub use block::{document_text, indent_item_at, render_item_at, BlockWriter};
pub use edits::{line_column, Edits};
pub(crate) use entry::edits_end_open_text_with_break;
pub use entry::EntryPlaced;
pub use leaf_sync::LineReads;
pub use render::{
    indent_as_item, render_commented_document, render_document, render_item, scalar_text,
    split_lines, Comments,
};
pub use stream::{
    column_of, document_range_at, document_ranges, document_removal_range, documents_before,
    documents_removal_ranges, next_line_start, opens_line, past_blank_lines, stream_text, Placed,
};

use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::OnceLock;

/// Index of a node in a [`Document`]'s arena.
pub type NodeId = usize;

/// A parse or edit error with a 1-based line and column in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What is wrong, for the person reading it.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for YamlError {}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// `value`
    Plain,
    /// `'value'`
    SingleQuoted,
    /// `"value"`
    DoubleQuoted,
    /// `|`
    Literal,
    /// `>`
    Folded,
}

/// What a node is (small and `Copy`: children and decoded texts live in the [`Document`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A scalar; its decoded text is [`Document::scalar`].
    Scalar {
        /// Where the decoded text is kept (read it with [`Document::scalar`]).
        value: ScalarText,
        /// How it was written.
        style: ScalarStyle,
    },
    /// A mapping; entries are (key node, value node) in source order: [`Document::entries`].
    Mapping {
        /// `{...}` rather than block style.
        flow: bool,
        /// Where the key/value node pairs are (read them with [`Document::entries`]).
        entries: Children,
    },
    /// A sequence; its items are [`Document::items`].
    Sequence {
        /// `[...]` rather than block style.
        flow: bool,
        /// Where the item nodes are (read them with [`Document::items`]).
        items: Children,
    },
    /// `*name`, pointing at the anchored node.
    Alias {
        /// The anchored node.
        target: AliasTarget,
    },
}

/// The node an alias points at (a [`NodeId`] kept in 32 bits: [`AliasTarget::id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AliasTarget(u32);

impl AliasTarget {
    /// The anchored node.
    pub fn id(self) -> NodeId {
        self.0 as NodeId
    }
}

/// Where a collection's children are in its document's one arena of entries (mappings) or
/// items (sequences): read them with [`Document::entries`] or [`Document::items`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Children {
    start: u32,
    len: u32,
}

impl Children {
    /// Number of entries (mappings) or items (sequences).
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// True when the collection has no children.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    fn range(self) -> Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// What a `u32` pair a document keeps reads as ([`Packed`]).
pub trait Unpack {
    /// The value of pair `p`.
    fn unpack(p: &(u32, u32)) -> Self;
}

impl Unpack for (NodeId, NodeId) {
    #[inline]
    fn unpack(&(k, v): &(u32, u32)) -> Self {
        (k as NodeId, v as NodeId)
    }
}

impl Unpack for Range<usize> {
    #[inline]
    fn unpack(&(start, end): &(u32, u32)) -> Self {
        start as usize..end as usize
    }
}

/// A run of `u32` pairs a document keeps (half the size of `usize` pairs: ids and offsets fit,
/// checked at parse), read as `T`s.
#[derive(Debug)]
pub struct Packed<'a, T>(&'a [(u32, u32)], PhantomData<fn() -> T>);

/// The (key node, value node) pairs of one mapping.
pub type Entries<'a> = Packed<'a, (NodeId, NodeId)>;

/// The byte ranges of comments of a document (`#` to end of line, line break excluded), sorted.
pub type CommentRanges<'a> = Packed<'a, Range<usize>>;

impl<T> Clone for Packed<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Packed<'_, T> {}

impl<T> Default for Packed<'_, T> {
    fn default() -> Self {
        Packed(&[], PhantomData)
    }
}

impl<T> PartialEq for Packed<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<'a, T: Unpack + 'a> Packed<'a, T> {
    /// The pairs `pairs`.
    #[inline]
    pub(crate) fn new(pairs: &'a [(u32, u32)]) -> Self {
        Packed(pairs, PhantomData)
    }

    /// How many there are.
    #[inline]
    pub fn len(self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    /// All of them in order.
    #[inline]
    pub fn iter(self) -> impl DoubleEndedIterator<Item = T> + ExactSizeIterator + Clone + 'a {
        self.0.iter().map(T::unpack)
    }

    /// Number `i`.
    #[inline]
    pub fn get(self, i: usize) -> Option<T> {
        self.0.get(i).map(T::unpack)
    }

    /// Number `i` (panics when out of range, as indexing does).
    #[inline]
    pub fn at(self, i: usize) -> T {
        T::unpack(&self.0[i])
    }

    /// The first.
    #[inline]
    pub fn first(self) -> Option<T> {
        self.0.first().map(T::unpack)
    }

    /// The last.
    #[inline]
    pub fn last(self) -> Option<T> {
        self.0.last().map(T::unpack)
    }

    /// Those from `start` on (none when `start` is past the end).
    #[inline]
    pub fn skip_to(self, start: usize) -> Self {
        Packed::new(self.0.get(start..).unwrap_or_default())
    }

    /// Those at indexes `range` (panics when out of range, as slicing does).
    #[inline]
    pub fn slice(self, range: impl std::ops::RangeBounds<usize>) -> Self {
        let bounds = (range.start_bound().cloned(), range.end_bound().cloned());
        Packed::new(&self.0[bounds])
    }

    /// The index of the first for which `pred` is false (they are partitioned by it).
    #[inline]
    pub fn partition_point(self, mut pred: impl FnMut(T) -> bool) -> usize {
        self.0.partition_point(|p| pred(T::unpack(p)))
    }
}

impl<'a, T: Unpack> IntoIterator for Packed<'a, T> {
    type Item = T;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (u32, u32)>, fn(&(u32, u32)) -> T>;

    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(T::unpack as fn(&(u32, u32)) -> T)
    }
}

/// Where a scalar's decoded text (quotes and escapes resolved) is kept: most scalars read as
/// their token's own source text (a plain token, or a quoted one without escapes between its
/// quotes), so only the others store a copy, out of line in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalarText(u32);

impl ScalarText {
    /// The scalar is its source text.
    pub(crate) const SOURCE: ScalarText = ScalarText(u32::MAX);

    /// The text a scalar reads as when it is its source text.
    #[inline]
    fn in_source(src: &str, span: Range<usize>, style: ScalarStyle) -> Option<&str> {
        match style {
            ScalarStyle::Plain => src.get(span),
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted if span.len() >= 2 => {
                src.get(span.start + 1..span.end - 1)
            }
            _ => None,
        }
    }

    /// The text, given the source, the owned copies and the node's span and style.
    #[inline]
    fn get<'a>(
        self,
        src: &'a str,
        texts: &'a [Box<str>],
        span: Range<usize>,
        style: ScalarStyle,
    ) -> &'a str {
        if self == Self::SOURCE {
            return Self::in_source(src, span, style).unwrap_or_default();
        }
        texts.get(self.0 as usize).map_or("", |text| text)
    }
}

/// A node with its exact place in the source (its tag and anchor: [`Document::tag`],
/// [`Document::anchor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// What it is.
    pub kind: NodeKind,
    /// Start of [`Node::span`] (sources are limited to `i32::MAX` bytes).
    start: u32,
    /// End of [`Node::span`], with [`HAS_PROPS`] set when the node has a tag or an anchor.
    end: u32,
}

/// The bit of `Node::end` that says the node has an entry in `Document::props`.
const HAS_PROPS: u32 = 1 << 31;

/// The rarely present properties of a node, kept out of line so that nodes stay small, with
/// where they stand in the source, recorded at parse (granit's events give them; the fast path
/// gives up on properties).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct NodeProps {
    tag: Option<String>,
    anchor: Option<String>,
    /// Byte range of the tag token as written (`!t`, `!!str`, `!<tag:…>`), when `tag` is set.
    tag_start: u32,
    tag_end: u32,
    /// Byte offset of the anchor's `&`, when `anchor` is set.
    anchor_at: u32,
}

impl NodeProps {
    /// Where the properties start: the first of the tag and the anchor.
    fn start(&self) -> Option<usize> {
        let tag = self.tag.as_ref().map(|_| self.tag_start as usize);
        let anchor = self.anchor.as_ref().map(|_| self.anchor_at as usize);
        tag.into_iter().chain(anchor).min()
    }
}

impl Node {
    /// A node of `kind` at `span` (the span fits: checked at parse).
    pub(crate) fn new(kind: NodeKind, span: Range<usize>) -> Node {
        Node {
            kind,
            start: span.start as u32,
            end: span.end as u32,
        }
    }

    /// Byte range of the node's own text: a scalar's token (quotes, block header included);
    /// a flow collection from `[`/`{` to `]`/`}`; a block collection from its first child to the
    /// end of its last child's content (not trailing comments or blank lines).
    ///
    /// Details: a block sequence starts at the `-` of its first item. A block scalar runs from
    /// its `|`/`>` to the end of its last non-blank content line (no line break; trailing blank
    /// lines, even kept ones, are outside). An empty node (`key:`, `- `) has an empty span just
    /// after the `:` (or where granit places it after `- `). A node's own anchor and tag are
    /// outside its span, but a block mapping starts at its first key's anchor or tag (or the
    /// `?` of an explicit first key), so its start column is the mapping's indentation.
    pub fn span(&self) -> Range<usize> {
        self.start as usize..(self.end & !HAS_PROPS) as usize
    }

    /// Whether the node has a tag or an anchor.
    fn has_props(&self) -> bool {
        self.end & HAS_PROPS != 0
    }

    pub(crate) fn set_span(&mut self, span: Range<usize>) {
        self.start = span.start as u32;
        self.end = span.end as u32 | (self.end & HAS_PROPS);
    }

    pub(crate) fn mark_props(&mut self) {
        self.end |= HAS_PROPS;
    }
}

/// Indentation and line-ending conventions detected in a text, used for generated text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Spaces per nesting level of block mappings (2 when nothing says otherwise).
    pub indent: usize,
    /// `true` for kpt's `wide` (`key:\n  - x`), `false` for `compact` (`key:\n- x`).
    pub wide_sequences: bool,
    /// Generated text uses `\r\n`.
    pub crlf: bool,
    /// New strings that need quotes get double quotes: the text quotes with `"` more often
    /// than with `'` (single quotes otherwise).
    pub double_quotes: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            indent: 2,
            wide_sequences: false,
            crlf: false,
            double_quotes: false,
        }
    }
}

/// How [`Document::parse_with`] reads a text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept a mapping that repeats a scalar key (as go-yaml's node API, and so kpt and
    /// kustomize, do): the JSON view takes the last value; [`Document::duplicate_keys`] lists
    /// the repeats, and syncing refuses to change or remove a repeated key.
    pub allow_duplicate_keys: bool,
}

/// A parsed YAML stream (one or more documents) that keeps its source text.
#[derive(Debug, Clone)]
pub struct Document {
    src: String,
    /// Node arena, in source (pre-)order.
    nodes: Vec<Node>,
    /// Tag and anchor of the nodes that have either, by node id.
    props: Vec<(NodeId, NodeProps)>,
    /// Parent of each node (`builder::NO_PARENT` for roots).
    parents: Vec<u32>,
    /// The entries of every mapping, each mapping's together ([`Children`]).
    entries: Vec<(u32, u32)>,
    /// The items of every sequence, each sequence's together ([`Children`]).
    items: Vec<NodeId>,
    /// Byte offset of the `-` of each item in `items` (`NO_DASH` in flow sequences).
    dashes: Vec<u32>,
    /// The decoded texts of the scalars that are not their source text ([`ScalarText`]).
    texts: Vec<Box<str>>,
    roots: Vec<NodeId>,
    /// Byte range of every comment (`#` to end of line, line break excluded), sorted.
    comments: Vec<(u32, u32)>,
    /// (earlier key, later key with the same text) of mappings that repeat a key, by later key.
    duplicate_keys: Vec<(NodeId, NodeId)>,
    /// Byte offset of each line start, built on first use of `position`.
    line_starts: OnceLock<Vec<usize>>,
    /// Detected on first use of `layout`.
    layout: OnceLock<Layout>,
    /// The `|`/`>` block scalars, in source order, found on first use of
    /// `block_scalar_between`.
    block_scalars: OnceLock<Vec<NodeId>>,
}

impl Document {
    /// Parse a YAML stream. Errors carry line and column; never panics.
    ///
    /// Empty input (or only comments) parses to a document with no roots; callers that need
    /// content reject that themselves. Duplicate scalar keys in one mapping, nesting deeper than
    /// [`MAX_DEPTH`], tabs as indentation and every YAML syntax error are errors.
    pub fn parse(src: impl Into<String>) -> Result<Document, YamlError> {
        parse::parse(src.into(), ParseOptions::default())
    }

    /// Parse a YAML stream as [`Document::parse`] does, with `options`.
    pub fn parse_with(
        src: impl Into<String>,
        options: ParseOptions,
    ) -> Result<Document, YamlError> {
        parse::parse(src.into(), options)
    }

    /// Keys that repeat an earlier key of their mapping, as (earlier key, later key) node pairs
    /// in source order of the later key; empty unless parsed with `allow_duplicate_keys`.
    pub fn duplicate_keys(&self) -> &[(NodeId, NodeId)] {
        &self.duplicate_keys
    }

    /// Parse with granit only, bypassing the fast path (for tests comparing the two).
    #[doc(hidden)]
    pub fn parse_with_granit(src: impl Into<String>) -> Result<Document, YamlError> {
        parse::parse_with_granit(src.into())
    }

    /// Parse with the fast path only: `None` when it cannot read the text (for tests).
    #[doc(hidden)]
    pub fn parse_fast_only(src: impl Into<String>) -> Option<Document> {
        parse::parse_fast_only(src.into())
    }

    /// Whether two documents have the same text, nodes, comments and structure.
    #[doc(hidden)]
    pub fn same_tree(&self, other: &Document) -> bool {
        self.src == other.src
            && self.nodes == other.nodes
            && self.parents == other.parents
            && self.entries == other.entries
            && self.items == other.items
            && self.dashes == other.dashes
            && self.texts == other.texts
            && self.props == other.props
            && self.roots == other.roots
            && self.comments == other.comments
            && self.duplicate_keys == other.duplicate_keys
    }

    /// Parse bytes that should be UTF-8; invalid UTF-8 is an error at the first bad byte.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Document, YamlError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Document::parse(text),
            Err(e) => {
                let valid = &bytes[..e.valid_up_to()];
                // Valid by construction; a lossy conversion cannot fail.
                let prefix = String::from_utf8_lossy(valid);
                let (line, column) = parse::position_in(&prefix, prefix.len());
                Err(YamlError {
                    message: format!("invalid UTF-8 (byte 0x{:02x})", bytes[e.valid_up_to()]),
                    line,
                    column,
                })
            }
        }
    }

    /// The exact source text.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// One root node per document in the stream (empty documents have none).
    pub fn roots(&self) -> &[NodeId] {
        &self.roots
    }

    /// A node by id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The decoded text of scalar `id` (quotes and escapes resolved); `None` for other nodes.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        self.scalar_of(self.nodes.get(id)?)
    }

    /// The decoded text of `node`, a node of this document, if it is a scalar.
    pub fn scalar_of<'a>(&'a self, node: &'a Node) -> Option<&'a str> {
        match &node.kind {
            NodeKind::Scalar { value, style } => {
                Some(value.get(&self.src, &self.texts, node.span(), *style))
            }
            _ => None,
        }
    }

    /// Explicit tag of node `id` as written (`!!str`, `!foo`), if any.
    pub fn tag(&self, id: NodeId) -> Option<&str> {
        self.props_of(id)?.tag.as_deref()
    }

    /// Anchor name (`&name`) of node `id`, if any.
    pub fn anchor(&self, id: NodeId) -> Option<&str> {
        self.props_of(id)?.anchor.as_deref()
    }

    /// True when some node has an anchor that some alias uses (`&a` … `*a`): one node's text
    /// then reads elsewhere too.
    pub fn has_aliased_anchors(&self) -> bool {
        self.props.iter().any(|(_, p)| p.anchor.is_some())
            && self
                .nodes
                .iter()
                .any(|n| matches!(n.kind, NodeKind::Alias { .. }))
    }

    /// Byte range of node `id`'s tag token as written, if it has a tag.
    pub fn tag_range(&self, id: NodeId) -> Option<Range<usize>> {
        let p = self.props_of(id)?;
        p.tag
            .as_ref()
            .map(|_| p.tag_start as usize..p.tag_end as usize)
    }

    /// Byte offset of the `&` of node `id`'s anchor, if it has one.
    pub fn anchor_at(&self, id: NodeId) -> Option<usize> {
        let p = self.props_of(id)?;
        p.anchor.as_ref().map(|_| p.anchor_at as usize)
    }

    fn props_of(&self, id: NodeId) -> Option<&NodeProps> {
        if !self.nodes.get(id)?.has_props() {
            return None;
        }
        let i = self.props.binary_search_by_key(&id, |p| p.0).ok()?;
        Some(&self.props[i].1)
    }

    /// Number of nodes in the arena (ids are `0..len`).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the stream has no nodes at all.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The collection holding `id` (for a mapping key or value: the mapping).
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.parents
            .get(id)
            .copied()
            .filter(|&p| p != builder::NO_PARENT)
            .map(|p| p as NodeId)
    }

    /// The (key node, value node) pairs of mapping `id` in source order; empty for other nodes.
    pub fn entries(&self, id: NodeId) -> Entries<'_> {
        match self.nodes.get(id).map(|n| n.kind) {
            Some(NodeKind::Mapping { entries, .. }) => Entries::new(&self.entries[entries.range()]),
            _ => Entries::default(),
        }
    }

    /// The item nodes of sequence `id` in source order; empty for other nodes.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match self.nodes.get(id).map(|n| n.kind) {
            Some(NodeKind::Sequence { items, .. }) => &self.items[items.range()],
            _ => &[],
        }
    }

    /// The entries `children` of a mapping of this document.
    pub(crate) fn entries_at(&self, children: Children) -> Entries<'_> {
        Entries::new(&self.entries[children.range()])
    }

    /// The items `children` of a sequence of this document.
    pub(crate) fn items_at(&self, children: Children) -> &[NodeId] {
        &self.items[children.range()]
    }

    /// Byte offset of the `-` of block-sequence item `item`, as recorded at parse.
    fn dash_of(&self, item: NodeId) -> Option<usize> {
        let seq = self.parent(item)?;
        let NodeKind::Sequence { items, .. } = self.nodes[seq].kind else {
            return None;
        };
        let range = items.range();
        let i = self.items[range.clone()].binary_search(&item).ok()?;
        let dash = self.dashes[range.start + i];
        (dash != builder::NO_DASH).then_some(dash as usize)
    }

    /// Byte offsets of the `-` of the items of sequence `seq`, in order, as recorded at parse
    /// (`None` for the items of a flow sequence).
    fn item_dashes(&self, seq: NodeId) -> impl Iterator<Item = Option<usize>> + '_ {
        let range = match self.nodes.get(seq).map(|n| n.kind) {
            Some(NodeKind::Sequence { items, .. }) => items.range(),
            _ => 0..0,
        };
        self.dashes[range]
            .iter()
            .map(|&d| (d != builder::NO_DASH).then_some(d as usize))
    }

    /// Byte ranges of all comments (`#` to end of line, line break excluded), sorted.
    pub fn comments(&self) -> CommentRanges<'_> {
        CommentRanges::new(&self.comments)
    }

    /// The value node for `key` in mapping `map` (aliases not followed); `None` if absent or not a mapping.
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.entry(map, key).map(|(_, v)| v)
    }

    /// The (key node, value node) pair for `key` in mapping `map`.
    pub fn entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        self.entries(map)
            .iter()
            .find(|&(k, _)| self.scalar(k) == Some(key))
    }

    /// JSON view of a node: YAML 1.2 core schema for plain scalars, quoted = string, aliases
    /// resolved (bounded expansion), merge keys resolved like libyaml-based readers.
    ///
    /// See the `json` module documentation for the exact rules and the deliberate differences
    /// from `serde_norway` (`.inf`/`.nan` stay strings; scalar keys are their text as written).
    pub fn to_json(&self, id: NodeId) -> Result<Value, YamlError> {
        self.json_of(id)
    }

    /// The line comment that belongs to a value node, as kpt attaches it, text after `#` trimmed:
    /// after a scalar token; after a `|`/`>` block header; after a flow collection's closing
    /// bracket; for a block collection, the comment on its key's line (`env: # kpt-set: ${env}`).
    pub fn line_comment(&self, value: NodeId) -> Option<&str> {
        self.line_comment_of(value)
    }

    /// The head comment of a key or sequence item: the comment lines directly above it
    /// (no blank line between), each with `#` and surrounding blanks removed, joined by `\n`.
    pub fn head_comment(&self, node: NodeId) -> Option<String> {
        self.head_comment_of(node)
    }

    /// 1-based (line, column) of a byte offset.
    pub fn position(&self, byte: usize) -> (usize, usize) {
        self.position_of(byte)
    }

    /// Conventions detected in this text (indentation, sequence style, line ending).
    pub fn layout(&self) -> Layout {
        *self.layout.get_or_init(|| self.layout_of())
    }

    /// An error at byte offset `at`.
    pub fn error_at(&self, at: usize, message: impl Into<String>) -> YamlError {
        let (line, column) = self.position(at);
        YamlError {
            message: message.into(),
            line,
            column,
        }
    }
}
