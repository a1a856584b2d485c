//! Strategic merge patch, table-driven; cases after the Kubernetes SMP documentation
//! (sig-api-machinery strategic-merge-patch.md and the kubectl patch task page).

use private_gke::smp::{list_strategy, merge, merge_with, ListStrategy};
use serde::Deserialize;
use serde_json::Value;

fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn documented_cases() {
    // (name, original, patch, expected)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "maps merge",
            "a: 1\nb: {c: 2}",
            "b: {d: 3}",
            "a: 1\nb: {c: 2, d: 3}",
        ),
        ("null deletes a field", "a: 1\nb: 2", "b: null", "a: 1"),
        (
            "scalars and unkeyed lists replace",
            "a: x\nargs: [a, b]",
            "a: y\nargs: [c]",
            "a: y\nargs: [c]",
        ),
        (
            "containers merge by name",
            "containers:\n- {name: nginx, image: nginx-1.0}\n- {name: log-tailer, image: log-tailer-1.0}",
            "containers:\n- {name: nginx, image: nginx-1.1}",
            "containers:\n- {name: nginx, image: nginx-1.1}\n- {name: log-tailer, image: log-tailer-1.0}",
        ),
        (
            "new keyed element is appended",
            "containers:\n- {name: a, image: a}",
            "containers:\n- {name: b, image: b}",
            "containers:\n- {name: a, image: a}\n- {name: b, image: b}",
        ),
        (
            "$patch: delete removes a keyed element",
            "containers:\n- {name: nginx, image: nginx-1.0}\n- {name: log-tailer, image: log-tailer-1.0}",
            "containers:\n- {name: log-tailer, $patch: delete}",
            "containers:\n- {name: nginx, image: nginx-1.0}",
        ),
        (
            "$patch: replace in a list replaces the whole list",
            "containers:\n- {name: nginx, image: nginx-1.0}\n- {name: log-tailer, image: log-tailer-1.0}",
            "containers:\n- {name: nginx, image: nginx-1.1}\n- {$patch: replace}",
            "containers:\n- {name: nginx, image: nginx-1.1}",
        ),
        (
            "$patch: replace on a map replaces the map",
            "spec: {selector: {app: a, tier: web}, replicas: 1}",
            "spec: {selector: {$patch: replace, app: b}}",
            "spec: {selector: {app: b}, replicas: 1}",
        ),
        (
            "$patch: delete on a map deletes it",
            "spec: {selector: {app: a}, replicas: 1}",
            "spec: {selector: {$patch: delete}}",
            "spec: {replicas: 1}",
        ),
        (
            "$patch: merge is the default",
            "spec: {selector: {app: a}}",
            "spec: {selector: {$patch: merge, tier: web}}",
            "spec: {selector: {app: a, tier: web}}",
        ),
        (
            "$retainKeys clears fields not listed",
            "strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}",
            "strategy: {$retainKeys: [type], type: Recreate}",
            "strategy: {type: Recreate}",
        ),
        (
            "$deleteFromPrimitiveList removes values",
            "metadata: {finalizers: [a, b, c]}",
            "metadata: {$deleteFromPrimitiveList/finalizers: [b]}",
            "metadata: {finalizers: [a, c]}",
        ),
        (
            "primitive merge list is a union, $setElementOrder orders it",
            "finalizers: [a, b]",
            "$setElementOrder/finalizers: [c, a, b]\nfinalizers: [c]",
            "finalizers: [c, a, b]",
        ),
        (
            "$setElementOrder orders keyed elements",
            "containers:\n- {name: a, image: a}\n- {name: b, image: b}",
            "$setElementOrder/containers: [{name: b}, {name: a}]\ncontainers:\n- {name: a, image: a2}",
            "containers:\n- {name: b, image: b}\n- {name: a, image: a2}",
        ),
        (
            "env merges by name, container ports by containerPort",
            "containers:\n- name: app\n  env: [{name: A, value: '1'}]\n  ports: [{containerPort: 80, name: http}]",
            "containers:\n- name: app\n  env: [{name: B, value: '2'}]\n  ports: [{containerPort: 80, protocol: TCP}]",
            "containers:\n- name: app\n  env: [{name: A, value: '1'}, {name: B, value: '2'}]\n  ports: [{containerPort: 80, name: http, protocol: TCP}]",
        ),
        (
            "service ports merge by port",
            "spec: {ports: [{port: 80, targetPort: 8080}, {port: 443}]}",
            "spec: {ports: [{port: 80, targetPort: 9090}]}",
            "spec: {ports: [{port: 80, targetPort: 9090}, {port: 443}]}",
        ),
        (
            "Config Connector lists have no merge key: replaced",
            "spec: {secondaryIpRange: [{rangeName: services, ipCidrRange: 10.0.0.0/24}, {rangeName: pods, ipCidrRange: 10.1.0.0/16}]}",
            "spec: {secondaryIpRange: [{rangeName: pods, ipCidrRange: 10.2.0.0/16}]}",
            "spec: {secondaryIpRange: [{rangeName: pods, ipCidrRange: 10.2.0.0/16}]}",
        ),
        (
            "directives inside new values are applied, not copied",
            "a: 1",
            "b: {$patch: merge, c: null, d: 1}",
            "a: 1\nb: {d: 1}",
        ),
    ];
    for (name, original, patch, expected) in cases {
        let got = merge(&yaml(original), &yaml(patch)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, yaml(expected), "{name}");
    }
}

