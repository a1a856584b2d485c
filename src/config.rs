//! functionConfig -> Settings: a ConfigMap's `data`, a typed `PrivateGKE` object, or none.
//!
//! CONTRACT STUB: the struct is the shared contract; parsing is the private-GKE work's.

use crate::krm::KrmResult;
use serde_json::Value;
use std::collections::BTreeMap;

/// API version of the typed config object.
pub const API_VERSION: &str = "private-gke.dev/v1alpha1";
/// Kind of the typed config object.
pub const KIND: &str = "PrivateGKE";

/// Which `ipAllocationPolicy` fields the cluster patch writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpAllocation {
    /// Only fields the target Config Connector accepts.
    #[default]
    Compat,
    /// The upstream patch as is.
    Upstream,
}

/// Whether the function changes the package or only checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Apply setters, patch, generate, fix CRDs, then check.
    #[default]
    Apply,
    /// Change nothing; only run the checks.
    Check,
}

/// What to do about webhook ports the master cannot reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebhookFirewall {
    /// Report an error.
    #[default]
    Check,
    /// Write the missing ingress rule.
    Generate,
}

/// Every setting, after defaults (those that depend on the items are `None` until resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `gke.private` (default true).
    pub private: bool,
    /// `region` / `gcloud.compute.region`.
    pub region: Option<String>,
    /// `zone` / `gcloud.compute.zone`.
    pub zone: Option<String>,
    /// `location` (default: region).
    pub location: Option<String>,
    /// `log-firewalls` (default false).
    pub log_firewalls: bool,
    /// `name` (default: the ContainerCluster's name).
    pub name: Option<String>,
    /// `master-ipv4-cidr`.
    pub master_ipv4_cidr: String,
    /// `subnet-cidr`.
    pub subnet_cidr: String,
    /// `pods-cidr`.
    pub pods_cidr: String,
    /// `services-cidr`.
    pub services_cidr: String,
    /// `cnrm-version`, e.g. `1.15.1`.
    pub cnrm_version: Option<String>,
    /// `ip-allocation`.
    pub ip_allocation: IpAllocation,
    /// `cluster`: which ContainerCluster, by name.
    pub cluster: Option<String>,
    /// `check-locations` (default true).
    pub check_locations: bool,
    /// `mode`.
    pub mode: Mode,
    /// `webhook-firewall`.
    pub webhook_firewall: WebhookFirewall,
    /// Every key given, under the name it was given with, as setter values (all strings).
    pub given: BTreeMap<String, String>,
}

impl Settings {
    /// Settings from the ResourceList's functionConfig (`None` when absent). Errors name the key.
    pub fn from_function_config(
        function_config: Option<&Value>,
    ) -> Result<Settings, Vec<KrmResult>> {
        let _ = function_config;
        unimplemented!("config parsing")
    }

    /// Setter values for `# kpt-set` / kpt v0 comments: every given key, plus the aliases of
    /// `region`/`zone` (`gcloud.compute.region`, `gcloud.compute.zone`) both ways.
    pub fn setter_values(&self) -> BTreeMap<String, String> {
        let mut values = self.given.clone();
        for (short, long) in [
            ("region", "gcloud.compute.region"),
            ("zone", "gcloud.compute.zone"),
        ] {
            if let Some(v) = self.given.get(short) {
                values.entry(long.to_string()).or_insert_with(|| v.clone());
            }
            if let Some(v) = self.given.get(long) {
                values.entry(short.to_string()).or_insert_with(|| v.clone());
            }
        }
        values
    }
}

impl Default for Settings {
    /// The defaults of the configuration reference: private, upstream CIDRs, checks on.
    fn default() -> Self {
        Settings {
            private: true,
            region: None,
            zone: None,
            location: None,
            log_firewalls: false,
            name: None,
            master_ipv4_cidr: "172.16.0.32/28".to_string(),
            subnet_cidr: "10.10.10.0/24".to_string(),
            pods_cidr: "10.1.0.0/16".to_string(),
            services_cidr: "10.10.11.0/24".to_string(),
            cnrm_version: None,
            ip_allocation: IpAllocation::Compat,
            cluster: None,
            check_locations: true,
            mode: Mode::Apply,
            webhook_firewall: WebhookFirewall::Check,
            given: BTreeMap::new(),
        }
    }
}
