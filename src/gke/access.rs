//! Control-plane access (`private-gke.control-plane`): `public` (the Kubeflow 1.1 patch),
//! `authorized` (master authorized networks), `private` (private endpoint and master global
//! access) and `dns` (private endpoint and Config Connector's DNS endpoint), plus
//! `private-gke.private-endpoint-subnetwork`. Each field is written only where the target
//! Config Connector has it. Without the setting the user's access fields stay as they are, and
//! what an earlier setting wrote is given back.

use super::cluster::{self, record, release_field, remove, set};
use super::version::{Field, Source, Target};
use crate::config::{ControlPlane, Settings};
use crate::krm::KrmResult;
use serde_json::{json, Value};

const PCC: &str = "/spec/privateClusterConfig";
const PRIVATE_ENDPOINT: &str = "/spec/privateClusterConfig/enablePrivateEndpoint";
const GLOBAL_ACCESS: &str = "/spec/privateClusterConfig/masterGlobalAccessConfig";
const ENDPOINT_SUBNET: &str = "/spec/privateClusterConfig/privateEndpointSubnetworkRef";
const AUTHORIZED: &str = "/spec/masterAuthorizedNetworksConfig";
const ENDPOINTS: &str = "/spec/controlPlaneEndpointsConfig";

fn tagged(r: KrmResult, cluster: &Value, pointer: &str) -> KrmResult {
    r.for_resource(cluster)
        .at_field(
            super::field_path(pointer),
            cluster.pointer(pointer).cloned(),
            None,
        )
        .tag("stage", "private-gke")
}

/// True when the function wrote the `privateClusterConfig` field `name`: the record's value of
/// the block from before the first patch lacks it.
fn written(cluster: &Value, name: &str) -> bool {
    record(cluster)
        .and_then(|r| r.get(PCC).cloned())
        .is_some_and(|old| old.get(name).is_none())
}

/// Removes a `privateClusterConfig` field the function wrote; returns whether it was there.
fn take_back(cluster: &mut Value, pointer: &str, name: &str) -> bool {
    written(cluster, name) && remove(cluster, pointer).is_some()
}

/// The rules between the control-plane settings: `authorized` needs `authorized-networks`,
/// which only `authorized` and `private` use; `private-endpoint-subnetwork` needs a private
/// endpoint (`private` or `dns`).
pub fn setting_errors(settings: &Settings) -> Vec<KrmResult> {
    let option = |k: &str| format!("{}{k}", crate::config::OPTION_PREFIX);
    let mut errors = Vec::new();
    let mode = settings.control_plane;
    let word = match mode {
        None => "not given (public)",
        Some(ControlPlane::Public) => "public",
        Some(ControlPlane::Authorized) => "authorized",
        Some(ControlPlane::Private) => "private",
        Some(ControlPlane::Dns) => "dns",
    };
    if mode == Some(ControlPlane::Authorized) && settings.authorized_networks.is_empty() {
        errors.push(format!(
            "{} authorized needs {}: the CIDRs that may reach the control plane",
            option("control-plane"),
            option("authorized-networks")
        ));
    }
    let uses_networks = matches!(
        mode,
        Some(ControlPlane::Authorized) | Some(ControlPlane::Private)
    );
    if !settings.authorized_networks.is_empty() && !uses_networks {
        errors.push(format!(
            "{} is given but {} is {word}: set {} to authorized or private",
            option("authorized-networks"),
            option("control-plane"),
            option("control-plane")
        ));
    }
    let private_endpoint = matches!(mode, Some(ControlPlane::Private) | Some(ControlPlane::Dns));
    if settings.private_endpoint_subnetwork.is_some() && !private_endpoint {
        errors.push(format!(
            "{} is given but {} is {word}: the subnetwork holds the private endpoint, so set \
             {} to private or dns",
            option("private-endpoint-subnetwork"),
            option("control-plane"),
            option("control-plane")
        ));
    }
    errors
        .into_iter()
        .map(|m| KrmResult::error(m).tag("stage", "config"))
        .collect()
}

