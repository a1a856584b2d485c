//! The setter dialect of generated resources: kpt v0 `{"$kpt-set":…}` comments in a kpt v0
//! package (Kptfile `kpt.dev/v1alpha1`), with the substitutions they need, read back by the v0
//! setter engine the way the blueprint's own `kpt cfg set` reads them.

use crate::gke_common::{config_map, run_package};
use crate::support;
use private_gke::config::Settings;
use private_gke::krm::ResourceList;
use serde_json::Value;
use std::fs;
use std::path::Path;

const GCP: &str = "upstream/kubeflow-manifests/gcp";

/// A kpt v0 Kptfile with only the `name`, region and location setters: no substitutions.
const MIN_KPTFILE: &str = "\
apiVersion: kpt.dev/v1alpha1
kind: Kptfile
metadata:
  name: min
openAPI:
  definitions:
    io.k8s.cli.setters.name:
      x-k8s-cli:
        setter:
          name: name
          value: kf
    io.k8s.cli.setters.gcloud.compute.region:
      x-k8s-cli:
        setter:
          name: gcloud.compute.region
          value: us-central1
    io.k8s.cli.setters.location:
      x-k8s-cli:
        setter:
          name: location
          value: us-central1-c
";

const CLUSTER: &str = "\
apiVersion: container.cnrm.cloud.google.com/v1beta1
kind: ContainerCluster
metadata:
  name: kf # {\"$kpt-set\":\"name\"}
spec:
  location: us-central1-c # {\"$kpt-set\":\"location\"}
  initialNodeCount: 1
";

