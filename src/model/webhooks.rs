//! Admission webhooks: each Validating/MutatingWebhookConfiguration's Service resolved to the pod
//! port the master must reach (the Service's `targetPort`, by name through the selected
//! workload's container ports where needed), and the ports of the catalogue components
//! `private-gke.webhook-ports` names for packages whose webhooks are not among the items.

use super::{array, Ctx};
use crate::krm::{Item, KrmResult};
use serde_json::Value;
use std::collections::HashMap;

/// Workload kinds whose pod template a Service selects.
const WORKLOADS: [&str; 4] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

/// Webhook ports of components whose webhooks need not be among the items, by the name
/// `private-gke.webhook-ports` takes (`config::WEBHOOK_COMPONENTS`), with what serves them.
pub(crate) const CATALOGUE: [(&str, u16, &str); 5] = [
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

/// One webhook and the pod port the master must reach for it.
pub(crate) struct Need<'a> {
    /// The webhook configuration item; `None` for a catalogue component.
    pub config: Option<&'a Item>,
    /// Index of the webhook in its `webhooks` list.
    pub index: usize,
    /// The webhook's name.
    pub webhook: String,
    /// `namespace/name` of its Service.
    pub service: String,
    /// The pod port.
    pub port: u16,
}

/// Every webhook whose port could be told, and a warning for each whose port could not.
pub(crate) fn needs<'a>(ctx: &Ctx<'a>) -> (Vec<Need<'a>>, Vec<KrmResult>) {
    let workloads = workloads_by_namespace(ctx);
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for kind in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        for config in ctx.of_kind(kind) {
            for (index, hook) in array(&config.value()["webhooks"]).iter().enumerate() {
                found.extend(resolve(ctx, &workloads, config, index, hook, &mut warnings));
            }
        }
    }
    found.extend(catalogue(ctx, &mut warnings));
    (found, warnings)
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
            .for_item(config)
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
    let ports = &svc.value()["spec"]["ports"];
    let Some(sport) = array(ports)
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
    let selector = svc.value()["spec"]["selector"].as_object()?;
    if selector.is_empty() {
        return None;
    }
    let candidates = workloads
        .get(namespace)
        .into_iter()
        .chain(workloads.get(""))
        .flatten();
    for w in candidates {
        let template = &w.value()["spec"]["template"];
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
