//! functionConfig -> Settings: a ConfigMap's `data`, a typed `PrivateGKE` object, or none.

use crate::krm::KrmResult;
use ipnet::Ipv4Net;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

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

/// The candidate closest to `word` by edit distance (ties: the first), for "did you mean".
fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A value as given: its key (ConfigMap form, options with their prefix), its text and the
/// field path it came from (for error results).
struct Given {
    name: String,
    value: String,
    path: String,
}

/// The text of a scalar setting value; `None` for maps and lists.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// A short description of a JSON value's type, for messages.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
        _ => "a scalar",
    }
}

/// An error result about the functionConfig field at `path`.
fn config_error(config: &Value, message: String, path: &str) -> KrmResult {
    KrmResult::error(message)
        .for_resource(config)
        .at_field(path.to_string(), None, None)
        .tag("stage", "config")
}

/// The error for `private-gke.<name>` when no option has that name, naming the closest one.
fn unknown_option(key: &str) -> String {
    let bare = key.strip_prefix(OPTION_PREFIX).unwrap_or(key);
    let options = KEYS.iter().filter(|k| k.role == Role::Option);
    let meant = closest(bare, options.map(|k| k.name)).unwrap_or("");
    format!("unknown option {key}; did you mean {OPTION_PREFIX}{meant}?")
}

/// Collects the given keys of a ConfigMap's `data`.
fn collect_data(config: &Value, errors: &mut Vec<KrmResult>) -> Vec<Given> {
    let mut out = Vec::new();
    let data = match config.get("data") {
        None | Some(Value::Null) => return out,
        Some(Value::Object(m)) => m,
        Some(other) => {
            let message = format!(
                "functionConfig ConfigMap data must be a map, found {}",
                type_name(other)
            );
            errors.push(config_error(config, message, "data"));
            return out;
        }
    };
    for (k, v) in data {
        let path = format!("data.{k}");
        if k.starts_with(OPTION_PREFIX) && !KEYS.iter().any(|key| key.data_key() == *k) {
            errors.push(config_error(config, unknown_option(k), &path));
            continue;
        }
        match scalar_text(v) {
            Some(value) => out.push(Given {
                name: k.clone(),
                value,
                path,
            }),
            None => {
                let message = format!("the value must be a string, found {}", type_name(v));
                errors.push(config_error(config, message, &path));
            }
        }
    }
    out
}

/// Collects `spec.setters` of a typed config: setter values only, never options.
fn collect_setters(config: &Value, setters: &Value, errors: &mut Vec<KrmResult>) -> Vec<Given> {
    let mut out = Vec::new();
    let setters = match setters {
        Value::Null => return out,
        Value::Object(m) => m,
        other => {
            let message = format!(
                "spec.setters must be a map of setter names to values, found {}",
                type_name(other)
            );
            errors.push(config_error(config, message, "spec.setters"));
            return out;
        }
    };
    for (sk, sv) in setters {
        let path = format!("spec.setters.{sk}");
        if sk.starts_with(OPTION_PREFIX) {
            let message = match KEYS.iter().find(|key| key.data_key() == *sk) {
                Some(key) => format!(
                    "{sk} is an option, not a setter: in a {KIND} object it is spec.{}",
                    key.spec
                ),
                None => unknown_option(sk),
            };
            errors.push(config_error(config, message, &path));
            continue;
        }
        match scalar_text(sv) {
            Some(value) => out.push(Given {
                name: sk.clone(),
                value,
                path,
            }),
            None => {
                let message = format!("the value must be a string, found {}", type_name(sv));
                errors.push(config_error(config, message, &path));
            }
        }
    }
    out
}

/// Collects the given keys of a typed `PrivateGKE` object's `spec`.
fn collect_spec(config: &Value, errors: &mut Vec<KrmResult>) -> Vec<Given> {
    let mut out = Vec::new();
    let spec = match config.get("spec") {
        None | Some(Value::Null) => return out,
        Some(Value::Object(m)) => m,
        Some(other) => {
            let message = format!("{KIND} spec must be a map, found {}", type_name(other));
            errors.push(config_error(config, message, "spec"));
            return out;
        }
    };
    for (k, v) in spec {
        let path = format!("spec.{k}");
        if k == "setters" {
            out.extend(collect_setters(config, v, errors));
            continue;
        }
        let Some(key) = KEYS
            .iter()
            .find(|key| !key.spec.is_empty() && key.spec == k)
        else {
            let fields = KEYS
                .iter()
                .map(|k| k.spec)
                .filter(|s| !s.is_empty())
                .chain(["setters"]);
            let meant = closest(k, fields.clone()).unwrap_or("setters");
            let known: Vec<&str> = fields.collect();
            let message = format!(
                "unknown field spec.{k}; did you mean spec.{meant}? (known fields: {}; setter values go under spec.setters)",
                known.join(", ")
            );
            errors.push(config_error(config, message, &path));
            continue;
        };
        match scalar_text(v) {
            Some(value) => out.push(Given {
                name: key.data_key(),
                value,
                path,
            }),
            None => {
                let message = format!("the value must be a scalar, found {}", type_name(v));
                errors.push(config_error(config, message, &path));
            }
        }
    }
    out
}

