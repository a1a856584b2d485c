//! Scalars replaced in place: the token keeps its quote style when the new value reads back
//! the same in it, a stale tag goes, multi-line strings become literal blocks, block scalars
//! stay blocks at their content indentation.

use super::{After, Slot, Syncer};
use crate::yaml::render::{double_quoted, single_quoted, string_text, Context};
use crate::yaml::{NodeId, NodeKind, ScalarStyle, YamlError};
use serde_json::Value;
use std::ops::Range;

impl Syncer<'_> {
    /// Replace a scalar token with a new scalar, keeping its style where the value reads back
    /// the same in it; a stale explicit tag goes.
    pub(super) fn scalar(&mut self, id: NodeId, slot: Slot, new: &Value) -> Result<(), YamlError> {
        let doc = self.doc;
        let t = self.text();
        let node = doc.node(id);
        let NodeKind::Scalar { style, .. } = &node.kind else {
            return self.replace_value(id, slot, new);
        };
        let slot = self.resolve_slot(id, slot);
        if node.span().is_empty() {
            return self.replace_value(id, slot, new);
        }
        // A stale tag (`!!int abc`) goes with the old value.
        if let Some(tag) = doc.tag_range(id) {
            self.edits.push((t.tag_removal(tag), String::new()));
        }
        let Value::String(s) = new else {
            let text = crate::yaml::render::flow_text(new);
            self.edits.push((node.span(), text));
            return Ok(());
        };
        if matches!(slot, Slot::Flow) {
            let text = match style {
                ScalarStyle::SingleQuoted => single_quoted(s).unwrap_or_else(|| double_quoted(s)),
                ScalarStyle::DoubleQuoted => double_quoted(s),
                _ => string_text(s, Context::Flow),
            };
            self.edits.push((node.span(), text));
            return Ok(());
        }
        let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
        let (parent_indent, content_col) = if block || s.contains('\n') {
            self.block_columns(id, slot)
        } else {
            (0, 0)
        };
        if block {
            // Keep a block scalar a literal block, at its old content indentation.
            let end = if t.keeps_breaks(node.span().start) {
                let next = t.next_content_line(node.span().end);
                t.before_last_break(next).max(node.span().end)
            } else {
                t.eol(t.content_end(node.span()))
            };
            let header_end = t.header_end(node.span().start);
            let comment = &self.src[header_end..t.eol(node.span().start)];
            let content_col = t
                .first_content_indent(t.next_line(node.span().start), end)
                .filter(|&c| c > parent_indent)
                .unwrap_or(content_col);
            let r = self.renderer(t.after_pos(end));
            let text = match r.literal(s, content_col, parent_indent) {
                Some(lit) => match lit.find('\n') {
                    Some(i) => format!("{}{}{}", &lit[..i], comment.trim_end(), &lit[i..]),
                    None => lit,
                },
                None => format!("{}{}", double_quoted(s), comment.trim_end()),
            };
            self.edits.push((node.span().start..end, text));
            return Ok(());
        }
        if s.contains('\n') {
            let r = self.renderer(self.multi_line_after(node.span().end, parent_indent));
            if let Some(lit) = r.literal(s, content_col, parent_indent) {
                self.place(node.span().start..node.span().end, &lit, parent_indent);
                return Ok(());
            }
        }
        let text = match style {
            ScalarStyle::SingleQuoted => single_quoted(s).unwrap_or_else(|| double_quoted(s)),
            ScalarStyle::DoubleQuoted => double_quoted(s),
            _ => string_text(s, Context::Block),
        };
        self.edits.push((node.span(), text));
        Ok(())
    }

    /// What follows a multi-line replacement of a token ending at `end`: the rest of its line,
    /// then comment lines deeper than `parent_indent` that [`Self::place`] swallows.
    pub(super) fn multi_line_after(&self, end: usize, parent_indent: usize) -> After {
        let t = self.text();
        t.after_pos(t.lines_end_deeper(t.eol(end), parent_indent, false))
    }

    /// Replace `token` with multi-line `text`: a comment after the token moves to the end of
    /// the text's first line, and deeper-indented comment lines after it (which would otherwise
    /// read as content of a literal block) are removed with it.
    pub(super) fn place(&mut self, token: Range<usize>, text: &str, parent_indent: usize) {
        let t = self.text();
        let line_end = t.eol(token.end);
        let rest = self.src[token.end..line_end].trim();
        if !rest.is_empty() && !rest.starts_with('#') {
            self.edits.push((token, text.to_string()));
            return;
        }
        let end = t.lines_end_deeper(line_end, parent_indent, false);
        let text = if rest.starts_with('#') {
            match text.find('\n') {
                Some(i) => format!("{} {rest}{}", &text[..i], &text[i..]),
                None => format!("{text} {rest}"),
            }
        } else {
            text.to_string()
        };
        self.edits.push((token.start..end, text));
    }

    /// Indentation of the parent node and content column for a block scalar in `slot`.
    pub(super) fn block_columns(&mut self, id: NodeId, slot: Slot) -> (usize, usize) {
        let t = self.text();
        let doc = self.doc;
        match slot {
            Slot::Key(k) => {
                let c = t.column(self.start_of(k));
                (c, c + self.layout().indent)
            }
            Slot::Item => {
                let d = doc.dash_of(id).map_or(0, |d| t.column(d));
                (d, d + 2)
            }
            _ => (0, 2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use serde_json::json;

    #[test]
    fn scalars_keep_their_style_when_it_still_reads_the_same() {
        let src = "a: x # c\nb: 'y'\nc: \"z\"\nd: 1\n";
        table(&[
            (
                "plain stays plain",
                src,
                vec![Set("/a", json!("new"))],
                "a: new # c\nb: 'y'\nc: \"z\"\nd: 1\n",
            ),
            (
                "single stays single",
                src,
                vec![Set("/b", json!("it's"))],
                "a: x # c\nb: 'it''s'\nc: \"z\"\nd: 1\n",
            ),
            (
                "double stays double",
                src,
                vec![Set("/c", json!("on"))],
                "a: x # c\nb: 'y'\nc: \"on\"\nd: 1\n",
            ),
            (
                "plain that would read as bool is quoted",
                src,
                vec![Set("/a", json!("on"))],
                "a: 'on' # c\nb: 'y'\nc: \"z\"\nd: 1\n",
            ),
            (
                "plain that would read as number is quoted",
                src,
                vec![Set("/a", json!("012"))],
                "a: '012' # c\nb: 'y'\nc: \"z\"\nd: 1\n",
            ),
            (
                "plain that needs an escape is double-quoted",
                src,
                vec![Set("/a", json!("t\tb"))],
                "a: \"t\\tb\" # c\nb: 'y'\nc: \"z\"\nd: 1\n",
            ),
            (
                "single that needs an escape is double-quoted",
                src,
                vec![Set("/b", json!("\u{7}"))],
                "a: x # c\nb: \"\\x07\"\nc: \"z\"\nd: 1\n",
            ),
            (
                "string to int is plain",
                src,
                vec![Set("/b", json!(5))],
                "a: x # c\nb: 5\nc: \"z\"\nd: 1\n",
            ),
            (
                "string to bool and null",
                src,
                vec![Set("/c", json!(true)), Set("/a", json!(null))],
                "a: null # c\nb: 'y'\nc: true\nd: 1\n",
            ),
            (
                "int to string is quoted",
                src,
                vec![Set("/d", json!("2"))],
                "a: x # c\nb: 'y'\nc: \"z\"\nd: '2'\n",
            ),
            (
                "int to float",
                src,
                vec![Set("/d", json!(1.5))],
                "a: x # c\nb: 'y'\nc: \"z\"\nd: 1.5\n",
            ),
        ]);
    }

    #[test]
    fn stale_tags_go() {
        table(&[
            (
                "!!str tag dropped",
                "a: !!str 12\nb: 1\n",
                vec![Set("/a", json!("13"))],
                "a: '13'\nb: 1\n",
            ),
            (
                "!!int tag dropped",
                "a: !!int 12 # c\n",
                vec![Set("/a", json!(13))],
                "a: 13 # c\n",
            ),
            (
                "!!str to int",
                "a: !!str x\n",
                vec![Set("/a", json!(7))],
                "a: 7\n",
            ),
            (
                "anchor kept, tag dropped",
                "a: &n !!str 12\n",
                vec![Set("/a", json!(3))],
                "a: &n 3\n",
            ),
        ]);
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        table(&[
            (
                "clip",
                "a: x\nb: y\n",
                vec![Set("/a", json!("l1\nl2\n"))],
                "a: |\n  l1\n  l2\nb: y\n",
            ),
            (
                "strip",
                "a: x\nb: y\n",
                vec![Set("/a", json!("l1\nl2"))],
                "a: |-\n  l1\n  l2\nb: y\n",
            ),
            (
                "two trailing breaks are double-quoted (|+ would join blank lines after it)",
                "a: x\nb: y\n",
                vec![Set("/a", json!("l1\n\n"))],
                "a: \"l1\\n\\n\"\nb: y\n",
            ),
            (
                "line comment moves to the header",
                "a: 'x' # c\nb: y\n",
                vec![Set("/a", json!("l1\nl2\n"))],
                "a: | # c\n  l1\n  l2\nb: y\n",
            ),
            (
                "leading spaces need an indicator",
                "a: x\n",
                vec![Set("/a", json!("  l1\nl2\n"))],
                "a: |2\n    l1\n  l2\n",
            ),
            (
                "in a sequence",
                "l:\n- x\n- y\n",
                vec![Set("/l/0", json!("a\nb\n"))],
                "l:\n- |\n  a\n  b\n- y\n",
            ),
            (
                "at the end without a line break",
                "a: x",
                vec![Set("/a", json!("l1\n"))],
                "a: \"l1\\n\"",
            ),
            (
                "strip at the end without a line break",
                "a: x",
                vec![Set("/a", json!("l1\nl2"))],
                "a: |-\n  l1\n  l2",
            ),
            (
                "keep before blank line",
                "a: x\n\nb: y\n",
                vec![Set("/a", json!("l1\n\n"))],
                "a: \"l1\\n\\n\"\n\nb: y\n",
            ),
            (
                "block stays block",
                "a: |-\n  old\nb: 1\n",
                vec![Set("/a", json!("new"))],
                "a: |-\n  new\nb: 1\n",
            ),
            (
                "block chomping follows the value",
                "a: |-\n  old\nb: 1\n",
                vec![Set("/a", json!("n1\nn2\n"))],
                "a: |\n  n1\n  n2\nb: 1\n",
            ),
            (
                "keep block replaced, its blank lines with it",
                "a: |+\n  old\n\nb: 1\n",
                vec![Set("/a", json!("new\n\n"))],
                "a: \"new\\n\\n\"\nb: 1\n",
            ),
            (
                "keep block to strip",
                "a: |+\n  old\n\n\nb: 1\n",
                vec![Set("/a", json!("new"))],
                "a: |-\n  new\nb: 1\n",
            ),
            (
                "keep block at the end",
                "a: |+\n  old\n\n",
                vec![Set("/a", json!("new\n"))],
                "a: |\n  new\n",
            ),
            (
                "block content indentation kept",
                "a: |\n    old\nb: 1\n",
                vec![Set("/a", json!("x\ny\n"))],
                "a: |\n    x\n    y\nb: 1\n",
            ),
            (
                "block header comment kept",
                "a: | # c\n  old\n",
                vec![Set("/a", json!("new\n"))],
                "a: | # c\n  new\n",
            ),
            (
                "folded becomes literal",
                "a: >\n  old\n  text\n",
                vec![Set("/a", json!("new\n"))],
                "a: |\n  new\n",
            ),
            (
                "deeper comment after is not swallowed into the block",
                "a: x\n  # deep\nb: 1\n",
                vec![Set("/a", json!("l1\nl2"))],
                "a: |-\n  l1\n  l2\nb: 1\n",
            ),
        ]);
    }
}
