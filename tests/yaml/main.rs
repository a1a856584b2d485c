//! The yaml layer (src/yaml/) and the strategic merge patch: identity, JSON view, edits, the yaml-test-suite.
//!
//! One test binary, one module per topic: `cargo test --test yaml [FILTER]`.

mod errors;
mod identity;
mod indicators;
mod json;
mod props;
mod render;
mod smp;
#[path = "../support/mod.rs"]
mod support;
mod sync;
mod test_suite;
