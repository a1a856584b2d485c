//! Package mode's unit tests: reading like kpt, planning the changes, writing them.

use super::*;
use serde_json::json;

const KPTFILE: &str = "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n";
const A: &str = "# first\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a0\ndata:\n  k: v # keep\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a1\n";
const B: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n";

fn package() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        ("Kptfile", KPTFILE),
        ("a.yaml", A),
        ("b.yml", B),
        (
            "c.json",
            "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"c\"}}\n",
        ),
        ("values.yaml", "foo: bar\n"),
        ("README.md", "# not read\n"),
        (".hidden/h.yaml", B),
        ("ignored/i.yaml", B),
        (".krmignore", "ignored/\n"),
        (
            "sub/d.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: d\n  annotations:\n    x: y\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn locations(items: &[Item]) -> Vec<(String, String, String)> {
    items
        .iter()
        .map(|i| {
            (
                i.name().to_string(),
                i.annotation(PATH).unwrap_or("").to_string(),
                i.annotation(LEGACY_INDEX).unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn reads_a_package_like_kpt() {
    let dir = package();
    let (files, items) = read_package(dir.path()).unwrap();
    let expected = [
        ("pkg", "Kptfile", "0"),
        ("a0", "a.yaml", "0"),
        ("a1", "a.yaml", "1"),
        ("b", "b.yml", "0"),
        ("c", "c.json", "0"),
        ("d", "sub/d.yaml", "0"),
        // No KRM object, but a mapping: kpt sends it, setters may set it.
        ("", "values.yaml", "0"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(locations(&items), expected);
    assert_eq!(files.len(), 6);
    assert_eq!(
        items[5].value()["metadata"]["annotations"],
        json!({"x": "y", PATH: "sub/d.yaml", INDEX: "0", LEGACY_PATH: "sub/d.yaml", LEGACY_INDEX: "0"})
    );
}

fn plan_for(dir: &Path, change: impl FnOnce(&mut Vec<Item>)) -> (Vec<Change>, Vec<KrmResult>) {
    let (files, mut items) = read_package(dir).unwrap();
    change(&mut items);
    let mut results = Vec::new();
    let changes = plan(dir, &files, &items, &mut results);
    (changes, results)
}

fn summary(changes: &[Change]) -> Vec<(&str, Option<&str>)> {
    changes
        .iter()
        .map(|c| (c.rel.as_str(), c.new.as_deref()))
        .collect()
}

#[test]
fn an_unchanged_package_changes_no_file() {
    let dir = package();
    let (changes, results) = plan_for(dir.path(), |_| {});
    assert!(changes.is_empty());
    assert!(results.is_empty());
}

#[test]
fn a_changed_item_is_written_without_the_annotations_reading_added() {
    let dir = package();
    let (changes, results) = plan_for(dir.path(), |items| {
        items[1].value_mut()["data"]["k"] = json!("w");
        items[5].value_mut()["metadata"]["annotations"]["x"] = json!("z");
    });
    assert!(results.is_empty(), "{results:?}");
    assert_eq!(
        summary(&changes),
        [
            ("a.yaml", Some(A.replace("k: v # keep", "k: w # keep").as_str())),
            ("sub/d.yaml", Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: d\n  annotations:\n    x: z\n")),
        ]
    );
}

#[test]
fn removed_items_leave_their_file_and_an_emptied_file_is_deleted() {
    let dir = package();
    let (changes, _) = plan_for(dir.path(), |items| {
        items.retain(|i| !matches!(i.name(), "a0" | "b" | "c"));
    });
    assert_eq!(
        summary(&changes),
        [
            (
                "a.yaml",
                Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a1\n")
            ),
            ("b.yml", None),
            ("c.json", None),
        ]
    );
}

#[test]
fn generated_items_go_to_the_file_their_path_names() {
    let dir = package();
    let (changes, results) = plan_for(dir.path(), |items| {
        items.push(Item::generated(
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": "n", "annotations": {PATH: "net/n.yaml"}}}),
            Some(format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n # new\n  annotations:\n    {PATH}: 'net/n.yaml'\n")),
        ));
        items.push(Item::generated(
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": "m", "annotations": {LEGACY_PATH: "b.yml", "keep": "me"}}}),
            None,
        ));
        items.push(Item::generated(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "o"}}),
            None,
        ));
    });
    assert!(results.is_empty(), "{results:?}");
    assert_eq!(
        summary(&changes),
        [
            ("b.yml", Some(format!("{B}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: m\n  annotations:\n    keep: me\n").as_str())),
            ("namespace_o.yaml", Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: o\n")),
            ("net/n.yaml", Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n # new\n")),
        ]
    );
}

#[test]
fn a_path_outside_the_package_is_an_error_result() {
    let dir = package();
    let (changes, results) = plan_for(dir.path(), |items| {
        items.push(Item::generated(
            json!({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": {"name": "n", "annotations": {PATH: "../n.yaml"}}}),
            None,
        ));
    });
    assert!(changes.is_empty());
    assert_eq!(
        results.iter().map(KrmResult::to_line).collect::<Vec<_>>(),
        ["[error] Namespace/n: path annotation `../n.yaml` is not a relative path inside the package (file ../n.yaml)"]
    );
}

#[test]
fn a_read_only_file_stops_every_write() {
    let dir = package();
    let (changes, _) = plan_for(dir.path(), |items| {
        items[1].value_mut()["data"]["k"] = json!("w");
        items[3].value_mut()["metadata"]["name"] = json!("b2");
    });
    let b = dir.path().join("b.yml");
    let mut perms = fs::metadata(&b).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&b, perms).unwrap();
    let err = write_changes(dir.path(), &changes).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: file is read-only; nothing was written", b.display())
    );
    assert_eq!(fs::read_to_string(dir.path().join("a.yaml")).unwrap(), A);
    assert_eq!(fs::read_to_string(&b).unwrap(), B);
}

#[test]
fn changes_are_written_and_emptied_files_deleted() {
    let dir = package();
    let (changes, _) = plan_for(dir.path(), |items| {
        items[1].value_mut()["data"]["k"] = json!("w");
        items.retain(|i| i.name() != "b");
    });
    write_changes(dir.path(), &changes).unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("a.yaml")).unwrap(),
        A.replace("k: v # keep", "k: w # keep")
    );
    assert!(!dir.path().join("b.yml").exists());
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn dry_run_diff_is_unified() {
    let changes = [Change {
        rel: "a.yaml".into(),
        old: Some("a: 1\nb: 2\n".into()),
        new: Some("a: 1\nb: 3\n".into()),
    }];
    assert_eq!(
        diff(&changes),
        "--- a/a.yaml\n+++ b/a.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n+b: 3\n"
    );
}

#[test]
fn output_stdout_lists_items_with_their_locations() {
    let dir = package();
    let (_, items) = read_package(dir.path()).unwrap();
    let text = resource_list_text(&items[3..4], &mut Vec::new());
    assert_eq!(
        text,
        format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n    annotations:\n      {PATH}: b.yml\n      {INDEX}: '0'\n      {LEGACY_PATH}: b.yml\n      {LEGACY_INDEX}: '0'\n")
    );
}

#[test]
fn unreadable_files_are_named_with_line_and_column() {
    let cases: [(&str, &[u8], &str); 2] = [
        (
            "bad.yaml",
            b"kind: A\napiVersion: \xff\n",
            "bad.yaml:2:13: not valid UTF-8 (byte 0xff at offset 20)",
        ),
        (
            "sub/broken.yml",
            b"a: [b\n",
            "sub/broken.yml:1:4: not valid YAML: unclosed bracket '['",
        ),
    ];
    for (name, bytes, expected) in cases {
        let dir = package();
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        let err = run(dir.path(), &PackageOptions::default()).unwrap_err();
        assert_eq!(err.to_string(), expected);
    }
}

#[test]
fn a_file_that_is_not_a_directory_is_refused() {
    let dir = package();
    let file = dir.path().join("b.yml");
    let err = run(&file, &PackageOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: not a directory", file.display())
    );
}

#[test]
fn a_file_ending_in_an_open_block_scalar_keeps_it_when_resources_are_added() {
    let open = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  x: |\n    text";
    for file in [open.to_string(), format!("{B}---\n{open}")] {
        let dir = package();
        fs::write(dir.path().join("b.yml"), &file).unwrap();
        let (changes, results) = plan_for(dir.path(), |items| {
            items.push(Item::generated(
                json!({"apiVersion": "v1", "kind": "Namespace",
                       "metadata": {"name": "n", "annotations": {PATH: "b.yml"}}}),
                None,
            ));
        });
        assert!(results.is_empty(), "{results:?}");
        let [(_, Some(text))] = summary(&changes)[..] else {
            panic!("{:?}", summary(&changes));
        };
        assert!(text.ends_with(open), "{text:?}");
        let doc = crate::yaml::Document::parse(text).unwrap();
        let names: Vec<Value> = doc
            .roots()
            .iter()
            .map(|&r| doc.to_json(r).unwrap()["metadata"]["name"].clone())
            .collect();
        let want = match file.starts_with(B) {
            true => vec!["b", "n", "m"],
            false => vec!["n", "m"],
        };
        assert_eq!(names, want, "{text:?}");
    }
}

#[test]
fn a_cr_only_or_crlf_file_gets_its_own_line_breaks_for_appended_resources() {
    for line_break in ["\r", "\r\n"] {
        let dir = package();
        fs::write(dir.path().join("b.yml"), B.replace('\n', line_break)).unwrap();
        let (changes, results) = plan_for(dir.path(), |items| items.push(namespace_for_b("m")));
        assert!(results.is_empty(), "{results:?}");
        let expected = format!("{B}---\n{M}").replace('\n', line_break);
        assert_eq!(
            summary(&changes),
            [("b.yml", Some(expected.as_str()))],
            "{line_break:?}"
        );
    }
}

/// A generated Namespace `name` for file `b.yml`.
fn namespace_for_b(name: &str) -> Item {
    Item::generated(
        json!({"apiVersion": "v1", "kind": "Namespace",
               "metadata": {"name": name, "annotations": {PATH: "b.yml"}}}),
        None,
    )
}

const M: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: m\n";

#[test]
fn a_marker_goes_before_an_added_document_only_after_a_document_left() {
    let dir = package();
    let (changes, results) = plan_for(dir.path(), |items| {
        items.push(namespace_for_b("m"));
    });
    assert!(results.is_empty(), "{results:?}");
    assert_eq!(
        summary(&changes),
        [("b.yml", Some(format!("{B}---\n{M}").as_str()))]
    );
    let (changes, results) = plan_for(dir.path(), |items| {
        items.retain(|i| i.name() != "b");
        items.push(namespace_for_b("m"));
    });
    assert!(results.is_empty(), "{results:?}");
    assert_eq!(summary(&changes), [("b.yml", Some(M))]);
}

#[test]
fn the_line_break_before_added_documents_is_decided_after_removals() {
    for eol in ["\n", "\r\n", "\r"] {
        let dir = package();
        let file = format!("{B}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b2");
        fs::write(dir.path().join("b.yml"), file.replace('\n', eol)).unwrap();
        let (changes, results) = plan_for(dir.path(), |items| {
            items.retain(|i| i.name() != "b2");
            items.push(namespace_for_b("m"));
        });
        assert!(results.is_empty(), "{results:?}");
        let want = format!("{B}---\n{M}").replace('\n', eol);
        assert_eq!(summary(&changes), [("b.yml", Some(want.as_str()))]);
    }
}

#[test]
fn added_documents_go_before_a_last_document_ending_in_an_open_block_after_its_sync() {
    let open = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  x: |\n    text";
    let dir = package();
    fs::write(dir.path().join("b.yml"), format!("{B}---\n{open}")).unwrap();
    let (changes, results) = plan_for(dir.path(), |items| {
        let c = items.iter_mut().find(|i| i.name() == "c").unwrap();
        c.value_mut()["data"]["k"] = json!("z");
        items.push(namespace_for_b("m"));
    });
    assert!(results.is_empty(), "{results:?}");
    let synced = open.replace("\ndata:\n", "\ndata:\n  k: z\n");
    let want = format!("{B}---\n{M}---\n{synced}");
    assert_eq!(summary(&changes), [("b.yml", Some(want.as_str()))]);
    // The first document removed takes the last one's `---` line: added documents go after
    // where it was.
    let (changes, results) = plan_for(dir.path(), |items| {
        items.retain(|i| i.name() != "b");
        items.push(namespace_for_b("m"));
    });
    assert!(results.is_empty(), "{results:?}");
    let want = format!("{M}---\n{open}");
    assert_eq!(summary(&changes), [("b.yml", Some(want.as_str()))]);
    // With a final line break, the block is closed: after it.
    fs::write(dir.path().join("b.yml"), format!("{B}---\n{open}\n")).unwrap();
    let (changes, _) = plan_for(dir.path(), |items| items.push(namespace_for_b("m")));
    let want = format!("{B}---\n{open}\n---\n{M}");
    assert_eq!(summary(&changes), [("b.yml", Some(want.as_str()))]);
}
