//! Reading a ResourceList (or plain Kubernetes YAML) into items, and writing it back with
//! minimal edits: untouched text byte-identical, results in the spec v1 list form.

use crate::krm::{oddities, Item, KrmResult, Severity};
use crate::yaml::{self, Document, Edits, JsonKind, Layout, NodeId, NodeKind, ScalarStyle};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

mod verify;
mod write_json;
use verify::ResultsBlock;
pub use verify::REREAD_FAILURE;

/// Input that cannot be read: what is wrong and where (source name, 1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// `stdin`, or the file the text came from.
    pub source: String,
    /// 1-based line and column, when the problem has a place in the text.
    pub position: Option<(usize, usize)>,
    /// What is wrong, for the person reading it.
    pub message: String,
}

impl InputError {
    /// An error at a 1-based line and column of `source`.
    pub fn at(source: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        InputError {
            source: source.to_string(),
            position: Some((line, column)),
            message: message.into(),
        }
    }

    /// An error about `source` as a whole.
    pub fn whole(source: &str, message: impl Into<String>) -> Self {
        InputError {
            source: source.to_string(),
            position: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => {
                write!(f, "{}:{}:{}: {}", self.source, line, column, self.message)
            }
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// How the input was written; the output uses the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML (edited in place, losslessly).
    Yaml,
    /// JSON (written back with serde_json).
    Json,
}

/// The shape of the input; the output keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A `kind: ResourceList` (or a mapping with `items` and no `kind`): results go in it.
    ResourceList,
    /// A `kind: List` (or `*List`) as `kubectl get -o yaml` prints: no results block.
    List,
    /// One or more plain Kubernetes documents: no results block.
    Documents,
}

/// A ResourceList as read: the parsed text, its items and its functionConfig.
#[derive(Debug, Clone)]
pub struct ResourceList {
    doc: Arc<Document>,
    source: String,
    /// YAML or JSON.
    pub format: Format,
    /// ResourceList, List or plain documents.
    pub shape: Shape,
    /// The input started with a UTF-8 byte order mark (kept out of the parsed text, written
    /// back in front of the output).
    pub bom: bool,
    /// The items, in input order, each with its origin in the text.
    pub items: Vec<Item>,
    /// The functionConfig, when present and not null.
    pub function_config: Option<Value>,
    /// What reading found odd but passed through (repeated keys in items): warnings.
    pub warnings: Vec<KrmResult>,
    root: Option<NodeId>,
    items_node: Option<NodeId>,
    item_nodes: Vec<NodeId>,
}

/// The UTF-8 byte order mark some editors put at the start of a file.
pub const BOM: &str = "\u{feff}";

/// `"a mapping"`, `"a sequence"`… for messages.
fn describe(kind: &NodeKind) -> &'static str {
    match kind {
        NodeKind::Scalar { .. } => "a scalar",
        NodeKind::Mapping { .. } => "a mapping",
        NodeKind::Sequence { .. } => "a sequence",
        NodeKind::Alias { .. } => "an alias",
    }
}

/// 1-based line and column of byte `pos` in `text`, columns counted in characters.
pub fn line_column(text: &str, pos: usize) -> (usize, usize) {
    yaml::line_column(text, pos)
}

/// Decode `input` as UTF-8, or an error naming the first bad byte's line and column.
pub fn decode_utf8<'a>(input: &'a [u8], source: &str) -> Result<&'a str, InputError> {
    std::str::from_utf8(input).map_err(|e| {
        let valid = e.valid_up_to();
        let prefix = std::str::from_utf8(&input[..valid]).unwrap_or_default();
        let (line, column) = line_column(prefix, valid);
        InputError::at(
            source,
            line,
            column,
            format!(
                "not valid UTF-8 (byte 0x{:02x} at offset {valid})",
                input[valid]
            ),
        )
    })
}

/// Byte ranges of the documents of a YAML stream: each starts at its `---` line (or at 0) and
/// ends where the next `---` line starts (or at the end). A `---` at column 0 always starts a
/// document, even after a block scalar, so a line scan is exact.
pub fn document_ranges(src: &str) -> Vec<Range<usize>> {
    let mut starts = vec![0];
    let mut pos = 0;
    // Every YAML line break ends a line: `\n`, `\r\n` and a lone `\r`.
    for body in yaml::split_lines(src) {
        let is_marker = body.starts_with("---")
            && body[3..]
                .chars()
                .next()
                .is_none_or(|c| c == ' ' || c == '\t');
        if is_marker && pos != 0 {
            starts.push(pos);
        }
        pos += body.len();
        pos += match src.as_bytes().get(pos) {
            Some(b'\r') if src.as_bytes().get(pos + 1) == Some(&b'\n') => 2,
            Some(_) => 1,
            None => 0,
        };
    }
    let mut ranges = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(src.len());
        ranges.push(start..end);
    }
    ranges
}

/// The document range holding byte `pos`.
pub fn document_range_at(ranges: &[Range<usize>], pos: usize) -> Range<usize> {
    ranges
        .iter()
        .find(|r| r.contains(&pos))
        .cloned()
        .unwrap_or_else(|| ranges.last().cloned().unwrap_or(0..0))
}

/// The range to delete to remove the document holding byte `pos`: its marker line and content;
/// for a first document without a marker, the next document's bare `---` line goes too.
pub fn document_removal_range(src: &str, ranges: &[Range<usize>], pos: usize) -> Range<usize> {
    let range = document_range_at(ranges, pos);
    if range.start == 0 && !src.starts_with("---") && range.end < src.len() {
        let rest = &src[range.end..];
        for marker in ["---\n", "---\r\n", "---\r"] {
            if rest.starts_with(marker) {
                return range.start..range.end + marker.len();
            }
        }
    }
    range
}

