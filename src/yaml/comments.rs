//! Comment lookup (line and head comments as kpt attaches them), positions and layout
//! detection.

use super::{Document, Layout, NodeId, NodeKind, ScalarStyle};

impl Document {
    pub(super) fn line_comment_of(&self, value: NodeId) -> Option<&str> {
        let node = self.nodes.get(value)?;
        match &node.kind {
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            } => {
                let b = self.src.as_bytes();
                let mut p = node.span().start;
                if matches!(b.get(p), Some(b'|' | b'>')) {
                    p += 1;
                    while matches!(b.get(p), Some(b'0'..=b'9' | b'+' | b'-')) {
                        p += 1;
                    }
                }
                self.comment_after(p)
            }
            NodeKind::Mapping { flow: false, .. } | NodeKind::Sequence { flow: false, .. } => {
                let key = self.key_of(value)?;
                let c = self.next_comment(self.nodes[key].span().end)?;
                let gap = &self.src[self.nodes[key].span().end..c.start];
                let rest = gap.trim_start_matches([' ', '\t']).strip_prefix(':')?;
                let properties_only = rest
                    .split([' ', '\t'])
                    .filter(|t| !t.is_empty())
                    .all(|t| t.starts_with(['&', '!']));
                properties_only.then(|| comment_text(&self.src[c]))
            }
            _ => self.comment_after(node.span().end),
        }
    }

    /// The comment starting at or after `pos`, if any.
    fn next_comment(&self, pos: usize) -> Option<std::ops::Range<usize>> {
        let comments = self.comments();
        let i = comments.partition_point(|c| c.start < pos);
        comments.get(i)
    }

    /// The comment that follows `pos` on the same line with only blanks between.
    fn comment_after(&self, pos: usize) -> Option<&str> {
        let c = self.next_comment(pos)?;
        let gap = &self.src.as_bytes()[pos..c.start];
        gap.iter()
            .all(|b| matches!(b, b' ' | b'\t'))
            .then(|| comment_text(&self.src[c]))
    }

    /// Whether a comment starts exactly at `pos`.
    fn comment_at(&self, pos: usize) -> bool {
        self.next_comment(pos).is_some_and(|c| c.start == pos)
    }

    pub(super) fn head_comment_of(&self, id: NodeId) -> Option<String> {
        let node = self.nodes.get(id)?;
        let b = self.src.as_bytes();
        let start = node.span().start;
        let mut line_start = self.line_start(start);
        // The node must be the first thing on its line (after indentation, `- ` or `? `).
        if !b[line_start..start]
            .iter()
            .all(|c| matches!(c, b' ' | b'-' | b'?'))
        {
            return None;
        }
        // Only a node whose line holds no dash of its own can be the content of a `- # c` item.
        let own_dash = b[line_start..start].contains(&b'-');
        let mut lines = Vec::new();
        while line_start > 0 {
            let prev_start = self.line_start(line_start - 1);
            let line = &self.src[prev_start..line_start];
            let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
            let mut hash = prev_start + indent;
            if lines.is_empty() && !own_dash && b.get(hash) == Some(&b'-') {
                // `- # comment` with the item's content below it (as kpt writes items).
                let after = line[indent + 1..].trim_start_matches([' ', '\t']);
                if after.len() < line.len() - indent - 1 {
                    hash = prev_start + line.len() - after.len();
                }
            }
            if b.get(hash) != Some(&b'#') || !self.comment_at(hash) {
                break;
            }
            lines.push(comment_text(
                self.src[hash..line_start].trim_end_matches(['\n', '\r']),
            ));
            line_start = prev_start;
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }

    /// The text of every comment from the start of `node` to the end of its last line (after
    /// `#`, trimmed), in order: the comments a resource's own lines carry.
    pub fn comments_within(&self, node: NodeId) -> Vec<&str> {
        let span = self.node(node).span();
        let end = self.src[span.end..]
            .find(['\n', '\r'])
            .map_or(self.src.len(), |i| span.end + i);
        let comments = self.comments();
        let first = comments.partition_point(|c| c.start < span.start);
        comments
            .slice(first..)
            .iter()
            .take_while(|c| c.start < end)
            .map(|c| self.src[c.clone()].trim_start_matches('#').trim())
            .collect()
    }

    /// Byte offset of the start of the line containing `pos` (every YAML line break ends a
    /// line: `\n`, `\r\n`, a lone `\r`).
    pub fn line_start(&self, pos: usize) -> usize {
        let pos = pos.min(self.src.len());
        let b = self.src.as_bytes();
        // The `\r` of a `\r\n` is no line break of its own: a position at its `\n` is still on
        // the line it ends.
        (0..pos)
            .rev()
            .find(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
            .map_or(0, |i| i + 1)
    }

    /// 0-based byte column of `pos` within its line (indentation is ASCII, so for the
    /// indentation of a token this equals its character column).
    pub fn byte_column(&self, pos: usize) -> usize {
        pos.min(self.src.len()) - self.line_start(pos)
    }

    pub(super) fn position_of(&self, byte: usize) -> (usize, usize) {
        let starts = self.line_starts.get_or_init(|| {
            let b = self.src.as_bytes();
            let mut v = vec![0];
            v.extend(
                (0..b.len())
                    .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
                    .map(|i| i + 1),
            );
            v
        });
        let byte = super::parse::floor_char_boundary(&self.src, byte.min(self.src.len()));
        let line = starts.partition_point(|&s| s <= byte);
        let line_start = starts[line - 1];
        (line, self.src[line_start..byte].chars().count() + 1)
    }

    pub(super) fn layout_of(&self) -> Layout {
        let crlf = self
            .src
            .find('\n')
            .is_some_and(|i| i > 0 && self.src.as_bytes()[i - 1] == b'\r');
        let mut indent = None;
        let mut seq_indent = None;
        let mut wide = None;
        for node in &self.nodes {
            let NodeKind::Mapping {
                flow: false,
                entries,
            } = &node.kind
            else {
                continue;
            };
            for (k, v) in self.entries_at(*entries) {
                let key_col = self.byte_column(self.nodes[k].span().start);
                match &self.nodes[v].kind {
                    NodeKind::Mapping {
                        flow: false,
                        entries: inner,
                    } if indent.is_none() => {
                        if let Some((ik, _)) = self.entries_at(*inner).first() {
                            let col = self.byte_column(self.nodes[ik].span().start);
                            if col > key_col
                                && self.line_start(self.nodes[ik].span().start)
                                    > self.nodes[k].span().start
                            {
                                indent = Some(col - key_col);
                            }
                        }
                    }
                    NodeKind::Sequence { flow: false, .. } if wide.is_none() => {
                        let dash = self.nodes[v].span().start;
                        if self.line_start(dash) > self.nodes[k].span().start {
                            let col = self.byte_column(dash);
                            wide = Some(col > key_col);
                            if col > key_col {
                                seq_indent = Some(col - key_col);
                            }
                        }
                    }
                    _ => {}
                }
            }
            if indent.is_some() && wide.is_some() {
                break;
            }
        }
        let (mut single, mut double) = (0usize, 0usize);
        for node in &self.nodes {
            match node.kind {
                NodeKind::Scalar {
                    style: ScalarStyle::SingleQuoted,
                    ..
                } => single += 1,
                NodeKind::Scalar {
                    style: ScalarStyle::DoubleQuoted,
                    ..
                } => double += 1,
                _ => {}
            }
        }
        Layout {
            indent: indent.or(seq_indent).unwrap_or(2),
            wide_sequences: wide.unwrap_or(false),
            crlf,
            double_quotes: double > single,
        }
    }

    /// The key node of the mapping entry whose value is `value`.
    pub fn key_of(&self, value: NodeId) -> Option<NodeId> {
        let parent = self.parent(value)?;
        match &self.nodes[parent].kind {
            NodeKind::Mapping { entries, .. } => self
                .entries_at(*entries)
                .iter()
                .find(|e| e.1 == value)
                .map(|e| e.0),
            _ => None,
        }
    }
}

/// A comment's text: `#` and surrounding blanks removed.
fn comment_text(comment: &str) -> &str {
    comment
        .trim_start_matches([' ', '\t'])
        .strip_prefix('#')
        .unwrap_or(comment)
        .trim()
}
