//! The connectivity report on the example blueprint after a run with `private-gke.yaml`: every
//! needed flow allowed; then one mutation per broken variant, each blocking the right flow with
//! its cause named in the report and an error among the results. And `--report FILE` in both
//! modes of the binary.

use private_gke::checks;
use private_gke::config::Settings;
use private_gke::krm::{has_errors, Item, KrmResult, ResourceList, Severity};
use private_gke::package::{self, PackageOptions};
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

/// A copy of `examples/blueprint` in a fresh temporary directory.
fn example_copy(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("pgke-conn-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&Path::new(ROOT).join("examples/blueprint"), &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn config() -> Value {
    private_gke::function_config_from_args(Some(&Path::new(ROOT).join("private-gke.yaml")), &[])
        .unwrap()
        .unwrap()
}

/// The example's items after a run with `private-gke.yaml`.
fn example_after_run() -> Vec<Item> {
    let dir = example_copy("items");
    let outcome = package::run(
        &dir,
        &PackageOptions {
            function_config: Some(config()),
            output_stdout: true,
            ..PackageOptions::default()
        },
    )
    .unwrap();
    assert!(!has_errors(&outcome.results), "{:?}", outcome.results);
    let _ = std::fs::remove_dir_all(&dir);
    ResourceList::read(outcome.stdout.as_bytes(), "stdout")
        .unwrap()
        .items
}

fn check(items: &[Item]) -> (Vec<KrmResult>, String) {
    let mut results = Vec::new();
    let report = checks::run_with_report(&Settings::default(), items, &mut results)
        .expect("a report for the private cluster");
    (results, report)
}

fn find<'a>(items: &'a mut [Item], kind: &str, name: &str) -> &'a mut Value {
    let i = items
        .iter()
        .position(|it| it.kind() == kind && it.name() == name)
        .unwrap_or_else(|| panic!("{kind}/{name} not among the items"));
    items[i].value_mut()
}

fn add(items: &mut Vec<Item>, yaml: &str) {
    for doc in serde_norway::Deserializer::from_str(yaml) {
        let v = Value::deserialize(doc).unwrap();
        if !v.is_null() {
            items.push(Item::generated(v, None));
        }
    }
}

/// The table rows of the report (`| n | flow | traffic | verdict | by |`).
fn rows(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter(|l| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_digit))
        .collect()
}

#[test]
fn example_blueprint_every_needed_flow_allowed() {
    let items = example_after_run();
    let (results, report) = check(&items);
    assert!(!has_errors(&results), "{results:?}");
    let rows = rows(&report);
    assert!(rows.len() >= 10, "{report}");
    for row in &rows {
        if row.contains("nodes → internet") {
            // The blueprint denies internet egress by design: said so, not an error.
            assert!(row.contains("denied by policy"), "{row}");
            assert!(row.contains("kf-demo-deny-egress"), "{row}");
        } else {
            assert!(row.contains("✅ allowed"), "{row}");
        }
    }
    for flow in [
        "nodes → master | tcp 443",
        "nodes → master | tcp 10250",
        "master → nodes | tcp 443",
        "master → nodes | tcp 10250",
        "nodes → Google APIs",
        "nodes → registry gke.gcr.io",
        "health checks 130.211.0.0/22 → backends",
        "health checks 35.191.0.0/16 → backends",
        "pods → pods | tcp",
        "pods → pods | udp",
    ] {
        assert!(
            rows.iter().any(|r| r.contains(flow)),
            "no row {flow}:\n{report}"
        );
    }
    assert!(report.contains("```mermaid\nflowchart LR\n"), "{report}");
    assert!(!report.contains("linkStyle"), "nothing to mark:\n{report}");
    assert!(
        report.contains("DNS zone kf-demo-gcr<br/>gcr.io."),
        "{report}"
    );
    assert!(report.contains("route kf-demo-google-apis<br/>199.36.153.4/30"));
    assert!(report.contains("Cloud NAT kf-demo<br/>router kf-demo (us-central1)"));
    assert!(report.contains("master[\"master range 172.16.0.32/28\"]"));
    let summary = results
        .iter()
        .find(|r| r.message.starts_with("connectivity of cluster kf-demo"))
        .expect("connectivity summary");
    assert_eq!(summary.severity, Severity::Info);
    assert!(
        summary.message.contains(" 0 blocked"),
        "{}",
        summary.message
    );
}