/// The ranges to delete to remove the documents holding each of `positions`, merged where they
/// touch or overlap (removing a first document also takes the next one's `---` line).
pub fn documents_removal_ranges(
    src: &str,
    ranges: &[Range<usize>],
    positions: impl IntoIterator<Item = usize>,
) -> Vec<Range<usize>> {
    let mut removals: Vec<Range<usize>> = positions
        .into_iter()
        .map(|pos| document_removal_range(src, ranges, pos))
        .collect();
    removals.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(removals.len());
    for r in removals {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// The string value of a scalar node, following aliases; `None` for collections.
fn scalar_str(doc: &Document, id: NodeId) -> Option<&str> {
    doc.scalar(resolve(doc, id))
}

/// The warnings about repeated keys in `items` (read from `nodes`); an error for one elsewhere.
fn read_warnings(
    doc: &Document,
    source: &str,
    nodes: &[NodeId],
    items: &[Item],
) -> Result<Vec<KrmResult>, InputError> {
    let pairs: Vec<(NodeId, &Item)> = nodes
        .iter()
        .map(|&n| resolve(doc, n))
        .zip(items.iter())
        .collect();
    oddities::duplicate_key_warnings(doc, source, &pairs, true)
}

/// Follow aliases to the anchored node.
fn resolve(doc: &Document, mut id: NodeId) -> NodeId {
    for _ in 0..64 {
        match doc.node(id).kind {
            NodeKind::Alias { target } => id = target,
            _ => break,
        }
    }
    id
}

/// True for a plain scalar that reads as null (`~`, `null`, empty).
fn is_null(doc: &Document, id: NodeId) -> bool {
    matches!(
        &doc.node(id).kind,
        NodeKind::Scalar {
            style: ScalarStyle::Plain,
            ..
        }
    ) && matches!(doc.scalar(id), Some("" | "~" | "null" | "Null" | "NULL"))
}

/// Check that an `apiVersion` or `kind` the object has is a non-empty string (kyaml cannot read
/// the object otherwise); missing ones are fine, as kpt and kustomize pass such files on.
pub fn check_identity_types(value: &Value, what: &str) -> Result<(), String> {
    for key in ["apiVersion", "kind"] {
        match value.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => return Err(format!("{what}: `{key}` must be a non-empty string")),
        }
    }
    Ok(())
}

/// [`check_identity_types`] for a read item, off its text when its view is not built.
pub fn check_item_identity_types(item: &Item, what: &str) -> Result<(), String> {
    for (key, text) in [("apiVersion", item.api_version()), ("kind", item.kind())] {
        match item.kind_at(&[key]) {
            None | Some(JsonKind::Null) => {}
            Some(JsonKind::String) if !text.is_empty() => {}
            Some(_) => return Err(format!("{what}: `{key}` must be a non-empty string")),
        }
    }
    Ok(())
}

/// Check that an object has string `apiVersion` and `kind`; `what` names it (`items[3]`).
pub fn check_identity(value: &Value, what: &str) -> Result<(), String> {
    for key in ["apiVersion", "kind"] {
        match value.get(key) {
            None | Some(Value::Null) => return Err(format!("{what} has no `{key}`")),
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => return Err(format!("{what}: `{key}` must be a non-empty string")),
        }
    }
    Ok(())
}

impl ResourceList {
    /// Read a ResourceList, a `kind: List`, or plain Kubernetes documents from `input`
    /// (YAML or JSON). `source` names the input in errors (`stdin`, a file name).
    pub fn read(input: &[u8], source: &str) -> Result<ResourceList, InputError> {
        Self::read_text(decode_utf8(input, source)?.to_owned(), source)
    }

    /// [`ResourceList::read`] of text already decoded, which the parsed document keeps
    /// without a copy (but for a leading BOM).
    pub fn read_text(text: String, source: &str) -> Result<ResourceList, InputError> {
        let (bom, text) = match text.strip_prefix(BOM) {
            Some(rest) => (true, rest.to_owned()),
            None => (false, text),
        };
        if text.trim().is_empty() {
            return Err(InputError::whole(
                source,
                "empty input: expected a ResourceList or Kubernetes YAML",
            ));
        }
        let format = if text.trim_start().starts_with('{') {
            Format::Json
        } else {
            Format::Yaml
        };
        let doc = Document::parse_with(text, oddities::PARSE).map_err(|e| {
            InputError::at(
                source,
                e.line,
                e.column,
                format!("not valid YAML: {}", e.message),
            )
        })?;
        if format == Format::Json {
            oddities::refuse_duplicates_in_json(&doc, source)?;
        }
        let doc = Arc::new(doc);
        let roots = doc.roots().to_vec();
        let err_at = |id: NodeId, message: String| {
            let (line, column) = doc.position(doc.node(id).span().start);
            InputError::at(source, line, column, message)
        };
        if roots.is_empty() {
            return Err(InputError::whole(
                source,
                "empty input: expected a ResourceList or Kubernetes YAML",
            ));
        }
        if roots.len() == 1 {
            let root = roots[0];
            let node = doc.node(root);
            if !matches!(node.kind, NodeKind::Mapping { .. }) {
                return Err(err_at(
                    root,
                    format!(
                        "expected a mapping (a ResourceList or a Kubernetes object), found {}",
                        describe(&node.kind)
                    ),
                ));
            }
            let kind = doc.get(root, "kind").and_then(|k| scalar_str(&doc, k));
            let items_key = doc.get(root, "items");
            let is_list_kind = matches!(kind, Some("ResourceList" | "List"));
            let list_shape = match kind {
                None | Some("ResourceList") => Some(Shape::ResourceList),
                Some(k) if k.ends_with("List") => Some(Shape::List),
                _ => None,
            };
            if let (Some(items_node), Some(shape)) = (items_key, list_shape) {
                return Self::read_list(doc.clone(), source, format, shape, root, items_node)
                    .map(|list| ResourceList { bom, ..list });
            }
            if is_list_kind {
                return Err(err_at(
                    root,
                    format!("{} has no `items`", kind.unwrap_or("ResourceList")),
                ));
            }
            if kind.is_none() {
                return Err(err_at(
                    root,
                    "not a ResourceList (no `items`) and not a Kubernetes object (no `kind`)"
                        .to_string(),
                ));
            }
        }
        if let Some(i) = roots.iter().position(|&r| {
            doc.get(r, "kind").and_then(|k| scalar_str(&doc, k)) == Some("ResourceList")
        }) {
            return Err(err_at(
                roots[i],
                format!(
                    "a ResourceList must be the only document of the input; this one is document {} of {}",
                    i + 1,
                    roots.len()
                ),
            ));
        }
        let mut items = Vec::with_capacity(roots.len());
        for (i, &root) in roots.iter().enumerate() {
            let node = doc.node(root);
            let what = format!("document {}", i + 1);
            if !matches!(node.kind, NodeKind::Mapping { .. }) {
                return Err(err_at(
                    root,
                    format!(
                        "{what} must be a mapping (a Kubernetes object), found {}",
                        describe(&node.kind)
                    ),
                ));
            }
            let item = Item::read(doc.clone(), root)
                .map_err(|e| InputError::at(source, e.line, e.column, e.message))?;
            check_item_identity_types(&item, &what).map_err(|m| err_at(root, m))?;
            items.push(item);
        }
        let mut warnings = read_warnings(&doc, source, &roots, &items)?;
        for (i, item) in items.iter().enumerate() {
            warnings.extend(oddities::item_metadata_results(
                item,
                &format!("document {}", i + 1),
            ));
        }
        Ok(ResourceList {
            doc,
            source: source.to_string(),
            format,
            shape: Shape::Documents,
            bom,
            items,
            function_config: None,
            warnings,
            root: None,
            items_node: None,
            item_nodes: roots,
        })
    }

    fn read_list(
        doc: Arc<Document>,
        source: &str,
        format: Format,
        shape: Shape,
        root: NodeId,
        items_node: NodeId,
    ) -> Result<ResourceList, InputError> {
        let err_at = |id: NodeId, message: String| {
            let (line, column) = doc.position(doc.node(id).span().start);
            InputError::at(source, line, column, message)
        };
        let json = |id: NodeId| {
            doc.to_json(id)
                .map_err(|e| InputError::at(source, e.line, e.column, e.message))
        };
        let item_nodes: Vec<NodeId> = match &doc.node(items_node).kind {
            NodeKind::Sequence { items, .. } => items.to_vec(),
            _ if is_null(&doc, items_node) => Vec::new(),
            other => {
                return Err(err_at(
                    items_node,
                    format!("`items` must be a list, found {}", describe(other)),
                ))
            }
        };
        let mut items = Vec::with_capacity(item_nodes.len());
        for (i, &node) in item_nodes.iter().enumerate() {
            let what = format!("items[{i}]");
            let kind = &doc.node(resolve(&doc, node)).kind;
            if !matches!(kind, NodeKind::Mapping { .. }) {
                return Err(err_at(
                    node,
                    format!("{what} must be a mapping, found {}", describe(kind)),
                ));
            }
            let item = Item::read(doc.clone(), node)
                .map_err(|e| InputError::at(source, e.line, e.column, e.message))?;
            check_item_identity_types(&item, &what).map_err(|m| err_at(node, m))?;
            items.push(item);
        }
        let mut warnings = read_warnings(&doc, source, &item_nodes, &items)?;
        for (i, item) in items.iter().enumerate() {
            warnings.extend(oddities::item_metadata_results(
                item,
                &format!("items[{i}]"),
            ));
        }
        let function_config = match doc.get(root, "functionConfig") {
            None => None,
            Some(fc) if is_null(&doc, fc) => None,
            Some(fc) => {
                let kind = &doc.node(resolve(&doc, fc)).kind;
                if !matches!(kind, NodeKind::Mapping { .. }) {
                    return Err(err_at(
                        fc,
                        format!(
                            "`functionConfig` must be a mapping, found {}",
                            describe(kind)
                        ),
                    ));
                }
                Some(json(fc)?)
            }
        };
        Ok(ResourceList {
            doc,
            source: source.to_string(),
            format,
            shape,
            bom: false,
            items,
            function_config,
            warnings,
            root: Some(root),
            items_node: Some(items_node),
            item_nodes,
        })
    }

    /// The parsed input.
    pub fn document(&self) -> &Arc<Document> {
        &self.doc
    }

    /// True when `results` are written into the output (a ResourceList); otherwise they only go
    /// to stderr.
    pub fn carries_results(&self) -> bool {
        self.shape == Shape::ResourceList
    }

    /// Write the list back with `items` (the stages' output) and `results`. Read items that did
    /// not change keep their text byte for byte; changed ones are synced with minimal edits;
    /// items no longer present are removed; generated items are appended. An item whose change
    /// cannot be written adds an error result and keeps its text.
    ///
    /// The output is read again before it is returned ([`verify::REREAD_FAILURE`]): when an
    /// item or result does not read as meant, the output is the input unchanged with the
    /// results and an error result saying so.
    pub fn write(
        &self,
        items: &[Item],
        results: &mut Vec<KrmResult>,
    ) -> Result<String, InputError> {
        let mut notes = verify::WriteNotes::default();
        let text = self.write_unchecked(items, results, &mut notes)?;
        let Err(problem) = self.verify(items, results, &text, &notes) else {
            return Ok(text);
        };
        results.push(KrmResult::error(format!(
            "{}: {problem}; nothing is changed",
            verify::REREAD_FAILURE
        )));
        let as_read: Vec<Item> = self
            .item_nodes
            .iter()
            .filter_map(|&node| Item::read(self.doc.clone(), node).ok())
            .collect();
        self.write_unchecked(&as_read, results, &mut verify::WriteNotes::default())
    }

    /// What [`ResourceList::write`] writes, without reading it again; `notes` says what the
    /// verification needs to know (items whose change could not be written, where an appended
    /// results block is).
    fn write_unchecked(
        &self,
        items: &[Item],
        results: &mut Vec<KrmResult>,
        notes: &mut verify::WriteNotes,
    ) -> Result<String, InputError> {
        match self.format {
            Format::Json => self.write_json(items, results),
            Format::Yaml => self.write_yaml(items, results, notes),
        }
    }

    /// `text` with the input's byte order mark in front, if it had one.
    fn with_bom(&self, text: String) -> String {
        if self.bom {
            format!("{BOM}{text}")
        } else {
            text
        }
    }

    fn own_node(&self, item: &Item) -> Option<NodeId> {
        item.origin
            .as_ref()
            .filter(|o| Arc::ptr_eq(&o.doc, &self.doc))
            .map(|o| o.node)
    }

    fn write_yaml(
        &self,
        items: &[Item],
        results: &mut Vec<KrmResult>,
        notes: &mut verify::WriteNotes,
    ) -> Result<String, InputError> {
        let doc = &*self.doc;
        let layout = doc.layout();
        let mut edits = Edits::default();
        let mut kept = vec![false; doc.len()];
        let mut generated = Vec::new();
        for item in items {
            match self.own_node(item) {
                Some(node) => {
                    kept[node] = true;
                    if item.is_changed() {
                        let synced = match doc.to_json(node) {
                            Ok(old) => sync_item(doc, node, &old, item.value(), &mut edits),
                            Err(_) => doc.sync(node, item.value(), &mut edits),
                        };
                        if let Err(e) = synced {
                            notes.unsynced.push(node);
                            results.push(
                                KrmResult::error(format!(
                                    "cannot write the change back (line {}, column {}): {}",
                                    e.line, e.column, e.message
                                ))
                                .for_item(item),
                            );
                        }
                    }
                }
                None => generated.push(item),
            }
        }
        let removed: Vec<NodeId> = self
            .item_nodes
            .iter()
            .copied()
            .filter(|&n| !kept.get(n).copied().unwrap_or(false))
            .collect();
        let eol = if layout.crlf { "\r\n" } else { "\n" };
        match (self.root, self.items_node) {
            (Some(root), Some(items_node)) => {
                let root_column = column_of(doc.source(), doc.node(root).span().start);
                let block = matches!(
                    doc.node(items_node).kind,
                    NodeKind::Sequence { flow: false, .. }
                );
                let mut dash_column = root_column
                    + if layout.wide_sequences {
                        layout.indent
                    } else {
                        0
                    };
                if block {
                    for node in &removed {
                        edits.replace(doc.item_removal_range(*node), "");
                    }
                    if let Some(&first) = self.item_nodes.first() {
                        dash_column = dash_column_of(doc, first);
                    }
                    // After a `|`/`>` block ending the text without a final line break, a new
                    // line would give it one: new items go before the last item instead.
                    let seq_last = match &doc.node(items_node).kind {
                        NodeKind::Sequence { items, .. } => items.last().copied(),
                        _ => None,
                    };
                    let before_last = self
                        .last_item_ending_open(seq_last, &kept)
                        .and_then(|last| doc.item_line_start(last));
                    if let (false, Some(pos)) = (generated.is_empty(), before_last) {
                        notes.generated_before_last = true;
                        let text: String = generated
                            .iter()
                            .map(|g| format!("{}{eol}", item_text(g, dash_column, layout)))
                            .collect();
                        edits.insert(pos, text);
                    } else if !generated.is_empty() {
                        let (pos, _) = doc.append_point(items_node);
                        let text: String = generated
                            .iter()
                            .map(|g| format!("{eol}{}", item_text(g, dash_column, layout)))
                            .collect();
                        edits.insert(pos, text);
                    }
                } else if !removed.is_empty() || !generated.is_empty() {
                    let survivors: Vec<&Item> = items.iter().collect();
                    let text: String = survivors
                        .iter()
                        .map(|g| format!("{eol}{}", item_at(g.value(), dash_column, layout)))
                        .collect();
                    self.replace_with_block(root, "items", items_node, text, &mut edits);
                }
                if self.carries_results() && !results.is_empty() {
                    match doc.get(root, "results") {
                        Some(node) if !is_null(doc, node) => {
                            let mut all = match doc.to_json(node) {
                                Ok(Value::Array(existing)) => existing,
                                _ => Vec::new(),
                            };
                            all.extend(results.iter().map(result_json));
                            doc.sync(node, &Value::Array(all), &mut edits)
                                .map_err(|e| {
                                    InputError::at(&self.source, e.line, e.column, e.message)
                                })?;
                        }
                        Some(node) => {
                            let text = results_text(results, dash_column, layout);
                            self.replace_with_block(root, "results", node, text, &mut edits);
                        }
                        None if doc.ends_with_open_block(root) && self.root_opens_line() => {
                            // A `|`/`>` block ending the text without a final line break: text
                            // after it would give it one, so the block goes before the first key.
                            let start = doc.node(root).span().start;
                            let mut block = String::from("results:");
                            results_into(&mut block, results, dash_column, layout);
                            block.push_str(eol);
                            block.push_str(&" ".repeat(root_column));
                            notes.results_block = Some(ResultsBlock::First(block.len()));
                            edits.insert(start, block);
                        }
                        None => {
                            let src = doc.source();
                            let end = doc.node(root).span().end;
                            // After a block scalar that owns its line breaks, the block starts
                            // at the end; otherwise at the end of the root's last line.
                            let owns_break = src[..end].ends_with('\n');
                            let mut block = String::new();
                            if !owns_break {
                                block.push_str(eol);
                            }
                            block.push_str(&" ".repeat(root_column));
                            block.push_str("results:");
                            results_into(&mut block, results, dash_column, layout);
                            if owns_break {
                                block.push_str(eol);
                                notes.results_block = Some(ResultsBlock::At(end, block.len()));
                                edits.insert(end, block);
                            } else {
                                let line_end =
                                    src[end..].find(['\r', '\n']).map_or(src.len(), |i| end + i);
                                notes.results_block = Some(ResultsBlock::At(line_end, block.len()));
                                edits.insert(line_end, block);
                            }
                        }
                    }
                }
            }
            _ => {
                let ranges = document_ranges(doc.source());
                let positions = removed.iter().map(|node| doc.node(*node).span().start);
                for range in documents_removal_ranges(doc.source(), &ranges, positions) {
                    edits.replace(range, "");
                }
                let src = doc.source();
                // After a `|`/`>` block ending the text without a final line break, a new line
                // would give it one: new documents go before the last document instead.
                let last_document = self
                    .last_item_ending_open(doc.roots().last().copied(), &kept)
                    .map(|last| document_range_at(&ranges, doc.node(last).span().start).start);
                if let (false, Some(at)) = (generated.is_empty(), last_document) {
                    notes.generated_before_last = true;
                    let marked = src[at..].strip_prefix("---").is_some_and(|rest| {
                        rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n'])
                    });
                    let mut text = String::new();
                    for g in &generated {
                        if marked {
                            text.push_str("---");
                            text.push_str(eol);
                        }
                        text.push_str(&document_text(g, layout));
                        if !marked {
                            text.push_str("---");
                            text.push_str(eol);
                        }
                    }
                    edits.insert(at, text);
                } else if !generated.is_empty() {
                    let mut text = String::new();
                    if !src.ends_with('\n') {
                        text.push_str(eol);
                    }
                    for g in &generated {
                        text.push_str("---");
                        text.push_str(eol);
                        text.push_str(&document_text(g, layout));
                    }
                    edits.insert(src.len(), text);
                }
            }
        }
        edits
            .apply(doc.source())
            .map(|text| self.with_bom(text))
            .map_err(|e| InputError::at(&self.source, e.line, e.column, e.message))
    }

    /// `last` (the node ending the items' text: the `items` sequence's last item, or the last
    /// document's root) when it is a kept item ending with a block scalar that a line after it
    /// would change ([`Document::ends_with_open_block`]).
    fn last_item_ending_open(&self, last: Option<NodeId>, kept: &[bool]) -> Option<NodeId> {
        last.filter(|&n| {
            self.item_nodes.last() == Some(&n)
                && kept.get(n).copied().unwrap_or(false)
                && self.doc.ends_with_open_block(n)
        })
    }

    /// True when the root's first key is the first thing on its line (after indentation).
    fn root_opens_line(&self) -> bool {
        let src = self.doc.source();
        let Some(start) = self.root.map(|r| self.doc.node(r).span().start) else {
            return false;
        };
        let line_start = src[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        src[line_start..start].bytes().all(|b| b == b' ')
    }

    /// Replace the null or flow value of `key` with `block` (text starting with a line break):
    /// the value's token goes, and the block follows the rest of its line (a comment stays put).
    fn replace_with_block(
        &self,
        map: NodeId,
        key: &str,
        value: NodeId,
        block: String,
        edits: &mut Edits,
    ) {
        let doc = &*self.doc;
        let src = doc.source();
        let value_span = doc.node(value).span();
        let key_end = doc
            .entry(map, key)
            .map(|(k, _)| doc.node(k).span().end)
            .unwrap_or(value_span.start);
        let colon = src[key_end..]
            .find(':')
            .map_or(key_end, |i| key_end + i + 1);
        let token_end = if is_null(doc, value) {
            let line_end = src[colon..]
                .find(['\n', '\r', '#'])
                .map_or(src.len(), |i| colon + i);
            colon + src[colon..line_end].trim_end().len()
        } else {
            value_span.end.max(colon)
        };
        let insert_at = src[token_end..]
            .find(['\n', '\r'])
            .map_or(src.len(), |i| token_end + i);
        if insert_at == token_end {
            edits.replace(colon..token_end, block);
        } else {
            edits.replace(colon..token_end, "");
            edits.insert(insert_at, block);
        }
    }
}

/// Sync a read item's change back to its text: when every difference between `old` (its JSON
/// view as read) and `new` is a scalar replacing a scalar, reached through block mappings that
/// keep their keys (sequences are diffed item by item, so they are left to the general path),
/// each changed scalar is synced on its own (what syncing
/// the whole item does for such changes, without walking the item's mappings again);
/// otherwise, or when a scalar cannot be synced, the whole item is, so that every other case
/// and every error is exactly that of [`Document::sync_from`].
fn sync_item(
    doc: &Document,
    node: NodeId,
    old: &Value,
    new: &Value,
    edits: &mut Edits,
) -> Result<(), yaml::YamlError> {
    let mut leaves = Vec::new();
    if scalar_changes(doc, node, old, new, &mut leaves) {
        let mut trial = Edits::default();
        if leaves
            .iter()
            .all(|&(id, o, n)| doc.sync_from(id, o, n, &mut trial).is_ok())
        {
            for (id, o, n) in leaves {
                doc.sync_from(id, o, n, edits)?;
            }
            return Ok(());
        }
    }
    doc.sync_from(node, old, new, edits)
}

/// Collect the changed scalars under `node` into `out`; false when some difference is not a
/// plain scalar replacing a scalar inside block mappings that keep their keys.
fn scalar_changes<'v>(
    doc: &Document,
    node: NodeId,
    old: &'v Value,
    new: &'v Value,
    out: &mut Vec<(NodeId, &'v Value, &'v Value)>,
) -> bool {
    let n = doc.node(node);
    if doc.anchor(node).is_some() || doc.tag(node).is_some() {
        return false;
    }
    match (&n.kind, old, new) {
        (
            NodeKind::Mapping {
                flow: false,
                entries,
            },
            Value::Object(o),
            Value::Object(nw),
        ) => {
            if o.len() != entries.len()
                || nw.len() != entries.len()
                || doc.source()[n.span()].contains('?')
            {
                return false;
            }
            for (((ok, ov), (nk, nv)), &(key, value)) in o.iter().zip(nw.iter()).zip(entries) {
                let plain_key = matches!(doc.scalar(key), Some(text)
                    if text == ok && text != "<<");
                if ok != nk || !plain_key || doc.anchor(key).is_some() || doc.tag(key).is_some() {
                    return false;
                }
                if !same_ordered(ov, nv) && !scalar_changes(doc, value, ov, nv, out) {
                    return false;
                }
            }
            true
        }
        (NodeKind::Scalar { .. }, old, new)
            if !n.span().is_empty()
                && !matches!(old, Value::Object(_) | Value::Array(_))
                && !matches!(new, Value::Object(_) | Value::Array(_)) =>
        {
            out.push((node, old, new));
            true
        }
        _ => false,
    }
}

/// A result as the JSON object written under `results:`.
pub fn result_json(result: &KrmResult) -> Value {
    serde_json::to_value(result).unwrap_or_else(|_| Value::String(result.message.clone()))
}

/// The results as block-sequence items at `dash_column`, each preceded by a line break: the
/// same text as rendering each [`result_json`] with [`item_at`], written straight from the
/// structs. Scalars are rendered once per distinct string; a result with a multi-line string or
/// a collection value takes the general path.
pub fn results_text(results: &[KrmResult], dash_column: usize, layout: Layout) -> String {
    let mut out = String::new();
    results_into(&mut out, results, dash_column, layout);
    out
}

/// [`results_text`] appended to `out`.
fn results_into(out: &mut String, results: &[KrmResult], dash_column: usize, layout: Layout) {
    let eol = if layout.crlf { "\r\n" } else { "\n" };
    let mut buffer = std::mem::take(out);
    buffer.reserve(results.len() * 320);
    let mut writer = ResultWriter {
        out: buffer,
        scalars: HashMap::new(),
        layout,
        eol,
    };
    for result in results {
        writer.out.push_str(eol);
        let mark = writer.out.len();
        if writer.result(result, dash_column).is_none() {
            writer.out.truncate(mark);
            writer
                .out
                .push_str(&item_at(&result_json(result), dash_column, layout));
        }
    }
    *out = writer.out;
}

/// Writes results as YAML, caching the rendering of each distinct string scalar.
struct ResultWriter<'a> {
    out: String,
    scalars: HashMap<&'a str, String>,
    layout: Layout,
    eol: &'static str,
}

