//! Lossless YAML round trip on the shared yardstick (`gen_bench_input.py N`): serde_json on the
//! same data as JSON (baseline), parse + write back unchanged, parse + 2 scalar edits per item
//! + write back. Each size runs in its own child process so that peak memory is per size.
//!
//! Run: `cargo bench --bench yaml_roundtrip` (sizes: `-- 1000 10000`).

mod harness;

use harness::{cpu_time, input, median, proc_status, reset_peak};
use private_gke::yaml::{Document, Edits, NodeId, NodeKind};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn main() {
    harness::run_sizes(&SIZES, child);
}

/// Median wall time and median CPU time of `runs` calls (after one warm-up call).
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    std::hint::black_box(f());
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (start, start_cpu) = (Instant::now(), cpu_time());
        std::hint::black_box(f());
        wall.push(start.elapsed());
        cpu.push(cpu_time().saturating_sub(start_cpu));
    }
    (median(wall), median(cpu))
}

fn items(doc: &Document) -> Vec<NodeId> {
    let seq = doc.get(doc.roots()[0], "items").expect("items");
    match &doc.node(seq).kind {
        NodeKind::Sequence { .. } => doc.items(seq).to_vec(),
        _ => panic!("items is not a sequence"),
    }
}

fn path(doc: &Document, mut node: NodeId, keys: &[&str]) -> NodeId {
    for k in keys {
        node = doc.get(node, k).expect("field");
    }
    node
}

/// Parse, change two setter-commented scalars per item (addressed by node), write back.
fn edit_scalars(src: &str) -> (String, usize) {
    edit_scalars_owned(src.to_string())
}

fn edit_scalars_owned(src: String) -> (String, usize) {
    let doc = Document::parse(src).expect("parse");
    let edits = sync_scalars(&doc);
    (edits.apply(doc.source()).expect("apply"), edits.len())
}

/// Only the lookups of [`sync_scalars`]: the nodes of the two fields per item.
fn find_scalars(doc: &Document) -> usize {
    items(doc)
        .into_iter()
        .map(|item| {
            path(doc, item, &["metadata", "name"])
                + path(
                    doc,
                    item,
                    &["spec", "privateClusterConfig", "enablePrivateNodes"],
                )
        })
        .sum()
}

/// The edits for two setter-commented scalars per item, found by node.
fn sync_scalars(doc: &Document) -> Edits {
    let mut edits = Edits::default();
    for (i, item) in items(doc).into_iter().enumerate() {
        let name = path(doc, item, &["metadata", "name"]);
        let private = path(
            doc,
            item,
            &["spec", "privateClusterConfig", "enablePrivateNodes"],
        );
        doc.sync(name, &json!(format!("prod-{i}")), &mut edits)
            .expect("sync name");
        doc.sync(private, &json!(true), &mut edits)
            .expect("sync flag");
    }
    edits
}

/// The pipeline's way: JSON view per item (the reader), a changed copy (a stage), syncing the
/// item from its original view (the writer).
fn edit_items(src: &str) -> (String, usize) {
    let doc = Document::parse(src).expect("parse");
    let mut edits = Edits::default();
    for (i, item) in items(&doc).into_iter().enumerate() {
        let old = doc.to_json(item).expect("to_json");
        let mut v = old.clone();
        v["metadata"]["name"] = json!(format!("prod-{i}"));
        v["spec"]["privateClusterConfig"]["enablePrivateNodes"] = json!(true);
        doc.sync_from(item, &old, &v, &mut edits)
            .expect("sync item");
    }
    let n = edits.len();
    (edits.apply(src).expect("apply"), n)
}

fn unchanged(src: &str) -> String {
    let doc = Document::parse(src).expect("parse");
    Edits::default().apply(doc.source()).expect("apply")
}

