//! What the bench binaries share: one child process per size, the shared yardstick input,
//! CPU time, medians and peak memory from `/proc` (of this process, or of a spawned command).

#![allow(dead_code)] // each bench binary uses part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run `child(n)` in a child process of this executable for each size given on the command line
/// (or `default_sizes`), so that peak memory is per size.
pub fn run_sizes(default_sizes: &[usize], child: fn(usize)) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        child(args[pos + 1].parse().expect("size"));
        return;
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        default_sizes.to_vec()
    } else {
        sizes
    };
    let exe = std::env::current_exe().expect("bench executable");
    for n in sizes {
        let status = Command::new(&exe)
            .arg("--child")
            .arg(n.to_string())
            .status()
            .expect("run child");
        assert!(status.success(), "child for {n} failed");
    }
}

/// Generate (once) the shared benchmark input for `n` items under `target/bench-input/`.
pub fn input(n: usize) -> String {
    std::fs::read_to_string(input_path(n)).expect("read input")
}

/// [`input`]'s file.
pub fn input_path(n: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-input");
    std::fs::create_dir_all(&dir).expect("create target/bench-input");
    let path = dir.join(format!("items-{n}.yaml"));
    if !path.exists() {
        let tool = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/tools/gen_bench_input.py"
        );
        let out = Command::new("python3")
            .arg(tool)
            .arg(n.to_string())
            .output()
            .expect("run gen_bench_input.py");
        assert!(out.status.success(), "gen_bench_input.py failed");
        std::fs::write(&path, &out.stdout).expect("write input");
    }
    path
}

/// CPU time of this thread (`/proc/thread-self/schedstat`), so that other processes on the
/// shared machine do not count.
pub fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = stat
        .split_whitespace()
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// The median of some timings.
pub fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// A `/proc/self/status` field in kB (`VmHWM:`, `VmRSS:`), as bytes.
pub fn proc_status(field: &str) -> usize {
    status_field(
        &std::fs::read_to_string("/proc/self/status").unwrap_or_default(),
        field,
    )
}

/// Reset the peak-RSS counter (Linux ≥ 4.0); false when not allowed.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// What one spawned command cost.
#[derive(Debug, Clone, Copy)]
pub struct ChildCost {
    /// CPU time of the child (`/proc/PID/schedstat` read while it is a zombie; wall time where
    /// that cannot be read).
    pub cpu: Duration,
    /// Its peak resident memory (`VmHWM`, sampled every ~0.5 ms while it runs), bytes.
    pub peak: usize,
    /// The largest of its anonymous resident memory (`RssAnon`: heap and stack, what the run
    /// allocates; not the binary's and libraries' pages) seen in those samples, bytes.
    pub peak_anon: usize,
}

/// Run `program args` with `stdin` from a file and stdout/stderr discarded; its CPU time and
/// peak memory. The child is reaped only after its times are read: no `unsafe`, no `libc`.
pub fn spawn_cost(program: &Path, args: &[&str], stdin: &Path) -> ChildCost {
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::fs::File::open(stdin).expect("open stdin file"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let proc_dir = PathBuf::from(format!("/proc/{}", child.id()));
    let mut peak = 0;
    let mut peak_anon = 0;
    let mut cpu = None;
    while let Ok(stat) = std::fs::read_to_string(proc_dir.join("stat")) {
        let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
        if state.is_some_and(|s| s.starts_with('Z')) {
            cpu = std::fs::read_to_string(proc_dir.join("schedstat"))
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .map(Duration::from_nanos);
            break;
        }
        if let Ok(status) = std::fs::read_to_string(proc_dir.join("status")) {
            peak = peak.max(status_field(&status, "VmHWM:"));
            peak_anon = peak_anon.max(status_field(&status, "RssAnon:"));
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let status = child.wait().expect("wait");
    let wall = start.elapsed();
    assert!(
        status.success(),
        "{} {args:?} failed: {status}",
        program.display()
    );
    ChildCost {
        cpu: cpu.unwrap_or(wall),
        peak,
        peak_anon,
    }
}

fn status_field(status: &str, field: &str) -> usize {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<usize>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}