/// Every generated file's text, by name.
fn generated(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = fs::read_dir(dir.join("private-gke"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// `kpt cfg set <dir> name <value>` as the project's v0 setter engine does it: the setters
/// stage alone over the package's items; returns the items' values afterwards.
fn cfg_set_name(dir: &Path, value: &str) -> Vec<Value> {
    let listed = run_package(dir, &[("private-gke.mode", "check")], true);
    let list = ResourceList::read(listed.stdout.as_bytes(), "package").unwrap();
    let mut items = list.items.clone();
    let settings = Settings::from_function_config(Some(&config_map(&[("name", value)]))).unwrap();
    let mut results = Vec::new();
    private_gke::setters::run(&settings, &mut items, &mut results);
    let text = list.write(&items, &mut results).unwrap();
    let out = ResourceList::read(text.as_bytes(), "out").unwrap();
    out.items.iter().map(|i| i.value().clone()).collect()
}

fn names_of_generated(values: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = values
        .iter()
        .filter(|v| v["metadata"]["annotations"]["private-gke.dev/owned"] == "true")
        .map(|v| v["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn assert_v0_comments(files: &[(String, String)]) {
    // Upstream's six files, dns-pkg-dev.yaml and, for a current Config Connector,
    // firewall-policy.yaml.
    assert_eq!(files.len(), 8);
    for (file, text) in files {
        assert!(
            !text.contains("kpt-set:"),
            "{file} carries kpt v1 comments:\n{text}"
        );
    }
    let network = &files
        .iter()
        .find(|(f, _)| f == "compute-network.yaml")
        .unwrap()
        .1;
    assert!(
        network.contains("  name: kf # {\"$kpt-set\":\"name\"}\n"),
        "{network}"
    );
    assert!(
        network.contains("  region: us-central1 # {\"$kpt-set\":\"gcloud.compute.region\"}\n"),
        "{network}"
    );
    assert!(
        network.contains("  name: kf-google-apis # {\"$kpt-set\":\"name-google-apis\"}\n"),
        "{network}"
    );
    let gcr = &files.iter().find(|(f, _)| f == "dns-gcr.yaml").unwrap().1;
    assert!(
        gcr.contains("    name: kf-gcr # {\"$kpt-set\":\"name-gcr\"}\n"),
        "{gcr}"
    );
}

#[test]
fn a_v0_package_with_its_substitutions_gets_v0_comments_and_an_untouched_kptfile() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gcp");
    let Some(src) = support::reference::path(GCP) else {
        return;
    };
    fs::create_dir_all(dir.join("cluster")).unwrap();
    fs::write(dir.join("Kptfile"), fs::read(src.join("Kptfile")).unwrap()).unwrap();
    fs::write(dir.join("cluster/cluster.yaml"), CLUSTER).unwrap();
    let kptfile_before = fs::read_to_string(src.join("Kptfile")).unwrap();
    run_package(
        &dir,
        &[("location", "us-central1-c"), ("name", "kf")],
        false,
    );
    assert_v0_comments(&generated(&dir));
    // Upstream's own substitutions (name-gcr, name-google-apis, …) serve: new entries only for
    // the names upstream lacks (the pkg.dev zone and its records, the firewall policy).
    let kptfile_after = fs::read_to_string(dir.join("Kptfile")).unwrap();
    let owned: Vec<&str> = kptfile_after
        .lines()
        .filter_map(|l| l.strip_prefix("    io.k8s.cli.substitutions."))
        .filter_map(|l| l.strip_suffix(':'))
        .filter(|name| !kptfile_before.contains(&format!("substitutions.{name}:")))
        .collect();
    assert_eq!(
        owned,
        [
            "name-egress",
            "name-pkg-dev",
            "name-pkg-dev-cname",
            "name-pkg-dev-a"
        ],
        "{kptfile_after}"
    );
    assert_eq!(
        kptfile_after.matches("x-private-gke.dev/owned").count(),
        owned.len()
    );
    let definitions = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with("    io.k8s.cli."))
            .count()
    };
    assert_eq!(
        definitions(&kptfile_after),
        definitions(&kptfile_before) + owned.len()
    );
    let renamed = cfg_set_name(&dir, "other");
    let names = names_of_generated(&renamed);
    assert_eq!(
        names.len(),
        private_gke::gke::resources::count(
            true,
            private_gke::gke::firewall_rules::Allowlist::choose(
                private_gke::config::EgressAllowlist::Fqdn,
                true
            )
        )
    );
    assert!(
        names
            .iter()
            .all(|n| n == "other" || n.starts_with("other-") || n == "dns.googleapis.com"),
        "{names:?}"
    );
}

#[test]
fn a_v0_package_without_substitutions_gains_them_and_the_v0_engine_renames_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("min");
    fs::create_dir_all(dir.join("cluster")).unwrap();
    fs::write(dir.join("Kptfile"), MIN_KPTFILE).unwrap();
    fs::write(dir.join("cluster/cluster.yaml"), CLUSTER).unwrap();
    let outcome = run_package(&dir, &[], false);
    assert!(outcome.results.iter().any(|r| r.message.starts_with(
        "kpt v0 package: added substitutions name-google-apis, name-internet, name-gcr,"
    )));
    assert_v0_comments(&generated(&dir));
    let kptfile = fs::read_to_string(dir.join("Kptfile")).unwrap();
    assert!(
        kptfile.starts_with(MIN_KPTFILE),
        "existing text changed:\n{kptfile}"
    );
    assert!(kptfile.contains(
        "    io.k8s.cli.substitutions.name-gcr:\n      x-k8s-cli:\n        substitution:\n          name: name-gcr\n          pattern: ${name}-gcr\n          values:\n          - marker: ${name}\n            ref: '#/definitions/io.k8s.cli.setters.name'\n      x-private-gke.dev/owned: 'true'\n"
    ), "{kptfile}");
    // A second run changes nothing.
    let again = run_package(&dir, &[], false);
    assert_eq!(again.changed, Vec::<String>::new());
    // `kpt cfg set . name other`: every generated name follows, through the substitutions.
    let renamed = cfg_set_name(&dir, "other");
    let mut expected: Vec<String> = ["other".to_string(), "dns.googleapis.com".to_string()]
        .into_iter()
        .chain(
            private_gke::gke::resources::suffixes()
                // Only with private-gke.egress-allowlist: vip.
                .filter(|s| !["private-apis", "gstatic", "gstatic-cname", "gstatic-a"].contains(s))
                .map(|s| format!("other-{s}")),
        )
        .collect();
    // The firewall policy and its association are both `other-egress`.
    expected.push("other-egress".to_string());
    // ComputeNetwork, ComputeSubnetwork, ComputeRouter and ComputeRouterNAT are all `other`.
    expected.extend(std::iter::repeat_n("other".to_string(), 3));
    expected.sort();
    assert_eq!(names_of_generated(&renamed), expected);
    let zone_refs: Vec<&Value> = renamed
        .iter()
        .filter(|v| v["kind"] == "DNSRecordSet")
        .map(|v| &v["spec"]["managedZoneRef"]["name"])
        .collect();
    assert_eq!(zone_refs.len(), 6);
    assert!(
        zone_refs
            .iter()
            .all(|r| r == &"other-gcr" || r == &"other-goog-apis" || r == &"other-pkg-dev"),
        "{zone_refs:?}"
    );
    // The firewall policy's rules and association follow the policy's new name.
    let policy_refs: Vec<&Value> = renamed
        .iter()
        .filter_map(|v| v["spec"].get("firewallPolicyRef"))
        .map(|r| &r["name"])
        .collect();
    assert_eq!(policy_refs.len(), 3);
    assert!(
        policy_refs.iter().all(|r| r == &"other-egress"),
        "{policy_refs:?}"
    );
    // Take-back removes the substitutions it added: the Kptfile is as it was.
    run_package(&dir, &[("gke.private", "false")], false);
    assert_eq!(
        fs::read_to_string(dir.join("Kptfile")).unwrap(),
        MIN_KPTFILE
    );
}

#[test]
fn a_v1_package_keeps_v1_comments() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v1");
    fs::create_dir_all(dir.join("cluster")).unwrap();
    fs::write(
        dir.join("Kptfile"),
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: v1\n",
    )
    .unwrap();
    fs::write(
        dir.join("cluster/cluster.yaml"),
        CLUSTER
            .replace("{\"$kpt-set\":\"name\"}", "kpt-set: ${name}")
            .replace("{\"$kpt-set\":\"location\"}", "kpt-set: ${location}"),
    )
    .unwrap();
    run_package(&dir, &[], false);
    let files = generated(&dir);
    let network = &files
        .iter()
        .find(|(f, _)| f == "compute-network.yaml")
        .unwrap()
        .1;
    assert!(
        network.contains("  name: kf # kpt-set: ${name}\n"),
        "{network}"
    );
    assert!(!network.contains("$kpt-set"), "{network}");
}

