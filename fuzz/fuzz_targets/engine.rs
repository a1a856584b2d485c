//! Fuzz the whole engine (`private_gke::process`, what stdin mode runs) on arbitrary input
//! under a few settings chosen by the first byte. Properties: no panic; readable input gives
//! output that reads back as what the stages meant (no verification failure among the results);
//! a ResourceList's output is readable input again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use private_gke::krm::resource_list::Shape;
use private_gke::krm::{ResourceList, REREAD_FAILURE};
use private_gke::{config_map, process, Options};

/// The settings the first byte picks from.
const SETTINGS: [&[(&str, &str)]; 5] = [
    &[],
    &[("gke.private", "true"), ("private-gke.cluster", "kf")],
    &[("gke.private", "false")],
    &[("private-gke.mode", "check")],
    &[
        ("name", "other"),
        ("region", "us-central1"),
        ("x", "[a, b]"),
    ],
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let function_config = (pick & 0x80 == 0).then(|| {
        let pairs: Vec<(String, String)> = SETTINGS[usize::from(pick) % SETTINGS.len()]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config_map(&pairs)
    });
    let Ok(output) = process(input, &Options { function_config }) else {
        return;
    };
    if let Some(r) = output
        .results
        .iter()
        .find(|r| r.message.starts_with(REREAD_FAILURE))
    {
        panic!("{}", r.message);
    }
    // A ResourceList (what kpt sends) stays one; plain documents may lose every item, or all but
    // one without `kind` (which alone is no input), so only ResourceLists are read again.
    let resource_list =
        ResourceList::read(input, "stdin").is_ok_and(|l| l.shape == Shape::ResourceList);
    if let (true, Err(e)) = (
        resource_list,
        ResourceList::read(output.stdout.to_string().as_bytes(), "stdout"),
    ) {
        panic!("the output is not readable input: {e}\n{}", output.stdout);
    }
});
