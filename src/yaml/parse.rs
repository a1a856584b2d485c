//! Reading a text into a [`Document`]: the fast scanner when it can (`fast.rs`), granit's
//! events otherwise, both fed into the arena [`Builder`].

use super::builder::{assemble, Builder, Tag};
use super::{
    AliasTarget, Children, Document, Node, NodeKind, ParseOptions, ScalarStyle, YamlError,
};
use granit_parser::{ErrorKind, Event, Parser, ScanError, StructureStyle};

pub use super::builder::MAX_DEPTH;
pub(super) use super::builder::{floor_char_boundary, position_in};

/// Parse `src` into a [`Document`]: the fast path when it can read the text, granit otherwise
/// (and always for errors, so messages and positions are granit's).
pub(super) fn parse(src: String, options: ParseOptions) -> Result<Document, YamlError> {
    check_size(&src)?;
    let mut fast = Builder::new(&src);
    fast.allow_duplicate_keys = options.allow_duplicate_keys;
    if super::fast::scan(&src, &mut fast) {
        let parts = fast.finish();
        return Ok(assemble(src, parts));
    }
    let mut b = Builder::new(&src);
    b.allow_duplicate_keys = options.allow_duplicate_keys;
    run(&mut b)?;
    let parts = b.finish();
    let doc = assemble(src, parts);
    doc.check_strict()?;
    Ok(doc)
}

/// Parse `src` with the fast path only.
pub(super) fn parse_fast_only(src: String) -> Option<Document> {
    check_size(&src).ok()?;
    let mut fast = Builder::new(&src);
    if !super::fast::scan(&src, &mut fast) {
        return None;
    }
    let parts = fast.finish();
    Some(assemble(src, parts))
}

/// Parse `src` with granit only.
pub(super) fn parse_with_granit(src: String) -> Result<Document, YamlError> {
    check_size(&src)?;
    let mut b = Builder::new(&src);
    run(&mut b)?;
    let parts = b.finish();
    Ok(assemble(src, parts))
}

/// Spans are stored in 31 bits: longer input is an error.
fn check_size(src: &str) -> Result<(), YamlError> {
    if i32::try_from(src.len()).is_ok() {
        return Ok(());
    }
    Err(YamlError {
        message: format!(
            "input is {} bytes, more than the {} supported",
            src.len(),
            u32::MAX
        ),
        line: 1,
        column: 1,
    })
}

