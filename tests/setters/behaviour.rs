//! Behaviours of the setters stage beyond the reference cases: bad input (one exact error,
//! nothing written), typing, results, idempotency, arrays, kpt v0 without a Kptfile, the
//! kubeflow-distribution setter ConfigMap, generated items.

use crate::helpers as support;

use private_gke::krm::{Item, Severity};
use private_gke::setters;
use serde_json::json;
use support::*;

const KPTFILE: &str = r#"apiVersion: kpt.dev/v1alpha1
kind: Kptfile
metadata:
  name: pkg
openAPI:
  definitions:
    io.k8s.cli.setters.replicas:
      x-k8s-cli:
        setter:
          name: replicas
          value: "3"
    io.k8s.cli.setters.size:
      x-k8s-cli:
        setter:
          name: size
          value: small
          enumValues:
            small: "1"
            large: "50"
    io.k8s.cli.setters.name:
      x-k8s-cli:
        setter:
          name: name
          value: app
    io.k8s.cli.substitutions.loop-a:
      x-k8s-cli:
        substitution:
          name: loop-a
          pattern: A-${name}
          values:
          - marker: A
            ref: '#/definitions/io.k8s.cli.substitutions.loop-b'
          - marker: ${name}
            ref: '#/definitions/io.k8s.cli.setters.name'
    io.k8s.cli.substitutions.loop-b:
      x-k8s-cli:
        substitution:
          name: loop-b
          pattern: B
          values:
          - marker: B
            ref: '#/definitions/io.k8s.cli.substitutions.loop-a'
"#;

/// A resource whose `spec.good` would change if the run were allowed to write.
fn resource(field: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  good: old # kpt-set: ${{good}}\n{field}"
    )
}

/// One bad input: exactly this error line, and no text changed anywhere.
fn assert_one_error(field: &str, values: &[(&str, &str)], want: &str) {
    let input = resource(field);
    let mut pairs = vec![("good", "new")];
    pairs.extend_from_slice(values);
    let run = run_texts(&[KPTFILE, &input], &settings(&pairs));
    assert_eq!(
        run.lines(Severity::Error),
        vec![want.to_string()],
        "{field}"
    );
    assert_eq!(
        run.outputs,
        vec![KPTFILE.to_string(), input],
        "nothing written"
    );
    assert_eq!(
        run.messages(Severity::Info),
        vec!["setters: nothing changed because of 1 error(s)"]
    );
}

#[test]
fn bad_input_malformed_v0_comment() {
    assert_one_error(
        "  replicas: 2 # {\"$kpt-set\":\"replicas\"\n",
        &[("replicas", "4")],
        "[error] Thing/t spec.replicas: setter comment {\"$kpt-set\":\"replicas\" is not valid JSON: EOF while parsing an object at line 1 column 22",
    );
}

#[test]
fn bad_input_ref_to_missing_definition() {
    assert_one_error(
        "  replicas: 2 # {\"$ref\":\"#/definitions/io.k8s.cli.setters.replica\"}\n",
        &[("replica", "4")],
        "[error] Thing/t spec.replicas: setter comment {\"$ref\":\"#/definitions/io.k8s.cli.setters.replica\"}: no definition io.k8s.cli.setters.replica in the Kptfile",
    );
}

#[test]
fn bad_input_substitution_cycle() {
    // Two fields use the cycle: it is reported once.
    assert_one_error(
        "  a: A-app # {\"$kpt-set\":\"loop-a\"}\n  b: B # {\"$kpt-set\":\"loop-b\"}\n",
        &[("name", "x")],
        "[error] Thing/t spec.a: setter comment {\"$kpt-set\":\"loop-a\"}: substitution cycle loop-a -> loop-b -> loop-a",
    );
}

#[test]
fn bad_input_array_setter_given_scalar() {
    assert_one_error(
        "  images: # kpt-set: ${images}\n  - nginx\n",
        &[("images", "ubuntu")],
        "[error] Thing/t spec.images: setter comment \"kpt-set: ${images}\": input to array setter must be an array of values, setter images has \"ubuntu\"",
    );
}

