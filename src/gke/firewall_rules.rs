//! The firewall of the private network: the ComputeFirewall rules, and the egress allowlist of
//! Docker Hub and the IAP JWKs (FQDN rules of a network firewall policy, the private Google APIs
//! VIP for www.gstatic.com, or the 2020 address lists where the target has neither).

use super::resources::{Builder, Desired, Params, Zone, COMPUTE, RESTRICTED_VIP};
use crate::config::EgressAllowlist;
use serde_json::{json, Map, Value};

/// Google's health-check source ranges: L7 and L4 load balancers (130.211.0.0/22,
/// 35.191.0.0/16) and the legacy L4 network load balancer probes (209.85.152.0/22,
/// 209.85.204.0/22).
pub const HEALTH_CHECK_RANGES: [&str; 4] = [
    "130.211.0.0/22",
    "35.191.0.0/16",
    "209.85.152.0/22",
    "209.85.204.0/22",
];

/// The private Google APIs VIP (`private.googleapis.com`), which also serves www.gstatic.com.
pub const PRIVATE_VIP: &str = "199.36.153.8/30";

/// Its four addresses.
const PRIVATE_VIPS: [&str; 4] = [
    "199.36.153.8",
    "199.36.153.9",
    "199.36.153.10",
    "199.36.153.11",
];

/// The Docker Hub and quay.io host names nodes pull from.
pub const DOCKERHUB_FQDNS: [&str; 6] = [
    "registry-1.docker.io",
    "auth.docker.io",
    "production.cloudflare.docker.com",
    "index.docker.io",
    "quay.io",
    "cdn.quay.io",
];

/// The host of the IAP JWKs.
pub const JWKS_FQDN: &str = "www.gstatic.com";

/// Upstream's 2020 snapshot of Docker Hub and quay.io addresses (not static).
pub const DOCKERHUB_IPS: [&str; 28] = [
    "3.211.199.249",
    "18.232.227.119",
    "18.213.137.78",
    "23.22.155.84",
    "23.202.231.169",
    "23.217.138.110",
    "52.54.232.21",
    "52.72.232.213",
    "54.85.107.53",
    "54.236.131.166",
    "107.23.149.57",
    "217.70.184.38",
    "104.18.121.25",
    "104.18.122.25",
    "104.18.123.25",
    "104.18.124.25",
    "104.18.125.25",
    "3.218.162.19",
    "18.205.55.240",
    "52.202.225.67",
    "54.84.167.150",
    "13.227.47.39",
    "13.227.47.84",
    "13.227.47.105",
    "13.35.101.24",
    "13.35.101.91",
    "13.35.101.101",
    "13.35.101.104",
];

/// Upstream's 2020 snapshot of www.gstatic.com addresses (not static).
pub const JWKS_IPS: [&str; 8] = [
    "172.217.6.163",
    "172.217.6.131",
    "172.217.9.163",
    "172.217.1.131",
    "172.217.212.94",
    "172.217.204.94",
    "23.217.138.110",
    "23.202.231.169",
];

/// Priority of the deny-all egress rule; every allow rule has a smaller number.
const DENY_PRIORITY: i64 = 1100;

/// How the allowlist is written for these parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowlist {
    /// Docker Hub and (unless `jwks_vip`) the JWKs by FQDN policy rules; else address lists.
    pub fqdn: bool,
    /// www.gstatic.com through the private VIP.
    pub jwks_vip: bool,
}

impl Allowlist {
    /// The form for a setting and a target that has (or lacks) network firewall policies.
    pub fn choose(setting: EgressAllowlist, policies: bool) -> Self {
        Allowlist {
            fqdn: policies,
            jwks_vip: setting == EgressAllowlist::Vip,
        }
    }
}

/// Suffixes of the names the firewall may generate, for length checks.
pub const SUFFIXES: &[&str] = &[
    "deny-egress",
    "health-ingress",
    "health-egress",
    "apis-egress",
    "master-egress",
    "int-egress",
    "istio",
    "cm",
    "dockerhub",
    "iap-jwks",
    "egress",
    "private-apis",
    "gstatic",
    "gstatic-cname",
    "gstatic-a",
];

/// One ComputeFirewall: suffix, description, `allow`/`deny`, direction and ranges.
struct Rule {
    suffix: &'static str,
    description: &'static str,
    action: Value,
    traffic: Value,
}

