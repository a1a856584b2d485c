//! The fields of a read item that carry setter comments, found from its document's sorted
//! comment list (only the nodes next to a comment that can be a setter comment are looked at),
//! and each distinct comment text parsed once per run.

use super::comment::{self, SetterComment};
use super::pattern::{self, Pattern};
use super::{line_end, Seg, Stage};
use crate::yaml::{Document, Entries, NodeId, NodeKind};
use std::collections::HashMap;
use std::rc::Rc;

/// A parsed setter comment, with what the stage needs of it every time it is used.
pub(super) struct Setter {
    /// The comment as written.
    pub comment: SetterComment,
    /// The comment a kpt v0 reference stands for when no Kptfile defines anything (`${name}`).
    pub v1: Option<SetterComment>,
    /// The comment for results and messages (its `Display`).
    pub label: Rc<str>,
}

impl Setter {
    /// The comment the stage applies: [`Setter::v1`] when there is one.
    pub fn effective(&self) -> &SetterComment {
        self.v1.as_ref().unwrap_or(&self.comment)
    }
}

/// What a comment text parses as: no setter comment, a setter comment, or why it is broken.
pub(super) type Parsed = Result<Option<Rc<Setter>>, String>;

/// How many of the line comment texts used last are compared before the hashed lookup (items
/// of one kind repeat their comments).
const RECENT: usize = 8;

/// Every distinct line and head comment text that can be a setter comment seen so far, parsed.
#[derive(Default)]
pub(super) struct CommentCache {
    line: HashMap<Rc<str>, Parsed>,
    head: HashMap<String, Parsed>,
    /// The line comment texts looked up last, oldest replaced first (at `next`).
    recent: Vec<(Rc<str>, Parsed)>,
    next: usize,
    /// kpt v0 references read as `${name}` (no Kptfile defines anything).
    v0_as_v1: bool,
}

impl CommentCache {
    pub fn new(v0_as_v1: bool) -> Self {
        CommentCache {
            v0_as_v1,
            ..CommentCache::default()
        }
    }

    fn wrap(&self, found: Result<Option<SetterComment>, String>) -> Parsed {
        let v0_as_v1 = self.v0_as_v1;
        found.map(|c| {
            c.map(|comment| {
                let v1 = match &comment {
                    SetterComment::V0(r, _) if v0_as_v1 => Some(SetterComment::V1(Pattern::parse(
                        &format!("${{{}}}", r.name()),
                    ))),
                    _ => None,
                };
                let label = comment.to_string().into();
                Rc::new(Setter { comment, v1, label })
            })
        })
    }

    /// A line comment's text (after `#`, trimmed), parsed.
    pub fn line(&mut self, text: &str) -> Parsed {
        if !comment::may_be_setter(text.trim()) {
            return Ok(None);
        }
        if let Some((_, p)) = self.recent.iter().find(|(t, _)| **t == *text) {
            return p.clone();
        }
        let (key, parsed) = match self.line.get_key_value(text) {
            Some((key, p)) => (key.clone(), p.clone()),
            None => {
                let parsed = self.wrap(comment::parse_line(text));
                let key: Rc<str> = text.into();
                self.line.insert(key.clone(), parsed.clone());
                (key, parsed)
            }
        };
        if self.recent.len() < RECENT {
            self.recent.push((key, parsed.clone()));
        } else {
            self.recent[self.next] = (key, parsed.clone());
            self.next = (self.next + 1) % RECENT;
        }
        parsed
    }

    /// A head comment's text (lines joined by `\n`), parsed.
    pub fn head(&mut self, text: &str) -> Parsed {
        if !text.lines().any(|l| comment::may_be_v0(l.trim())) {
            return Ok(None);
        }
        if let Some(p) = self.head.get(text) {
            return p.clone();
        }
        let parsed = self.wrap(comment::parse_head(text));
        self.head.insert(text.to_string(), parsed.clone());
        parsed
    }