#[test]
fn bad_input_underivable_pattern() {
    assert_one_error(
        "  image: nginx1.2 # kpt-set: ${a}${b}\n",
        &[("a", "ubuntu")],
        "[error] Thing/t spec.image: setter comment \"kpt-set: ${a}${b}\": values for setters [${b}] must be provided (the current value \"nginx1.2\" matches the pattern in more than one way)",
    );
    assert_one_error(
        "  image: irrelevant_value # kpt-set: ${image}:${tag}\n",
        &[("image", "ubuntu")],
        "[error] Thing/t spec.image: setter comment \"kpt-set: ${image}:${tag}\": values for setters [${tag}] must be provided (the current value \"irrelevant_value\" does not match the pattern)",
    );
}

#[test]
fn bad_input_unknown_enum_key() {
    assert_one_error(
        "  size: 1 # {\"$kpt-set\":\"size\"}\n",
        &[("size", "medium")],
        "[error] Kptfile/pkg openAPI.definitions.io.k8s.cli.setters.size: value \"medium\" for setter size is not one of its enumValues [small, large]",
    );
}

#[test]
fn bad_input_array_pattern_not_single_setter() {
    assert_one_error(
        "  images: [a, b] # kpt-set: ${images}:${tag}\n",
        &[("images", "[x]")],
        "[error] Thing/t spec.images: setter comment \"kpt-set: ${images}:${tag}\": invalid setter pattern for array node: \"${images}:${tag}\"",
    );
}

#[test]
fn enum_values_map_and_store_the_key() {
    let input = "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  size: 1 # {\"$kpt-set\":\"size\"}\n";
    let run = run_texts(&[KPTFILE, input], &settings(&[("size", "large")]));
    assert!(run.of(Severity::Error).is_empty());
    assert_eq!(run.outputs[1], input.replace("size: 1 #", "size: 50 #"));
    assert_eq!(
        run.outputs[0],
        KPTFILE
            .replace("          value: small\n", "          value: large\n")
            .replace(
                "            large: \"50\"\n",
                "            large: \"50\"\n          isSet: true\n"
            )
    );
}

/// A string stays a string (kpt#3673: `"0071335"` became an octal int), whatever it reads as.
#[test]
fn typing_string_fields_stay_strings() {
    let input = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  commit: \"abc\" # kpt-set: ${commit}\n  plain: abc # kpt-set: ${commit}\n  flag: x # kpt-set: ${flag}\n  on: x # kpt-set: ${on}\n  count: x # kpt-set: ${count}\n";
    let (out, run) = run_text(
        input,
        &[
            ("commit", "0071335"),
            ("flag", "true"),
            ("on", "on"),
            ("count", "3"),
        ],
    );
    assert!(
        run.of(Severity::Warning).is_empty(),
        "{:?}",
        run.lines(Severity::Warning)
    );
    assert_eq!(
        out,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  commit: \"0071335\" # kpt-set: ${commit}\n  plain: '0071335' # kpt-set: ${commit}\n  flag: 'true' # kpt-set: ${flag}\n  on: 'on' # kpt-set: ${on}\n  count: '3' # kpt-set: ${count}\n"
    );
    let doc = private_gke::yaml::Document::parse(out.as_str()).unwrap();
    assert_eq!(
        doc.to_json(doc.roots()[0]).unwrap()["data"],
        json!({"commit": "0071335", "plain": "0071335", "flag": "true", "on": "on", "count": "3"})
    );
}

