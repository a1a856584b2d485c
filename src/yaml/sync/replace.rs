//! Values re-rendered whole in their slot (after a key, a `-`, or as a document root): values
//! that change type, emptied or filled collections; the rest of the indicator line (comments,
//! anchors) kept where it can be.

use super::{is_non_empty_collection, Slot, Syncer};
use crate::yaml::{NodeId, NodeKind, ScalarStyle, YamlError};
use serde_json::Value;

impl Syncer<'_> {
    /// The `-` of block-sequence item `id`, when no comment stands between it and the item.
    fn item_dash_before_comments(&self, id: NodeId) -> Option<usize> {
        let doc = self.doc;
        let dash = doc.dash_of(id)?;
        let comments = doc.comments();
        let next = comments.get(comments.partition_point(|c| c.start < dash));
        next.is_none_or(|c| c.start >= doc.node(id).span().start)
            .then_some(dash)
    }

    /// Re-render node `id` whole in block style (flow for flow children), in its slot.
    pub(super) fn replace_value(
        &mut self,
        id: NodeId,
        slot: Slot,
        new: &Value,
    ) -> Result<(), YamlError> {
        let doc = self.doc;
        let t = self.text();
        let node = doc.node(id);
        self.check_subtree_not_shared(id)?;
        let slot = self.resolve_slot(id, slot);
        let block_collection = matches!(
            node.kind,
            NodeKind::Mapping { flow: false, .. } | NodeKind::Sequence { flow: false, .. }
        );
        let is_block_scalar = matches!(
            node.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        );
        // End of the old value's own text (a block scalar's content lines included).
        let old_end = if is_block_scalar || block_collection {
            t.eol(t.content_end(node.span()))
        } else {
            node.span().end
        };
        let (indicator_end, col) = match slot {
            Slot::Key(k) => match t.colon_after(doc.node(k).span().end) {
                Some(colon) => (colon + 1, t.column(self.start_of(k))),
                None => {
                    return Err(self.error(
                        doc.node(k).span().start,
                        "the key is not followed by `:`".into(),
                    ))
                }
            },
            // Not with a comment after the `-`: replacing from it would drop a `- # note`
            // comment.
            Slot::Item => match self.item_dash_before_comments(id) {
                Some(dash) => (dash + 1, t.column(dash)),
                None => {
                    return Err(self.error(node.span().start, "the item has no `-`".into()));
                }
            },
            Slot::Flow => {
                let text = crate::yaml::render::flow_text(new);
                self.edits.push((node.span(), text));
                return Ok(());
            }
            Slot::Root | Slot::Unknown => {
                let start = self.start_of(id);
                // A block collection cannot start on a `--- ` line: it goes below, at column 0.
                let own_line = t.blank_before(start);
                let below = !own_line && is_non_empty_collection(new);
                let col = if own_line { t.column(start) } else { 0 };
                let end = if node.span().is_empty() {
                    node.span().end
                } else {
                    old_end
                };
                let mut text = self.root_text(new, col, end);
                let mut start = start;
                if below {
                    text.insert(0, '\n');
                    while start > 0 && matches!(t.b[start - 1], b' ' | b'\t') {
                        start -= 1;
                    }
                }
                if text.contains('\n') {
                    self.place(start..end, &text, col);
                } else {
                    self.edits.push((start..end, text));
                }
                return Ok(());
            }
        };
        let empty_scalar = node.span().is_empty() && !block_collection;
        let on_indicator_line = !block_collection || t.eol(indicator_end) >= node.span().start;
        let multi_after = t.after_pos(t.lines_end_deeper(
            t.eol(if empty_scalar { indicator_end } else { old_end }),
            col,
            false,
        ));
        let r = self.renderer(multi_after);
        let rendered = match slot {
            Slot::Key(_) => r.after_key(new, col),
            _ => r.after_dash(new, col),
        };
        let multi_line = rendered.contains('\n');
        if empty_scalar {
            // `key: !!str` / `- &a`: the value goes after an anchor; a tag goes with the empty
            // value it typed (text after it would read as part of the new value).
            let props = t.props_after(indicator_end, col);
            let mut at = indicator_end..indicator_end;
            for (i, (range, tag)) in props.iter().enumerate() {
                let last = i + 1 == props.len();
                match (tag, last) {
                    (true, true) => at = range.clone(),
                    (true, false) => self.edits.push((range.clone(), String::new())),
                    (false, _) => at = range.end..range.end,
                }
            }
            self.place(at, &rendered, col);
        } else if block_collection && !on_indicator_line {
            // Value on the lines below the key: the key line's rest (comment, anchor) stays
            // when the new value also starts on a new line.
            let key_line_end = t.eol(indicator_end);
            let end = t.lines_end_deeper(old_end, col, false);
            if multi_line && rendered.starts_with('\n') {
                self.edits.push((key_line_end..end, rendered));
            } else {
                let rest = self.src[indicator_end..key_line_end].trim();
                let text = if rest.starts_with('#') && !multi_line {
                    format!("{rendered} {rest}")
                } else {
                    rendered
                };
                self.edits.push((indicator_end..end, text));
            }
        } else if multi_line {
            self.place(indicator_end..old_end, &rendered, col);
        } else {
            self.edits.push((indicator_end..old_end, rendered));
        }
        Ok(())
    }

    /// A new value for a whole document (or a node whose slot is unknown), at column `col`.
    pub(super) fn root_text(&mut self, new: &Value, col: usize, old_end: usize) -> String {
        let r = self.renderer(self.multi_line_after(old_end, col));
        let text = match new {
            Value::Object(m) if !m.is_empty() => r.map_body(m, col),
            Value::Array(a) if !a.is_empty() => r.seq_body(a, col),
            // A root block scalar's indentation indicator counts from column 0.
            other => return r.block_scalar(other, col + 2, 0),
        };
        text[col..].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use serde_json::json;

    #[test]
    fn flow_collections_are_re_rendered_in_flow_style() {
        table(&[
            (
                "flow sequence",
                "a: [1, 2] # c\n",
                vec![Set("/a/2", json!("on"))],
                "a: [1, 2, 'on'] # c\n",
            ),
            (
                "flow map",
                "a: {x: 1}\n",
                vec![Set("/a/y", json!("a,b"))],
                "a: {x: 1, 'y': 'a,b'}\n",
            ),
            ("flow emptied", "a: [1]\n", vec![Remove("/a/0")], "a: []\n"),
            (
                "empty flow sequence becomes block",
                "a: []\nb: 1\n",
                vec![Set("/a/0", json!(1))],
                "a:\n- 1\nb: 1\n",
            ),
            (
                "flow in a block item",
                "l:\n- [a, b]\n",
                vec![Set("/l/0/0", json!("z"))],
                "l:\n- [z, b]\n",
            ),
        ]);
    }

    #[test]
    fn values_that_change_type_are_re_rendered() {
        table(&[
            (
                "scalar to map, comment to the key line",
                "a: 1 # c\nb: 2\n",
                vec![Set("/a", json!({"x": [1]}))],
                "a: # c\n  x:\n  - 1\nb: 2\n",
            ),
            (
                "map to list",
                "a:\n  x: 1\nb: 2\n",
                vec![Set("/a", json!([1, 2]))],
                "a:\n- 1\n- 2\nb: 2\n",
            ),
            (
                "map to scalar, key comment kept",
                "a: # k\n  x: 1 # inner\nb: 2\n",
                vec![Set("/a", json!(5))],
                "a: 5 # k\nb: 2\n",
            ),
            (
                "list to map",
                "a:\n- 1\nb: 2\n",
                vec![Set("/a", json!({"x": 1}))],
                "a:\n  x: 1\nb: 2\n",
            ),
            (
                "item scalar to map",
                "l:\n- a\n- b\n",
                vec![Set("/l/0", json!({"x": 1, "y": 2}))],
                "l:\n- x: 1\n  'y': 2\n- b\n",
            ),
            (
                "item map to scalar",
                "l:\n- x: 1\n  y: 2\n- b\n",
                vec![Set("/l/0", json!("s"))],
                "l:\n- s\n- b\n",
            ),
            (
                "empty value to map",
                "a:\nb: 1\n",
                vec![Set("/a", json!({"x": 1}))],
                "a:\n  x: 1\nb: 1\n",
            ),
            (
                "empty value to scalar",
                "a: # c\nb: 1\n",
                vec![Set("/a", json!("v"))],
                "a: v # c\nb: 1\n",
            ),
            (
                "deep in four-space file",
                "a:\n    b:\n        c: 1\n",
                vec![Set("/a/b/c", json!({"d": 1}))],
                "a:\n    b:\n        c:\n            d: 1\n",
            ),
        ]);
    }
}
