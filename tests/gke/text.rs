//! The private-GKE stage through the yaml layer: the patched cluster keeps its comments, adopted
//! upstream files keep their text, and a second run edits nothing.

use crate::gke_common::{self, *};
use private_gke::krm::Item;
use private_gke::yaml::{Document, Edits};
use serde_json::Value;
use std::sync::Arc;

const GOLDEN: &str = "kubeflow-1.1-gcp/v2";

/// One parsed file per path, its items read from it.
fn read_files(paths: &[&str]) -> (Vec<Arc<Document>>, Vec<Item>) {
    let mut docs = Vec::new();
    let mut items = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(copy(&format!("{GOLDEN}/{p}"))).unwrap();
        let doc = Arc::new(Document::parse(text).unwrap());
        for &root in doc.roots() {
            items.push(Item::read(doc.clone(), root).unwrap());
        }
        docs.push(doc);
    }
    (docs, items)
}

/// The new text of each file after syncing the items' changed values.
fn write(docs: &[Arc<Document>], items: &[Item]) -> Vec<String> {
    docs.iter()
        .map(|doc| {
            let mut edits = Edits::default();
            for item in items {
                if let Some(o) = &item.origin {
                    if Arc::ptr_eq(&o.doc, doc) && item.is_changed() {
                        doc.sync(o.node, item.value(), &mut edits).unwrap();
                    }
                }
            }
            edits.apply(doc.source()).unwrap()
        })
        .collect()
}

fn comments(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.find('#').map(|i| &l[i..]))
        .collect()
}

#[test]
fn cluster_comments_survive_and_adopted_files_stay_byte_identical() {
    if !reference_data::present() {
        return;
    }
    let files = [
        "cnrm/cluster/cluster.yaml",
        "privateGKE/firewall.yaml",
        "privateGKE/compute-network.yaml",
    ];
    let settings = config(&[
        ("private-gke.ip-allocation", "upstream"),
        ("private-gke.check-locations", "false"),
        ("region", "testRegion"),
        ("location", "testLocation"),
        ("log-firewalls", "true"),
        ("private-gke.cnrm-version", "1.15.1"),
    ]);
    let (docs, mut items) = read_files(&files);
    let results = run(&settings, &mut items);
    assert_eq!(errors(&results), Vec::<String>::new());
    let texts = write(&docs, &items);

    // The cluster: every comment kept; the text reads as the hydrated cluster.
    let cluster_text = &texts[0];
    assert_eq!(comments(cluster_text), comments(docs[0].source()));
    let doc = Document::parse(cluster_text.as_str()).unwrap();
    let got = normalize(&doc.to_json(doc.roots()[0]).unwrap());
    let want = docs_of_kind("ContainerCluster");
    assert_eq!(got, want);

    // Adopted upstream resources: every comment kept. compute-network.yaml already has the
    // desired values: text untouched but for the ownership annotation, added under metadata.
    // firewall.yaml reads as the guide's rules with issue 11's documented changes.
    for (i, text) in texts.iter().enumerate().skip(1) {
        let original = docs[i].source();
        assert_eq!(comments(text), comments(original), "{}", files[i]);
    }
    let removed: Vec<&str> = texts[2]
        .lines()
        .filter(|l| !l.contains("private-gke.dev/owned") && l.trim() != "annotations:")
        .collect();
    assert_eq!(removed, docs[2].source().lines().collect::<Vec<_>>());
    let mut want: std::collections::BTreeMap<String, Value> =
        gke_common::docs(&reference("derived/hydrated-private.yaml"))
            .into_iter()
            .map(|v| (key(&v), normalize(&v)))
            .collect();
    let old = Target {
        current_fields: false,
        policies: false,
    };
    issue_11(&mut want, "testKptName", old);
    let doc = Document::parse(texts[1].as_str()).unwrap();
    let rules: Vec<Value> = doc
        .roots()
        .iter()
        .map(|&r| normalize(&doc.to_json(r).unwrap()))
        .collect();
    assert_eq!(rules.len(), 10);
    for rule in &rules {
        assert_eq!(rule, &want[&key(rule)], "{}", key(rule));
    }

    // Second run on the written text: no edits at all.
    let mut docs2 = Vec::new();
    let mut items2 = Vec::new();
    for text in &texts {
        let doc = Arc::new(Document::parse(text.as_str()).unwrap());
        for &root in doc.roots() {
            items2.push(Item::read(doc.clone(), root).unwrap());
        }
        docs2.push(doc);
    }
    let n = items2.len();
    run(&settings, &mut items2);
    assert_eq!(
        items2.len(),
        n + generated_count(true, false) - 14,
        "only the resources not in these files are generated"
    );
    assert!(items2
        .iter()
        .filter(|i| i.origin.is_some())
        .all(|i| !i.is_changed()));
    assert_eq!(&write(&docs2, &items2), &texts);
}

fn docs_of_kind(kind: &str) -> Value {
    let all = docs(&copy("hydrated-private.yaml"));
    normalize(all.iter().find(|v| v["kind"] == kind).unwrap())
}
