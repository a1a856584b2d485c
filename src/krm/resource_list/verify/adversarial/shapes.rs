//! The shapes the adversarial inputs found, one test each: outputs the region pass must not
//! pass (most of them a writer's mistake that the whole re-read then reports).

use super::{sound, verdicts, verdicts_with};
use crate::krm::resource_list::ResourceList;
use crate::krm::writer::tests::written;
use crate::krm::{Item, KrmResult};
use serde_json::{json, Value};

/// Removing an item leaves its trailing lines (blank, spaces only) after the item before it:
/// when that one ends in a `|`/`>` block they join its value (the writer's removal range
/// should take them; until then the release verification must see it). Such a neighbour is
/// read again even unchanged; one ending otherwise is not.
#[test]
fn a_block_before_a_removed_item_is_read_again() {
    let src = |keep: &str, tail: &str| {
        format!(
            "kind: ResourceList\nitems:\n- kind: A\n  text: {keep}\n    a\n# head\n- kind: B\n  \
             x: 1\n{tail}- kind: C\n  y: 2\nfunctionConfig: {{}}\n"
        )
    };
    let remove = |i: usize| move |items: &mut Vec<Item>| drop(items.remove(i));
    for (keep, tail) in [("|+", "\n"), (">-", "      \n"), ("|", "\n      \n")] {
        let src = src(keep, tail);
        let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
        let mut items = list.items.clone();
        remove(1)(&mut items);
        let a = list.items[0].origin.as_ref().unwrap().node;
        assert_eq!(list.open_before_removal(&items), [a], "{src:?}");
        // The whole re-read (in release builds too: it reads such a neighbour) agrees with
        // libyaml.
        let (fast, full, libyaml) = verdicts(&src, remove(1));
        assert_eq!(full, libyaml.is_none(), "{src:?}: {libyaml:?}");
        assert!(!sound((fast, full, libyaml), &src));
        // With a change too (its scalars read again line by line).
        let set = |items: &mut Vec<Item>| {
            let o = items[0].origin.clone().unwrap();
            let kind = o.doc.get(o.node, "kind").unwrap();
            items[0].set_scalar(kind, json!("Z")).unwrap();
            items.remove(1);
        };
        assert!(!sound(verdicts(&src, set), &src));
        // The last item removed: the same.
        let last = src.replace("- kind: C\n  y: 2\n", "");
        assert!(!sound(verdicts(&last, remove(1)), &last));
    }
    // Before a removed item, an item ending otherwise is not read again.
    let plain = src("|", "").replace("text: |\n    a", "text: a");
    let list = ResourceList::read(plain.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    remove(1)(&mut items);
    assert!(list.open_before_removal(&items).is_empty());
    assert!(sound(verdicts(&plain, remove(1)), &plain));
}

/// The last region ends at the end of the last item's last line: comment, blank or space
/// lines after it are not read with it, and a `|`/`>` block it ends with (a generated item's,
/// here) would take them into its value; then it is read whole. With content right after it,
/// the region is read alone.
#[test]
fn a_block_ending_the_last_region_before_other_lines_is_read_again() {
    let list = |after: &str| {
        format!("kind: ResourceList\nitems:\n- kind: A\n  x: 1\n{after}functionConfig: {{}}\n")
    };
    let add = |value: &'static str| {
        move |items: &mut Vec<Item>| {
            items.push(Item::generated(json!({"kind": "D", "s": value}), None));
        }
    };
    for after in ["          # deep\n", "      \n", "\n", "  # c\n"] {
        let src = list(after);
        // Written `|-` and `|`: read whole.
        for value in ["a\nb", "a\nb\n"] {
            assert!(
                !sound(verdicts(&src, add(value)), &src),
                "{src:?} {value:?}"
            );
        }
        // Written in double quotes: read alone.
        assert!(sound(verdicts(&src, add("a\nb\n\n")), &src), "{src:?}");
        assert!(sound(verdicts(&src, add("a")), &src), "{src:?}");
    }
    assert!(sound(verdicts(&list(""), add("a\nb")), "content after"));
}

/// An item read from a node of the input that is none of its items (a stage's mistake) is
/// written into the text of the item holding it: the region pass does not pass that.
#[test]
fn an_item_read_from_inside_another_is_not_passed_by_the_regions() {
    let src = "kind: ResourceList\nitems:\n- kind: A\n  spec:\n    kind: B\n    x: 1\n";
    let inner = |items: &mut Vec<Item>| {
        let o = items[0].origin.clone().unwrap();
        let spec = o.doc.get(o.node, "spec").unwrap();
        let mut inner = Item::read(o.doc.clone(), spec).unwrap();
        inner.value_mut()["x"] = json!(2);
        items.push(inner);
    };
    let (fast, full, _) = verdicts(src, inner);
    assert!(!fast && !full);
}

