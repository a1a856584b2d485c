//! Byte-range edits against one source text.

use super::YamlError;
use std::ops::Range;

/// Non-overlapping byte-range replacements against one source text, applied at once. The new
/// texts share one buffer (an edit is 16 bytes and its text, not a `String` of its own).
#[derive(Debug, Clone, Default)]
pub struct Edits {
    edits: Vec<Edit>,
    /// The new texts of `edits`, one after another in the order they were added.
    text: String,
}

/// One edit: the source bytes `start..end` become `text[previous edit's text_end..text_end]`.
#[derive(Debug, Clone, Copy)]
struct Edit {
    start: u32,
    end: u32,
    text_end: usize,
}

/// A source position as stored: sources are under 2 GiB (`parse::check_size`); a larger
/// position is kept as `u32::MAX`, outside every source, which [`Edits::checked_order`] reports.
fn position(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

impl Edits {
    /// Replace `range` with `text`.
    pub fn replace(&mut self, range: Range<usize>, text: impl AsRef<str>) {
        self.text.push_str(text.as_ref());
        self.edits.push(Edit {
            start: position(range.start),
            end: position(range.end),
            text_end: self.text.len(),
        });
    }

    /// Insert `text` at `pos` (several inserts at one position keep their order).
    pub fn insert(&mut self, pos: usize, text: impl AsRef<str>) {
        self.replace(pos..pos, text);
    }

    /// Number of edits.
    pub fn len(&self) -> usize {
        self.edits.len()
    }

    /// Edit `i`: the source range it replaces and its new text.
    pub(crate) fn get(&self, i: usize) -> Option<(Range<usize>, &str)> {
        let edit = self.edits.get(i)?;
        let text_start = i.checked_sub(1).map_or(0, |p| self.edits[p].text_end);
        Some((
            edit.start as usize..edit.end as usize,
            &self.text[text_start..edit.text_end],
        ))
    }

    /// The source range edit `i` replaces (`i` < [`Edits::len`]).
    pub(crate) fn range(&self, i: usize) -> Range<usize> {
        let edit = self.edits[i];
        edit.start as usize..edit.end as usize
    }

    /// Edits `range` (indices, in the order they were added): each source range and new text.
    pub(crate) fn iter_range(
        &self,
        range: Range<usize>,
    ) -> impl Iterator<Item = (Range<usize>, &str)> + '_ {
        range.filter_map(|i| self.get(i))
    }

    /// Drop the edits added after the first `len` (undoing a failed sync).
    pub(crate) fn truncate(&mut self, len: usize) {
        if len < self.edits.len() {
            let text_len = len.checked_sub(1).map_or(0, |p| self.edits[p].text_end);
            self.edits.truncate(len);
            self.text.truncate(text_len);
        }
    }

    /// True when there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// Apply every edit to `src`; overlapping edits are an error naming the position.
    ///
    /// Edits are applied in source order (inserts at one position in the order they were
    /// added, before a replacement starting there). Inserted text takes `src`'s line break (its
    /// first line break decides): with `\r\n` or a lone `\r`, every lone `\n` in it becomes that.
    pub fn apply(&self, src: &str) -> Result<String, YamlError> {
        let order = self.checked_order(src)?;
        let extra = self.text.len();
        let mut out = String::with_capacity(src.len() + extra + extra / 8);
        self.pieces(src, &order, |piece| {
            out.push_str(piece);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|never| match never {});
        Ok(out)
    }

    /// The edits in the order [`Edits::apply`] applies them, or the error it gives: checked
    /// before a byte is written anywhere.
    pub fn checked_order(&self, src: &str) -> Result<Vec<usize>, YamlError> {
        let mut order: Vec<usize> = (0..self.edits.len()).collect();
        // Stable: inserts at one position keep the order they were added in.
        order.sort_by_key(|&i| (self.edits[i].start, self.edits[i].end));
        let mut pos = 0;
        let mut last_range: Option<Range<usize>> = None;
        for &i in &order {
            let range = &self.range(i);
            if range.start > range.end || range.end > src.len() {
                return Err(edit_error(
                    src,
                    range.start.min(src.len()),
                    format!(
                        "edit range {}..{} lies outside the {}-byte text",
                        range.start,
                        range.end,
                        src.len()
                    ),
                ));
            }
            if !src.is_char_boundary(range.start) || !src.is_char_boundary(range.end) {
                return Err(edit_error(
                    src,
                    floor_char_boundary(src, range.start),
                    format!(
                        "edit range {}..{} splits a UTF-8 character",
                        range.start, range.end
                    ),
                ));
            }
            if range.start < pos {
                let other = last_range.clone().unwrap_or(0..0);
                return Err(edit_error(
                    src,
                    range.start,
                    format!(
                        "overlapping edits: bytes {}..{} and {}..{}",
                        other.start, other.end, range.start, range.end
                    ),
                ));
            }
            pos = range.end;
            last_range = Some(range.clone());
        }
        Ok(order)
    }

    /// The text [`Edits::apply`] makes, as pieces handed to `sink` in order: untouched byte
    /// ranges of `src` and the new text of the edits (line breaks as `src`'s), without the
    /// whole text ever held. `order` comes from [`Edits::checked_order`].
    pub fn pieces<E>(
        &self,
        src: &str,
        order: &[usize],
        mut sink: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        let line_break = line_break(src);
        let mut pos = 0;
        for &i in order {
            let (range, text) = self.get(i).expect("an index of the edits");
            if pos < range.start {
                sink(&src[pos..range.start])?;
            }
            if line_break == "\n" {
                sink(text)?;
            } else {
                each_with_break(text, line_break, &mut sink)?;
            }
            pos = range.end;
        }
        if pos < src.len() {
            sink(&src[pos..])?;
        }
        Ok(())
    }

    /// The last byte of the text [`Edits::apply`] makes (`None` when it is empty), without
    /// applying the edits.
    pub fn last_byte(&self, src: &str) -> Option<u8> {
        let end = src.len();
        // The last edit in source order that writes text at the end, or the last one that
        // removes the end of the text: what is before the end is what it leaves.
        let mut cut = end;
        let mut order: Vec<usize> = (0..self.edits.len()).collect();
        order.sort_by_key(|&i| (self.edits[i].start, self.edits[i].end));
        for &i in order.iter().rev() {
            let (range, text) = self.get(i).expect("an index of the edits");
            if range.end < cut {
                break;
            }
            if let Some(&b) = text.as_bytes().last() {
                return Some(b);
            }
            cut = cut.min(range.start);
        }
        src.as_bytes()[..cut].last().copied()
    }
}

/// Hand `text` to `sink` in pieces, every `\n` not already preceded by `\r` turned into
/// `line_break`.
fn each_with_break<E>(
    text: &str,
    line_break: &str,
    sink: &mut impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let mut prev = 0u8;
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' && prev != b'\r' {
            if start < i {
                sink(&text[start..i])?;
            }
            sink(line_break)?;
            start = i + 1;
        }
        prev = b;
    }
    if start < text.len() {
        sink(&text[start..])?;
    }
    Ok(())
}

