//! Adversarial inputs for the release verification: crafted lists and documents with tricky
//! keys, values, comments, line breaks and neighbours, changed by setting scalars (the path
//! verified line by line), by changing views, by removing and adding items. Whenever the
//! region pass alone ([`ResourceList::verify_regions`], all a release build reads) passes an
//! output, the whole re-read must pass it and libyaml must read it as the meant items and
//! results.

use super::super::{result_json, ResourceList};
use super::WriteNotes;
use crate::krm::{Item, KrmResult};
use serde::Deserialize;
use serde_json::{json, Value};

/// A deterministic generator (splitmix64), seeded by the case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

/// Keys as written, and as read.
const KEYS: &[(&str, &str)] = &[
    ("k", "k"),
    ("\"a b\"", "a b"),
    ("'q'", "q"),
    ("\"k:x\"", "k:x"),
    ("k.x", "k.x"),
    ("ünï", "ünï"),
    ("\"#h\"", "#h"),
    ("'it''s'", "it's"),
    ("\"\\u0041\"", "A"),
];

/// Values as read before the change.
const OLD: &[&str] = &[
    "old", "'old'", "\"old\"", "1", "true", "~", "'a # b'", "x y", "\"\"", "'x'", "-1.5",
];

/// What follows the value on its line.
const AFTER: &[&str] = &[
    "",
    " # c",
    "\t# c",
    " #",
    "  # kpt-set: ${v}",
    " # 'open",
    " # \"",
];

/// Lines beside the changed entry, at the item's top level (two-space indentation below).
const NEIGHBOURS: &[&str] = &[
    "",
    "flow: {a: 1, b: [x, y]}",
    "list:\n- a\n- b: c",
    "text: |\n  line",
    "keep: |+\n  line\n\n",
    "folded: >-\n  a\n  b",
    "quoted: \"multi\n  line\"",
    "plain: multi\n  line plain",
    "tab: \"a\tb\" # t",
    "'quoted key': v",
    "? complex\n: v",
    "anchored: &an v",
    "merged:\n  <<: {m: 1}\n  n: 2",
    "empty:",
    "nested:\n  deeper:\n    k: v # c",
];

/// New scalar values: every kind of text a writer must quote, and typed values.
fn new_values() -> Vec<Value> {
    let strings = [
        "a: b",
        "a #b",
        "a # b",
        "*x",
        "&x",
        "!x",
        "%x",
        "@x",
        "`x",
        "-",
        "- x",
        "?",
        "? x",
        "'",
        "\"",
        "it's",
        "say \"hi\"",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "~",
        "null",
        "NULL",
        "true",
        "False",
        "1",
        "-1",
        "0x1F",
        "0o17",
        "1e3",
        "1_000",
        ".inf",
        "-.inf",
        ".nan",
        "ünïcödé",
        "a\u{2028}b",
        "a\u{85}b",
        "a\u{2029}b",
        "a\tb",
        "\tlead",
        "trail\t",
        " lead",
        "trail ",
        "",
        "a\nb",
        "a\r\nb",
        "a\rb",
        "---",
        "...",
        "--- x",
        "... x",
        "#",
        "[x]",
        "{x}",
        "x]",
        "x}",
        "x,y",
        "x, y",
        "a:b",
        ":",
        "-1.5",
        "\u{feff}x",
        "\u{0}",
        "\u{7f}",
        "\u{1b}[0m",
        "|",
        ">",
        "|-",
        "'x'",
        "\"x\"",
        "x\\",
        "\\n",
        "=",
        "<<",
        "x # kpt-set: ${v}",
    ];
    let mut out: Vec<Value> = strings.iter().map(|s| json!(s)).collect();
    out.extend(
        [
            "a\nb", "a\nb\n", "a\nb\n\n", "a\n\n", "\n", "a\n  b", " a\nb",
        ]
        .map(|s| json!(s)),
    );
    out.push(json!("x".repeat(1500)));
    out.push(json!("word ".repeat(300)));
    out.push(json!(format!("{}: {}", "k".repeat(1100), "v")));
    out.extend([
        json!(0),
        json!(-3),
        json!(1.5),
        json!(1e300),
        json!(true),
        json!(false),
        Value::Null,
        json!(u64::MAX),
        json!(i64::MIN),
    ]);
    out
}

/// One crafted input and its changes.
struct Case {
    src: String,
    /// Per item: how it changes (0 none, 1 one scalar, 2 two scalars, 3 its view, 4 removed).
    changes: Vec<usize>,
    /// The read key of the changed entry of each item.
    keys: Vec<&'static str>,
    values: Vec<Value>,
    generated: Option<Value>,
}