impl<'a> ResultWriter<'a> {
    /// One result at `dash_column`; `None` (with partial text written) when it needs the
    /// general renderer.
    fn result(&mut self, r: &'a KrmResult, dash_column: usize) -> Option<()> {
        let inner = dash_column + 2;
        let nested = inner + self.layout.indent;
        push_spaces(&mut self.out, dash_column);
        self.out.push_str("- message: ");
        self.string(&r.message)?;
        self.line(inner, "severity");
        self.out.push_str(match r.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        });
        if let Some(rr) = &r.resource_ref {
            self.key_line(inner, "resourceRef");
            self.line(nested, "apiVersion");
            self.string(&rr.api_version)?;
            self.line(nested, "kind");
            self.string(&rr.kind)?;
            self.line(nested, "name");
            self.string(&rr.name)?;
            if let Some(ns) = &rr.namespace {
                self.line(nested, "namespace");
                self.string(ns)?;
            }
        }
        if let Some(f) = &r.field {
            self.key_line(inner, "field");
            self.line(nested, "path");
            self.string(&f.path)?;
            if let Some(v) = &f.current_value {
                self.line(nested, "currentValue");
                self.value(v)?;
            }
            if let Some(v) = &f.proposed_value {
                self.line(nested, "proposedValue");
                self.value(v)?;
            }
        }
        if let Some(file) = &r.file {
            self.key_line(inner, "file");
            self.line(nested, "path");
            self.string(&file.path)?;
            if let Some(index) = file.index {
                self.line(nested, "index");
                self.out.push_str(&index.to_string());
            }
        }
        if !r.tags.is_empty() {
            self.key_line(inner, "tags");
            for (k, v) in &r.tags {
                self.out.push_str(self.eol);
                push_spaces(&mut self.out, nested);
                self.string(k)?;
                self.out.push_str(": ");
                self.string(v)?;
            }
        }
        Some(())
    }

    /// A line break, indentation and `key:` for a nested mapping.
    fn key_line(&mut self, col: usize, key: &str) {
        self.out.push_str(self.eol);
        push_spaces(&mut self.out, col);
        self.out.push_str(key);
        self.out.push(':');
    }

    /// A line break, indentation and `key: ` (the caller writes the value).
    fn line(&mut self, col: usize, key: &str) {
        self.out.push_str(self.eol);
        push_spaces(&mut self.out, col);
        self.out.push_str(key);
        self.out.push_str(": ");
    }

    /// A single-line string scalar as the renderer writes it in block context.
    fn string(&mut self, s: &'a str) -> Option<()> {
        match classify(s) {
            Text::Break => return None,
            Text::SimplePlain => {
                self.out.push_str(s);
                return Some(());
            }
            Text::Other => {}
        }
        let layout = self.layout;
        let text = self.scalars.entry(s).or_insert_with(|| {
            let item = yaml::render_item(&Value::String(s.to_string()), 0, layout);
            item.strip_prefix("- ").unwrap_or(&item).to_string()
        });
        self.out.push_str(text);
        Some(())
    }

    /// A field value: strings and other scalars; collections take the general path.
    fn value(&mut self, v: &'a Value) -> Option<()> {
        match v {
            Value::String(s) => self.string(s),
            Value::Array(_) | Value::Object(_) => None,
            other => {
                let item = yaml::render_item(other, 0, self.layout);
                self.out.push_str(item.strip_prefix("- ")?);
                Some(())
            }
        }
    }
}