/// Applies the control-plane settings to a patched cluster (it carries the record).
pub fn apply(
    settings: &Settings,
    target: &Target,
    cluster: &mut Value,
    results: &mut Vec<KrmResult>,
) {
    let mode = settings.control_plane;
    let private_endpoint = match mode {
        None => written(cluster, "enablePrivateEndpoint").then_some(false),
        Some(ControlPlane::Public) | Some(ControlPlane::Authorized) => Some(false),
        Some(ControlPlane::Private) | Some(ControlPlane::Dns) => Some(true),
    };
    if let Some(on) = private_endpoint {
        set(cluster, PRIVATE_ENDPOINT, json!(on));
    }

    let networks = &settings.authorized_networks;
    if !networks.is_empty() {
        cluster::record_field(cluster, AUTHORIZED);
        let blocks: Vec<Value> = networks.iter().map(|c| json!({"cidrBlock": c})).collect();
        set(cluster, AUTHORIZED, json!({ "cidrBlocks": blocks }));
    } else if release_field(cluster, AUTHORIZED) {
        results.push(tagged(
            KrmResult::info(
                "masterAuthorizedNetworksConfig given back: private-gke.authorized-networks is \
                 no longer given",
            ),
            cluster,
            AUTHORIZED,
        ));
    }

    if mode == Some(ControlPlane::Private) {
        if target.has(Field::MasterGlobalAccess) {
            set(cluster, GLOBAL_ACCESS, json!({"enabled": true}));
        } else {
            results.push(tagged(
                KrmResult::warning(format!(
                    "private-gke.control-plane private: {} lacks {} (it needs {}), so the \
                     private endpoint is reachable only from the cluster's region",
                    target.describe(),
                    Field::MasterGlobalAccess.path(),
                    Field::MasterGlobalAccess.needs()
                )),
                cluster,
                PCC,
            ));
        }
    } else {
        take_back(cluster, GLOBAL_ACCESS, "masterGlobalAccessConfig");
    }

    if mode == Some(ControlPlane::Dns) {
        if target.has(Field::ControlPlaneEndpoints) {
            cluster::record_field(cluster, ENDPOINTS);
            set(
                cluster,
                &format!("{ENDPOINTS}/dnsEndpointConfig/allowExternalTraffic"),
                json!(true),
            );
        } else {
            results.push(tagged(
                KrmResult::error(format!(
                    "private-gke.control-plane dns writes spec.{}, which {} lacks: it needs {}. \
                     Fix: set private-gke.cnrm-version to the version you run if it is later, \
                     or use private-gke.control-plane private",
                    Field::ControlPlaneEndpoints.path(),
                    target.describe(),
                    Field::ControlPlaneEndpoints.needs()
                )),
                cluster,
                ENDPOINTS,
            ));
        }
    } else if release_field(cluster, ENDPOINTS) {
        results.push(tagged(
            KrmResult::info(
                "controlPlaneEndpointsConfig given back: private-gke.control-plane is no longer dns",
            ),
            cluster,
            ENDPOINTS,
        ));
    }

    endpoint_subnetwork(settings, target, cluster, results);
    assumed_current(settings, target, cluster, results);
}

/// With no version named, the fields of current Config Connector are written: one warning
/// says which, and what they need (the assumed-version warning speaks of networkingMode only).
fn assumed_current(
    settings: &Settings,
    target: &Target,
    cluster: &Value,
    results: &mut Vec<KrmResult>,
) {
    if target.source != Source::Assumed {
        return;
    }
    let mut written = Vec::new();
    if settings.control_plane == Some(ControlPlane::Dns) {
        written.push(Field::ControlPlaneEndpoints);
    }
    if settings.private_endpoint_subnetwork.is_some() {
        written.push(Field::PrivateEndpointSubnetworkRef);
    }
    let Some(latest) = written.iter().copied().max_by_key(|f| f.since()) else {
        return;
    };
    let paths: Vec<String> = written
        .iter()
        .map(|f| format!("spec.{}", f.path()))
        .collect();
    results.push(tagged(
        KrmResult::warning(format!(
            "nothing in the package names the Config Connector version: {} written for {}, \
             which earlier versions reject as unknown fields; set private-gke.cnrm-version to \
             the version you run",
            paths.join(" and "),
            latest.needs()
        )),
        cluster,
        PCC,
    ));
}

/// `privateEndpointSubnetworkRef` from `private-gke.private-endpoint-subnetwork` (immutable: a
/// different ref of the user's is an error).
fn endpoint_subnetwork(
    settings: &Settings,
    target: &Target,
    cluster: &mut Value,
    results: &mut Vec<KrmResult>,
) {
    let Some(subnet) = &settings.private_endpoint_subnetwork else {
        take_back(cluster, ENDPOINT_SUBNET, "privateEndpointSubnetworkRef");
        return;
    };
    let wanted = if subnet.contains('/') {
        json!({ "external": subnet })
    } else {
        json!({ "name": subnet })
    };
    if !target.has(Field::PrivateEndpointSubnetworkRef) {
        results.push(tagged(
            KrmResult::error(format!(
                "private-gke.private-endpoint-subnetwork writes spec.{}, which {} lacks: it \
                 needs {}. Fix: set private-gke.cnrm-version to the version you run if it is \
                 later, or leave the setting out",
                Field::PrivateEndpointSubnetworkRef.path(),
                target.describe(),
                Field::PrivateEndpointSubnetworkRef.needs()
            )),
            cluster,
            PCC,
        ));
        return;
    }
    if let Some(current) = cluster.pointer(ENDPOINT_SUBNET) {
        if *current != wanted && !written(cluster, "privateEndpointSubnetworkRef") {
            results.push(tagged(
                KrmResult::error(format!(
                    "private-gke.private-endpoint-subnetwork {subnet:?} contradicts the \
                     cluster's own privateEndpointSubnetworkRef {current}: the field is \
                     immutable, GKE recreates the cluster. Fix: leave the setting out, or change \
                     the cluster's field yourself"
                )),
                cluster,
                ENDPOINT_SUBNET,
            ));
            return;
        }
    }
    set(cluster, ENDPOINT_SUBNET, wanted);
}
