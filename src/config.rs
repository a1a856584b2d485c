//! functionConfig -> Settings: a ConfigMap's `data`, a typed `PrivateGKE` object, or none.

use crate::krm::KrmResult;
use ipnet::Ipv4Net;
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

/// True when `name` is one of the function's own settings (ConfigMap form, aliases included).
pub fn is_setting_key(name: &str) -> bool {
    KEYS.iter().any(|k| k.data == name)
}

/// One known setting: its ConfigMap key, its typed-spec field, and how to read it.
struct Key {
    data: &'static str,
    spec: &'static str,
}

/// Every known key, ConfigMap name and typed-spec name (aliases are separate entries).
const KEYS: &[Key] = &[
    Key {
        data: "gke.private",
        spec: "private",
    },
    Key {
        data: "region",
        spec: "region",
    },
    Key {
        data: "gcloud.compute.region",
        spec: "",
    },
    Key {
        data: "zone",
        spec: "zone",
    },
    Key {
        data: "gcloud.compute.zone",
        spec: "",
    },
    Key {
        data: "location",
        spec: "location",
    },
    Key {
        data: "log-firewalls",
        spec: "logFirewalls",
    },
    Key {
        data: "name",
        spec: "name",
    },
    Key {
        data: "master-ipv4-cidr",
        spec: "masterIpv4Cidr",
    },
    Key {
        data: "subnet-cidr",
        spec: "subnetCidr",
    },
    Key {
        data: "pods-cidr",
        spec: "podsCidr",
    },
    Key {
        data: "services-cidr",
        spec: "servicesCidr",
    },
    Key {
        data: "cnrm-version",
        spec: "cnrmVersion",
    },
    Key {
        data: "ip-allocation",
        spec: "ipAllocation",
    },
    Key {
        data: "cluster",
        spec: "cluster",
    },
    Key {
        data: "check-locations",
        spec: "checkLocations",
    },
    Key {
        data: "mode",
        spec: "mode",
    },
    Key {
        data: "webhook-firewall",
        spec: "webhookFirewall",
    },
];

/// A value as given, with the field path it came from (for error results).
struct Given {
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

/// Collects the given keys of a function config (ConfigMap `data` or typed `spec`).
fn collect(config: &Value, errors: &mut Vec<KrmResult>) -> Vec<(String, Given)> {
    let err = |msg: String, path: &str| {
        KrmResult::error(msg)
            .for_resource(config)
            .at_field(path.to_string(), None, None)
            .tag("stage", "config")
    };
    let kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut out = Vec::new();
    if kind == "ConfigMap" {
        let data = match config.get("data") {
            None | Some(Value::Null) => return out,
            Some(Value::Object(m)) => m,
            Some(other) => {
                errors.push(err(
                    format!(
                        "functionConfig ConfigMap data must be a map, found {}",
                        type_name(other)
                    ),
                    "data",
                ));
                return out;
            }
        };
        for (k, v) in data {
            let path = format!("data.{k}");
            match scalar_text(v) {
                Some(value) => out.push((k.clone(), Given { value, path })),
                None => errors.push(err(
                    format!("{k}: the value must be a string, found {}", type_name(v)),
                    &path,
                )),
            }
        }
        return out;
    }
    if kind == KIND && api_version.starts_with("private-gke.dev/") {
        if api_version != API_VERSION {
            errors.push(err(
                format!(
                    "functionConfig apiVersion {api_version:?} is not supported; use {API_VERSION}"
                ),
                "apiVersion",
            ));
            return out;
        }
        let spec = match config.get("spec") {
            None | Some(Value::Null) => return out,
            Some(Value::Object(m)) => m,
            Some(other) => {
                errors.push(err(
                    format!("{KIND} spec must be a map, found {}", type_name(other)),
                    "spec",
                ));
                return out;
            }
        };
        for (k, v) in spec {
            let path = format!("spec.{k}");
            if k == "setters" {
                match v {
                    Value::Null => {}
                    Value::Object(setters) => {
                        for (sk, sv) in setters {
                            let path = format!("spec.setters.{sk}");
                            match scalar_text(sv) {
                                Some(value) => out.push((sk.clone(), Given { value, path })),
                                None => errors.push(err(
                                    format!(
                                        "setter {sk}: the value must be a string, found {}",
                                        type_name(sv)
                                    ),
                                    &path,
                                )),
                            }
                        }
                    }
                    other => errors.push(err(
                        format!(
                            "spec.setters must be a map of setter names to values, found {}",
                            type_name(other)
                        ),
                        &path,
                    )),
                }
                continue;
            }
            let Some(key) = KEYS
                .iter()
                .find(|key| !key.spec.is_empty() && key.spec == k)
            else {
                let known: Vec<&str> = KEYS
                    .iter()
                    .map(|k| k.spec)
                    .filter(|s| !s.is_empty())
                    .collect();
                errors.push(err(
                    format!(
                        "unknown field spec.{k}; known fields: {}, setters",
                        known.join(", ")
                    ),
                    &path,
                ));
                continue;
            };
            match scalar_text(v) {
                Some(value) => out.push((key.data.to_string(), Given { value, path })),
                None => errors.push(err(
                    format!(
                        "spec.{k}: the value must be a scalar, found {}",
                        type_name(v)
                    ),
                    &path,
                )),
            }
        }
        return out;
    }
    errors.push(err(
        format!(
            "functionConfig {api_version}/{kind} is not supported; use a ConfigMap or {API_VERSION} {KIND}"
        ),
        "kind",
    ));
    out
}

/// Parses `true`/`false` (any case).
fn parse_bool(key: &str, g: &Given) -> Result<bool, String> {
    match g.value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!(
            "{key}: {:?} is not a boolean; use true or false",
            g.value
        )),
    }
}

