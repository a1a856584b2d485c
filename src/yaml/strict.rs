//! Checks granit leaves out, applied to every parsed tree: input go-yaml (and so kpt and
//! kustomize) rejects must not be read.

use super::{Document, NodeKind, YamlError};

impl Document {
    /// An error for a block mapping that starts on the line of its own implicit key's `:`
    /// (`  : x: y`: go-yaml reports `did not find expected key`); `a: b: c` granit rejects itself.
    pub(super) fn check_strict(&self) -> Result<(), YamlError> {
        let src = self.source();
        for node in &self.nodes {
            let NodeKind::Mapping {
                flow: false,
                entries,
            } = &node.kind
            else {
                continue;
            };
            for (key, value) in self.entries_at(*entries).iter() {
                let NodeKind::Mapping { flow: false, .. } = self.nodes[value].kind else {
                    continue;
                };
                let key_start = self.nodes[key].span().start;
                let value_start = self.nodes[value].span().start;
                let line_start = src[..key_start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
                let explicit = src[line_start..key_start].trim_start().starts_with('?');
                let same_line =
                    key_start <= value_start && !src[key_start..value_start].contains(['\n', '\r']);
                if same_line && !explicit {
                    return Err(self.error_at(
                        value_start,
                        "a block mapping cannot start on the line of its key",
                    ));
                }
            }
        }
        Ok(())
    }
}
