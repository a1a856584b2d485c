//! private-gke: a KRM function that turns a Kubeflow-on-GCP Config Connector blueprint into a
//! private GKE deployment. `process` is the engine behind every mode.
#![forbid(unsafe_code)]

pub mod checks;
pub mod config;
pub mod gke;
pub mod krm;
pub mod package;
pub mod setters;
pub mod smp;
pub mod yaml;
