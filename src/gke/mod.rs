//! Private-GKE knowledge: the cluster patch, the generated network resources, firewall logging,
//! region/zone/location, and the Config Connector CRD fix.

use crate::config::Settings;
use crate::krm::{Item, KrmResult};

/// Stage 4: make the package a private GKE deployment (or take it back out).
pub fn run(settings: &Settings, items: &mut Vec<Item>, results: &mut Vec<KrmResult>) {
    let _ = (settings, items, results);
}

/// Stage 5: add the missing `ipAllocationPolicy` properties to the ContainerCluster CRD.
pub fn fix_crds(items: &mut [Item], results: &mut Vec<KrmResult>) {
    let _ = (items, results);
}