/// Feed granit's events for `b`'s source into `b`.
fn run(b: &mut Builder<'_>) -> Result<(), YamlError> {
    let options = granit_parser::options! {
        emit_anchor_events: true,
        // A block scalar's last line at end of input without a line break reads without
        // one, as libyaml (and so go-yaml, kpt, kubectl) reads it.
        block_scalar_eof_without_line_feed: true,
        flow_nesting_limit: MAX_DEPTH,
        block_nesting_limit: MAX_DEPTH,
    };
    let src = b.src;
    let mut seen_end = 0;
    for ev in Parser::new_from_str_with_options(src, options) {
        let (ev, span) = ev.map_err(|e| scan_error(b, &e))?;
        let range = match (span.start.byte_offset(), span.end.byte_offset()) {
            (Some(s), Some(e)) if s <= e && e <= src.len() => s..e,
            _ => {
                return Err(b.error_at(
                    span.start.byte_offset().unwrap_or(0),
                    "parser reported no byte offsets",
                ))
            }
        };
        b.last_end = seen_end;
        // Where the text read so far ends, for the forward searches of a block scalar's header
        // and an item's `-`: comments are passed over by them (the comment after a header comes
        // after its scalar), and granit places the start of a block collection, and of a
        // document without `---`, at its first content.
        let read = match ev {
            Event::Comment(..) => false,
            Event::DocumentStart(explicit, ..) => explicit,
            _ => !range.is_empty(),
        };
        if read {
            seen_end = seen_end.max(range.end);
        }
        match ev {
            Event::Comment(..) => b.push_comment(range),
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag_of(b, tag.as_deref(), &span)?;
                let style = match style {
                    granit_parser::ScalarStyle::Plain => ScalarStyle::Plain,
                    granit_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    granit_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    granit_parser::ScalarStyle::Literal => ScalarStyle::Literal,
                    granit_parser::ScalarStyle::Folded => ScalarStyle::Folded,
                };
                let id = b.scalar(Some(value.into_owned()), style, range, tag);
                b.attach(id, anchor)?;
            }
            Event::Alias(anchor) => {
                let target = b.anchors.get(anchor).copied().flatten().ok_or_else(|| {
                    b.error_at(
                        range.start,
                        format!(
                            "alias {} refers to a node that contains it",
                            &src[range.clone()]
                        ),
                    )
                })?;
                let id = b.push_node(Node::new(
                    NodeKind::Alias {
                        target: AliasTarget(target as u32),
                    },
                    range,
                ));
                b.last_node = None;
                b.attach(id, 0)?;
            }
            Event::Anchor(_, name) => {
                if let Some(id) = b.last_node.take() {
                    b.set_anchor(id, name.into_owned(), range.start);
                }
            }
            Event::MappingStart(style, anchor, tag) => {
                let tag = tag_of(b, tag.as_deref(), &span)?;
                let flow = style == StructureStyle::Flow;
                let kind = NodeKind::Mapping {
                    flow,
                    entries: Children::default(),
                };
                b.open(kind, range, tag, anchor)?;
            }
            Event::SequenceStart(style, anchor, tag) => {
                let tag = tag_of(b, tag.as_deref(), &span)?;
                let flow = style == StructureStyle::Flow;
                let kind = NodeKind::Sequence {
                    flow,
                    items: Children::default(),
                };
                b.open(kind, range, tag, anchor)?;
            }
            Event::MappingEnd | Event::SequenceEnd => b.close(range)?,
            Event::UnresolvedAlias(name) => {
                return Err(b.error_at(range.start, format!("unknown anchor *{name}")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A node's tag as written and its token's range, from the node event's `span`: granit gives
/// the token's span, or only its start for a tag too long for it (the token then ends at the
/// first blank).
fn tag_of(
    b: &Builder<'_>,
    tag: Option<&granit_parser::Tag>,
    span: &granit_parser::Span,
) -> Result<Option<Tag>, YamlError> {
    if tag.is_none() {
        return Ok(None);
    }
    let src = b.src;
    let at = match span.tag_span() {
        Some(t) => t.start.byte_offset().zip(t.end.byte_offset()),
        None => span.tag_start().and_then(|t| t.byte_offset()).map(|s| {
            let len = src.get(s..).and_then(|r| r.find([' ', '\t', '\n', '\r']));
            (s, len.map_or(src.len(), |l| s + l))
        }),
    };
    match at.and_then(|(s, e)| Some((src.get(s..e)?, s..e))) {
        Some((text, at)) => Ok(Some((text.to_string(), at))),
        None => Err(b.error_at(
            span.start.byte_offset().unwrap_or(0),
            "parser reported no byte offsets for a tag",
        )),
    }
}

/// A granit error as a [`YamlError`] at its place in `b`'s source.
fn scan_error(b: &Builder<'_>, e: &ScanError) -> YamlError {
    let byte = e.marker().byte_offset();
    let message = match e.kind() {
        ErrorKind::RecursionLimitExceeded => {
            format!("nesting deeper than {MAX_DEPTH} levels")
        }
        ErrorKind::TabNotAllowed
        | ErrorKind::TabInBlockIndentation
        | ErrorKind::TabInIndentation
        | ErrorKind::TabInPlainScalar
        | ErrorKind::TabAtBlockScalarStart => {
            // Point at the tab that indents a line, when there is one: granit may notice
            // it while still reading the previous token.
            if let Some(tab) = byte.and_then(|at| indenting_tab(b.src, at)) {
                return b.error_at(tab, "tab character used as indentation");
            }
            e.info()
        }
        _ => e.info(),
    };
    match byte {
        Some(at) if at <= b.src.len() => b.error_at(at, message),
        _ => YamlError {
            message,
            line: e.marker().line().max(1),
            column: e.marker().col() + 1,
        },
    }
}

/// The first tab in the leading whitespace of a line, from the line holding `from` on.
fn indenting_tab(src: &str, from: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut line = src[..from.min(src.len())]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i + 1);
    while line < b.len() {
        let mut p = line;
        while p < b.len() && matches!(b[p], b' ' | b'\t') {
            if b[p] == b'\t' {
                return Some(p);
            }
            p += 1;
        }
        line = match src[p..].find(['\n', '\r']) {
            Some(i) => p + i + 1,
            None => b.len(),
        };
    }
    None
}
