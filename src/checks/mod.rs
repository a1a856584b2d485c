//! Checks: the guide's troubleshooting section, done before deploy. One file per family.

use crate::config::Settings;
use crate::krm::{Item, KrmResult};

/// Stage 6: check every item; with `webhook-firewall: generate` may add firewall rules.
pub fn run(settings: &Settings, items: &mut Vec<Item>, results: &mut Vec<KrmResult>) {
    let _ = (settings, items, results);
}