#[test]
fn the_clusters_own_v0_comments_choose_v0_in_a_package_whose_kptfile_is_not_v0() {
    // The cluster's own package has a kpt v1 Kptfile; the v0 Kptfile above it defines the
    // setters and substitutions its comments use.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gcp");
    let Some(src) = support::reference::path(GCP) else {
        return;
    };
    fs::create_dir_all(dir.join("sub/cluster")).unwrap();
    fs::write(dir.join("Kptfile"), fs::read(src.join("Kptfile")).unwrap()).unwrap();
    fs::write(
        dir.join("sub/Kptfile"),
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: sub\n",
    )
    .unwrap();
    fs::write(dir.join("sub/cluster/cluster.yaml"), CLUSTER).unwrap();
    run_package(
        &dir,
        &[("location", "us-central1-c"), ("name", "kf")],
        false,
    );
    assert_v0_comments(&generated(&dir.join("sub")));
    let sub = fs::read_to_string(dir.join("sub/Kptfile")).unwrap();
    assert_eq!(
        sub,
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: sub\n"
    );
}

#[test]
fn kpt_fn_eval_exec_on_a_v0_package_writes_v0_comments() {
    let kpt = std::path::PathBuf::from(std::env::var_os("KPT").unwrap_or("/usr/bin/kpt".into()));
    if !kpt.is_file() {
        eprintln!(
            "skipped: kpt not found at {} (set KPT=/path/to/kpt)",
            kpt.display()
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("min");
    fs::create_dir_all(dir.join("cluster")).unwrap();
    fs::write(dir.join("Kptfile"), MIN_KPTFILE).unwrap();
    fs::write(dir.join("cluster/cluster.yaml"), CLUSTER).unwrap();
    let out = std::process::Command::new(&kpt)
        .args(["fn", "eval"])
        .arg(&dir)
        .args(["--exec", env!("CARGO_BIN_EXE_private-gke"), "--", "name=kf"])
        .env("KRM_DISABLE_ATTRIBUTION", "1")
        .output()
        .expect("run kpt");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{log}");
    assert_v0_comments(&generated(&dir));
    let kptfile = fs::read_to_string(dir.join("Kptfile")).unwrap();
    assert!(
        kptfile.contains("    io.k8s.cli.substitutions.name-gcr:\n"),
        "{kptfile}"
    );
}
