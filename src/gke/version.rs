//! Which Config Connector the output is written for: the `cnrm-version` setting, else the
//! ContainerCluster CRD among the items, else a `cnrm.cloud.google.com/version` annotation, else
//! an assumed current version (with one warning saying so).

use super::crd;
use crate::config::Settings;
use crate::krm::{Item, KrmResult};
use serde_json::Value;

/// The annotation Config Connector puts on its CRDs and install manifests.
pub const VERSION_ANNOTATION: &str = "cnrm.cloud.google.com/version";

/// The setting that names the Config Connector version, as users write it.
pub const SETTING: &str = "private-gke.cnrm-version";

/// The first Config Connector version whose ContainerCluster has `spec.networkingMode`.
pub const NETWORKING_MODE_SINCE: (u64, u64, u64) = (1, 21, 0);

/// The version the reference HEAD CRDs stand for (what the tests pair them with): the first
/// release that has every field of [`Field`] (`controlPlaneEndpointsConfig`, 1.134.0).
pub const HEAD_AS: (u64, u64, u64) = (1, 134, 0);

/// A ContainerCluster field that not every Config Connector version has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// `privateClusterConfig.masterGlobalAccessConfig` (not in 1.15.1, in 1.21.0).
    MasterGlobalAccess,
    /// `privateClusterConfig.privateEndpointSubnetworkRef` (from 1.99.0).
    PrivateEndpointSubnetworkRef,
    /// `controlPlaneEndpointsConfig` (from 1.134.0).
    ControlPlaneEndpoints,
    /// `workloadIdentityConfig.workloadPool` (from 1.67.0).
    WorkloadPool,
    /// `nodeConfig.workloadMetadataConfig.mode` (from 1.64.0).
    WorkloadMetadataMode,
}

impl Field {
    /// Every field, in declaration order.
    pub const ALL: [Field; 5] = [
        Field::MasterGlobalAccess,
        Field::PrivateEndpointSubnetworkRef,
        Field::ControlPlaneEndpoints,
        Field::WorkloadPool,
        Field::WorkloadMetadataMode,
    ];

    /// Its path under the ContainerCluster's `spec`, dotted.
    pub fn path(self) -> &'static str {
        match self {
            Field::MasterGlobalAccess => "privateClusterConfig.masterGlobalAccessConfig",
            Field::PrivateEndpointSubnetworkRef => {
                "privateClusterConfig.privateEndpointSubnetworkRef"
            }
            Field::ControlPlaneEndpoints => "controlPlaneEndpointsConfig",
            Field::WorkloadPool => "workloadIdentityConfig.workloadPool",
            Field::WorkloadMetadataMode => "nodeConfig.workloadMetadataConfig.mode",
        }
    }

    /// The first release whose ContainerCluster CRD declares it (the reference CRDs, and the
    /// CRDs of each Config Connector release tag).
    pub fn since(self) -> (u64, u64, u64) {
        match self {
            Field::MasterGlobalAccess => (1, 21, 0),
            Field::WorkloadMetadataMode => (1, 64, 0),
            Field::WorkloadPool => (1, 67, 0),
            Field::PrivateEndpointSubnetworkRef => (1, 99, 0),
            Field::ControlPlaneEndpoints => HEAD_AS,
        }
    }

    /// `1.21.0 or later` for messages.
    pub fn needs(self) -> String {
        format!("Config Connector {} or later", text(self.since()))
    }
}
/// The first Config Connector release that has ComputeFirewall `spec.logConfig` (1.85.0),
/// ComputeRouterNAT `enableDynamicPortAllocation` (1.87.0) and `maxPortsPerVm` (1.90.0), read
/// from the CRDs of each release tag.
pub const CURRENT_FIELDS_SINCE: (u64, u64, u64) = (1, 90, 0);

/// The first Config Connector release that has the network firewall policy kinds, read from
/// the CRDs of each release tag: ComputeNetwork `networkFirewallPolicyEnforcementOrder` (1.103.0),
/// `ComputeNetworkFirewallPolicy` (1.113.0), `…Association` (1.114.0), `…Rule` with
/// `match.destFqdns` (1.118.0, `v1alpha1`).
pub const FIREWALL_POLICY_SINCE: (u64, u64, u64) = (1, 118, 0);