    /// The setter comment of a field (`head`: its key, or the item itself in a sequence) whose
    /// value has line comment `line`: that if it is one, else its head comment (as kpt reads
    /// them).
    pub fn of(&mut self, doc: &Document, head: NodeId, line: Option<&str>) -> Parsed {
        match line.map(|t| self.line(t)) {
            Some(Ok(Some(c))) => Ok(Some(c)),
            Some(Err(e)) => Err(e),
            _ => match doc.head_comment(head) {
                Some(text) => self.head(&text),
                None => Ok(None),
            },
        }
    }
}

impl Stage {
    /// A scalar `value` with kpt v1 line comment `line` none of whose setters has a value:
    /// counted as unresolved, all [`Stage::apply`] would do, without parsing or keeping the
    /// comment (its text is often the field's alone). False when that cannot be said.
    pub(super) fn unset_line_setter(
        &mut self,
        doc: &Document,
        value: NodeId,
        (item, path): (usize, &[Seg]),
        line: &str,
    ) -> bool {
        // Blanks around the pattern hold no marker: they need no trimming.
        let Some(pattern) = line.strip_prefix("kpt-set:") else {
            return false;
        };
        if !matches!(doc.node(value).kind, NodeKind::Scalar { .. }) || doc.anchor(value).is_some() {
            return false;
        }
        let names = pattern::marker_names(pattern);
        let mut first = None;
        let mut more = false;
        for name in names.clone() {
            if self.has_value(name) {
                return false;
            }
            more |= first.is_some();
            first = first.or(Some(name));
        }
        if !more {
            if let Some(name) = first {
                self.unresolved_at(name, item, path);
            }
            return true;
        }
        // Each name once, in order of first appearance (as `Pattern::names`).
        for (i, name) in names.clone().enumerate() {
            if !names.clone().take(i).any(|n| n == name) {
                self.unresolved_at(name, item, path);
            }
        }
        true
    }
}

/// True when a comment's text (after `#`) can be, or be a line of, a setter comment (a broken
/// kpt v0 one included): bytes are looked at, the text is trimmed only when it starts with
/// other than ASCII blanks.
fn may_be_setter(text: &str) -> bool {
    let blanks = text
        .bytes()
        .position(|c| c != b' ' && c != b'\t')
        .unwrap_or(text.len());
    // Blanks are ASCII: the byte after them is a char boundary.
    let t = &text[blanks..];
    match t.as_bytes().first() {
        Some(b'k') => t.starts_with("kpt-set:"),
        Some(b'{') => comment::may_be_v0(t),
        Some(c) if c.is_ascii_graphic() => false,
        Some(_) => comment::may_be_setter(t.trim()),
        None => false,
    }
}

/// The children of a collection node: mapping entries (key, value) or sequence items.
#[derive(Clone, Copy)]
enum Kids<'a> {
    Map(Entries<'a>),
    Seq(&'a [NodeId]),
}

impl<'a> Kids<'a> {
    fn of(doc: &'a Document, node: NodeId) -> Option<Self> {
        match &doc.node(node).kind {
            NodeKind::Mapping { .. } => Some(Kids::Map(doc.entries(node))),
            NodeKind::Sequence { .. } => Some(Kids::Seq(doc.items(node))),
            _ => None,
        }
    }

    fn len(self) -> usize {
        match self {
            Kids::Map(e) => e.len(),
            Kids::Seq(i) => i.len(),
        }
    }

    /// Child `i` as (head, value): (key, value) or (item, item).
    fn get(self, i: usize) -> Option<(NodeId, NodeId)> {
        match self {
            Kids::Map(e) => e.get(i),
            Kids::Seq(items) => items.get(i).map(|&n| (n, n)),
        }
    }

    /// How many children have a head starting before `pos`.
    fn before(self, doc: &Document, pos: usize) -> usize {
        let start = |n: NodeId| doc.node(n).span().start;
        match self {
            Kids::Map(e) => e.partition_point(|(k, _)| start(k) < pos),
            Kids::Seq(items) => items.partition_point(|&n| start(n) < pos),
        }
    }
}

/// A field a comment can belong to, with its path from the item's root.
#[derive(Clone, Copy)]
struct Found {
    head: NodeId,
    value: NodeId,
    /// Its path: `segs[at..at + len]` of the [`Near`] that found it.
    at: usize,
    len: usize,
    /// False when the walk from the root would not reach it (under a complex or merge key).
    reachable: bool,
}

/// The fields found next to an item's comments, with their paths (kept between items so that
/// the buffers are allocated once).
#[derive(Default)]
pub(super) struct Near {
    fields: Vec<Found>,
    segs: Vec<Seg>,
    /// The path of the collection being descended.
    trail: Vec<Seg>,
}

impl Near {
    /// Field `(head, value)` at the first `trail` segments of the trail, then `last`.
    fn push(&mut self, field: (NodeId, NodeId), trail: usize, last: Option<Seg>, reachable: bool) {
        let at = self.segs.len();
        self.segs.extend_from_slice(&self.trail[..trail]);
        self.segs.extend(last);
        self.fields.push(Found {
            head: field.0,
            value: field.1,
            at,
            len: self.segs.len() - at,
            reachable,
        });
    }
}

impl Kids<'_> {
    /// The path step to child `i`.
    fn seg(self, i: usize) -> Seg {
        match self {
            Kids::Map(e) => Seg::Key(e.at(i).0),
            Kids::Seq(_) => Seg::Index(i),
        }
    }

    /// Whether the walk enters child `i`: not under a complex or merge key.
    fn enters(self, doc: &Document, i: usize) -> bool {
        match self {
            Kids::Map(e) => doc.scalar(e.at(i).0).is_some_and(|t| t != "<<"),
            Kids::Seq(_) => true,
        }
    }
}