/// The first line break of `src` (`\n`, `\r\n` or a lone `\r`); `\n` when it has none.
pub(crate) fn line_break(src: &str) -> &'static str {
    let b = src.as_bytes();
    match b.iter().position(|&c| c == b'\n' || c == b'\r') {
        Some(i) if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') => "\r\n",
        Some(i) if b[i] == b'\r' => "\r",
        _ => "\n",
    }
}

fn floor_char_boundary(src: &str, mut i: usize) -> usize {
    i = i.min(src.len());
    while !src.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// 1-based line and column (in characters) of byte `pos` in `src`; every YAML line break ends
/// a line (`\n`, `\r\n`, a lone `\r`).
pub fn line_column(src: &str, pos: usize) -> (usize, usize) {
    let pos = floor_char_boundary(src, pos);
    let b = src.as_bytes();
    let (mut line, mut line_start) = (1, 0);
    for i in 0..pos {
        let lone_cr = b[i] == b'\r' && b.get(i + 1) != Some(&b'\n');
        if b[i] == b'\n' || lone_cr {
            line += 1;
            line_start = i + 1;
        }
    }
    (line, src[line_start..pos].chars().count() + 1)
}

/// An error at byte `pos` of `src`.
pub(crate) fn edit_error(src: &str, pos: usize, message: String) -> YamlError {
    let (line, column) = line_column(src, pos);
    YamlError {
        message,
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, edits: &[(Range<usize>, &str)]) -> Result<String, YamlError> {
        let mut e = Edits::default();
        for (r, t) in edits {
            e.replace(r.clone(), *t);
        }
        e.apply(src)
    }

    /// Source, edits, expected text.
    type Case<'a> = (&'a str, &'a [(Range<usize>, &'a str)], &'a str);

    #[test]
    fn applies_in_source_order_whatever_the_order_added() {
        let cases: &[Case] = &[
            ("a: 1\nb: 2\n", &[], "a: 1\nb: 2\n"),
            ("a: 1\nb: 2\n", &[(8..9, "3"), (3..4, "x")], "a: x\nb: 3\n"),
            ("abc", &[(0..0, "<"), (3..3, ">")], "<abc>"),
            ("abc", &[(1..2, "")], "ac"),
            ("abc", &[(1..2, "X"), (2..2, "Y")], "aXYc"),
            ("abc", &[(1..1, "X"), (1..2, "Y")], "aXYc"),
            ("été: ü\n", &[(7..9, "ö")], "été: ö\n"),
        ];
        for (src, edits, want) in cases {
            assert_eq!(run(src, edits).unwrap(), *want, "{src:?} {edits:?}");
        }
    }

    #[test]
    fn inserts_at_one_position_keep_their_order() {
        let mut e = Edits::default();
        e.insert(1, "1");
        e.insert(1, "2");
        e.replace(0..1, "A");
        e.insert(1, "3");
        assert_eq!(e.len(), 4);
        assert!(!e.is_empty());
        assert_eq!(e.apply("ab").unwrap(), "A123b");
        assert!(Edits::default().is_empty());
    }

    #[test]
    fn overlaps_are_errors_naming_the_position() {
        let err = run("a: 1\nb: 22\n", &[(8..10, "x"), (9..11, "y")]).unwrap_err();
        assert_eq!((err.line, err.column), (2, 5));
        assert_eq!(err.message, "overlapping edits: bytes 8..10 and 9..11");
        let err = run("abc", &[(0..2, "x"), (1..1, "y")]).unwrap_err();
        assert_eq!((err.line, err.column), (1, 2));
        let err = run("abc", &[(0..2, "x"), (0..2, "y")]).unwrap_err();
        assert_eq!(err.message, "overlapping edits: bytes 0..2 and 0..2");
    }

    #[test]
    fn bad_ranges_are_errors_not_panics() {
        let err = run("abc", &[(2..9, "x")]).unwrap_err();
        assert_eq!(err.message, "edit range 2..9 lies outside the 3-byte text");
        let err = run("é", &[(1..2, "x")]).unwrap_err();
        assert_eq!(err.message, "edit range 1..2 splits a UTF-8 character");
        assert_eq!((err.line, err.column), (1, 1));
    }

    #[test]
    fn crlf_sources_get_crlf_in_generated_text() {
        let src = "a: 1\r\nb: 2\r\n";
        let mut e = Edits::default();
        e.insert(4, "\nc:\n  d: 3");
        e.insert(10, "\r\ne: 4");
        assert_eq!(
            e.apply(src).unwrap(),
            "a: 1\r\nc:\r\n  d: 3\r\nb: 2\r\ne: 4\r\n"
        );
        // CR-only sources get `\r`, the same number of bytes.
        let mut e = Edits::default();
        e.insert(4, "\nc:\n  d: 3");
        assert_eq!(e.apply("a: 1\rb: 2\r").unwrap(), "a: 1\rc:\r  d: 3\rb: 2\r");
        // LF sources keep generated text as is.
        let mut e = Edits::default();
        e.insert(4, "\nc: 3");
        assert_eq!(e.apply("a: 1\nb: 2\n").unwrap(), "a: 1\nc: 3\nb: 2\n");
    }

    #[test]
    fn pieces_are_the_applied_text_and_last_byte_its_end() {
        let cases: &[Case] = &[
            (
                "a: 1\nb: 2\n",
                &[(3..4, "x"), (10..10, "c: 3")],
                "a: x\nb: 2\nc: 3",
            ),
            ("a: 1\nb: 2", &[(5..9, "")], "a: 1\n"),
            ("a: 1\nb: 2\n", &[(5..10, ""), (10..10, "")], "a: 1\n"),
            ("a: 1\nb: 2\n", &[(0..10, "")], ""),
            ("a: é", &[], "a: é"),
            ("a\r\nb", &[(4..4, "\nc")], "a\r\nb\r\nc"),
        ];
        for (src, edits, want) in cases {
            let mut e = Edits::default();
            for (r, t) in *edits {
                e.replace(r.clone(), *t);
            }
            let mut out = String::new();
            let order = e.checked_order(src).unwrap();
            e.pieces(src, &order, |p| {
                out.push_str(p);
                Ok::<(), ()>(())
            })
            .unwrap();
            assert_eq!(out, *want, "{src:?} {edits:?}");
            assert_eq!(e.apply(src).unwrap(), *want);
            let last = want.as_bytes().last().copied();
            assert_eq!(e.last_byte(src), last, "{src:?} {edits:?}");
        }
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\nçé: x", 7), (2, 3));
        assert_eq!(line_column("", 0), (1, 1));
        // Every YAML line break ends a line; a position inside `\r\n` is on the line it ends.
        assert_eq!(line_column("ab\rçé: x", 7), (2, 3));
        assert_eq!(line_column("a\r\nb\rc\n\rd", 8), (5, 1));
        assert_eq!(line_column("ab\r\n", 2), (1, 3));
        assert_eq!(line_column("ab\r\n", 3), (1, 4));
    }
}