/// Collects the given keys of a function config (ConfigMap `data` or typed `spec`).
fn collect(config: &Value, errors: &mut Vec<KrmResult>) -> Vec<Given> {
    let kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if kind == "ConfigMap" {
        return collect_data(config, errors);
    }
    if kind == KIND && api_version.starts_with("private-gke.dev/") {
        if api_version != API_VERSION {
            let message = format!(
                "functionConfig apiVersion {api_version:?} is not supported; use {API_VERSION}"
            );
            errors.push(config_error(config, message, "apiVersion"));
            return Vec::new();
        }
        return collect_spec(config, errors);
    }
    let what = match (api_version, kind) {
        ("", "") => "without apiVersion and kind".to_string(),
        ("", kind) => format!("of kind {kind} without apiVersion"),
        (api_version, "") => format!("{api_version} without kind"),
        (api_version, kind) => format!("{api_version}/{kind}"),
    };
    let message =
        format!("functionConfig {what} is not supported; use a ConfigMap or {API_VERSION} {KIND}");
    errors.push(config_error(config, message, "kind"));
    Vec::new()
}

/// Adds `--set KEY=VALUE` pairs (ConfigMap keys) to a functionConfig object: into a ConfigMap's
/// `data`, or into a typed object's `spec` field of that key (`spec.setters` for plain setters
/// and aliases). An unknown `private-gke.` key goes where the parser reports it.
pub fn add_pairs(object: &mut Map<String, Value>, pairs: &[(String, String)]) {
    let typed = object.get("kind").and_then(Value::as_str) == Some(KIND);
    let section = if typed { "spec" } else { "data" };
    let target = object
        .entry(section)
        .or_insert_with(|| Value::Object(Map::new()));
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(target) = target.as_object_mut() else {
        return;
    };
    for (k, v) in pairs {
        let value = Value::String(v.clone());
        let field = KEYS
            .iter()
            .find(|key| typed && !key.spec.is_empty() && key.data_key() == *k);
        match field {
            Some(key) => {
                if let Some(setters) = target.get_mut("setters").and_then(Value::as_object_mut) {
                    setters.remove(k);
                }
                target.insert(key.spec.to_string(), value);
            }
            None if typed => {
                let setters = target
                    .entry("setters")
                    .or_insert_with(|| Value::Object(Map::new()));
                if !setters.is_object() {
                    *setters = Value::Object(Map::new());
                }
                if let Some(setters) = setters.as_object_mut() {
                    setters.insert(k.clone(), value);
                }
            }
            None => {
                target.insert(k.clone(), value);
            }
        }
    }
}

/// Parses `true`/`false` (any case).
fn parse_bool(g: &Given) -> Result<bool, String> {
    match g.value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{:?} is not a boolean; use true or false", g.value)),
    }
}

/// Parses one of a fixed set of words.
fn parse_choice<T: Copy>(g: &Given, choices: &[(&str, T)]) -> Result<T, String> {
    let word = g.value.trim();
    choices
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            format!("{:?} is not one of {}", g.value, names.join(", "))
        })
}

/// Parses an IPv4 CIDR without host bits, normalised.
fn parse_cidr(g: &Given) -> Result<String, String> {
    let net: Ipv4Net = g.value.trim().parse().map_err(|_| {
        format!(
            "{:?} is not a valid IPv4 CIDR (like 10.10.10.0/24)",
            g.value
        )
    })?;
    if net.trunc() != net {
        return Err(format!(
            "{:?} has host bits set; did you mean {}?",
            g.value,
            net.trunc()
        ));
    }
    Ok(net.to_string())
}

/// Parses NAT ports per VM: a power of two from 32 to 65536 (what Cloud NAT accepts with
/// dynamic port allocation; static allocation accepts any number in that span).
fn parse_ports(g: &Given) -> Result<u32, String> {
    let n: u32 = g
        .value
        .trim()
        .parse()
        .map_err(|_| format!("{:?} is not a number of ports like 64", g.value))?;
    if !(32..=65536).contains(&n) {
        return Err(format!(
            "{n} is outside 32-65536, the ports per VM Cloud NAT accepts"
        ));
    }
    Ok(n)
}

/// Parses a Config Connector version (`1.15.1`, `v1.21.0`, `1.21`).
fn parse_version(value: &str) -> Result<(u64, u64, u64), String> {
    let bad = || format!("{value:?} is not a version like 1.15.1");
    let text = value.trim().trim_start_matches('v');
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return Err(bad());
    }
    let mut nums = [0u64; 3];
    for (i, p) in parts.iter().enumerate() {
        nums[i] = p.parse().map_err(|_| bad())?;
    }
    Ok((nums[0], nums[1], nums[2]))
}

