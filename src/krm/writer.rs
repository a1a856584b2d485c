//! The one writer of both sinks, in the manner of kyaml's ByteWriter / LocalPackageWriter: a
//! text read in (a ResourceList, a package file) is written out as its own bytes with edits —
//! each kept item's change ([`write_item`]), removed items and added documents
//! ([`crate::yaml::Document::edit_stream`] for a stream of documents; the ResourceList's
//! `items` sequence and results block in `resource_list.rs`) — and handed out as pieces
//! ([`crate::krm::resource_list::OutputText`]): streamed to stdout for a ResourceList, or
//! assembled per file for the package sink, which writes every changed file atomically, all or
//! nothing (`package/write.rs`). Both sinks read what they write again before it goes out.
//!
//! The rules of the edge cases, one for both sinks (the text after the edits decides, not the
//! source, so that removals and syncs are seen):
//! - a `---` line goes before each added document but the first when no document of the
//!   source is left (no empty first document, as kpt writes files);
//! - a line break goes before the added documents only when the text after the edits does not
//!   end in one (a removed last document leaves the line break before its `---`);
//! - added items or documents go before a kept last one only when the text after the edits
//!   still ends in its open `|`/`>` block (a line after it would change its value).

use crate::krm::Item;
use crate::yaml::{Document, Edits, NodeId, YamlError};
use serde_json::Value;
use std::borrow::Cow;
use std::ops::Range;

/// Write the change of kept item `item` (read at `node` of `doc`) into `edits`: its new scalar
/// values node by node when they are all it has (`Some` of the edits they made, which the
/// ResourceList's verification reads again line by line), else `value()` (the item's value as
/// the sink writes it) synced against its text, scalar by scalar where it can.
pub(crate) fn write_item<'v>(
    doc: &Document,
    node: NodeId,
    item: &Item,
    value: impl FnOnce() -> Cow<'v, Value>,
    edits: &mut Edits,
) -> Result<Option<Range<usize>>, YamlError> {
    let before = edits.len();
    if item
        .scalar_overrides()
        .is_some_and(|leaves| doc.sync_leaves(&leaves, edits))
    {
        return Ok(Some(before..edits.len()));
    }
    let value = value();
    match doc.to_json(node) {
        Ok(old) => doc.sync_item(node, &old, &value, edits),
        Err(_) => doc.sync(node, &value, edits),
    }
    .map(|()| None)
}

#[cfg(test)]
mod tests {
    use crate::krm::{Item, ResourceList};
    use serde_json::json;

    /// What the ResourceList sink writes of plain documents `src` once `change` has changed its
    /// items (verified: no error result).
    fn written(src: &str, change: impl FnOnce(&mut Vec<Item>)) -> String {
        let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
        let mut items = list.items.clone();
        change(&mut items);
        let mut results = Vec::new();
        let out = list.write(&items, &mut results).unwrap();
        assert!(results.is_empty(), "{results:?}");
        out
    }

    fn add_d(items: &mut Vec<Item>) {
        items.push(Item::generated(json!({"kind": "D"}), None));
    }

    const A: &str = "kind: A\nmetadata:\n  name: a\n";

    #[test]
    fn a_marker_goes_before_an_added_document_only_after_a_document_left() {
        assert_eq!(written(A, add_d), format!("{A}---\nkind: D\n"));
        let only_d = written(A, |items| {
            items.clear();
            add_d(items);
        });
        assert_eq!(only_d, "kind: D\n");
    }

    #[test]
    fn the_line_break_before_added_documents_is_decided_after_removals() {
        for eol in ["\n", "\r\n", "\r"] {
            let src = format!("{A}---\nkind: B").replace('\n', eol);
            let out = written(&src, |items| {
                items.pop();
                add_d(items);
            });
            assert_eq!(out, format!("{A}---\nkind: D\n").replace('\n', eol));
            let kept = written(&src, add_d);
            assert_eq!(
                kept,
                format!("{A}---\nkind: B\n---\nkind: D\n").replace('\n', eol)
            );
        }
    }

    #[test]
    fn added_documents_go_before_a_last_document_ending_in_an_open_block_after_its_sync() {
        let open = "kind: B\ndata:\n  x: |\n    text";
        let src = format!("{A}---\n{open}");
        let out = written(&src, add_d);
        assert_eq!(out, format!("{A}---\nkind: D\n---\n{open}"));
        let synced = written(&src, |items| {
            items[1].value_mut()["data"]["k"] = json!("z");
            add_d(items);
        });
        let b = "kind: B\ndata:\n  k: z\n  x: |\n    text";
        assert_eq!(synced, format!("{A}---\nkind: D\n---\n{b}"));
        // The first document removed takes the last one's `---` line: added documents go
        // after where it was, not before it (they would run into the last document).
        let first_gone = written(&src, |items| {
            items.remove(0);
            add_d(items);
        });
        assert_eq!(first_gone, format!("kind: D\n---\n{open}"));
        // With a final line break, the block is closed: after it.
        let closed = written(&format!("{src}\n"), add_d);
        assert_eq!(closed, format!("{src}\n---\nkind: D\n"));
        // In a ResourceList's `items`, new items go before such a last item too.
        let list = format!(
            "kind: ResourceList\nitems:\n- kind: A\n- {}",
            open.replace("\n", "\n  ")
        );
        let out = written(&list, |items| {
            items[1].value_mut()["data"]["k"] = json!("z");
            add_d(items);
        });
        assert!(
            out.starts_with("kind: ResourceList\nitems:\n- kind: A\n- kind: D\n- kind: B\n"),
            "{out}"
        );
    }
}
