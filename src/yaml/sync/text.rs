//! Line-oriented positions over the source text: line starts and ends (every YAML line break:
//! `\n`, `\r\n`, a lone `\r`), columns, head comments, removal ranges, what follows a
//! position, the tag and anchor tokens after an indicator, block scalar headers.

use super::{After, Point};
use std::ops::Range;

/// Line-oriented helpers over the source text.
#[derive(Clone, Copy)]
pub(super) struct Text<'a> {
    pub(super) s: &'a str,
    pub(super) b: &'a [u8],
}

impl<'a> Text<'a> {
    pub(super) fn new(s: &'a str) -> Self {
        Text { s, b: s.as_bytes() }
    }

    /// Start of the line holding `pos` (line breaks: `\n`, `\r\n`, and a lone `\r` as YAML
    /// reads it; a position at the `\n` of a `\r\n` is on the line that break ends).
    pub(super) fn line_start(&self, pos: usize) -> usize {
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
    pub(super) fn eol(&self, pos: usize) -> usize {
        self.b[pos..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(self.b.len(), |i| pos + i)
    }

    /// Start of the line after the one holding `pos` (the end of the text if none).
    pub(super) fn next_line(&self, pos: usize) -> usize {
        let e = self.eol(pos);
        match self.b.get(e) {
            Some(b'\r') if self.b.get(e + 1) == Some(&b'\n') => e + 2,
            Some(_) => e + 1,
            None => e,
        }
    }

    /// Column in characters.
    pub(super) fn column(&self, pos: usize) -> usize {
        self.s[self.line_start(pos)..pos].chars().count()
    }

    /// Number of leading spaces of the line holding `pos`.
    pub(super) fn indent_of(&self, pos: usize) -> usize {
        let ls = self.line_start(pos);
        self.b[ls..].iter().take_while(|&&c| c == b' ').count()
    }

    pub(super) fn blank_before(&self, pos: usize) -> bool {
        self.b[self.line_start(pos)..pos]
            .iter()
            .all(|&c| c == b' ' || c == b'\t')
    }

    /// The trimmed text of the line starting at `ls`.
    pub(super) fn line_text(&self, ls: usize) -> &'a str {
        self.s[ls..self.eol(ls)].trim()
    }

    /// End of `span` with trailing blanks and line breaks left out.
    pub(super) fn content_end(&self, span: Range<usize>) -> usize {
        let mut end = span.end.min(self.b.len());
        while end > span.start && matches!(self.b[end - 1], b' ' | b'\t' | b'\r' | b'\n') {
            end -= 1;
        }
        end
    }

    /// Start of the head comment above the line starting at `ls`: the comment-only lines
    /// directly above it (no blank line between) indented no deeper than `col`.
    pub(super) fn head_start(&self, ls: usize, col: usize) -> usize {
        self.head_start_where(ls, col, |_| true)
    }

    /// [`Text::head_start`], taking only lines whose `#` (at the byte offset given)
    /// `is_comment` says starts a comment: not a quoted scalar's line.
    pub(super) fn head_start_where(
        &self,
        ls: usize,
        col: usize,
        is_comment: impl Fn(usize) -> bool,
    ) -> usize {
        let mut start = ls;
        while start > 0 {
            let prev = self.line_start(self.before_last_break(start));
            let indent = self.indent_of(prev);
            if self.line_text(prev).starts_with('#') && indent <= col && is_comment(prev + indent) {
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
    pub(super) fn removal(&self, head: usize, point: Point, col: usize) -> Range<usize> {
        let end = self.lines_end_deeper(self.point_line_end(point), col, false);
        self.removal_to(head, end)
    }

    /// As [`Text::removal`], taking also the blank lines and lines of spaces after the value
    /// (and between the comment lines): left, they could follow a `|`/`>` block ending the
    /// text before `head` and change its value.
    pub(super) fn removal_with_blank_lines(
        &self,
        head: usize,
        point: Point,
        col: usize,
    ) -> Range<usize> {
        let mut end = self.point_line_end(point);
        let mut ls = self.next_line(end);
        while ls < self.b.len() && end < self.b.len() {
            let text = self.line_text(ls);
            let deeper_comment = text.starts_with('#') && self.indent_of(ls) > col;
            if !text.is_empty() && !deeper_comment {
                break;
            }
            end = self.eol(ls);
            ls = self.next_line(ls);
        }
        self.removal_to(head, end)
    }

    /// The line end where the value ending at `point` ends.
    fn point_line_end(&self, point: Point) -> usize {
        if point.line_start {
            self.before_last_break(point.pos)
        } else {
            point.pos
        }
    }

    /// The removal from the line break before `head` to line end `end` (see
    /// [`Text::removal`]).
    fn removal_to(&self, head: usize, end: usize) -> Range<usize> {
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
    pub(super) fn lines_end(&self, point: Point, col: usize) -> usize {
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
    pub(super) fn lines_end_deeper(&self, pos: usize, col: usize, line_starts: bool) -> usize {
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
    pub(super) fn after_pos(&self, pos: usize) -> After {
        if pos >= self.b.len() {
            return After::NoBreak;
        }
        self.blank_lines_from(self.next_line(pos))
    }

    /// What follows text inserted at `point`.
    pub(super) fn after(&self, point: Point) -> After {
        if point.line_start {
            // The inserted text brings its own line break.
            self.blank_lines_from(point.pos)
        } else {
            self.after_pos(point.pos)
        }
    }

    /// [`After::SpacesLine`] when the blank lines from line start `ls` include one with spaces.
    pub(super) fn blank_lines_from(&self, mut ls: usize) -> After {
        while ls < self.b.len() && self.line_text(ls).is_empty() {
            if ls < self.eol(ls) {
                return After::SpacesLine;
            }
            ls = self.next_line(ls);
        }
        After::Break
    }

    /// The anchor and tag tokens after `from` (each with the blanks before it), and whether
    /// each is a tag: on its line, or on lines below indented deeper than `col`; they end at
    /// the first other text.
    pub(super) fn props_after(&self, from: usize, col: usize) -> Vec<(Range<usize>, bool)> {
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

    /// True when no line break stands in `from..to`.
    pub(super) fn same_line(&self, from: usize, to: usize) -> bool {
        !self.b[from..to].iter().any(|&c| c == b'\n' || c == b'\r')
    }

    /// The `:` after a key ending at `key_end` (blanks between allowed).
    pub(super) fn colon_after(&self, key_end: usize) -> Option<usize> {
        let mut i = key_end;
        while i < self.b.len() && matches!(self.b[i], b' ' | b'\t') {
            i += 1;
        }
        (i < self.b.len() && self.b[i] == b':').then_some(i)
    }

    /// The text removed with the tag token at `tag`: the blanks after it too, or, when only a
    /// line break or the end follows it, the blanks before it.
    pub(super) fn tag_removal(&self, tag: Range<usize>) -> Range<usize> {
        let mut end = tag.end;
        while end < self.b.len() && matches!(self.b[end], b' ' | b'\t') {
            end += 1;
        }
        if end < self.b.len() && !matches!(self.b[end], b'\n' | b'\r') {
            return tag.start..end;
        }
        let mut start = tag.start;
        while start > 0 && matches!(self.b[start - 1], b' ' | b'\t') {
            start -= 1;
        }
        start..end
    }

    /// True when the block scalar header at `start` has keep chomping (`|+`, `>2+`).
    pub(super) fn keeps_breaks(&self, start: usize) -> bool {
        self.b[start..self.header_end(start)].contains(&b'+')
    }

    /// Start of the first non-blank line after the line holding `pos` (the end of the text if
    /// there is none).
    pub(super) fn next_content_line(&self, pos: usize) -> usize {
        let mut ls = self.next_line(pos);
        while ls < self.b.len() && self.line_text(ls).is_empty() {
            ls = self.next_line(ls);
        }
        ls
    }

    /// Position of the line break that ends the text before `end` (so trailing blank lines of
    /// a `|+` block are removed with it but the final line break stays).
    pub(super) fn before_last_break(&self, end: usize) -> usize {
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
    pub(super) fn header_end(&self, start: usize) -> usize {
        let mut i = start + 1;
        while i < self.b.len() && matches!(self.b[i], b'0'..=b'9' | b'+' | b'-') {
            i += 1;
        }
        i
    }

    /// Indentation of the first non-blank line in `from..to`.
    pub(super) fn first_content_indent(&self, from: usize, to: usize) -> Option<usize> {
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
    use super::super::test_support::*;
    use super::Text;
    use serde_json::json;

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
}