/// The fields of the tree at `root` that a comment at `pos` can belong to, into `near`: the
/// last one starting before it in the innermost collection that reaches its line (its line
/// comment), and the first one after it there, with that one's first entry when it starts
/// there too (its head comment; `- # c` above `key: v` heads the key).
fn fields_near(
    doc: &Document,
    root: NodeId,
    (pos, mut line_start): (usize, Option<usize>),
    (line, head): (bool, bool),
    near: &mut Near,
) {
    let start = |n: NodeId| doc.node(n).span().start;
    let b = doc.source().as_bytes();
    near.trail.clear();
    let mut node = root;
    let mut reachable = true;
    // The line field so far: (field, its path's length on the trail, reachable).
    let mut line_field = None;
    while let Some(kids) = Kids::of(doc, node) {
        let i = kids.before(doc, pos);
        let before = i
            .checked_sub(1)
            .and_then(|b| Some((b, kids.get(b)?, reachable && kids.enters(doc, b))));
        // A collection reaches a comment after its last content on that content's line (no
        // line break between them).
        let inner = before.filter(|&(_, (_, v), _)| {
            let end = doc.node(v).span().end;
            Kids::of(doc, v).is_some_and(|k| k.len() > 0)
                && (end >= pos || end >= *line_start.get_or_insert_with(|| line_start_of(b, pos)))
        });
        if let Some((b, field, enters)) = inner {
            let value = field.1;
            // A comment after a flow sequence's `]` is the sequence's own (a block sequence's
            // is on its key's line, where it is found as the line field below).
            if line && matches!(doc.node(value).kind, NodeKind::Sequence { flow: true, .. }) {
                near.push(field, near.trail.len(), Some(kids.seg(b)), enters);
            }
            near.trail.push(kids.seg(b));
            reachable = enters;
            line_field = Some((field, near.trail.len(), enters));
            node = value;
            continue;
        }
        if line {
            match before {
                Some((b, field, enters)) => {
                    near.push(field, near.trail.len(), Some(kids.seg(b)), enters)
                }
                None => {
                    if let Some((field, len, enters)) = line_field {
                        near.push(field, len, None, enters);
                    }
                }
            }
        }
        if let Some((first, mut value)) = kids.get(i).filter(|_| head) {
            let mut enters = reachable && kids.enters(doc, i);
            near.trail.push(kids.seg(i));
            near.push((first, value), near.trail.len(), None, enters);
            while let Some(inner) = Kids::of(doc, value) {
                let Some((h, v)) = inner.get(0) else {
                    break;
                };
                if start(h) != start(value) {
                    break;
                }
                enters = enters && inner.enters(doc, 0);
                near.trail.push(inner.seg(0));
                near.push((h, v), near.trail.len(), None, enters);
                value = v;
            }
        }
        return;
    }
    if line {
        if let Some((field, len, enters)) = line_field {
            near.push(field, len, None, enters);
        }
    }
}

