//! `--output stdout`: the package's items as one ResourceList, through the ResourceList sink
//! ([`ResourceList::made_for`]).

use crate::krm::{Item, KrmResult, ResourceList};

/// The items as a ResourceList, each with its path/index annotations (as `kpt fn source` prints
/// a package): an item read from a YAML file as its own text (head comments included) with its
/// change, read again before it goes out; when it does not read as meant, an error result says
/// so and every item is rendered anew from its value (comments lost, value right).
pub(super) fn resource_list_text(items: &[Item], results: &mut Vec<KrmResult>) -> String {
    match ResourceList::made_for("--output stdout").write(items, results) {
        Ok(text) => text,
        Err(e) => {
            results.push(KrmResult::error(format!("--output stdout: {e}")));
            String::new()
        }
    }
}
