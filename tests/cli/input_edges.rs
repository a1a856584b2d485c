//! Input at the edges of what kpt and kustomize send: byte order marks, JSON numbers, head
//! comments in `--output stdout`, input to reject or flag, and the messages about it.

use crate::support;

use private_gke::{process, Options};
use serde_json::{json, Value};
use std::fs;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

const RL: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    x: 'y' # kpt-set: ${x}\n";

/// The binary on `input` with `args`.
fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    support::run_with_stdin(args, input)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// The JSON view of YAML (or JSON) text, one value per document.
fn views(text: &str) -> Vec<Value> {
    let doc = private_gke::yaml::Document::parse(text).expect("output parses");
    doc.roots()
        .iter()
        .map(|&r| doc.to_json(r).unwrap())
        .collect()
}

/// What [`process`] gave, its output assembled.
struct Processed {
    stdout: String,
    results: Vec<private_gke::krm::KrmResult>,
    code: i32,
}

impl Processed {
    fn exit_code(&self) -> i32 {
        self.code
    }
}

fn process_ok(input: &str, config: Option<Value>) -> Processed {
    let out = process(
        input.as_bytes(),
        &Options {
            function_config: config,
        },
    )
    .expect("readable");
    Processed {
        stdout: out.stdout.to_string(),
        code: out.exit_code(),
        results: out.results,
    }
}

fn set(pairs: &[(&str, &str)]) -> Option<Value> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Some(private_gke::config_map(&pairs))
}

// Defect 7: a UTF-8 byte order mark.

#[test]
fn a_bom_in_front_of_a_yaml_resource_list_keeps_the_results_block_at_column_0() {
    let input = format!("\u{feff}{RL}");
    let out = process_ok(&input, set(&[("x", "z")]));
    assert!(out.stdout.starts_with('\u{feff}'), "the BOM is kept");
    let body = &out.stdout['\u{feff}'.len_utf8()..];
    assert!(body.contains("\nresults:\n"), "{body}");
    let view = &views(body)[0];
    assert_eq!(view["items"][0]["data"]["x"], json!("z"));
    assert!(view["results"].as_array().is_some_and(|r| !r.is_empty()));
}

#[test]
fn a_bom_in_front_of_json_is_read_and_written_as_json() {
    let input = "\u{feff}{\"apiVersion\": \"config.kubernetes.io/v1\", \"kind\": \"ResourceList\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}}]}\n";
    let out = run_stdin(&["--set", "x=z"], input.as_bytes());
    let stdout = text(&out.stdout);
    let body = stdout.strip_prefix('\u{feff}').expect("the BOM is kept");
    let value: Value = serde_json::from_str(body).expect("the whole output is JSON");
    assert_eq!(value["items"][0]["metadata"]["name"], json!("a"));
    assert!(value["results"].is_array());
}

#[test]
fn a_json_file_with_a_bom_stays_json_in_package_mode() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cm.json");
    fs::write(
        &file,
        "\u{feff}{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\n    \"name\": \"a\"\n  },\n  \"data\": {\n    \"n\": 1e2\n  }\n}\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["--set", "gke.private=true"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = fs::read_to_string(&file).unwrap();
    let body = written.strip_prefix('\u{feff}').expect("the BOM is kept");
    let value: Value = serde_json::from_str(body).expect("still JSON");
    assert_eq!(value["metadata"]["name"], json!("a"));
    assert!(body.contains("1e2"), "{body}");
}

// Defect 8: `--output stdout` keeps each document's head comments.

#[test]
fn output_stdout_keeps_the_head_comments_of_each_document() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.yaml"),
        "# Copyright 2020 The Kubeflow Authors\n#\n# Licensed under the Apache License\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# second head\n\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b # line\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["--output", "stdout"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for comment in [
        "# Copyright 2020 The Kubeflow Authors",
        "# Licensed under the Apache License",
        "# second head",
        "# line",
    ] {
        assert!(stdout.contains(comment), "{comment} missing in\n{stdout}");
    }
    let view = &views(&stdout)[0];
    let names: Vec<&Value> = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["metadata"]["name"])
        .collect();
    assert_eq!(names, [&json!("a"), &json!("b")]);
}

// Defect 9: JSON numbers keep their text.