fn child(n: usize) {
    let src = input(n);
    let mb = src.len() as f64 / 1e6;
    let runs = match n {
        0..=2_000 => 15,
        2_001..=20_000 => 5,
        _ => 3,
    };

    // Peak memory of parse + write back (and of the edits variant) above what the input text
    // takes: the text is read into a String that the Document takes over, as the shell does.
    // One tiny parse first, so that one-time process warm-up (code pages, allocator arenas) is
    // not counted against the input.
    let warm_up: String = src.lines().take(40).collect::<Vec<_>>().join("\n");
    drop(Document::parse(warm_up).expect("parse the warm-up"));
    let can_reset = reset_peak();
    let owned = src.clone();
    let before = proc_status("VmRSS:");
    let doc = Document::parse(owned).expect("parse");
    let out = Edits::default().apply(doc.source()).expect("apply");
    let peak_plain = proc_status("VmHWM:").saturating_sub(before);
    assert_eq!(out, src, "unchanged round trip is byte-identical");
    drop((doc, out));
    reset_peak();
    let owned = src.clone();
    let before = proc_status("VmRSS:");
    let (edited, n_edits) = edit_scalars_owned(owned);
    let peak_edit = proc_status("VmHWM:").saturating_sub(before);
    drop(edited);

    let doc = Document::parse(src.as_str()).expect("parse");
    let json_text =
        serde_json::to_string(&doc.to_json(doc.roots()[0]).expect("to_json")).expect("json");
    drop(doc);
    let (check, n_item_edits) = edit_items(&src);
    assert_eq!(
        check,
        edit_scalars(&src).0,
        "both edit paths give the same text"
    );
    assert_eq!(n_item_edits, n_edits);
    assert_eq!(n_edits, 2 * n);
    assert!(check.contains("    name: prod-0 # kpt-set: ${prefix}-0\n"));
    assert!(check.contains("      enablePrivateNodes: true # kpt-set: ${gke.private}\n"));
    // `cluster-i` → `prod-i` and `false` → `true`: 4 bytes shorter per item, nothing else.
    assert_eq!(check.len(), src.len() - 4 * n);

    let t_json = time(runs, || {
        serde_json::from_str::<Value>(&json_text).expect("json parse")
    });
    let t_plain = time(runs, || unchanged(&src));
    let t_edit = time(runs, || edit_scalars(&src));
    let t_items = time(runs, || edit_items(&src));
    let t_parse = time(runs, || Document::parse(src.as_str()).expect("parse"));
    let doc = Document::parse(src.as_str()).expect("parse");
    let t_sync = time(runs, || sync_scalars(&doc));
    let t_lookup = time(runs, || find_scalars(&doc));
    let edits = sync_scalars(&doc);
    let t_apply = time(runs, || edits.apply(&src).expect("apply"));

    let json_mb = json_text.len() as f64 / 1e6;
    println!("== {n} items: {mb:.2} MB YAML, {json_mb:.2} MB as JSON; median of {runs} runs ==");
    println!(
        "{:<44} {:>9} {:>8} | {:>9} {:>8} | {:>10} {:>12}",
        "phase", "wall ms", "MB/s", "cpu ms", "MB/s", "cpu/json", "cpu/unchanged"
    );
    let row = |name: &str, (wall, cpu): (Duration, Duration), size: f64| {
        println!(
            "{:<44} {:>9.1} {:>8.1} | {:>9.1} {:>8.1} | {:>9.2}x {:>+11.1}%",
            name,
            wall.as_secs_f64() * 1e3,
            size / wall.as_secs_f64(),
            cpu.as_secs_f64() * 1e3,
            size / cpu.as_secs_f64(),
            cpu.as_secs_f64() / t_json.1.as_secs_f64(),
            (cpu.as_secs_f64() / t_plain.1.as_secs_f64() - 1.0) * 100.0,
        );
    };
    row("serde_json::from_str, same data as JSON", t_json, json_mb);
    row("parse + write back unchanged", t_plain, mb);
    row(
        &format!("parse + {n_edits} scalar edits + write back"),
        t_edit,
        mb,
    );
    row("parse + to_json/item + sync item + write", t_items, mb);
    row("  of which: parse", t_parse, mb);
    row(&format!("  of which: {n_edits} scalar syncs"), t_sync, mb);
    row("    of which: finding the nodes (get)", t_lookup, mb);
    row(&format!("  of which: apply {n_edits} edits"), t_apply, mb);
    println!(
        "peak memory above the input text: unchanged {:.2}x input, edits {:.2}x input{}",
        peak_plain as f64 / src.len() as f64,
        peak_edit as f64 / src.len() as f64,
        if can_reset {
            ""
        } else {
            " [peak reset not allowed: whole-process figures]"
        },
    );
}
