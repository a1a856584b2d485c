//! Setter values a writer must quote, written into crafted ResourceLists through the whole
//! engine (`process`), and read back by libyaml: every output the engine verifies and hands
//! out holds exactly the meant values. Run with `--release` too: then the engine verifies
//! from the changed regions and edited lines alone, and this test is what reads it all.

use private_gke::krm::has_errors;
use private_gke::{config_map, process, Options};
use serde::Deserialize;
use serde_json::{json, Value};

/// A deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

/// Keys as written and as read.
const KEYS: &[(&str, &str)] = &[
    ("k", "k"),
    ("\"a b\"", "a b"),
    ("'q'", "q"),
    ("\"k: x\"", "k: x"),
    ("ünï", "ünï"),
    ("'it''s'", "it's"),
];

/// Values as read before the setter.
const OLD: &[&str] = &[
    "old", "'old'", "\"old\"", "1", "true", "'a # b'", "x y", "''",
];

/// Lines beside the set entry, at the item's top level.
const NEIGHBOURS: &[&str] = &[
    "",
    "flow: {a: 1, b: [x, y]}",
    "text: |\n  line",
    "keep: |+\n  line\n",
    "plain: multi\n  line",
    "tab: \"a\tb\" # t",
    "nested:\n  deeper: v # c",
    "          # deep comment",
];

/// Setter values: text every kind of scalar reader could take for something else.
const VALUES: &[&str] = &[
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
    "yes",
    "no",
    "on",
    "~",
    "null",
    "true",
    "1",
    "-1",
    "0x1F",
    "1e3",
    ".inf",
    ".nan",
    "ünïcödé",
    "a\u{2028}b",
    "a\u{85}b",
    "a\tb",
    " lead",
    "trail ",
    "",
    "---",
    "...",
    "#",
    "[x]",
    "{x}",
    "x,y",
    "a:b",
    ":",
    "\u{feff}x",
    "\u{7f}",
    "|",
    ">-",
    "x\\",
    "<<",
    "${v}",
    "x # kpt-set: ${w}",
];

/// A ResourceList of a few items, each with a `# kpt-set: ${v}` entry among tricky neighbours,
/// and the key each such entry has (as read).
fn input(rng: &mut Rng) -> (String, Vec<(&'static str, &'static str)>) {
    let eol = *rng.pick(&["\n", "\r\n", "\r"]);
    let mut src = String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    let mut keys = Vec::new();
    for i in 0..1 + rng.next() % 4 {
        let &(written, read) = rng.pick(KEYS);
        let pattern = *rng.pick(&["${v}", "${v}", "pre-${v}", "${v}-${v}"]);
        keys.push((read, pattern));
        let after = *rng.pick(&["", " "]);
        let mut lines = vec![
            "apiVersion: v1".to_string(),
            "kind: ConfigMap".to_string(),
            format!("metadata:\n  name: cm-{i}"),
            "data:".to_string(),
            format!("  {written}: {} # kpt-set: {pattern}{after}", rng.pick(OLD)),
            "  other: x # c".to_string(),
        ];
        let neighbour = rng.pick(NEIGHBOURS).to_string();
        if !neighbour.is_empty() {
            let at = if rng.one_in(2) { 3 } else { lines.len() };
            lines.insert(at, neighbour);
        }
        if rng.one_in(3) {
            src.push_str("# head\n");
        }
        let text = lines.join("\n").replace('\n', "\n  ");
        src.push_str(&format!("- {text}\n"));
    }
    if rng.one_in(3) {
        let results: &&str = rng.pick(&["results:\n- message: old\n", "results: []\n"]);
        src.push_str(results);
    }
    if rng.one_in(4) {
        src.pop();
    }
    (src.replace('\n', eol), keys)
}

/// libyaml's reading of every document of `text`.
fn libyaml(text: &str) -> Result<Vec<Value>, String> {
    serde_norway::Deserializer::from_str(text)
        .map(Value::deserialize)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

/// True when `value` is what a setter writing `text` means: the string, or the scalar libyaml
/// reads `text` as (a setter keeps a number a number).
fn reads_as_set(value: &Value, text: &str) -> bool {
    value == &json!(text)
        || (!value.is_string()
            && serde_norway::from_str::<Value>(text).is_ok_and(|typed| &typed == value))
}

#[test]
fn setter_values_read_back_as_set_through_the_whole_engine() {
    let (mut passed, mut refused) = (0, 0);
    for n in 0..600u64 {
        let mut rng = Rng(n ^ 0x05e7_7e45);
        let (src, keys) = input(&mut rng);
        let value = *rng.pick(VALUES);
        let Ok(before) = libyaml(&src) else {
            continue;
        };
        let options = Options {
            function_config: Some(config_map(&[("v".to_string(), value.to_string())])),
        };
        let Ok(out) = process(src.as_bytes(), &options) else {
            continue;
        };
        let stdout = out.stdout.to_string();
        let after = libyaml(&stdout).unwrap_or_else(|e| panic!("case {n}: {e}\n{stdout:?}"));
        let (before, after) = (&before[0]["items"], &after[0]["items"]);
        let errors = has_errors(&out.results);
        if errors {
            // Nothing is changed when a value cannot be written or read back.
            assert_eq!(before, after, "case {n}: {src:?}\n{stdout:?}");
            refused += 1;
            continue;
        }
        let items = after.as_array().unwrap();
        assert_eq!(items.len(), keys.len(), "case {n}: {stdout:?}");
        for (i, (key, pattern)) in keys.iter().enumerate() {
            let meant = pattern.replace("${v}", value);
            let mut expected = before[i].clone();
            let got = &items[i]["data"][key];
            assert!(
                reads_as_set(got, &meant),
                "case {n}: {key:?} is {got:?}, meant {meant:?}\n{src:?}\n{stdout:?}"
            );
            expected["data"][key] = got.clone();
            assert_eq!(items[i], expected, "case {n}: {src:?}\n{stdout:?}");
        }
        passed += 1;
    }
    eprintln!("{passed} passed, {refused} refused");
    assert!(passed > 300, "{passed} passed, {refused} refused");
}
