//! The verification pass: the written output is read again, and every changed or generated item
//! (every item, in builds with debug assertions: tests and fuzzing) must read as the value the
//! stages meant, and the results as the results.

use super::{result_json, Format, ResourceList, BOM};
use crate::krm::{oddities, Item, KrmResult};
use crate::yaml::{Document, NodeId, NodeKind};
use serde_json::Value;

/// The start of the message of the error result a failed verification adds.
pub const REREAD_FAILURE: &str = "internal error: the output does not read back as intended";

/// Whether unchanged items and an appended results block are read again too (unchanged items
/// are byte-identical by construction; the results block is text rendered for results alone,
/// and reading it again would double the cost of a run with many results).
const EVERYTHING: bool = cfg!(debug_assertions);

/// What writing tells the verification.
#[derive(Debug, Default)]
pub(super) struct WriteNotes {
    /// Nodes of items whose change could not be written: they keep their text.
    pub unsynced: Vec<NodeId>,
    /// Generated items were written before the last read item (it ends in a block scalar that
    /// a line after it would change).
    pub generated_before_last: bool,
    /// A results block written beside the items, skipped by the release verification.
    pub results_block: Option<ResultsBlock>,
}

/// Where a results block was written.
#[derive(Debug)]
pub(super) enum ResultsBlock {
    /// After the last edit: its place in the input text, its length.
    At(usize, usize),
    /// Before the root's first key (nothing is edited before it): its length.
    First(usize),
}

impl ResourceList {
    /// The items in the order the output holds them: for a block `items` sequence and for plain
    /// documents, items read from the input in their source order, then the generated ones
    /// (before the last read one with `generated_before_last`); otherwise (JSON, a flow
    /// sequence rewritten) in the order given.
    pub(super) fn output_order<'a>(
        &self,
        items: &'a [Item],
        generated_before_last: bool,
    ) -> Vec<&'a Item> {
        let block = self.format == Format::Yaml
            && self.items_node.is_none_or(|n| {
                matches!(
                    self.doc.node(n).kind,
                    NodeKind::Sequence { flow: false, .. }
                )
            });
        if !block {
            return items.iter().collect();
        }
        let mut own: Vec<(NodeId, &Item)> = items
            .iter()
            .filter_map(|i| self.own_node(i).map(|n| (n, i)))
            .collect();
        own.sort_by_key(|(n, _)| *n);
        let mut out: Vec<&Item> = own.into_iter().map(|(_, i)| i).collect();
        let last = if generated_before_last {
            out.pop()
        } else {
            None
        };
        out.extend(items.iter().filter(|i| self.own_node(i).is_none()));
        out.extend(last);
        out
    }

    /// Read `output` (the text written for `items` and `results`) again: `Err` with what differs
    /// when an item or result does not read as meant (items at `unsynced` nodes: as read).
    pub(super) fn verify(
        &self,
        items: &[Item],
        results: &[KrmResult],
        output: &str,
        notes: &WriteNotes,
    ) -> Result<(), String> {
        let unsynced = &notes.unsynced;
        let mut text = output.strip_prefix(BOM).unwrap_or(output);
        let without_results;
        let mut check_results = true;
        let block = match notes.results_block {
            Some(ResultsBlock::At(at, len)) => {
                let after = self.doc.source().len() - at;
                text.len().checked_sub(after + len).map(|s| (s, len))
            }
            Some(ResultsBlock::First(len)) => self
                .root
                .map(|root| (self.doc.node(root).span().start, len)),
            None => None,
        };
        if let (false, Some((start, len))) = (EVERYTHING, block) {
            let start = Some(start);
            if let Some(start) = start.filter(|&s| text.is_char_boundary(s)) {
                without_results = format!("{}{}", &text[..start], &text[start + len..]);
                text = &without_results;
                check_results = false;
            }
        }
        let doc = Document::parse_with(text, oddities::PARSE)
            .map_err(|e| format!("the output is not valid YAML: {e}"))?;
        let roots = doc.roots();
        let view = |id: NodeId| doc.to_json(id).map_err(|e| e.to_string());
        let (nodes, root): (Vec<NodeId>, Option<NodeId>) = match self.root {
            Some(_) => {
                let &[root] = roots else {
                    return Err(format!("{} documents instead of one", roots.len()));
                };
                let nodes = match doc.get(root, "items").map(|n| &doc.node(n).kind) {
                    Some(NodeKind::Sequence { items, .. }) => items.to_vec(),
                    _ if items.is_empty() => Vec::new(),
                    _ => return Err("no `items` list".to_string()),
                };
                (nodes, Some(root))
            }
            None => (roots.to_vec(), None),
        };
        let expected = self.output_order(items, notes.generated_before_last);
        if nodes.len() != expected.len() {
            return Err(format!(
                "{} items instead of {}",
                nodes.len(),
                expected.len()
            ));
        }
        for (i, (&node, item)) in nodes.iter().zip(&expected).enumerate() {
            // Items whose change could not be written must read as read; the others as meant.
            let as_read = self
                .own_node(item)
                .is_some_and(|own| unsynced.contains(&own));
            let changed = !as_read && item.is_changed();
            if !(changed || EVERYTHING) {
                continue;
            }
            let same = match &item.origin {
                Some(o) if as_read || !item.is_materialized() => {
                    let meant = o.doc.to_json(o.node).map_err(|e| e.to_string())?;
                    doc.equals_json(node, &meant)
                }
                _ => doc.equals_json(node, item.value()),
            };
            if !same {
                view(node)?;
                return Err(format!("item {i} ({} {})", item.kind(), item.name()));
            }
        }
        let results_written = check_results && self.carries_results() && !results.is_empty();
        if let (Some(root), true) = (root, results_written) {
            let written = doc.get(root, "results").map(view).transpose()?;
            let written = written.as_ref().and_then(Value::as_array);
            let tail = written.and_then(|w| w.get(w.len().checked_sub(results.len())?..));
            let meant: Vec<Value> = results.iter().map(result_json).collect();
            if tail != Some(meant.as_slice()) {
                return Err("the results".to_string());
            }
        }
        Ok(())
    }
}
