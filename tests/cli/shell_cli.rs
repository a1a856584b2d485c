//! The `private-gke` binary: KRM function mode on stdin, every capture of what kpt and
//! kustomize send, bad input, `--set`/`--config`, `--help` and `--version`.

use crate::support;

use std::path::Path;
use std::process::Output;

const CAPTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/upstream/captures");

fn run(args: &[&str], stdin: &[u8]) -> Output {
    support::run_with_stdin(args, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The output up to its appended `results:` block, and the block (other stages add their own
/// results, e.g. the checks' summary, so tests look for theirs inside it).
fn split_results(stdout: &str) -> (&str, &str) {
    match stdout.find("\nresults:\n") {
        Some(at) => (&stdout[..at + 1], &stdout[at + 1..]),
        None => (stdout, ""),
    }
}

/// The `items:` block: from the `items:` line to the next top-level key.
fn items_block(text: &str) -> &str {
    let start = if text.starts_with("items:") {
        0
    } else {
        text.find("\nitems:").expect("an items block") + 1
    };
    let mut end = text.len();
    let mut offset = start;
    for (i, line) in text[start..].split_inclusive('\n').enumerate() {
        if i > 0 && !matches!(line.chars().next(), Some(' ' | '-' | '#' | '\n' | '\r')) {
            end = offset;
            break;
        }
        offset += line.len();
    }
    &text[start..end]
}

#[test]
fn every_capture_goes_through_with_items_byte_identical() {
    let mut names: Vec<String> = std::fs::read_dir(CAPTURES)
        .expect("captures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.ends_with("stdin.yaml") || (n.starts_with("captured-") && n.ends_with(".yaml"))
        })
        .collect();
    names.sort();
    assert!(names.len() >= 15, "captures found: {names:?}");
    for name in names {
        let input = std::fs::read(Path::new(CAPTURES).join(&name)).expect("read capture");
        // `private-gke.mode=check` is the config that changes nothing: only the checks run.
        let out = run(&["--set", "private-gke.mode=check"], &input);
        let stdout = text(&out.stdout);
        let input = text(&input);
        assert!(
            !stdout.is_empty(),
            "{name}: no output; stderr: {}",
            text(&out.stderr)
        );
        assert_eq!(items_block(&stdout), items_block(&input), "{name}");
        // Everything before the appended results block is the input, byte for byte.
        match stdout.find("\nresults:\n") {
            Some(at) => {
                assert_eq!(&stdout[..at], &input[..at], "{name}");
                assert!(input[at..].trim().is_empty(), "{name}");
            }
            None => assert_eq!(stdout, input, "{name}"),
        }
    }
}

#[test]
fn unreadable_input_prints_one_line_and_nothing_on_stdout() {
    let rl = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "private-gke: stdin: empty input: expected a ResourceList or Kubernetes YAML\n"),
        (b"items: [a, b\n".to_vec(), NOT_YAML),
        (b"- a\n".to_vec(), "private-gke: stdin:1:1: expected a mapping (a ResourceList or a Kubernetes object), found a sequence\n"),
        (rl.as_bytes().to_vec(), "private-gke: stdin:1:1: ResourceList has no `items`\n"),
        (format!("{rl}items: {{a: b}}\n").into_bytes(), "private-gke: stdin:3:8: `items` must be a list, found a mapping\n"),
        (format!("{rl}items:\n- 3\n").into_bytes(), "private-gke: stdin:4:3: items[0] must be a mapping, found a scalar\n"),
        (format!("{rl}items:\n- apiVersion: v1\n  kind: [A]\n").into_bytes(), "private-gke: stdin:4:3: items[0]: `kind` must be a non-empty string\n"),
        (format!("{rl}items: []\nitems: []\n").into_bytes(), "private-gke: stdin:4:1: not valid YAML: duplicate key \"items\" (first defined on line 3)\n"),
        (format!("{rl}items: []\nfunctionConfig: [a]\n").into_bytes(), "private-gke: stdin:4:17: `functionConfig` must be a mapping, found a sequence\n"),
        (b"apiVersion: v1\nkind: \xff\n".to_vec(), "private-gke: stdin:2:7: not valid UTF-8 (byte 0xff at offset 21)\n"),
    ];
    for (input, expected) in cases {
        let out = run(&[], &input);
        assert_eq!(text(&out.stderr), expected);
        assert_eq!(out.status.code(), Some(1), "{expected}");
        assert!(out.stdout.is_empty(), "{expected}");
    }
}

