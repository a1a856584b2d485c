//! The private-network resources: upstream's `privateGKE/` brought up to date (the
//! `pkg.dev.` zone, version-aware NAT and logging fields), named from the settings. The
//! firewall is in [`super::firewall_rules`].

use super::firewall_rules::{self, Allowlist};
use crate::config::NatLogging;
use crate::yaml::Comments;
use serde_json::{json, Value};

/// Values the templates are filled with.
#[derive(Debug, Clone)]
pub struct Params {
    /// Base name (`name` setting, or the cluster's name).
    pub name: String,
    /// Region of the subnet, router and NAT.
    pub region: String,
    /// `master-ipv4-cidr`.
    pub master_cidr: String,
    /// `subnet-cidr`.
    pub subnet_cidr: String,
    /// `pods-cidr`.
    pub pods_cidr: String,
    /// `services-cidr`.
    pub services_cidr: String,
    /// `log-firewalls`.
    pub log_firewalls: bool,
    /// The user's network ref (the cluster's `spec.networkRef`): the resources attach to it and
    /// no network or subnetwork is generated. `None`: the generated network `<name>`.
    pub network_ref: Option<Value>,
    /// The setter comment of the user's network ref, as (key, comment), for the generated refs.
    pub network_comment: Option<(String, String)>,
    /// The master range is the user's: no `${master-ipv4-cidr}` comments on the master rules.
    pub user_master: bool,
    /// Destinations of `int-egress`: the subnet, pods, services and master ranges in use.
    pub internal_ranges: Vec<String>,
    /// The first three internal ranges are the `subnet-cidr`, `pods-cidr` and `services-cidr`
    /// settings (not a user's subnetwork): they carry those setter comments.
    pub internal_from_settings: bool,
    /// The target Config Connector has the current fields (firewall `logConfig`, NAT dynamic
    /// port allocation); else the older ones.
    pub current_fields: bool,
    /// How Docker Hub and the IAP JWKs are allowed.
    pub allowlist: Allowlist,
    /// Cloud NAT logging.
    pub nat_logging: NatLogging,
    /// Cloud NAT minimum ports per VM.
    pub nat_min_ports: u32,
    /// Cloud NAT maximum ports per VM (dynamic allocation only).
    pub nat_max_ports: u32,
    /// Cloud NAT dynamic port allocation (current fields only).
    pub nat_dynamic_ports: bool,
}

impl Params {
    /// The network ref of the generated resources.
    pub fn net(&self) -> Value {
        network_ref(self).0
    }
}

/// One desired resource: its value (without annotations), the file it goes to, and the setter
/// comments for its text.
#[derive(Debug, Clone)]
pub struct Desired {
    /// The resource as we want it (apiVersion, kind, metadata.name, spec...).
    pub value: Value,
    /// File name under `private-gke/`.
    pub file: &'static str,
    /// Setter comments by JSON pointer.
    pub comments: Comments,
}

/// Suffixes of the `<name>-<suffix>` resource names outside the firewall, for length checks.
pub const SUFFIXES: &[&str] = &[
    "google-apis",
    "internet",
    "gcr",
    "gcr-cname",
    "gcr-a",
    "goog-apis",
    "goog-cname",
    "goog-a",
    "pkg-dev",
    "pkg-dev-cname",
    "pkg-dev-a",
];

/// Every suffix a generated name may take, firewall included.
pub fn suffixes() -> impl Iterator<Item = &'static str> {
    SUFFIXES.iter().chain(firewall_rules::SUFFIXES).copied()
}

/// API version of the compute kinds.
pub const COMPUTE: &str = "compute.cnrm.cloud.google.com/v1beta1";
/// API version of the DNS kinds.
pub const DNS: &str = "dns.cnrm.cloud.google.com/v1beta1";

/// The restricted Google APIs VIP range.
pub const RESTRICTED_VIP: &str = "199.36.153.4/30";

/// The restricted Google APIs VIP addresses.
const RESTRICTED_VIPS: [&str; 4] = [
    "199.36.153.4",
    "199.36.153.5",
    "199.36.153.6",
    "199.36.153.7",
];

/// Builder for one resource's setter comments.
pub struct Builder {
    name: String,
    comments: Comments,
}

impl Builder {
    /// A builder for resources named from `name`.
    pub fn new(name: &str) -> Self {
        Builder {
            name: name.to_string(),
            comments: Comments::new(),
        }
    }

