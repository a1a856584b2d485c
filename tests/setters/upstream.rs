//! Upstream conformance: kubeflow/manifests v1.1 `gcp/` (a kpt v0 package) with upstream's test
//! setter values reproduces upstream's own golden output of `kpt cfg set`
//! (`tests/testdata_gcp_kpt/gcp`), Kptfile included; and a second run changes nothing.

use crate::helpers as support;

use private_gke::krm::Severity;
use std::path::{Path, PathBuf};
use support::*;

/// Upstream ran `kpt cfg set` once per setter, in this order.
const VALUES: &[(&str, &str)] = &[
    ("gcloud.core.project", "customerProject"),
    ("gcloud.project.projectNumber", "999911112222"),
    ("gcloud.compute.zone", "testZone"),
    ("gcloud.compute.region", "testRegion"),
    ("location", "testLocation"),
    ("name", "testKptName"),
    ("log-firewalls", "true"),
    ("mgmt-name", "testMgmtName"),
];

/// Files of the input without a counterpart in the golden tree, with the reason.
const NOT_IN_GOLDEN: &[(&str, &str)] = &[(
    "v2/management/",
    "upstream's golden tree has no v2/management (the golden data predates it); these files are set but not compared",
)];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
                || path.file_name().is_some_and(|n| n == "Kptfile")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

struct Package {
    rel: Vec<String>,
    texts: Vec<String>,
}

fn read_package() -> Package {
    let root = PathBuf::from(reference("upstream/kubeflow-manifests/gcp"));
    let paths = files(&root);
    let rel = paths
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let texts = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    Package { rel, texts }
}

#[test]
fn kubeflow_gcp_matches_upstream_golden_output() {
    if !reference_data::present() {
        return;
    }
    let package = read_package();
    let texts: Vec<&str> = package.texts.iter().map(String::as_str).collect();
    let run = run_texts(&texts, &settings(VALUES));
    assert!(
        run.of(Severity::Error).is_empty(),
        "{:?}",
        run.lines(Severity::Error)
    );
    let golden = reference("upstream/kubeflow-manifests/tests/testdata_gcp_kpt/gcp");
    let mut compared = 0;
    let mut failures = Vec::new();
    for (rel, out) in package.rel.iter().zip(&run.outputs) {
        let want_path = Path::new(&golden).join(rel);
        if !want_path.exists() {
            assert!(
                NOT_IN_GOLDEN
                    .iter()
                    .any(|(prefix, _)| rel.starts_with(prefix)),
                "{rel} is not in the golden tree and not listed"
            );
            continue;
        }
        compared += 1;
        let want = std::fs::read_to_string(&want_path).unwrap();
        if *out != want {
            let diff = similar::TextDiff::from_lines(want.as_str(), out.as_str())
                .unified_diff()
                .header("golden", "ours")
                .to_string();
            failures.push(format!("{rel}:\n{diff}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(compared, 30, "every golden file is compared");
    // No warnings: every given setter is defined in the Kptfile.
    assert!(
        run.of(Severity::Warning).is_empty(),
        "{:?}",
        run.lines(Severity::Warning)
    );
}

#[test]
fn kubeflow_gcp_second_run_changes_nothing() {
    if !reference_data::present() {
        return;
    }
    let package = read_package();
    let texts: Vec<&str> = package.texts.iter().map(String::as_str).collect();
    let first = run_texts(&texts, &settings(VALUES));
    let once: Vec<&str> = first.outputs.iter().map(String::as_str).collect();
    let second = run_texts(&once, &settings(VALUES));
    assert_eq!(second.outputs, first.outputs);
    let infos = second.messages(Severity::Info);
    assert_eq!(infos.len(), 1, "{infos:?}");
    assert!(
        infos[0].starts_with(
            "setters: 0 field(s) changed in 0 resource(s), 0 Kptfile setter definition(s) updated"
        ),
        "{}",
        infos[0]
    );
}
