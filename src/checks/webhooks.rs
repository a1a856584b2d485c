//! Webhooks: every admission webhook's Service is resolved to the pod port the master must reach
//! (the Service's `targetPort`, by name through the selected workload's container ports where
//! needed). GKE lets the master reach nodes only on 443 and 10250, so any other port needs an
//! INGRESS allow rule from the master range — else the API server fails with "failed calling
//! webhook". With `private-gke.webhook-firewall: generate` (and not `private-gke.mode: check`) the missing rule is
//! written as one owned ComputeFirewall for the set of missing ports; a second run finds the
//! ports allowed and adds nothing. A port set that appears later gets a rule of its own (named
//! `<cluster>-webhooks-<ports>`, next index in the same file); rules no longer needed are left in
//! place, and an owned rule whose master range went stale is reported by the firewall check.
//!
//! Packages whose webhooks are not among the items (installed by an operator or another
//! package) name them with `private-gke.webhook-ports`: each catalogue component's port counts
//! exactly like a found webhook's.

use super::{array, list, Ctx, MASTER_DEFAULT_PORTS};
use crate::config::{Mode, WebhookFirewall};
use crate::krm::{Item, KrmResult};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

use crate::gke::OWNED;
/// File the generated webhook rules go to, in the directory of the private network's files.
const WEBHOOK_FIREWALL_FILE: &str = "webhook-firewall.yaml";

/// Workload kinds whose pod template a Service selects.
const WORKLOADS: [&str; 4] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/// Webhook ports of components whose webhooks need not be among the items, by the name
/// `private-gke.webhook-ports` takes (`config::WEBHOOK_COMPONENTS`), with what serves them.
const CATALOGUE: [(&str, u16, &str); 5] = [
    (
        "gatekeeper",
        8443,
        "Gatekeeper's gatekeeper-webhook-service",
    ),
    ("knative", 8443, "Knative Serving's webhook"),
    (
        "config-connector",
        9443,
        "Config Connector's cnrm-validating-webhook (from 1.38)",
    ),
    (
        "controller-runtime",
        9443,
        "a controller-runtime operator's webhook server (its default port)",
    ),
    ("istio", 15017, "istiod's sidecar injector and validation"),
];

/// The first Config Connector whose webhooks serve on 9443 (earlier ones on 443).
const CNRM_WEBHOOK_9443_SINCE: (u64, u64, u64) = (1, 38, 0);

/// One webhook whose port the master must reach.
struct Need<'a> {
    /// The webhook configuration among the items; `None` for a catalogue component.
    config: Option<&'a Item>,
    index: usize,
    webhook: String,
    service: String,
    port: u16,
}

/// Check every webhook; return the generated rule, if one is written.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) -> Vec<Item> {
    let Some(cluster) = ctx.cluster.as_ref() else {
        return Vec::new();
    };
    let workloads = workloads_by_namespace(ctx);
    let mut missing: Vec<Need> = Vec::new();
    for kind in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        for config in ctx.of_kind(kind) {
            for (index, hook) in array(&config.value["webhooks"]).iter().enumerate() {
                let Some(need) = resolve(ctx, &workloads, config, index, hook, out) else {
                    continue;
                };
                if MASTER_DEFAULT_PORTS.contains(&need.port) || allowed(ctx, need.port) {
                    continue;
                }
                missing.push(need);
            }
        }
    }
    for need in catalogue(ctx, out) {
        if !MASTER_DEFAULT_PORTS.contains(&need.port) && !allowed(ctx, need.port) {
            missing.push(need);
        }
    }
    if missing.is_empty() {
        return Vec::new();
    }
    let ports: BTreeSet<u16> = missing.iter().map(|n| n.port).collect();
    let generate = ctx.settings.webhook_firewall == WebhookFirewall::Generate
        && ctx.settings.mode == Mode::Apply;
    if generate {
        if let Some(rule) = generated_rule(ctx, &ports, &missing) {
            let hooks: BTreeSet<&str> = missing.iter().map(|n| n.webhook.as_str()).collect();
            out.push(
                KrmResult::info(format!(
                    "wrote ComputeFirewall {} on network `{}` allowing tcp {} from the master \
                     range {} for webhooks {}",
                    rule.name(),
                    cluster.network,
                    join_ports(&ports),
                    cluster.master.map(|m| m.to_string()).unwrap_or_default(),
                    list(hooks)
                ))
                .for_resource(&rule.value)
                .tag("check", "webhooks"),
            );
            return vec![rule];
        }
    }
    let note = match (ctx.settings.webhook_firewall, ctx.settings.mode) {
        (WebhookFirewall::Generate, Mode::Check) => {
            " (`private-gke.webhook-firewall: generate` writes nothing in `private-gke.mode: check`)"
        }
        (WebhookFirewall::Generate, Mode::Apply) => {
            " (`private-gke.webhook-firewall: generate` cannot write it: the rule it would write exists, or \
             the master range is unknown)"
        }
        _ => ", or set `private-gke.webhook-firewall: generate`",
    };
    let master = cluster
        .master
        .map(|m| m.to_string())
        .unwrap_or_else(|| "the master range".to_string());
    for need in missing {
        let subject = match need.config {
            Some(_) => format!(
                "webhook `{}` calls service {}, which its pods serve on port {}",
                need.webhook, need.service, need.port
            ),
            None => format!(
                "component `{}` (private-gke.webhook-ports) serves {} on port {}",
                need.webhook, need.service, need.port
            ),
        };
        let (resource, field) = match need.config {
            Some(config) => (
                &config.value,
                Some(format!("webhooks[{}].clientConfig.service", need.index)),
            ),
            None => (&cluster.item.value, None),
        };
        let mut result = KrmResult::error(format!(
                "{subject}, and no ingress \
                 firewall rule on network `{}` allows tcp {} from the master range {master}: GKE lets the master reach \
                 nodes only on 443 and 10250, so every matching API request fails with \"failed \
                 calling webhook … context deadline exceeded\". Fix: add an INGRESS ComputeFirewall \
                 allowing tcp {} from {master}{note}",
                cluster.network,
                need.port,
                need.port
            ))
            .for_resource(resource);
        if let Some(field) = field {
            result = result.at_field(field, None, None);
        }
        out.push(result.tag("check", "webhooks"));
    }
    Vec::new()
}

