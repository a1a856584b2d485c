//! Block sequences: old and new items diffed (Myers), paired items synced, removed items
//! deleted by lines, new items inserted where the diff puts them.

use super::{After, Point, Seg, Slot, Syncer};
use crate::yaml::{NodeId, YamlError};
use serde_json::Value;
use std::collections::HashMap;

impl<'a> Syncer<'a> {
    pub(super) fn block_seq(
        &mut self,
        id: NodeId,
        items: &'a [NodeId],
        old: &Value,
        new: &[Value],
        slot: Slot,
    ) -> Result<(), YamlError> {
        let doc = self.doc;
        let t = self.text();
        let empty = Vec::new();
        let old_items = old.as_array().unwrap_or(&empty);
        let dashes: Vec<Option<usize>> = doc.item_dashes(id).collect();
        if dashes.iter().any(|d| !d.is_some_and(|d| t.blank_before(d))) {
            // An item on a line with another `- ` (`- - x`): re-render the whole sequence.
            return self.replace_value(id, slot, &Value::Array(new.to_vec()));
        }
        let dash_col = t.column(dashes[0].unwrap_or(0));
        let mark = self.edits.mark();
        // Edits looked at for a `|`/`>` block they write, and whether one does.
        let mut written = (mark, false);
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut intern = |v: &Value| {
            let n = ids.len();
            *ids.entry(v.to_string()).or_insert(n)
        };
        let old_ids: Vec<usize> = old_items.iter().map(&mut intern).collect();
        let new_ids: Vec<usize> = new.iter().map(&mut intern).collect();
        let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_ids, &new_ids);
        // Positions from the ops' lengths: the indices `similar` reports after compaction do
        // not always point where the change is.
        let (mut o, mut n) = (0, 0);
        for op in ops {
            let (old_len, new_len) = match op {
                similar::DiffOp::Equal { len, .. } => {
                    o += len;
                    n += len;
                    continue;
                }
                similar::DiffOp::Delete { old_len, .. } => (old_len, 0),
                similar::DiffOp::Insert { new_len, .. } => (0, new_len),
                similar::DiffOp::Replace {
                    old_len, new_len, ..
                } => (old_len, new_len),
            };
            let (old_range, new_range) = (o..o + old_len, n..n + new_len);
            o += old_len;
            n += new_len;
            let paired = old_range.len().min(new_range.len());
            for k in 0..paired {
                let (o, n) = (old_range.start + k, new_range.start + k);
                self.path.push(Seg::Index(n));
                self.node(items[o], Slot::Item, &old_items[o], &new[n])?;
                self.path.pop();
            }
            for &item in &items[old_range.start + paired..old_range.end] {
                self.check_subtree_not_shared(item)?;
                let range = doc.item_removal_range_after(item, self.block_written(&mut written));
                self.edits.push((range, String::new()));
            }
            let extra = &new[new_range.start + paired..new_range.end];
            if extra.is_empty() {
                continue;
            }
            let next_old = old_range.end;
            let (point, after) = if next_old < items.len() {
                let dash = dashes[next_old].unwrap_or(0);
                let head = t.head_start(t.line_start(dash), dash_col);
                // At the end of the line before, where a removal of the next item would start.
                let point = Point {
                    pos: t.before_last_break(head),
                    line_start: head == 0,
                };
                (point, After::Break)
            } else {
                let last_kept = if paired > 0 {
                    items[old_range.start + paired - 1]
                } else if old_range.start > 0 {
                    items[old_range.start - 1]
                } else {
                    return self.replace_value(id, slot, &Value::Array(new.to_vec()));
                };
                let point = self.insertion_point(doc.after_point(last_kept), mark);
                self.keep_eof_block_value(last_kept);
                point
            };
            let r = self.renderer(after);
            let mut lines = String::new();
            for (k, v) in extra.iter().enumerate() {
                if k > 0 {
                    lines.push('\n');
                }
                lines.push_str(&" ".repeat(dash_col));
                lines.push('-');
                lines.push_str(&r.after_dash(v, dash_col));
            }
            self.edits.push((point.pos..point.pos, point.wrap(&lines)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use serde_json::json;

    #[test]
    fn sequences_change_item_by_item() {
        let src = "l:\n- a # ca\n# head b\n- b # cb\n- c # cc\nk: 1\n";
        table(&[
            (
                "remove middle",
                src,
                vec![Remove("/l/1")],
                "l:\n- a # ca\n- c # cc\nk: 1\n",
            ),
            (
                "remove first",
                src,
                vec![Remove("/l/0")],
                "l:\n# head b\n- b # cb\n- c # cc\nk: 1\n",
            ),
            (
                "remove last",
                src,
                vec![Remove("/l/2")],
                "l:\n- a # ca\n# head b\n- b # cb\nk: 1\n",
            ),
            (
                "append",
                src,
                vec![Set("/l/3", json!("d"))],
                "l:\n- a # ca\n# head b\n- b # cb\n- c # cc\n- d\nk: 1\n",
            ),
            (
                "insert first",
                src,
                vec![Insert("/l/0", json!("z"))],
                "l:\n- z\n- a # ca\n# head b\n- b # cb\n- c # cc\nk: 1\n",
            ),
            (
                "insert before a head comment",
                src,
                vec![Insert("/l/1", json!({"x": 1}))],
                "l:\n- a # ca\n- x: 1\n# head b\n- b # cb\n- c # cc\nk: 1\n",
            ),
            (
                "replace keeps the comment",
                src,
                vec![Set("/l/1", json!("yes"))],
                "l:\n- a # ca\n# head b\n- 'yes' # cb\n- c # cc\nk: 1\n",
            ),
            (
                "empty",
                src,
                vec![Remove("/l/0"), Remove("/l/0"), Remove("/l/0")],
                "l: []\nk: 1\n",
            ),
            (
                "wide append",
                "l:\n  - a\n",
                vec![Set("/l/1", json!({"b": 1, "c": [2]}))],
                "l:\n  - a\n  - b: 1\n    c:\n      - 2\n",
            ),
            (
                "map items: change one field, comments on others stay",
                "l:\n- name: a # x\n  v: 1\n- name: b # y\n  v: 2\n",
                vec![Set("/l/1/v", json!(3))],
                "l:\n- name: a # x\n  v: 1\n- name: b # y\n  v: 3\n",
            ),
            (
                "remove a map item with its head comment",
                "l:\n# one\n- name: a\n  v: 1\n  # foot of one\n# two\n- name: b\n",
                vec![Remove("/l/0")],
                "l:\n# two\n- name: b\n",
            ),
            (
                "nested sequence re-rendered",
                "l:\n- - a\n  - b\n",
                vec![Set("/l/0/2", json!("c"))],
                "l:\n- - a\n  - b\n  - c\n",
            ),
        ]);
    }
}