/// Whether any of `bytes` is `\n` or `\r`, eight at a time.
fn has_line_break(bytes: [u8; 8]) -> bool {
    let w = u64::from_le_bytes(bytes);
    let zero_byte = |v: u64| v.wrapping_sub(0x0101_0101_0101_0101) & !v & 0x8080_8080_8080_8080;
    zero_byte(w ^ 0x0a0a_0a0a_0a0a_0a0a) != 0 || zero_byte(w ^ 0x0d0d_0d0d_0d0d_0d0d) != 0
}

/// Where the line holding byte `pos` starts (after the last `\n` or `\r` before it).
fn line_start_of(b: &[u8], pos: usize) -> usize {
    let mut end = pos;
    while end >= 8 {
        let mut word = [0; 8];
        word.copy_from_slice(&b[end - 8..end]);
        if has_line_break(word) {
            break;
        }
        end -= 8;
    }
    b[..end]
        .iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map_or(0, |i| i + 1)
}

/// Which fields a comment starting at `pos` can belong to, by what is before it on its line:
/// (a line comment: after content or after `- `/`? `, a head comment: on its own line or after
/// `- `/`? `), and where that line starts when that was seen on the way (it is looked for
/// only when needed after content).
fn placement(src: &str, pos: usize) -> ((bool, bool), Option<usize>) {
    let b = src.as_bytes();
    let mut indicator = false;
    for (i, &c) in b[..pos].iter().enumerate().rev() {
        match c {
            b' ' | b'\t' => {}
            b'-' | b'?' => indicator = true,
            b'\n' | b'\r' => return ((indicator, true), Some(i + 1)),
            _ => return ((true, false), None),
        }
    }
    ((indicator, true), Some(0))
}

impl Stage {
    /// Apply the setter comments of read item `item` (node `root` of `doc`), visiting only the
    /// fields next to comments that can be setter comments; changes go to `writes`.
    pub(super) fn visit_commented(&mut self, doc: &Document, root: NodeId, item: usize) {
        let src = doc.source();
        let span = doc.node(root).span();
        let comments = doc.comments();
        let end = line_end(doc, span.end);
        let first = comments.partition_point(|c| c.start < span.start);
        let mut near = std::mem::take(&mut self.near);
        near.fields.clear();
        near.segs.clear();
        let setter_text = |c: &std::ops::Range<usize>| may_be_setter(&src[c.clone()][1..]);
        // The first key's head comment lies before the item's own text.
        let above = comments
            .slice(..first)
            .iter()
            .rev()
            .take_while(|c| placement(src, c.start).0 .1);
        if above.clone().any(|c| setter_text(&c)) {
            if let Some(kids) = Kids::of(doc, root) {
                if let Some(field) = kids.get(0) {
                    near.push(field, 0, Some(kids.seg(0)), kids.enters(doc, 0));
                }
            }
        }
        for c in comments.slice(first..).iter().take_while(|c| c.start < end) {
            if setter_text(&c) {
                let (kinds, line_start) = placement(src, c.start);
                fields_near(doc, root, (c.start, line_start), kinds, &mut near);
            }
        }
        let start = |n: NodeId| doc.node(n).span().start;
        let key = |f: &Found| (start(f.head), start(f.value), f.value);
        if !near.fields.is_sorted_by_key(key) {
            near.fields.sort_unstable_by_key(key);
        }
        near.fields.dedup_by_key(|f| f.value);
        // Sequences that carry a setter comment (or a broken one): the walk does not enter them.
        let mut closed: Vec<NodeId> = Vec::new();
        for f in &near.fields {
            let value = f.value;
            if value == root
                || !f.reachable
                || matches!(doc.node(value).kind, NodeKind::Mapping { .. })
                || (!closed.is_empty() && in_closed(doc, root, value, &closed))
            {
                continue;
            }
            let is_sequence = matches!(doc.node(value).kind, NodeKind::Sequence { .. });
            let path = &near.segs[f.at..f.at + f.len];
            if self.visit_field(doc, (f.head, value), item, path) && is_sequence {
                closed.push(value);
            }
        }
        self.near = near;
    }
}

