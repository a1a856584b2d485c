//! Every case of `apply-setters-cases.md` (kpt-functions-catalog apply-setters unit tests) and the
//! catalog's apply-setters e2e fixtures, run through parse -> setters -> sync -> apply.

use crate::helpers as support;

use private_gke::krm::Severity;
use support::*;

/// Cases where our output differs from apply-setters' on purpose or by the writer's choice:
/// (case number, text in apply-setters' expected output, our text, reason). An empty first text
/// means ours appends the second at the end.
const KNOWN_DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "6.",
        "",
        " \n",
        "untouched text stays byte-identical: the input's last line (one space) is kept; kyaml re-serialises the file and drops it",
    ),
    (
        "8.",
        "",
        " \n",
        "untouched text stays byte-identical: the input's last line (one space) is kept",
    ),
    (
        "13.",
        "name: \"\" #",
        "name: '' #",
        "writer (yamlsync) quotes a new empty string with single quotes; same value",
    ),
    (
        "13.",
        "image: :1.7.1 #",
        "image: ':1.7.1' #",
        "writer quotes a string starting with ':' (a plain `:1.7.1` is read differently by some YAML 1.1 parsers); same value",
    ),
    (
        "14.",
        "  - foo\n  - bar\n",
        "- foo\n- bar\n",
        "writer renders a new block sequence in the file's detected style; this file has no block sequence, so the compact default",
    ),
    (
        "14.",
        "  - dev\n  - prod\n",
        "- dev\n- prod\n",
        "as above",
    ),
];

/// apply-setters' expected text with our listed differences applied.
fn ours_expected(title: &str, expected: &str) -> String {
    let mut text = expected.to_string();
    for (case, want, ours, _reason) in KNOWN_DIFFERENCES {
        if !title.starts_with(case) {
            continue;
        }
        if want.is_empty() {
            text.push_str(ours);
        } else {
            assert!(
                text.contains(want),
                "{title}: listed difference {want:?} not in expected text"
            );
            text = text.replace(want, ours);
        }
    }
    text
}

#[test]
fn apply_setters_filter_cases() {
    if !reference_data::present() {
        return;
    }
    let md = read_reference("catalog/apply-setters-cases.md");
    let cases: Vec<Case> = read_cases(&md)
        .into_iter()
        .filter(|c| c.group == "TestApplySettersFilter")
        .collect();
    assert_eq!(cases.len(), 14, "every case of the file is read");
    let mut failures = Vec::new();
    for case in &cases {
        let input = &case.parts["input"];
        let config = config_data(&case.parts["config"]);
        let pairs: Vec<(&str, &str)> = config
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (out, run) = run_text(input, &pairs);
        let expected = ours_expected(&case.title, &case.parts["expectedResources"]);
        let errors = run.messages(Severity::Error);
        match case.parts.get("errMsg") {
            Some(msg) => {
                if errors.len() != 1 || !errors[0].contains(msg.as_str()) {
                    failures.push(format!(
                        "{}: errors {errors:?}, want one containing {msg:?}",
                        case.title
                    ));
                }
                if out != *input {
                    failures.push(format!(
                        "{}: text changed despite the error:\n{out}",
                        case.title
                    ));
                }
            }
            None => {
                if !errors.is_empty() {
                    failures.push(format!("{}: unexpected errors {errors:?}", case.title));
                }
                if out != expected {
                    failures.push(format!(
                        "{}:\n--- expected\n{expected}\n--- ours\n{out}",
                        case.title
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The catalog's `examples/apply-setters-simple` (and its v0.1/v0.2 copies): resources.yaml with
/// setters.yaml's data gives resources.yaml patched by `.expected/diff.patch`.
#[test]
fn catalog_example_apply_setters_simple() {
    if !reference_data::present() {
        return;
    }
    let base = "catalog/GoogleContainerTools/kpt-functions-catalog";
    for dir in [
        "examples/apply-setters-simple",
        "@apply-setters_v0.1/examples/apply-setters-simple",
        "@apply-setters_v0.2/examples/apply-setters-simple",
    ] {
        let input = read_reference(&format!(
            "{base}/examples/apply-setters-simple/resources.yaml"
        ));
        let setters_yaml = read_reference(&format!(
            "{base}/examples/apply-setters-simple/setters.yaml"
        ));
        let patch = read_reference(&format!("{base}/{dir}/.expected/diff.patch"));
        let expected = apply_patch(&input, &patch);
        let data = config_data(&setters_yaml);
        let pairs: Vec<(&str, &str)> = data.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (out, run) = run_text(&input, &pairs);
        assert_eq!(out, expected, "{dir}");
        assert!(run.of(Severity::Error).is_empty(), "{dir}");
        assert!(
            run.of(Severity::Warning).is_empty(),
            "{dir}: {:?}",
            run.lines(Severity::Warning)
        );
        assert_eq!(
            run.lines(Severity::Info),
            vec![
                "[info] Deployment/my-nginx spec.replicas: set by setter comment \"kpt-set: ${nginx-replicas}\"",
                "[info] Deployment/my-nginx spec.template.spec.containers[0].image: set by setter comment \"kpt-set: nginx:${tag}\"",
                "[info] MyKind/foo environments: set by setter comment \"kpt-set: ${env}\"",
                "[info] setters: 3 field(s) changed in 2 resource(s), 0 Kptfile setter definition(s) updated; setters used: [env, nginx-replicas, tag]",
            ],
            "{dir}"
        );
    }
}

/// The catalog's `tests/apply-setters/no-matches-error`: the Kptfile's `configMap` sets `name`
/// and `env`, no comment uses them. apply-setters says "no matches for input setter(s)"; we
/// change nothing, warn about `env` (`name` is also one of our own settings, so no warning) and
/// about the setters left without a value.
#[test]
fn catalog_test_no_matches() {
    if !reference_data::present() {
        return;
    }
    let base =
        "catalog/GoogleContainerTools/kpt-functions-catalog/tests/apply-setters/no-matches-error";
    let input = read_reference(&format!("{base}/resources.yaml"));
    let kptfile = read_reference(&format!("{base}/Kptfile"));
    let config: serde_norway::Value = serde_norway::from_str(&kptfile).unwrap();
    let map = &config["pipeline"]["mutators"][0]["configMap"];
    let name = map["name"].as_str().unwrap();
    let env = map["env"].as_str().unwrap();
    let (out, run) = run_text(&input, &[("name", name), ("env", env)]);
    assert_eq!(out, input);
    assert!(run.of(Severity::Error).is_empty());
    assert_eq!(
        run.lines(Severity::Warning),
        vec![
            "[warning] MyKind/ns environments: no value for setter ${non-matching-env}: 1 field(s) that use it left as they are",
            "[warning] ConfigMap/the-map metadata.name: no value for setter ${non-matching-name}: 1 field(s) that use it left as they are",
            "[warning] setter \"env\" was given but no setter comment or Kptfile definition uses it",
        ]
    );
    assert_eq!(
        run.messages(Severity::Info),
        vec!["setters: 0 field(s) changed in 0 resource(s), 0 Kptfile setter definition(s) updated; setters used: []"]
    );
}
