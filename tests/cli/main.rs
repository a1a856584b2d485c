//! The binary: options, messages, odd input, package reads and safe writes.
//!
//! One test binary, one module per topic: `cargo test --test cli [FILTER]`.

mod bench_input;
mod input_edges;
mod item_lazy;
mod options_and_messages;
mod package_read;
mod package_stdout;
mod safe_writes;
mod shell_cli;
mod shell_package;
mod shell_resource_list;
#[path = "../support/mod.rs"]
mod support;
