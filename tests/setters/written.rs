//! Setter results written item by item as the walk leaves each: summaries count the fields and
//! resources of each comment over all items, and an error in a later item undoes the changes
//! of every earlier one, whether kept beside the text or made in the view.

use crate::helpers::{run_texts, settings};
use private_gke::config::SetterResults;
use private_gke::krm::Severity;

/// Item `name` with a plain setter field, and a setter in a sequence (changed in the view).
fn thing(name: &str, extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Thing\nmetadata:\n  name: {name}\nspec:\n  a: old # kpt-set: ${{a}}\n  \
         list:\n  - old # kpt-set: ${{a}}\n{extra}"
    )
}

#[test]
fn summaries_count_fields_and_resources_over_items() {
    let (one, two) = (thing("one", ""), thing("two", "  b: old # kpt-set: ${a}\n"));
    let run = run_texts(&[&one, &two], &settings(&[("a", "new")]));
    let infos = run.messages(Severity::Info);
    assert_eq!(
        infos[0],
        "set by setter comment \"kpt-set: ${a}\": 5 fields in 2 resource(s): Thing/one spec.a, \
         Thing/one spec.list[0], Thing/two spec.a, … (private-gke.setter-results: full lists each)"
    );
    assert!(
        infos[1].starts_with("setters: 5 field(s) changed in 2 resource(s)"),
        "{infos:?}"
    );
    assert_eq!(run.outputs[1], two.replace("old", "new"));
    let field = run.results[0].field.as_ref().unwrap();
    assert_eq!(field.path, "spec.a");
    assert_eq!(field.current_value, Some("old".into()));
    assert_eq!(field.proposed_value, Some("new".into()));
    let mut full = settings(&[("a", "new")]);
    full.setter_results = SetterResults::Full;
    let run = run_texts(&[&one, &two], &full);
    let lines: Vec<String> = run.lines(Severity::Info);
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert_eq!(
        lines[4],
        "[info] Thing/two spec.b: set by setter comment \"kpt-set: ${a}\""
    );
}

#[test]
fn an_error_in_a_later_item_undoes_every_earlier_change() {
    let (one, two) = (thing("one", ""), thing("two", ""));
    let bad = thing("three", "  n: 1 # {\"$kpt-set\":\"n\"\n");
    for mode in [SetterResults::Summary, SetterResults::Full] {
        let mut given = settings(&[("a", "new"), ("n", "2")]);
        given.setter_results = mode;
        let run = run_texts(&[&one, &two, &bad], &given);
        assert_eq!(run.outputs, vec![one.clone(), two.clone(), bad.clone()]);
        assert_eq!(run.of(Severity::Error).len(), 1);
        let infos = run.messages(Severity::Info);
        assert_eq!(
            infos,
            vec!["setters: nothing changed because of 1 error(s)"]
        );
    }
}
