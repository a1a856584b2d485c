//! Document-level edits of a YAML stream: where its documents are, the ranges that remove a
//! document or a sequence item, block text put after a key, and the text one region of a
//! source gets from a set of edits (for reading only what changed again).

use super::edits::line_break;
use super::{Document, Edits, NodeId, NodeKind, ScalarStyle};
use std::ops::Range;

/// Byte ranges of the documents of a YAML stream: each starts at its `---` line, or, when
/// directive lines (`%TAG`, `%YAML`) stand before it, at the `...` line before them (or at 0):
/// removing the document before leaves them and the `...` they need, removing this one takes
/// them; each
/// ends where the next one starts (or at the end). A `---` at column 0 always starts a
/// document, even after a block scalar, so a line scan is exact.
pub fn document_ranges(src: &str) -> Vec<Range<usize>> {
    let mut starts = vec![0];
    let mut pos = 0;
    // The last `...` line, when only blank, comment and directive lines follow it; whether
    // directives do.
    let mut ended = None;
    let mut directives = None;
    // Every YAML line break ends a line: `\n`, `\r\n` and a lone `\r`.
    for body in super::split_lines(src) {
        let marker = |m: &str| {
            body.starts_with(m)
                && body[3..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == '\t')
        };
        let is_marker = marker("---");
        if is_marker && pos != 0 {
            starts.push(directives.unwrap_or(pos));
        }
        let text = body.trim_start_matches([' ', '\t']);
        if marker("...") {
            (ended, directives) = (Some(pos), None);
        } else if ended.is_some() && body.starts_with('%') {
            directives = ended;
        } else if is_marker || !(text.is_empty() || text.starts_with('#')) {
            (ended, directives) = (None, None);
        }
        pos += body.len();
        pos += match src.as_bytes().get(pos) {
            Some(b'\r') if src.as_bytes().get(pos + 1) == Some(&b'\n') => 2,
            Some(_) => 1,
            None => 0,
        };
    }
    let mut ranges = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(src.len());
        ranges.push(start..end);
    }
    ranges
}

/// The document range holding byte `pos`.
pub fn document_range_at(ranges: &[Range<usize>], pos: usize) -> Range<usize> {
    ranges
        .iter()
        .find(|r| r.contains(&pos))
        .cloned()
        .unwrap_or_else(|| ranges.last().cloned().unwrap_or(0..0))
}

/// The range to delete to remove the document holding byte `pos`: its marker line and content;
/// for a first document without a marker, the next document's bare `---` line goes too.
pub fn document_removal_range(src: &str, ranges: &[Range<usize>], pos: usize) -> Range<usize> {
    let range = document_range_at(ranges, pos);
    if range.start == 0 && !src.starts_with("---") && range.end < src.len() {
        let rest = &src[range.end..];
        for marker in ["---\n", "---\r\n", "---\r"] {
            if rest.starts_with(marker) {
                return range.start..range.end + marker.len();
            }
        }
    }
    range
}