    /// `metadata.name: <name>[-suffix] # kpt-set: ${name}[-suffix]`.
    pub fn named(&mut self, suffix: &str) -> String {
        self.set("/metadata/name", &setter_pattern(suffix));
        full_name(&self.name, suffix)
    }

    /// `# kpt-set: <pattern>` on the value at `pointer`.
    pub fn set(&mut self, pointer: &str, pattern: &str) {
        self.comments
            .insert(pointer.to_string(), format!("kpt-set: {pattern}"));
    }

    /// The setter comment of the network ref at `pointer` (a ref object): `${name}` on the
    /// generated network, else the one on the user's ref, if any.
    pub fn network(&mut self, pointer: &str, p: &Params) {
        match (&p.network_ref, &p.network_comment) {
            (None, _) => self.set(&format!("{pointer}/name"), "${name}"),
            (Some(_), Some((key, comment))) => {
                self.comments
                    .insert(format!("{pointer}/{key}"), comment.clone());
            }
            (Some(_), None) => {}
        }
    }

    /// The resource with its comments, for `file`.
    pub fn done(self, value: Value, file: &'static str) -> Desired {
        Desired {
            value,
            file,
            comments: self.comments,
        }
    }
}

/// `<name>` or `<name>-<suffix>`.
pub fn full_name(name: &str, suffix: &str) -> String {
    if suffix.is_empty() {
        name.to_string()
    } else {
        format!("{name}-{suffix}")
    }
}

fn setter_pattern(suffix: &str) -> String {
    if suffix.is_empty() {
        "${name}".to_string()
    } else {
        format!("${{name}}-{suffix}")
    }
}

/// The network ref of the generated resources, and whether the network is generated.
fn network_ref(p: &Params) -> (Value, bool) {
    match &p.network_ref {
        Some(r) => (r.clone(), false),
        None => (json!({"name": p.name}), true),
    }
}

/// The generated network and subnetwork `<name>`.
fn generated_network(p: &Params, out: &mut Vec<Desired>) {
    let n = p.name.as_str();
    let mut b = Builder::new(n);
    let name = b.named("");
    out.push(b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeNetwork", "metadata": {"name": name},
            "spec": network_spec(p)}),
        "compute-network.yaml",
    ));
    let mut b = Builder::new(n);
    let name = b.named("");
    b.set("/spec/ipCidrRange", "${subnet-cidr}");
    b.set("/spec/region", "${region}");
    b.set("/spec/networkRef/name", "${name}");
    b.set("/spec/secondaryIpRange/0/ipCidrRange", "${services-cidr}");
    b.set("/spec/secondaryIpRange/1/ipCidrRange", "${pods-cidr}");
    out.push(b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeSubnetwork", "metadata": {"name": name},
            "spec": {
                "ipCidrRange": p.subnet_cidr,
                "region": p.region,
                "description": "kubeflow private subnet",
                "privateIpGoogleAccess": true,
                "networkRef": {"name": n},
                "logConfig": {"aggregationInterval": "INTERVAL_10_MIN", "flowSampling": 0.5, "metadata": "INCLUDE_ALL_METADATA"},
                "secondaryIpRange": [
                    {"ipCidrRange": p.services_cidr, "rangeName": "services"},
                    {"ipCidrRange": p.pods_cidr, "rangeName": "pods"}
                ]
            }}),
        "compute-network.yaml",
    ));
}

/// The generated network's spec: with FQDN policy rules, the policy is evaluated before the VPC
/// rules (else the deny-all egress rule ends every flow first).
fn network_spec(p: &Params) -> Value {
    let mut spec = json!({"routingMode": "GLOBAL", "autoCreateSubnetworks": false, "deleteDefaultRoutesOnCreate": true});
    if p.allowlist.fqdn {
        spec["networkFirewallPolicyEnforcementOrder"] = json!("BEFORE_CLASSIC_FIREWALL");
    }
    spec
}

