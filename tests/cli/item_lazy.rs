//! Items build their JSON view only when a stage needs it: a run that changes nothing builds
//! none, a run that changes some fields builds exactly the items it changes, and the written
//! output is the same either way.

use private_gke::krm::{materializations, ResourceList};
use private_gke::{config_map, process, run_stages, Options};

fn input(n: usize) -> String {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/tools/gen_bench_input.py"
    );
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(n.to_string())
        .output()
        .expect("python3 runs the generator");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn settings(pairs: &[(&str, &str)]) -> serde_json::Value {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    config_map(&pairs)
}

#[test]
fn a_run_that_changes_nothing_builds_no_item_view() {
    let src = input(200);
    let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    assert_eq!(items.len(), 200);
    let config = settings(&[("gke.private", "false")]);
    let before = materializations();
    run_stages(&mut items, Some(&config));
    assert_eq!(items.iter().filter(|i| i.is_materialized()).count(), 0);
    assert!(items.iter().all(|i| !i.is_changed()));
    assert_eq!(materializations(), before);

    let options = Options {
        function_config: Some(config),
    };
    let before = materializations();
    let out = process(src.as_bytes(), &options).unwrap();
    assert_eq!(materializations(), before, "reading, stages and writing");
    assert!(out
        .stdout
        .to_string()
        .starts_with("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"));
}

#[test]
fn setters_change_scalars_without_building_views() {
    let src = input(200);
    let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    // `prefix` names the clusters: only `${prefix}-0` … fields change; one value changes one
    // item, the same value as now changes none.
    let config = settings(&[("gke.private", "false"), ("project-id", "my-project")]);
    run_stages(&mut items, Some(&config));
    assert_eq!(items.iter().filter(|i| i.is_materialized()).count(), 0);

    let mut items = list.items.clone();
    let config = settings(&[("gke.private", "false"), ("project-id", "other-project")]);
    let before = materializations();
    run_stages(&mut items, Some(&config));
    let changed = items.iter().filter(|i| i.is_changed()).count();
    assert!(changed > 0);
    assert_eq!(items.iter().filter(|i| i.is_materialized()).count(), 0);
    assert_eq!(materializations(), before);
    for item in &items {
        let annotation = item.annotation("cnrm.cloud.google.com/project-id");
        assert!(annotation.is_none() || annotation == Some("other-project"));
    }

    // J1 of the benchmark, reading to writing and verifying: no view is built, and the output
    // is what syncing the built views writes.
    let pairs = [
        ("gke.private", "false"),
        ("project-id", "other-project"),
        ("location", "europe-west1"),
    ];
    let options = Options {
        function_config: Some(settings(&pairs)),
    };
    let before = materializations();
    let out = process(src.as_bytes(), &options).unwrap();
    assert_eq!(materializations(), before, "reading, stages and writing");
    let stdout = out.stdout.to_string();
    assert!(stdout.contains("other-project") && stdout.contains("europe-west1"));
    assert!(!stdout.contains("does not read back"), "verified");
    let mut items = list.items.clone();
    run_stages(&mut items, Some(&settings(&pairs)));
    let mut built = items.clone();
    for item in &mut built {
        if item.is_changed() {
            item.value_mut();
        }
    }
    let mut results = Vec::new();
    let mut built_results = Vec::new();
    assert_eq!(
        list.write(&items, &mut results).unwrap(),
        list.write(&built, &mut built_results).unwrap()
    );
}

#[test]
fn making_one_cluster_private_builds_that_cluster_only() {
    let src = input(200);
    let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    let config = settings(&[
        ("private-gke.cluster", "cluster-0"),
        ("region", "us-central1"),
        ("zone", "us-central1-a"),
    ]);
    run_stages(&mut items, Some(&config));
    let read: Vec<_> = items.iter().filter(|i| i.origin.is_some()).collect();
    assert_eq!(read.len(), 200);
    let built: Vec<&str> = read
        .iter()
        .filter(|i| i.is_materialized())
        .map(|i| i.name())
        .collect();
    assert_eq!(built, ["cluster-0"]);
    assert!(items.iter().any(|i| i.origin.is_none()), "the network");
}

#[test]
fn a_package_run_that_changes_nothing_builds_no_item_view() {
    // The generated list's items (`- ` at column 0) as documents, with their comments.
    let src = input(200);
    let mut documents: Vec<String> = Vec::new();
    let items = &src[src.find("\nitems:\n").unwrap() + 8..];
    for line in items.lines() {
        if let Some(first) = line.strip_prefix("- ") {
            documents.push(format!("{first}\n"));
        } else if let (Some(rest), Some(doc)) = (line.strip_prefix("  "), documents.last_mut()) {
            doc.push_str(rest);
            doc.push('\n');
        } else {
            break;
        }
    }
    assert_eq!(documents.len(), 200);
    let dir = tempfile::tempdir().unwrap();
    for (f, chunk) in documents.chunks(50).enumerate() {
        std::fs::write(dir.path().join(format!("f{f}.yaml")), chunk.join("---\n")).unwrap();
    }
    let options = private_gke::package::PackageOptions {
        function_config: Some(settings(&[("gke.private", "false")])),
        ..Default::default()
    };
    let before = materializations();
    let outcome = private_gke::package::run(dir.path(), &options).unwrap();
    assert_eq!(materializations(), before, "reading, stages and planning");
    assert!(outcome.changed.is_empty(), "{:?}", outcome.changed);
    assert_eq!(outcome.exit_code(), 0);

    // A setter builds the views of the items it changes, as many as in function mode.
    let pairs = [("gke.private", "false"), ("project-id", "other-project")];
    let list = ResourceList::read(src.as_bytes(), "stdin").unwrap();
    let mut items = list.items.clone();
    run_stages(&mut items, Some(&settings(&pairs)));
    let changed = items.iter().filter(|i| i.is_changed()).count();
    let options = private_gke::package::PackageOptions {
        function_config: Some(settings(&pairs)),
        ..Default::default()
    };
    let before = materializations();
    let outcome = private_gke::package::run(dir.path(), &options).unwrap();
    assert!(changed > 0);
    assert_eq!(materializations() - before, changed);
    assert!(!outcome.changed.is_empty());
}
