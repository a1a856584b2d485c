//! End to end through the commands users run: goldens, kpt, kustomize, the container, the whole blueprint, migrate.
//!
//! One test binary, one module per topic: `cargo test --test e2e [FILTER]`.

mod blueprint;
mod container;
mod example;
mod golden;
mod identity;
mod kpt;
mod kpt_results;
mod kustomize;
mod migrate_blueprint;
mod migrate_golden;
mod readme;
mod reference_tier;
mod root_package;
#[path = "../support/mod.rs"]
mod support;
mod verify_adversarial;
