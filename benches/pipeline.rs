//! The whole process as users run it (the release binary, spawned, stdin from the shared
//! yardstick `gen_bench_input.py N`, stdout discarded) on the three jobs of the issue "One data
//! path", beside serde_json parsing and writing the same data as JSON in the same run:
//!
//! - J0 `--set gke.private=false`: nothing to change;
//! - J1 `--set gke.private=false --set project-id=other-project --set location=europe-west1`:
//!   two setters, 2 × N edits;
//! - J2 `--set private-gke.cluster=cluster-0 --set region=us-central1 --set zone=us-central1-a`:
//!   one cluster made private, the generated network, all checks.
//!
//! CPU time (user + system) of each child, medians of interleaved runs, as a ratio to serde_json
//! and as MB/s of input; peak memory as a multiple of the input, whole (`VmHWM`, which includes
//! the ~4.7 MB of binary and library pages a run touches, whatever its input) and what the run
//! allocates (the largest `RssAnon` sampled); then the stages in process
//! (setters and checks against loading the items, once on freshly loaded items and again on the
//! same items) and the start-up of a one-item run against `cat`.
//!
//! Run: `cargo bench --bench pipeline` (sizes: `-- 1000 10000 100000`; default 1000 10000).

mod harness;

use harness::{cpu_time, input, input_path, median, spawn_cost};
use private_gke::config::Settings;
use private_gke::krm::{Item, KrmResult};
use private_gke::yaml::{Document, NodeKind};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const SIZES: [usize; 2] = [1_000, 10_000];

const BIN: &str = env!("CARGO_BIN_EXE_private-gke");

const JOBS: [(&str, &[&str]); 3] = [
    ("J0", &["--set", "gke.private=false"]),
    (
        "J1",
        &[
            "--set",
            "gke.private=false",
            "--set",
            "project-id=other-project",
            "--set",
            "location=europe-west1",
        ],
    ),
    (
        "J2",
        &[
            "--set",
            "private-gke.cluster=cluster-0",
            "--set",
            "region=us-central1",
            "--set",
            "zone=us-central1-a",
        ],
    ),
];

fn main() {
    harness::run_sizes(&SIZES, child);
}

/// CPU time of `f` on this thread.
fn thread_cpu(f: impl FnOnce()) -> Duration {
    let start = cpu_time();
    f();
    cpu_time().saturating_sub(start)
}

/// CPU time of one call of `f`, averaged over as many calls as take 100 ms: the thread's CPU
/// time (`schedstat`) advances in scheduler ticks, too coarse for one short call.
fn per_call(mut f: impl FnMut()) -> Duration {
    let (start, mut calls) = (cpu_time(), 0u32);
    while calls == 0 || cpu_time().saturating_sub(start) < Duration::from_millis(100) {
        f();
        calls += 1;
    }
    cpu_time().saturating_sub(start) / calls
}

fn child(n: usize) {
    let path = input_path(n);
    let src = input(n);
    let mb = src.len() as f64 / 1e6;
    let runs = match n {
        0..=2_000 => 11,
        2_001..=20_000 => 5,
        _ => 3,
    };
    // The same data as JSON, converted once.
    let json_text = {
        let doc = Document::parse(src.as_str()).expect("parse");
        serde_json::to_string(&doc.to_json(doc.roots()[0]).expect("to_json")).expect("json")
    };
    let json_mb = json_text.len() as f64 / 1e6;
    let serde_round_trip = || {
        let v: Value = serde_json::from_str(&json_text).expect("serde_json parse");
        std::hint::black_box(serde_json::to_string(&v).expect("serde_json write"));
    };

    let bin = Path::new(BIN);
    let mut jobs: Vec<(Vec<Duration>, usize, usize)> = vec![(Vec::new(), 0, 0); JOBS.len()];
    let mut serde = Vec::new();
    // One warm-up each, then interleaved runs so that machine load hits them alike.
    serde_round_trip();
    for (_, args) in JOBS {
        spawn_cost(bin, args, &path);
    }
    for _ in 0..runs {
        serde.push(per_call(serde_round_trip));
        for ((_, args), (cpu, peak, anon)) in JOBS.iter().zip(jobs.iter_mut()) {
            let cost = spawn_cost(bin, args, &path);
            cpu.push(cost.cpu);
            *peak = (*peak).max(cost.peak);
            *anon = (*anon).max(cost.peak_anon);
        }
    }
    let serde = median(serde);
    println!(
        "n={n}: input {mb:.2} MB ({json_mb:.2} MB as JSON); CPU medians of {runs} interleaved runs"
    );
    println!(
        "  serde_json parse + write, in process: {:7.1} ms {:7.1} MB/s of input",
        serde.as_secs_f64() * 1e3,
        mb / serde.as_secs_f64()
    );
    for ((job, _), (cpu, peak, anon)) in JOBS.iter().zip(jobs) {
        let cpu = median(cpu);
        println!(
            "  {job} private-gke, whole process:   {:7.1} ms {:7.1} MB/s  {:5.1}× serde_json  peak {:5.1} MB = {:4.1}× the input, of it allocated {:5.1} MB = {:4.1}×",
            cpu.as_secs_f64() * 1e3,
            mb / cpu.as_secs_f64(),
            cpu.as_secs_f64() / serde.as_secs_f64(),
            peak as f64 / 1e6,
            peak as f64 / src.len() as f64,
            anon as f64 / 1e6,
            anon as f64 / src.len() as f64
        );
    }
    stages(n, &src);
    if n == SIZES[0] {
        start_up();
    }
}