/// A mutation of the example that breaks one flow.
type Mutation = fn(&mut Vec<Item>);

/// The broken variants of the issue: (case, mutation, the flow it blocks, the cause named).
fn broken_variants() -> Vec<(&'static str, Mutation, &'static str, &'static str)> {
    vec![
        (
            // The one rule health checks come in by (nodes reach the master by two: the
            // master-egress rule and int-egress, which holds the master range).
            "a rule on the wrong network",
            |items| {
                find(items, "ComputeFirewall", "kf-demo-health-ingress")["spec"]["networkRef"] =
                    json!({"name": "other"});
            },
            "health checks 130.211.0.0/22 → backends | tcp",
            "ComputeFirewall kf-demo-health-ingress would allow it, but is on network `other`",
        ),
        (
            "deny-egress above the allows",
            |items| {
                find(items, "ComputeFirewall", "kf-demo-deny-egress")["spec"]["priority"] =
                    json!(900);
            },
            "nodes → master | tcp 443",
            "ComputeFirewall kf-demo-deny-egress (deny, priority 900)",
        ),
        (
            "a moved master range",
            |items| {
                find(items, "ContainerCluster", "kf-demo")["spec"]["privateClusterConfig"]
                    ["masterIpv4CidrBlock"] = json!("172.16.0.48/28");
            },
            "nodes → master | tcp 10250",
            "ComputeFirewall kf-demo-master-egress allows it to 172.16.0.32/28, which do not hold \
             172.16.0.48/28",
        ),
        (
            // With the internet route in place GCE reaches the VIP through it: the VIP route is
            // missed only where no route holds the VIP at all.
            "a missing VIP route",
            |items| {
                items.retain(|it| {
                    !(it.kind() == "ComputeRoute"
                        && matches!(it.name(), "kf-demo-google-apis" | "kf-demo-internet"))
                });
            },
            "nodes → Google APIs",
            "network `kf-demo` deletes its default routes and no route on it holds \
             199.36.153.4/30",
        ),
        (
            "a missing DNS record for a registry in use",
            |items| {
                items.retain(|it| {
                    !(it.kind() == "DNSRecordSet" && it.value()["spec"]["name"] == "*.gcr.io.")
                });
                add(
                    items,
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: kubeflow}\n\
                     spec:\n  template:\n    spec:\n      containers:\n      - {name: app, image: eu.gcr.io/p/app:1}\n",
                );
            },
            "nodes → registry eu.gcr.io",
            "private zone kf-demo-gcr for `gcr.io.` on the network has no record for `eu.gcr.io`",
        ),
        (
            "a webhook port without a rule",
            |items| {
                add(
                    items,
                    &std::fs::read_to_string(
                        Path::new(ROOT).join("testdata/checks/webhook-8443.yaml"),
                    )
                    .unwrap(),
                );
            },
            "master → webhook `validation.kfserving.kubeflow.org` | tcp 8443",
            "the implied deny-ingress rule (priority 65535)",
        ),
        (
            "NAT in another region",
            |items| {
                for kind in ["ComputeRouter", "ComputeRouterNAT"] {
                    find(items, kind, "kf-demo")["spec"]["region"] = json!("us-east1");
                }
            },
            "nodes → internet | tcp 443",
            "ComputeRouter kf-demo is in region us-east1, the nodes in us-central1",
        ),
        (
            "pods range outside int-egress",
            |items| {
                let subnet = find(items, "ComputeSubnetwork", "kf-demo");
                for range in subnet["spec"]["secondaryIpRange"].as_array_mut().unwrap() {
                    if range["rangeName"] == "pods" {
                        range["ipCidrRange"] = json!("172.21.0.0/16");
                    }
                }
            },
            "pods → pods | tcp",
            "which do not hold 172.21.0.0/16",
        ),
        (
            "an Artifact Registry image without a private zone for pkg.dev",
            |items| {
                items.retain(|it| {
                    !(it.kind() == "DNSManagedZone"
                        && it.value()["spec"]["dnsName"].as_str() == Some("pkg.dev."))
                });
                add(
                    items,
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: kubeflow}\n\
                     spec:\n  template:\n    spec:\n      containers:\n      - {name: app, image: us-docker.pkg.dev/p/r/app:1}\n",
                );
            },
            "nodes → registry us-docker.pkg.dev",
            "no private zone on network `kf-demo` holds `us-docker.pkg.dev` (public DNS) → public \
             addresses",
        ),
    ]
}