/// The lines of item `i` (top level at column 0).
fn item_lines(rng: &mut Rng, i: usize, key: &str, anchors: &mut Vec<String>) -> Vec<String> {
    let old = rng.pick(OLD);
    let after = rng.pick(AFTER);
    let mut lines = vec![
        "apiVersion: v1".to_string(),
        "kind: ConfigMap".to_string(),
        "metadata:".to_string(),
        format!("  name: cm-{i}"),
    ];
    let neighbour = rng.pick(NEIGHBOURS).to_string();
    let before = rng.one_in(2);
    let neighbour = if neighbour.contains("&an") {
        let name = format!("an{i}");
        anchors.push(name.clone());
        neighbour.replace("&an", &format!("&{name}"))
    } else {
        neighbour
    };
    if before && !neighbour.is_empty() {
        lines.extend(neighbour.lines().map(String::from));
    }
    let defined = anchors.len() - usize::from(!before && neighbour.contains('&'));
    if let (true, Some(a)) = (rng.one_in(3), anchors[..defined].last()) {
        lines.push(format!("alias: *{a}"));
    }
    lines.push("data:".to_string());
    if rng.one_in(6) {
        lines.push(format!("  {key}:{after}"));
        lines.push(format!("    {old}"));
    } else {
        lines.push(format!("  {key}: {old}{after}"));
    }
    if rng.one_in(5) {
        lines.push("  # between".to_string());
    }
    lines.insert(
        lines.len() - usize::from(rng.one_in(3)),
        format!("  other: x{}", rng.pick(AFTER)),
    );
    if !before && !neighbour.is_empty() {
        lines.extend(neighbour.lines().map(String::from));
    }
    // What may follow an item's last line: comment lines deeper than any of its text, blank
    // lines.
    for _ in 0..rng.below(3) {
        lines.push(
            rng.pick(&["            # deep", "", "  # shallow", "      "])
                .to_string(),
        );
    }
    lines
}

/// Case number `n`.
fn case(n: u64) -> Case {
    let mut rng = Rng(n.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
    let eol = *rng.pick(&["\n", "\r\n", "\r"]);
    let documents = rng.one_in(3);
    let count = 1 + rng.below(4);
    let values = new_values();
    let mut anchors = Vec::new();
    let mut items = Vec::new();
    let mut keys = Vec::new();
    for i in 0..count {
        let &(written, read) = rng.pick(KEYS);
        keys.push(read);
        items.push(item_lines(&mut rng, i, written, &mut anchors));
    }
    let mut src = String::new();
    if documents {
        if rng.one_in(4) {
            src.push_str("%YAML 1.2\n---\n");
        } else if rng.one_in(3) {
            src.push_str("--- # first\n");
        }
        for (i, lines) in items.iter().enumerate() {
            if i > 0 {
                if rng.one_in(4) {
                    src.push_str("...\n");
                }
                let marker: &&str = rng.pick(&["---\n", "--- # c\n", "---\n# head\n"]);
                src.push_str(marker);
            }
            for line in lines {
                src.push_str(line);
                src.push('\n');
            }
        }
    } else {
        let wide = rng.one_in(3);
        let (dash, body) = if wide { ("  - ", "    ") } else { ("- ", "  ") };
        src.push_str("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n");
        let results_first = rng.one_in(5);
        let results = *rng.pick(&[
            "",
            "results:\n- message: old\n",
            "results: []\n",
            "results:\n",
        ]);
        if results_first {
            src.push_str(results);
        }
        src.push_str("items:\n");
        for lines in &items {
            if rng.one_in(3) {
                src.push_str(&format!("{}# head\n", &dash[..dash.len() - 2]));
            }
            if rng.one_in(5) {
                src.push('\n');
            }
            for (j, line) in lines.iter().enumerate() {
                match (j, line.is_empty()) {
                    (0, _) => src.push_str(dash),
                    (_, false) => src.push_str(body),
                    _ => {}
                }
                src.push_str(line);
                src.push('\n');
            }
        }
        if !results_first {
            src.push_str(results);
        }
        if rng.one_in(4) {
            src.push_str("functionConfig:\n  data: {}\n");
        }
    }
    if rng.one_in(4) {
        // No final line break (an open block scalar at the end, when the last line is one).
        src.pop();
    }
    let src = src.replace('\n', eol);
    let changes = (0..count)
        .map(|_| *rng.pick(&[0, 1, 1, 1, 2, 2, 3, 4]))
        .collect();
    let values = (0..count * 2).map(|_| rng.pick(&values).clone()).collect();
    let generated = rng.one_in(4).then(|| {
        let k = rng.pick(&new_values()).clone();
        match rng.one_in(2) {
            true => json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gen"},
                           "data": {"k": k}}),
            false => json!({"kind": "ConfigMap", "data": {"k": k, "last": rng.pick(&[
                "a\nb", "a\nb\n", "a\nb\n\n", "\n\n", "a\n  b\n"]).to_string()}}),
        }
    });
    Case {
        src,
        changes,
        keys,
        values,
        generated,
    }
}

