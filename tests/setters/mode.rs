//! `private-gke.mode: setters` (the subpackage pipelines `private-gke migrate` writes): only
//! setter values, only on the functionConfig's own package under `kpt fn render`; and the
//! values such pipelines give are found by the root's run, package by package.

use private_gke::{process, Options};

const PKG: &str = "internal.config.kubernetes.io/package-path";

/// An item as `kpt fn render` sends it: its path relative to package `pkg`.
fn item(pkg: &str, path: &str, body: &str) -> String {
    let mut out = String::new();
    for (i, line) in body.lines().enumerate() {
        out.push_str(if i == 0 { "- " } else { "  " });
        out.push_str(line);
        out.push('\n');
        if line == "metadata:" {
            out.push_str(&format!(
                "    annotations:\n      {PKG}: '{pkg}'\n      internal.config.kubernetes.io/path: '{path}'\n      config.kubernetes.io/path: '{path}'\n"
            ));
        }
    }
    out
}

fn run(items: &[String], config: &str) -> String {
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{}functionConfig:\n{}",
        items.concat(),
        config
    );
    let output = process(input.as_bytes(), &Options::default()).unwrap();
    assert_eq!(output.exit_code(), 0, "{}", output.stdout);
    output.stdout.to_string()
}

const CLUSTER: &str = "apiVersion: container.cnrm.cloud.google.com/v1beta1
kind: ContainerCluster
metadata:
  name: kf # kpt-set: ${name}
spec:
  location: us-east1-d
";

fn sa(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name} # kpt-set: ${{name}}\n"
    )
}

fn setters_config(pkg: &str, name: &str) -> String {
    format!(
        "  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: setters\n    annotations:\n      {PKG}: '{pkg}'\n      internal.config.kubernetes.io/path: 'setters.yaml'\n  data:\n    private-gke.mode: setters\n    name: {name}\n"
    )
}

#[test]
fn setters_mode_sets_values_and_makes_nothing_private() {
    let out = run(
        &[item("/t", "cluster.yaml", CLUSTER)],
        &setters_config("/t", "kf-test"),
    );
    assert!(out.contains("name: kf-test # kpt-set: ${name}"), "{out}");
    assert!(!out.contains("privateClusterConfig"), "{out}");
    assert!(!out.contains("ComputeNetwork"), "{out}");
}

#[test]
fn setters_mode_leaves_subpackages_items_alone() {
    let out = run(
        &[
            item("/t", "a.yaml", &sa("a")),
            item("/t/sub", "b.yaml", &sa("b")),
        ],
        &setters_config("/t", "mine"),
    );
    assert!(out.contains("name: mine # kpt-set: ${name}"), "{out}");
    assert!(out.contains("name: b # kpt-set: ${name}"), "{out}");
}

#[test]
fn the_root_run_takes_each_packages_own_setters_file() {
    let kptfile = |pkg: &str| {
        item(
            pkg,
            "Kptfile",
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: p\npipeline:\n  mutators:\n  - exec: ./private-gke\n    configPath: setters.yaml\n",
        )
    };
    let values = |pkg: &str, name: &str| {
        item(
            pkg,
            "setters.yaml",
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s{}\ndata:\n  private-gke.mode: setters\n  name: {name}\n", pkg.len()),
        )
    };
    let items = [
        kptfile("/t"),
        values("/t", "root-name"),
        item("/t", "a.yaml", &sa("x")),
        kptfile("/t/sub"),
        values("/t/sub", "sub-name"),
        item("/t/sub", "b.yaml", &sa("y")),
    ];
    let out = run(
        &items,
        "  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: function-input\n  data:\n    gke.private: 'false'\n",
    );
    assert!(out.contains("name: root-name # kpt-set"), "{out}");
    assert!(out.contains("name: sub-name # kpt-set"), "{out}");
    assert!(!out.contains("no value for setter"), "{out}");
}