/// A bool/int/float field stays plain when the value reads as its type; else a warning naming
/// field, old and new type, and the value is written as a string. Never an explicit tag
/// (kpt#1673 wrote `!!int abc`).
#[test]
fn typing_typed_fields() {
    let input = "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  enabled: false # kpt-set: ${on}\n  replicas: 3 # kpt-set: ${n}\n  ratio: 0.5 # kpt-set: ${r}\n  tagged: !!int 3 # kpt-set: ${t}\n";
    let (out, run) = run_text(
        input,
        &[("on", "true"), ("n", "5"), ("r", "1"), ("t", "abc")],
    );
    assert_eq!(
        out,
        "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  enabled: true # kpt-set: ${on}\n  replicas: 5 # kpt-set: ${n}\n  ratio: 1.0 # kpt-set: ${r}\n  tagged: abc # kpt-set: ${t}\n"
    );
    assert_eq!(
        run.lines(Severity::Warning),
        vec!["[warning] Thing/t spec.tagged: setter comment \"kpt-set: ${t}\": the field held an integer, the new value \"abc\" reads as a string; written as a string"]
    );
    let (out, run) = run_text(input, &[("on", "yes"), ("n", "five")]);
    assert_eq!(
        out,
        "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  enabled: 'yes' # kpt-set: ${on}\n  replicas: five # kpt-set: ${n}\n  ratio: 0.5 # kpt-set: ${r}\n  tagged: !!int 3 # kpt-set: ${t}\n"
    );
    assert_eq!(
        run.lines(Severity::Warning),
        vec![
            "[warning] Thing/t spec.enabled: setter comment \"kpt-set: ${on}\": the field held a boolean, the new value \"yes\" reads as a string; written as a string",
            "[warning] Thing/t spec.replicas: setter comment \"kpt-set: ${n}\": the field held an integer, the new value \"five\" reads as a string; written as a string",
            "[warning] Thing/t spec.ratio: no value for setter ${r}: 1 field(s) that use it left as they are",
            "[warning] Thing/t spec.tagged: no value for setter ${t}: 1 field(s) that use it left as they are",
        ]
    );
}

/// A v0 setter's declared type wins over the field's.
#[test]
fn typing_declared_type_wins() {
    let kptfile = "apiVersion: kpt.dev/v1alpha1\nkind: Kptfile\nmetadata:\n  name: p\nopenAPI:\n  definitions:\n    io.k8s.cli.setters.port:\n      type: integer\n      x-k8s-cli:\n        setter:\n          name: port\n          value: \"80\"\n";
    let input = "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  port: \"80\" # {\"$kpt-set\":\"port\"}\n";
    let run = run_texts(&[kptfile, input], &settings(&[("port", "8080")]));
    assert!(run.of(Severity::Warning).is_empty());
    assert_eq!(run.outputs[1], input.replace("port: \"80\"", "port: 8080"));
}

/// One info per changed field (resource, field path, file, old and new value), warnings for
/// unused and unresolved setters, one summary.
#[test]
fn results_name_everything() {
    let input = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\n  annotations:\n    config.kubernetes.io/path: 'apps/web.yaml'\nspec:\n  replicas: 1 # kpt-set: ${replicas}\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.7.9 # kpt-set: ${image}:${tag}\n        args: # kpt-set: ${args}\n        - a\n";
    let (_, run) = run_text(
        input,
        &[("replicas", "2"), ("image", "ubuntu"), ("unused", "x")],
    );
    let infos = run.of(Severity::Info);
    assert_eq!(infos.len(), 3);
    let first = serde_json::to_value(infos[0]).unwrap();
    assert_eq!(
        first,
        json!({
            "message": "set by setter comment \"kpt-set: ${replicas}\"",
            "severity": "info",
            "resourceRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "namespace": "prod"},
            "field": {"path": "spec.replicas", "currentValue": 1, "proposedValue": 2},
            "file": {"path": "apps/web.yaml"}
        })
    );
    let second = serde_json::to_value(infos[1]).unwrap();
    assert_eq!(
        second["field"],
        json!({"path": "spec.template.spec.containers[0].image", "currentValue": "nginx:1.7.9", "proposedValue": "ubuntu:1.7.9"})
    );
    assert_eq!(
        infos[2].message,
        "setters: 2 field(s) changed in 1 resource(s), 0 Kptfile setter definition(s) updated; setters used: [image, replicas]"
    );
    assert_eq!(
        run.lines(Severity::Warning),
        vec![
            "[warning] Deployment/prod/web spec.template.spec.containers[0].args: no value for setter ${args}: 1 field(s) that use it left as they are (file apps/web.yaml)",
            "[warning] setter \"unused\" was given but no setter comment or Kptfile definition uses it",
        ]
    );
}