/// One private DNS zone on the network with its CNAME and A record.
pub struct Zone<'a> {
    /// Name suffix of the zone.
    pub zone: &'static str,
    /// `dnsName`.
    pub dns_name: &'static str,
    /// `description`.
    pub description: &'static str,
    /// Name suffix of the CNAME record.
    pub cname_suffix: &'static str,
    /// Name suffix of the A record.
    pub a_suffix: &'static str,
    /// Owner of the CNAME record.
    pub cname_name: &'static str,
    /// Its target, the owner of the A record.
    pub cname_target: &'static str,
    /// Owner of the A record.
    pub a_name: &'static str,
    /// The A record's addresses.
    pub a_data: &'a [&'a str],
    /// The file.
    pub file: &'static str,
}

/// The zones on the restricted VIP: Google APIs, gcr.io and Artifact Registry (`pkg.dev`).
const VIP_ZONES: [Zone<'static>; 3] = [
    Zone {
        zone: "gcr",
        dns_name: "gcr.io.",
        description: "private zone for GCR.io",
        cname_suffix: "gcr-cname",
        a_suffix: "gcr-a",
        cname_name: "*.gcr.io.",
        cname_target: "gcr.io.",
        a_name: "gcr.io.",
        a_data: &RESTRICTED_VIPS,
        file: "dns-gcr.yaml",
    },
    Zone {
        zone: "goog-apis",
        dns_name: "googleapis.com.",
        description: "private zone for Google APIs",
        cname_suffix: "goog-cname",
        a_suffix: "goog-a",
        cname_name: "*.googleapis.com.",
        cname_target: "restricted.googleapis.com.",
        a_name: "restricted.googleapis.com.",
        a_data: &RESTRICTED_VIPS,
        file: "dns-google-apis.yaml",
    },
    Zone {
        zone: "pkg-dev",
        dns_name: "pkg.dev.",
        description: "private zone for Artifact Registry (pkg.dev)",
        cname_suffix: "pkg-dev-cname",
        a_suffix: "pkg-dev-a",
        cname_name: "*.pkg.dev.",
        cname_target: "pkg.dev.",
        a_name: "pkg.dev.",
        a_data: &RESTRICTED_VIPS,
        file: "dns-pkg-dev.yaml",
    },
];

/// Pushes the zone and its two records.
pub fn zone(p: &Params, out: &mut Vec<Desired>, z: &Zone) {
    let n = p.name.as_str();
    let mut b = Builder::new(n);
    let name = b.named(z.zone);
    b.network("/spec/privateVisibilityConfig/networks/0/networkRef", p);
    out.push(b.done(
        json!({"apiVersion": DNS, "kind": "DNSManagedZone", "metadata": {"name": name},
            "spec": {"description": z.description, "dnsName": z.dns_name, "visibility": "private",
                "privateVisibilityConfig": {"networks": [{"networkRef": p.net()}]}}}),
        z.file,
    ));
    let zone_name = full_name(n, z.zone);
    let mut b = Builder::new(n);
    let name = b.named(z.cname_suffix);
    b.set("/spec/managedZoneRef/name", &setter_pattern(z.zone));
    out.push(b.done(
        json!({"apiVersion": DNS, "kind": "DNSRecordSet", "metadata": {"name": name},
            "spec": {"name": z.cname_name, "type": "CNAME", "ttl": 300,
                "managedZoneRef": {"name": zone_name}, "rrdatas": [z.cname_target]}}),
        z.file,
    ));
    let mut b = Builder::new(n);
    let name = b.named(z.a_suffix);
    b.set("/spec/managedZoneRef/name", &setter_pattern(z.zone));
    out.push(b.done(
        json!({"apiVersion": DNS, "kind": "DNSRecordSet", "metadata": {"name": name},
            "spec": {"name": z.a_name, "type": "A", "ttl": 300,
                "managedZoneRef": {"name": zone_name}, "rrdatas": z.a_data}}),
        z.file,
    ));
}

/// The Cloud NAT spec: logging, ports per VM and, on current Config Connector, dynamic port
/// allocation (which excludes endpoint-independent mapping).
fn nat_spec(p: &Params) -> Value {
    let mut spec = json!({"region": p.region, "routerRef": {"name": p.name},
        "natIpAllocateOption": "AUTO_ONLY",
        "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
        "minPortsPerVm": p.nat_min_ports});
    if p.current_fields {
        spec["enableDynamicPortAllocation"] = json!(p.nat_dynamic_ports);
        if p.nat_dynamic_ports {
            spec["enableEndpointIndependentMapping"] = json!(false);
            spec["maxPortsPerVm"] = json!(p.nat_max_ports);
        }
    }
    if let Some(filter) = p.nat_logging.filter() {
        spec["logConfig"] = json!({"enable": true, "filter": filter});
    }
    spec
}

