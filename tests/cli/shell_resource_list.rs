//! ResourceList reading and writing: shapes, formats, minimal edits, results, bad input.

use private_gke::krm::resource_list::{Format, Shape};
use private_gke::krm::{Item, KrmResult, ResourceList};
use private_gke::yaml::document_ranges;
use serde_json::json;

const RL: &str = "\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a # keep me
    annotations:
      config.kubernetes.io/path: 'a.yaml'
      config.kubernetes.io/index: '0'
  data:
    x: \"1\"
- # head comment
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: b
  data: {y: 'two'}
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: function-input}
  data: {}
";

fn read(text: &str) -> ResourceList {
    ResourceList::read(text.as_bytes(), "stdin").expect("readable input")
}

fn write(list: &ResourceList, items: &[Item], results: &mut Vec<KrmResult>) -> String {
    list.write(items, results).expect("writable")
}

#[test]
fn shapes_and_formats_are_recognised() {
    let cases: &[(&str, Shape, Format, usize, bool)] = &[
        (RL, Shape::ResourceList, Format::Yaml, 2, true),
        (
            "apiVersion: config.kubernetes.io/v1alpha1\nkind: ResourceList\nitems: []\n",
            Shape::ResourceList,
            Format::Yaml,
            0,
            false,
        ),
        (
            "apiVersion: example.com/v9\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: A}\n",
            Shape::ResourceList,
            Format::Yaml,
            1,
            false,
        ),
        (
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: ns1\nmetadata:\n  resourceVersion: \"\"\n",
            Shape::List,
            Format::Yaml,
            1,
            false,
        ),
        (
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n",
            Shape::Documents,
            Format::Yaml,
            2,
            false,
        ),
        (
            "{\"apiVersion\": \"config.kubernetes.io/v1\", \"kind\": \"ResourceList\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"A\"}], \"functionConfig\": {\"data\": {\"a\": 1}}}",
            Shape::ResourceList,
            Format::Json,
            1,
            true,
        ),
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\nfunctionConfig: ~\n",
            Shape::ResourceList,
            Format::Yaml,
            0,
            false,
        ),
    ];
    for (input, shape, format, n, fc) in cases {
        let list = read(input);
        assert_eq!(list.shape, *shape, "{input}");
        assert_eq!(list.format, *format, "{input}");
        assert_eq!(list.items.len(), *n, "{input}");
        assert_eq!(list.function_config.is_some(), *fc, "{input}");
    }
}

#[test]
fn function_config_shapes_read_as_written() {
    let list = read(RL);
    assert_eq!(
        list.function_config,
        Some(json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "function-input"}, "data": {}}))
    );
    let typed = read(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: private-gke.dev/v1alpha1\n  kind: PrivateGKE\n  spec: {private: true, replicas: 3, v: 0071335, empty: }\n",
    );
    assert_eq!(
        typed.function_config.unwrap()["spec"],
        json!({"private": true, "replicas": 3, "v": "0071335", "empty": null})
    );
}

#[test]
fn unchanged_input_is_written_back_byte_identical() {
    for input in [
        RL,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a # c\n---\n# x\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n",
        "apiVersion: config.kubernetes.io/v1\r\nkind: ResourceList\r\nitems:\r\n  - apiVersion: v1\r\n    kind: A\r\n",
    ] {
        let list = read(input);
        let mut results = Vec::new();
        assert_eq!(write(&list, &list.items, &mut results), input);
        assert!(results.is_empty());
    }
}

#[test]
fn a_changed_item_changes_only_its_field() {
    let list = read(RL);
    let mut items = list.items.clone();
    items[0].value_mut()["data"]["x"] = json!("2");
    let out = write(&list, &items, &mut Vec::new());
    assert_eq!(out, RL.replace("x: \"1\"", "x: \"2\""));
}

#[test]
fn removed_and_generated_items() {
    let list = read(RL);
    let mut items = list.items.clone();
    items.remove(0);
    items.push(Item::generated(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}),
        Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c # generated\n".to_string()),
    ));
    items.push(Item::generated(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}}),
        None,
    ));
    let out = write(&list, &items, &mut Vec::new());
    let expected = "\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- # head comment
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: b
  data: {y: 'two'}
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: c # generated
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: d
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: function-input}
  data: {}
";
    assert_eq!(out, expected);
}

#[test]
fn results_are_appended_in_spec_v1_form() {
    let list = read(RL);
    let mut results = vec![
        KrmResult::warning("look at this")
            .for_resource(list.items[0].value())
            .at_field("data.x", None, None),
        KrmResult::info("done"),
    ];
    let out = write(&list, &list.items, &mut results);
    let expected = format!(
        "{RL}results:
- message: look at this
  severity: warning
  resourceRef:
    apiVersion: v1
    kind: ConfigMap
    name: a
  field:
    path: data.x
  file:
    path: a.yaml
    index: 0
- message: done
  severity: info
"
    );
    assert_eq!(out, expected);
}

