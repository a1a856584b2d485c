//! kpt v0 setter comments (`{"$kpt-set":…}`, `{"$ref":…}`, `{"$openapi":…}`) rewritten as kpt
//! v1 `kpt-set:` line comments whose pattern spells out the substitution.

use crate::setters::comment::{parse_line, SetterComment, V0Ref};
use crate::setters::defs::{replace_markers, Definitions, Target};
use crate::setters::pattern::Pattern;
use crate::yaml::{Document, Edits, ParseOptions};
use std::collections::BTreeSet;

/// What converting one file's comments gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Converted {
    /// The new text, when any comment changed.
    pub text: Option<String>,
    /// Comments rewritten.
    pub count: usize,
    /// Comments left as they are: (1-based line, why).
    pub problems: Vec<(usize, String)>,
    /// The setters the file's kpt v1 comments (converted or already there) use.
    pub names: BTreeSet<String>,
}

/// The kpt v1 pattern of a v0 reference: `${setter}` for a setter, a substitution's pattern
/// with every marker replaced by the pattern of what it refers to (nested substitutions too).
pub fn v1_pattern(defs: &Definitions, reference: &V0Ref) -> Result<String, String> {
    let mut stack = Vec::new();
    pattern_inner(defs, reference, &mut stack)
}

fn pattern_inner(
    defs: &Definitions,
    reference: &V0Ref,
    stack: &mut Vec<String>,
) -> Result<String, String> {
    match defs.resolve(reference) {
        None => Err(format!(
            "{} {:?} is not defined in the package's Kptfile",
            match reference {
                V0Ref::Substitution(_) => "substitution",
                V0Ref::Setter(_) => "setter",
                V0Ref::Short(_) => "setter or substitution",
            },
            reference.name()
        )),
        Some(Target::Setter(setter)) => {
            if setter.name.contains('}') {
                return Err(format!(
                    "setter {:?}: a kpt v1 setter name cannot contain `}}`",
                    setter.name
                ));
            }
            Ok(format!("${{{}}}", setter.name))
        }
        Some(Target::Substitution(sub)) => {
            if stack.contains(&sub.name) {
                stack.push(sub.name.clone());
                return Err(format!(
                    "substitutions refer to each other: {}",
                    stack.join(" -> ")
                ));
            }
            stack.push(sub.name.clone());
            let mut values = Vec::with_capacity(sub.values.len());
            for (marker, target) in &sub.values {
                values.push((marker.as_str(), pattern_inner(defs, target, stack)?));
            }
            stack.pop();
            Ok(replace_markers(&sub.pattern, &values))
        }
    }
}

