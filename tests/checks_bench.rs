//! The check stage's time on the shared benchmark input (10k ContainerClusters) against the
//! time to load the items. Run: `cargo test --release --test checks_bench -- --ignored --nocapture`.

use private_gke::checks;
use private_gke::config::Settings;
use private_gke::krm::{Item, KrmResult};
use private_gke::yaml::Document;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const GEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/tools/gen_bench_input.py"
);

/// Parse the ResourceList and read every item's JSON view, as the engine does.
fn load(text: &str) -> Vec<Item> {
    let doc = Arc::new(Document::parse(text).unwrap());
    let root = doc.roots()[0];
    let seq = doc.get(root, "items").unwrap();
    let ids: Vec<usize> = match &doc.node(seq).kind {
        private_gke::yaml::NodeKind::Sequence { items, .. } => items.to_vec(),
        other => panic!("items is {other:?}"),
    };
    ids.into_iter()
        .map(|id| Item::read(doc.clone(), id).unwrap())
        .collect()
}

/// CPU time of this thread so far (Linux `schedstat`), so that other processes on the shared
/// machine do not count; `None` where it cannot be read.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Run `f`; its result, wall time and thread CPU time (wall time when CPU time is unknown).
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration, Duration) {
    let (start, cpu) = (Instant::now(), cpu_time());
    let out = f();
    let wall = start.elapsed();
    let cpu = cpu.zip(cpu_time()).map_or(wall, |(a, b)| b - a);
    (out, wall, cpu)
}

/// `12.3 ms (4.5% of load)` for one timing.
fn share(t: Duration, load: Duration) -> String {
    format!(
        "{:.1} ms ({:.1}% of load)",
        t.as_secs_f64() * 1e3,
        100.0 * t.as_secs_f64() / load.as_secs_f64()
    )
}

#[test]
#[ignore]
fn check_stage_vs_load_on_10k_clusters() {
    // CHECKS_BENCH_N=40000 shows the stage is linear: four times the items, four times the time.
    let n: usize = std::env::var("CHECKS_BENCH_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let out = Command::new("python3")
        .args([GEN, &n.to_string()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (mut items, load_wall, load_cpu) = timed(|| load(&text));
    assert_eq!(items.len(), n);
    println!(
        "load (parse + JSON views of {} items, {} bytes): wall {:.1} ms, cpu {:.1} ms",
        items.len(),
        text.len(),
        load_wall.as_secs_f64() * 1e3,
        load_cpu.as_secs_f64() * 1e3
    );
    let report = |label: &str, wall: Duration, cpu: Duration| {
        println!(
            "{label}: wall {}, cpu {}",
            share(wall, load_wall),
            share(cpu, load_cpu)
        );
    };

    // As generated: 10k clusters, none selected, none private: names and references run.
    // Three runs; the first also pays the allocator for what loading freed.
    for run in 1..=3 {
        let mut results: Vec<KrmResult> = Vec::new();
        let ((), wall, cpu) = timed(|| checks::run(&Settings::default(), &items, &mut results));
        assert_eq!(results.len(), 2, "{results:?}");
        report(&format!("checks run {run}, no cluster selected"), wall, cpu);
    }

    // After the setters (`gke.private: "true"`) every cluster is private; select one so every
    // family runs too.
    for it in &mut items {
        it.value_mut()["spec"]["privateClusterConfig"]["enablePrivateNodes"] = true.into();
    }
    let settings = Settings {
        cluster: Some(format!("cluster-{}", n / 2)),
        ..Settings::default()
    };
    for run in 1..=3 {
        let mut results: Vec<KrmResult> = Vec::new();
        let ((), wall, cpu) = timed(|| checks::run(&settings, &items, &mut results));
        assert!(results.len() > 2);
        report(
            &format!("checks run {run}, cluster-{} selected, private", n / 2),
            wall,
            cpu,
        );
    }
}