#[test]
fn existing_results_are_kept_and_ours_follow() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n- message: earlier\n  severity: info\n";
    let list = read(input);
    let out = write(&list, &[], &mut vec![KrmResult::error("ours")]);
    assert_eq!(out, format!("{input}- message: ours\n  severity: error\n"));
}

#[test]
fn json_input_gives_json_output() {
    let input = r#"{"apiVersion": "config.kubernetes.io/v1alpha1", "kind": "ResourceList", "items": [{"apiVersion": "v1", "kind": "A", "metadata": {"name": "a"}}]}"#;
    let list = read(input);
    let mut items = list.items.clone();
    items[0].value_mut()["metadata"]["name"] = json!("b");
    let out = write(&list, &items, &mut vec![KrmResult::info("hi")]);
    let back: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    assert_eq!(
        back,
        json!({"apiVersion": "config.kubernetes.io/v1alpha1", "kind": "ResourceList",
               "items": [{"apiVersion": "v1", "kind": "A", "metadata": {"name": "b"}}],
               "results": [{"message": "hi", "severity": "info"}]})
    );
}

#[test]
fn plain_documents_keep_their_shape_and_carry_no_results() {
    let input = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n";
    let list = read(input);
    assert!(!list.carries_results());
    let mut items = list.items.clone();
    items.remove(0);
    items.push(Item::generated(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "c"}}),
        None,
    ));
    let out = write(
        &list,
        &items,
        &mut vec![KrmResult::info("not in the output")],
    );
    assert_eq!(
        out,
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: c\n"
    );
}

#[test]
fn a_kubectl_list_keeps_its_shape_and_carries_no_results() {
    let input = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
    let list = read(input);
    assert_eq!(list.shape, Shape::List);
    let out = write(&list, &list.items, &mut vec![KrmResult::warning("w")]);
    assert_eq!(out, input);
}

#[test]
fn document_ranges_split_at_markers_only() {
    let src = "a: 1\n---\nb: |\n  ---x\n--- # c\nc: 3\n";
    let ranges = document_ranges(src);
    let parts: Vec<&str> = ranges.iter().map(|r| &src[r.clone()]).collect();
    assert_eq!(parts, ["a: 1\n", "---\nb: |\n  ---x\n", "--- # c\nc: 3\n"]);
}

#[test]
fn unreadable_input_names_what_and_where() {
    let rl = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n";
    let cases: Vec<(Vec<u8>, String)> = vec![
        (
            b"".to_vec(),
            "stdin: empty input: expected a ResourceList or Kubernetes YAML".into(),
        ),
        (
            b"  \n# only a comment\n".to_vec(),
            "stdin: empty input: expected a ResourceList or Kubernetes YAML".into(),
        ),
        (
            b"- a\n- b\n".to_vec(),
            "stdin:1:1: expected a mapping (a ResourceList or a Kubernetes object), found a sequence".into(),
        ),
        (
            b"just text\n".to_vec(),
            "stdin:1:1: expected a mapping (a ResourceList or a Kubernetes object), found a scalar".into(),
        ),
        (
            rl.as_bytes().to_vec(),
            "stdin:1:1: ResourceList has no `items`".into(),
        ),
        (
            b"foo: bar\n".to_vec(),
            "stdin:1:1: not a ResourceList (no `items`) and not a Kubernetes object (no `kind`)".into(),
        ),
        (
            format!("{rl}items:\n  a: b\n").into_bytes(),
            "stdin:4:3: `items` must be a list, found a mapping".into(),
        ),
        (
            format!("{rl}items: 3\n").into_bytes(),
            "stdin:3:8: `items` must be a list, found a scalar".into(),
        ),
        (
            format!("{rl}items:\n- just a string\n").into_bytes(),
            "stdin:4:3: items[0] must be a mapping, found a scalar".into(),
        ),
        (
            format!("{rl}items:\n- apiVersion: v1\n  kind: A\n- apiVersion: 3\n  metadata: {{name: x}}\n").into_bytes(),
            "stdin:6:3: items[1]: `apiVersion` must be a non-empty string".into(),
        ),
        (
            format!("{rl}items: []\nfunctionConfig:\n  data: {{a: 1, a: 2}}\n").into_bytes(),
            "stdin:5:16: not valid YAML: duplicate key \"a\" (first defined on line 5)".into(),
        ),
        (
            format!("{rl}items:\n- apiVersion: v1\n  kind: [A]\n").into_bytes(),
            "stdin:4:3: items[0]: `kind` must be a non-empty string".into(),
        ),
        (
            format!("{rl}items: []\nfunctionConfig: [a]\n").into_bytes(),
            "stdin:4:17: `functionConfig` must be a mapping, found a sequence".into(),
        ),
        (
            format!("{rl}items: []\nfunctionConfig: text\n").into_bytes(),
            "stdin:4:17: `functionConfig` must be a mapping, found a scalar".into(),
        ),
        (
            b"apiVersion: v1\nkind: \xff\n".to_vec(),
            "stdin:2:7: not valid UTF-8 (byte 0xff at offset 21)".into(),
        ),
        (
            b"apiVersion: v1\nkind: A\n---\n- x\n".to_vec(),
            "stdin:4:1: document 2 must be a mapping (a Kubernetes object), found a sequence".into(),
        ),
        (
            b"apiVersion: v1\nkind: A\n---\nkind: ''\n".to_vec(),
            "stdin:4:1: document 2: `kind` must be a non-empty string".into(),
        ),
    ];
    for (input, expected) in cases {
        let err = ResourceList::read(&input, "stdin").expect_err(&expected);
        assert_eq!(err.to_string(), expected);
    }
}