/// Set `key` under `data` of `item` to `value`: as a new scalar value when the item takes it,
/// else through its view.
fn set(item: &mut Item, key: &str, value: &Value, view: bool) {
    let origin = item.origin.clone().expect("a read item");
    let leaf = (origin.doc.get(origin.node, "data")).and_then(|d| origin.doc.get(d, key));
    if let (false, Some(leaf)) = (view, leaf) {
        if item.set_scalar(leaf, value.clone()).is_ok() {
            return;
        }
    }
    item.value_mut()["data"][key] = value.clone();
}

/// Equality of JSON values with numbers compared as numbers (libyaml reads `1e3` as a float).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// `value` with libyaml's `<<` keys merged as the YAML layer merges them (libyaml keeps them).
fn merged(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            let mut merge = None;
            for (k, v) in map {
                match k.as_str() {
                    "<<" => merge = Some(merged(v)),
                    _ => {
                        out.insert(k, merged(v));
                    }
                }
            }
            if let Some(Value::Object(m)) = merge {
                for (k, v) in m {
                    out.entry(k).or_insert(v);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(merged).collect()),
        other => other,
    }
}

/// libyaml's reading of `out` against the meant items (and results, in a list): what differs.
fn libyaml_differs(out: &str, list: bool, meant: &[Value], results: &[Value]) -> Option<String> {
    let docs: Result<Vec<Value>, _> = serde_norway::Deserializer::from_str(out)
        .map(Value::deserialize)
        .collect();
    let docs = match docs {
        Ok(docs) => docs.into_iter().map(merged).collect::<Vec<_>>(),
        Err(e) => return Some(format!("libyaml cannot read it: {e}")),
    };
    let (items, written) = match (list, docs.as_slice()) {
        (true, [root]) => (
            root["items"].as_array().cloned().unwrap_or_default(),
            root["results"].as_array().cloned().unwrap_or_default(),
        ),
        (true, _) => return Some(format!("{} documents", docs.len())),
        (false, _) => (docs, Vec::new()),
    };
    if items.len() != meant.len() || !items.iter().zip(meant).all(|(a, b)| same(a, b)) {
        return Some(format!("items: {items:?}\nmeant: {meant:?}"));
    }
    let tail = written.get(written.len().saturating_sub(results.len())..);
    if list && !tail.is_some_and(|t| t.len() == results.len() && same(&json!(t), &json!(results))) {
        return Some(format!("results: {written:?}"));
    }
    None
}

/// What happened to one case.
#[derive(Default, Debug)]
struct Tally {
    cases: usize,
    fast: usize,
    fast_leaves: usize,
    fallback: usize,
    refused: usize,
    full_vs_libyaml: Vec<String>,
    unsound: Vec<String>,
}

/// The result of case `n`: one line, or lines (written as a `|`/`>` block, last of all in
/// its field's proposed value).
fn result(n: u64) -> KrmResult {
    let text = ["done", "a\nb", "a\nb\n", "a # b"][(n % 4) as usize];
    let mut result = KrmResult::info(text);
    if n % 8 >= 4 {
        result.field = Some(Box::new(crate::krm::FieldRef {
            path: "data.k".into(),
            current_value: None,
            proposed_value: Some(json!(text)),
        }));
    }
    result
}

fn run(n: u64, tally: &mut Tally) {
    let case = case(n);
    let Ok(list) = ResourceList::read(case.src.as_bytes(), "stdin") else {
        return;
    };
    if list.items.len() != case.changes.len() {
        return;
    }
    tally.cases += 1;
    let mut items = Vec::new();
    for (i, mut item) in list.items.clone().into_iter().enumerate() {
        let key = case.keys[i];
        match case.changes[i] {
            1 => set(&mut item, key, &case.values[2 * i], false),
            2 => {
                set(&mut item, key, &case.values[2 * i], false);
                set(&mut item, "other", &case.values[2 * i + 1], false);
            }
            3 => set(&mut item, key, &case.values[2 * i], true),
            4 if i > 0 => continue,
            _ => {}
        }
        items.push(item);
    }
    if let Some(g) = &case.generated {
        items.push(Item::generated(g.clone(), None));
    }
    let mut results = vec![result(n)];
    let mut notes = WriteNotes::default();
    let Ok(text) = list.write_unchecked(&items, &mut results, &mut notes) else {
        tally.refused += 1;
        return;
    };
    // Items whose change could not be written are meant to keep their text.
    let meant: Vec<Value> = (list.output_order(&items.clone(), notes.generated_before_last))
        .into_iter()
        .map(|i| match &i.origin {
            Some(o) if notes.unsynced.contains(&o.node) => o.doc.to_json(o.node).unwrap(),
            _ => i.value().clone(),
        })
        .collect();
    let out = text.to_string();
    let fast = list.verify_regions(&items, &results, &notes, text.edits());
    let full = list.verify_all(&items, &results, &out, &notes);
    let results_meant: Vec<Value> = results.iter().map(result_json).collect();
    let libyaml = libyaml_differs(&out, list.carries_results(), &meant, &results_meant);
    let leaves = !notes.leaf_synced.is_empty();
    let shown = || format!("case {n}:\ninput: {:?}\noutput: {out:?}", case.src);
    match (fast, &full, &libyaml) {
        (true, Ok(()), None) => {
            tally.fast += 1;
            tally.fast_leaves += usize::from(leaves);
        }
        (true, _, _) => tally.unsound.push(format!(
            "{}\nwhole re-read: {full:?}\nlibyaml: {libyaml:?}",
            shown()
        )),
        (false, Ok(()), Some(d)) => tally.full_vs_libyaml.push(format!("{}\n{d}", shown())),
        (false, _, _) => tally.fallback += 1,
    }
}