/// Whether `value` lies in one of the `closed` sequences under `root` (the walk from the root
/// does not enter them). A sequence comes before the fields inside it in document order, so
/// `closed` already holds it then.
fn in_closed(doc: &Document, root: NodeId, value: NodeId, closed: &[NodeId]) -> bool {
    let mut node = value;
    while node != root {
        let Some(parent) = doc.parent(node) else {
            return false;
        };
        if closed.contains(&parent) {
            return true;
        }
        node = parent;
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::krm::{Item, KrmResult};
    use crate::yaml::Document;
    use std::sync::Arc;

    /// The stage's results and the items' views, for items read fresh (found from the comment
    /// list) or given out to change first (the full walk over their views).
    fn run(
        src: &str,
        values: &[(&str, &str)],
        walk: bool,
    ) -> (Vec<serde_json::Value>, Vec<String>) {
        let doc = Arc::new(Document::parse(src).unwrap());
        let mut items: Vec<Item> = doc
            .roots()
            .iter()
            .map(|&r| Item::read(doc.clone(), r).unwrap())
            .collect();
        if walk {
            for item in &mut items {
                item.value_mut();
            }
        }
        let settings = Settings {
            given: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Settings::default()
        };
        let mut results: Vec<KrmResult> = Vec::new();
        super::super::run(&settings, &mut items, &mut results);
        (
            items.iter().map(|i| i.value().clone()).collect(),
            results.iter().map(|r| format!("{r:?}")).collect(),
        )
    }

    /// Fields found from the comment list are the ones the walk over every node finds, in the
    /// same order: head comments above `- `, `- # c` above a key, several head comment lines,
    /// a comment after a flow sequence, fields under a merge key or inside a list setter's
    /// sequence (not set), broken comments, items with and without comments.
    #[test]
    fn the_comment_list_finds_what_the_walk_finds() {
        let cases = [
            "a: x # kpt-set: ${a}\nb:\n  c: y # kpt-set: ${a}-${b}\n  d: [1, 2] # kpt-set: ${l}\n",
            "# {\"$kpt-set\":\"a\"}\nfirst: x\nsecond: y\n",
            "k:\n- # {\"$kpt-set\":\"a\"}\n  n: x\n- # kpt-set: ${a}\n- m: z\n  # {\"$kpt-set\":\"b\"}\n  # note\n  o: w\n",
            "l: # kpt-set: ${l}\n- a # kpt-set: ${a}\n- b\nm:\n- c # kpt-set: ${a}\n",
            "base: &b\n  x: 1\nm:\n  <<: *b\n  y: 2 # kpt-set: ${a}\n? [k]\n: v # kpt-set: ${a}\n",
            "a: x # {\"$ref\": 1}\nb: y # kpt-set: ${b}\n",
            "a: x\n---\n# kpt-set: ${a}\nb: y # note\nc: | # kpt-set: ${a}\n  t\n",
            "s: [a, b] # kpt-set: ${a}\nf: {g: h} # kpt-set: ${a}\n",
            "u: x # kpt-set: ${z}-${y}-${z}\nv: &w y # kpt-set: ${z}\nt: [1] # kpt-set: ${z}\n",
            "m: {<<: {x: 1 # kpt-set: ${a}\n}, y: 2}\nq:\n- a\n- b # kpt-set: ${a}\n",
            "e: x #\u{3000}kpt-set: ${a}\nf: y #\u{3000}{\"$kpt-set\":\"b\"}\n",
        ];
        let values = [("a", "A"), ("b", "B"), ("l", "[p, q]")];
        for src in cases {
            assert_eq!(run(src, &values, false), run(src, &values, true), "{src:?}");
        }
    }
}