/// The ComputeFirewall rules, in upstream's order, and the allowlist resources.
pub fn desired(p: &Params, out: &mut Vec<Desired>) {
    let health = HEALTH_CHECK_RANGES;
    let mut rules = vec![
        Rule {
            suffix: "deny-egress",
            description: "Deny all egress by default, every protocol",
            action: json!({"deny": [{"protocol": "all"}]}),
            traffic: json!({"destinationRanges": ["0.0.0.0/0"], "direction": "EGRESS", "priority": DENY_PRIORITY}),
        },
        Rule {
            suffix: "health-ingress",
            description: "Allow health checks (load balancers, node ports, NEG pod ports)",
            action: json!({"allow": [{"protocol": "tcp"}]}),
            traffic: json!({"sourceRanges": health, "direction": "INGRESS"}),
        },
        Rule {
            suffix: "health-egress",
            description: "Allow health check egress",
            action: json!({"allow": [{"protocol": "tcp"}]}),
            traffic: json!({"destinationRanges": health, "direction": "EGRESS"}),
        },
        Rule {
            suffix: "apis-egress",
            description: "Allow egress to google APIs",
            action: json!({"allow": [{"protocol": "all"}]}),
            traffic: json!({"destinationRanges": [RESTRICTED_VIP], "direction": "EGRESS"}),
        },
        Rule {
            suffix: "master-egress",
            description: "Allow master node egress",
            action: json!({"allow": [{"protocol": "tcp", "ports": ["443", "10250"]}]}),
            traffic: json!({"destinationRanges": [p.master_cidr], "direction": "EGRESS"}),
        },
        Rule {
            suffix: "int-egress",
            description: "Allow traffic to the cluster's ranges: nodes, pods, services, master",
            action: json!({"allow": [{"protocol": "all"}]}),
            traffic: json!({"destinationRanges": p.internal_ranges, "direction": "EGRESS"}),
        },
        Rule {
            suffix: "istio",
            description: "Allow traffic to ISTIO webhook",
            action: json!({"allow": [{"protocol": "tcp", "ports": ["15017", "9443"]}]}),
            traffic: json!({"sourceRanges": [p.master_cidr], "direction": "INGRESS"}),
        },
        Rule {
            suffix: "cm",
            description: "Allow traffic to cert manager webhook",
            action: json!({"allow": [{"protocol": "tcp", "ports": ["443", "6443"]}]}),
            traffic: json!({"sourceRanges": [p.master_cidr], "direction": "INGRESS"}),
        },
    ];
    let list = p.allowlist;
    if !list.fqdn {
        rules.push(Rule {
            suffix: "dockerhub",
            description:
                "Allow egress to dockerhub and quay.io (a 2020 snapshot of their addresses)",
            action: json!({"allow": [{"protocol": "tcp", "ports": ["443", "80"]}]}),
            traffic: json!({"destinationRanges": DOCKERHUB_IPS, "direction": "EGRESS"}),
        });
    }
    if list.jwks_vip {
        rules.push(Rule {
            suffix: "iap-jwks",
            description:
                "Allow traffic to www.gstatic.com (IAP JWKs) through the private Google APIs VIP",
            action: json!({"allow": [{"protocol": "tcp", "ports": ["443"]}]}),
            traffic: json!({"destinationRanges": [PRIVATE_VIP], "direction": "EGRESS"}),
        });
    } else if !list.fqdn {
        rules.push(Rule {
            suffix: "iap-jwks",
            description: "Allow traffic to www.gstatic.com to get IAP JWKs (a 2020 snapshot of its addresses)",
            action: json!({"allow": [{"protocol": "tcp", "ports": ["443"]}]}),
            traffic: json!({"destinationRanges": JWKS_IPS, "direction": "EGRESS"}),
        });
    }
    for rule in rules {
        out.push(firewall(p, rule));
    }
    if list.fqdn {
        policy(p, out);
    }
    if list.jwks_vip {
        gstatic_vip(p, out);
    }
}

/// One ComputeFirewall with its network ref, logging field and setter comments.
fn firewall(p: &Params, rule: Rule) -> Desired {
    let mut b = Builder::new(&p.name);
    let name = b.named(rule.suffix);
    let mut spec = Map::new();
    spec.insert("description".into(), json!(rule.description));
    for part in [&rule.action, &rule.traffic] {
        for (k, v) in part.as_object().into_iter().flatten() {
            spec.insert(k.clone(), v.clone());
        }
    }
    if !p.user_master && matches!(rule.suffix, "master-egress" | "istio" | "cm") {
        let field = if rule.suffix == "master-egress" {
            "destinationRanges"
        } else {
            "sourceRanges"
        };
        b.set(&format!("/spec/{field}/0"), "${master-ipv4-cidr}");
    }
    if rule.suffix == "int-egress" {
        let mut setters = Vec::new();
        if p.internal_from_settings {
            setters.extend(["${subnet-cidr}", "${pods-cidr}", "${services-cidr}"]);
        }
        for (i, pattern) in setters.into_iter().enumerate() {
            b.set(&format!("/spec/destinationRanges/{i}"), pattern);
        }
        if !p.user_master {
            let last = p.internal_ranges.len().saturating_sub(1);
            b.set(
                &format!("/spec/destinationRanges/{last}"),
                "${master-ipv4-cidr}",
            );
        }
    }
    spec.insert("networkRef".into(), p.net());
    b.network("/spec/networkRef", p);
    if p.current_fields {
        if p.log_firewalls {
            spec.insert("logConfig".into(), json!({"metadata": LOG_METADATA}));
        }
    } else {
        spec.insert("enableLogging".into(), json!(p.log_firewalls));
        b.set("/spec/enableLogging", "${log-firewalls}");
    }
    b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeFirewall", "metadata": {"name": name}, "spec": spec}),
        "firewall.yaml",
    )
}