#[test]
fn broken_variants_block_the_right_flow_and_name_the_cause() {
    let base = example_after_run();
    for (case, mutate, flow, cause) in broken_variants() {
        let mut items = base.clone();
        mutate(&mut items);
        let (results, report) = check(&items);
        let row = rows(&report)
            .into_iter()
            .find(|r| r.contains(flow))
            .unwrap_or_else(|| panic!("{case}: no row {flow}:\n{report}"));
        assert!(row.contains("❌ **blocked**"), "{case}: {row}");
        assert!(row.contains(cause), "{case}: cause not named in {row}");
        assert!(has_errors(&results), "{case}: no error result: {results:?}");
        let name = flow.split(" | ").next().unwrap();
        assert!(
            report.contains(&format!("✗ BLOCKED: {}", name.replace('`', ""))),
            "{case}: the diagram does not mark {name}:\n{report}"
        );
        assert!(report.contains("linkStyle"), "{case}: no red edge");
        // The one mutation does not break every flow (a deny-egress rule above the allows
        // blocks every egress flow on every protocol, but no ingress one).
        let blocked = rows(&report)
            .iter()
            .filter(|r| r.contains("blocked"))
            .count();
        assert!(blocked < rows(&report).len(), "{case}: {blocked} blocked");
    }
}

/// The blocked rows of a report as (`name: traffic`, cause).
fn blocked_rows(report: &str) -> Vec<(String, String)> {
    rows(report)
        .into_iter()
        .filter(|r| r.contains("❌ **blocked**"))
        .map(|r| {
            let cells: Vec<&str> = r.splitn(6, " | ").collect();
            let cause = cells[4].trim_end_matches(" |").replace("\\|", "|");
            (format!("{}: {}", cells[1], cells[2]), cause)
        })
        .collect()
}

#[test]
fn the_checks_errors_and_the_reports_blocked_flows_agree() {
    let base = example_after_run();
    for (case, mutate, _, _) in broken_variants() {
        let mut items = base.clone();
        mutate(&mut items);
        let (results, report) = check(&items);
        let blocked = blocked_rows(&report);
        assert!(!blocked.is_empty(), "{case}: nothing blocked");
        let errors: Vec<&KrmResult> = results
            .iter()
            .filter(|r| r.severity == Severity::Error)
            .collect();
        // The flow families err only on flows, and name them.
        for r in &errors {
            let family = r.tags["check"].as_str();
            if ["connectivity", "routes-dns", "iap", "webhooks"].contains(&family) {
                assert!(r.tags.contains_key("flows"), "{case}: {r:?}");
            }
        }
        let mut named: Vec<String> = Vec::new();
        for r in errors.iter().filter(|r| r.tags.contains_key("flows")) {
            let at = r.resource_ref.as_ref().expect("an error at a resource");
            for label in r.tags["flows"].split("; ") {
                let (_, cause) = blocked
                    .iter()
                    .find(|(l, _)| l == label)
                    .unwrap_or_else(|| panic!("{case}: {label} is not blocked in\n{report}"));
                // The report's cause names the resource the error is at.
                assert!(
                    cause.contains(&format!(" {}", at.name))
                        || cause.contains(&format!("`{}`", at.name)),
                    "{case}: {label}: the report's cause {cause:?} does not name {} {}",
                    at.kind,
                    at.name
                );
                named.push(label.to_string());
            }
        }
        for (label, cause) in &blocked {
            assert!(
                named.contains(label),
                "{case}: blocked flow {label} ({cause}) is named by no error: {errors:#?}"
            );
        }
    }
}

