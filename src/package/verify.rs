//! The verification pass of package mode: every file's new text is read again and must hold
//! exactly the items the stages meant for it, in order.

use crate::krm::resource_list::check_identity_types;
use crate::krm::{oddities, KrmResult, REREAD_FAILURE};
use crate::yaml::{Document, NodeKind};
use serde_json::Value;

/// Read `text`, the new text of package file `rel`, as package mode reads a file: its items
/// must be `expected`; an error result naming the file otherwise.
pub(super) fn check_file(rel: &str, text: &str, expected: &[&Value]) -> Option<KrmResult> {
    read_back(rel, text, expected).err().map(|e| *e)
}

fn read_back(rel: &str, text: &str, expected: &[&Value]) -> Result<(), Box<KrmResult>> {
    let fail = |what: String| {
        Box::new(KrmResult::error(format!(
            "{REREAD_FAILURE}: {rel}: {what}; nothing is written"
        )))
    };
    let text = text
        .strip_prefix(crate::krm::resource_list::BOM)
        .unwrap_or(text);
    let doc = Document::parse_with(text, oddities::PARSE)
        .map_err(|e| fail(format!("not valid YAML: {e}")))?;
    let mut read = Vec::new();
    for &root in doc.roots() {
        if !matches!(doc.node(root).kind, NodeKind::Mapping { .. }) {
            continue;
        }
        let value = doc.to_json(root).map_err(|e| fail(e.to_string()))?;
        if check_identity_types(&value, "document").is_ok() {
            read.push(value);
        }
    }
    if read.len() != expected.len() {
        return Err(fail(format!(
            "{} items instead of {}",
            read.len(),
            expected.len()
        )));
    }
    match read.iter().zip(expected).position(|(r, e)| r != *e) {
        Some(i) => Err(fail(format!("item {i} reads otherwise"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_file_passes_when_it_reads_as_its_items_and_fails_otherwise() {
        let a = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
        let b = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}});
        let text =
            "# head\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n- not an item\n";
        assert!(check_file("f.yaml", text, &[&a]).is_none());
        let wrong = check_file("f.yaml", text, &[&b]).unwrap();
        assert!(wrong.message.starts_with(REREAD_FAILURE) && wrong.message.contains("f.yaml"));
        assert!(check_file("f.yaml", text, &[&a, &b]).is_some());
        // Two JSON documents written back as one array hold no item at all.
        let array = serde_json::to_string(&json!([a, b])).unwrap();
        assert!(check_file("f.json", &array, &[&a, &b]).is_some());
        assert!(check_file("f.yaml", "a: [", &[]).is_some());
    }
}