/// Parses one of a fixed set of words.
fn parse_choice<T: Copy>(key: &str, g: &Given, choices: &[(&str, T)]) -> Result<T, String> {
    let word = g.value.trim();
    choices
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            format!("{key}: {:?} is not one of {}", g.value, names.join(", "))
        })
}

/// Parses an IPv4 CIDR without host bits, normalised.
fn parse_cidr(key: &str, g: &Given) -> Result<String, String> {
    let net: Ipv4Net = g.value.trim().parse().map_err(|_| {
        format!(
            "{key}: {:?} is not a valid IPv4 CIDR (like 10.10.10.0/24)",
            g.value
        )
    })?;
    if net.trunc() != net {
        return Err(format!(
            "{key}: {:?} has host bits set; did you mean {}?",
            g.value,
            net.trunc()
        ));
    }
    Ok(net.to_string())
}

/// Parses a Config Connector version (`1.15.1`, `v1.21.0`, `1.21`).
fn parse_version(key: &str, g: &Given) -> Result<(u64, u64, u64), String> {
    let bad = || format!("{key}: {:?} is not a version like 1.15.1", g.value);
    let text = g.value.trim().trim_start_matches('v');
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

impl Settings {
    /// Settings from the ResourceList's functionConfig (`None` when absent). Errors name the key.
    ///
    /// Accepts a ConfigMap's `data` (strings, or plain scalars from a `configPath` file) and a
    /// typed `private-gke.dev/v1alpha1` `PrivateGKE` object (`spec` in camelCase, plus
    /// `spec.setters`). An empty value means the default. Every key given is kept in `given`
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
        let mut region: Option<&Given> = None;
        let mut zone: Option<&Given> = None;
        for (key, g) in &given {
            settings.given.insert(key.clone(), g.value.clone());
            if g.value.trim().is_empty() {
                continue;
            }
            let value = g.value.trim().to_string();
            let result: Result<(), String> = match key.as_str() {
                "gke.private" => parse_bool(key, g).map(|b| settings.private = b),
                "log-firewalls" => parse_bool(key, g).map(|b| settings.log_firewalls = b),
                "check-locations" => parse_bool(key, g).map(|b| settings.check_locations = b),
                "region" | "gcloud.compute.region" => match region {
                    Some(prev) if prev.value.trim() != value => Err(format!(
                        "{key}: {:?} conflicts with {} {:?}; give one region",
                        g.value, prev.path, prev.value
                    )),
                    _ => {
                        region = Some(g);
                        settings.region = Some(value);
                        Ok(())
                    }
                },
                "zone" | "gcloud.compute.zone" => match zone {
                    Some(prev) if prev.value.trim() != value => Err(format!(
                        "{key}: {:?} conflicts with {} {:?}; give one zone",
                        g.value, prev.path, prev.value
                    )),
                    _ => {
                        zone = Some(g);
                        settings.zone = Some(value);
                        Ok(())
                    }
                },
                "location" => {
                    settings.location = Some(value);
                    Ok(())
                }
                "name" => {
                    settings.name = Some(value);
                    Ok(())
                }
                "cluster" => {
                    settings.cluster = Some(value);
                    Ok(())
                }
                "master-ipv4-cidr" => parse_cidr(key, g).map(|c| settings.master_ipv4_cidr = c),
                "subnet-cidr" => parse_cidr(key, g).map(|c| settings.subnet_cidr = c),
                "pods-cidr" => parse_cidr(key, g).map(|c| settings.pods_cidr = c),
                "services-cidr" => parse_cidr(key, g).map(|c| settings.services_cidr = c),
                "cnrm-version" => {
                    parse_version(key, g).map(|_| settings.cnrm_version = Some(value))
                }
                "ip-allocation" => parse_choice(
                    key,
                    g,
                    &[
                        ("compat", IpAllocation::Compat),
                        ("upstream", IpAllocation::Upstream),
                    ],
                )
                .map(|v| settings.ip_allocation = v),
                "mode" => parse_choice(key, g, &[("apply", Mode::Apply), ("check", Mode::Check)])
                    .map(|v| settings.mode = v),
                "webhook-firewall" => parse_choice(
                    key,
                    g,
                    &[
                        ("check", WebhookFirewall::Check),
                        ("generate", WebhookFirewall::Generate),
                    ],
                )
                .map(|v| settings.webhook_firewall = v),
                _ => Ok(()),
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
                settings
                    .network_errors()
                    .into_iter()
                    .map(|r| r.for_resource(config)),
            );
        }
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
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

    /// The `cnrm-version` setting as (major, minor, patch), when given and valid.
    pub fn cnrm_version_triple(&self) -> Option<(u64, u64, u64)> {
        let v = self.cnrm_version.as_deref()?;
        let g = Given {
            value: v.to_string(),
            path: String::new(),
        };
        parse_version("cnrm-version", &g).ok()
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
