//! The verification pass: the written output is read again, and every changed or generated item
//! (every item, in builds with debug assertions: tests and fuzzing) must read as the value the
//! stages meant, and the results as the results.

use super::{result_json, Format, OutputText, ResourceList, BOM};
use crate::krm::{oddities, Item, KrmResult};
use crate::yaml::{self, Document, Edits, EntryPlaced, LineReads, NodeId, NodeKind};
use serde_json::Value;
use std::ops::Range;

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
    pub results_block: Option<EntryPlaced>,
    /// Which of `edits` writes the results block (with `results_block`).
    pub results_edit: Option<usize>,
    /// Which of `edits` writes the generated items after the last item or document.
    pub generated_edit: Option<usize>,
    /// Items whose new scalar values were synced node by node, by node: the node, and which of
    /// `edits` that made.
    pub leaf_synced: Vec<(NodeId, Range<usize>)>,
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
        output: &OutputText,
        notes: &WriteNotes,
    ) -> Result<(), String> {
        let regions = self.verify_regions(items, results, notes, output.edits());
        if regions && !EVERYTHING {
            return Ok(());
        }
        // Only here is the whole text assembled: when the regions cannot say, and in builds
        // with debug assertions.
        let full = self.verify_all(items, results, &output.to_string(), notes);
        // Builds with debug assertions (tests, fuzzing) read everything and check that reading
        // the regions again never passes an output that reading all of it again fails.
        debug_assert!(
            full.is_ok() || !regions,
            "the regions read as meant, the whole output does not: {full:?}"
        );
        full
    }

    /// [`ResourceList::verify`] by reading the whole output again.
    pub(super) fn verify_all(
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
            Some(EntryPlaced::At(at, len)) => {
                let after = self.doc.source().len() - at;
                text.len().checked_sub(after + len).map(|s| (s, len))
            }
            Some(EntryPlaced::First(len)) => self
                .root
                .map(|root| (self.doc.node(root).span().start, len)),
            None => None,
        };
        if let (false, Some((start, len))) = (EVERYTHING, block) {
            let start = Some(start);
            let open = |s: usize| match (notes.results_block.as_ref(), text.get(s..s + len)) {
                (Some(&EntryPlaced::At(at, _)), Some(block)) => {
                    results_block_open(self.doc.source(), at, block)
                        || text
                            .get(..s)
                            .is_none_or(|before| makes_blank_line(before, block))
                }
                (Some(EntryPlaced::At(..)), None) => true,
                _ => false,
            };
            let start = start.filter(|&s| !open(s));
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
                let nodes = match doc.get(root, "items").map(|n| (n, &doc.node(n).kind)) {
                    Some((n, NodeKind::Sequence { .. })) => doc.items(n).to_vec(),
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
        let exposed = self.open_before_removal(items);
        for (i, (&node, item)) in nodes.iter().zip(&expected).enumerate() {
            // Items whose change could not be written must read as read; the others as meant:
            // those not read from the list (generated, or read from another document with
            // what their reader added) by their view.
            let own = self.own_node(item);
            let as_read = own.is_some_and(|own| unsynced.contains(&own));
            let changed = own.is_none() || (!as_read && item.is_changed());
            if !(changed || EVERYTHING || own.is_some_and(|own| exposed.contains(&own))) {
                continue;
            }
            let same = match &item.origin {
                Some(_) if own.is_some() && !as_read && !item.is_materialized() => {
                    item.text_reads_as(&doc, node)
                }
                Some(o) if as_read => {
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

/// Above this share of the input's bytes in regions to read again, the whole output is read.
const REGIONS_MAX_SHARE: usize = 4;
/// Bytes of regions always read on their own, whatever the input's size.
const REGIONS_MIN_BUDGET: usize = 4096;

impl ResourceList {
    /// The verification from the changed regions alone: true when every item whose text the
    /// write changed reads as meant from its own region's new text, false when that cannot be
    /// said from the regions (the whole output is read again then, and decides).
    ///
    /// Why this is the full re-read for what it passes. The output is the input with
    /// the output's edits applied. The items' regions tile the items' text: in a block `items`
    /// sequence, an item's region runs from the start of its first line (its head comment's)
    /// to the start of the next item's, the last one's to [`Document::append_point`]; for
    /// plain documents, each document's range ([`yaml::document_ranges`]). No edit may cross
    /// or touch the bound of a region that is read ([`Edits::region_text`]), so the output
    /// is the input's own bytes up to the region's first line, the region's new text, then
    /// the input's own bytes of the next region's first line (a dash at the same column, a
    /// `---` line, or the text after the sequence): a block parser enters such a region at a
    /// line start between two items or documents and leaves it at the next one, exactly as it
    /// reads that text on its own. So a region read alone as a block sequence (or stream) of
    /// exactly its meant items reads so in the output; a region without edits is the input's
    /// own text in the same place and reads as it read. Anchors and directives reach across
    /// regions: a region holding `&` and a text holding a `%` line are read whole. Removed
    /// items and an appended results block lie outside the regions read; the release
    /// verification never read the results block (it cuts it out) and trusts
    /// [`Document::item_removal_range`]; builds with debug assertions read everything and
    /// check that this pass never passes what the whole re-read fails. An item whose new
    /// scalar values were synced node by node is read again from its edited lines alone
    /// ([`Document::leaves_read_as`]) instead of its region. What lies after a region or a
    /// removal can still change the text before it, and then the whole output is read: a kept
    /// item before a removed one that ends in a `|`/`>` block or reaches into the removed
    /// range ([`ResourceList::open_before_removal`], read in release builds too), a last
    /// region or a results block holding a `|`/`>` block before lines that are no content
    /// (comment, blank, space lines), a results block so at the end of a text without a final
    /// line break.
    pub(super) fn verify_regions(
        &self,
        items: &[Item],
        results: &[KrmResult],
        notes: &WriteNotes,
        edits: Option<&Edits>,
    ) -> bool {
        let Some(edits) = edits else {
            return false;
        };
        let doc = &*self.doc;
        let src = doc.source();
        if self.format != Format::Yaml || notes.generated_before_last {
            return false;
        }
        if self.carries_results() && !results.is_empty() && notes.results_block.is_none() {
            return false;
        }
        let block_items = match self.items_node {
            Some(n) => matches!(doc.node(n).kind, NodeKind::Sequence { flow: false, .. }),
            None => self.root.is_none(),
        };
        if !block_items {
            return false;
        }
        // Directives reach across regions, and a document's range holds the next one's.
        if has_directive_line(src) {
            return false;
        }
        // An alias in one item can read an anchor of another (one removed, or changed): read
        // whole.
        if doc.has_aliased_anchors() {
            return false;
        }
        // A removal leaves the removed item's trailing lines after the item before it.
        if !self.open_before_removal(items).is_empty() {
            return false;
        }
        let nodes = &self.item_nodes;
        let index_of = |node: NodeId| nodes.binary_search(&node).ok();
        // Each region to read: the item index, and the items it must read as.
        let mut checked: Vec<(usize, Vec<&Item>)> = Vec::new();
        let mut kept = vec![None; nodes.len()];
        let mut lines = LineReads::default();
        for item in items {
            let Some(own) = self.own_node(item) else {
                continue;
            };
            // An item read from a node of the input that is no item of it: read whole.
            let Some(j) = index_of(own) else {
                return false;
            };
            if kept[j].replace(item).is_some() {
                return false;
            }
            // New scalar values synced node by node: read again line by line.
            if !item.is_dirty() && leaves_read_as(doc, item, nodes[j], notes, edits, &mut lines) {
                continue;
            }
            // Items given out to change (a superset of the changed ones, cheaper to tell).
            if item.is_dirty() || item.has_overrides() || notes.unsynced.contains(&nodes[j]) {
                checked.push((j, vec![item]));
            }
        }
        let generated: Vec<&Item> = items
            .iter()
            .filter(|i| self.own_node(i).is_none())
            .collect();
        if !generated.is_empty() {
            let (Some(last), Some(_)) = (nodes.len().checked_sub(1), notes.generated_edit) else {
                return false;
            };
            let Some(item) = kept[last] else {
                return false;
            };
            match checked.iter_mut().find(|(j, _)| *j == last) {
                Some((_, meant)) => meant.extend(generated),
                None => checked.push((last, [item].into_iter().chain(generated).collect())),
            }
        }
        // The edited lines are read before anything else is.
        if !lines.all_read_as_meant() {
            return false;
        }
        // The results block is never read here: one that lines after it may change is read whole.
        if let (Some(EntryPlaced::At(at, _)), Some((_, block))) = (
            &notes.results_block,
            notes.results_edit.and_then(|i| edits.get(i)),
        ) {
            if results_block_open(src, *at, block) {
                return false;
            }
        }
        if checked.is_empty() {
            return true;
        }
        let budget = src.len() / REGIONS_MAX_SHARE + REGIONS_MIN_BUDGET;
        // The items' own text is within their regions: too much of it settles it at once.
        let spans: usize = checked
            .iter()
            .map(|(j, _)| doc.node(nodes[*j]).span().len())
            .sum();
        if spans > budget {
            return false;
        }
        checked.sort_by_key(|(j, _)| *j);
        let ranges = match self.root {
            None => Some(yaml::document_ranges(src)),
            Some(_) => None,
        };
        let region = |j: usize| -> Option<Range<usize>> {
            match &ranges {
                Some(ranges) => {
                    let start = doc.node(nodes[j]).span().start;
                    let k = ranges
                        .partition_point(|r| r.start <= start)
                        .checked_sub(1)?;
                    Some(ranges[k].clone()).filter(|r| r.contains(&start))
                }
                None => {
                    let start = doc.item_line_start(nodes[j])?;
                    let end = match nodes.get(j + 1) {
                        Some(&next) => doc.item_line_start(next)?,
                        None => doc.append_point(self.items_node?).0,
                    };
                    Some(start..end)
                }
            }
        };
        let skip = |i: usize| notes.results_edit == Some(i);
        // Every region first: when they are too much of the text, reading it all is cheaper.
        let mut regions = Vec::with_capacity(checked.len());
        let mut bytes = 0;
        for (j, meant) in &checked {
            let Some(range) = region(*j) else {
                return false;
            };
            bytes += range.len();
            regions.push((range, *j + 1 == nodes.len(), meant));
        }
        if bytes > budget {
            return false;
        }
        let index = edits.index();
        let generated_at = notes.generated_edit.map(|i| edits.range(i).start);
        for (range, tail, meant) in regions {
            if tail && meant.len() > 1 && generated_at != Some(range.end) {
                return false;
            }
            let Some(text) = index.region_text(src, range.clone(), tail, skip) else {
                return false;
            };
            // The lines after the last region are not read with it: a `|`/`>` block ending it
            // would take blank, whitespace and comment lines there into its value.
            if tail && text.contains(['|', '>']) && !content_follows(src, range.end) {
                return false;
            }
            if src[range].contains('&') || text.contains('&') {
                return false;
            }
            if !self.region_reads_as(&text, meant, &notes.unsynced) {
                return false;
            }
        }
        true
    }

    /// True when `text`, read on its own, is a block sequence (plain documents: a stream) of
    /// exactly the items `meant` (those at `unsynced` nodes as read).
    fn region_reads_as(&self, text: &str, meant: &[&Item], unsynced: &[NodeId]) -> bool {
        let Ok(doc) = Document::parse_with(text, oddities::PARSE) else {
            return false;
        };
        let nodes: &[NodeId] = match (self.root, doc.roots()) {
            (None, roots) => roots,
            (Some(_), &[root]) => match &doc.node(root).kind {
                NodeKind::Sequence { flow: false, .. } => doc.items(root),
                _ => return false,
            },
            _ => return false,
        };
        nodes.len() == meant.len()
            && nodes.iter().zip(meant).all(|(&node, item)| {
                let own = self.own_node(item);
                let as_read = own.is_some_and(|own| unsynced.contains(&own));
                match &item.origin {
                    Some(_) if own.is_some() && !as_read && !item.is_materialized() => {
                        item.text_reads_as(&doc, node)
                    }
                    Some(o) if as_read => o
                        .doc
                        .to_json(o.node)
                        .is_ok_and(|v| doc.equals_json(node, &v)),
                    _ => doc.equals_json(node, item.value()),
                }
            })
    }
}

impl ResourceList {
    /// The kept items of a block `items` sequence right before a removed item that the removal
    /// may change: one ending in a `|`/`>` block (the removal leaves the removed item's
    /// trailing lines, blank ones and lines of spaces, which then follow the block and may
    /// join its value), and one whose text reaches into the removed range (a quoted scalar's
    /// line starting with `#` is taken for the removed item's head comment). Read again always.
    fn open_before_removal(&self, items: &[Item]) -> Vec<NodeId> {
        let mut kept: Vec<NodeId> = items.iter().filter_map(|i| self.own_node(i)).collect();
        if self.root.is_none() || kept.len() >= self.item_nodes.len() {
            return Vec::new();
        }
        kept.sort_unstable();
        let mut open = Vec::new();
        let mut last_kept = None;
        for &node in &self.item_nodes {
            if kept.binary_search(&node).is_ok() {
                last_kept = Some(node);
            } else if let Some(before) = last_kept.take() {
                let cut = self.doc.item_removal_range(node).start;
                if cut < self.doc.node(before).span().end || self.doc.ends_in_block_scalar(before) {
                    open.push(before);
                }
            }
        }
        open
    }
}

/// True when results block text `block`, appended at `at` of `src`, holds a `|`/`>` block and
/// the lines of `src` after it are no content (comment, blank or space lines there would join
/// its last value), or it ends a text without a final line break (its last value would lose
/// its own). The block is read again then.
fn results_block_open(src: &str, at: usize, block: &str) -> bool {
    let unterminated = at == src.len() && !block.ends_with(['\n', '\r']);
    block.contains(['|', '>']) && (unterminated || !content_follows(src, at))
}

/// True when `block`, written after `before`, starts with a line break where `before` ends
/// with one: the blank line that makes is text a `|+` block before it would take, and cutting
/// the block out would hide it.
fn makes_blank_line(before: &str, block: &str) -> bool {
    before.ends_with(['\n', '\r']) && block.starts_with(['\n', '\r'])
}

/// True when `pos` ends the text (but for a line break), or the line after the one it ends
/// holds content: no blank, whitespace or comment line follows there.
fn content_follows(src: &str, pos: usize) -> bool {
    let rest = &src[pos..];
    let rest = (rest.strip_prefix("\r\n"))
        .or_else(|| rest.strip_prefix(['\n', '\r']))
        .unwrap_or(rest);
    let line =
        rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())].trim_start_matches([' ', '\t']);
    rest.is_empty() || !(line.is_empty() || line.starts_with('#'))
}

/// True when `item` (at `node`) had its new scalar values synced node by node and the text
/// with the edits reads as them ([`Document::leaves_read_as`]).
fn leaves_read_as<'a>(
    doc: &'a Document,
    item: &'a Item,
    node: NodeId,
    notes: &WriteNotes,
    edits: &Edits,
    lines: &mut LineReads<'a>,
) -> bool {
    let Ok(i) = notes.leaf_synced.binary_search_by_key(&node, |(n, _)| *n) else {
        return false;
    };
    let Some(leaves) = item.scalar_overrides() else {
        return false;
    };
    doc.leaves_read_as(edits, notes.leaf_synced[i].1.clone(), &leaves, lines)
}

/// True when a line of `src` starts with `%` (a directive): one pass, `%` found by `memchr`.
fn has_directive_line(src: &str) -> bool {
    let b = src.as_bytes();
    src.match_indices('%')
        .any(|(i, _)| i == 0 || matches!(b[i - 1], b'\n' | b'\r'))
}

#[cfg(test)]
mod adversarial;
