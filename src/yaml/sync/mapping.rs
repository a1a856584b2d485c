//! Block mappings: changed values synced key by key, removed keys deleted with their comments,
//! new keys inserted after the last kept key (before it when that one ends the text with an
//! open block scalar); explicit `? key` entries, repeated and merged keys refused.

use super::{is_merge_key, key_name, After, Point, Seg, Slot, Syncer};
use crate::yaml::edits::line_column;
use crate::yaml::{Entries, NodeId, YamlError};
use serde_json::{Map, Value};
use std::collections::HashSet;

impl<'a> Syncer<'a> {
    /// True for a key written after `? ` (an explicit key), the key on the `?` line or on a
    /// line after it. `floor`: where the entry's text can start at the earliest (the end of the
    /// previous entry's value, or the mapping's start), so a `?` ending a scalar or a comment
    /// before it is no indicator.
    pub(super) fn is_explicit_key(&self, key: NodeId, floor: usize) -> bool {
        let b = self.src.as_bytes();
        let mut i = self.start_of(key);
        while i > floor && matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
            i -= 1;
        }
        if i <= floor || b[i - 1] != b'?' {
            return false;
        }
        let at = i - 1;
        let comments = self.doc.comments();
        let before = comments.partition_point(|c| c.start <= at);
        let in_comment = before > 0 && comments.get(before - 1).is_some_and(|c| c.contains(&at));
        !in_comment && (at == 0 || matches!(b[at - 1], b' ' | b'\t' | b'\n' | b'\r'))
    }

    pub(super) fn block_map(
        &mut self,
        id: NodeId,
        entries: Entries<'a>,
        old: &Value,
        new: &Map<String, Value>,
        slot: Slot,
    ) -> Result<(), YamlError> {
        let doc = self.doc;
        let t = self.text();
        let empty = Map::new();
        let old_map = old.as_object().unwrap_or(&empty);
        let mut own: HashSet<&str> = HashSet::new();
        let mut kept: Vec<usize> = Vec::new();
        let mut merge_entry: Option<usize> = None;
        let mark = self.edits.mark();
        // Edits looked at for a `|`/`>` block they write, and whether one does.
        let mut written = (mark, false);
        for (i, (k, _)) in entries.iter().enumerate() {
            let floor = match i {
                0 => doc.node(id).span().start,
                _ => doc.node(entries.at(i - 1).1).span().end,
            };
            let Some(name) = key_name(doc, k) else {
                return Err(self.error(
                    doc.node(k).span().start,
                    "the mapping has a key that is not a scalar".into(),
                ));
            };
            if self.is_explicit_key(k, floor) {
                return Err(self.error(
                    doc.node(k).span().start,
                    "the mapping has an explicit `? key` entry; edit it by hand".into(),
                ));
            }
            if is_merge_key(doc, k) {
                merge_entry = Some(i);
                kept.push(i);
                continue;
            }
            own.insert(name);
            if new.contains_key(name) {
                kept.push(i);
            }
        }
        // A repeated key reads as its last value; which one to edit is not for us to guess.
        for &(earlier, later) in doc.duplicate_keys() {
            if doc.parent(later) != Some(id) {
                continue;
            }
            let name = key_name(doc, later).unwrap_or_default();
            if new.get(name) != old_map.get(name) {
                let (first_line, _) = line_column(self.src, doc.node(earlier).span().start);
                let (line, _) = line_column(self.src, doc.node(later).span().start);
                return Err(self.error(
                    doc.node(later).span().start,
                    format!(
                        "key `{name}` is written twice in this mapping (lines {first_line} and \
                         {line}); edit it by hand"
                    ),
                ));
            }
        }
        // Keys merged in with `<<` cannot change here.
        for (name, value) in old_map {
            if own.contains(name.as_str()) {
                continue;
            }
            if new.get(name) != Some(value) {
                let pos = merge_entry.map_or(doc.node(id).span().start, |i| {
                    doc.node(entries.at(i).0).span().start
                });
                return Err(self.error(
                    pos,
                    format!(
                        "key `{name}` comes from a merge key `<<`; edit the merged mapping or \
                         override the key explicitly"
                    ),
                ));
            }
        }
        if kept.is_empty() {
            return self.replace_value(id, slot, &Value::Object(new.clone()));
        }
        // Changes and deletions of own keys.
        let first_key = entries.at(0).0;
        let dash_line_key = !t.blank_before(self.start_of(first_key));
        let first_kept = kept[0];
        for (i, (k, v)) in entries.iter().enumerate() {
            if Some(i) == merge_entry {
                continue;
            }
            let name = key_name(doc, k).unwrap_or_default();
            match new.get(name) {
                Some(new_value) => {
                    let old_value = old_map.get(name).unwrap_or(&Value::Null);
                    self.path.push(Seg::Key(name));
                    self.node(v, Slot::Key(k), old_value, new_value)?;
                    self.path.pop();
                }
                None if dash_line_key && i < first_kept => {
                    self.check_subtree_not_shared(k)?;
                    self.check_subtree_not_shared(v)?;
                    if i == 0 {
                        self.remove_leading_entries(entries, first_kept);
                    }
                }
                None => {
                    self.check_subtree_not_shared(k)?;
                    self.check_subtree_not_shared(v)?;
                    let key_start = self.start_of(k);
                    let col = t.column(key_start);
                    let start = t.head_start(t.line_start(key_start), col);
                    let point = doc.after_point(v);
                    let blank_lines = self.block_written(&mut written)
                        || doc.removal_takes_blank_lines(&t, id, k, start);
                    let range = if blank_lines {
                        t.removal_with_blank_lines(start, point, col)
                    } else {
                        t.removal(start, point, col)
                    };
                    self.edits.push((range, String::new()));
                }
            }
        }
        // New keys, in the new value's order, after the last kept entry.
        let added: Map<String, Value> = new
            .iter()
            .filter(|(k, _)| !old_map.contains_key(k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !added.is_empty() {
            let last = *kept.last().unwrap_or(&0);
            let (last_key, last_value) = entries.at(last);
            let col = t.column(self.start_of(last_key));
            if doc.ends_with_open_block(last_value) {
                // Lines after a `|`/`>` block ending the text would change its header: the new
                // keys go before the last kept entry, and the block keeps ending the text.
                let moved_up = dash_line_key && last == first_kept && first_kept > 0;
                self.insert_before_entry(last_key, &added, col, moved_up);
                return Ok(());
            }
            let (point, after) = self.insertion_point(doc.after_point(last_value), mark);
            self.keep_eof_block_value(last_value);
            let body = self.renderer(after).map_body(&added, col);
            self.edits.push((point.pos..point.pos, point.wrap(&body)));
        }
        Ok(())
    }

    /// Insert the `added` keys (at column `col`) before the entry of key `key`: above its line
    /// (and its head comment) when the key starts its line, else (a key on a `- ` line, or one
    /// that moves up onto it, `moved_up`) on that line before the key, which goes on the next.
    pub(super) fn insert_before_entry(
        &mut self,
        key: NodeId,
        added: &Map<String, Value>,
        col: usize,
        moved_up: bool,
    ) {
        let t = self.text();
        let key_start = self.start_of(key);
        let body = self.renderer(After::Break).map_body(added, col);
        if t.blank_before(key_start) && !moved_up {
            let head = t.head_start(t.line_start(key_start), col);
            let point = Point {
                pos: head,
                line_start: true,
            };
            self.edits.push((head..head, point.wrap(&body)));
        } else {
            let text = format!("{}\n{}", &body[col..], " ".repeat(col));
            self.edits.push((key_start..key_start, text));
        }
    }

    /// Remove entries `0..first_kept` of a map whose first key sits on a `- ` line: the first
    /// kept key moves up onto that line, and its head comment moves above the item.
    pub(super) fn remove_leading_entries(&mut self, entries: Entries<'_>, first_kept: usize) {
        let doc = self.doc;
        let t = self.text();
        let start = self.start_of(entries.at(0).0);
        let kept_key = self.start_of(entries.at(first_kept).0);
        let col = t.column(kept_key);
        let kept_line = t.line_start(kept_key);
        let prev_end = t.lines_end(doc.after_point(entries.at(first_kept - 1).1), col);
        let head = t.head_start(kept_line, col).max(prev_end);
        self.edits.push((start..kept_key, String::new()));
        if head < kept_line {
            let item_line = t.line_start(start);
            let pad = " ".repeat(t.indent_of(item_line));
            let mut moved = String::new();
            for line in self.src[head..kept_line].lines() {
                moved.push_str(&pad);
                moved.push_str(line.trim());
                moved.push('\n');
            }
            self.edits.push((item_line..item_line, moved));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use serde_json::json;

    #[test]
    fn keys_are_inserted_after_the_last_key() {
        table(&[
            (
                "nested map",
                "metadata:\n  name: a # c\n  labels:\n    x: y\nspec: 1\n",
                vec![Set("/metadata/namespace", json!("ns"))],
                "metadata:\n  name: a # c\n  labels:\n    x: y\n  namespace: ns\nspec: 1\n",
            ),
            (
                "after the line comment",
                "a: 1 # c\n",
                vec![Set("/b", json!(2))],
                "a: 1 # c\nb: 2\n",
            ),
            (
                "in the new value's order",
                "a: 1\n",
                vec![Set("/z", json!(1)), Set("/b", json!({"c": "yes"}))],
                "a: 1\nz: 1\nb:\n  c: 'yes'\n",
            ),
            (
                "into an empty flow map",
                "spec: {} # c\nx: 1\n",
                vec![Set("/spec/a", json!(1))],
                "spec: # c\n  a: 1\nx: 1\n",
            ),
            (
                "into a list item map",
                "items:\n- name: a\n  x: 1\n- name: b\n",
                vec![Set("/items/0/y", json!([1]))],
                "items:\n- name: a\n  x: 1\n  'y':\n  - 1\n- name: b\n",
            ),
            (
                "four-space indentation detected",
                "a:\n    b: 1\n",
                vec![Set("/a/c", json!({"d": [1]}))],
                "a:\n    b: 1\n    c:\n        d:\n        - 1\n",
            ),
            (
                "wide sequences detected",
                "a:\n    b:\n        - 1\n",
                vec![Set("/a/c", json!([2]))],
                "a:\n    b:\n        - 1\n    c:\n        - 2\n",
            ),
            (
                "after a nested block",
                "a:\n  b:\n    c: 1\n  # foot\nd: 1\n",
                vec![Set("/a/e", json!(2))],
                "a:\n  b:\n    c: 1\n  e: 2\n  # foot\nd: 1\n",
            ),
            (
                "after a keep block scalar",
                "a:\n  b: |+\n    x\n\nc: 1\n",
                vec![Set("/a/e", json!(2))],
                "a:\n  b: |+\n    x\n\n  e: 2\nc: 1\n",
            ),
            (
                "quoted keys",
                "a: 1\n",
                vec![Set("/on", json!(1)), Set("/x: y", json!(2))],
                "a: 1\n'on': 1\n'x: y': 2\n",
            ),
        ]);
    }

    #[test]
    fn keys_are_deleted_with_their_comments() {
        table(&[
            (
                "middle key with head and line comment",
                "a: 1\n# head b\nb: 2 # line b\nc: 3\n",
                vec![Remove("/b")],
                "a: 1\nc: 3\n",
            ),
            (
                "last key of a nested map",
                "m:\n  a: 1\n  b: 2\nn: 3\n",
                vec![Remove("/m/b")],
                "m:\n  a: 1\nn: 3\n",
            ),
            (
                "last key of the document",
                "a: 1\nb: 2\n",
                vec![Remove("/b")],
                "a: 1\n",
            ),
            (
                "key with a nested value and its foot comment",
                "a:\n  b: 1\n  # foot\nc: 2\n",
                vec![Remove("/a")],
                "c: 2\n",
            ),
            ("first key", "a: 1\nb: 2\n", vec![Remove("/a")], "b: 2\n"),
            (
                "first key of a - item",
                "l:\n- name: a # c\n  image: b\n",
                vec![Remove("/l/0/name")],
                "l:\n- image: b\n",
            ),
            (
                "first key of a - item, next key's head comment moves up",
                "l:\n  - name: a\n    # img\n    image: b\n    x: 1\n",
                vec![Remove("/l/0/name")],
                "l:\n  # img\n  - image: b\n    x: 1\n",
            ),
            (
                "first two keys of a - item",
                "l:\n- a: 1\n  b: 2\n  c: 3\n",
                vec![Remove("/l/0/a"), Remove("/l/0/b")],
                "l:\n- c: 3\n",
            ),
            (
                "every key of a - item",
                "l:\n- a: 1\n  b: 2\n- c: 3\n",
                vec![Remove("/l/0/a"), Remove("/l/0/b")],
                "l:\n- {}\n- c: 3\n",
            ),
            (
                "every key of a nested map",
                "m:\n  a: 1 # c\nn: 1\n",
                vec![Remove("/m/a")],
                "m: {}\nn: 1\n",
            ),
            (
                "delete and add",
                "m:\n  a: 1\n  b: 2\n",
                vec![Remove("/m/b"), Set("/m/c", json!(3))],
                "m:\n  a: 1\n  c: 3\n",
            ),
            (
                "replace every key",
                "l:\n- a: 1\n",
                vec![Remove("/l/0/a"), Set("/l/0/b", json!(2))],
                "l:\n- b: 2\n",
            ),
        ]);
    }

    #[test]
    fn explicit_keys_are_refused() {
        let e = refused("? a\n: 1\nb: 2\n", &[Set("/c", json!(3))]);
        assert_eq!(
            e.to_string(),
            "line 1, column 3: cannot change (root): the mapping has an explicit `? key` entry; edit it by hand"
        );
        refused("x: 1\n? \n", &[Set("/c", json!(3))]);
        // A `?` ending a plain value is no explicit key.
        assert_eq!(
            synced("a: what?\nb: 1\n", &[Set("/b", json!(2))]).unwrap(),
            "a: what?\nb: 2\n"
        );
    }
}
