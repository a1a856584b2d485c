//! Where whole lines go and come from: the range removing a sequence item, where an item
//! is appended, where text after a node goes, and the `|`/`>` block ending a text without a
//! final line break (its value changes when lines follow it).

use super::{After, Point, Syncer, Text};
use crate::yaml::{Document, NodeId, NodeKind, ScalarStyle};
use std::ops::Range;

impl Document {
    /// Byte range to delete to remove block-sequence item `item` (its `- ` line(s), with its own
    /// comments), leaving neighbours intact.
    ///
    /// The range runs from the line break before the item's head comment (comment lines
    /// directly above its `-`, no deeper than the dash) to the end of its last line, taking the
    /// comment lines indented deeper than the dash, blank lines and lines of spaces that follow
    /// it (left after the item before, they would join a `|`/`>` block ending it); text for
    /// more items goes at the range's end when the last item goes. For an
    /// item whose `-` does not start its line (`- - x`), the range covers its own text only.
    pub fn item_removal_range(&self, item: NodeId) -> Range<usize> {
        self.item_removal_range_after(item, false)
    }

    /// [`Document::item_removal_range`], taking the blank lines after the item also when
    /// `block_written` (other edits write a `|`/`>` block that may end the text before it).
    pub(super) fn item_removal_range_after(
        &self,
        item: NodeId,
        block_written: bool,
    ) -> Range<usize> {
        let t = Text::new(self.source());
        let node = self.node(item);
        let Some(dash) = self.dash_of(item) else {
            return node.span();
        };
        if !t.blank_before(dash) {
            return dash..t.content_end(node.span());
        }
        let col = t.indent_of(dash);
        let start = self.head_start(&t, dash);
        let point = if node.span().is_empty() {
            Point {
                pos: t.eol(dash),
                line_start: false,
            }
        } else {
            self.after_point(item)
        };
        let parent = self.parent(item).unwrap_or(item);
        if block_written || self.removal_takes_blank_lines(&t, parent, item, start) {
            t.removal_with_blank_lines(start, point, col)
        } else {
            t.removal(start, point, col)
        }
    }

    /// Whether removing the lines from `head` of child `child` of block collection `parent`
    /// takes the blank lines and lines of spaces after them too: when a `|`/`>` block in
    /// `parent` before `child` may end the text left before them (a `|+` block would take them
    /// into its value, any block a line of spaces deeper than its text), or when a blank line
    /// comes before `head` (one separation stays). Otherwise they stay, so that removing lines
    /// that were added before blank lines gives back the text there was.
    pub(super) fn removal_takes_blank_lines(
        &self,
        t: &Text,
        parent: NodeId,
        child: NodeId,
        head: usize,
    ) -> bool {
        let blank_before = head > 0 && {
            let prev = t.line_start(t.before_last_break(head));
            t.line_text(prev).is_empty()
        };
        blank_before || self.block_scalar_between(parent, child)
    }

    /// True when a `|`/`>` block scalar lies among the nodes after `from` and before `to`
    /// (node ids, in source order).
    fn block_scalar_between(&self, from: NodeId, to: NodeId) -> bool {
        let blocks = self.block_scalars.get_or_init(|| {
            (0..self.len())
                .filter(|&id| {
                    matches!(
                        self.node(id).kind,
                        NodeKind::Scalar {
                            style: ScalarStyle::Literal | ScalarStyle::Folded,
                            ..
                        }
                    )
                })
                .collect()
        });
        let i = blocks.partition_point(|&id| id <= from);
        blocks.get(i).is_some_and(|&id| id < to)
    }

    /// The start of the first line of block-sequence item `item` (its head comment's, if any):
    /// where whole new item lines can go before it. `None` when its `-` does not start its
    /// line.
    pub fn item_line_start(&self, item: NodeId) -> Option<usize> {
        let t = Text::new(self.source());
        let dash = self.dash_of(item)?;
        t.blank_before(dash).then(|| self.head_start(&t, dash))
    }