/// The ranges to delete to remove the documents holding each of `positions`, merged where they
/// touch or overlap (removing a first document also takes the next one's `---` line).
pub fn documents_removal_ranges(
    src: &str,
    ranges: &[Range<usize>],
    positions: impl IntoIterator<Item = usize>,
) -> Vec<Range<usize>> {
    let mut removals: Vec<Range<usize>> = positions
        .into_iter()
        .map(|pos| document_removal_range(src, ranges, pos))
        .collect();
    removals.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(removals.len());
    for r in removals {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// 0-based column, in characters, of byte `pos` of `src`.
pub fn column_of(src: &str, pos: usize) -> usize {
    // A lone `\r` ends a line too (YAML reads CR-only text).
    let line_start = src[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    src[line_start..pos].chars().count()
}

/// The text that puts `documents` (each ending in a line break) before the document that starts
/// at byte `at` of `src`: each followed by `---`, or each preceded by one when that document
/// opens with its own marker.
pub fn documents_before<S: AsRef<str>>(
    src: &str,
    at: usize,
    documents: impl IntoIterator<Item = S>,
    eol: &str,
) -> String {
    // A `...` line there opens the directives of the document after it.
    let marked = ["---", "..."].iter().any(|m| {
        src[at..]
            .strip_prefix(m)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
    });
    let mut text = String::new();
    for document in documents {
        if marked {
            text.push_str("---");
            text.push_str(eol);
        }
        text.push_str(document.as_ref());
        if !marked {
            text.push_str("---");
            text.push_str(eol);
        }
    }
    text
}

/// A new stream of `documents` (each ending in a line break): a `---` line between each, none
/// before the first (as kpt writes files).
pub fn stream_text<S: AsRef<str>>(documents: &[S]) -> String {
    let mut text = String::new();
    for (i, document) in documents.iter().enumerate() {
        if i > 0 {
            text.push_str("---\n");
        }
        text.push_str(document.as_ref());
    }
    text
}

/// Where [`Document::edit_stream`] put the documents it added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// No document was added.
    Nothing,
    /// Before the last document, which ends in an open block scalar.
    BeforeLast,
    /// After the last document, by this edit (its index in the [`Edits`]).
    Appended(usize),
}

impl Document {
    /// True when the text with `edits` ends right after node `last`'s open block scalar
    /// ([`Document::ends_with_open_block`]) with no line break: a line after it would change its
    /// value, so what is added goes before it. Decided from the text after `edits` (a removal or
    /// a sync may have changed how it ends), not from the source.
    pub fn ends_open_after(&self, last: NodeId, edits: &Edits) -> bool {
        // The source's own ending first: most texts end in a line break, and then no edit is
        // looked at.
        self.ends_with_open_block(last)
            && edits
                .last_byte(self.source())
                .is_some_and(|b| b != b'\n' && b != b'\r')
    }

    /// The stream writer, one for every sink (a ResourceList of plain documents, a package
    /// file): remove the documents whose roots are `removed` and add `documents` (each a whole
    /// document ending in a `\n` line break; [`Edits::apply`] gives them the source's breaks)
    /// with `edits`, which already hold the kept documents' value edits. The rules:
    ///
    /// - When the kept last document ends in an open `|`/`>` block after the edits
    ///   ([`Document::ends_open_after`]), the documents go before it, with the `---` lines that
    ///   keep it whole ([`documents_before`]), placed after a marker line a removal took.
    /// - Otherwise they go at the end: a line break first when the text after the edits does
    ///   not end in one (decided from that text, not from the source: removing a last document
    ///   leaves the line break before its `---`), and a `---` line before each, but for the
    ///   first when no document of the source is left (a stream does not start with an empty
    ///   document: kpt writes none).
    pub fn edit_stream<S: AsRef<str>>(
        &self,
        edits: &mut Edits,
        removed: &[NodeId],
        documents: &[S],
    ) -> Placed {
        let src = self.source();
        let ranges = document_ranges(src);
        let positions = removed.iter().map(|node| self.node(*node).span().start);
        let removals = documents_removal_ranges(src, &ranges, positions);
        for range in &removals {
            edits.replace(range.clone(), "");
        }
        if documents.is_empty() {
            return Placed::Nothing;
        }
        let roots = self.roots();
        let last = roots.last().copied().filter(|n| !removed.contains(n));
        if let Some(last) = last.filter(|&n| self.ends_open_after(n, edits)) {
            let mut at = document_range_at(&ranges, self.node(last).span().start).start;
            if let Some(r) = removals.iter().find(|r| r.start <= at && at < r.end) {
                at = r.end;
            }
            let text = documents_before(src, at, documents.iter().map(AsRef::as_ref), "\n");
            edits.insert(at, text);
            return Placed::BeforeLast;
        }
        let mut text = String::new();
        if edits
            .last_byte(src)
            .is_some_and(|b| b != b'\n' && b != b'\r')
        {
            text.push('\n');
        }
        let mut separate = roots.len() > removed.len();
        for document in documents {
            if separate {
                text.push_str("---\n");
            }
            text.push_str(document.as_ref());
            separate = true;
        }
        let placed = Placed::Appended(edits.len());
        edits.insert(src.len(), text);
        placed
    }
}

/// The start of the line after the line break at byte `pos` of `src` (`None` when `pos` is
/// the end of the text).
pub fn next_line_start(src: &str, pos: usize) -> Option<usize> {
    let rest = src.get(pos..).filter(|r| r.starts_with(['\n', '\r']))?;
    Some(pos + if rest.starts_with("\r\n") { 2 } else { 1 })
}

/// Byte `pos` of `src` (at a line start) moved past the blank lines (spaces and tabs only, each
/// ending in a line break) that follow it: those after a kept (`|+`) block scalar are part of
/// its value, so text that must not change it goes after them.
pub fn past_blank_lines(src: &str, mut pos: usize) -> usize {
    loop {
        let rest = &src[pos..];
        let Some(i) = rest.find(['\n', '\r']) else {
            return pos;
        };
        if !rest[..i].bytes().all(|b| b == b' ' || b == b'\t') {
            return pos;
        }
        pos += i + if rest[i..].starts_with("\r\n") { 2 } else { 1 };
    }
}

/// True when byte `pos` is the first thing on its line (after spaces).
pub fn opens_line(src: &str, pos: usize) -> bool {
    let line_start = src[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    src[line_start..pos].bytes().all(|b| b == b' ')
}

impl Document {
    /// The column of the `-` of block-sequence item `item`: on the item's first line, or on an
    /// earlier line that holds only the dash and maybe a comment (`- # head comment`). Every
    /// block-sequence item has its `-` recorded at parse; a node without one (an item of a flow
    /// sequence, a node that is no item) has no dash to look for, and gets its own column.
    pub fn dash_column(&self, item: NodeId) -> usize {
        let at = self
            .dash_of(item)
            .unwrap_or_else(|| self.node(item).span().start);
        column_of(self.source(), at)
    }

    /// True for a plain scalar that reads as null (`~`, `null`, empty).
    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(
            &self.node(id).kind,
            NodeKind::Scalar {
                style: ScalarStyle::Plain,
                ..
            }
        ) && matches!(self.scalar(id), Some("" | "~" | "null" | "Null" | "NULL"))
    }

    /// Replace the null or flow value `value` of `key` in mapping `map` with `block` (text
    /// starting with a line break): the value's token goes, and the block follows the rest of
    /// its line (a comment stays put).
    pub fn replace_with_block(
        &self,
        map: NodeId,
        key: &str,
        value: NodeId,
        block: String,
        edits: &mut Edits,
    ) {
        let src = self.source();
        let value_span = self.node(value).span();
        let key_end = self
            .entry(map, key)
            .map(|(k, _)| self.node(k).span().end)
            .unwrap_or(value_span.start);
        let colon = src[key_end..]
            .find(':')
            .map_or(key_end, |i| key_end + i + 1);
        let token_end = if self.is_null(value) {
            let line_end = src[colon..]
                .find(['\n', '\r', '#'])
                .map_or(src.len(), |i| colon + i);
            colon + src[colon..line_end].trim_end().len()
        } else {
            value_span.end.max(colon)
        };
        let insert_at = src[token_end..]
            .find(['\n', '\r'])
            .map_or(src.len(), |i| token_end + i);
        if insert_at == token_end {
            edits.replace(colon..token_end, block);
        } else {
            edits.replace(colon..token_end, "");
            edits.insert(insert_at, block);
        }
    }
}

/// The edits of one [`Edits`] in source order, to find those near a region quickly.
#[derive(Debug)]
pub struct EditIndex<'e> {
    edits: &'e Edits,
    /// Indices into `edits`, sorted by range (as [`Edits::apply`] orders them).
    order: Vec<usize>,
}

impl Edits {
    /// The edits sorted by place, for `EditIndex::region_text`.
    pub fn index(&self) -> EditIndex<'_> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by_key(|&i| {
            let range = self.range(i);
            (range.start, range.end)
        });
        EditIndex { edits: self, order }
    }
}