/// What a string needs when written as a scalar.
enum Text {
    /// It holds a line break: the general renderer decides.
    Break,
    /// Every YAML reader takes it for itself written plain: a lowercase ASCII letter, then
    /// letters, digits, `-`, `_`, `.` and `/`, and not a YAML 1.1 bool or null word.
    SimplePlain,
    /// Anything else (rendered once per distinct string).
    Other,
}

/// Per byte: 1 for the bytes of [`Text::SimplePlain`] strings, 2 for line breaks, else 0.
const BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/') {
            table[b] = 1;
        } else if c == b'\n' || c == b'\r' {
            table[b] = 2;
        }
        b += 1;
    }
    table
};

/// Classify `s` in one pass over its bytes.
fn classify(s: &str) -> Text {
    let bytes = s.as_bytes();
    let mut all = 1u8;
    let mut any_break = 0u8;
    for &b in bytes {
        let class = BYTE_CLASS[b as usize];
        all &= class;
        any_break |= class;
    }
    if any_break & 2 != 0 {
        return Text::Break;
    }
    let simple = all == 1 && bytes.first().is_some_and(u8::is_ascii_lowercase);
    if simple
        && !matches!(
            s,
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        )
    {
        Text::SimplePlain
    } else {
        Text::Other
    }
}

