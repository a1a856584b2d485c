//! The applicable cases of `setters2-cases.md` (kustomize kyaml setters2 and `kpt cfg set`
//! tests, kpt v0 setters), run through parse -> setters -> sync -> apply.
//!
//! How a case maps onto this stage: the case's setter (or `args`' name and values) is given as a
//! setter value; the case's `openapi` goes into a Kptfile item run together with the input.
//!
//! Not applicable, by design (each named in the tests below where it is skipped):
//! - `--description`, `--set-by` and `isSet: false` (`kpt cfg set` flags): the stage always writes
//!   `isSet: true` and removes `setBy`, like `kpt cfg set` without those flags.
//! - `TestValidateAgainstSchema` (kpt's Go validator API), `TestSetSubPackages` (package
//!   recursion is package mode's), `TestAdd_Filter` and `TestGetValuesForMarkers` (creating
//!   setters), `TestSetAllSetterDefinitions` (copying definitions between packages).

use crate::helpers as support;

use private_gke::krm::Severity;
use serde_norway::Value as Yaml;
use support::*;

const KPTFILE_HEAD: &str = "apiVersion: kpt.dev/v1alpha1\nkind: Kptfile\nmetadata:\n  name: test\n";

/// A case's `openAPI` block as a Kptfile text (`kpt cfg set` finds the Kptfile by file name,
/// this stage by `kind: Kptfile`).
fn kptfile_text(openapi: &str) -> String {
    if openapi.starts_with("openAPI:") {
        format!("{KPTFILE_HEAD}{openapi}")
    } else {
        openapi.replacen("kind: Example", "kind: Kptfile", 1)
    }
}

/// The stored value of setter `name` in an `openAPI` text, as a setter value (a list setter's
/// `listValues` as a block sequence of JSON-quoted strings).
fn stored_value(openapi: &str, name: &str) -> Option<String> {
    let doc: Yaml = serde_norway::from_str(openapi).unwrap();
    let setter = &doc["openAPI"]["definitions"][format!("io.k8s.cli.setters.{name}").as_str()]
        ["x-k8s-cli"]["setter"];
    if let Some(list) = setter["listValues"].as_sequence() {
        let items: Vec<String> = list
            .iter()
            .map(|v| {
                let text = match v {
                    Yaml::String(s) => s.clone(),
                    Yaml::Number(n) => n.to_string(),
                    other => panic!("list value {other:?}"),
                };
                format!("- {}\n", serde_json::to_string(&text).unwrap())
            })
            .collect();
        return Some(items.concat());
    }
    match &setter["value"] {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Null => None,
        other => panic!("value {other:?}"),
    }
}

/// (case title, text in the reference's expected output, our text, reason).
type Difference = (&'static str, &'static str, &'static str, &'static str);

fn apply_differences(title: &str, expected: &str, list: &[Difference]) -> String {
    let mut text = expected.to_string();
    for (case, want, ours, _reason) in list {
        if title != *case {
            continue;
        }
        if want.is_empty() {
            text.push_str(ours);
        } else {
            assert!(
                text.contains(want),
                "{title}: listed difference {want:?} not in the expected text"
            );
            text = text.replacen(want, ours, 1);
        }
    }
    text
}

/// Why most differences below exist: the writer (yamlsync) quotes a new string that needs
/// quotes with single quotes where kyaml uses double quotes; the value is the same.
const SINGLE_QUOTES: &str =
    "writer quotes new strings with single quotes (kyaml: double); same value";

const FILTER_DIFFERENCES: &[Difference] = &[
    (
        "7. set-arg",
        "",
        " \n",
        "untouched text stays byte-identical: the input's last line (one space) is kept",
    ),
    (
        "14. set-args-list",
        "  - \"1\"\n  - \"2\"\n  - \"3\"\n",
        "  - '1'\n  - '2'\n  - '3'\n",
        SINGLE_QUOTES,
    ),
    (
        "15. set-args-list-replace",
        "  replicas:\n  - \"1\"\n  - \"2\"\n  - \"3\"\n",
        "  replicas: ['1', '2', '3']\n",
        "writer keeps a flow sequence flow (kyaml turns it into a block sequence); single quotes as above",
    ),
    (
        "18. set-quoted-value-with-colon",
        "app: \"value:\"",
        "app: 'value:'",
        SINGLE_QUOTES,
    ),
    (
        "19. set-quoted-list-values-with-colon",
        "  replicas:\n  - \"1:\"\n  - \"2:\"\n  - \"3:\"\n",
        "  replicas:\n    - '1:'\n    - '2:'\n    - '3:'\n",
        "a block sequence keeps its own indentation (kyaml re-indents the list); single quotes as above",
    ),
];

