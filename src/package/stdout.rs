//! `--output stdout`: the package's items as one ResourceList, each read item as its own text
//! (head comments included) synced to its new value.

use super::SourceFile;
use crate::krm::resource_list::result_json;
use crate::krm::{oddities, Item, KrmResult, REREAD_FAILURE};
use crate::yaml::{self, Document, Edits, Layout, NodeId};
use serde_json::Value;
use std::sync::Arc;

/// The items as a ResourceList (with their path/index annotations, as `kpt fn source` prints),
/// read again before it goes out: when an item or result does not read as meant, an error
/// result says so and every item is rendered anew from its value (comments lost, value right).
pub(super) fn resource_list_text(
    files: &[SourceFile],
    items: &[Item],
    results: &mut Vec<KrmResult>,
) -> String {
    let text = list_text(files, items, results, true);
    let Err(problem) = verify(&text, items, results) else {
        return text;
    };
    results.push(KrmResult::error(format!(
        "{REREAD_FAILURE}: --output stdout: {problem}; every item is rendered anew"
    )));
    list_text(files, items, results, false)
}

/// The ResourceList text; with `own_text`, each read item is its own text synced.
fn list_text(
    files: &[SourceFile],
    items: &[Item],
    results: &[KrmResult],
    own_text: bool,
) -> String {
    let layout = Layout::default();
    let mut out = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for item in items {
        let origin = item
            .origin
            .as_ref()
            .filter(|_| own_text)
            .filter(|o| files.iter().any(|f| !f.json && Arc::ptr_eq(&f.doc, &o.doc)));
        // The list's lines end in `\n`, whatever the file's line breaks.
        let text = origin.and_then(|o| {
            let file_layout = Layout {
                crlf: false,
                ..o.doc.layout()
            };
            node_text(&o.doc, o.node, item.value())
                .map(|t| yaml::indent_as_item(&t, 0, file_layout))
        });
        out.push_str(&text.unwrap_or_else(|| yaml::render_item(item.value(), 0, layout)));
        out.push('\n');
    }
    if !results.is_empty() {
        out.push_str("results:\n");
        for result in results {
            out.push_str(&yaml::render_item(&result_json(result), 0, layout));
            out.push('\n');
        }
    }
    out
}

/// Read `text` (the list written for `items` and `results`) again: `Err` with what differs.
fn verify(text: &str, items: &[Item], results: &[KrmResult]) -> Result<(), String> {
    let doc =
        Document::parse_with(text, oddities::PARSE).map_err(|e| format!("not valid YAML: {e}"))?;
    let &[root] = doc.roots() else {
        return Err("not one document".to_string());
    };
    let view = |key: &str| match doc.get(root, key).map(|n| doc.to_json(n)) {
        Some(Ok(Value::Array(values))) => Ok(values),
        None => Ok(Vec::new()),
        Some(Ok(_)) => Err(format!("`{key}` is no list")),
        Some(Err(e)) => Err(e.to_string()),
    };
    let read = view("items")?;
    if read.len() != items.len() {
        return Err(format!("{} items instead of {}", read.len(), items.len()));
    }
    if let Some(i) = read.iter().zip(items).position(|(r, i)| r != i.value()) {
        return Err(format!(
            "item {i} ({} {}) reads otherwise",
            items[i].kind(),
            items[i].name()
        ));
    }
    let meant: Vec<Value> = results.iter().map(result_json).collect();
    if view("results")? != meant {
        return Err("the results read otherwise".to_string());
    }
    Ok(())
}

/// The text of node `node` (a document's root) synced to `value`, dedented to column 0: up to
/// the end of its document, as keys added after a last line's comment land past the node's span.
fn node_text(doc: &Document, node: NodeId, value: &Value) -> Option<String> {
    let src = doc.source();
    let mut edits = Edits::default();
    doc.sync(node, value, &mut edits).ok()?;
    let applied = edits.apply(src).ok()?;
    let span = doc.node(node).span();
    let document_end = yaml::document_range_at(&yaml::document_ranges(src), span.start).end;
    let end = applied.len().checked_sub(src.len() - document_end)?;
    let start = head_comment_start(
        src,
        yaml::document_range_at(&yaml::document_ranges(src), span.start).start,
        span.start,
    );
    let text = applied.get(start..end)?.trim_end();
    // The root's column: a lone `\r` ends a line too.
    let line_start = src[..span.start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let column = src[line_start..span.start].chars().count();
    let prefix = " ".repeat(column);
    let lines: Vec<&str> = yaml::split_lines(text)
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            if i == 0 {
                line
            } else {
                line.strip_prefix(prefix.as_str()).unwrap_or(line)
            }
        })
        .collect();
    Some(lines.join("\n"))
}

/// Where the head comment of a document's root at `root_start` starts: the first comment line
/// of the comment lines (blank lines between them allowed) that fill the document from
/// `document_start` (after its `---` line) to the root; `root_start` when there are none or
/// something else is there (a tag, an anchor).
fn head_comment_start(src: &str, document_start: usize, root_start: usize) -> usize {
    // Every YAML line break ends a line: `\n`, `\r\n` and a lone `\r`.
    let after_break = |i: usize| match src.as_bytes().get(i) {
        Some(b'\r') if src.as_bytes().get(i + 1) == Some(&b'\n') => i + 2,
        _ => i + 1,
    };
    let mut pos = document_start;
    if src[pos..].starts_with("---") {
        match src[pos..root_start].find(['\n', '\r']) {
            Some(i) => pos = after_break(pos + i),
            None => return root_start,
        }
    }
    let line_start = src[..root_start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    if line_start < pos || !src[line_start..root_start].trim().is_empty() {
        return root_start;
    }
    let mut first = None;
    for line in yaml::split_lines(&src[pos..line_start]) {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            first.get_or_insert(pos);
        } else if !trimmed.is_empty() {
            return root_start;
        }
        pos = after_break(pos + line.len()).min(line_start);
    }
    first.unwrap_or(root_start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_list_passes_when_it_reads_as_its_items_and_results_and_fails_otherwise() {
        let item = Item::generated(json!({"kind": "A", "metadata": {"name": "a"}}), None);
        let items = [item];
        let results = [KrmResult::warning("w")];
        let good = list_text(&[], &items, &results, true);
        assert_eq!(verify(&good, &items, &results), Ok(()));
        let other = good.replace("name: a", "name: b");
        assert!(verify(&other, &items, &results)
            .unwrap_err()
            .contains("item 0"));
        assert!(verify(&good, &items, &[]).is_err());
        assert!(verify(&good, &[], &results).is_err());
        assert!(verify("items: [", &items, &results).is_err());
    }

    #[test]
    fn head_comments_are_found_across_every_kind_of_line_break() {
        for src in [
            "---\n# a\n\n# b\nk: v\n",
            "---\r# a\r\r# b\rk: v\r",
            "---\r\n# a\r\n\r\n# b\r\nk: v\r\n",
        ] {
            let root = src.find('k').unwrap();
            let start = head_comment_start(src, 0, root);
            assert_eq!(&src[start..start + 3], "# a", "{src:?}");
        }
        assert_eq!(head_comment_start("x: 1\rk: v", 0, 5), 5);
    }
}
