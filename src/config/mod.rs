//! functionConfig -> Settings: a ConfigMap's `data`, a typed `PrivateGKE` object, or none.

use crate::krm::KrmResult;
use ipnet::Ipv4Net;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

mod given;
pub use given::add_pairs;
use given::*;

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
    /// Only apply setter values (kpt `apply-setters`): a migrated subpackage's pipeline.
    Setters,
}

/// What to do about webhook ports the master cannot reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebhookFirewall {
    /// Report an error.
    Check,
    /// Write the missing ingress rule (the default: a private cluster needs it to work).
    #[default]
    Generate,
}

/// How the setters stage reports the fields it changed (`private-gke.setter-results`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetterResults {
    /// One info result per setter comment: how many fields it changed, the first few of them.
    #[default]
    Summary,
    /// One info result per changed field.
    Full,
}

/// How the control plane is reached (`private-gke.control-plane`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlPlane {
    /// A public endpoint open to every address (the Kubeflow 1.1 patch).
    Public,
    /// A public endpoint open only to `authorized-networks`.
    Authorized,
    /// Only the private endpoint, reachable from every region (master global access).
    Private,
    /// The private endpoint plus Config Connector's DNS endpoint (IAM-checked, from anywhere).
    Dns,
}

/// How nodes reach the public endpoints of Docker Hub and the IAP JWKs (www.gstatic.com).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EgressAllowlist {
    /// FQDN egress rules in a network firewall policy.
    #[default]
    Fqdn,
    /// www.gstatic.com through the private Google APIs VIP; Docker Hub by FQDN rule.
    Vip,
}

/// Cloud NAT logging (`logConfig.filter`), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NatLogging {
    /// `ERRORS_ONLY`.
    #[default]
    ErrorsOnly,
    /// `TRANSLATIONS_ONLY`.
    TranslationsOnly,
    /// `ALL`.
    All,
    /// No NAT logging.
    Off,
}

impl NatLogging {
    /// The `logConfig.filter` value; `None` when off.
    pub fn filter(self) -> Option<&'static str> {
        match self {
            NatLogging::ErrorsOnly => Some("ERRORS_ONLY"),
            NatLogging::TranslationsOnly => Some("TRANSLATIONS_ONLY"),
            NatLogging::All => Some("ALL"),
            NatLogging::Off => None,
        }
    }
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
    /// `setter-results`.
    pub setter_results: SetterResults,
    /// `control-plane`; `None` when not given (public, the user's access fields kept).
    pub control_plane: Option<ControlPlane>,
    /// `authorized-networks`: CIDRs allowed to reach the control plane, normalised.
    pub authorized_networks: Vec<String>,
    /// `private-endpoint-subnetwork`: the ComputeSubnetwork of the private endpoint.
    pub private_endpoint_subnetwork: Option<String>,
    /// `webhook-ports`: catalogue components whose webhook ports count as found webhooks.
    pub webhook_ports: Vec<String>,
    /// `egress-allowlist`.
    pub egress_allowlist: EgressAllowlist,
    /// `nat-logging`.
    pub nat_logging: NatLogging,
    /// `nat-min-ports-per-vm`.
    pub nat_min_ports: u32,
    /// `nat-max-ports-per-vm`.
    pub nat_max_ports: u32,
    /// `nat-dynamic-ports`.
    pub nat_dynamic_ports: bool,
    /// Every key given, under the name it was given with, as setter values (all strings).
    pub given: BTreeMap<String, String>,
}

/// Prefix of the function's own options in a ConfigMap (`private-gke.mode: check`); without it
/// such a key is a plain setter value.
pub const OPTION_PREFIX: &str = "private-gke.";

/// True when `name` is a value key: a setting and a setter at once (aliases included), like
/// `gke.private`, `region` or `subnet-cidr`.
pub fn is_setting_key(name: &str) -> bool {
    KEYS.iter().any(|k| k.role == Role::Value && k.name == name)
}

/// The ConfigMap key of the option `name` is the bare name of (`mode` -> `private-gke.mode`).
pub fn option_key(name: &str) -> Option<String> {
    KEYS.iter()
        .find(|k| k.role == Role::Option && k.name == name)
        .map(|k| k.data_key())
}

/// Every ConfigMap key the function reads, with its typed-spec field (`""` for an alias).
pub fn keys() -> impl Iterator<Item = (String, &'static str)> {
    KEYS.iter().map(|k| (k.data_key(), k.spec))
}

/// What a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A value the resources carry: a setting and a setter of that name at once.
    Value,
    /// A switch of the function's behaviour: `private-gke.<name>` in a ConfigMap.
    Option,
}

/// One known key: its name, its typed-spec field (empty for an alias) and its role.
struct Key {
    name: &'static str,
    spec: &'static str,
    role: Role,
}

impl Key {
    const fn value(name: &'static str, spec: &'static str) -> Key {
        Key {
            name,
            spec,
            role: Role::Value,
        }
    }