/// Thousands of crafted inputs: the region pass never passes an output that the whole re-read
/// or libyaml reads otherwise, and it does pass most of them (the test is not vacuous).
#[test]
fn the_region_pass_never_passes_a_wrong_output() {
    let mut tally = Tally::default();
    for n in 0..4000 {
        run(n, &mut tally);
    }
    let shown = |v: &[String]| v.iter().take(8).cloned().collect::<Vec<_>>().join("\n\n");
    assert!(
        tally.unsound.is_empty(),
        "{} unsound of {}:\n{}",
        tally.unsound.len(),
        tally.cases,
        shown(&tally.unsound)
    );
    assert!(
        tally.full_vs_libyaml.is_empty(),
        "{} read otherwise by libyaml:\n{}",
        tally.full_vs_libyaml.len(),
        shown(&tally.full_vs_libyaml)
    );
    eprintln!(
        "{} cases: {} passed by the regions ({} read line by line), {} read whole, {} refused",
        tally.cases, tally.fast, tally.fast_leaves, tally.fallback, tally.refused
    );
    assert!(tally.cases > 2000, "{tally:?}");
    assert!(tally.fast > tally.cases / 4, "{tally:?}");
    assert!(tally.fast_leaves > tally.cases / 10, "{tally:?}");
}

/// The verdicts on `src` after `change`: the region pass, the whole re-read, libyaml's reading.
fn verdicts(src: &str, change: impl Fn(&mut Vec<Item>)) -> (bool, bool, Option<String>) {
    verdicts_with(src, change, vec![KrmResult::info("done")])
}

/// [`verdicts`] with `results` as the run's results.
fn verdicts_with(
    src: &str,
    change: impl Fn(&mut Vec<Item>),
    mut results: Vec<KrmResult>,
) -> (bool, bool, Option<String>) {
    let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    change(&mut items);
    let mut notes = WriteNotes::default();
    let text = list
        .write_unchecked(&items, &mut results, &mut notes)
        .unwrap();
    let out = text.to_string();
    let fast = list.verify_regions(&items, &results, &notes, text.edits());
    let full = list.verify_all(&items, &results, &out, &notes).is_ok();
    let meant: Vec<Value> = (list.output_order(&items, notes.generated_before_last))
        .into_iter()
        .map(|i| i.value().clone())
        .collect();
    let results: Vec<Value> = results.iter().map(result_json).collect();
    let libyaml = libyaml_differs(&out, list.carries_results(), &meant, &results);
    (fast, full, libyaml.map(|d| format!("{out:?}\n{d}")))
}

/// Whether the region pass passed, failing when it passed what the whole re-read or libyaml
/// reads otherwise.
fn sound((fast, full, libyaml): (bool, bool, Option<String>), case: &str) -> bool {
    assert!(!fast || (full && libyaml.is_none()), "{case}: {libyaml:?}");
    fast
}

/// A directive is a line starting with `%`, after any kind of line break; a `%` elsewhere is
/// none (it would make the region pass give up for nothing).
#[test]
fn directive_lines_are_lines_starting_with_a_percent_sign() {
    for src in [
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n...\n%TAG !e! tag:e,2000:\n",
        "a\r%T x\r",
        "a\r\n%T x\r\n",
    ] {
        assert!(super::has_directive_line(src), "{src:?}");
    }
    for src in ["a: 50%\n", "a: |\n  %x\n", " %x: 1\n", "a: '%'\n"] {
        assert!(!super::has_directive_line(src), "{src:?}");
    }
}

mod shapes;
