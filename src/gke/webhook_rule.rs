//! The webhook firewall rule (`private-gke.webhook-firewall: generate`): the private-GKE stage
//! asks the read-only connectivity model (`model::flows`) which webhook ports the master cannot
//! reach and writes one owned INGRESS ComputeFirewall for that set of ports (named
//! `<cluster>-webhooks-<ports>`, in `webhook-firewall.yaml` beside the generated network, marked
//! `OWNED: webhook-firewall`). A second run finds the ports allowed and adds nothing; a port set
//! that appears later gets a rule of its own; rules no longer needed are left in place, and an
//! owned rule whose master range went stale is reported by the firewall check.

use super::{tagged, OWNED};
use crate::config::Settings;
use crate::krm::{Item, KrmResult};
use crate::model::flows;
use crate::model::webhooks::Need;
use crate::model::{list, Ctx};
use serde_json::{json, Map};
use std::collections::BTreeSet;

/// File the generated webhook rules go to, in the directory of the private network's files.
const WEBHOOK_FIREWALL_FILE: &str = "webhook-firewall.yaml";

/// Write the rule for the webhook ports the master cannot reach, when there are any.
pub fn generate(settings: &Settings, items: &mut Vec<Item>, results: &mut Vec<KrmResult>) {
    let mut quiet = Vec::new();
    let written = {
        let ctx = Ctx::new(settings, items, &mut quiet);
        let flows = flows::compute(&ctx);
        let ports = flows.blocked_webhook_ports();
        if ports.is_empty() {
            return;
        }
        let missing: Vec<&Need> = flows
            .webhooks
            .iter()
            .filter(|n| ports.contains(&n.port))
            .collect();
        generated_rule(&ctx, &ports, &missing).map(|rule| {
            let cluster = ctx.cluster.as_ref();
            let hooks: BTreeSet<&str> = missing.iter().map(|n| n.webhook.as_str()).collect();
            let info = KrmResult::info(format!(
                "wrote ComputeFirewall {} on network `{}` allowing tcp {} from the master range \
                 {} for webhooks {}",
                rule.name(),
                cluster.map(|c| c.network.as_str()).unwrap_or_default(),
                join_ports(&ports),
                cluster
                    .and_then(|c| c.master)
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                list(hooks)
            ))
            .for_item(&rule);
            (rule, info)
        })
    };
    if let Some((rule, info)) = written {
        results.push(tagged(info));
        super::push_item(items, rule);
    }
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
fn generated_rule(ctx: &Ctx, ports: &BTreeSet<u16>, missing: &[&Need]) -> Option<Item> {
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
    let place = super::placement(ctx.items, cluster.item);
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
            OWNED: super::OWNED_WEBHOOK_RULE,
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