/// Sets the option `name` (without its prefix) from `g`.
fn set_option(settings: &mut Settings, name: &str, g: &Given) -> Result<(), String> {
    let value = g.value.trim().to_string();
    match name {
        "cluster" => settings.cluster = Some(value),
        "check-locations" => settings.check_locations = parse_bool(g)?,
        "cnrm-version" => {
            parse_version(&value)?;
            settings.cnrm_version = Some(value);
        }
        "ip-allocation" => {
            settings.ip_allocation = parse_choice(
                g,
                &[
                    ("compat", IpAllocation::Compat),
                    ("upstream", IpAllocation::Upstream),
                ],
            )?
        }
        "mode" => {
            settings.mode = parse_choice(
                g,
                &[
                    ("apply", Mode::Apply),
                    ("check", Mode::Check),
                    ("setters", Mode::Setters),
                ],
            )?
        }
        "webhook-firewall" => {
            settings.webhook_firewall = parse_choice(
                g,
                &[
                    ("check", WebhookFirewall::Check),
                    ("generate", WebhookFirewall::Generate),
                ],
            )?
        }
        "setter-results" => {
            settings.setter_results = parse_choice(
                g,
                &[
                    ("summary", SetterResults::Summary),
                    ("full", SetterResults::Full),
                ],
            )?
        }
        "control-plane" => {
            settings.control_plane = Some(parse_choice(
                g,
                &[
                    ("public", ControlPlane::Public),
                    ("authorized", ControlPlane::Authorized),
                    ("private", ControlPlane::Private),
                    ("dns", ControlPlane::Dns),
                ],
            )?)
        }
        "authorized-networks" => {
            settings.authorized_networks = list_items(&value)
                .map(|item| {
                    let cidr = if item.contains('/') {
                        item.to_string()
                    } else {
                        format!("{item}/32")
                    };
                    parse_cidr(&Given {
                        name: g.name.clone(),
                        value: cidr,
                        path: g.path.clone(),
                    })
                })
                .collect::<Result<_, _>>()?
        }
        "private-endpoint-subnetwork" => settings.private_endpoint_subnetwork = Some(value),
        "webhook-ports" => {
            let names: Vec<String> = list_items(&value).map(str::to_string).collect();
            if let Some(bad) = names
                .iter()
                .find(|n| !WEBHOOK_COMPONENTS.contains(&n.as_str()))
            {
                let meant = closest(bad, WEBHOOK_COMPONENTS.iter().copied()).unwrap_or("");
                return Err(format!(
                    "{bad:?} is not a component of the webhook port catalogue ({}); did you mean {meant}?",
                    WEBHOOK_COMPONENTS.join(", ")
                ));
            }
            settings.webhook_ports = names;
        }
        "egress-allowlist" => {
            settings.egress_allowlist = parse_choice(
                g,
                &[
                    ("fqdn", EgressAllowlist::Fqdn),
                    ("vip", EgressAllowlist::Vip),
                ],
            )?
        }
        "nat-logging" => {
            settings.nat_logging = parse_choice(
                g,
                &[
                    ("ERRORS_ONLY", NatLogging::ErrorsOnly),
                    ("TRANSLATIONS_ONLY", NatLogging::TranslationsOnly),
                    ("ALL", NatLogging::All),
                    ("off", NatLogging::Off),
                ],
            )?
        }
        "nat-min-ports-per-vm" => settings.nat_min_ports = parse_ports(g)?,
        "nat-max-ports-per-vm" => settings.nat_max_ports = parse_ports(g)?,
        "nat-dynamic-ports" => settings.nat_dynamic_ports = parse_bool(g)?,
        _ => {}
    }
    Ok(())
}

/// The components `private-gke.webhook-ports` may name (their ports: `checks::webhooks`).
pub const WEBHOOK_COMPONENTS: [&str; 5] = [
    "gatekeeper",
    "knative",
    "config-connector",
    "controller-runtime",
    "istio",
];

/// The items of a comma-separated list setting, trimmed, empty ones skipped.
fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Sets the value key `name` from `g` (region and zone aliases are resolved by the caller).
fn set_value(settings: &mut Settings, name: &str, g: &Given) -> Result<(), String> {
    let value = g.value.trim().to_string();
    match name {
        "gke.private" => settings.private = parse_bool(g)?,
        "log-firewalls" => settings.log_firewalls = parse_bool(g)?,
        "region" | "gcloud.compute.region" => settings.region = Some(value),
        "zone" | "gcloud.compute.zone" => settings.zone = Some(value),
        "location" => settings.location = Some(value),
        "name" => settings.name = Some(value),
        "master-ipv4-cidr" => settings.master_ipv4_cidr = parse_cidr(g)?,
        "subnet-cidr" => settings.subnet_cidr = parse_cidr(g)?,
        "pods-cidr" => settings.pods_cidr = parse_cidr(g)?,
        "services-cidr" => settings.services_cidr = parse_cidr(g)?,
        _ => {}
    }
    Ok(())
}

/// The setting two keys given for it share (`region` for `gcloud.compute.region`).
fn canonical(name: &str) -> &str {
    match name {
        "gcloud.compute.region" => "region",
        "gcloud.compute.zone" => "zone",
        other => other,
    }
}

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