/// Edited lines read in batches ([`crate::yaml::LineReads`]) pass only what the whole text
/// reads as meant, and only what each line read alone passes: pairs of texts, for two leaves
/// on consecutive lines, that open and close quotes, brackets and blocks across the lines,
/// give anchors, tags, aliases, comments, markers or odd line breaks.
#[test]
fn edited_lines_read_in_batches_pass_only_what_the_whole_text_reads() {
    use crate::yaml::{Document, Edits, LineReads};
    const TEXTS: &[&str] = &[
        "w",
        "'x",
        "y'",
        "\"x",
        "y\"",
        "[x",
        "y]",
        "{x",
        "y}",
        "x # c",
        "&a x",
        "*a",
        "!t x",
        "|",
        ">-",
        "- x",
        "? x",
        "x: y",
        "'w'",
        "\"w\"",
        "w\u{85}- c: v",
        "w\u{2028}- c: v",
        "w\u{2029}c: v",
        "w\tv",
        "%x",
        "---",
        "...",
        "\"a\\\"",
        "'a''",
        "x\\",
        "#",
        "@x",
        "`x",
        "\"\\u0041\"",
        "~",
        "1",
        "true",
        "''",
        "x #",
        "w\r- c: v",
        "w\n- c: v",
        "[]",
        "{}",
    ];
    let src = "a:\n  b: x # c\n  c: y\nd: z\n";
    let doc = Document::parse(src).unwrap();
    let root = doc.roots()[0];
    let a = doc.get(root, "a").unwrap();
    let (b, c) = (doc.get(a, "b").unwrap(), doc.get(a, "c").unwrap());
    // What a text reads as in its line alone: the meant value to try.
    let alone = |key: &str, text: &str, rest: &str| -> Option<Value> {
        let d = Document::parse(format!("{key}: {text}{rest}")).ok()?;
        let &[r] = d.roots() else { return None };
        d.get(r, key).and_then(|v| d.to_json(v).ok())
    };
    let mut batches = 0;
    for t1 in TEXTS {
        for t2 in TEXTS {
            let mut edits = Edits::default();
            edits.replace(doc.node(b).span(), *t1);
            edits.replace(doc.node(c).span(), *t2);
            let whole = edits.apply(src).unwrap();
            let m1 = alone("b", t1, " # c").unwrap_or(json!(t1));
            let m2 = alone("c", t2, "").unwrap_or(json!(t2));
            let mut lines = LineReads::default();
            let leaves = [(b, &m1), (c, &m2)];
            let batch =
                doc.leaves_read_as(&edits, 0..2, &leaves, &mut lines) && lines.all_read_as_meant();
            let meant = json!({"a": {"b": m1, "c": m2}, "d": "z"});
            let reads = Document::parse(whole.as_str()).is_ok_and(|d| {
                d.roots().len() == 1 && d.to_json(d.roots()[0]).ok() == Some(meant.clone())
            });
            assert!(!batch || reads, "{t1:?} {t2:?}: {whole:?}");
            let each = alone("b", t1, " # c").is_some_and(|v| v == m1)
                && alone("c", t2, "").is_some_and(|v| v == m2);
            assert!(!batch || each, "{t1:?} {t2:?}");
            batches += usize::from(batch);
        }
    }
    assert!(batches > TEXTS.len(), "{batches}");
}

/// A quoted scalar's line that starts with `#` right above the next item's dash was taken for
/// that item's head comment (removing the item cut the scalar; the item before was read
/// again for it): the removal range now starts after the scalar, so the item before is not
/// read again, and every reading agrees.
#[test]
fn a_quoted_scalar_reaching_into_a_removed_item_is_not_cut() {
    let remove = |items: &mut Vec<Item>| drop(items.remove(1));
    for src in [
        "kind: ResourceList\nitems:\n- kind: A\n  s: \"abc\n# x\"\n- kind: B\n",
        "kind: ResourceList\nitems:\n  - kind: A\n    s: 'abc\n  # x'\n  - kind: B\n  - kind: C\n",
    ] {
        let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
        let mut items = list.items.clone();
        remove(&mut items);
        assert!(list.open_before_removal(&items).is_empty(), "{src:?}");
        let (fast, full, libyaml) = verdicts(src, remove);
        assert!(full && libyaml.is_none(), "{src:?}: {libyaml:?}");
        assert!(sound((fast, full, libyaml), src));
    }
    // A `#` deeper than the dash is no head comment: removing the item leaves the scalar.
    let deeper = "kind: ResourceList\nitems:\n- kind: A\n  s: 'abc\n # x'\n- kind: B\n";
    assert!(sound(verdicts(deeper, remove), deeper));
}

