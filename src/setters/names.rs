//! The setter names a package uses: in its setter comments and its Kptfiles' definitions.

use super::comment::{parse_line, SetterComment};
use super::defs::Definitions;
use crate::krm::Item;
use std::collections::{BTreeSet, HashSet};

/// Every setter name the items' setter comments (kpt v1 patterns, kpt v0 references) and
/// Kptfile `openAPI.definitions` use; each read text is scanned once.
pub fn names_in_use(items: &[Item]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut seen = HashSet::new();
    for origin in items.iter().filter_map(|i| i.origin.as_ref()) {
        if !seen.insert(std::sync::Arc::as_ptr(&origin.doc)) {
            continue;
        }
        let source = origin.doc.source();
        for range in origin.doc.comments() {
            let text = source[range.clone()].trim_start_matches('#');
            match parse_line(text) {
                Ok(Some(SetterComment::V1(pattern))) => {
                    names.extend(pattern.names().into_iter().map(str::to_string));
                }
                Ok(Some(SetterComment::V0(reference, _))) => {
                    names.insert(reference.name().to_string());
                }
                _ => {}
            }
        }
    }
    let defs = Definitions::read(
        items
            .iter()
            .enumerate()
            .filter(|(_, it)| it.kind() == "Kptfile")
            .map(|(i, it)| (i, it.value())),
    );
    names.extend(defs.setters.into_keys());
    names.extend(defs.substitutions.into_keys());
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::Document;
    use std::sync::Arc;

    fn items(src: &str) -> Vec<Item> {
        let doc = Arc::new(Document::parse(src).unwrap());
        doc.roots()
            .iter()
            .map(|&root| Item::read(doc.clone(), root).unwrap())
            .collect()
    }

    #[test]
    fn names_from_v1_patterns_v0_references_and_definitions() {
        let src = "apiVersion: v1\nkind: A\nmetadata:\n  name: a # kpt-set: ${gcloud.core.project}-${name}\nspec:\n  # {\"$kpt-set\":\"replicas\"}\n  r: 3\n  z: x # {\"$ref\":\"#/definitions/io.k8s.cli.setters.zone\"}\n  plain: x # just a comment\n---\napiVersion: kpt.dev/v1alpha1\nkind: Kptfile\nmetadata:\n  name: k\nopenAPI:\n  definitions:\n    io.k8s.cli.setters.tier:\n      x-k8s-cli:\n        setter:\n          name: tier\n          value: small\n";
        let names = names_in_use(&items(src));
        let expected: BTreeSet<String> =
            ["gcloud.core.project", "name", "replicas", "tier", "zone"]
                .into_iter()
                .map(String::from)
                .collect();
        assert_eq!(names, expected);
    }
}
