//! The functionConfig read into given values (a ConfigMap's `data`, a typed object's `spec` and
//! `spec.setters`), and each value parsed into its typed setting, with errors that name the key.

use super::*;

/// The candidate closest to `word` by edit distance (ties: the first), for "did you mean".
pub(super) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A value as given: its key (ConfigMap form, options with their prefix), its text and the
/// field path it came from (for error results).
pub(super) struct Given {
    pub(super) name: String,
    pub(super) value: String,
    pub(super) path: String,
}

/// The text of a scalar setting value; `None` for maps and lists.
pub(super) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => Some(String::new()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// A short description of a JSON value's type, for messages.
pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
        _ => "a scalar",
    }
}

/// An error result about the functionConfig field at `path`.
pub(super) fn config_error(config: &Value, message: String, path: &str) -> KrmResult {
    KrmResult::error(message)
        .for_resource(config)
        .at_field(path.to_string(), None, None)
        .tag("stage", "config")
}

/// The error for `private-gke.<name>` when no option has that name, naming the closest one.
pub(super) fn unknown_option(key: &str) -> String {
    let bare = key.strip_prefix(OPTION_PREFIX).unwrap_or(key);
    let options = KEYS.iter().filter(|k| k.role == Role::Option);
    let meant = closest(bare, options.map(|k| k.name)).unwrap_or("");
    format!("unknown option {key}; did you mean {OPTION_PREFIX}{meant}?")
}

/// Collects the given keys of a ConfigMap's `data`.
pub(super) fn collect_data(config: &Value, errors: &mut Vec<KrmResult>) -> Vec<Given> {
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
pub(super) fn collect_setters(
    config: &Value,
    setters: &Value,
    errors: &mut Vec<KrmResult>,
) -> Vec<Given> {
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
pub(super) fn collect_spec(config: &Value, errors: &mut Vec<KrmResult>) -> Vec<Given> {
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
pub(super) fn collect(config: &Value, errors: &mut Vec<KrmResult>) -> Vec<Given> {
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
pub(super) fn parse_bool(g: &Given) -> Result<bool, String> {
    match g.value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{:?} is not a boolean; use true or false", g.value)),
    }
}

/// Parses one of a fixed set of words.
pub(super) fn parse_choice<T: Copy>(g: &Given, choices: &[(&str, T)]) -> Result<T, String> {
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
pub(super) fn parse_cidr(g: &Given) -> Result<String, String> {
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
pub(super) fn parse_ports(g: &Given) -> Result<u32, String> {
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
pub(super) fn parse_version(value: &str) -> Result<(u64, u64, u64), String> {
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
pub(super) fn set_option(settings: &mut Settings, name: &str, g: &Given) -> Result<(), String> {
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
pub(super) fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Sets the value key `name` from `g` (region and zone aliases are resolved by the caller).
pub(super) fn set_value(settings: &mut Settings, name: &str, g: &Given) -> Result<(), String> {
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
pub(super) fn canonical(name: &str) -> &str {
    match name {
        "gcloud.compute.region" => "region",
        "gcloud.compute.zone" => "zone",
        other => other,
    }
}
