//! Package mode's `--output stdout` through the ResourceList sink, on files at the edges: each
//! item its own text with its change and its location annotations, read back before it goes
//! out (the old writer failed its re-read on the last three and printed every item rendered
//! anew with an error result).

use std::fs;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

/// kpt's path and index annotations of document `index` of `file`, at an item's level.
fn location(file: &str, index: usize) -> String {
    format!(
        "    annotations:\n      internal.config.kubernetes.io/path: {file}\n      internal.config.kubernetes.io/index: '{index}'\n      config.kubernetes.io/path: {file}\n      config.kubernetes.io/index: '{index}'\n"
    )
}

/// The `items` of `--output stdout --set name=kf` on a package of `files`; the run must exit 0
/// without an error result.
fn items_of(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    let out = Command::new(BIN)
        .args(["--set", "name=kf", "--output", "stdout"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        out.status.success() && !stderr.contains("[error]"),
        "{stderr}\n{stdout}"
    );
    let header = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n";
    let items = stdout.strip_prefix(header).expect("the list's header");
    items[..items.find("\nresults:\n").expect("results") + 1].to_string()
}

#[test]
fn a_crlf_file_is_listed_with_the_lists_line_breaks() {
    let file = "# head\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a # kpt-set: ${name}\r\n---\r\nkind: B\r\n";
    let want = format!(
        "# head\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: kf # kpt-set: ${{name}}\n{}- kind: B\n  metadata:\n{}",
        location("a.yaml", 0),
        location("a.yaml", 1)
    );
    assert_eq!(items_of(&[("a.yaml", file)]), want);
}

#[test]
fn an_open_block_ending_the_file_keeps_its_value() {
    // The blueprint's fluentd ConfigMap ends so.
    let file = "kind: A\n---\nkind: ConfigMap\nmetadata:\n  name: b # kpt-set: ${name}\ndata:\n  x: |\n    text";
    let want = format!(
        "- kind: A\n  metadata:\n{}- kind: ConfigMap\n  metadata:\n    name: kf # kpt-set: ${{name}}\n{}  data:\n    x: |-\n      text\n",
        location("a.yaml", 0),
        location("a.yaml", 1)
    );
    assert_eq!(items_of(&[("a.yaml", file)]), want);
}

#[test]
fn a_json_file_is_listed_as_yaml_beside_a_yaml_file_as_its_own_text() {
    let json = "{\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"a\"},\n  \"data\": {\"n\": 1e2}\n}\n";
    let yaml = "kind: B\nmetadata:\n  name: b # kpt-set: ${name}\n";
    let want = format!(
        "- kind: ConfigMap\n  metadata:\n    name: a\n{}  data:\n    'n': 100.0\n- kind: B\n  metadata:\n    name: kf # kpt-set: ${{name}}\n{}",
        location("a.json", 0),
        location("b.yaml", 0)
    );
    assert_eq!(items_of(&[("a.json", json), ("b.yaml", yaml)]), want);
}

#[test]
fn comments_before_the_first_item_and_after_it_stay_beside_it_and_a_document_end_stays_out() {
    let file = "# Copyright\n#\n# License\n\nkind: A\nmetadata:\n  name: a # kpt-set: ${name}\n# trailing\n...\n---\n# second\nkind: B\n";
    let want = format!(
        "# Copyright\n#\n# License\n\n- kind: A\n  metadata:\n    name: kf # kpt-set: ${{name}}\n{}  # trailing\n# second\n- kind: B\n  metadata:\n{}",
        location("a.yaml", 0),
        location("a.yaml", 1)
    );
    assert_eq!(items_of(&[("a.yaml", file)]), want);
}