/// Rewrite every kpt v0 setter line comment of `src` whose reference `defs` resolves as
/// `# kpt-set: <pattern>`; nothing else in the text changes. A v0 comment on a line of its own
/// (a head comment, which kpt v1 does not read), one that does not resolve and a broken one
/// are problems, left as they are.
pub fn convert(src: &str, defs: &Definitions) -> Result<Converted, String> {
    let options = ParseOptions {
        allow_duplicate_keys: true,
    };
    let doc = Document::parse_with(src, options).map_err(|e| e.to_string())?;
    let mut out = Converted::default();
    let mut edits = Edits::default();
    for range in doc.comments() {
        let text = src[range.clone()].trim_start_matches('#').trim();
        let line = doc.position(range.start).0;
        let reference = match parse_line(text) {
            Ok(Some(SetterComment::V0(reference, _))) => reference,
            Ok(Some(SetterComment::V1(pattern))) => {
                out.names
                    .extend(pattern.names().into_iter().map(str::to_string));
                continue;
            }
            Ok(None) => continue,
            Err(e) => {
                out.problems.push((line, e));
                continue;
            }
        };
        let before = &src[doc.line_start(range.start)..range.start];
        if before.trim_matches([' ', '\t', '-']).is_empty() {
            out.problems.push((
                line,
                format!(
                    "{text} is a comment on a line of its own: kpt v1 reads setter comments only \
                     at the end of the field's line; move it there as `# kpt-set: …`"
                ),
            ));
            continue;
        }
        match v1_pattern(defs, &reference) {
            Ok(pattern) => {
                let parsed = Pattern::parse(&pattern);
                out.names
                    .extend(parsed.names().into_iter().map(str::to_string));
                edits.replace(range.clone(), format!("# kpt-set: {pattern}"));
                out.count += 1;
            }
            Err(e) => out
                .problems
                .push((line, format!("{text}: {e}; left as it is"))),
        }
    }
    if !edits.is_empty() {
        out.text = Some(edits.apply(src).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defs() -> Definitions {
        let kptfile = json!({
            "apiVersion": "kpt.dev/v1alpha1",
            "kind": "Kptfile",
            "openAPI": {"definitions": {
                "io.k8s.cli.setters.name": {"x-k8s-cli": {"setter": {"name": "name", "value": "kf"}}},
                "io.k8s.cli.setters.gcloud.core.project": {"x-k8s-cli": {"setter": {"name": "gcloud.core.project", "value": "p"}}},
                "io.k8s.cli.setters.location": {"x-k8s-cli": {"setter": {"name": "location", "value": "l"}}},
                "io.k8s.cli.substitutions.cluster-name": {"x-k8s-cli": {"substitution": {
                    "name": "cluster-name",
                    "pattern": "PROJECT_LOCATION_NAME",
                    "values": [
                        {"marker": "PROJECT", "ref": "#/definitions/io.k8s.cli.setters.gcloud.core.project"},
                        {"marker": "LOCATION", "ref": "#/definitions/io.k8s.cli.setters.location"},
                        {"marker": "NAME", "ref": "#/definitions/io.k8s.cli.setters.name"}]}}},
                "io.k8s.cli.substitutions.outer": {"x-k8s-cli": {"substitution": {
                    "name": "outer",
                    "pattern": "gke_INNER",
                    "values": [{"marker": "INNER", "ref": "#/definitions/io.k8s.cli.substitutions.cluster-name"}]}}},
                "io.k8s.cli.substitutions.loop": {"x-k8s-cli": {"substitution": {
                    "name": "loop",
                    "pattern": "x${l}",
                    "values": [{"marker": "${l}", "ref": "#/definitions/io.k8s.cli.substitutions.loop"}]}}}
            }}
        });
        Definitions::read([(0, &kptfile)])
    }

    #[test]
    fn patterns_of_each_reference() {
        let d = defs();
        let cases = [
            (V0Ref::Short("name".into()), Ok("${name}")),
            (V0Ref::Setter("location".into()), Ok("${location}")),
            (
                V0Ref::Substitution("cluster-name".into()),
                Ok("${gcloud.core.project}_${location}_${name}"),
            ),
            (
                V0Ref::Short("outer".into()),
                Ok("gke_${gcloud.core.project}_${location}_${name}"),
            ),
            (
                V0Ref::Short("nope".into()),
                Err("setter or substitution \"nope\" is not defined in the package's Kptfile"),
            ),
            (
                V0Ref::Substitution("loop".into()),
                Err("substitutions refer to each other: loop -> loop"),
            ),
        ];
        for (reference, want) in cases {
            let got = v1_pattern(&d, &reference);
            assert_eq!(
                got.as_deref(),
                want.map_err(str::to_string).as_deref(),
                "{reference:?}"
            );
        }
    }

    #[test]
    fn only_v0_line_comments_change() {
        let src = "a: 1 # plain comment\nname: kf # {\"$kpt-set\":\"name\"}\n# {\"$kpt-set\":\"name\"}\nb: kf\nc: x # {\"$ref\":\"#/definitions/io.k8s.cli.setters.zzz\"}\nd: y # {\"$kpt-set\": broken\n";
        let got = convert(src, &defs()).unwrap();
        assert_eq!(got.count, 1);
        assert_eq!(
            got.text.as_deref(),
            Some("a: 1 # plain comment\nname: kf # kpt-set: ${name}\n# {\"$kpt-set\":\"name\"}\nb: kf\nc: x # {\"$ref\":\"#/definitions/io.k8s.cli.setters.zzz\"}\nd: y # {\"$kpt-set\": broken\n")
        );
        let lines: Vec<usize> = got.problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, vec![3, 5, 6]);
        assert!(
            got.problems[0].1.contains("line of its own"),
            "{:?}",
            got.problems
        );
        assert_eq!(got.names, BTreeSet::from(["name".to_string()]));
    }

    #[test]
    fn nothing_to_convert_gives_no_text() {
        let got = convert("a: 1 # kpt-set: ${a}-${b}\n", &defs()).unwrap();
        assert_eq!(got.text, None);
        assert_eq!(got.count, 0);
        assert_eq!(
            got.names,
            BTreeSet::from(["a".to_string(), "b".to_string()])
        );
    }
}
