//! The setters stage: apply-setters and v0 cases, Kptfile definitions and pipelines, setters mode.
//!
//! One test binary, one module per topic: `cargo test --test setters [FILTER]`.

mod apply_cases;
mod behaviour;
#[allow(dead_code)]
mod helpers;
mod kptfile_pipeline;
mod mode;
#[path = "../support/mod.rs"]
mod support;
mod upstream;
mod v0_cases;
mod written;