    const fn option(name: &'static str, spec: &'static str) -> Key {
        Key {
            name,
            spec,
            role: Role::Option,
        }
    }

    /// The key in a ConfigMap's `data`.
    fn data_key(&self) -> String {
        match self.role {
            Role::Value => self.name.to_string(),
            Role::Option => format!("{OPTION_PREFIX}{}", self.name),
        }
    }
}

/// The one settings table: every key, its typed-spec field and its role.
const KEYS: &[Key] = &[
    Key::value("gke.private", "private"),
    Key::value("region", "region"),
    Key::value("gcloud.compute.region", ""),
    Key::value("zone", "zone"),
    Key::value("gcloud.compute.zone", ""),
    Key::value("location", "location"),
    Key::value("log-firewalls", "logFirewalls"),
    Key::value("name", "name"),
    Key::value("master-ipv4-cidr", "masterIpv4Cidr"),
    Key::value("subnet-cidr", "subnetCidr"),
    Key::value("pods-cidr", "podsCidr"),
    Key::value("services-cidr", "servicesCidr"),
    Key::option("cnrm-version", "cnrmVersion"),
    Key::option("ip-allocation", "ipAllocation"),
    Key::option("cluster", "cluster"),
    Key::option("check-locations", "checkLocations"),
    Key::option("mode", "mode"),
    Key::option("webhook-firewall", "webhookFirewall"),
    Key::option("setter-results", "setterResults"),
    Key::option("control-plane", "controlPlane"),
    Key::option("authorized-networks", "authorizedNetworks"),
    Key::option("private-endpoint-subnetwork", "privateEndpointSubnetwork"),
    Key::option("webhook-ports", "webhookPorts"),
    Key::option("egress-allowlist", "egressAllowlist"),
    Key::option("nat-logging", "natLogging"),
    Key::option("nat-min-ports-per-vm", "natMinPortsPerVm"),
    Key::option("nat-max-ports-per-vm", "natMaxPortsPerVm"),
    Key::option("nat-dynamic-ports", "natDynamicPorts"),
];

impl Settings {
    /// Settings from the ResourceList's functionConfig (`None` when absent). Errors name the key.
    ///
    /// Accepts a ConfigMap's `data` (strings, or plain scalars from a `configPath` file) and a
    /// typed `private-gke.dev/v1alpha1` `PrivateGKE` object (`spec` in camelCase, plus
    /// `spec.setters`). Value keys are settings and setters at once; options take the
    /// `private-gke.` prefix in a ConfigMap and are never setter values; any other key is a
    /// setter value. An empty value means the default. Every setter value is kept in `given`
    /// under its ConfigMap name, for the setters stage.
    pub fn from_function_config(
        function_config: Option<&Value>,
    ) -> Result<Settings, Vec<KrmResult>> {
        let mut settings = Settings::default();
        let Some(config) = function_config.filter(|c| !c.is_null()) else {
            return Ok(settings);
        };
        let mut errors = Vec::new();
        if !config.is_object() {
            return Err(vec![KrmResult::error(format!(
                "functionConfig must be a map, found {}",
                type_name(config)
            ))
            .tag("stage", "config")]);
        }
        let given = collect(config, &mut errors);
        let mut first: BTreeMap<&str, &Given> = BTreeMap::new();
        for g in &given {
            let result = if let Some(option) = g.name.strip_prefix(OPTION_PREFIX) {
                if g.value.trim().is_empty() {
                    Ok(())
                } else {
                    set_option(&mut settings, option, g)
                }
            } else {
                settings.given.insert(g.name.clone(), g.value.clone());
                let same = canonical(&g.name);
                match first.get(same) {
                    Some(prev) if prev.value.trim() != g.value.trim() => Err(format!(
                        "{:?} conflicts with {} {:?}; give one {same}",
                        g.value, prev.path, prev.value
                    )),
                    _ => {
                        first.entry(same).or_insert(g);
                        if g.value.trim().is_empty() {
                            Ok(())
                        } else {
                            set_value(&mut settings, &g.name, g)
                        }
                    }
                }
            };
            if let Err(message) = result {
                errors.push(
                    KrmResult::error(message)
                        .for_resource(config)
                        .at_field(g.path.clone(), Some(Value::String(g.value.clone())), None)
                        .tag("stage", "config"),
                );
            }
        }
        if errors.is_empty() {
            errors.extend(
                crate::gke::access::setting_errors(&settings)
                    .into_iter()
                    .map(|r| r.for_resource(config)),
            );
            errors.extend(
                settings
                    .network_errors()
                    .into_iter()
                    .chain(settings.nat_errors())
                    .map(|r| r.for_resource(config)),
            );
        }
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }

