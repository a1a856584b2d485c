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
//!
//! An item read from another document than the one written (a package file, in the ResourceList
//! of package mode's `--output stdout`) is written as its own text too ([`own_item_text`]): its
//! change by [`write_item`], its head and trailing comments kept, indented as a list item.

use crate::krm::{oddities, Item, Origin};
use crate::yaml::{self, Document, Edits, Layout, NodeId, YamlError};
use serde_json::Value;
use std::borrow::Cow;
use std::ops::Range;

/// Write the change of kept item `item` (read at `node` of `doc`) into `edits`: its new scalar
/// values node by node when they are all it has (`Some` of the edits they made, which the
/// ResourceList's verification reads again line by line), else `value()` (the item's value as
/// the sink writes it) synced against its text, scalar by scalar where it can. With `added`,
/// the sink writes the annotations a reader gave the item beyond its text
/// ([`Item::with_annotations`]), which its new scalar values do not hold: `value()` is synced.
pub(crate) fn write_item<'v>(
    doc: &Document,
    node: NodeId,
    item: &Item,
    value: impl FnOnce() -> Cow<'v, Value>,
    added: bool,
    edits: &mut Edits,
) -> Result<Option<Range<usize>>, YamlError> {
    let before = edits.len();
    if !added
        && item
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

/// Kept item `item`, read at `origin` (not the document written), as a sequence item at
/// `dash_column`, indentation of its first line included: its own text with its view written
/// in by [`write_item`] (with what its reader added: package mode's location annotations) —
/// from its head comment to its trailing comments, up to its document's end or a `...` line —
/// dedented to its root's column and indented as an item ([`yaml::indent_item_at`]). When its
/// text ends in a block scalar whose value a cut line break changes, the cut text is synced to
/// the view once more. `None` for a JSON text (written as YAML, rendered) and when the change
/// cannot be written (render the view then).
pub(crate) fn own_item_text(
    origin: &Origin,
    item: &Item,
    dash_column: usize,
    layout: Layout,
) -> Option<String> {
    let (doc, node) = (&*origin.doc, origin.node);
    let src = doc.source();
    if src.trim_start().starts_with('{') {
        return None;
    }
    let value = item.value();
    let mut edits = Edits::default();
    write_item(doc, node, item, || Cow::Borrowed(value), true, &mut edits).ok()?;
    let own = doc.root_text(node, &edits, value, oddities::PARSE)?;
    Some(yaml::indent_item_at(&own, dash_column, layout))
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::krm::{Item, ResourceList};
    use serde_json::json;

    /// What the ResourceList sink writes of `src` once `change` has changed its items
    /// (verified: no error result).
    pub(crate) fn written(src: &str, change: impl FnOnce(&mut Vec<Item>)) -> String {
        let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
        let mut items = list.items.clone();
        change(&mut items);
        let mut results = Vec::new();
        let out = list.write(&items, &mut results).unwrap();
        assert!(results.is_empty(), "{src:?}: {results:?}");
        out
    }

    fn add_d(items: &mut Vec<Item>) {
        items.push(Item::generated(json!({"kind": "D"}), None));
    }

    const A: &str = "kind: A\nmetadata:\n  name: a\n";

    #[test]
    fn a_generated_item_is_its_own_text_in_a_rewritten_flow_list_too() {
        let list = ResourceList::read(b"kind: ResourceList\nitems: [{kind: A}]\n", "stdin");
        let list = list.unwrap();
        let mut items = list.items.clone();
        items.push(Item::generated(
            json!({"kind": "D"}),
            Some("kind: D # d\n".into()),
        ));
        let out = list.write(&items, &mut Vec::new()).unwrap();
        assert_eq!(
            out,
            "kind: ResourceList\nitems:\n- kind: A\n- kind: D # d\n"
        );
    }

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

#[cfg(test)]
mod own_item_tests {
    use crate::krm::{oddities, Item, KrmResult, ResourceList, REREAD_FAILURE};
    use crate::yaml::Document;
    use serde_json::json;
    use std::sync::Arc;

    const HEADER: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n";

    /// The items of file text `src`, each with an index annotation beyond its text (as package
    /// mode reads a file).
    fn file_items(src: &str) -> Vec<Item> {
        let doc = Arc::new(Document::parse_with(src, oddities::PARSE).unwrap());
        let roots = doc.roots().to_vec();
        roots
            .into_iter()
            .enumerate()
            .map(|(i, root)| {
                let item = Item::read(doc.clone(), root).unwrap();
                item.with_annotations(vec![("config.kubernetes.io/index", i.to_string())])
            })
            .collect()
    }

    /// The list made for `items`, and its results.
    fn made(items: &[Item]) -> (String, Vec<KrmResult>) {
        let mut results = Vec::new();
        let list = ResourceList::made_for("--output stdout");
        let out = list.write(items, &mut results).unwrap();
        (out, results)
    }

    /// The `items` of the list made for the items of file text `src` (verified: no result).
    fn items_text(src: &str) -> String {
        let (out, results) = made(&file_items(src));
        assert!(results.is_empty(), "{src:?}: {results:?}\n{out}");
        out.strip_prefix(HEADER).unwrap().to_string()
    }

    /// `metadata` holding only the index annotation `i`, at the item's level.
    fn index(i: usize) -> String {
        format!("  metadata:\n    annotations:\n      config.kubernetes.io/index: '{i}'\n")
    }

    #[test]
    fn an_item_of_another_document_is_its_own_text_with_its_change_and_comments() {
        let src =
            "# head\n\n# more\nkind: A # a\nmetadata:\n  name: a\n# tail\n---\n# b's\nkind: B\n";
        let mut items = file_items(src);
        items[0].value_mut()["metadata"]["name"] = json!("z");
        let (out, results) = made(&items);
        assert!(results.is_empty(), "{results:?}");
        let a = "# head\n\n# more\n- kind: A # a\n  metadata:\n    name: z\n    annotations:\n      config.kubernetes.io/index: '0'\n  # tail\n";
        assert_eq!(out, format!("{HEADER}{a}# b's\n- kind: B\n{}", index(1)));
    }

    #[test]
    fn line_breaks_of_every_kind_become_the_lists() {
        for eol in ["\r\n", "\r"] {
            let src = "# head\nkind: A\nlist:\n- k: v\n  j: w\n---\nkind: B\n".replace('\n', eol);
            let a = format!(
                "# head\n- kind: A\n  list:\n  - k: v\n    j: w\n{}",
                index(0)
            );
            assert_eq!(items_text(&src), format!("{a}- kind: B\n{}", index(1)));
        }
        // A document after a lone `\r` starts at column 0.
        assert_eq!(
            items_text("\rkind: A\n"),
            format!("- kind: A\n{}", index(0))
        );
    }

    #[test]
    fn a_document_end_marker_and_directives_stay_out_of_the_item() {
        let src = "kind: A # a\n# tail\n...\n%YAML 1.2\n---\n# c\nkind: B\n";
        let b = format!("# c\n- kind: B\n{}", index(1));
        assert_eq!(
            items_text(src),
            format!("- kind: A # a\n{}  # tail\n{b}", index(0))
        );
    }

    #[test]
    fn an_indented_root_is_dedented() {
        let src = "  kind: A\n  data:\n    k: |\n      x\n";
        let text = format!("- kind: A\n  data:\n    k: |\n      x\n{}", index(0));
        assert_eq!(items_text(src), text);
    }

    /// A last block scalar keeps its value as a list item's: the open `|` block that ended the
    /// file gets a `|-` header, a `|+` block its kept blank lines, a last line its spaces.
    #[test]
    fn a_block_scalar_ending_an_item_keeps_its_value() {
        let meta = "kind: A\nmetadata:\n  annotations:\n    config.kubernetes.io/index: '0'\n";
        let cases = [
            ("data:\n  x: |\n    text", "data:\n  x: |-\n    text\n"),
            (
                "data:\n  x: |+\n    text\n\n",
                "data:\n  x: |+\n    text\n\n",
            ),
            (
                "data:\n  x: |+\n    text\n\n# c\n\n",
                "data:\n  x: |+\n    text\n\n# c\n",
            ),
            ("data:\n  x: |\n    text  \n", "data:\n  x: |\n    text  \n"),
            ("data:\n  x: |\n    text\n\n", "data:\n  x: |\n    text\n"),
        ];
        for (tail, written) in cases {
            let src = format!("{meta}{tail}");
            let want: String = format!("{meta}{written}")
                .lines()
                .enumerate()
                .map(|(i, l)| match (i, l) {
                    (0, l) => format!("- {l}\n"),
                    (_, "") => "\n".to_string(),
                    (_, l) => format!("  {l}\n"),
                })
                .collect();
            assert_eq!(items_text(&src), want, "{src:?}");
            // Before another item too.
            let two = format!(
                "{src}{}---\nkind: B\n",
                if src.ends_with('\n') { "" } else { "\n" }
            );
            let (out, results) = made(&file_items(&two));
            assert!(results.is_empty(), "{two:?}: {results:?}\n{out}");
        }
    }

    #[test]
    fn a_json_text_is_rendered_as_yaml() {
        let src = "{\"kind\": \"A\", \"data\": {\"n\": 1e2}}\n";
        let want = "- kind: A\n  data:\n    'n': 100.0\n  metadata:\n    annotations:\n      config.kubernetes.io/index: '0'\n";
        assert_eq!(items_text(src), want);
    }

    /// The verification's fallback: an item that does not read back as its value (here a
    /// generated item whose text says otherwise) gives an error result, and every item is
    /// rendered anew from its value, comments lost.
    #[test]
    fn an_item_that_does_not_read_back_has_every_item_rendered_anew() {
        let mut items = file_items("kind: A # a\n");
        let wrong = Item::generated(json!({"kind": "G"}), Some("kind: H # h\n".into()));
        items.push(wrong);
        let mut results = vec![KrmResult::info("done")];
        let list = ResourceList::made_for("--output stdout");
        let out = list.write(&items, &mut results).unwrap();
        assert_eq!(results.len(), 2);
        let error = &results[1];
        assert!(
            error
                .message
                .starts_with(&format!("{REREAD_FAILURE}: --output stdout: item 1 (G "))
                && error.message.ends_with("; every item is rendered anew"),
            "{}",
            error.message
        );
        let want = format!(
            "{HEADER}- kind: A\n{}- kind: G\nresults:\n- message: done\n  severity: info\n- message: '{}'\n  severity: error\n",
            index(0),
            error.message
        );
        assert_eq!(out, want);
    }
}