/// What the parser says about an unclosed flow sequence.
const NOT_YAML: &str = "private-gke: stdin:1:8: not valid YAML: unclosed bracket '['\n";

#[test]
fn a_missing_directory_is_one_line_and_exit_1() {
    let out = run(&["/nonexistent/private-gke-package"], b"");
    assert_eq!(
        text(&out.stderr),
        "private-gke: /nonexistent/private-gke-package: no such directory\n"
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn config_errors_are_error_results_with_the_whole_list_and_exit_1() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: A\n  metadata:\n    name: a\n";
    let out = run(&["--set", "gke.private=maybe"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with(input), "{stdout}");
    assert!(stdout.contains("\nresults:\n- message: "), "{stdout}");
    assert!(stdout.contains("  severity: error\n"), "{stdout}");
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("[error] ConfigMap/function-input data.gke.private: "),
        "{stderr}"
    );
}

#[test]
fn duplicate_items_give_a_warning_result() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm\n    namespace: ns\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: other\n    namespace: ns\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm\n    namespace: ns\n";
    let out = run(&["--set", "private-gke.mode=check"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let (list, results) = split_results(&stdout);
    assert_eq!(list, input);
    let expected = "- message: 'duplicate resource: items[0] has the same apiVersion, kind, namespace and name'
  severity: warning
  resourceRef:
    apiVersion: v1
    kind: ConfigMap
    name: cm
    namespace: ns
";
    assert!(results.contains(expected), "{results}");
    assert_eq!(
        results.matches("duplicate resource").count(),
        1,
        "{results}"
    );
}

#[test]
fn plain_kubernetes_yaml_comes_out_in_the_same_shape() {
    let input = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a # comment\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n";
    let out = run(&["--set", "private-gke.mode=check"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), input);
}

#[test]
fn help_shows_every_mode_with_an_example() {
    let out = run(&["--help"], b"");
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for needle in [
        "kpt fn eval PKG --exec ./private-gke",
        "kpt fn render --allow-exec",
        "kustomize build --enable-alpha-plugins --enable-exec",
        "cat rl.yaml | private-gke",
        "private-gke --dry-run examples/blueprint",
        "private-gke --output stdout examples/blueprint",
        "--set <KEY=VALUE>",
        "--config <FILE>",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}

#[test]
fn version_prints_the_crate_version() {
    let out = run(&["--version"], b"");
    assert_eq!(
        text(&out.stdout),
        format!("private-gke {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn set_without_equals_is_a_usage_error() {
    let out = run(&["--set", "novalue"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("expected KEY=VALUE, got `novalue`"));
    assert!(out.stdout.is_empty());
}

#[test]
fn set_builds_the_config_map_kpt_fn_eval_sends() {
    // kpt fn eval … -- tier=db-custom-2-7680 mode=strict sends this functionConfig.
    let capture =
        std::fs::read_to_string(Path::new(CAPTURES).join("kpt-eval-kv.1.stdin.yaml")).unwrap();
    let list = private_gke::krm::ResourceList::read(capture.as_bytes(), "capture").unwrap();
    let pairs = [
        ("tier".to_string(), "db-custom-2-7680".to_string()),
        ("mode".to_string(), "strict".to_string()),
    ];
    assert_eq!(Some(private_gke::config_map(&pairs)), list.function_config);
    assert_eq!(
        private_gke::function_config_from_args(None, &pairs).unwrap(),
        list.function_config
    );
    assert_eq!(
        private_gke::function_config_from_args(None, &[]).unwrap(),
        None
    );
}

#[test]
fn config_and_set_replace_the_input_function_config() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: A\n  metadata:\n    name: a\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: bad\n  data:\n    gke.private: maybe\n";
    let bad = run(&[], input.as_bytes());
    assert_eq!(
        bad.status.code(),
        Some(1),
        "the input's functionConfig is used"
    );
    let set = run(&["--set", "private-gke.mode=check"], input.as_bytes());
    assert_eq!(set.status.code(), Some(0), "{}", text(&set.stderr));
    assert_eq!(split_results(&text(&set.stdout)).0, input);

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(
        &config,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  gke.private: maybe\n",
    )
    .unwrap();
    let c = config.to_str().unwrap();
    let from_file = run(&["--config", c], input.as_bytes());
    assert_eq!(from_file.status.code(), Some(1));
    assert!(
        text(&from_file.stderr).starts_with("[error] ConfigMap/cfg data.gke.private: "),
        "{}",
        text(&from_file.stderr)
    );
    let overridden = run(
        &[
            "--config",
            c,
            "--set",
            "gke.private=false",
            "--set",
            "private-gke.mode=check",
        ],
        input.as_bytes(),
    );
    assert_eq!(
        overridden.status.code(),
        Some(0),
        "{}",
        text(&overridden.stderr)
    );
    assert_eq!(split_results(&text(&overridden.stdout)).0, input);
}

#[test]
fn a_bad_config_file_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    std::fs::write(&config, "- a\n").unwrap();
    let out = run(&["--config", config.to_str().unwrap()], b"");
    assert_eq!(
        text(&out.stderr),
        format!(
            "private-gke: {}:1:1: the functionConfig must be a mapping\n",
            config.display()
        )
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let missing = run(&["--config", "/nonexistent/config.yaml"], b"");
    assert_eq!(
        text(&missing.stderr),
        "private-gke: /nonexistent/config.yaml: No such file or directory (os error 2)\n"
    );
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn json_in_json_out() {
    let input = r#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":[{"apiVersion":"v1","kind":"A","metadata":{"name":"a"}},{"apiVersion":"v1","kind":"A","metadata":{"name":"a"}}]}"#;
    let out = run(&["--set", "private-gke.mode=check"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(value["apiVersion"], "config.kubernetes.io/v1");
    assert_eq!(value["kind"], "ResourceList");
    assert_eq!(
        value["items"],
        serde_json::json!([
            {"apiVersion": "v1", "kind": "A", "metadata": {"name": "a"}},
            {"apiVersion": "v1", "kind": "A", "metadata": {"name": "a"}}
        ])
    );
    let duplicate = serde_json::json!({
        "message": "duplicate resource: items[0] has the same apiVersion, kind, namespace and name",
        "severity": "warning",
        "resourceRef": {"apiVersion": "v1", "kind": "A", "name": "a"}
    });
    let results = value["results"].as_array().expect("results");
    assert_eq!(
        results.iter().filter(|r| **r == duplicate).count(),
        1,
        "{results:?}"
    );
}

#[test]
fn a_kubectl_list_gets_its_results_on_stderr_only() {
    let input = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
    let out = run(&["--set", "private-gke.mode=check"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), input);
    let stderr = text(&out.stderr);
    assert!(
        stderr.lines().any(|l| l == "[warning] Namespace/a: duplicate resource: items[0] has the same apiVersion, kind, namespace and name"),
        "{stderr}"
    );
}

#[test]
fn kubectl_get_output_is_fixed_in_its_own_shape() {
    // `kubectl get crd containerclusters.container.cnrm.cloud.google.com -o yaml | private-gke`:
    // one plain document, or a `kind: List` when several objects were asked for.
    let crd = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/upstream/crds/containercluster-1.9.1.yaml"
    ))
    .unwrap();
    let body = &crd[crd.find("apiVersion:").unwrap()..];
    let indented: String = body
        .lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("  {l}\n")
            }
        })
        .collect();
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n-{}metadata:\n  resourceVersion: \"\"\n",
        &indented[1..]
    );
    for input in [crd.clone(), list] {
        let out = run(&[], input.as_bytes());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            !stdout.contains("ResourceList") && !stdout.contains("\nresults:"),
            "{stdout}"
        );
        let added = stdout.len() - input.len();
        assert!(added > 0 && stdout.contains("useIpAliases:"), "{stdout}");
        // Everything else is the input, byte for byte.
        let diff = similar::TextDiff::from_lines(input.as_str(), stdout.as_str());
        let removed = diff
            .iter_all_changes()
            .filter(|c| c.tag() == similar::ChangeTag::Delete)
            .count();
        assert_eq!(removed, 0);
        assert!(
            text(&out.stderr).contains("added ipAllocationPolicy properties"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn package_only_flags_need_a_directory() {
    for args in [&["--dry-run"][..], &["--output", "stdout"][..]] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(
            text(&out.stderr)
                .contains("the following required arguments were not provided:\n  <DIR>"),
            "{}",
            text(&out.stderr)
        );
    }
}