    /// Start of the head comment above the line of the `-` at `dash` ([`Text::head_start`]),
    /// taking only the comments the parser recorded: a quoted scalar's line starting with `#`
    /// is none.
    fn head_start(&self, t: &Text, dash: usize) -> usize {
        let comments = self.comments();
        let is_comment = |hash: usize| {
            let i = comments.partition_point(|c| c.start < hash);
            comments.get(i).is_some_and(|c| c.start == hash)
        };
        t.head_start_where(t.line_start(dash), t.indent_of(dash), is_comment)
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
            NodeKind::Sequence { items, .. } => self.items_at(*items),
            _ => &[],
        };
        let Some(&last) = items.last() else {
            let end = t.content_end(node.span());
            return (t.eol(end), t.column(node.span().start));
        };
        let dash = self.dash_of(last).unwrap_or(self.node(last).span().start);
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

    /// True when block collection `id`'s text ends with a `|`/`>` block scalar (its last
    /// entry's value or last item, recursively).
    pub fn ends_in_block_scalar(&self, id: NodeId) -> bool {
        matches!(
            self.node(self.last_leaf(id)).kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        )
    }

    /// The node whose text ends block collection `id` (its last entry's value or last item,
    /// recursively), or `id` itself.
    pub(super) fn last_leaf(&self, id: NodeId) -> NodeId {
        let mut last = id;
        loop {
            match &self.node(last).kind {
                NodeKind::Mapping {
                    flow: false,
                    entries,
                } if !entries.is_empty() => {
                    last = self.entries_at(*entries).last().map_or(last, |e| e.1)
                }
                NodeKind::Sequence { flow: false, items } if !items.is_empty() => {
                    last = self.items_at(*items)[items.len() - 1]
                }
                _ => return last,
            }
        }
    }

