//! Container registries: the images a package runs, the registry host of each, and which of
//! them a private cluster reaches through a private DNS zone on the Google APIs VIP.

use crate::krm::{Item, KeyScan};
use serde_json::Value;

/// The private zones that map Google's registries to the VIP: (host suffix, zone DNS name).
const VIP_REGISTRIES: [(&str, &str); 3] = [
    ("gcr.io", "gcr.io."),
    ("pkg.dev", "pkg.dev."),
    ("googleapis.com", "googleapis.com."),
];

/// Keys under which Kubernetes (and the CRDs that embed a pod template) list containers.
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// [`CONTAINER_LISTS`] as one scan of an item's keys.
static CONTAINER_SCAN: KeyScan = KeyScan {
    literal: "ontainers",
    keys: &CONTAINER_LISTS,
};

/// False for an item that has no container image: none of its keys is a list of containers.
pub fn may_run_images(item: &Item) -> bool {
    item.may_have_any_key(&CONTAINER_SCAN)
}

/// Every container image in the items, with the item that runs it, in item order.
pub fn images<'a>(items: impl IntoIterator<Item = &'a Item>) -> Vec<(&'a str, &'a Item)> {
    let mut out = Vec::new();
    for item in items {
        if !may_run_images(item) {
            continue;
        }
        let mut found = Vec::new();
        collect(item.value(), &mut found);
        out.extend(found.into_iter().map(|i| (i, item)));
    }
    out
}

fn collect<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if CONTAINER_LISTS.contains(&k.as_str()) {
                    for c in v.as_array().into_iter().flatten() {
                        if let Some(image) = c.get("image").and_then(Value::as_str) {
                            out.push(image);
                        }
                    }
                }
                collect(v, out);
            }
        }
        Value::Array(list) => list.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// The registry host of an image reference: its first path component when that names a host
/// (has a `.` or `:`, or is `localhost`), without port; else Docker Hub's `docker.io`.
pub fn registry(image: &str) -> String {
    let image = image.trim();
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
                .split(':')
                .next()
                .unwrap_or(first)
                .to_ascii_lowercase()
        }
        _ => "docker.io".to_string(),
    }
}

/// The private zone a registry host needs on a locked-down network (`gcr.io.` for `gcr.io`
/// and `eu.gcr.io`, `pkg.dev.` for `us-docker.pkg.dev`); `None` for registries outside Google.
pub fn vip_zone(host: &str) -> Option<&'static str> {
    VIP_REGISTRIES
        .iter()
        .find(|(suffix, _)| {
            host == *suffix
                || host
                    .strip_suffix(suffix)
                    .is_some_and(|rest| rest.ends_with('.'))
        })
        .map(|(_, zone)| *zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registry_hosts_and_zones() {
        for (image, host, zone) in [
            (
                "us-docker.pkg.dev/p/r/img:1",
                "us-docker.pkg.dev",
                Some("pkg.dev."),
            ),
            (
                "gcr.io/kubeflow-images-public/x:v1",
                "gcr.io",
                Some("gcr.io."),
            ),
            ("eu.gcr.io/p/x", "eu.gcr.io", Some("gcr.io.")),
            ("busybox", "docker.io", None),
            ("library/mysql:8", "docker.io", None),
            ("quay.io/jetstack/cert-manager:v1", "quay.io", None),
            ("localhost:5000/x", "localhost", None),
            ("notpkg.dev/x", "notpkg.dev", None),
        ] {
            assert_eq!(registry(image), host, "{image}");
            assert_eq!(vip_zone(host), zone, "{image}");
        }
    }

    #[test]
    fn images_of_pod_templates_and_embedded_templates() {
        let items = vec![
            Item::generated(
                json!({"kind": "Deployment", "spec": {"template": {"spec": {
                    "initContainers": [{"image": "busybox"}],
                    "containers": [{"image": "us-docker.pkg.dev/p/r/a"}, {"name": "no-image"}]}}}}),
                None,
            ),
            Item::generated(
                json!({"kind": "ConfigMap", "data": {"image": "gcr.io/not-a-container"}}),
                None,
            ),
        ];
        let got: Vec<&str> = images(&items).into_iter().map(|(i, _)| i).collect();
        assert_eq!(got, vec!["busybox", "us-docker.pkg.dev/p/r/a"]);
    }

    #[test]
    fn images_of_items_read_lazily_whatever_the_key_spelling() {
        let src = "kind: Pod\nspec:\n  \"c\\u006fntainers\": [{image: a}]\n---\n\
                   kind: Pod\nspec:\n  'initContainers': [{image: b}]\n---\n\
                   kind: Pod\nspec: {image: c, x: containers}\n";
        let doc = std::sync::Arc::new(crate::yaml::Document::parse(src).unwrap());
        let items: Vec<Item> = (doc.roots().iter())
            .map(|&r| Item::read(doc.clone(), r).unwrap())
            .collect();
        let got: Vec<&str> = images(&items).into_iter().map(|(i, _)| i).collect();
        assert_eq!(got, vec!["a", "b"]);
        assert!(
            !items[2].is_materialized(),
            "an item without containers stays unbuilt"
        );
    }
}
