//! Adoption: a resource of the private network that the package already holds (upstream's
//! `privateGKE/` files) is updated in place, and its `OWNED` annotation records the value each
//! changed field had before (`null` = absent), so reversal gives the resource back as it was
//! instead of deleting a file the function did not create.

use super::{cluster, OWNED};
use serde_json::{json, Map, Value};

/// JSON pointer of the ownership annotation.
fn owned_pointer() -> String {
    format!("/metadata/annotations/{}", OWNED.replace('/', "~1"))
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every place where `after` differs from `before`, at the granularity of an overlay (maps
/// recurse, anything else is one value), with the value `before` had there.
fn changes(before: &Value, after: &Value, pointer: &str, out: &mut Map<String, Value>) {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            for (k, av) in a {
                let p = format!("{pointer}/{}", escape(k));
                match b.get(k) {
                    Some(bv) => changes(bv, av, &p, out),
                    None => {
                        out.insert(p, Value::Null);
                    }
                }
            }
        }
        (b, a) if b != a => {
            out.insert(pointer.to_string(), b.clone());
        }
        _ => {}
    }
}

/// The record of an adopted resource (`None` when the resource is not adopted).
pub fn record(value: &Value) -> Option<Map<String, Value>> {
    if value.get("kind").and_then(Value::as_str) == Some("ContainerCluster") {
        return None;
    }
    cluster::record(value)
}

/// True when `value` is a resource the function adopted.
pub fn is_adopted(value: &Value) -> bool {
    record(value).is_some()
}

/// Marks `value` (now `after` of `before`) as adopted, adding the prior values of fields changed
/// this time to the record of earlier runs. A resource the function generated keeps `"true"`.
pub fn mark(before: &Value, value: &mut Value) {
    let pointer = owned_pointer();
    let marker = before.pointer(&pointer).and_then(Value::as_str);
    if marker == Some("true") {
        return;
    }
    let mut rec = record(before).unwrap_or_default();
    let mut changed = Map::new();
    let mut before_unmarked = before.clone();
    cluster::remove(&mut before_unmarked, &pointer);
    let mut after_unmarked = value.clone();
    cluster::remove(&mut after_unmarked, &pointer);
    changes(&before_unmarked, &after_unmarked, "", &mut changed);
    for (p, old) in changed {
        rec.entry(p).or_insert(old);
    }
    cluster::set(value, &pointer, json!(Value::Object(rec).to_string()));
}

/// Gives an adopted resource back as it was before adoption; returns whether it was adopted.
pub fn restore(value: &mut Value) -> bool {
    let Some(rec) = record(value) else {
        return false;
    };
    let mut pointers: Vec<(String, Value)> = rec.into_iter().collect();
    pointers.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
    for (pointer, old) in pointers {
        if !pointer.starts_with('/') {
            continue;
        }
        if old.is_null() {
            cluster::remove(value, &pointer);
        } else {
            cluster::set(value, &pointer, old);
        }
    }
    cluster::remove(value, &owned_pointer());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adoption_records_and_restores_each_changed_field() {
        let original = json!({
            "apiVersion": "compute.cnrm.cloud.google.com/v1beta1",
            "kind": "ComputeFirewall",
            "metadata": {"name": "kf-fw", "annotations": {"a": "b"}},
            "spec": {"enableLogging": false, "allow": [{"protocol": "tcp"}]},
        });
        let mut value = original.clone();
        value["spec"]["enableLogging"] = json!(true);
        value["spec"]["allow"] = json!([{"protocol": "all"}]);
        value["spec"]["priority"] = json!(900);
        mark(&original, &mut value);
        assert!(is_adopted(&value));
        let second = value.clone();
        mark(&second, &mut value);
        assert_eq!(value, second, "a second run changes nothing");
        let third = value.clone();
        value["spec"]["direction"] = json!("EGRESS");
        mark(&third, &mut value);
        assert!(restore(&mut value));
        assert_eq!(value, original);
    }

    #[test]
    fn generated_resources_are_not_adopted() {
        let mut value =
            json!({"kind": "ComputeRoute", "metadata": {"annotations": {OWNED: "true"}}});
        let before = value.clone();
        mark(&before, &mut value);
        assert_eq!(value, before);
        assert!(!restore(&mut value));
    }
}