fn namespace(name: &str) -> Item {
    Item::generated(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
        None,
    )
}

#[test]
fn generated_items_fill_an_empty_or_null_items_list() {
    let cases = [
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig: {}\n",
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: ns1\nfunctionConfig: {}\n",
        ),
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: # none yet\nfunctionConfig: {}\n",
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: # none yet\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: ns1\nfunctionConfig: {}\n",
        ),
        (
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n",
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: ns1\n",
        ),
    ];
    for (input, expected) in cases {
        let list = read(input);
        assert_eq!(write(&list, &[namespace("ns1")], &mut Vec::new()), expected);
    }
}

#[test]
fn wide_and_crlf_lists_get_items_and_results_in_their_own_style() {
    let wide = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - apiVersion: v1\n    kind: A\n    metadata:\n      name: a\n";
    let list = read(wide);
    let mut items = list.items.clone();
    items.push(namespace("ns1"));
    let out = write(&list, &items, &mut vec![KrmResult::info("hi")]);
    assert_eq!(
        out,
        format!("{wide}  - apiVersion: v1\n    kind: Namespace\n    metadata:\n      name: ns1\nresults:\n  - message: hi\n    severity: info\n")
    );

    let crlf = wide.replace('\n', "\r\n");
    let list = read(&crlf);
    let mut items = list.items.clone();
    items.push(namespace("ns1"));
    let out = write(&list, &items, &mut vec![KrmResult::info("hi")]);
    assert_eq!(
        out,
        format!("{crlf}  - apiVersion: v1\r\n    kind: Namespace\r\n    metadata:\r\n      name: ns1\r\nresults:\r\n  - message: hi\r\n    severity: info\r\n")
    );
}

#[test]
fn results_go_after_the_last_line_whatever_ends_it() {
    let results = "results:\n- message: hi\n  severity: info\n";
    let cases = [
        (
            "kind: ResourceList\nitems:\n- apiVersion: v1\n  kind: A\n  data:\n    v: \"1\" # kpt-set: ${v}\n",
            format!("kind: ResourceList\nitems:\n- apiVersion: v1\n  kind: A\n  data:\n    v: \"1\" # kpt-set: ${{v}}\n{results}"),
        ),
        (
            "kind: ResourceList\nitems: []\nfunctionConfig:\n  data:\n    x: |\n      a\n      b\n",
            format!("kind: ResourceList\nitems: []\nfunctionConfig:\n  data:\n    x: |\n      a\n      b\n{results}"),
        ),
        (
            "kind: ResourceList\nitems: []\nfunctionConfig: {}",
            format!("kind: ResourceList\nitems: []\nfunctionConfig: {{}}\n{}", results.trim_end()),
        ),
        (
            "kind: ResourceList\nitems: []\n# trailing comment\n",
            format!("kind: ResourceList\nitems: []\n{results}# trailing comment\n"),
        ),
    ];
    for (input, expected) in cases {
        let list = read(input);
        let out = write(&list, &list.items, &mut vec![KrmResult::info("hi")]);
        assert_eq!(out, expected);
    }
}

