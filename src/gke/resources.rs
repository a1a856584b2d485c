//! The 23 private-network resources of upstream's `privateGKE/`, named from the settings.

use super::render::Comments;
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

/// Suffixes of every `<name>-<suffix>` resource name, for length checks.
pub const SUFFIXES: &[&str] = &[
    "google-apis",
    "internet",
    "gcr",
    "gcr-cname",
    "gcr-a",
    "goog-apis",
    "goog-cname",
    "goog-a",
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
];

const COMPUTE: &str = "compute.cnrm.cloud.google.com/v1beta1";
const DNS: &str = "dns.cnrm.cloud.google.com/v1beta1";

/// The restricted Google APIs VIP addresses.
const RESTRICTED_VIPS: [&str; 4] = [
    "199.36.153.4",
    "199.36.153.5",
    "199.36.153.6",
    "199.36.153.7",
];

const DOCKERHUB_IPS: [&str; 28] = [
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

const JWKS_IPS: [&str; 8] = [
    "172.217.6.163",
    "172.217.6.131",
    "172.217.9.163",
    "172.217.1.131",
    "172.217.212.94",
    "172.217.204.94",
    "23.217.138.110",
    "23.202.231.169",
];

/// Builder for one resource's setter comments.
struct Builder {
    name: String,
    comments: Comments,
}

impl Builder {
    fn new(name: &str) -> Self {
        Builder {
            name: name.to_string(),
            comments: Comments::new(),
        }
    }

    /// `metadata.name: <name>[-suffix] # kpt-set: ${name}[-suffix]`.
    fn named(&mut self, suffix: &str) -> String {
        self.set("/metadata/name", &setter_pattern(suffix));
        full_name(&self.name, suffix)
    }

    fn set(&mut self, pointer: &str, pattern: &str) {
        self.comments
            .insert(pointer.to_string(), format!("kpt-set: {pattern}"));
    }

    /// The setter comment of the network ref at `pointer` (a ref object): `${name}` on the
    /// generated network, else the one on the user's ref, if any.
    fn network(&mut self, pointer: &str, p: &Params) {
        match (&p.network_ref, &p.network_comment) {
            (None, _) => self.set(&format!("{pointer}/name"), "${name}"),
            (Some(_), Some((key, comment))) => {
                self.comments
                    .insert(format!("{pointer}/{key}"), comment.clone());
            }
            (Some(_), None) => {}
        }
    }

    fn done(self, value: Value, file: &'static str) -> Desired {
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
            "spec": {"routingMode": "GLOBAL", "autoCreateSubnetworks": false, "deleteDefaultRoutesOnCreate": true}}),
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

/// The 23 resources in upstream's file order; on the user's network, without the network and
/// subnetwork.
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
            "spec": {"destRange": "199.36.153.4/30", "networkRef": net,
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
    for (
        zone,
        dns_name,
        description,
        cname_suffix,
        a_suffix,
        cname_name,
        cname_target,
        a_name,
        file,
    ) in [
        (
            "gcr",
            "gcr.io.",
            "private zone for GCR.io",
            "gcr-cname",
            "gcr-a",
            "*.gcr.io.",
            "gcr.io.",
            "gcr.io.",
            "dns-gcr.yaml",
        ),
        (
            "goog-apis",
            "googleapis.com.",
            "private zone for Google APIs",
            "goog-cname",
            "goog-a",
            "*.googleapis.com.",
            "restricted.googleapis.com.",
            "restricted.googleapis.com.",
            "dns-google-apis.yaml",
        ),
    ] {
        let mut b = Builder::new(n);
        let name = b.named(zone);
        b.network("/spec/privateVisibilityConfig/networks/0/networkRef", p);
        out.push(b.done(
            json!({"apiVersion": DNS, "kind": "DNSManagedZone", "metadata": {"name": name},
                "spec": {"description": description, "dnsName": dns_name, "visibility": "private",
                    "privateVisibilityConfig": {"networks": [{"networkRef": net}]}}}),
            file,
        ));
        let zone_name = full_name(n, zone);
        let mut b = Builder::new(n);
        let name = b.named(cname_suffix);
        b.set("/spec/managedZoneRef/name", &setter_pattern(zone));
        out.push(b.done(
            json!({"apiVersion": DNS, "kind": "DNSRecordSet", "metadata": {"name": name},
                "spec": {"name": cname_name, "type": "CNAME", "ttl": 300,
                    "managedZoneRef": {"name": zone_name}, "rrdatas": [cname_target]}}),
            file,
        ));
        let mut b = Builder::new(n);
        let name = b.named(a_suffix);
        b.set("/spec/managedZoneRef/name", &setter_pattern(zone));
        out.push(b.done(
            json!({"apiVersion": DNS, "kind": "DNSRecordSet", "metadata": {"name": name},
                "spec": {"name": a_name, "type": "A", "ttl": 300,
                    "managedZoneRef": {"name": zone_name}, "rrdatas": RESTRICTED_VIPS}}),
            file,
        ));
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

    // firewall.yaml
    let health = ["130.211.0.0/22", "35.191.0.0/16"];
    let rules: Vec<(&str, &str, Value, Value)> = vec![
        (
            "deny-egress",
            "Deny all internet traffic by default",
            json!({"deny": [{"protocol": "tcp", "ports": ["0-65535"]}]}),
            json!({"destinationRanges": ["0.0.0.0/0"], "direction": "EGRESS", "priority": 1100}),
        ),
        (
            "health-ingress",
            "Allow health check ingress",
            json!({"allow": [{"protocol": "tcp", "ports": ["80", "443"]}]}),
            json!({"sourceRanges": health, "direction": "INGRESS"}),
        ),
        (
            "health-egress",
            "Allow health check egress",
            json!({"allow": [{"protocol": "tcp", "ports": ["80", "443"]}]}),
            json!({"destinationRanges": health, "direction": "EGRESS"}),
        ),
        (
            "apis-egress",
            "Allow egress to google APIs",
            json!({"allow": [{"protocol": "tcp", "ports": ["0-65535"]}]}),
            json!({"destinationRanges": ["199.36.153.4/30"], "direction": "EGRESS"}),
        ),
        (
            "master-egress",
            "Allow master node egress",
            json!({"allow": [{"protocol": "tcp", "ports": ["443", "10250"]}]}),
            json!({"destinationRanges": [p.master_cidr], "direction": "EGRESS"}),
        ),
        (
            "int-egress",
            "Allow traffic to internal ips",
            json!({"allow": [{"protocol": "tcp", "ports": ["0-65535"]}]}),
            json!({"destinationRanges": ["10.0.0.0/8", "192.168.0.0/16"], "direction": "EGRESS"}),
        ),
        (
            "istio",
            "Allow traffic to ISTIO webhook",
            json!({"allow": [{"protocol": "tcp", "ports": ["15017", "9443"]}]}),
            json!({"sourceRanges": [p.master_cidr], "direction": "INGRESS"}),
        ),
        (
            "cm",
            "Allow traffic to cert manager webhook",
            json!({"allow": [{"protocol": "tcp", "ports": ["443", "6443"]}]}),
            json!({"sourceRanges": [p.master_cidr], "direction": "INGRESS"}),
        ),
        (
            "dockerhub",
            "Allow egress to dockerhub and quay.io",
            json!({"allow": [{"protocol": "tcp", "ports": ["443", "80"]}]}),
            json!({"destinationRanges": DOCKERHUB_IPS, "direction": "EGRESS"}),
        ),
        (
            "iap-jwks",
            "Allow traffic to www.gstatic.com to get IAP JWKs",
            json!({"allow": [{"protocol": "tcp", "ports": ["443"]}]}),
            json!({"destinationRanges": JWKS_IPS, "direction": "EGRESS"}),
        ),
    ];
    for (suffix, description, action, traffic) in rules {
        let mut b = Builder::new(n);
        let name = b.named(suffix);
        let mut spec = serde_json::Map::new();
        spec.insert("description".into(), json!(description));
        for (k, v) in action.as_object().into_iter().flatten() {
            spec.insert(k.clone(), v.clone());
        }
        for (k, v) in traffic.as_object().into_iter().flatten() {
            spec.insert(k.clone(), v.clone());
        }
        if !p.user_master && matches!(suffix, "master-egress" | "istio" | "cm") {
            let field = if suffix == "master-egress" {
                "destinationRanges"
            } else {
                "sourceRanges"
            };
            b.set(&format!("/spec/{field}/0"), "${master-ipv4-cidr}");
        }
        spec.insert("networkRef".into(), net.clone());
        b.network("/spec/networkRef", p);
        spec.insert("enableLogging".into(), json!(p.log_firewalls));
        b.set("/spec/enableLogging", "${log-firewalls}");
        out.push(b.done(
            json!({"apiVersion": COMPUTE, "kind": "ComputeFirewall", "metadata": {"name": name}, "spec": spec}),
            "firewall.yaml",
        ));
    }

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
            "spec": {"region": p.region, "routerRef": {"name": n},
                "natIpAllocateOption": "AUTO_ONLY",
                "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES"}}),
        "nat.yaml",
    ));
    out
}