    /// Errors for setter values that are one typo away from a value key (`gke.privat`) when no
    /// setter comment or Kptfile definition uses them; `in_use` gives those names and is only
    /// called when some key is a candidate.
    pub fn typo_errors(
        &self,
        function_config: Option<&Value>,
        in_use: impl FnOnce() -> BTreeSet<String>,
    ) -> Vec<KrmResult> {
        let meant = |name: &str| {
            KEYS.iter()
                .filter(|k| k.role == Role::Value)
                .find(|k| strsim::damerau_levenshtein(name, k.name) == 1)
                .map(|k| k.name)
        };
        let candidates: Vec<(&String, &str)> = self
            .given
            .keys()
            .filter(|k| !is_setting_key(k))
            .filter_map(|k| meant(k).map(|m| (k, m)))
            .collect();
        if candidates.is_empty() {
            return Vec::new();
        }
        let used = in_use();
        let mut ignored = Vec::new();
        let paths: BTreeMap<String, String> = function_config
            .map(|c| collect(c, &mut ignored))
            .unwrap_or_default()
            .into_iter()
            .map(|g| (g.name, g.path))
            .collect();
        candidates
            .into_iter()
            .filter(|(name, _)| !used.contains(*name))
            .map(|(name, meant)| {
                let message = format!(
                    "no setter comment or Kptfile definition uses {name:?}, one typo away from \
                     {meant}: did you mean {meant}?"
                );
                let mut result = KrmResult::error(message).tag("stage", "config");
                if let Some(config) = function_config {
                    result = result.for_resource(config);
                }
                let path = paths.get(name).cloned().unwrap_or_else(|| name.clone());
                let value = self.given.get(name).cloned().map(Value::String);
                result.at_field(path, value, None)
            })
            .collect()
    }

    /// The CIDR rules between settings: the master range is a /28 and no two ranges overlap.
    pub fn network_errors(&self) -> Vec<KrmResult> {
        let mut errors = Vec::new();
        let ranges = [
            ("master-ipv4-cidr", &self.master_ipv4_cidr),
            ("subnet-cidr", &self.subnet_cidr),
            ("pods-cidr", &self.pods_cidr),
            ("services-cidr", &self.services_cidr),
        ];
        let mut nets = Vec::new();
        for (key, text) in ranges {
            match text.parse::<Ipv4Net>() {
                Ok(net) => nets.push((key, net)),
                Err(_) => errors.push(
                    KrmResult::error(format!("{key}: {text:?} is not a valid IPv4 CIDR"))
                        .tag("stage", "config"),
                ),
            }
        }
        if let Some((_, master)) = nets.iter().find(|(k, _)| *k == "master-ipv4-cidr") {
            if master.prefix_len() != 28 {
                errors.push(
                    KrmResult::error(format!(
                        "master-ipv4-cidr: {master} must be a /28 (GKE requires a /28 for the control plane)"
                    ))
                    .tag("stage", "config"),
                );
            }
        }
        for (i, (ka, a)) in nets.iter().enumerate() {
            for (kb, b) in &nets[i + 1..] {
                if a.contains(&b.network()) || b.contains(&a.network()) {
                    errors.push(
                        KrmResult::error(format!(
                            "{ka} {a} overlaps {kb} {b}; the ranges must be disjoint"
                        ))
                        .tag("stage", "config"),
                    );
                }
            }
        }
        errors
    }

    /// The NAT port rules: with dynamic allocation both bounds are powers of two and the minimum
    /// is smaller than the maximum (Cloud NAT's rule).
    pub fn nat_errors(&self) -> Vec<KrmResult> {
        if !self.nat_dynamic_ports {
            return Vec::new();
        }
        let mut errors = Vec::new();
        for (key, n) in [
            ("nat-min-ports-per-vm", self.nat_min_ports),
            ("nat-max-ports-per-vm", self.nat_max_ports),
        ] {
            if !n.is_power_of_two() {
                errors.push(format!(
                    "{OPTION_PREFIX}{key}: {n} must be a power of two with dynamic port allocation \
                     ({OPTION_PREFIX}nat-dynamic-ports: true)"
                ));
            }
        }
        if self.nat_min_ports >= self.nat_max_ports {
            errors.push(format!(
                "{OPTION_PREFIX}nat-min-ports-per-vm {} is not smaller than \
                 {OPTION_PREFIX}nat-max-ports-per-vm {}",
                self.nat_min_ports, self.nat_max_ports
            ));
        }
        errors
            .into_iter()
            .map(|m| KrmResult::error(m).tag("stage", "config"))
            .collect()
    }

    /// The `cnrm-version` setting as (major, minor, patch), when given and valid.
    pub fn cnrm_version_triple(&self) -> Option<(u64, u64, u64)> {
        let v = self.cnrm_version.as_deref()?;
        parse_version(v).ok()
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
            webhook_firewall: WebhookFirewall::Generate,
            setter_results: SetterResults::Summary,
            control_plane: None,
            authorized_networks: Vec::new(),
            private_endpoint_subnetwork: None,
            webhook_ports: Vec::new(),
            egress_allowlist: EgressAllowlist::Fqdn,
            nat_logging: NatLogging::ErrorsOnly,
            nat_min_ports: 64,
            nat_max_ports: 4096,
            nat_dynamic_ports: true,
            given: BTreeMap::new(),
        }
    }
}
