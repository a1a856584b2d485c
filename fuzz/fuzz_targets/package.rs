//! Fuzz package mode (`private_gke::package::run`) on a package made from the input: the bytes
//! split at `\0` become `a.yaml`, `b.json`, `sub/c.yaml` and `Kptfile`. Properties: no panic;
//! a run that writes leaves no verification failure, a package that reads as it was meant
//! (`--output stdout` of it is readable), and a second run with the same settings changes
//! nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use private_gke::config_map;
use private_gke::krm::{ResourceList, REREAD_FAILURE};
use private_gke::package::{run, PackageOptions};
use std::fs;

const FILES: [&str; 4] = ["a.yaml", "b.json", "sub/c.yaml", "Kptfile"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    for (name, bytes) in FILES.iter().zip(rest.split(|&b| b == 0)) {
        let path = dir.path().join(name);
        let _ = fs::create_dir_all(path.parent().unwrap());
        fs::write(path, bytes).unwrap();
    }
    let pairs: Vec<(String, String)> = match pick % 3 {
        0 => vec![("gke.private".into(), "true".into())],
        1 => vec![("gke.private".into(), "false".into())],
        _ => vec![("name".into(), "other".into()), ("x".into(), "y".into())],
    };
    let options = PackageOptions {
        function_config: Some(config_map(&pairs)),
        ..PackageOptions::default()
    };
    let Ok(first) = run(dir.path(), &options) else {
        return;
    };
    if let Some(r) = first
        .results
        .iter()
        .find(|r| r.message.starts_with(REREAD_FAILURE))
    {
        panic!("{}", r.message);
    }
    if first.exit_code() != 0 {
        return;
    }
    let second = run(dir.path(), &options).expect("the written package reads");
    assert!(
        second.changed.is_empty(),
        "second run changed {:?}",
        second.changed
    );
    let listed = run(
        dir.path(),
        &PackageOptions {
            output_stdout: true,
            ..options
        },
    )
    .expect("the written package reads");
    if let Err(e) = ResourceList::read(listed.stdout.as_bytes(), "stdout") {
        panic!("--output stdout is not readable: {e}\n{}", listed.stdout);
    }
});