/// Where the target version came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The `cnrm-version` setting.
    Setting(String),
    /// The ContainerCluster CRD among the items (its file, when known).
    Crd(String),
    /// A `cnrm.cloud.google.com/version` annotation: the version and the item that carries it.
    Annotation(String, String),
    /// Nothing in the package says.
    Assumed,
}

/// The Config Connector the output targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// True when its ContainerCluster accepts `spec.networkingMode`.
    pub networking_mode: bool,
    /// The version, when known; `None`: assumed current.
    pub version: Option<(u64, u64, u64)>,
    /// Where that came from.
    pub source: Source,
    /// The fields of [`Field`] the target's ContainerCluster has.
    pub fields: Vec<Field>,
}

impl Target {
    /// True when the target's ContainerCluster has `field`.
    pub fn has(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    /// The target for messages: `Config Connector 1.15.1`, `the ContainerCluster CRD among the
    /// items (crds.yaml)`, `current Config Connector (assumed)`.
    pub fn describe(&self) -> String {
        match (&self.source, self.version) {
            (Source::Crd(from), _) => format!("the ContainerCluster CRD among the items ({from})"),
            (_, Some(v)) => format!("Config Connector {}", text(v)),
            _ => "current Config Connector (assumed: nothing in the package names a version)"
                .to_string(),
        }
    }
}

/// The fields of [`Field`] a version has.
fn fields_of(version: (u64, u64, u64)) -> Vec<Field> {
    Field::ALL
        .into_iter()
        .filter(|f| version >= f.since())
        .collect()
}

/// The fields of [`Field`] a ContainerCluster CRD declares.
fn fields_in_crd(crd_value: &Value) -> Vec<Field> {
    Field::ALL
        .into_iter()
        .filter(|f| crd::declares(crd_value, f.path()))
        .collect()
}

/// `1.15.1`, `v1.21.0`, `1.21` as (major, minor, patch); `None` for anything else, pre-releases
/// such as `0.0.0-dev` included.
pub fn parse(text: &str) -> Option<(u64, u64, u64)> {
    let parts: Vec<&str> = text.trim().trim_start_matches('v').split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut nums = [0u64; 3];
    for (i, p) in parts.iter().enumerate() {
        nums[i] = p.parse().ok()?;
    }
    Some((nums[0], nums[1], nums[2]))
}

fn text(v: (u64, u64, u64)) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

/// The file of an item, else `Kind/name`, for messages.
fn where_from(item: &Item) -> String {
    super::item_path(item)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}/{}", item.kind(), item.name()))
}

/// The lowest parseable `cnrm.cloud.google.com/version` among the items, with its item.
fn annotated(items: &[Item]) -> Option<((u64, u64, u64), &Item)> {
    items
        .iter()
        .filter_map(|i| Some((parse(i.annotation(VERSION_ANNOTATION)?)?, i)))
        .min_by_key(|(v, _)| *v)
}

/// Decides the target Config Connector. Pushes a warning when the setting contradicts the CRD
/// among the items, and the one warning of an assumed version when nothing says.
pub fn target(settings: &Settings, items: &[Item], results: &mut Vec<KrmResult>) -> Target {
    let cluster_crd = items.iter().find(|i| crd::is_cluster_crd_item(i));
    if let Some(v) = settings.cnrm_version_triple() {
        let networking_mode = v >= NETWORKING_MODE_SINCE;
        if let Some(c) =
            cluster_crd.filter(|c| crd::has_networking_mode(c.value()) != networking_mode)
        {
            results.push(tagged(
                KrmResult::warning(format!(
                    "{SETTING} {} is given, but the ContainerCluster CRD among the items ({}) {} \
                 spec.networkingMode; the output follows {SETTING}",
                    text(v),
                    where_from(c),
                    if networking_mode { "lacks" } else { "declares" }
                ))
                .for_item(c),
            ));
        }
        return Target {
            networking_mode,
            version: Some(v),
            source: Source::Setting(text(v)),
            fields: fields_of(v),
        };
    }
    if let Some(c) = cluster_crd {
        let networking_mode = crd::has_networking_mode(c.value());
        // The CRD's own version annotation, else the lowest version its schema proves.
        let version =
            c.annotation(VERSION_ANNOTATION)
                .and_then(parse)
                .unwrap_or(if networking_mode {
                    NETWORKING_MODE_SINCE
                } else {
                    (0, 0, 0)
                });
        return Target {
            networking_mode,
            version: Some(version),
            source: Source::Crd(where_from(c)),
            fields: fields_in_crd(c.value()),
        };
    }
    if let Some((v, item)) = annotated(items) {
        return Target {
            networking_mode: v >= NETWORKING_MODE_SINCE,
            version: Some(v),
            source: Source::Annotation(text(v), where_from(item)),
            fields: fields_of(v),
        };
    }
    Target {
        networking_mode: true,
        version: None,
        source: Source::Assumed,
        fields: Field::ALL.to_vec(),
    }
}

