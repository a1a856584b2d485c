//! The function's options against the setters' namespace, and its messages, through the binary:
//! `private-gke.` options, bare option names as setter values, one-typo setter names, the
//! stderr lines (no key said twice), and what a CRD pipe prints.

use crate::support;

use std::process::Output;

const CLUSTER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/blueprint/cluster/cluster.yaml"
);
const CRD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/upstream/crds/containercluster-1.15.1.yaml"
);

fn run(args: &[&str], stdin: &[u8]) -> Output {
    support::run_with_stdin(args, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The example cluster plus a ConfigMap whose fields carry setters named like the options.
fn package() -> String {
    let cluster = std::fs::read_to_string(CLUSTER).unwrap();
    format!(
        "{cluster}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: db\ndata:\n  mode: relaxed # kpt-set: ${{mode}}\n  cluster: main # kpt-set: ${{cluster}}\n"
    )
}

#[test]
fn a_user_setter_named_mode_is_a_setter_value() {
    // Was: `mode: "strict" is not one of apply, check`, exit 1.
    let out = run(
        &[
            "--set",
            "mode=strict",
            "--set",
            "cluster=replica",
            "--set",
            "region=us-east1",
        ],
        package().as_bytes(),
    );
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        stdout.contains("  mode: strict # kpt-set: ${mode}\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  cluster: replica # kpt-set: ${cluster}\n"),
        "{stdout}"
    );
    // `cluster=replica` did not pick a cluster: the only one is made private.
    assert!(stdout.contains("enablePrivateNodes: true"), "{stdout}");
}

#[test]
fn prefixed_options_switch_the_function_and_change_no_setter() {
    let input = package();
    let out = run(
        &["--set", "private-gke.mode=check", "--set", "mode=strict"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    // Check mode: not even the `mode` setter is applied.
    assert_eq!(stdout, input);
    let out = run(
        &["--set", "private-gke.cluster=nothere"],
        package().as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("[error]"))
        .collect();
    assert_eq!(
        errors,
        vec!["[error] private-gke.cluster: no ContainerCluster matches \"nothere\" (clusters: \"name\" (container.cnrm.cloud.google.com/v1beta1))"]
    );
}

#[test]
fn an_unknown_option_names_the_closest() {
    let out = run(&["--set", "private-gke.mdoe=check"], package().as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), package(), "nothing changed");
    assert_eq!(
        text(&out.stderr),
        "[error] ConfigMap/function-input data.private-gke.mdoe: unknown option private-gke.mdoe; did you mean private-gke.mode?\n"
    );
}

#[test]
fn a_bare_option_name_nobody_uses_says_which_option_was_meant() {
    let cluster = std::fs::read_to_string(CLUSTER).unwrap();
    let out = run(
        &[
            "--set",
            "webhook-firewall=generate",
            "--set",
            "region=us-east1",
        ],
        cluster.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(
        "[warning] setter \"webhook-firewall\" was given but no setter comment or Kptfile definition uses it (the function's option is private-gke.webhook-firewall)\n"
    ));
}

#[test]
fn a_setter_one_typo_from_a_guide_setter_is_an_error_unless_the_package_uses_it() {
    let cluster = std::fs::read_to_string(CLUSTER).unwrap();
    let out = run(&["--set", "gke.privat=true"], cluster.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), cluster, "plain YAML in, unchanged out");
    assert_eq!(
        text(&out.stderr),
        "[error] ConfigMap/function-input data.gke.privat: no setter comment or Kptfile definition uses \"gke.privat\", one typo away from gke.private: did you mean gke.private?\n"
    );
    // A package that has a setter of that name: its own setter, set as asked.
    let own = format!("{cluster}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  p: \"false\" # kpt-set: ${{gke.privat}}\n");
    let out = run(
        &["--set", "gke.privat=true", "--set", "region=us-east1"],
        own.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("  p: \"true\" # kpt-set: ${gke.privat}\n"));
}

#[test]
fn no_stderr_line_says_its_key_twice() {
    let cluster = std::fs::read_to_string(CLUSTER).unwrap();
    let two = format!(
        "{cluster}---\n{}",
        cluster.replace("name: name #", "name: other #")
    );
    let cases: &[(&[&str], &str)] = &[
        (&["--set", "private-gke.cluster=kf"], &two),
        (&["--set", "private-gke.mode=dry"], &cluster),
        (&["--set", "gke.private=maybe"], &cluster),
        (&["--set", "name=kf_net"], &cluster),
        (&["--set", "subnet-cidr=10.0.0.1/24"], &cluster),
    ];
    for (args, input) in cases {
        let out = run(args, input.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        let line = stderr.lines().find(|l| l.starts_with("[error]")).unwrap();
        // `[error] [Kind/name ]path: message`: the message does not start with the path's key.
        let (head, message) = line.split_once(": ").unwrap();
        let path = head.rsplit(' ').next().unwrap();
        // Every dotted tail of the path: `data.gke.private` -> `private`, `gke.private`, ….
        let segments: Vec<&str> = path.split('.').collect();
        for i in 0..segments.len() {
            let key = segments[i..].join(".");
            assert!(!message.starts_with(&format!("{key}:")), "{args:?}: {line}");
        }
    }
}

#[test]
fn a_crd_pipe_says_nothing_about_clusters() {
    let crd = std::fs::read(CRD).unwrap();
    let once = run(&[], &crd);
    assert_eq!(once.status.code(), Some(0), "{}", text(&once.stderr));
    let twice = run(&[], &once.stdout);
    assert_eq!(twice.status.code(), Some(0));
    assert_eq!(twice.stdout, once.stdout);
    for out in [&once, &twice] {
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("ContainerCluster among"), "{stderr}");
        assert!(!stderr.contains("[warning]"), "{stderr}");
    }
    // A package without any cluster still hears about it.
    let out = run(
        &[],
        b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n",
    );
    assert!(text(&out.stderr)
        .contains("[warning] no ContainerCluster among the items; nothing made private"));
}