/// 0-based column, in characters, of byte `pos` of `src`.
fn column_of(src: &str, pos: usize) -> usize {
    // A lone `\r` ends a line too (YAML reads CR-only text).
    let line_start = src[..pos].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    src[line_start..pos].chars().count()
}

/// Equality that also requires mappings to list their keys in the same order (cheaper than
/// `==`, which looks every key up; a reordered mapping counts as changed).
fn same_ordered(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((xk, xv), (yk, yv))| xk == yk && same_ordered(xv, yv))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_ordered(x, y))
        }
        _ => a == b,
    }
}

fn push_spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A generated item as a sequence item at `dash_column`, indentation of its first line
/// included: its own text when it has one.
fn item_text(item: &Item, dash_column: usize, layout: Layout) -> String {
    match &item.text {
        Some(text) => format!(
            "{}{}",
            " ".repeat(dash_column),
            yaml::indent_as_item(text, dash_column, layout)
        ),
        None => item_at(item.value(), dash_column, layout),
    }
}

/// `value` rendered as a sequence item at `dash_column`, indentation of its first line included.
fn item_at(value: &Value, dash_column: usize, layout: Layout) -> String {
    format!(
        "{}{}",
        " ".repeat(dash_column),
        yaml::render_item(value, dash_column, layout)
    )
}