impl Target {
    /// True when the target is `since` or later (an assumed current version always is).
    pub fn at_least(&self, since: (u64, u64, u64)) -> bool {
        self.version.is_none_or(|v| v >= since)
    }

    /// ComputeFirewall `logConfig`, NAT dynamic port allocation and `maxPortsPerVm`.
    pub fn current_fields(&self) -> bool {
        self.at_least(CURRENT_FIELDS_SINCE)
    }

    /// The network firewall policy kinds with FQDN rules.
    pub fn firewall_policies(&self) -> bool {
        self.at_least(FIREWALL_POLICY_SINCE)
    }

    /// The version for messages: `1.15.1`, or `current (assumed)`.
    pub fn label(&self) -> String {
        self.version
            .map(text)
            .unwrap_or_else(|| "current (assumed)".to_string())
    }
}

/// What the user should know about the target, on the cluster: the one warning of an assumed
/// version (about the cluster's `networkingMode` when `compat` writes it, and about the
/// private network's fields always), or, with `compat`, where a version from an annotation
/// came from.
pub fn report(target: &Target, cluster: &Value, compat: bool) -> Option<KrmResult> {
    let network = format!(
        "the private network for a current one (firewall logConfig and NAT dynamic port \
         allocation from {}, FQDN egress rules in a network firewall policy from {})",
        text(CURRENT_FIELDS_SINCE),
        text(FIREWALL_POLICY_SINCE)
    );
    let result = match &target.source {
        Source::Assumed if compat => KrmResult::warning(format!(
            "nothing in the package names the Config Connector version (no ContainerCluster CRD, \
             no {VERSION_ANNOTATION} annotation): the cluster is written for Config Connector \
             {} or later (spec.networkingMode: VPC_NATIVE, which earlier versions reject as an \
             unknown field) and {network}; set {SETTING} to the version you run, e.g. \
             {SETTING}=1.15.1",
            text(NETWORKING_MODE_SINCE)
        )),
        Source::Assumed => {
            return Some(tagged(
                KrmResult::warning(format!(
                "nothing in the package names the Config Connector version (no ContainerCluster \
                 CRD, no {VERSION_ANNOTATION} annotation): {network}, which earlier versions \
                 reject; set {SETTING} to the version you run, e.g. {SETTING}=1.15.1"
            ))
                .for_resource(cluster),
            ))
        }
        Source::Annotation(version, from) if compat => KrmResult::info(format!(
            "written for Config Connector {version} ({VERSION_ANNOTATION} of {from}): \
             spec.networkingMode {}; {SETTING} overrides this",
            if target.networking_mode {
                "set"
            } else {
                "left out (it needs 1.21.0 or later)"
            }
        )),
        Source::Annotation(..) | Source::Setting(_) | Source::Crd(_) => return None,
    };
    Some(tagged(result.for_resource(cluster).at_field(
        "spec.networkingMode",
        None,
        None,
    )))
}

fn tagged(r: KrmResult) -> KrmResult {
    r.tag("stage", "private-gke")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse("1.15.1"), Some((1, 15, 1)));
        assert_eq!(parse("v1.21"), Some((1, 21, 0)));
        assert_eq!(parse("0.0.0-dev"), None);
        assert_eq!(parse("latest"), None);
        assert_eq!(parse("1.2.3.4"), None);
    }

    #[test]
    fn fields_by_version() {
        assert_eq!(fields_of((1, 15, 1)), vec![]);
        assert_eq!(fields_of((1, 33, 0)), vec![Field::MasterGlobalAccess]);
        assert_eq!(fields_of(HEAD_AS), Field::ALL.to_vec());
    }
}
