//! A new last entry of a block mapping (a ResourceList's `results:` block): where its text goes
//! so that nothing before it reads otherwise — after the mapping's last line, after a block
//! scalar's kept blank lines, or before the first key when an open `|`/`>` block ends the text.

use super::stream::{column_of, next_line_start, opens_line, past_blank_lines};
use super::{Document, Edits, Layout, NodeId};

/// Where [`Document::append_entry`] put the new entry's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryPlaced {
    /// Before the mapping's first key (an open `|`/`>` block ends the text, and a line after it
    /// would give its value a line break): the text's length.
    First(usize),
    /// At this source byte, this many bytes of text.
    At(usize, usize),
}

impl Document {
    /// Add `key:` followed by `value_text` (its value's lines, each starting with a line
    /// break) as the last entry of block mapping `root`, into `edits`, in `layout`'s line
    /// breaks, at the mapping's column.
    pub fn append_entry(
        &self,
        root: NodeId,
        key: &str,
        value_text: &str,
        layout: Layout,
        edits: &mut Edits,
    ) -> EntryPlaced {
        let src = self.source();
        let eol = if layout.crlf { "\r\n" } else { "\n" };
        let span = self.node(root).span();
        let indent = " ".repeat(column_of(src, span.start));
        if self.ends_with_open_block(root) && opens_line(src, span.start) {
            let text = format!("{key}:{value_text}{eol}{indent}");
            let len = text.len();
            edits.insert(span.start, text);
            return EntryPlaced::First(len);
        }
        let end = span.end;
        // After a block scalar that owns its line breaks, the entry starts at the end; after
        // one that does not, on a line of its own past the blank lines (a kept `|+` block's
        // value holds them); otherwise at the end of the mapping's last line.
        let owns_break = src[..end].ends_with(['\n', '\r']);
        let line_end = src[end..].find(['\r', '\n']).map_or(src.len(), |i| end + i);
        let line_after = next_line_start(src, line_end);
        let after_block = match owns_break {
            true => Some(end),
            false if line_after.is_some() && self.ends_in_block_scalar(root) => line_after,
            false => None,
        };
        // At the end of a text without a final line break, the edits may leave one there (the
        // last lines removed, the break before them kept): the entry then starts its line.
        let starts_line = after_block.is_none()
            && line_end == src.len()
            && edits_end_open_text_with_break(src, edits);
        let mut text = String::new();
        if after_block.is_none() && !starts_line {
            text.push_str(eol);
        }
        text.push_str(&indent);
        text.push_str(key);
        text.push(':');
        text.push_str(value_text);
        let at = match after_block {
            Some(start) => {
                text.push_str(eol);
                past_blank_lines(src, start)
            }
            None => line_end,
        };
        let len = text.len();
        edits.insert(at, text);
        EntryPlaced::At(at, len)
    }
}

/// True when `src` does not end with a line break and the text `edits` make of it does: a
/// line starts at its end.
pub(crate) fn edits_end_open_text_with_break(src: &str, edits: &Edits) -> bool {
    !src.ends_with(['\n', '\r']) && matches!(edits.last_byte(src), Some(b'\n' | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text `src` becomes with `k: [v]` appended to its root, and where it went.
    fn appended(src: &str) -> (String, EntryPlaced) {
        let doc = Document::parse(src).unwrap();
        let mut edits = Edits::default();
        let layout = doc.layout();
        let root = doc.roots()[0];
        let column = column_of(src, doc.node(root).span().start);
        let value = format!("\n{}- v", " ".repeat(column));
        let placed = doc.append_entry(root, "k", &value, layout, &mut edits);
        let out = edits.apply(src).unwrap();
        let read = Document::parse(out.as_str()).unwrap();
        let before = Document::parse(src)
            .unwrap()
            .to_json(doc.roots()[0])
            .unwrap();
        let mut after = read.to_json(read.roots()[0]).unwrap();
        assert_eq!(after["k"], serde_json::json!(["v"]), "{out:?}");
        after.as_object_mut().unwrap().shift_remove("k");
        assert_eq!(after, before, "{out:?}");
        (out, placed)
    }

    #[test]
    fn the_entry_goes_where_nothing_before_it_reads_otherwise() {
        let cases = [
            ("a: 1\n", "a: 1\nk:\n- v\n"),
            ("a: 1", "a: 1\nk:\n- v"),
            ("a: 1 # c\n\n", "a: 1 # c\nk:\n- v\n\n"),
            ("a: |\n  x\n", "a: |\n  x\nk:\n- v\n"),
            ("a: |+\n  x\n\n", "a: |+\n  x\n\nk:\n- v\n"),
            ("a: 1\r\n", "a: 1\r\nk:\r\n- v\r\n"),
            ("  a: 1\n  b: 2\n", "  a: 1\n  b: 2\n  k:\n  - v\n"),
        ];
        for (src, want) in cases {
            assert_eq!(appended(src).0, want, "{src:?}");
        }
        let (out, placed) = appended("a: 1\nb: |\n  x");
        assert_eq!(out, "k:\n- v\na: 1\nb: |\n  x");
        assert_eq!(placed, EntryPlaced::First("k:\n- v\n".len()));
        assert_eq!(appended("a: 1\n").1, EntryPlaced::At(4, "\nk:\n- v".len()));
    }
}