#[test]
fn json_numbers_keep_their_text_in_check_mode_and_next_to_changes() {
    let input = "{\"apiVersion\": \"config.kubernetes.io/v1\", \"kind\": \"ResourceList\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}, \"spec\": {\"big\": 1e400, \"long\": 123456789012345678901234567890, \"short\": 1e2, \"s\": \"caf\\u00e9\"}}]}";
    for config in [
        set(&[("private-gke.mode", "check")]),
        set(&[("gke.private", "true")]),
    ] {
        let out = process_ok(input, config);
        for token in [
            "\"big\": 1e400",
            "\"long\": 123456789012345678901234567890",
            "\"short\": 1e2",
            "\"s\": \"caf\\u00e9\"",
        ] {
            assert!(out.stdout.contains(token), "{token} in\n{}", out.stdout);
        }
        assert!(out.stdout.trim_start().starts_with('{'), "{}", out.stdout);
        assert_eq!(views(&out.stdout).len(), 1, "one JSON value");
    }
}

// Defect 10: the output is read again.

#[test]
fn a_generated_item_whose_text_reads_otherwise_is_caught_and_nothing_changes() {
    use private_gke::krm::resource_list::REREAD_FAILURE;
    use private_gke::krm::{Item, ResourceList};
    let list = ResourceList::read(RL.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    items[0].value_mut()["data"]["x"] = json!("changed");
    items.push(Item::generated(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "meant"}}),
        Some("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: written\n".to_string()),
    ));
    let mut results = Vec::new();
    let out = list.write(&items, &mut results).unwrap();
    assert!(
        results.iter().any(|r| r.message.starts_with(REREAD_FAILURE)
            && r.severity == private_gke::krm::Severity::Error),
        "{results:?}"
    );
    assert!(
        out.starts_with(RL),
        "the input unchanged, then the results:\n{out}"
    );
    assert!(
        !out.contains("written") && !out.contains("x: changed"),
        "{out}"
    );
    assert!(views(&out)[0]["results"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with(REREAD_FAILURE));
}

#[test]
fn a_faithful_write_passes_the_verification() {
    use private_gke::krm::resource_list::REREAD_FAILURE;
    use private_gke::krm::{Item, ResourceList};
    let list = ResourceList::read(RL.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    items[0].value_mut()["data"]["x"] = json!("changed");
    items.push(Item::generated(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "meant"}}),
        None,
    ));
    let mut results = Vec::new();
    let out = list.write(&items, &mut results).unwrap();
    assert!(!results
        .iter()
        .any(|r| r.message.starts_with(REREAD_FAILURE)));
    assert_eq!(
        views(&out)[0]["items"][1]["metadata"]["name"],
        json!("meant")
    );
}

#[test]
fn a_change_that_cannot_be_written_is_one_error_not_a_verification_failure() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    x: 'y' # kpt-set: ${x}\n    x: 'w' # kpt-set: ${x}\n";
    let out = process_ok(input, set(&[("x", "z")]));
    let errors: Vec<&str> = out
        .results
        .iter()
        .filter(|r| r.severity == private_gke::krm::Severity::Error)
        .map(|r| r.message.as_str())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(!errors[0].starts_with(private_gke::krm::REREAD_FAILURE));
    assert!(out.stdout.starts_with(input), "{}", out.stdout);
}

// Input to reject or flag.

#[test]
fn a_block_mapping_on_the_line_of_an_empty_key_is_unreadable_as_kpt_says() {
    let input = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n  : x: y\n";
    let out = run_stdin(&[], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("stdin:7:"), "{stderr}");
}

