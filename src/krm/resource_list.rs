//! Reading a ResourceList (or plain Kubernetes YAML) into items, and writing it back with
//! minimal edits: untouched text byte-identical, results in the spec v1 list form.

pub use crate::krm::results::result_json;
use crate::krm::results::results_text;
use crate::krm::writer;
use crate::krm::{oddities, Item, KrmResult};
use crate::yaml::{self, Document, Edits, JsonKind, Layout, NodeId, NodeKind, Placed};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

mod output;
mod verify;
mod write_json;
pub use output::OutputText;
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
    /// Made to write items read elsewhere ([`ResourceList::made_for`]), not read from `source`.
    made: bool,
}

/// The text of a ResourceList made for items read elsewhere: the items and results go after it.
const MADE: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n";

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

/// How errors name an item (`items[3]`, `document 2`), written only when one is.
#[derive(Clone, Copy)]
struct ItemAt(&'static str, usize, &'static str);

impl fmt::Display for ItemAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.0, self.1, self.2)
    }
}

/// Follow aliases to the anchored node.
fn resolve(doc: &Document, mut id: NodeId) -> NodeId {
    for _ in 0..64 {
        match doc.node(id).kind {
            NodeKind::Alias { target } => id = target.id(),
            _ => break,
        }
    }
    id
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
pub fn check_item_identity_types(item: &Item, what: impl fmt::Display) -> Result<(), String> {
    for (key, text) in [("apiVersion", item.api_version()), ("kind", item.kind())] {
        // A non-empty text is a string.
        if !text.is_empty() {
            continue;
        }
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
            let what = ItemAt("document ", i + 1, "");
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
            check_item_identity_types(&item, what).map_err(|m| err_at(root, m))?;
            items.push(item);
        }
        let mut warnings = read_warnings(&doc, source, &roots, &items)?;
        for (i, item) in items.iter().enumerate() {
            warnings.extend(oddities::item_metadata_results(
                item,
                &ItemAt("document ", i + 1, ""),
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
            made: false,
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
            NodeKind::Sequence { .. } => doc.items(items_node).to_vec(),
            _ if doc.is_null(items_node) => Vec::new(),
            other => {
                return Err(err_at(
                    items_node,
                    format!("`items` must be a list, found {}", describe(other)),
                ))
            }
        };
        let mut items = Vec::with_capacity(item_nodes.len());
        for (i, &node) in item_nodes.iter().enumerate() {
            let what = ItemAt("items[", i, "]");
            let kind = &doc.node(resolve(&doc, node)).kind;
            if !matches!(kind, NodeKind::Mapping { .. }) {
                return Err(err_at(
                    node,
                    format!("{what} must be a mapping, found {}", describe(kind)),
                ));
            }
            let item = Item::read(doc.clone(), node)
                .map_err(|e| InputError::at(source, e.line, e.column, e.message))?;
            check_item_identity_types(&item, what).map_err(|m| err_at(node, m))?;
            items.push(item);
        }
        let mut warnings = read_warnings(&doc, source, &item_nodes, &items)?;
        for (i, item) in items.iter().enumerate() {
            warnings.extend(oddities::item_metadata_results(
                item,
                &ItemAt("items[", i, "]"),
            ));
        }
        let function_config = match doc.get(root, "functionConfig") {
            None => None,
            Some(fc) if doc.is_null(fc) => None,
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
            made: false,
        })
    }

    /// An empty ResourceList made to write items read elsewhere (package mode's `--output
    /// stdout`: the package's items with their path/index annotations, as `kpt fn source` prints
    /// them); `source` names it in messages. Each item read from a YAML document is written as
    /// its own text with its change (head and trailing comments kept), a generated one as its
    /// own text too; when the output does not read back as meant, every item is rendered anew
    /// from its value.
    pub fn made_for(source: &str) -> ResourceList {
        let list = Self::read_text(MADE.to_string(), source).expect("the made list's text reads");
        ResourceList { made: true, ..list }
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
    /// results and an error result saying so (for a list [made](ResourceList::made_for) for
    /// items read elsewhere: every item rendered anew from its value).
    pub fn write(
        &self,
        items: &[Item],
        results: &mut Vec<KrmResult>,
    ) -> Result<String, InputError> {
        self.write_output(items, results).map(|out| out.to_string())
    }

    /// [`ResourceList::write`] as pieces ([`OutputText`]), verified before it is returned:
    /// in release builds from the changed regions, so the whole text is never assembled and
    /// can go to stdout piece by piece; nothing of a text that failed verification is given out.
    pub fn write_output(
        &self,
        items: &[Item],
        results: &mut Vec<KrmResult>,
    ) -> Result<OutputText, InputError> {
        let mut notes = verify::WriteNotes::default();
        let text = self.write_unchecked(items, results, &mut notes)?;
        let Err(problem) = self.verify(items, results, &text, &notes) else {
            return Ok(text);
        };
        if self.made {
            results.push(KrmResult::error(format!(
                "{}: {}: {problem}; every item is rendered anew",
                verify::REREAD_FAILURE,
                self.source
            )));
            let anew: Vec<Item> = items
                .iter()
                .map(|item| Item::generated(item.value().clone(), None))
                .collect();
            return self.write_unchecked(&anew, results, &mut verify::WriteNotes::default());
        }
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
    ) -> Result<OutputText, InputError> {
        let text = match self.format {
            Format::Json => OutputText::whole(self.write_json(items, results)?),
            Format::Yaml => self.write_yaml(items, results, notes)?,
        };
        Ok(text.with_bom(self.bom))
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
    ) -> Result<OutputText, InputError> {
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
                        let value = || Cow::Borrowed(item.value());
                        let synced = writer::write_item(doc, node, item, value, false, &mut edits);
                        if let Ok(Some(made)) = &synced {
                            notes.leaf_synced.push((node, made.clone()));
                        }
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
                let root_column = yaml::column_of(doc.source(), doc.node(root).span().start);
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
                        dash_column = doc.dash_column(first);
                    }
                    // After a `|`/`>` block ending the text without a final line break, a new
                    // line would give it one: new items go before the last item instead.
                    let seq_last = match &doc.node(items_node).kind {
                        NodeKind::Sequence { .. } => doc.items(items_node).last().copied(),
                        _ => None,
                    };
                    let before_last = self
                        .last_item_ending_open(seq_last, &kept, &edits)
                        .and_then(|last| doc.item_line_start(last));
                    if let (false, Some(pos)) = (generated.is_empty(), before_last) {
                        notes.generated_before_last = true;
                        let text: String = generated
                            .iter()
                            .map(|g| format!("{}{eol}", item_text(g, dash_column, layout)))
                            .collect();
                        edits.insert(pos, text);
                    } else if !generated.is_empty() {
                        let (mut pos, _) = doc.append_point(items_node);
                        // A removed last item takes lines after the append point: new items
                        // go after them.
                        if let Some(last) = seq_last.filter(|&n| removed.contains(&n)) {
                            pos = pos.max(doc.item_removal_range(last).end);
                        }
                        // At the end of a text without a final line break that the edits
                        // end with one (the last item's lines removed, the break before them
                        // kept), each new item's line break goes after it.
                        let line_start = pos == doc.source().len()
                            && yaml::edits_end_open_text_with_break(doc.source(), &edits);
                        let text: String = generated
                            .iter()
                            .map(|g| match line_start {
                                true => format!("{}{eol}", item_text(g, dash_column, layout)),
                                false => format!("{eol}{}", item_text(g, dash_column, layout)),
                            })
                            .collect();
                        notes.generated_edit = Some(edits.len());
                        edits.insert(pos, text);
                    }
                } else if !removed.is_empty() || !generated.is_empty() {
                    let survivors: Vec<&Item> = items.iter().collect();
                    let text: String = survivors
                        .iter()
                        .map(|g| match self.own_node(g) {
                            Some(_) => format!(
                                "{eol}{}",
                                yaml::render_item_at(g.value(), dash_column, layout)
                            ),
                            None => format!("{eol}{}", item_text(g, dash_column, layout)),
                        })
                        .collect();
                    doc.replace_with_block(root, "items", items_node, text, &mut edits);
                }
                if self.carries_results() && !results.is_empty() {
                    match doc.get(root, "results") {
                        Some(node) if !doc.is_null(node) => {
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
                            doc.replace_with_block(root, "results", node, text, &mut edits);
                        }
                        None => {
                            let value = results_text(results, dash_column, layout);
                            notes.results_edit = Some(edits.len());
                            notes.results_block =
                                Some(doc.append_entry(root, "results", &value, layout, &mut edits));
                        }
                    }
                }
            }
            _ => {
                // Plain documents: the stream writer package files go through too.
                let documents: Vec<String> =
                    generated.iter().map(|g| document_text(g, layout)).collect();
                match doc.edit_stream(&mut edits, &removed, &documents) {
                    Placed::BeforeLast => notes.generated_before_last = true,
                    Placed::Appended(i) => notes.generated_edit = Some(i),
                    Placed::Nothing => {}
                }
            }
        }
        let order = edits
            .checked_order(doc.source())
            .map_err(|e| InputError::at(&self.source, e.line, e.column, e.message))?;
        notes.leaf_synced.sort_by_key(|(node, _)| *node);
        Ok(OutputText::edited(self.doc.clone(), edits, order, false))
    }

    /// `last` (the `items` sequence's last item) when it is a kept item ending with a block
    /// scalar that a line after it would change, after `edits` (the rule of the stream writer,
    /// [`Document::ends_open_after`]).
    fn last_item_ending_open(
        &self,
        last: Option<NodeId>,
        kept: &[bool],
        edits: &Edits,
    ) -> Option<NodeId> {
        last.filter(|&n| {
            self.item_nodes.last() == Some(&n)
                && kept.get(n).copied().unwrap_or(false)
                && self.doc.ends_open_after(n, edits)
        })
    }
}

/// An item not read from the list as a sequence item at `dash_column`, indentation of its first
/// line included: its own text when it has one (an item read from another YAML document with
/// its change, [`writer::own_item_text`]; a generated item's text), else rendered.
fn item_text(item: &Item, dash_column: usize, layout: Layout) -> String {
    let own = item.origin.as_ref();
    if let Some(text) = own.and_then(|o| writer::own_item_text(o, item, dash_column, layout)) {
        return text;
    }
    match &item.text {
        Some(text) => yaml::indent_item_at(text, dash_column, layout),
        None => yaml::render_item_at(item.value(), dash_column, layout),
    }
}

/// A generated item as a whole document ending with a line break.
pub fn document_text(item: &Item, layout: Layout) -> String {
    yaml::document_text(item.text.as_deref(), item.value(), layout)
}

#[cfg(test)]
mod tests;