/// The column of the `-` of block-sequence item `item`: on the item's first line, or on an
/// earlier line that holds only the dash and maybe a comment (`- # head comment`).
fn dash_column_of(doc: &Document, item: NodeId) -> usize {
    let src = doc.source();
    let start = doc.node(item).span().start;
    let line_start = src[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let prefix = &src[line_start..start];
    if let Some(i) = prefix.rfind('-') {
        return prefix[..i].chars().count();
    }
    let mut end = line_start;
    while end > 0 {
        // The previous line, without its break (`\n`, `\r\n` or a lone `\r`).
        let stop = if src[..end].ends_with("\r\n") {
            end - 2
        } else {
            end - 1
        };
        let begin = src[..stop].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let line = &src[begin..stop];
        let body = line.trim_start();
        if let Some(after) = body.strip_prefix('-') {
            if after.trim_start().is_empty() || after.trim_start().starts_with('#') {
                return line.len() - body.len();
            }
        }
        if !(body.trim_end().is_empty() || body.starts_with('#')) {
            break;
        }
        end = begin;
    }
    prefix.chars().count().saturating_sub(2)
}

/// A generated item as a whole document ending with a line break.
pub fn document_text(item: &Item, layout: Layout) -> String {
    match &item.text {
        Some(text) if text.ends_with('\n') => text.clone(),
        Some(text) => format!("{text}\n"),
        None => yaml::render_document(item.value(), layout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the general path writes: each result's JSON rendered as a sequence item.
    fn general(results: &[KrmResult], dash_column: usize, layout: Layout) -> String {
        let eol = if layout.crlf { "\r\n" } else { "\n" };
        results
            .iter()
            .map(|r| format!("{eol}{}", item_at(&result_json(r), dash_column, layout)))
            .collect()
    }

    /// Apply `change` to the JSON view of the first document of `src`, then sync it back both
    /// ways: scalar by scalar where possible, and whole (the general path).
    fn both_ways(src: &str, change: impl Fn(&mut Value)) -> (String, String, usize) {
        let doc = Document::parse(src).unwrap();
        let root = doc.roots()[0];
        let old = doc.to_json(root).unwrap();
        let mut new = old.clone();
        change(&mut new);
        let outcome = |edits: Result<Edits, yaml::YamlError>| match edits {
            Ok(edits) => edits.apply(doc.source()).unwrap(),
            Err(e) => format!("error at {}:{}: {}", e.line, e.column, e.message),
        };
        let mut fast = Edits::default();
        let fast = sync_item(&doc, root, &old, &new, &mut fast).map(|()| fast);
        let mut whole = Edits::default();
        let whole = doc.sync_from(root, &old, &new, &mut whole).map(|()| whole);
        let mut leaves = Vec::new();
        let scalar_only = scalar_changes(&doc, root, &old, &new, &mut leaves);
        (
            outcome(fast),
            outcome(whole),
            if scalar_only { leaves.len() } else { 0 },
        )
    }

    #[test]
    fn syncing_scalar_by_scalar_writes_what_syncing_the_item_writes() {
        let src = "kind: K\nmetadata:\n  name: a # kpt-set: ${name}\n  annotations:\n    \
                   x: 'quoted' # c\n    n: \"1\"\nspec:\n  # head\n  list:\n  - a # c\n  \
                   - b\n  flow: {a: 1, b: [x, y]}\n  text: |\n    two\n    lines\n  \
                   anchored: &a v\n  alias: *a\n  tagged: !!str 5\n  empty:\n";
        type Change = fn(&mut Value);
        let cases: Vec<(&str, Change, usize)> = vec![
            (
                "plain scalar, comment kept",
                |v| v["metadata"]["name"] = "b-1".into(),
                1,
            ),
            (
                "quoted scalars",
                |v| {
                    v["metadata"]["annotations"]["x"] = "it's".into();
                    v["metadata"]["annotations"]["n"] = "2".into();
                },
                2,
            ),
            ("type change", |v| v["metadata"]["name"] = true.into(), 1),
            ("to a multi-line string", |v| v["kind"] = "x\ny".into(), 1),
            ("block scalar", |v| v["spec"]["text"] = "one\n".into(), 1),
            (
                "sequence item: general path",
                |v| v["spec"]["list"][0] = "z".into(),
                0,
            ),
            (
                "swapped items: general path",
                |v| {
                    v["spec"]["list"] = serde_json::json!(["b", "a"]);
                },
                0,
            ),
            (
                "flow mapping: general path",
                |v| v["spec"]["flow"]["a"] = 2.into(),
                0,
            ),
            (
                "anchored: general path",
                |v| v["spec"]["anchored"] = "w".into(),
                0,
            ),
            (
                "alias: general path",
                |v| v["spec"]["alias"] = "w".into(),
                0,
            ),
            (
                "tagged: general path",
                |v| v["spec"]["tagged"] = "6".into(),
                0,
            ),
            (
                "empty value: general path",
                |v| v["spec"]["empty"] = "e".into(),
                0,
            ),
            (
                "key added: general path",
                |v| v["metadata"]["labels"] = "l".into(),
                0,
            ),
            (
                "key removed: general path",
                |v| {
                    v["metadata"]
                        .as_object_mut()
                        .unwrap()
                        .shift_remove("annotations");
                },
                0,
            ),
            (
                "scalar to mapping: general path",
                |v| {
                    v["metadata"]["name"] = serde_json::json!({"a": 1});
                },
                0,
            ),
        ];
        for (name, change, leaves) in cases {
            let (fast, whole, n) = both_ways(src, change);
            assert_eq!(fast, whole, "{name}");
            assert_eq!(n, leaves, "{name}");
        }
        let merged = "base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n";
        let (fast, whole, n) = both_ways(merged, |v| v["m"]["y"] = 3.into());
        assert_eq!((fast, n), (whole, 0));
        let explicit = "m:\n  ? k\n  : v\n  y: 2\n";
        let (fast, whole, n) = both_ways(explicit, |v| v["m"]["y"] = 3.into());
        assert_eq!((fast, n), (whole.clone(), 0));
        assert!(whole.starts_with("error"), "{whole}");
    }

    #[test]
    fn document_ranges_split_at_markers_after_every_kind_of_line_break() {
        for eol in ["\n", "\r\n", "\r"] {
            let src = ["a: 1", "---", "b: 2", "--- # c", "c: 3", ""].join(eol);
            let starts: Vec<usize> = document_ranges(&src).iter().map(|r| r.start).collect();
            let want: Vec<usize> = [0, src.find("---").unwrap(), src.find("--- #").unwrap()].into();
            assert_eq!(starts, want, "{src:?}");
            let second = document_range_at(&document_ranges(&src), src.find('b').unwrap());
            assert_eq!(
                document_removal_range(&src, &document_ranges(&src), 0),
                0..second.start + 3 + eol.len(),
                "{src:?}"
            );
        }
    }

    #[test]
    fn results_text_matches_rendering_each_result_json() {
        let item = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "yes", "namespace": "0123", "annotations": {
                "config.kubernetes.io/path": "a b/it's.yaml",
                "config.kubernetes.io/index": "3"}}
        });
        let strings = [
            "plain-text",
            "yes",
            "no",
            "on",
            "y",
            "null",
            "true",
            "~",
            "",
            "1.5",
            "0x1F",
            "1e3",
            "2024-01-01",
            "a: b",
            "a #b",
            "it's",
            "tab\there",
            "-x",
            "- x",
            "key:",
            "@at",
            "ünïcödé",
            " lead",
            "trail ",
            "a,b",
            "[x]",
            "two\nlines",
            "cr\rhere",
            "<<",
            "=",
            "config.kubernetes.io/index",
            "Upper",
            "e",
            ".inf",
        ];
        let mut results = Vec::new();
        for s in strings {
            results.push(
                KrmResult::info(format!("set {s}"))
                    .for_resource(&item)
                    .at_field(s, Some(json!(s)), Some(json!(s))),
            );
            results.push(KrmResult::warning(s).tag(s, s).tag("check", "names"));
        }
        for v in [
            json!(true),
            json!(3),
            json!(1.5),
            json!(null),
            json!([1]),
            json!({"a": 1}),
        ] {
            results.push(
                KrmResult::error("typed")
                    .for_resource(&json!({"apiVersion": "v1", "kind": "K"}))
                    .at_field("spec.x", Some(v.clone()), Some(v)),
            );
        }
        results.push(KrmResult::info("only a message"));
        let layouts = [
            Layout::default(),
            Layout {
                indent: 4,
                wide_sequences: true,
                crlf: true,
                double_quotes: false,
            },
        ];
        for layout in layouts {
            for dash_column in [0, 2] {
                let fast = results_text(&results, dash_column, layout);
                assert_eq!(fast, general(&results, dash_column, layout));
            }
        }
    }
}