#[test]
fn bad_patches_are_errors_with_a_path() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "containers: [{name: a}]",
            "containers: [{image: b}]",
            "containers[0]: list element has no merge key \"name\"",
        ),
        (
            "a: {b: 1}",
            "a: {$patch: drop}",
            "a: unknown $patch directive \"drop\"",
        ),
        ("a: 1", "$frobnicate: x", "unknown directive $frobnicate"),
        (
            "s: {type: x}",
            "s: {$retainKeys: type}",
            "s: $retainKeys must be a list of field names",
        ),
    ];
    for (original, patch, message) in cases {
        let err = merge(&yaml(original), &yaml(patch)).unwrap_err();
        assert_eq!(err.to_string(), *message);
    }
}

#[test]
fn list_strategy_table() {
    let p = |s: &str| s.split('.').map(str::to_string).collect::<Vec<_>>();
    assert_eq!(
        list_strategy(&p("spec.template.spec.containers")),
        ListStrategy::MergeKey("name")
    );
    assert_eq!(
        list_strategy(&p("spec.template.spec.containers.[0].ports")),
        ListStrategy::MergeKey("containerPort")
    );
    assert_eq!(
        list_strategy(&p("spec.ports")),
        ListStrategy::MergeKey("port")
    );
    assert_eq!(
        list_strategy(&p("metadata.finalizers")),
        ListStrategy::MergePrimitive
    );
    assert_eq!(list_strategy(&p("spec.allow")), ListStrategy::Replace);
}

#[test]
fn custom_strategy() {
    let by_range = |path: &[String]| {
        if path.last().map(String::as_str) == Some("secondaryIpRange") {
            ListStrategy::MergeKey("rangeName")
        } else {
            ListStrategy::Replace
        }
    };
    let got = merge_with(
        &yaml("secondaryIpRange: [{rangeName: pods, ipCidrRange: 10.1.0.0/16}]"),
        &yaml("secondaryIpRange: [{rangeName: services, ipCidrRange: 10.0.0.0/24}]"),
        &by_range,
    )
    .unwrap();
    assert_eq!(
        got,
        yaml("secondaryIpRange: [{rangeName: pods, ipCidrRange: 10.1.0.0/16}, {rangeName: services, ipCidrRange: 10.0.0.0/24}]")
    );
}

/// Upstream's cluster patch (golden setter values) merged onto upstream's cluster is the
/// ContainerCluster of the real kustomize build, up to kustomize's namespace and label.
#[test]
fn upstream_private_patch_gives_the_hydrated_cluster() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/upstream");
    let read = |rel: &str| -> Vec<Value> {
        let text = std::fs::read_to_string(format!("{root}/{rel}")).unwrap();
        serde_norway::Deserializer::from_str(&text)
            .map(|d| Value::deserialize(d).unwrap())
            .filter(|v| !v.is_null())
            .collect()
    };
    let golden = "kubeflow-1.1-gcp/v2";
    let cluster = &read(&format!("{golden}/cnrm/cluster/cluster.yaml"))[0];
    let patch = &read(&format!("{golden}/privateGKE/cluster-private-patch.yaml"))[0];
    let mut want = read("hydrated-private.yaml")
        .into_iter()
        .find(|v| v["kind"] == "ContainerCluster")
        .unwrap();
    let meta = want["metadata"].as_object_mut().unwrap();
    meta.remove("namespace");
    meta["labels"].as_object_mut().unwrap().remove("kf-name");
    assert_eq!(merge(cluster, patch).unwrap(), want);
}

/// Key order of a value, all the way down (serde_json's maps compare without it).
fn keys_in_order(v: &Value) -> String {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}({})", keys_in_order(v)))
            .collect::<Vec<_>>()
            .join(","),
        Value::Array(items) => items
            .iter()
            .map(keys_in_order)
            .collect::<Vec<_>>()
            .join(";"),
        _ => String::new(),
    }
}

#[test]
fn a_replace_that_changes_nothing_keeps_the_original_as_it_was() {
    let original = yaml("ref: {name: a, namespace: b}\nlist: [{x: 1, y: 2}]");
    let patch = yaml("ref: {$patch: replace, namespace: b, name: a}\nlist: [{y: 2, x: 1}]");
    let merged = merge_with(&original, &patch, &private_gke::smp::replace_lists).unwrap();
    assert_eq!(merged, original);
    assert_eq!(keys_in_order(&merged), keys_in_order(&original));
}

#[test]
fn a_replace_keeps_the_patch_key_order() {
    let original = yaml("ref: {external: x}");
    let patch = yaml("ref: {$patch: replace, name: a, namespace: b, kind: c}");
    let merged = merge(&original, &patch).unwrap();
    assert_eq!(keys_in_order(&merged), "ref(name(),namespace(),kind())");
}

#[test]
fn custom_resources_replace_every_list() {
    // A ComputeFirewall's `allow[].ports` is a list of strings, not Service ports keyed by `port`.
    let original = yaml("allow: [{protocol: tcp, ports: ['22']}]");
    let patch = yaml("allow: [{protocol: tcp, ports: ['443', '8443']}]");
    assert!(
        merge(&original, &patch).is_err(),
        "the built-in table keys ports by `port`"
    );
    let merged = merge_with(&original, &patch, &private_gke::smp::replace_lists).unwrap();
    assert_eq!(merged, patch);
}
