//! Cost of the setters stage on the shared benchmark input (`gen_bench_input.py 10000`: 10k
//! items, 5 setter comments each, the functionConfig sets two). Run with
//! `cargo test --release --test setters_bench -- --ignored --nocapture`.

use private_gke::config::Settings;
use private_gke::krm::{Item, Severity};
use private_gke::setters;
use private_gke::yaml::{Document, Edits, NodeKind};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// CPU time of this thread (from `/proc/thread-self/schedstat`, so other processes on the
/// machine do not count), or wall time where that file does not exist.
struct Timer {
    wall: Instant,
    cpu: Option<u64>,
}

fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

impl Timer {
    fn start() -> Timer {
        Timer {
            wall: Instant::now(),
            cpu: thread_cpu_ns(),
        }
    }

    fn elapsed(&self) -> Duration {
        match (self.cpu, thread_cpu_ns()) {
            (Some(a), Some(b)) => Duration::from_nanos(b - a),
            _ => self.wall.elapsed(),
        }
    }
}

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
    String::from_utf8(out.stdout).unwrap()
}

/// Parse and write back unchanged.
fn round_trip(src: &str) -> String {
    let doc = Document::parse(src).unwrap();
    Edits::default().apply(doc.source()).unwrap()
}

/// Parse, read the items, run the setters, sync every item, write back. Returns the text and
/// the number of changed fields.
fn with_setters(src: &str) -> (String, usize) {
    let doc = Arc::new(Document::parse(src).unwrap());
    let root = doc.roots()[0];
    let items_node = doc.get(root, "items").unwrap();
    let NodeKind::Sequence { items: nodes, .. } = &doc.node(items_node).kind else {
        panic!("items is a sequence");
    };
    let config = doc
        .to_json(doc.get(root, "functionConfig").unwrap())
        .unwrap();
    let given = config["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let settings = Settings {
        given,
        ..Settings::default()
    };
    let mut items: Vec<Item> = nodes
        .iter()
        .map(|&n| Item::read(doc.clone(), n).unwrap())
        .collect();
    let mut results = Vec::new();
    setters::run(&settings, &mut items, &mut results);
    assert!(!results.iter().any(|r| r.severity == Severity::Error));
    let changed = results.len();
    let mut edits = Edits::default();
    for item in &items {
        if item.is_changed() {
            let origin = item.origin.as_ref().unwrap();
            doc.sync(origin.node, item.value(), &mut edits).unwrap();
        }
    }
    (edits.apply(doc.source()).unwrap(), changed)
}

/// Time of each phase of `with_setters`, for the report.
fn phases(src: &str) -> Vec<(&'static str, Duration)> {
    let mut out = Vec::new();
    let t = Timer::start();
    let doc = Arc::new(Document::parse(src).unwrap());
    out.push(("parse", t.elapsed()));
    let t = Timer::start();
    let root = doc.roots()[0];
    let items_node = doc.get(root, "items").unwrap();
    let NodeKind::Sequence { items: nodes, .. } = &doc.node(items_node).kind else {
        panic!("items is a sequence");
    };
    let mut items: Vec<Item> = nodes
        .iter()
        .map(|&n| Item::read(doc.clone(), n).unwrap())
        .collect();
    out.push(("items (to_json)", t.elapsed()));
    let settings = Settings {
        given: [("gke.private", "true"), ("project-id", "other-project")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Settings::default()
    };
    let t = Timer::start();
    let mut results = Vec::new();
    setters::run(&Settings::default(), &mut items, &mut results);
    out.push((
        "setters::run, no values (walk and comments only)",
        t.elapsed(),
    ));
    let t = Timer::start();
    let mut results = Vec::new();
    setters::run(&settings, &mut items, &mut results);
    out.push(("setters::run", t.elapsed()));
    let t = Timer::start();
    let mut edits = Edits::default();
    for item in &items {
        if item.is_changed() {
            let origin = item.origin.as_ref().unwrap();
            doc.sync(origin.node, item.value(), &mut edits).unwrap();
        }
    }
    out.push(("sync", t.elapsed()));
    let t = Timer::start();
    std::hint::black_box(edits.apply(doc.source()).unwrap());
    out.push(("apply", t.elapsed()));
    let t = Timer::start();
    drop(results);
    out.push(("drop results", t.elapsed()));
    let t = Timer::start();
    drop(items);
    drop(doc);
    out.push(("drop items and document", t.elapsed()));
    out
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn setters_stage_cost() {
    let src = input(10_000);
    let mb = src.len() as f64 / 1e6;
    let (out, results) = with_setters(&src);
    assert_eq!(out.matches("enablePrivateNodes: true").count(), 10_000);
    assert_eq!(
        out.matches("cnrm.cloud.google.com/project-id: other-project")
            .count(),
        10_000
    );
    assert_eq!(round_trip(&src), src);
    let (mut base, mut full) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let t = Timer::start();
        std::hint::black_box(round_trip(&src));
        base.push(t.elapsed());
        let t = Timer::start();
        std::hint::black_box(with_setters(&src));
        full.push(t.elapsed());
    }
    let (base, full) = (median(base), median(full));
    for (name, d) in phases(&src) {
        println!("  {name}: {:.1} ms", d.as_secs_f64() * 1e3);
    }
    println!(
        "input {:.2} MB, {results} results, thread CPU time (median of 5); parse + apply unchanged: {:.1} ms ({:.1} MB/s); parse + items + setters + sync + apply: {:.1} ms ({:.1} MB/s); ratio {:.2}",
        mb,
        base.as_secs_f64() * 1e3,
        mb / base.as_secs_f64(),
        full.as_secs_f64() * 1e3,
        mb / full.as_secs_f64(),
        full.as_secs_f64() / base.as_secs_f64()
    );
}
