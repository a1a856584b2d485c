//! The private-GKE stage and the checks: cluster patch, network, wiring, CRDs, connectivity.
//!
//! One test binary, one module per topic: `cargo test --test gke [FILTER]`.

mod access;
mod behaviour;
mod blueprint_subtree;
mod checks_blueprint;
mod checks_capacity_access;
mod cluster_patch;
mod config;
mod connectivity;
mod crd;
mod dialect;
mod existing_network;
#[path = "../gke_common/mod.rs"]
mod gke_common;
mod network_today;
mod schema;
#[path = "../support/mod.rs"]
mod support;
mod text;
mod upstream;
mod wiring;