/// The resources in upstream's file order, then the newer ones; on the user's network,
/// without the network and subnetwork.
pub fn desired(p: &Params) -> Vec<Desired> {
    let n = p.name.as_str();
    let (net, generated) = network_ref(p);
    let mut out = Vec::new();
    // compute-network.yaml
    if generated {
        generated_network(p, &mut out);
    }
    let mut b = Builder::new(n);
    let name = b.named("google-apis");
    b.network("/spec/networkRef", p);
    out.push(b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeRoute", "metadata": {"name": name},
            "spec": {"destRange": RESTRICTED_VIP, "networkRef": net,
                "nextHopGateway": "default-internet-gateway", "priority": 1000}}),
        "compute-network.yaml",
    ));
    let mut b = Builder::new(n);
    let name = b.named("internet");
    b.network("/spec/networkRef", p);
    out.push(b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeRoute", "metadata": {"name": name},
            "spec": {"description": "internet-route for IAP JWKS", "destRange": "0.0.0.0/0",
                "networkRef": net, "priority": 1100, "nextHopGateway": "default-internet-gateway"}}),
        "compute-network.yaml",
    ));

    // dns-gcr.yaml, dns-google-apis.yaml
    for z in &VIP_ZONES[..2] {
        zone(p, &mut out, z);
    }

    // enable-services.yaml
    out.push(Desired {
        value: json!({"apiVersion": "serviceusage.cnrm.cloud.google.com/v1beta1", "kind": "Service",
            "metadata": {"annotations": {
                "cnrm.cloud.google.com/deletion-policy": "abandon",
                "cnrm.cloud.google.com/disable-dependent-services": "false"},
                "name": "dns.googleapis.com"}}),
        file: "enable-services.yaml",
        comments: Comments::new(),
    });

    // firewall.yaml (and the allowlist's policy, route and zone)
    firewall_rules::desired(p, &mut out);

    // nat.yaml
    let mut b = Builder::new(n);
    let name = b.named("");
    b.set("/spec/region", "${region}");
    b.network("/spec/networkRef", p);
    out.push(b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeRouter", "metadata": {"name": name},
            "spec": {"description": "Router to allow outbound internet access", "region": p.region,
                "networkRef": net}}),
        "nat.yaml",
    ));
    let mut b = Builder::new(n);
    let name = b.named("");
    b.set("/spec/region", "${region}");
    b.set("/spec/routerRef/name", "${name}");
    out.push(b.done(
        json!({"apiVersion": COMPUTE, "kind": "ComputeRouterNAT", "metadata": {"name": name},
            "spec": nat_spec(p)}),
        "nat.yaml",
    ));

    // dns-pkg-dev.yaml: Artifact Registry, mapped like gcr.io.
    zone(p, &mut out, &VIP_ZONES[2]);
    out
}

/// How many resources [`desired`] generates on a generated network or the user's, with an
/// allowlist form (for the README's numbers and tests).
pub fn count(generated_network: bool, allowlist: Allowlist) -> usize {
    let p = Params {
        name: "n".into(),
        region: "r".into(),
        master_cidr: String::new(),
        subnet_cidr: String::new(),
        pods_cidr: String::new(),
        services_cidr: String::new(),
        log_firewalls: false,
        network_ref: (!generated_network).then(|| json!({"name": "user"})),
        network_comment: None,
        user_master: false,
        internal_ranges: Vec::new(),
        internal_from_settings: true,
        current_fields: true,
        allowlist,
        nat_logging: NatLogging::Off,
        nat_min_ports: 64,
        nat_max_ports: 4096,
        nat_dynamic_ports: true,
    };
    desired(&p).len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EgressAllowlist;

    #[test]
    fn counts_per_target_and_allowlist() {
        let c = |setting, policies| count(true, Allowlist::choose(setting, policies));
        assert_eq!(c(EgressAllowlist::Fqdn, false), 26);
        assert_eq!(c(EgressAllowlist::Fqdn, true), 28);
        assert_eq!(c(EgressAllowlist::Vip, false), 30);
        assert_eq!(c(EgressAllowlist::Vip, true), 32);
    }
}