/// What `kpt fn eval` sends for files kpt and kustomize accept although they are no Kubernetes
/// objects or repeat a key: a kustomization without `apiVersion`/`kind` (upstream's
/// `gcp/v2/cnrm/kustomization.yaml`), one that says `namespace` twice (`centraldashboard`'s),
/// and a settings file with setter comments (the blueprint's `instance/settings.yaml`).
const ODD: &str = "\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- # This kustomize package defines CNRM resources
  resources:
  - cluster
  - gcp-services.yaml
  metadata:
    annotations:
      config.kubernetes.io/path: 'v2/cnrm/kustomization.yaml'
- apiVersion: kustomize.config.k8s.io/v1beta1
  kind: Kustomization
  namespace: kubeflow
  resources:
  - deployment.yaml
  namespace: kubeflow-too
  metadata:
    annotations:
      config.kubernetes.io/path: 'centraldashboard/kustomization.yaml'
- project: PROJECT # {\"$kpt-set\":\"project\"}
  name: KUBEFLOW-NAME # {\"$kpt-set\":\"name\"}
  metadata:
    annotations:
      config.kubernetes.io/path: 'instance/settings.yaml'
";

#[test]
fn items_without_identity_or_with_a_repeated_key_pass_through() {
    let list = read(ODD);
    assert_eq!(list.items.len(), 3);
    let kustomizations: Vec<bool> = list.items.iter().map(Item::is_kustomization).collect();
    assert_eq!(kustomizations, [true, true, false]);
    let objects: Vec<bool> = list.items.iter().map(Item::is_krm_object).collect();
    assert_eq!(objects, [false, true, false]);
    // Read as kustomize reads it: the last value.
    assert_eq!(list.items[1].value()["namespace"], "kubeflow-too");
    let warnings: Vec<String> = list.warnings.iter().map(KrmResult::to_line).collect();
    assert_eq!(
        warnings,
        ["[warning] Kustomization/ namespace: stdin:16:3: duplicate key \"namespace\" (first on \
          line 13): read as its last value, as kustomize reads it; passed through unchanged, and \
          a change to this key is an error (file centraldashboard/kustomization.yaml)"]
    );
    let mut results = Vec::new();
    assert_eq!(write(&list, &list.items, &mut results), ODD);
    assert!(results.is_empty());
}

#[test]
fn only_a_change_to_a_repeated_key_is_refused_and_only_for_its_item() {
    let list = read(ODD);
    let mut items = list.items.clone();
    items[0].value_mut()["resources"]
        .as_array_mut()
        .unwrap()
        .push(json!("private-gke"));
    items[1].value_mut()["resources"]
        .as_array_mut()
        .unwrap()
        .push(json!("extra.yaml"));
    let mut results = Vec::new();
    let out = write(&list, &items, &mut results);
    assert!(results.is_empty(), "{results:?}");
    let expected = ODD
        .replace(
            "  - gcp-services.yaml\n",
            "  - gcp-services.yaml\n  - private-gke\n",
        )
        .replace(
            "  - deployment.yaml\n",
            "  - deployment.yaml\n  - extra.yaml\n",
        );
    assert_eq!(out, expected);

    items[1].value_mut()["namespace"] = json!("other");
    let mut results = Vec::new();
    let out = write(&list, &items, &mut results);
    let (items_text, results_text) = out.split_at(out.find("results:\n").unwrap());
    assert_eq!(
        items_text,
        ODD.replace(
            "  - gcp-services.yaml\n",
            "  - gcp-services.yaml\n  - private-gke\n"
        ),
        "the refused item keeps its text; the others are written"
    );
    assert!(results_text.contains("severity: error"), "{results_text}");
    let lines: Vec<String> = results.iter().map(KrmResult::to_line).collect();
    assert_eq!(
        lines,
        [
            "[error] Kustomization/: cannot write the change back (line 16, column 3): cannot \
          change (root): key `namespace` is written twice in this mapping (lines 13 and 16); \
          edit it by hand (file centraldashboard/kustomization.yaml)"
        ]
    );
}

#[test]
fn json_that_repeats_a_key_stays_unreadable_and_yaml_documents_without_identity_pass() {
    // JSON is written back whole, which would drop the repeated key.
    let err = ResourceList::read(
        b"{\"apiVersion\": \"v1\", \"kind\": \"A\", \"a\": 1, \"a\": 2}\n",
        "stdin",
    )
    .expect_err("a repeated key in JSON");
    assert_eq!(
        err.to_string(),
        "stdin:1:43: not valid YAML: duplicate key \"a\" (first defined on line 1)"
    );
    let text = "apiVersion: v1\nkind: A\n---\n# settings\nname: x\n";
    let list = read(text);
    assert_eq!(list.items.len(), 2);
    assert_eq!(write(&list, &list.items, &mut Vec::new()), text);
}
