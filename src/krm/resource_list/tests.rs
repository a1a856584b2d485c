//! Tests of the ResourceList sink: the region verification against the whole re-read.

use super::*;

/// Whether the region verification alone passes what `change` makes of `src`'s items
/// (the whole re-read must pass too).
fn regions_pass(src: &str, change: impl Fn(&mut Vec<Item>)) -> bool {
    let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    change(&mut items);
    let mut results = vec![KrmResult::info("done")];
    let mut notes = verify::WriteNotes::default();
    let text = list
        .write_unchecked(&items, &mut results, &mut notes)
        .unwrap();
    assert_eq!(
        list.verify_all(&items, &results, &text.to_string(), &notes),
        Ok(())
    );
    list.verify_regions(&items, &results, &notes, text.edits())
}

#[test]
fn changed_items_are_verified_from_their_own_regions() {
    let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n\
                - kind: A # a\n  metadata:\n    name: a\n\
                # head of b\n- kind: B\n  metadata:\n    name: b\n\
                - kind: C\n  metadata:\n    name: c\n";
    let rename = |i: usize| {
        move |items: &mut Vec<Item>| items[i].value_mut()["metadata"]["name"] = "z".into()
    };
    let generated = |items: &mut Vec<Item>| {
        items.push(Item::generated(serde_json::json!({"kind": "D"}), None));
    };
    assert!(regions_pass(list, |_| {}));
    assert!(regions_pass(list, rename(0)));
    assert!(regions_pass(list, rename(1)));
    assert!(regions_pass(list, rename(2)));
    assert!(regions_pass(list, generated));
    assert!(regions_pass(list, |items| {
        rename(2)(items);
        generated(items);
    }));
    // Removing b takes the line break that ends a's region: a is read whole.
    assert!(!regions_pass(list, |items| {
        rename(0)(items);
        items.remove(1);
    }));
    let anchored = list
        .replace("name: a", "name: &n a")
        .replace("name: c", "name: *n");
    assert!(!regions_pass(&anchored, rename(0)));
    let documents = "kind: A\nmetadata:\n  name: a\n---\nkind: B\nmetadata:\n  name: b\n";
    assert!(regions_pass(documents, rename(0)));
    assert!(regions_pass(documents, |items| {
        rename(1)(items);
        generated(items);
    }));
    let flow = "kind: ResourceList\nitems: [{kind: A, metadata: {name: a}}]\n";
    assert!(!regions_pass(flow, rename(0)));
}

/// New scalar values synced node by node are read again line by line, however many items
/// change (their regions would be too much of the text to read); the whole re-read passes
/// them too.
#[test]
fn scalars_set_without_a_view_are_verified_line_by_line() {
    let list: String = ["kind: ResourceList\nitems:\n"]
        .into_iter()
        .chain((0..200).map(|_| "- kind: A # c\n  metadata:\n    name: a\n  spec:\n    n: 1\n"))
        .collect();
    let set = |value: serde_json::Value| {
        move |items: &mut Vec<Item>| {
            for item in items.iter_mut() {
                let o = item.origin.clone().unwrap();
                let spec = o.doc.get(o.node, "spec").unwrap();
                let n = o.doc.get(spec, "n").unwrap();
                assert!(item.set_scalar(n, value.clone()).is_ok());
            }
        }
    };
    for value in [
        serde_json::json!(2),
        serde_json::json!("x # y"),
        serde_json::json!(""),
    ] {
        let list = ResourceList::read(list.as_bytes(), "stdin").unwrap();
        let mut items = list.items.clone();
        set(value.clone())(&mut items);
        let mut results = vec![KrmResult::info("done")];
        let mut notes = verify::WriteNotes::default();
        let text = list
            .write_unchecked(&items, &mut results, &mut notes)
            .unwrap();
        assert_eq!(notes.leaf_synced.len(), 200, "{value}");
        assert_eq!(
            list.verify_all(&items, &results, &text.to_string(), &notes),
            Ok(())
        );
        assert!(
            list.verify_regions(&items, &results, &notes, text.edits()),
            "{value}"
        );
        assert!(items.iter().all(|i| !i.is_materialized()));
    }
}
