//! `--output stdout`: the package's items as one ResourceList, each read item as its own text
//! (head comments included) synced to its new value.

use super::SourceFile;
use crate::krm::resource_list::{document_range_at, document_ranges, result_json};
use crate::krm::{Item, KrmResult};
use crate::yaml::{self, Document, Edits, Layout, NodeId};
use serde_json::Value;
use std::sync::Arc;

/// The items as a ResourceList (with their path/index annotations, as `kpt fn source` prints).
pub(super) fn resource_list_text(
    files: &[SourceFile],
    items: &[Item],
    results: &[KrmResult],
) -> String {
    let layout = Layout::default();
    let mut out = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    for item in items {
        let origin = item
            .origin
            .as_ref()
            .filter(|o| files.iter().any(|f| !f.json && Arc::ptr_eq(&f.doc, &o.doc)));
        let text = match origin {
            Some(o) => node_text(&o.doc, o.node, item.value())
                .map(|t| yaml::indent_as_item(&t, 0, o.doc.layout())),
            None => None,
        };
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

/// The text of node `node` (a document's root) synced to `value`, dedented to column 0: up to
/// the end of its document, as keys added after a last line's comment land past the node's span.
fn node_text(doc: &Document, node: NodeId, value: &Value) -> Option<String> {
    let src = doc.source();
    let mut edits = Edits::default();
    doc.sync(node, value, &mut edits).ok()?;
    let applied = edits.apply(src).ok()?;
    let span = doc.node(node).span();
    let document_end = document_range_at(&document_ranges(src), span.start).end;
    let end = applied.len().checked_sub(src.len() - document_end)?;
    let start = head_comment_start(
        src,
        document_range_at(&document_ranges(src), span.start).start,
        span.start,
    );
    let text = applied.get(start..end)?.trim_end();
    // The root's column: a lone `\r` ends a line too.
    let line_start = src[..span.start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let column = src[line_start..span.start].chars().count();
    let prefix = " ".repeat(column);
    let lines: Vec<&str> = text
        .split('\n')
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
    let mut pos = document_start;
    if src[pos..].starts_with("---") {
        match src[pos..root_start].find('\n') {
            Some(i) => pos += i + 1,
            None => return root_start,
        }
    }
    let line_start = src[..root_start].rfind('\n').map_or(0, |i| i + 1);
    if line_start < pos || !src[line_start..root_start].trim().is_empty() {
        return root_start;
    }
    let mut first = None;
    for line in src[pos..line_start].split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            first.get_or_insert(pos);
        } else if !trimmed.is_empty() {
            return root_start;
        }
        pos += line.len();
    }
    first.unwrap_or(root_start)
}