impl EditIndex<'_> {
    /// The text `src[region]` gets from the edits (those `skip` names left out), exactly the
    /// bytes [`Edits::apply`] writes for it, or `None` when that cannot be said from the region
    /// alone: an edit crosses or touches one of its bounds (an insert at its end counts as
    /// inside when `end_inserts`), or its line breaks would be chosen otherwise.
    pub fn region_text(
        &self,
        src: &str,
        region: Range<usize>,
        end_inserts: bool,
        skip: impl Fn(usize) -> bool,
    ) -> Option<String> {
        let text = src.get(region.clone())?;
        if line_break(text) != line_break(src) {
            return None;
        }
        // Edits do not overlap: the first that can reach the region starts before it at most
        // by its own length, and is found from the first one starting at or after it.
        let edits = self.edits;
        let mut first = self
            .order
            .partition_point(|&i| edits.range(i).start < region.start);
        while first > 0 && edits.range(self.order[first - 1]).end >= region.start {
            first -= 1;
        }
        let mut inside = Edits::default();
        for &i in &self.order[first..] {
            let (range, new) = edits.get(i)?;
            if range.start > region.end {
                break;
            }
            if skip(i) {
                continue;
            }
            let insert = range.is_empty();
            let before = range.end < region.start || (!insert && range.end == region.start);
            let after =
                range.start > region.end || (range.start == region.end && !(insert && end_inserts));
            if before || after {
                // A replacement ending at the region's start or starting at its end changes
                // the bytes around it: the region alone cannot say how it reads.
                if !insert && (range.end == region.start || range.start == region.end) {
                    return None;
                }
                continue;
            }
            let contained = region.start <= range.start
                && range.end <= region.end
                && !(insert && range.start == region.start);
            if !contained {
                return None;
            }
            inside.replace(range.start - region.start..range.end - region.start, new);
        }
        inside.apply(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Directive lines go with the document after them, from the `...` line before them.
    #[test]
    fn a_document_range_starts_at_the_end_marker_before_its_directives() {
        let src = "a: 1\n---\nb: 2\n...\n# c\n%TAG !e! tag:e,2000:\n---\nc: 3\n";
        let dots = src.find("...").unwrap();
        let starts: Vec<usize> = document_ranges(src).iter().map(|r| r.start).collect();
        assert_eq!(starts, [0, src.find("---").unwrap(), dots]);
        // Without directives, the `...` line stays with its document.
        let plain = src.replace("%TAG !e! tag:e,2000:\n", "");
        let starts: Vec<usize> = document_ranges(&plain).iter().map(|r| r.start).collect();
        assert_eq!(starts, [0, 5, plain.rfind("---").unwrap()]);
        assert!(documents_before(src, dots, ["d: 4\n"], "\n").starts_with("---\nd: 4\n"));
    }

    #[test]
    fn document_ranges_split_at_markers_after_every_kind_of_line_break() {
        for eol in ["\n", "\r\n", "\r"] {
            let src = ["a: 1", "---", "b: 2", "--- # c", "c: 3", ""].join(eol);
            let starts: Vec<usize> = document_ranges(&src).iter().map(|r| r.start).collect();
            let want: Vec<usize> = [0, src.find("---").unwrap(), src.find("--- #").unwrap()].into();
            assert_eq!(starts, want, "{src:?}");
            let second = document_range_at(&document_ranges(&src), src.find('b').unwrap());
            assert_eq!(
                document_removal_range(&src, &document_ranges(&src), 0),
                0..second.start + 3 + eol.len(),
                "{src:?}"
            );
        }
    }

    /// What [`Document::edit_stream`] makes of `src` with the roots at `removed` (indices) gone
    /// and `documents` added, and where it put them.
    fn stream(src: &str, removed: &[usize], documents: &[&str]) -> (String, Placed) {
        let doc = Document::parse(src).unwrap();
        let removed: Vec<NodeId> = removed.iter().map(|&i| doc.roots()[i]).collect();
        let mut edits = Edits::default();
        let placed = doc.edit_stream(&mut edits, &removed, documents);
        (edits.apply(src).unwrap(), placed)
    }

    #[test]
    fn the_stream_writer_removes_and_adds_documents_by_its_rules() {
        let c = "c: 3\n";
        assert_eq!(
            stream("a: 1\n", &[], &[]),
            ("a: 1\n".into(), Placed::Nothing)
        );
        assert_eq!(stream("a: 1\n", &[], &[c]).0, "a: 1\n---\nc: 3\n");
        assert_eq!(stream("a: 1", &[], &[c]).0, "a: 1\n---\nc: 3\n");
        // No document left: no `---` before the first added one.
        assert_eq!(stream("a: 1\n", &[0], &[c, c]).0, "c: 3\n---\nc: 3\n");
        // The line break comes from the text after the removal.
        assert_eq!(stream("a: 1\n---\nb: 2", &[1], &[c]).0, "a: 1\n---\nc: 3\n");
        // Before an open last block, after the marker line a removal took.
        let (text, placed) = stream("a: 1\n---\nb: |\n  text", &[0], &[c]);
        assert_eq!(
            (text.as_str(), placed),
            ("c: 3\n---\nb: |\n  text", Placed::BeforeLast)
        );
        let (text, _) = stream("a: 1\n---\nb: |\n  text", &[], &[c]);
        assert_eq!(text, "a: 1\n---\nc: 3\n---\nb: |\n  text");
        let (text, placed) = stream("a: 1\n---\nb: |\n  text\n", &[], &[c]);
        assert_eq!(text, "a: 1\n---\nb: |\n  text\n---\nc: 3\n");
        assert_eq!(placed, Placed::Appended(0));
    }

    #[test]
    fn dash_columns_are_the_indicators_recorded_at_parse() {
        // (text, its `items` sequence's first item's dash column, fast path reads it)
        let cases = [
            ("items:\n- a: 1\n", 0, true),
            ("items:\n  - a: 1\n  - b\n", 2, true),
            ("items:\n  - # head - x\n    a: 1\n", 2, true),
            ("items:\n  -\n    a: 1\n", 2, true),
            ("items:\n - # c - d\n   !t x\n", 1, false),
            ("items:\n- !t-x a\n", 0, false),
            ("items:\n- &a-b [x]\n", 0, false),
            ("items:\n- - x\n  - y\n", 0, false),
        ];
        for (src, column, fast) in cases {
            let d = Document::parse(src).unwrap();
            assert_eq!(Document::parse_fast_only(src).is_some(), fast, "{src:?}");
            let items = d.get(d.roots()[0], "items").unwrap();
            let first = d.items(items)[0];
            assert_eq!(d.dash_column(first), column, "{src:?}");
            let granit = Document::parse_with_granit(src).unwrap();
            assert_eq!(granit.dash_column(first), column, "{src:?}");
        }
        // Every item has its dash: the nested one's too.
        let d = Document::parse("- - x\n  - y\n").unwrap();
        let inner = d.items(d.roots()[0])[0];
        let cols: Vec<usize> = d.items(inner).iter().map(|&i| d.dash_column(i)).collect();
        assert_eq!(cols, [2, 2]);
    }

    #[test]
    fn region_text_is_the_applied_text_of_the_region_or_none_at_its_bounds() {
        let src = "a: 1\nb: 2\nc: 3\n";
        let mut edits = Edits::default();
        edits.replace(8..9, "20");
        edits.insert(15, "d: 4\n");
        let whole = edits.apply(src).unwrap();
        let b = 5..10;
        assert_eq!(
            edits.index().region_text(src, b.clone(), false, |_| false),
            Some("b: 20\n".into())
        );
        assert_eq!(&whole[5..11], "b: 20\n");
        assert_eq!(
            edits.index().region_text(src, 10..15, false, |_| false),
            Some("c: 3\n".into())
        );
        assert_eq!(
            edits.index().region_text(src, 10..15, true, |_| false),
            Some("c: 3\nd: 4\n".into())
        );
        assert_eq!(
            edits.index().region_text(src, 10..15, true, |i| i == 1),
            Some("c: 3\n".into())
        );
        // A replacement across the region's start, or touching it, cannot be placed.
        let mut across = Edits::default();
        across.replace(3..7, "x");
        assert_eq!(
            across.index().region_text(src, b.clone(), false, |_| false),
            None
        );
        let mut touching = Edits::default();
        touching.replace(3..5, "");
        assert_eq!(
            touching
                .index()
                .region_text(src, b.clone(), false, |_| false),
            None
        );
        let mut at_start = Edits::default();
        at_start.insert(5, "- ");
        assert_eq!(at_start.index().region_text(src, b, false, |_| false), None);
        // Line breaks chosen from the whole text must be those of the region.
        assert_eq!(
            Edits::default()
                .index()
                .region_text("a\r\nb\nc\n", 3..5, false, |_| false),
            None
        );
    }

    #[test]
    fn a_new_stream_has_a_marker_between_documents_and_none_first() {
        assert_eq!(stream_text::<&str>(&[]), "");
        assert_eq!(stream_text(&["a: 1\n"]), "a: 1\n");
        let text = stream_text(&["a: 1\n", "b: |\n  x\n", "c: 3\n"]);
        assert_eq!(text, "a: 1\n---\nb: |\n  x\n---\nc: 3\n");
        assert_eq!(Document::parse(text.as_str()).unwrap().roots().len(), 3);
    }
}