/// A results block appended after the list's last line, ending in a `|`/`>` block, takes the
/// comment or space lines deeper than its text that end the input into its last value, and
/// at the end of a text without a final line break its `|` value loses its own: the region
/// pass does not pass that, and the whole re-read (which in release builds skips the results
/// block otherwise) reads the results too.
#[test]
fn a_results_block_before_comment_lines_is_read_again() {
    use crate::krm::FieldRef;
    for (tail, value, open) in [
        ("          # deep\n", "a\nb", true),
        ("          # deep\n", "a\nb\n", true),
        ("              \n", "a\nb", true),
        ("          # deep\n", "a", false),
        ("", "a\nb", false),
        // Without a final line break, `|` would lose its own.
        ("", "a\nb\n", false),
        ("no final break", "a\nb\n", true),
        // (`|-` would not; the rule does not look that close.)
        ("no final break", "a\nb", true),
    ] {
        let src = match tail {
            "no final break" => "kind: ResourceList\nitems:\n- kind: A\n  x: 1".to_string(),
            _ => format!("kind: ResourceList\nitems:\n- kind: A\n  x: 1\n{tail}"),
        };
        let mut result = KrmResult::info("set");
        result.field = Some(Box::new(FieldRef {
            path: "x".into(),
            current_value: None,
            proposed_value: Some(json!(value)),
        }));
        let change = |items: &mut Vec<Item>| items[0].value_mut()["x"] = json!(2);
        let (fast, full, libyaml) = verdicts_with(&src, change, vec![result]);
        assert_eq!(full, libyaml.is_none(), "{libyaml:?}");
        assert_eq!(
            sound((fast, full, libyaml), &src),
            !open,
            "{src:?} {value:?}"
        );
    }
}

/// A document's range ran to the next `---` line, so it held the next document's directives
/// (removing it removed a `%TAG` the next one's tag needs); it now ends before the `...` line
/// that opens them, and every reading agrees. With a directive anywhere, the region pass
/// passes nothing, even when no item changed.
#[test]
fn directives_are_never_passed_by_the_regions() {
    let src = "kind: A\n---\nkind: B\n...\n%TAG !e! tag:e,2000:\n---\nkind: C\nx: !e!t 1\n";
    let (fast, full, libyaml) = verdicts(src, |items| drop(items.remove(1)));
    // (libyaml reads the custom-tagged `1` as a string: only that differs.)
    assert!(!fast && full, "{libyaml:?}");
    assert!(libyaml.is_some_and(|d| d.contains("\"x\": String(\"1\")")));
    assert_eq!(
        written(src, |items| drop(items.remove(1))),
        "kind: A\n...\n%TAG !e! tag:e,2000:\n---\nkind: C\nx: !e!t 1\n"
    );
    assert_eq!(
        written(src, |items| drop(items.remove(2))),
        "kind: A\n---\nkind: B\n"
    );
    let kept = "kind: A\n---\nkind: B\n...\n%YAML 1.2\n---\nkind: C\n";
    assert!(!sound(verdicts(kept, |items| drop(items.remove(1))), kept));
    let without = kept.replace("...\n%YAML 1.2\n", "");
    assert!(sound(
        verdicts(&without, |items| drop(items.remove(1))),
        &without
    ));
}

/// Removing an item takes its trailing blank lines and lines of spaces: a `|`/`>` block
/// ending the item before keeps its value. Removing the last one while adding items puts
/// them after what the removal took.
#[test]
fn removing_an_item_after_a_block_keeps_the_block_value() {
    let remove = |i: usize| move |items: &mut Vec<Item>| drop(items.remove(i));
    for (keep, tail) in [("|+", "\n"), (">-", "      \n"), ("|", "\n      \n")] {
        let head = format!("kind: ResourceList\nitems:\n- kind: A\n  text: {keep}\n    a\n");
        let src = format!(
            "{head}# head\n- kind: B\n  x: 1\n{tail}- kind: C\n  y: 2\nfunctionConfig: {{}}\n"
        );
        assert_eq!(
            written(&src, remove(1)),
            format!("{head}- kind: C\n  y: 2\nfunctionConfig: {{}}\n")
        );
        let last = format!("{head}- kind: B\n  x: 1\n{tail}functionConfig: {{}}\n");
        assert_eq!(
            written(&last, remove(1)),
            format!("{head}functionConfig: {{}}\n")
        );
        let replace = |items: &mut Vec<Item>| {
            items.remove(1);
            items.push(Item::generated(json!({"kind": "D"}), None));
        };
        assert_eq!(
            written(&last, replace),
            format!("{head}- kind: D\nfunctionConfig: {{}}\n")
        );
    }
    // Comment lines deeper than the dash go with the last item, new items after them; the
    // blank line after them stays (no block before it to join).
    let src = "kind: ResourceList\nitems:\n- kind: A\n- kind: B\n  # deep\n\n";
    let replace = |items: &mut Vec<Item>| {
        items.remove(1);
        items.push(Item::generated(json!({"kind": "D"}), None));
    };
    assert_eq!(
        written(src, replace),
        "kind: ResourceList\nitems:\n- kind: A\n- kind: D\n\n"
    );
}