/// Parse the ResourceList and read every item, as the engine does.
fn load(text: &str) -> Vec<Item> {
    let doc = Arc::new(Document::parse(text).expect("parse"));
    let root = doc.roots()[0];
    let seq = doc.get(root, "items").expect("items");
    let (NodeKind::Sequence { .. }, ids) = (doc.node(seq).kind, doc.items(seq)) else {
        panic!("items is not a sequence");
    };
    ids.iter()
        .map(|&id| Item::read(doc.clone(), id).expect("read"))
        .collect()
}

fn given(pairs: &[(&str, &str)]) -> Settings {
    Settings {
        given: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Settings::default()
    }
}

/// CPU time of one call of `f` on what `fresh` makes anew before each call (not counted), as a
/// run calls a stage once: the items cache what a stage reads of their text on first use (key
/// scans, views), so repeated calls on the same items time the cache instead, and over as many
/// calls as take 100 ms the share of the first call falls with the input's size. Averaged over
/// as many calls as take 100 ms, like [`per_call`].
fn per_fresh_call<T>(mut fresh: impl FnMut() -> T, mut f: impl FnMut(&mut T)) -> Duration {
    let (mut spent, mut calls) = (Duration::ZERO, 0u32);
    while calls == 0 || spent < Duration::from_millis(100) {
        let mut state = fresh();
        spent += thread_cpu(|| f(&mut state));
        calls += 1;
    }
    spent / calls
}

/// The setters and checks stages in process, against loading the items (what used to be
/// `tests/setters_bench.rs` and `tests/checks_bench.rs`): each once on freshly loaded items, as
/// a run calls them, and again on the items the first call left (its caches warm).
fn stages(n: usize, src: &str) {
    let mut items = Vec::new();
    let load_cpu = per_call(|| items = load(src));
    let share = |label: &str, (once, again): (Duration, Duration)| {
        println!(
            "    {label}: {:.1} ms ({:.0}% of load); again on the same items {:.1} ms",
            once.as_secs_f64() * 1e3,
            100.0 * once.as_secs_f64() / load_cpu.as_secs_f64(),
            again.as_secs_f64() * 1e3
        );
    };
    println!(
        "  stages in process, thread CPU: load (parse + read of {n} items, views built on first use) {:.1} ms",
        load_cpu.as_secs_f64() * 1e3
    );
    let setters = |settings: &Settings, items: &mut Vec<Item>| {
        let mut results: Vec<KrmResult> = Vec::new();
        private_gke::setters::run(settings, items, &mut results);
    };
    let checks = |settings: &Settings, items: &mut Vec<Item>| {
        let mut results: Vec<KrmResult> = Vec::new();
        private_gke::checks::run(settings, items, &mut results);
    };
    let none = Settings::default();
    share(
        "setters, no values (walk and comments only)",
        (
            per_fresh_call(|| load(src), |items| setters(&none, items)),
            per_call(|| setters(&none, &mut items)),
        ),
    );
    share(
        "checks, no cluster selected",
        (
            per_fresh_call(|| load(src), |items| checks(&none, items)),
            per_call(|| checks(&none, &mut items)),
        ),
    );
    // `gke.private: "true"` makes every cluster private; select one so every family runs.
    let set = given(&[("gke.private", "true"), ("project-id", "other-project")]);
    let edited = || {
        let mut items = load(src);
        setters(&set, &mut items);
        items
    };
    share(
        "setters, gke.private and project-id (2 × n edits)",
        (
            per_fresh_call(|| load(src), |items| setters(&set, items)),
            per_call(|| setters(&set, &mut items)),
        ),
    );
    let selected = Settings {
        cluster: Some(format!("cluster-{}", n / 2)),
        ..Settings::default()
    };
    items = edited();
    share(
        "checks, one private cluster selected",
        (
            per_fresh_call(edited, |items| checks(&selected, items)),
            per_call(|| checks(&selected, &mut items)),
        ),
    );
}

/// Start-up: a one-item run against `cat` on the same input.
fn start_up() {
    let path = input_path(1);
    let (mut ours, mut cat) = (Vec::new(), Vec::new());
    for _ in 0..21 {
        ours.push(spawn_cost(Path::new(BIN), JOBS[0].1, &path).cpu);
        cat.push(spawn_cost(Path::new("cat"), &[], &path).cpu);
    }
    let (ours, cat) = (median(ours), median(cat));
    println!(
        "  start-up, one item: private-gke {:.2} ms CPU, cat {:.2} ms, difference {:.2} ms",
        ours.as_secs_f64() * 1e3,
        cat.as_secs_f64() * 1e3,
        ours.as_secs_f64() * 1e3 - cat.as_secs_f64() * 1e3
    );
}