    /// Where text that follows `id` goes: the end of the line holding its last content (after
    /// that line's comment), or, when the node ends with a `|+` block, the end of the last
    /// blank line that belongs to its value.
    pub(super) fn after_point(&self, id: NodeId) -> Point {
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

impl Syncer<'_> {
    /// Before text is added after node `id`: when `id` ends with a `|`/`>` block at the very end
    /// of a text without a final line break, its value has no final line break either, so a
    /// clip or keep (`+`) header gets `-` to keep it so once lines follow.
    pub(super) fn keep_eof_block_value(&mut self, id: NodeId) {
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

    /// Whether an edit added since `seen.0` may write a `|`/`>` block (its text has the
    /// indicator anywhere), remembered in `seen.1`, with `seen.0` moved to the edits' end:
    /// removed lines after such an edit take the blank lines after them.
    pub(super) fn block_written(&self, seen: &mut (usize, bool)) -> bool {
        if !seen.1 {
            seen.1 = self
                .edits
                .iter_from(seen.0)
                .any(|(_, text)| text.contains(['|', '>']));
        }
        seen.0 = self.edits.mark();
        seen.1
    }

    /// Where text after a node goes, given `point` computed on the source and the edits added
    /// since `mark`: a removal this sync added around the point (the last item of a nested
    /// sequence, taken with the blank lines after it) has the text go at the removal's start,
    /// and what follows it is what follows the removal.
    pub(super) fn insertion_point(&self, point: Point, mark: usize) -> (Point, After) {
        let t = self.text();
        let around = self
            .edits
            .iter_from(mark)
            .filter(|(r, text)| text.is_empty() && r.start < point.pos && point.pos < r.end)
            .map(|(r, _)| r)
            .min_by_key(|r| r.start);
        let Some(removed) = around else {
            return (point, t.after(point));
        };
        // A removal starts at the line break before its first line, or at that line's start
        // when nothing precedes it or it ends a text without a final line break.
        let at_line_start = !matches!(self.src.as_bytes().get(removed.start), Some(b'\n' | b'\r'));
        let after = t.after(Point {
            pos: removed.end,
            line_start: t.line_start(removed.end) == removed.end
                && !matches!(self.src.as_bytes().get(removed.end), Some(b'\n' | b'\r')),
        });
        let point = Point {
            pos: removed.start,
            line_start: at_line_start,
        };
        (point, after)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use serde_json::json;

    #[test]
    fn blank_lines_after_removed_lines_stay_unless_a_block_before_could_take_them() {
        table(&[
            (
                "last item: the blank line before the next key stays",
                "l:\n- a\n- b\n\nk: 1\n",
                vec![Remove("/l/1")],
                "l:\n- a\n\nk: 1\n",
            ),
            (
                "an added item taken back gives the text back",
                "l:\n- a\n- added\n\nk: 1\n",
                vec![Remove("/l/1")],
                "l:\n- a\n\nk: 1\n",
            ),
            (
                "last key: the blank line before the next key stays",
                "m:\n  a: 1\n  b: 2\n\nk: 1\n",
                vec![Remove("/m/b")],
                "m:\n  a: 1\n\nk: 1\n",
            ),
            (
                "item between blank lines: one blank line stays",
                "l:\n- a\n\n- b\n\n- c\n\nk: 1\n",
                vec![Remove("/l/1")],
                "l:\n- a\n\n- c\n\nk: 1\n",
            ),
            (
                "two items between blank lines: one blank line stays",
                "l:\n- a\n\n- b\n\n- c\n\nk: 1\n",
                vec![Remove("/l/2"), Remove("/l/1")],
                "l:\n- a\n\nk: 1\n",
            ),
            (
                "item after a >- block: its line of spaces goes, the block keeps its value",
                "l:\n- >-\n  x\n- b\n     \nk: 1\n",
                vec![Remove("/l/1")],
                "l:\n- >-\n  x\nk: 1\n",
            ),
            (
                "key after a value newly written as a block: its line of spaces goes",
                "m:\n  a: x\nb: 1\n      \nk: 1\n",
                vec![Set("/m/a", json!("p\nq")), Remove("/b")],
                "m:\n  a: |-\n    p\n    q\nk: 1\n",
            ),
            (
                "item after an item newly written as a block",
                "l:\n- x\n- y\n       \nk: 1\n",
                vec![Set("/l/0", json!("p\nq")), Remove("/l/1")],
                "l:\n- |-\n  p\n  q\nk: 1\n",
            ),
            (
                "key after a |+ block: its blank lines go, the block keeps its value",
                "a: |+\n  x\n\nb: 1\n\nc: 2\n",
                vec![Remove("/b")],
                "a: |+\n  x\n\nc: 2\n",
            ),
            (
                "last key after a |+ block",
                "a: |+\n  x\n\nb: 1\n\n",
                vec![Remove("/b")],
                "a: |+\n  x\n\n",
            ),
            (
                "items after a |+ block, no blank line between them",
                "l:\n- |+\n  x\n\n- b\n- c\n\nk: 1\n",
                vec![Remove("/l/2"), Remove("/l/1")],
                "l:\n- |+\n  x\n\nk: 1\n",
            ),
        ]);
    }

    #[test]
    fn new_keys_go_after_a_removed_last_item_with_its_blank_lines() {
        table(&[
            (
                "indentless sequence",
                "root:\n  d:\n  - 1\n\n  - 2\n\ntail: 1\n",
                vec![Remove("/root/d/1"), Set("/root/a", json!(3))],
                "root:\n  d:\n  - 1\n\n  a: 3\ntail: 1\n",
            ),
            (
                "after a |+ block, with a comment",
                "root:\n  d:\n  - |+\n    x\n\n  # two\n  - 2 # c\n\ntail: 1\n",
                vec![Remove("/root/d/1"), Set("/root/a", json!(3))],
                "root:\n  d:\n  - |+\n    x\n\n  a: 3\ntail: 1\n",
            ),
            (
                "items appended to the outer sequence",
                "s:\n- l:\n  - 1\n\n  - 2\n\nk: 1\n",
                vec![Remove("/s/0/l/1"), Set("/s/1", json!("new"))],
                "s:\n- l:\n  - 1\n\n- new\nk: 1\n",
            ),
        ]);
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
            let r = doc.item_removal_range(doc.items_at(*ids)[i]);
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