#[test]
fn each_blocked_flow_gives_one_error_unless_a_check_reports_its_cause() {
    let mut items = example_after_run();
    // int-egress misses the pods range: pods → pods and nodes → pods over tcp and udp.
    let subnet = find(&mut items, "ComputeSubnetwork", "kf-demo");
    subnet["spec"]["secondaryIpRange"][1]["ipCidrRange"] = json!("172.21.0.0/16");
    let (results, _) = check(&items);
    let flow_errors: Vec<&KrmResult> = results
        .iter()
        .filter(|r| r.severity == Severity::Error && r.tags["check"] == "connectivity")
        .collect();
    let messages: Vec<&str> = flow_errors.iter().map(|r| r.message.as_str()).collect();
    assert_eq!(flow_errors.len(), 4, "{messages:#?}");
    for r in &flow_errors {
        assert!(r.message.starts_with("flow blocked: "), "{}", r.message);
        assert_eq!(r.resource_ref.as_ref().unwrap().name, "kf-demo-int-egress");
        assert_eq!(r.field.as_ref().unwrap().path, "spec.destinationRanges");
    }
    // A deny rule above the allows: the firewall check names it once at spec.priority; the
    // flows it blocks are in the report, not repeated as errors.
    let mut items = example_after_run();
    find(&mut items, "ComputeFirewall", "kf-demo-deny-egress")["spec"]["priority"] = json!(900);
    let (results, report) = check(&items);
    let errors: Vec<&KrmResult> = results
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field.as_ref().unwrap().path, "spec.priority");
    assert!(
        rows(&report)
            .iter()
            .filter(|r| r.contains("blocked"))
            .count()
            >= 4
    );
}

