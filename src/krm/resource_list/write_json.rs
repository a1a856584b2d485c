//! Writing a ResourceList read from JSON back as JSON: serde_json's layout, each item matched
//! with its own node so that its untouched numbers and strings keep their text.

use super::{result_json, ResourceList};
use crate::krm::{InputError, Item, KrmResult};
use serde_json::{Map, Value};

impl ResourceList {
    pub(super) fn write_json(
        &self,
        items: &[Item],
        results: &[KrmResult],
    ) -> Result<String, InputError> {
        let doc = &*self.doc;
        let item_text =
            |item: &Item, depth: usize| doc.json_text_at(self.own_node(item), item.value(), depth);
        let mut text = match self.root {
            Some(root) => {
                let mut map = match doc.to_json(root) {
                    Ok(Value::Object(map)) => map,
                    _ => Map::new(),
                };
                map.insert("items".to_string(), Value::Null);
                if self.carries_results() && !results.is_empty() {
                    let mut all = match map.get("results") {
                        Some(Value::Array(existing)) => existing.clone(),
                        _ => Vec::new(),
                    };
                    all.extend(results.iter().map(result_json));
                    map.insert("results".to_string(), Value::Array(all));
                }
                let mut out = String::from("{");
                for (i, (key, value)) in map.iter().enumerate() {
                    out.push_str(if i == 0 { "\n  " } else { ",\n  " });
                    out.push_str(&serde_json::to_string(key).unwrap_or_default());
                    out.push_str(": ");
                    if key == "items" {
                        if items.is_empty() {
                            out.push_str("[]");
                        } else {
                            out.push('[');
                            for (j, item) in items.iter().enumerate() {
                                out.push_str(if j == 0 { "\n    " } else { ",\n    " });
                                out.push_str(&item_text(item, 2));
                            }
                            out.push_str("\n  ]");
                        }
                    } else {
                        out.push_str(&doc.json_text_at(doc.get(root, key), value, 1));
                    }
                }
                out.push_str("\n}");
                out
            }
            None if items.len() == 1 => item_text(&items[0], 0),
            None => {
                let values: Vec<Value> = items.iter().map(|i| i.value().clone()).collect();
                let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": values});
                doc.json_text(None, &list)
            }
        };
        text.push('\n');
        Ok(text)
    }
}