/// The `logConfig.metadata` firewall logging writes on current Config Connector.
pub const LOG_METADATA: &str = "INCLUDE_ALL_METADATA";

/// API version of ComputeNetworkFirewallPolicyRule: `v1alpha1` in every Config Connector release
/// that has it (1.118.0 to at least 1.155.1); its priority is `spec.resourceID`, a string.
pub const POLICY_RULE_API: &str = "compute.cnrm.cloud.google.com/v1alpha1";

/// The network firewall policy `<name>-egress`, its association with the network, and the FQDN
/// allow rules (Docker Hub; the JWKs unless they go through the VIP). The generated network
/// evaluates the policy before its VPC rules, so the rules pass the deny-all egress rule.
fn policy(p: &Params, out: &mut Vec<Desired>) {
    let file = "firewall-policy.yaml";
    let mut b = Builder::new(&p.name);
    let name = b.named("egress");
    let policy = name.clone();
    out.push(b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeNetworkFirewallPolicy", "metadata": {"name": name},
            "spec": {"description": "FQDN egress allowlist of the private cluster"}}),
        file,
    ));
    let mut b = Builder::new(&p.name);
    let name = b.named("egress");
    b.set("/spec/firewallPolicyRef/name", "${name}-egress");
    b.network("/spec/attachmentTargetRef", p);
    out.push(b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeNetworkFirewallPolicyAssociation", "metadata": {"name": name},
            "spec": {"attachmentTargetRef": p.net(), "firewallPolicyRef": {"name": policy}}}),
        file,
    ));
    let mut rules = vec![(
        "dockerhub",
        "Allow egress to dockerhub and quay.io",
        DOCKERHUB_FQDNS.to_vec(),
        vec!["443", "80"],
        1000,
    )];
    if !p.allowlist.jwks_vip {
        rules.push((
            "iap-jwks",
            "Allow traffic to www.gstatic.com to get IAP JWKs",
            vec![JWKS_FQDN],
            vec!["443"],
            1001,
        ));
    }
    for (suffix, description, fqdns, ports, priority) in rules {
        let mut b = Builder::new(&p.name);
        let name = b.named(suffix);
        b.set("/spec/firewallPolicyRef/name", "${name}-egress");
        let mut spec = json!({"description": description, "action": "allow", "direction": "EGRESS",
            "resourceID": priority.to_string(), "firewallPolicyRef": {"name": policy},
            "match": {"destFqdns": fqdns, "layer4Configs": [{"ipProtocol": "tcp", "ports": ports}]}});
        if p.log_firewalls {
            spec["enableLogging"] = json!(true);
        }
        out.push(b.done(
            json!({"apiVersion": POLICY_RULE_API, "kind": "ComputeNetworkFirewallPolicyRule", "metadata": {"name": name}, "spec": spec}),
            file,
        ));
    }
}

/// www.gstatic.com through the private VIP: a route to it and a private `gstatic.com.` zone
/// (CNAME `*.gstatic.com.` → `gstatic.com.`, A `gstatic.com.` → 199.36.153.8-11).
fn gstatic_vip(p: &Params, out: &mut Vec<Desired>) {
    let mut b = Builder::new(&p.name);
    let name = b.named("private-apis");
    b.network("/spec/networkRef", p);
    out.push(b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeRoute", "metadata": {"name": name},
            "spec": {"description": "private Google APIs VIP, for www.gstatic.com", "destRange": PRIVATE_VIP,
                "networkRef": p.net(), "nextHopGateway": "default-internet-gateway", "priority": 1000}}),
        "compute-network.yaml",
    ));
    super::resources::zone(
        p,
        out,
        &Zone {
            zone: "gstatic",
            dns_name: "gstatic.com.",
            description: "private zone for gstatic.com (IAP JWKs)",
            cname_suffix: "gstatic-cname",
            a_suffix: "gstatic-a",
            cname_name: "*.gstatic.com.",
            cname_target: "gstatic.com.",
            a_name: "gstatic.com.",
            a_data: &PRIVATE_VIPS,
            file: "dns-gstatic.yaml",
        },
    );
}
