//! The whole engine (`private_gke::process`: read, stages, write) on the shared yardstick
//! (`gen_bench_input.py N`), in one run: (a) a functionConfig that changes nothing
//! (`gke.private: "false"`, no setters), (b) the same plus `project-id` and `location`, two of
//! the five setter comments of every item (2 × N edits, one info result each), (c) serde_json
//! parsing the same data as JSON, for reference. Each size runs in its own child process.
//!
//! Run: `cargo bench --bench pipeline` (sizes: `-- 1000 10000 100000`; default 1000 10000).

mod harness;

use harness::{cpu_time, input, median, proc_status};
use private_gke::{config_map, process, Options};
use serde_json::Value;
use std::time::{Duration, Instant};

const SIZES: [usize; 2] = [1_000, 10_000];

fn main() {
    harness::run_sizes(&SIZES, child);
}

/// Median wall and CPU time of `runs` calls, interleaving the timed closures so that machine
/// load hits them alike (after one warm-up call each).
fn time_all(runs: usize, fs: &mut [&mut dyn FnMut()]) -> Vec<(Duration, Duration)> {
    for f in fs.iter_mut() {
        f();
    }
    let mut samples = vec![(Vec::new(), Vec::new()); fs.len()];
    for _ in 0..runs {
        for (f, (wall, cpu)) in fs.iter_mut().zip(samples.iter_mut()) {
            let (start, start_cpu) = (Instant::now(), cpu_time());
            f();
            wall.push(start.elapsed());
            cpu.push(cpu_time().saturating_sub(start_cpu));
        }
    }
    samples
        .into_iter()
        .map(|(wall, cpu)| (median(wall), median(cpu)))
        .collect()
}

fn child(n: usize) {
    let src = input(n);
    let mb = src.len() as f64 / 1e6;
    let runs = match n {
        0..=2_000 => 11,
        2_001..=20_000 => 5,
        _ => 3,
    };
    let baseline = Options {
        function_config: Some(config_map(&[("gke.private".into(), "false".into())])),
    };
    let setters = Options {
        function_config: Some(config_map(&[
            ("gke.private".into(), "false".into()),
            ("project-id".into(), "other-project".into()),
            ("location".into(), "europe-west1".into()),
        ])),
    };

    // Correctness first: (a) keeps every input byte and only appends its results; (b) makes
    // exactly 2 × n edits, one info result each.
    harness::reset_peak();
    let a = process(src.as_bytes(), &baseline).expect("process (a)");
    let peak_a = proc_status("VmHWM:") as f64 / 1_048_576.0;
    assert!(a.stdout.starts_with(&src), "(a) changed the input text");
    assert!(a.stdout[src.len()..].starts_with("results:\n"));
    assert_eq!(a.exit_code(), 0);
    drop(a);
    harness::reset_peak();
    let b = process(src.as_bytes(), &setters).expect("process (b)");
    let peak_b = proc_status("VmHWM:") as f64 / 1_048_576.0;
    assert_eq!(b.exit_code(), 0);
    let changed = b
        .results
        .iter()
        .filter(|r| r.message.starts_with("set by setter comment"))
        .count();
    assert_eq!(changed, 2 * n);
    assert_eq!(
        b.stdout
            .matches("project-id: other-project # kpt-set: ${project-id}")
            .count(),
        n
    );
    assert_eq!(
        b.stdout
            .matches("location: europe-west1 # {\"$kpt-set\":\"location\"}")
            .count(),
        n
    );
    let out_mb = b.stdout.len() as f64 / 1e6;
    drop(b);

    // The same data as JSON, for serde_json.
    let json_text = {
        let doc = private_gke::yaml::Document::parse(src.as_str()).expect("parse");
        serde_json::to_string(&doc.to_json(doc.roots()[0]).expect("to_json")).expect("json")
    };
    let json_mb = json_text.len() as f64 / 1e6;

    let mut run_a = || {
        std::hint::black_box(process(src.as_bytes(), &baseline).expect("a"));
    };
    let mut run_b = || {
        std::hint::black_box(process(src.as_bytes(), &setters).expect("b"));
    };
    let mut run_c = || {
        std::hint::black_box(serde_json::from_str::<Value>(&json_text).expect("c"));
    };
    let t = time_all(runs, &mut [&mut run_a, &mut run_b, &mut run_c]);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let rate = |mb: f64, d: Duration| mb / d.as_secs_f64();
    println!(
        "n={n}: input {mb:.2} MB, (b) output {out_mb:.2} MB, {} edits; median of {runs}, thread CPU (wall)",
        2 * n
    );
    println!(
        "  (a) process, nothing to change: {:7.1} ms ({:.1}) {:6.1} MB/s  peak RSS {peak_a:.0} MB",
        ms(t[0].1),
        ms(t[0].0),
        rate(mb, t[0].1)
    );
    println!(
        "  (b) process, 2 setters:         {:7.1} ms ({:.1}) {:6.1} MB/s  peak RSS {peak_b:.0} MB",
        ms(t[1].1),
        ms(t[1].0),
        rate(mb, t[1].1)
    );
    println!(
        "  (c) serde_json, same data ({json_mb:.2} MB JSON): {:7.1} ms ({:.1}) {:6.1} MB/s",
        ms(t[2].1),
        ms(t[2].0),
        rate(json_mb, t[2].1)
    );
    println!(
        "  ratio b/a: {:.2} (CPU), {:.2} (wall)",
        t[1].1.as_secs_f64() / t[0].1.as_secs_f64(),
        t[1].0.as_secs_f64() / t[0].0.as_secs_f64()
    );
}
