//! A document root's own text cut out of its stream, as a list item takes it: from its head
//! comment to its trailing comments (up to its document's end, a `...` line or a directive),
//! with edits, dedented to the root's column.

use super::{Document, Edits, NodeId, ParseOptions};
use serde_json::Value;

impl Document {
    /// The text of root `node` with `edits` (made for it, e.g. its change synced), from its
    /// head comment to its trailing comments, dedented to the root's column, without the line
    /// break ending it. When the root ends in a block scalar whose value the cut line break
    /// changes (the kept blank lines of a `|+` block, the spaces ending a block), the text is
    /// the one that reads as `value` once a list's line break ends it, read with `options`;
    /// else synced to `value` once more. `None` when the edits cannot be applied or the cut
    /// text reads as something else than one root.
    pub fn root_text(
        &self,
        node: NodeId,
        edits: &Edits,
        value: &Value,
        options: ParseOptions,
    ) -> Option<String> {
        let src = self.source();
        let span = self.node(node).span();
        let edited_end = (0..edits.len()).map(|i| edits.range(i).end).max();
        let end = trailing_comments_end(src, span.end).max(edited_end.unwrap_or(0));
        let region = head_comment_start(src, span.start)..end;
        let text = match edits
            .index()
            .region_text(src, region.clone(), true, |_| false)
        {
            Some(text) => text,
            None => {
                let applied = edits.apply(src).ok()?;
                let end = applied.len().checked_sub(src.len() - region.end)?;
                applied.get(region.start..end)?.to_string()
            }
        };
        let column = super::column_of(src, span.start);
        let mut own = dedented(text.trim_end(), column);
        if self.ends_in_block_scalar(node) {
            let uncut = dedented(&text, column);
            own = reading_after_a_break([own, uncut], value, options)?;
        }
        Some(own)
    }
}

/// `text` (a root's text from its first line on) with the root's `column` of indentation taken
/// off every line but the first.
fn dedented(text: &str, column: usize) -> String {
    let prefix = " ".repeat(column);
    let lines: Vec<&str> = super::split_lines(text)
        .into_iter()
        .enumerate()
        .map(|(i, line)| match i {
            0 => line,
            _ => line.strip_prefix(prefix.as_str()).unwrap_or(line),
        })
        .collect();
    lines.join("\n")
}

/// The first of `texts` (a root's text ending in a block scalar) that reads as `value` the way
/// a list item's text is read, ending in one line break ([`yaml::indent_as_item`] drops one, the
/// list writes one); when none does (an open `|` block that ended its file gains a line break),
/// the first synced to `value` (a `|-` header). `None` when it reads as another document or
/// cannot be synced.
fn reading_after_a_break(
    texts: [String; 2],
    value: &Value,
    options: ParseOptions,
) -> Option<String> {
    let mut first = None;
    for text in texts {
        let with_break = match text.ends_with(['\n', '\r']) {
            true => text.clone(),
            false => format!("{text}\n"),
        };
        let doc = Document::parse_with(with_break.as_str(), options).ok()?;
        let &[root] = doc.roots() else {
            return None;
        };
        if doc.equals_json(root, value) {
            return Some(text);
        }
        first.get_or_insert((doc, root, with_break));
    }
    let (doc, root, with_break) = first?;
    let mut edits = Edits::default();
    doc.sync(root, value, &mut edits).ok()?;
    edits.apply(&with_break).ok()
}

/// True for a `---` line (a document marker, maybe followed by content; at column 0 it always
/// starts a document, even after a block scalar).
fn is_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// The start of the line holding byte `pos`, and the start of the line before it (`None` at
/// the text's first line); every YAML line break (`\n`, `\r\n`, a lone `\r`) ends a line.
fn line_start_before(src: &str, pos: usize) -> (usize, Option<usize>) {
    let start = src[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let before = (start > 0).then(|| {
        let stop = start - if src[..start].ends_with("\r\n") { 2 } else { 1 };
        src[..stop].rfind(['\n', '\r']).map_or(0, |i| i + 1)
    });
    (start, before)
}

/// Where the head comment of a document's root at `root_start` starts: the first of the
/// comment lines (blank lines between them allowed) that fill its document from its `---` line
/// (or the text's start) to the root's line; `root_start` when there are none, or something
/// else is there (a tag, an anchor, a directive, the `...` of a document before).
fn head_comment_start(src: &str, root_start: usize) -> usize {
    let (line, mut before) = line_start_before(src, root_start);
    if !src[line..root_start].trim().is_empty() {
        return root_start;
    }
    let mut first = None;
    let mut end = line;
    while let Some(start) = before {
        let text = src[start..end].trim_end_matches(['\n', '\r']);
        let trimmed = text.trim();
        if is_marker(text) {
            break;
        }
        if trimmed.starts_with('#') {
            first = Some(start);
        } else if !trimmed.is_empty() {
            return root_start;
        }
        end = start;
        before = line_start_before(src, start).1;
    }
    first.unwrap_or(root_start)
}

/// The end of a root's trailing comments: from its end `root_end`, the rest of its last line
/// and the blank and comment lines after it, up to a `---` or `...` line, a directive or
/// anything else (the start of that line, or the end of the text).
fn trailing_comments_end(src: &str, root_end: usize) -> usize {
    let mut pos = root_end;
    let mut first = true;
    while pos < src.len() {
        let rest = &src[pos..];
        let len = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let line = &rest[..len];
        let trimmed = line.trim();
        let comment_or_blank = trimmed.is_empty() || trimmed.starts_with('#');
        if !first && !comment_or_blank {
            return pos;
        }
        first = false;
        pos = super::next_line_start(src, pos + len).unwrap_or(src.len());
    }
    src.len()
}

#[cfg(test)]
mod tests {
    use super::head_comment_start;

    #[test]
    fn head_comments_are_found_across_every_kind_of_line_break() {
        for src in [
            "---\n# a\n\n# b\nk: v\n",
            "---\r# a\r\r# b\rk: v\r",
            "---\r\n# a\r\n\r\n# b\r\nk: v\r\n",
            "# a\n\n# b\nk: v\n",
        ] {
            let root = src.find('k').unwrap();
            let start = head_comment_start(src, root);
            assert_eq!(&src[start..start + 3], "# a", "{src:?}");
        }
        assert_eq!(head_comment_start("x: 1\rk: v", 5), 5);
        assert_eq!(head_comment_start("--- # c\n!t\n# a\nk: v", 15), 15);
    }
}