/// setters2 `TestSet_Filter`: the case's setter set to its stored value.
#[test]
fn set_filter_cases() {
    if !reference_data::present() {
        return;
    }
    let md = read_reference("catalog/setters2-cases.md");
    let cases: Vec<Case> = read_cases(&md)
        .into_iter()
        .filter(|c| c.group == "TestSet_Filter")
        .collect();
    assert_eq!(cases.len(), 19);
    let mut failures = Vec::new();
    for case in &cases {
        let openapi = &case.parts["openapi"];
        let setter = case.parts["setter"].as_str();
        let value = stored_value(openapi, setter).unwrap_or_else(|| "unused".to_string());
        let kptfile = kptfile_text(openapi);
        let input = &case.parts["input"];
        let run = run_texts(&[&kptfile, input], &settings(&[(setter, &value)]));
        let expected = apply_differences(&case.title, &case.parts["expected"], FILTER_DIFFERENCES);
        let errors = run.messages(Severity::Error);
        if !errors.is_empty() {
            failures.push(format!("{}: errors {errors:?}", case.title));
        }
        if run.outputs[1] != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}\n--- ours\n{}",
                case.title, run.outputs[1]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// setters2 `TestSet_SetAll`: several resources (and files); only the referencing field changes.
#[test]
fn set_all_cases() {
    if !reference_data::present() {
        return;
    }
    let md = read_reference("catalog/setters2-cases.md");
    let cases: Vec<Case> = read_cases(&md)
        .into_iter()
        .filter(|c| c.group == "TestSet_SetAll")
        .collect();
    assert_eq!(cases.len(), 2);
    for case in &cases {
        let openapi = &case.parts["openapi"];
        let setter = case.parts["setter"].as_str();
        let value = stored_value(openapi, setter).unwrap();
        let kptfile = kptfile_text(openapi);
        let inputs: Vec<&str> = case.parts["input"].split(SLICE_SEPARATOR).collect();
        let expected: Vec<&str> = case.parts["expected"].split(SLICE_SEPARATOR).collect();
        let mut texts = vec![kptfile.as_str()];
        texts.extend(&inputs);
        let run = run_texts(&texts, &settings(&[(setter, &value)]));
        assert!(run.of(Severity::Error).is_empty(), "{}", case.title);
        // The reference lists only the files it wrote; an unchanged file stays as it was.
        for (i, input) in inputs.iter().enumerate() {
            let want = expected.get(i).copied().unwrap_or(input);
            assert_eq!(run.outputs[i + 1], want, "{} text {i}", case.title);
        }
    }
}

const OPENAPI_DIFFERENCES: &[Difference] = &[
    ("2. set-annotation-quoted", "value: \"3\"", "value: '3'", SINGLE_QUOTES),
    (
        "6. set-replicas-with-enum",
        "          value: \"baz\"\n          enumValues:\n            foo: bar\n            baz: biz\n",
        "          value: \"baz\"\n          enumValues:\n            foo: bar\n            baz: biz\n          isSet: true\n",
        "the case runs kpt with isSet false; the stage always marks a set setter isSet: true",
    ),
    (
        "9. set-args-list",
        "          listValues: [\"2\", \"3\", \"4\"]\n          required: true\n",
        "          listValues: ['2', '3', '4']\n          required: true\n          isSet: true\n",
        "the case runs kpt with isSet false; the stage always marks a set setter isSet: true; single quotes as in SINGLE_QUOTES",
    ),
];

/// setters2 `TestSetOpenAPI_Filter`: what setting a setter writes into the Kptfile.
#[test]
fn set_openapi_cases() {
    if !reference_data::present() {
        return;
    }
    let md = read_reference("catalog/setters2-cases.md");
    let cases: Vec<Case> = read_cases(&md)
        .into_iter()
        .filter(|c| c.group == "TestSetOpenAPI_Filter")
        .collect();
    assert_eq!(cases.len(), 9);
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in &cases {
        if case.parts.contains_key("description") || case.parts.contains_key("setBy") {
            // `--description` / `--set-by`: flags of `kpt cfg set`, not settings of this stage.
            continue;
        }
        let setter = case.parts["setter"].as_str();
        let value = match case.parts.get("values") {
            // `value` plus `values` of a list setter, as one sequence.
            Some(values) => {
                let more: Vec<&str> = values
                    .trim_start_matches("[]string{")
                    .trim_end_matches('}')
                    .split(", ")
                    .map(|v| v.trim_matches('"'))
                    .collect();
                let mut all = vec![case.parts["value"].as_str()];
                all.extend(more);
                all.iter().map(|v| format!("- {v}\n")).collect::<String>()
            }
            None => case.parts.get("value").cloned().unwrap_or_default(),
        };
        let input = kptfile_text(&case.parts["input"]);
        let run = run_texts(&[&input], &settings(&[(setter, &value)]));
        checked += 1;
        match case.title.as_str() {
            "7. set-replicas-fail" => {
                assert_eq!(
                    run.lines(Severity::Error),
                    vec!["[error] Kptfile/test openAPI.definitions.io.k8s.cli.setters.replicas: value \"hello\" for setter replicas is not one of its enumValues [foo, baz]"]
                );
                assert_eq!(run.outputs[0], input);
            }
            "8. error" => {
                // kpt: `setter "replicas" is not found` (an error); here a warning, and nothing changes.
                assert!(run.of(Severity::Error).is_empty());
                assert_eq!(
                    run.messages(Severity::Warning),
                    vec!["setter \"replicas\" was given but no setter comment or Kptfile definition uses it"]
                );
                assert_eq!(run.outputs[0], kptfile_text(&case.parts["expected"]));
            }
            _ => {
                assert!(
                    run.of(Severity::Error).is_empty(),
                    "{}: {:?}",
                    case.title,
                    run.lines(Severity::Error)
                );
                let expected = apply_differences(
                    &case.title,
                    &kptfile_text(&case.parts["expected"]),
                    OPENAPI_DIFFERENCES,
                );
                if run.outputs[0].trim_end_matches(['\n', ' '])
                    != expected.trim_end_matches(['\n', ' '])
                {
                    failures.push(format!(
                        "{}:\n--- expected\n{expected}\n--- ours\n{}",
                        case.title, run.outputs[0]
                    ));
                }
            }
        }
    }
    assert_eq!(checked, 7);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A `kpt cfg set` argument list: (setter name, values, whether a flag outside the stage's
/// scope was used).
fn parse_args(args: &str) -> (String, Vec<String>, bool) {
    let inner = args.trim_start_matches("[]string{").trim_end_matches('}');
    let words: Vec<String> = inner
        .split(", ")
        .map(|w| w.trim_matches('"').to_string())
        .collect();
    let mut name = String::new();
    let mut values = Vec::new();
    let mut flags = false;
    let mut i = 0;
    while i < words.len() {
        match words[i].as_str() {
            "--values" => {
                values.push(words[i + 1].clone());
                i += 1;
            }
            "--description" | "--set-by" => {
                flags = true;
                i += 1;
            }
            "-R" => flags = true,
            w if name.is_empty() => name = w.to_string(),
            w => values.push(w.to_string()),
        }
        i += 1;
    }
    (name, values, flags)
}

/// Our exact error for the `kpt cfg set` cases that fail (kpt's message in the comment).
fn command_error(title: &str) -> Option<&'static str> {
    Some(match title {
        // kpt: replicas in body must be of type number
        "5. validate openAPI number" => "[error] Kptfile/ openAPI.definitions.io.k8s.cli.setters.replicas: setter replicas: value \"four\" is not of the declared type number (it reads as string)",
        // kpt: name in body should be at most 5 chars long
        "6. validate openAPI string maxLength" => "[error] Kptfile/ openAPI.definitions.io.k8s.cli.setters.name: setter name: value \"wordpress\" is 9 characters long, at most 5 allowed",
        // kpt: tag in body should be at least 6 chars long
        "7. validate substitution" => "[error] Kptfile/ openAPI.definitions.io.k8s.cli.setters.tag: setter tag: value \"1.8.1\" is 5 characters long, at least 6 required",
        // kpt: list[1] in body must be of type integer: "string" (and two more)
        "8. validate openAPI list values" | "13. validate openAPI list values set by flag error" => "[error] Kptfile/ openAPI.definitions.io.k8s.cli.setters.list: setter list: 3 items given, at most 2 allowed",
        // kpt: cyclic substitution detected with name my-nested-subst
        "15. nested cyclic substitution" => "[error] Deployment/nginx-deployment spec.template.spec.containers[0].image: setter comment {\"$openapi\":\"my-nested-subst\"}: substitution cycle my-nested-subst -> my-image-subst -> my-nested-subst",
        _ => return None,
    })
}

const COMMAND_KPTFILE_DIFFERENCES: &[Difference] = &[(
    "12. openAPI list values set by flag success",
    "          - \"10\"\n          - \"11\"\n",
    "          - '10'\n          - '11'\n",
    SINGLE_QUOTES,
)];

const COMMAND_DIFFERENCES: &[Difference] = &[
    (
        "12. openAPI list values set by flag success",
        "  - \"10\"\n  - \"11\"\n",
        "  - 10\n  - 11\n",
        "typing: the setter declares `items: {type: integer}`, so the list gets integers (kpt writes strings)",
    ),
    (
        "14. nested substitution",
        "",
        " \n",
        "untouched text stays byte-identical: the input's last line (one space) is kept",
    ),
    (
        "4. set image with value",
        "",
        " \n",
        "untouched text stays byte-identical: the input's last line (one space) is kept",
    ),
];

/// kustomize `cmdset_test.go` (`kpt cfg set NAME VALUE`): resources and Kptfile after the set.
#[test]
fn set_command_cases() {
    if !reference_data::present() {
        return;
    }
    let md = read_reference("catalog/setters2-cases.md");
    let cases: Vec<Case> = read_cases(&md)
        .into_iter()
        .filter(|c| c.group == "TestSetCommand")
        .collect();
    assert_eq!(cases.len(), 15);
    let mut failures = Vec::new();
    for case in &cases {
        let (name, values, flags) = parse_args(&case.parts["args"]);
        if ["2.", "10.", "11."]
            .iter()
            .any(|n| case.title.starts_with(n))
        {
            // Argument-count checks of the command line: not a property of setting.
            assert!(name.is_empty() || values.len() != 1 || case.title.starts_with("10."));
            continue;
        }
        let openapi = kptfile_text(&case.parts["inputOpenAPI"]);
        let list = openapi.contains("listValues");
        let value = if list {
            values.iter().map(|v| format!("- {v}\n")).collect()
        } else {
            values[0].clone()
        };
        let input = &case.parts["input"];
        let run = run_texts(&[&openapi, input], &settings(&[(&name, &value)]));
        let errors = run.lines(Severity::Error);
        if let Some(want) = command_error(&case.title) {
            if errors != vec![want.to_string()] {
                failures.push(format!("{}: errors {errors:?}", case.title));
            }
            if run.outputs[0] != openapi || run.outputs[1] != *input {
                failures.push(format!("{}: text changed despite the error", case.title));
            }
            continue;
        }
        if !errors.is_empty() {
            failures.push(format!("{}: errors {errors:?}", case.title));
            continue;
        }
        let expected = apply_differences(
            &case.title,
            &case.parts["expectedResources"],
            COMMAND_DIFFERENCES,
        );
        if run.outputs[1] != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}\n--- ours\n{}",
                case.title, run.outputs[1]
            ));
        }
        if !flags {
            let want = apply_differences(
                &case.title,
                &kptfile_text(&case.parts["expectedOpenAPI"]),
                COMMAND_KPTFILE_DIFFERENCES,
            );
            if run.outputs[0].trim_end_matches(['\n', ' ']) != want.trim_end_matches(['\n', ' ']) {
                failures.push(format!(
                    "{} Kptfile:\n--- expected\n{want}\n--- ours\n{}",
                    case.title, run.outputs[0]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
