//! Where whole lines go and come from: the range removing a sequence item, where an item
//! is appended, where text after a node goes, and the `|`/`>` block ending a text without a
//! final line break (its value changes when lines follow it).

use super::{Point, Syncer, Text};
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
        t.item_removal(start, point, col)
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
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

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