/// The ports of the catalogue components `private-gke.webhook-ports` names; Config Connector
/// before 1.38 serves on 443 and needs none (an info says so).
fn catalogue<'a>(ctx: &Ctx, out: &mut Vec<KrmResult>) -> Vec<Need<'a>> {
    let mut needs = Vec::new();
    for name in &ctx.settings.webhook_ports {
        let Some(&(component, port, what)) = CATALOGUE.iter().find(|(n, _, _)| n == name) else {
            continue;
        };
        if component == "config-connector" {
            let mut quiet = Vec::new();
            let target = crate::gke::version::target(ctx.settings, ctx.items, &mut quiet);
            if target.version.is_some_and(|v| v < CNRM_WEBHOOK_9443_SINCE) {
                out.push(
                    KrmResult::info(format!(
                        "component `config-connector` (private-gke.webhook-ports): {} serves its \
                         webhooks on 443, which the master reaches; 9443 from 1.38.0",
                        target.describe()
                    ))
                    .tag("check", "webhooks"),
                );
                continue;
            }
        }
        needs.push(Need {
            config: None,
            index: 0,
            webhook: component.to_string(),
            service: what.to_string(),
            port,
        });
    }
    needs
}

/// Workload items by namespace (`""` for none), so each Service selects in its namespace only.
fn workloads_by_namespace<'a>(ctx: &Ctx<'a>) -> HashMap<&'a str, Vec<&'a Item>> {
    let mut map: HashMap<&str, Vec<&Item>> = HashMap::new();
    for kind in WORKLOADS {
        for it in ctx.of_kind(kind) {
            map.entry(it.namespace().unwrap_or(""))
                .or_default()
                .push(it);
        }
    }
    map
}

/// The pod port a webhook reaches, or `None` (with a warning when it cannot be told).
fn resolve<'a>(
    ctx: &Ctx<'a>,
    workloads: &HashMap<&str, Vec<&'a Item>>,
    config: &'a Item,
    index: usize,
    hook: &Value,
    out: &mut Vec<KrmResult>,
) -> Option<Need<'a>> {
    let svc_ref = hook["clientConfig"]["service"].as_object()?;
    let name = svc_ref.get("name")?.as_str()?;
    let namespace = svc_ref
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let port = svc_ref
        .get("port")
        .and_then(Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(443);
    let webhook = hook["name"].as_str().unwrap_or(config.name()).to_string();
    let service = format!("{namespace}/{name}");
    let mut warn = |why: String| {
        out.push(
            KrmResult::warning(format!(
                "webhook `{webhook}`: {why}, so the port the master must reach is unknown and \
                 the firewall was not checked for it. Fix: add the Service and its workload to \
                 the package, or make sure an ingress rule from the master range allows the port"
            ))
            .for_resource(&config.value)
            .at_field(
                format!("webhooks[{index}].clientConfig.service"),
                None,
                None,
            )
            .tag("check", "webhooks"),
        );
    };
    let Some(svc) = ctx
        .named("Service", name)
        .find(|s| s.api_version() == "v1" && s.namespace().is_none_or(|ns| ns == namespace))
    else {
        warn(format!("service {service} is not in the package"));
        return None;
    };
    let Some(sport) = array(&svc.value["spec"]["ports"])
        .iter()
        .find(|p| p["port"].as_u64() == Some(u64::from(port)))
    else {
        warn(format!("service {service} has no port {port}"));
        return None;
    };
    let target = match &sport["targetPort"] {
        Value::Null => Some(port),
        Value::Number(n) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Value::String(s) => match s.parse::<u16>() {
            Ok(p) => Some(p),
            Err(_) => named_port(workloads, svc, namespace, s),
        },
        _ => None,
    };
    let Some(port) = target else {
        warn(format!(
            "the targetPort {} of service {service} matches no container port of a workload it \
             selects",
            sport["targetPort"]
        ));
        return None;
    };
    Some(Need {
        config: Some(config),
        index,
        webhook,
        service,
        port,
    })
}