/// A quoted scalar's line starting with `#` is no head comment of the next item: removing
/// that item leaves the scalar whole (a comment the parser recorded above it still goes).
#[test]
fn removing_an_item_after_a_quoted_hash_line_keeps_the_scalar() {
    let remove = |items: &mut Vec<Item>| drop(items.remove(1));
    for (src, out) in [
        (
            "kind: ResourceList\nitems:\n- kind: A\n  s: \"abc\n# x\"\n- kind: B\n",
            "kind: ResourceList\nitems:\n- kind: A\n  s: \"abc\n# x\"\n",
        ),
        (
            "kind: ResourceList\nitems:\n  - kind: A\n    s: 'abc\n  # x'\n  - kind: B\n  - kind: C\n",
            "kind: ResourceList\nitems:\n  - kind: A\n    s: 'abc\n  # x'\n  - kind: C\n",
        ),
        (
            "kind: ResourceList\nitems:\n- kind: A\n  s: 'abc\n# x'\n# head\n- kind: B\n",
            "kind: ResourceList\nitems:\n- kind: A\n  s: 'abc\n# x'\n",
        ),
    ] {
        assert_eq!(written(src, remove), out);
    }
}

/// An alias in one item reading an anchor of another: removing the anchor's item leaves the
/// alias unknown, which only a whole reading sees; with an alias anywhere, the region pass
/// passes nothing. (Anchors no alias uses change nothing.)
#[test]
fn an_anchor_another_item_aliases_is_read_whole() {
    let remove_first = |items: &mut Vec<Item>| drop(items.remove(0));
    let aliased = "kind: ResourceList\nitems:\n- kind: A\n  a: &x v\n- kind: B\n  b: *x\n";
    let (fast, full, libyaml) = verdicts(aliased, remove_first);
    assert!(!fast && !full && libyaml.is_some());
    let unused = "kind: ResourceList\nitems:\n- kind: A\n  a: &x v\n- kind: B\n  b: w\n";
    assert!(sound(verdicts(unused, remove_first), unused));
}

/// Removing the last item of a text without a final line break keeps the line break before
/// it (a block ending the item before keeps its value): what comes after — new items, the
/// results block — starts its own line there, with no line break of its own before it, which
/// would make a blank line the `|+` block takes into its value.
#[test]
fn text_after_a_removed_last_item_at_an_open_end_starts_its_line() {
    let head = "kind: ResourceList\nitems:\n- kind: A\n  keep: |+\n    line\n\n    # kept\n";
    let src = format!("{head}- kind: B\n  x: 1");
    let remove_last = |items: &mut Vec<Item>| drop(items.remove(1));
    let replace_last = |items: &mut Vec<Item>| {
        items.remove(1);
        items.push(Item::generated(json!({"kind": "D"}), None));
    };
    assert_eq!(written(&src, replace_last), format!("{head}- kind: D\n"));
    let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    remove_last(&mut items);
    let mut results = vec![KrmResult::info("done")];
    let out = list.write(&items, &mut results).unwrap();
    assert_eq!(
        out,
        format!("{head}results:\n- message: done\n  severity: info")
    );
    let (_, full, libyaml) = verdicts(&src, remove_last);
    assert!(full && libyaml.is_none(), "{libyaml:?}");
}

/// The release re-read cuts the results block out before reading; a block starting with a
/// line break after text that ends with one makes a blank line (a `|+` block before it takes
/// it), so it is not cut out then.
#[test]
fn a_results_block_making_a_blank_line_is_not_cut_out() {
    use super::super::makes_blank_line;
    assert!(makes_blank_line("keep: |+\n  a\n", "\nresults: []"));
    assert!(!makes_blank_line("keep: |+\n  a\n", "results: []\n"));
    assert!(!makes_blank_line("x: 1", "\nresults: []"));
}
