//! Comment setters: kpt v1 `# kpt-set: ${x}` and kpt v0 `$kpt-set`/`$ref` with Kptfile definitions.

use crate::config::Settings;
use crate::krm::{Item, KrmResult};

/// Stage 3: apply every setter comment in every item's text to the item's JSON view.
pub fn run(settings: &Settings, items: &mut [Item], results: &mut Vec<KrmResult>) {
    let _ = (settings, items, results);
}