#[test]
fn a_resource_list_followed_by_another_document_is_unreadable() {
    let input = format!("{RL}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n");
    let out = run_stdin(&["--set", "x=z"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("a ResourceList must be the only document") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

fn with_metadata(metadata: &str) -> String {
    format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:{metadata}\n  data:\n    x: 'y' # kpt-set: ${{x}}\n")
}

#[test]
fn metadata_kpt_refuses_is_an_error_result_on_the_whole_list_and_nothing_changes() {
    for (metadata, field) in [
        (" [1, 2]", "`metadata`"),
        (
            "\n    name: a\n    annotations: [x]",
            "`metadata.annotations`",
        ),
    ] {
        let input = with_metadata(metadata);
        let out = run_stdin(&["--set", "x=z"], input.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{metadata}");
        let stdout = text(&out.stdout);
        assert!(stdout.starts_with(&input), "the input unchanged:\n{stdout}");
        let view = &views(&stdout)[0];
        let results = view["results"].as_array().expect("results");
        assert!(
            results.iter().any(|r| r["severity"] == "error"
                && r["message"].as_str().unwrap().contains(field)),
            "{results:?}"
        );
        assert!(text(&out.stderr).contains(field));
    }
}

#[test]
fn metadata_kpt_reads_passes_through_with_a_warning() {
    for (metadata, field) in [
        ("\n    name: {a: b}", "`metadata.name`"),
        ("\n    name: a\n    namespace: [x]", "`metadata.namespace`"),
        ("\n    name: a\n    labels: [x]", "`metadata.labels`"),
    ] {
        let input = with_metadata(metadata);
        let out = process_ok(&input, set(&[("x", "z")]));
        assert_eq!(out.exit_code(), 0, "{metadata}");
        let warning = out
            .results
            .iter()
            .find(|r| r.message.contains(field))
            .expect("a warning");
        assert_eq!(warning.severity, private_gke::krm::Severity::Warning);
        assert_eq!(views(&out.stdout)[0]["items"][0]["data"]["x"], json!("z"));
    }
    let fine = process_ok(&with_metadata("\n    name: a\n    labels: {k: v}"), None);
    assert!(fine.results.iter().all(|r| !r.message.contains("metadata")));
}

#[test]
fn metadata_kpt_refuses_in_a_package_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "apiVersion: v1\nkind: ConfigMap\nmetadata: [1, 2]\n";
    let good =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: 'y' # kpt-set: ${x}\n";
    fs::write(dir.path().join("bad.yaml"), bad).unwrap();
    fs::write(dir.path().join("good.yaml"), good).unwrap();
    let out = Command::new(BIN)
        .args(["--set", "x=z"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("bad.yaml: document 1: `metadata` must be a mapping"));
    assert_eq!(
        fs::read_to_string(dir.path().join("good.yaml")).unwrap(),
        good
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("bad.yaml")).unwrap(),
        bad
    );
}

// Messages.

#[test]
fn a_line_break_in_a_file_name_stays_inside_its_result_line_and_diff_header() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("two\nlines.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {a: b}\ndata:\n  x: 'y' # kpt-set: ${x}\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["--set", "x=z", "--dry-run"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let warning = stderr
        .lines()
        .find(|l| l.contains("`metadata.name`"))
        .expect("the warning");
    assert!(warning.contains("two\\nlines.yaml"), "{stderr}");
    assert!(
        !stderr.lines().any(|l| l.starts_with("lines.yaml")),
        "{stderr}"
    );
    let diff = text(&out.stdout);
    assert!(
        diff.contains("--- a/two\\nlines.yaml\n+++ b/two\\nlines.yaml\n"),
        "{diff}"
    );
}

#[test]
fn a_function_config_without_api_version_and_kind_says_so() {
    let input = format!("{RL}functionConfig:\n  data:\n    x: z\n");
    let out = process_ok(&input, None);
    let message = &out
        .results
        .iter()
        .find(|r| r.message.contains("is not supported"))
        .expect("an error")
        .message;
    assert!(
        message.starts_with("functionConfig without apiVersion and kind is not supported"),
        "{message}"
    );
    assert!(!message.contains(" / "), "{message}");
}

#[test]
fn cr_only_line_endings_keep_the_results_block_at_column_0() {
    let input = RL.replace('\n', "\r");
    let out = process_ok(&input, set(&[("gke.private", "true")]));
    assert!(
        out.stdout.contains("${x}\rresults:\r- ") && !out.stdout.contains('\n'),
        "{:?}",
        out.stdout
    );
    let view = &views(&out.stdout)[0];
    assert_eq!(view["items"][0]["data"]["x"], json!("y"));
    assert!(view["results"].as_array().is_some_and(|r| !r.is_empty()));
}

#[test]
fn a_kept_block_scalar_ending_the_list_keeps_its_blank_lines_above_the_results() {
    for line_break in ["\n", "\r\n", "\r"] {
        let input = RL
            .replace(
                "'y' # kpt-set: ${x}\n",
                "'y' # kpt-set: ${x}\n    z: |+\n      kept\n\n",
            )
            .replace('\n', line_break);
        let out = process_ok(&input, set(&[("x", "w")]));
        let other_breaks = out.stdout.replace(line_break, "");
        assert!(!other_breaks.contains(['\r', '\n']), "{:?}", out.stdout);
        let view = &views(&out.stdout)[0];
        assert_eq!(
            view["items"][0]["data"]["z"],
            json!("kept\n\n"),
            "{:?}",
            out.stdout
        );
        assert_eq!(view["items"][0]["data"]["x"], json!("w"));
        assert!(!out.stdout.contains("internal error"), "{:?}", out.stdout);
    }
}

// Memory: input above the size limit is refused in one line before it is read whole.

#[test]
fn input_above_the_size_limit_is_one_line_on_stderr_and_nothing_on_stdout() {
    let item = "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n";
    let mut input =
        String::from("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n");
    while input.len() <= 3 << 20 {
        input.push_str(item);
    }
    let limited = |mib: &str| {
        let mut child = Command::new(BIN)
            .env(private_gke::limits::MAX_INPUT_ENV, mib)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let bytes = input.clone().into_bytes();
        // The function may stop reading at the limit: a broken pipe is fine.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    };
    let out = limited("2");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("larger than the 2 MiB supported"),
        "{stderr}"
    );
    let out = limited("4");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.len() > input.len());

    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("big.yaml"),
        input.replace("- apiVersion", "---\napiVersion").replace(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n",
            "",
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .env(private_gke::limits::MAX_INPUT_ENV, "2")
        .arg("--dry-run")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("larger than the 2 MiB supported"));
}

// Stdin redirected from a file is read into a buffer of the file's size: the same output as
// piped input, and the same limit.

#[test]
fn stdin_redirected_from_a_file_reads_as_piped_stdin_does() {
    let dir = tempfile::tempdir().unwrap();
    let list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n  data:\n    x: 'y' # kpt-set: ${x}\n";
    let path = dir.path().join("list.yaml");
    fs::write(&path, list).unwrap();
    let redirected = |limit: Option<&str>| {
        let mut command = Command::new(BIN);
        command.args(["--set", "x=z"]);
        if let Some(mib) = limit {
            command.env(private_gke::limits::MAX_INPUT_ENV, mib);
        }
        command
            .stdin(fs::File::open(&path).unwrap())
            .output()
            .unwrap()
    };
    let piped = support::run_with_stdin(&["--set", "x=z"], list.as_bytes());
    let out = redirected(None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("x: 'z'"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(out.stdout, piped.stdout);

    let mut big = String::from(list);
    while big.len() <= 3 << 20 {
        big.push_str("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n");
    }
    fs::write(&path, &big).unwrap();
    let out = redirected(Some("2"));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("larger than the 2 MiB supported"));
    assert_eq!(redirected(Some("4")).status.code(), Some(0));
}

// Found by the `package` fuzz target: an empty `metadata:` (or `annotations:`) beside a changed
// item was expected back as `{}`, so the verification refused a correct write.

#[test]
fn empty_metadata_and_annotations_beside_a_change_are_written_and_kept() {
    for empty in ["metadata:\n", "metadata:\n  name: b\n  annotations:\n"] {
        let dir = tempfile::tempdir().unwrap();
        let rest = format!("---\napiVersion: v1\nkind: Thing\n{empty}");
        let file = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: 'y' # kpt-set: ${{x}}\n{rest}"
        );
        fs::write(dir.path().join("a.yaml"), &file).unwrap();
        let out = Command::new(BIN)
            .args(["--set", "x=z"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let written = fs::read_to_string(dir.path().join("a.yaml")).unwrap();
        assert!(
            written.contains("x: 'z'") && written.ends_with(&rest),
            "{written}"
        );
    }
}

// Found by the `package` fuzz target: a document starting after a lone `\r` was dedented one
// column too far in `--output stdout` (the `\r` counted as a character of the root's line).

#[test]
fn output_stdout_of_a_document_after_a_lone_cr_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("a.yaml"),
        "\rapiVersion: v1\nkind: Thing\nmetadata:\n  name: a\nlist:\n- k: v\n  j: w\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["--output", "stdout"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let view = &views(&text(&out.stdout))[0];
    assert_eq!(
        view["items"][0]["list"],
        json!([{"k": "v", "j": "w"}]),
        "{}",
        text(&out.stdout)
    );
}

/// `--output stdout` of a package holding `a.yaml` with `content`: its output, checked to be a
/// readable ResourceList whose first item has `field` equal to `want`.
fn output_stdout_of(content: &str, field: &str, want: Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.yaml"), content).unwrap();
    let out = Command::new(BIN)
        .args(["--output", "stdout"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}\n{stdout}", text(&out.stderr));
    let view = &views(&stdout)[0];
    assert_eq!(view["items"][0][field], want, "{stdout:?}");
    stdout
}

// Found by the `package` fuzz target (package-output-stdout-lone-cr): an item whose lines end
// in a lone `\r` was re-indented on `\n` only, so its later lines fell out of the item.

#[test]
fn output_stdout_reindents_an_item_on_lone_cr_line_breaks() {
    let file = "# head\rapiVersion: v1\rkind: Thing\rmetadata:\r  name: a\rlist:\r- k: v\r  j: w\r---\rapiVersion: v1\rkind: Thing\rmetadata:\r  name: b\r";
    let stdout = output_stdout_of(file, "list", json!([{"k": "v", "j": "w"}]));
    assert!(stdout.contains("# head"), "{stdout:?}");
    assert_eq!(views(&stdout)[0]["items"][1]["metadata"]["name"], "b");
}

// Found by the `package` fuzz target (package-output-stdout-explicit-key): `?` with its key on
// the next line; the path annotations were added at the key's column, inside the key.

#[test]
fn output_stdout_of_an_explicit_key_on_the_line_after_its_question_mark_reads_back() {
    let stdout = output_stdout_of("?\n $", "$", Value::Null);
    let view = &views(&stdout)[0];
    assert_eq!(
        view["items"][0]["metadata"]["annotations"]["config.kubernetes.io/path"],
        "a.yaml"
    );
}

// Found by the `engine` fuzz target (engine-block-scalar-at-end-gains-a-break): after a `|` or
// `>` block ending the input without a final line break, any appended line would add a final
// line break to its value; the results block goes before the first key, new items before the
// last item, new documents before the last document, and the block's text stays as it was.

#[test]
fn a_block_scalar_ending_the_input_keeps_its_text_and_value_beside_what_is_added() {
    use private_gke::krm::resource_list::REREAD_FAILURE;
    let cluster = "apiVersion: container.cnrm.cloud.google.com/v1beta1\nkind: ContainerCluster\nmetadata:\n  name: kf\nspec:\n  location: us-central1\n";
    for (header, want) in [
        ("|", "one\ntwo"),
        ("|+", "one\ntwo"),
        (">", "one two"),
        ("|2", "one\ntwo"),
        (">-", "one two"),
    ] {
        let block = format!("x: {header}\n    one\n    two");
        let last =
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  {block}");
        let indented = last.replace('\n', "\n  ");
        let list = format!(
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {}\n- {indented}",
            cluster.replace("\n", "\n  ").trim_end()
        );
        let documents = format!("{cluster}---\n{last}");
        for (input, private) in [(&list, false), (&list, true), (&documents, true)] {
            let config = set(&[("gke.private", if private { "true" } else { "false" })]);
            let out = process_ok(input, config);
            let case = format!("{header} private={private}\n{input}\n->\n{}", out.stdout);
            assert!(
                !out.results
                    .iter()
                    .any(|r| r.message.starts_with(REREAD_FAILURE)),
                "{case}"
            );
            let tail = input.rsplit_once("name: m").unwrap().1;
            // A strip (`-`) block is not changed by a line after it: what is added follows it.
            let open = !header.contains('-');
            assert!(out.stdout.contains(tail), "{case}");
            assert_eq!(out.stdout.ends_with(tail), open, "{case}");
            let docs = views(&out.stdout);
            let items: Vec<&Value> = match docs[0].get("items") {
                Some(Value::Array(items)) => items.iter().collect(),
                _ => docs.iter().collect(),
            };
            let m = items.iter().find(|i| i["metadata"]["name"] == "m").unwrap();
            assert_eq!(m["data"]["x"], json!(want), "{case}");
            assert_eq!(items.len() > 2, private, "{case}");
            if input == &list {
                assert!(
                    docs[0]["results"].as_array().is_some_and(|r| !r.is_empty()),
                    "{case}"
                );
            }
        }
    }
}

// CR-only line breaks: YAML 1.2 reads a lone `\r` as a line break, so setter comments, head
// comments and the places messages give are those of the same text with `\n`.

#[test]
fn cr_only_text_finds_setter_comments_as_with_line_feeds() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    x: 'y' # kpt-set: ${x}\n    # a head comment\n    w: q # {\"$kpt-set\":\"x\"}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b # kpt-set: ${x}-b\n";
    let lf = process_ok(input, set(&[("x", "z")]));
    let cr = process_ok(&input.replace('\n', "\r"), set(&[("x", "z")]));
    let view = &views(&cr.stdout)[0];
    assert_eq!(
        view["items"][0]["data"],
        json!({"x": "z", "w": "z"}),
        "{:?}",
        cr.stdout
    );
    assert_eq!(view["items"][1]["metadata"]["name"], json!("z-b"));
    assert_eq!(views(&cr.stdout), views(&lf.stdout));
}

#[test]
fn cr_only_text_errors_give_the_line_and_column_they_give_with_line_feeds() {
    for bad in [
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: [\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n\tx: 1\n",
    ] {
        let lf = run_stdin(&[], bad.as_bytes());
        let cr = run_stdin(&[], bad.replace('\n', "\r").as_bytes());
        let (lf, cr) = (text(&lf.stderr), text(&cr.stderr));
        assert!(lf.starts_with("private-gke: stdin:6:"), "{lf}");
        assert_eq!(cr, lf);
    }
}