#[test]
fn report_flag_writes_markdown_in_package_and_stdin_mode() {
    let dir = example_copy("cli");
    let out = dir.with_extension("md");
    let status = Command::new(BIN)
        .args(["--config", &format!("{ROOT}/private-gke.yaml"), "--report"])
        .arg(&out)
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let report = std::fs::read_to_string(&out).unwrap();
    assert!(
        report.starts_with("# Connectivity report: cluster `kf-demo`\n"),
        "{report}"
    );
    assert!(report.contains("```mermaid"));

    // stdin mode: the package's ResourceList through the function; the report goes to the file
    // only, never into the ResourceList on stdout.
    let listed = Command::new(BIN)
        .args(["--output", "stdout"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdin_out = dir.with_extension("stdin.md");
    let mut child = Command::new(BIN)
        .args(["--config", &format!("{ROOT}/private-gke.yaml"), "--report"])
        .arg(&stdin_out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&listed.stdout)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("Connectivity report"));
    assert!(!stdout.contains("mermaid"));
    let from_stdin = std::fs::read_to_string(&stdin_out).unwrap();
    assert!(
        from_stdin.contains("| 1 | nodes → master | tcp 443 | ✅ allowed |"),
        "{from_stdin}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&stdin_out);
}

#[test]
fn readme_shows_the_current_report_of_the_example() {
    let dir = example_copy("readme");
    let outcome = package::run(
        &dir,
        &PackageOptions {
            function_config: Some(config()),
            dry_run: true,
            ..PackageOptions::default()
        },
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let report = outcome.report.expect("a report");
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let begin = "<!-- report:begin -->\n";
    let shown = &readme
        [readme.find(begin).unwrap() + begin.len()..readme.find("<!-- report:end -->").unwrap()];
    assert_eq!(
        shown,
        report.replacen("# Connectivity report", "#### Connectivity report", 1),
        "README's report is stale: run the command above it and paste the file"
    );
}

const IAP_BACKEND: &str = "apiVersion: cloud.google.com/v1\nkind: BackendConfig\n\
metadata: {name: iap, namespace: istio-system}\nspec:\n  iap: {enabled: true}\n";

#[test]
fn iap_jwks_flow_from_the_pods() {
    let mut items = example_after_run();
    add(&mut items, IAP_BACKEND);
    let (results, report) = check(&items);
    assert!(!has_errors(&results), "{results:?}");
    let row = rows(&report)
        .into_iter()
        .find(|r| r.contains("pods → IAP JWKs"))
        .unwrap_or_else(|| panic!("no JWKs row:\n{report}"));
    // Allowed, through NAT, but only to the frozen address list: said so.
    assert!(row.contains("✅ allowed"), "{row}");
    assert!(row.contains("Cloud NAT kf-demo"), "{row}");
    assert!(
        row.contains("allowed only to the fixed addresses of `kf-demo-iap-jwks`"),
        "{row}"
    );

    // A NAT that translates only primary ranges leaves the pods without a way out.
    let mut items = example_after_run();
    add(&mut items, IAP_BACKEND);
    find(&mut items, "ComputeRouterNAT", "kf-demo")["spec"]["sourceSubnetworkIpRangesToNat"] =
        json!("ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES");
    let (results, report) = check(&items);
    let row = rows(&report)
        .into_iter()
        .find(|r| r.contains("pods → IAP JWKs"))
        .unwrap();
    assert!(row.contains("❌ **blocked**"), "{row}");
    assert!(
        row.contains("translates only primary ranges, not the pods range"),
        "{row}"
    );
    let error = results
        .iter()
        .find(|r| r.severity == Severity::Error)
        .expect("an error");
    assert_eq!(
        error.resource_ref.as_ref().unwrap().kind,
        "ComputeRouterNAT"
    );
    assert_eq!(
        error.field.as_ref().unwrap().path,
        "spec.sourceSubnetworkIpRangesToNat"
    );
}

/// A network firewall policy on the example's network with an FQDN rule for the JWKs host.
const FQDN_POLICY: &str = "\
apiVersion: compute.cnrm.cloud.google.com/v1beta1
kind: ComputeNetworkFirewallPolicy
metadata: {name: kf-demo-egress}
---
apiVersion: compute.cnrm.cloud.google.com/v1beta1
kind: ComputeNetworkFirewallPolicyAssociation
metadata: {name: kf-demo-egress}
spec:
  attachmentTargetRef: {name: kf-demo}
  firewallPolicyRef: {name: kf-demo-egress}
---
apiVersion: compute.cnrm.cloud.google.com/v1beta1
kind: ComputeNetworkFirewallPolicyRule
metadata: {name: kf-demo-iap-jwks-fqdn}
spec:
  firewallPolicyRef: {name: kf-demo-egress}
  action: allow
  direction: EGRESS
  priority: 1000
  match:
    destFqdns: [www.gstatic.com]
    layer4Configs: [{ipProtocol: tcp, ports: ['443']}]
";

#[test]
fn fqdn_policy_rules_count_in_the_networks_order() {
    let mut items = example_after_run();
    add(&mut items, IAP_BACKEND);
    add(&mut items, FQDN_POLICY);
    items.retain(|it| it.name() != "kf-demo-iap-jwks");
    // Policies after the VPC rules (the default): deny-egress matches first and ends it.
    let (_, report) = check(&items);
    let row = rows(&report)
        .into_iter()
        .find(|r| r.contains("pods → IAP JWKs"))
        .unwrap();
    assert!(row.contains("❌ **blocked**"), "{row}");
    assert!(
        row.contains(
            "ComputeNetworkFirewallPolicyRule kf-demo-iap-jwks-fqdn would allow it, but the \
             network evaluates its firewall policies after the VPC rules"
        ),
        "{row}"
    );
    // Policies first: the FQDN rule decides.
    find(&mut items, "ComputeNetwork", "kf-demo")["spec"]
        ["networkFirewallPolicyEnforcementOrder"] = json!("BEFORE_CLASSIC_FIREWALL");
    let (_, report) = check(&items);
    let row = rows(&report)
        .into_iter()
        .find(|r| r.contains("pods → IAP JWKs"))
        .unwrap();
    assert!(row.contains("✅ allowed"), "{row}");
    assert!(
        row.contains(
            "ComputeNetworkFirewallPolicyRule kf-demo-iap-jwks-fqdn (allow, priority 1000)"
        ),
        "{row}"
    );
}