/// Arrays: block (comment on the key), flow (comment on the value), empty values, a YAML
/// sequence value in either style; a kpt v0 list setter as head comment.
#[test]
fn array_setters() {
    let input = "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  block: # kpt-set: ${block}\n    - a\n    - b\n  flow: [a, b] # kpt-set: ${flow}\n  ints: [1, 2] # kpt-set: ${ints}\n";
    let (out, run) = run_text(
        input,
        &[
            ("block", "[x, y, z]"),
            ("flow", "- p\n- q\n"),
            ("ints", "[3, \"4\"]"),
        ],
    );
    assert!(run.of(Severity::Error).is_empty());
    assert!(
        run.of(Severity::Warning).is_empty(),
        "{:?}",
        run.lines(Severity::Warning)
    );
    assert_eq!(
        out,
        "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  block: # kpt-set: ${block}\n    - x\n    - 'y'\n    - z\n  flow: [p, q] # kpt-set: ${flow}\n  ints: [3, 4] # kpt-set: ${ints}\n"
    );
    let (out, _) = run_text(input, &[("block", ""), ("flow", "")]);
    assert_eq!(
        out,
        "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  block: [] # kpt-set: ${block}\n  flow: [] # kpt-set: ${flow}\n  ints: [1, 2] # kpt-set: ${ints}\n"
    );
}

/// kpt v0 comments in a package without a Kptfile definition act like `${name}` (the shared
/// benchmark input has `{"$kpt-set":"location"}` and no Kptfile).
#[test]
fn v0_comment_without_kptfile() {
    let input = "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  # Location.\n  location: us-central1 # {\"$kpt-set\":\"location\"}\n  # {\"$ref\":\"#/definitions/io.k8s.cli.setters.zones\"}\n  zones:\n  - a\n";
    let (out, run) = run_text(input, &[("location", "europe-west1"), ("zones", "[b, c]")]);
    assert!(run.of(Severity::Error).is_empty());
    assert_eq!(
        out,
        input
            .replace("location: us-central1", "location: europe-west1")
            .replace("  zones:\n  - a\n", "  zones:\n  - b\n  - c\n")
    );
}

/// region/zone are also given as gcloud.compute.region/zone (and the other way round).
#[test]
fn region_and_zone_aliases() {
    let input = "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  region: us-central1 # kpt-set: ${gcloud.compute.region}\n  zone: a # kpt-set: ${zone}\n";
    let (out, _) = run_text(
        input,
        &[
            ("region", "europe-west1"),
            ("gcloud.compute.zone", "europe-west1-b"),
        ],
    );
    assert_eq!(
        out,
        "apiVersion: v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n  region: europe-west1 # kpt-set: ${gcloud.compute.region}\n  zone: europe-west1-b # kpt-set: ${zone}\n"
    );
}

/// The kubeflow-distribution `kpt-setter-config.yaml`: a ConfigMap that is itself a setter target.
/// Its data values stay strings (a project number would otherwise become an int).
#[test]
fn setter_config_map_is_a_target() {
    if !reference_data::present() {
        return;
    }
    let input = read_reference(
        "catalog/GoogleCloudPlatform/kubeflow-distribution/@HEAD-40f4d050/kubeflow/kptconfig/kpt-setter-config.yaml",
    );
    let (out, run) = run_text(
        &input,
        &[
            ("name", "kf"),
            ("gcloud.project.projectNumber", "999911112222"),
            ("location", "us-east1"),
        ],
    );
    assert!(run.of(Severity::Error).is_empty());
    let expected = input
        .replace("  name: KF_NAME #", "  name: kf #")
        .replace(
            "  gcloud.project.projectNumber: KF_PROJECT_NUMBER #",
            "  gcloud.project.projectNumber: '999911112222' #",
        )
        .replace("  location: LOCATION #", "  location: us-east1 #");
    assert_eq!(out, expected);
}

