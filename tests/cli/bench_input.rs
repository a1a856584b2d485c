//! What the benchmark (`benches/pipeline.rs`) runs, checked for correctness on a small yardstick
//! (`testdata/tools/gen_bench_input.py 200`): the no-op job keeps every input byte, the setter
//! jobs make exactly their edits, and the checks find what they found when they were timed in
//! the former `checks_bench` test (two results with no cluster selected, more with a private one).

use crate::support;

use std::path::Path;
use std::process::Command;

const N: usize = 200;

fn input() -> String {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/tools/gen_bench_input.py");
    let out = Command::new("python3")
        .arg(tool)
        .arg(N.to_string())
        .output()
        .expect("python3 testdata/tools/gen_bench_input.py");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn run(args: &[&str], stdin: &str) -> String {
    let out = support::run_with_stdin(args, stdin.as_bytes());
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn results(out: &str) -> usize {
    out.split_once("\nresults:\n").map_or(0, |(_, r)| {
        r.lines().filter(|l| l.starts_with("- ")).count()
    })
}

#[test]
fn the_no_op_job_keeps_every_input_byte_and_only_appends_results() {
    let src = input();
    let out = run(&["--set", "gke.private=false"], &src);
    assert!(out.starts_with(&src), "J0 changed the input text");
    assert!(
        out[src.len()..].starts_with("results:\n"),
        "{}",
        &out[src.len()..]
    );
}

#[test]
fn the_setter_jobs_make_exactly_their_edits() {
    let src = input();
    let out = run(
        &[
            "--set",
            "gke.private=false",
            "--set",
            "project-id=other-project",
            "--set",
            "location=europe-west1",
        ],
        &src,
    );
    let set = |text: &str| out.matches(text).count();
    assert_eq!(set("project-id: other-project # kpt-set: ${project-id}"), N);
    assert_eq!(
        set("location: europe-west1 # {\"$kpt-set\":\"location\"}"),
        N
    );
    let out = run(
        &[
            "--set",
            "gke.private=true",
            "--set",
            "project-id=other-project",
            "--set",
            "private-gke.mode=setters",
        ],
        &src,
    );
    assert_eq!(out.matches("enablePrivateNodes: true").count(), N);
    assert_eq!(
        out.matches("cnrm.cloud.google.com/project-id: other-project")
            .count(),
        N
    );
}

#[test]
fn the_checks_find_two_results_without_a_cluster_and_more_with_a_private_one() {
    let src = input();
    let out = run(&["--set", "private-gke.mode=check"], &src);
    assert_eq!(results(&out), 2, "{out}");
    let private = src.replace("enablePrivateNodes: false", "enablePrivateNodes: true");
    let selected = format!("private-gke.cluster=cluster-{}", N / 2);
    // Its errors (no ipAllocationPolicy, …) fail the run: all families ran.
    let out = support::run_with_stdin(
        &["--set", "private-gke.mode=check", "--set", &selected],
        private.as_bytes(),
    );
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(results(&out) > 2, "{out}");
}

#[test]
fn setter_results_are_one_per_setter_comment_by_default_and_one_per_field_in_full() {
    let src = input();
    let job = [
        "--set",
        "gke.private=false",
        "--set",
        "project-id=other-project",
        "--set",
        "location=europe-west1",
    ];
    let set_results = |out: &str| {
        out.lines()
            .filter(|l| l.starts_with("- message: ") && l.contains("set by setter comment"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let summary = set_results(&run(&job, &src));
    assert_eq!(summary.len(), 2, "{summary:?}");
    for line in &summary {
        assert!(
            line.contains(&format!(
                ": {N} fields in {N} resource(s): ContainerCluster/ns-0/cluster-0 "
            )),
            "{line}"
        );
        assert!(
            line.contains(", … (private-gke.setter-results: full lists each)"),
            "{line}"
        );
    }
    let mut full_job = job.to_vec();
    full_job.extend(["--set", "private-gke.setter-results=full"]);
    let full = set_results(&run(&full_job, &src));
    assert_eq!(full.len(), 2 * N);
    assert!(
        full.iter().all(|l| !l.contains("fields in")),
        "{:?}",
        &full[..2]
    );
}