/// The container port called `port_name` in a workload the Service selects.
fn named_port(
    workloads: &HashMap<&str, Vec<&Item>>,
    svc: &Item,
    namespace: &str,
    port_name: &str,
) -> Option<u16> {
    let selector = svc.value["spec"]["selector"].as_object()?;
    if selector.is_empty() {
        return None;
    }
    let candidates = workloads
        .get(namespace)
        .into_iter()
        .chain(workloads.get(""))
        .flatten();
    for w in candidates {
        let template = &w.value["spec"]["template"];
        let labels = &template["metadata"]["labels"];
        if !selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
            continue;
        }
        for c in array(&template["spec"]["containers"]) {
            for p in array(&c["ports"]) {
                if p["name"].as_str() == Some(port_name) {
                    return p["containerPort"]
                        .as_u64()
                        .and_then(|p| u16::try_from(p).ok());
                }
            }
        }
    }
    None
}

/// True when an INGRESS allow rule from the master range covers tcp `port`.
fn allowed(ctx: &Ctx, port: u16) -> bool {
    ctx.firewalls.iter().any(|fw| {
        !fw.egress
            && fw.allows_tcp(port)
            && fw.ranges().iter().flatten().any(|n| ctx.master_like(n))
    })
}

/// `8443, 9443`.
fn join_ports(ports: &BTreeSet<u16>) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The owned rule for `ports`, unless the master range is unknown or the name is taken.
fn generated_rule(ctx: &Ctx, ports: &BTreeSet<u16>, missing: &[Need]) -> Option<Item> {
    let cluster = ctx.cluster.as_ref()?;
    let master = cluster.master?;
    let suffix = format!(
        "-webhooks-{}",
        ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join("-")
    );
    let prefix: String = cluster
        .item
        .name()
        .chars()
        .take(63usize.saturating_sub(suffix.len()))
        .collect();
    let name = format!("{}{suffix}", prefix.trim_end_matches('-'));
    if ctx.named("ComputeFirewall", &name).next().is_some() {
        return None;
    }
    let hooks: BTreeSet<&str> = missing.iter().map(|n| n.webhook.as_str()).collect();
    let mut metadata = Map::new();
    metadata.insert("name".into(), name.into());
    if let Some(ns) = cluster.item.namespace() {
        metadata.insert("namespace".into(), ns.into());
    }
    let place = crate::gke::placement(ctx.items, cluster.item);
    let path = format!("{}{WEBHOOK_FIREWALL_FILE}", place.dir);
    let index = ctx
        .items
        .iter()
        .filter(|it| {
            it.annotation("internal.config.kubernetes.io/path")
                .or_else(|| it.annotation("config.kubernetes.io/path"))
                == Some(path.as_str())
        })
        .count()
        .to_string();
    let mut annotations = json!({
            OWNED: crate::gke::OWNED_WEBHOOK_RULE,
            "config.kubernetes.io/path": path,
            "config.kubernetes.io/index": index,
            "internal.config.kubernetes.io/path": path,
            "internal.config.kubernetes.io/index": index,
    });
    if let Some(package_path) = &place.package_path {
        annotations["internal.config.kubernetes.io/package-path"] = json!(package_path);
    }
    metadata.insert("annotations".into(), annotations);
    let value = json!({
        "apiVersion": "compute.cnrm.cloud.google.com/v1beta1",
        "kind": "ComputeFirewall",
        "metadata": metadata,
        "spec": {
            "allow": [{
                "ports": ports.iter().map(u16::to_string).collect::<Vec<_>>(),
                "protocol": "tcp",
            }],
            "description": format!(
                "Allow the GKE master to reach webhooks {}",
                hooks.into_iter().collect::<Vec<_>>().join(", ")
            ),
            "direction": "INGRESS",
            "enableLogging": ctx.settings.log_firewalls,
            "networkRef": {"name": cluster.network},
            "sourceRanges": [master.to_string()],
        },
    });
    Some(Item::generated(value, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_every_component_the_setting_accepts() {
        let names: Vec<&str> = CATALOGUE.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(names, crate::config::WEBHOOK_COMPONENTS.to_vec());
    }
}