/// A second run with the same values changes nothing, for every apply-setters case.
#[test]
fn idempotent_on_apply_setters_cases() {
    if !reference_data::present() {
        return;
    }
    let md = read_reference("catalog/apply-setters-cases.md");
    for case in read_cases(&md)
        .into_iter()
        .filter(|c| c.group == "TestApplySettersFilter" && !c.parts.contains_key("errMsg"))
    {
        let data = config_data(&case.parts["config"]);
        let pairs: Vec<(&str, &str)> = data.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (once, _) = run_text(&case.parts["input"], &pairs);
        let (twice, run) = run_text(&once, &pairs);
        assert_eq!(twice, once, "{}", case.title);
        assert!(run.of(Severity::Error).is_empty(), "{}", case.title);
        assert!(
            run.messages(Severity::Info)
                .last()
                .unwrap()
                .starts_with("setters: 0 field(s) changed"),
            "{}",
            case.title
        );
    }
}

/// Generated items (no origin) are left alone, even with setter comments in their text.
#[test]
fn generated_items_are_skipped() {
    let value = json!({"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "g"}});
    let text = "apiVersion: v1\nkind: Thing\nmetadata:\n  name: g # kpt-set: ${name}\n";
    let mut items = vec![Item::generated(value.clone(), Some(text.to_string()))];
    let mut results = Vec::new();
    setters::run(&settings(&[("name", "x")]), &mut items, &mut results);
    assert_eq!(*items[0].value(), value);
    assert_eq!(results.len(), 1);
    assert!(results[0]
        .message
        .starts_with("setters: 0 field(s) changed"));
}

/// Function mode: the items of a ResourceList kpt sent (captured from `kpt fn render` with a
/// `configMap:`), the functionConfig's data plus one more value; only the setter fields change,
/// results name the files from the path annotations.
#[test]
fn resource_list_from_kpt_render() {
    use private_gke::yaml::{Document, Edits, NodeKind};
    use std::sync::Arc;
    let src = read_copy("captures/captured-render-configmap.yaml");
    let doc = Arc::new(Document::parse(src.as_str()).unwrap());
    let root = doc.roots()[0];
    let list = doc.get(root, "items").unwrap();
    let (NodeKind::Sequence { .. }, nodes) = (doc.node(list).kind, doc.items(list)) else {
        panic!("items is a sequence");
    };
    let mut items: Vec<Item> = nodes
        .iter()
        .map(|&n| Item::read(doc.clone(), n).unwrap())
        .collect();
    let config = doc
        .to_json(doc.get(root, "functionConfig").unwrap())
        .unwrap();
    let mut values: Vec<(String, String)> = config["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    values.push(("v".into(), "0012".into()));
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut results = Vec::new();
    setters::run(&settings(&pairs), &mut items, &mut results);
    let mut edits = Edits::default();
    for item in &items {
        let origin = item.origin.as_ref().unwrap();
        doc.sync(origin.node, item.value(), &mut edits).unwrap();
    }
    let out = edits.apply(&src).unwrap();
    assert_eq!(
        out,
        src.replace(
            "enablePrivateNodes: false # kpt-set",
            "enablePrivateNodes: true # kpt-set"
        )
        .replace(
            "version: \"0071335\" # kpt-set",
            "version: \"0012\" # kpt-set"
        )
    );
    let lines: Vec<String> = results.iter().map(|r| r.to_line()).collect();
    assert_eq!(
        lines,
        vec![
            "[info] ContainerCluster/kf spec.privateClusterConfig.enablePrivateNodes: set by setter comment \"kpt-set: ${gke.private}\" (file resources.yaml)",
            "[info] ConfigMap/cm data.version: set by setter comment \"kpt-set: ${v}\" (file resources.yaml)",
            "[warning] ContainerCluster/kf spec.location: no value for setter ${location}: 1 field(s) that use it left as they are (file resources.yaml)",
            "[warning] ContainerCluster/kf metadata.name: no value for setter ${name}: 1 field(s) that use it left as they are (file resources.yaml)",
            "[warning] ConfigMap/setters data.region: no value for setter ${region}: 1 field(s) that use it left as they are (file setters.yaml)",
            "[warning] setter \"replicas\" was given but no setter comment or Kptfile definition uses it",
            "[info] setters: 2 field(s) changed in 2 resource(s), 0 Kptfile setter definition(s) updated; setters used: [gke.private, v]",
        ]
    );
}

#[test]
fn a_settings_file_without_api_version_is_set_and_a_ref_to_no_definition_is_left_alone() {
    // The blueprint's `instance/settings.yaml`: no apiVersion or kind, a `private` setter that no
    // Kptfile defines. `kpt cfg set` sets `name` and never looks at `private`.
    let settings_file = "# Name of kubeconfig contexts\nname: KUBEFLOW-NAME # {\"$kpt-set\":\"name\"}\ngkePrivate: false # {\"$kpt-set\":\"private\"}\n";
    let run = run_texts(&[KPTFILE, settings_file], &settings(&[("name", "kf-test")]));
    assert!(run.lines(Severity::Error).is_empty(), "{:?}", run.results);
    assert_eq!(
        run.outputs[1],
        settings_file.replace("name: KUBEFLOW-NAME", "name: kf-test")
    );
    // Given, the missing definition is an error as before.
    let run = run_texts(
        &[KPTFILE, settings_file],
        &settings(&[("name", "kf-test"), ("private", "true")]),
    );
    assert_eq!(
        run.lines(Severity::Error),
        ["[error] gkePrivate: setter comment {\"$kpt-set\":\"private\"}: no setter or substitution private in the Kptfile"]
    );
}

/// A setter on an empty value with a tag (`owner: !!str # kpt-set: ${name}`): the tag goes with
/// the empty value, so the field reads as the value set (not `kf-demo !!str`).
#[test]
fn setter_on_an_empty_tagged_value() {
    let input = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  owner: !!str # kpt-set: ${name}\n";
    let (out, run) = run_text(input, &[("name", "kf-demo")]);
    assert!(run.of(Severity::Error).is_empty());
    assert_eq!(
        out,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  owner: kf-demo # kpt-set: ${name}\n"
    );
}

/// A ResourceList with CR-only line breaks comes back with CR-only line breaks: the set field,
/// the results block and its lines, and it reads back as the same items.
#[test]
fn cr_only_input_gets_cr_only_output() {
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x # kpt-set: ${name}\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: fc\n  data:\n    name: newname\n"
        .replace('\n', "\r");
    let output = private_gke::process(input.as_bytes(), &private_gke::Options::default()).unwrap();
    assert_eq!(output.exit_code(), 0, "{}", output.stdout);
    let out = &output.stdout.to_string();
    assert!(!out.contains('\n'), "a `\\n` in CR-only output: {out:?}");
    assert!(
        out.contains("\r    name: newname # kpt-set: ${name}\r"),
        "{out:?}"
    );
    assert!(out.contains("\rresults:\r- message: "), "{out:?}");
    let doc = private_gke::yaml::Document::parse(out.as_str()).unwrap();
    let view = doc.to_json(doc.roots()[0]).unwrap();
    assert_eq!(view["items"][0]["metadata"]["name"], "newname");
    assert!(view["results"].as_array().is_some_and(|r| !r.is_empty()));
}
