//! The shared, read-only reading of a package: the items indexed by kind and name, the selected
//! cluster (`gke::select`), its network, subnetwork and ranges, its location and region, the
//! firewall rules on its network and the router/NAT serving it. The checks and the private-GKE
//! stage (its network plan, `gke::network`) both read the package through it; neither writes
//! through it. `rules` evaluates firewall rules as GCP does, `paths` follows DNS, routes and
//! NAT, `policy` reads network firewall policies (FQDN rules), `webhooks` resolves webhook
//! ports, `hosts` follows a flow to a named host or the internet, and `flows` computes the
//! connectivity verdicts from them.

pub(crate) mod flows;
pub(crate) mod hosts;
pub(crate) mod paths;
pub(crate) mod policy;
pub(crate) mod rules;
pub(crate) mod webhooks;

use crate::config::Settings;
use crate::krm::{Item, KrmResult, Severity};
use ipnet::Ipv4Net;
use serde_json::Value;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// The restricted Google APIs VIP (`restricted.googleapis.com`).
pub(crate) const RESTRICTED_VIP: &str = "199.36.153.4/30";
/// GKE / load balancer health-check source ranges.
pub(crate) const HEALTH_CHECK_RANGES: [&str; 2] = ["130.211.0.0/22", "35.191.0.0/16"];
/// GCE's priority for firewall rules and routes that set none.
pub(crate) const DEFAULT_PRIORITY: i64 = 1000;
/// Ports on which GKE lets the master reach the nodes without any extra rule.
pub(crate) const MASTER_DEFAULT_PORTS: [u16; 2] = [443, 10250];

/// The package as read once: the items indexed by kind and name, the selected cluster and the
/// firewall rules on its network.
pub(crate) struct Ctx<'a> {
    /// The run's settings.
    pub settings: &'a Settings,
    /// Every item, as the stage received them.
    pub items: &'a [Item],
    /// Per item, index-aligned: what every check asks, read once.
    pub meta: Vec<Meta<'a>>,
    by_kind: HashMap<&'a str, OfKind>,
    /// The selected ContainerCluster, when one could be selected.
    pub cluster: Option<Cluster<'a>>,
    /// Firewall rules on the cluster's network (not disabled).
    pub firewalls: Vec<Firewall<'a>>,
    /// Primary and secondary ranges of the cluster's subnetwork (when it is among the items).
    pub subnet_ranges: Vec<Ipv4Net>,
    /// Indexes of the items that may run container images, found on first use.
    image_items: OnceCell<Vec<usize>>,
}

/// The items of one kind, in item order, and by name once a lookup by name asks (most kinds,
/// such as a package's many clusters, are never looked up by name).
struct OfKind {
    indexes: Vec<usize>,
    /// `indexes` sorted by name, in item order among equal names.
    by_name: OnceCell<Vec<usize>>,
}

impl OfKind {
    /// The indexes of the items named `name`, in item order.
    fn named<'s>(&'s self, meta: &[Meta], name: &str) -> &'s [usize] {
        let sorted = self.by_name.get_or_init(|| {
            let mut sorted = self.indexes.clone();
            sorted.sort_by(|&a, &b| meta[a].name.cmp(meta[b].name));
            sorted
        });
        let start = sorted.partition_point(|&i| meta[i].name < name);
        let len = sorted[start..].partition_point(|&i| meta[i].name == name);
        &sorted[start..start + len]
    }
}

/// The cluster the private checks are about.
pub(crate) struct Cluster<'a> {
    /// The ContainerCluster item.
    pub item: &'a Item,
    /// Its network's name (`default` when `networkRef` is absent).
    pub network: String,
    /// Its subnetwork's name, when set.
    pub subnetwork: Option<String>,
    /// The private-GKE stage patched the cluster and kept its `networkRef` and `subnetworkRef`
    /// as the user's (its record has no entry for them): they may name resources managed
    /// elsewhere.
    pub users_refs: bool,
    /// `privateClusterConfig.masterIpv4CidrBlock`, when it parses.
    pub master: Option<Ipv4Net>,
    /// `privateClusterConfig.enablePrivateNodes`.
    pub private: bool,
    /// `spec.location`, when set.
    pub location: Option<&'a str>,
    /// The region of `spec.location` (or the `region` setting when the location is no GCP name).
    pub region: Option<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(settings: &'a Settings, items: &'a [Item], found: &mut Vec<KrmResult>) -> Self {
        let meta: Vec<Meta> = items.iter().map(Meta::of).collect();
        // Items come in runs of one kind: hash a kind once per run, not once per item.
        let mut by_kind: HashMap<&str, OfKind> = HashMap::new();
        let mut start = 0;
        for end in 1..=meta.len() {
            if end == meta.len() || meta[end].kind != meta[start].kind {
                by_kind
                    .entry(meta[start].kind)
                    .or_insert_with(|| OfKind {
                        indexes: Vec::new(),
                        by_name: OnceCell::new(),
                    })
                    .indexes
                    .extend(start..end);
                start = end;
            }
        }
        let mut ctx = Ctx {
            settings,
            items,
            meta,
            by_kind,
            cluster: None,
            firewalls: Vec::new(),
            subnet_ranges: Vec::new(),
            image_items: OnceCell::new(),
        };
        ctx.cluster = ctx.select_cluster(found);
        if let Some(cluster) = ctx.cluster.as_ref().filter(|c| c.private) {
            let network = cluster.network.clone();
            ctx.firewalls = ctx
                .cnrm("ComputeFirewall")
                .filter(|it| network_of(it.value()).as_deref() == Some(network.as_str()))
                .map(Firewall::parse)
                .filter(|fw| !fw.disabled)
                .collect();
        }
        if let Some(subnet) = ctx.subnet() {
            let spec = &subnet.value()["spec"];
            ctx.subnet_ranges = spec["ipCidrRange"]
                .as_str()
                .and_then(parse_net)
                .into_iter()
                .chain(
                    array(&spec["secondaryIpRange"])
                        .iter()
                        .filter_map(|r| r["ipCidrRange"].as_str().and_then(parse_net)),
                )
                .collect();
        }
        ctx
    }

    /// Every container image among the items, with the item that runs it, in item order
    /// (`gke::registries::images`; the items' texts are scanned once per model).
    pub fn images(&self) -> Vec<(&'a str, &'a Item)> {
        let items = self.items;
        let holders = self.image_items.get_or_init(|| {
            (0..items.len())
                .filter(|&i| crate::gke::registries::may_run_images(&items[i]))
                .collect()
        });
        crate::gke::registries::images(holders.iter().map(|&i| &items[i]))
    }

    /// True when the selected cluster has private nodes.
    pub fn private(&self) -> bool {
        self.cluster.as_ref().is_some_and(|c| c.private)
    }

    /// Config Connector items of a kind, in item order.
    pub fn cnrm(&self, kind: &str) -> impl Iterator<Item = &'a Item> + '_ {
        self.kind_indexes(kind)
            .filter(|&i| self.meta[i].cnrm)
            .map(|i| &self.items[i])
    }

    /// Items of a kind, in item order.
    pub fn of_kind(&self, kind: &str) -> impl Iterator<Item = &'a Item> + '_ {
        self.kind_indexes(kind).map(|i| &self.items[i])
    }

    fn kind_indexes(&self, kind: &str) -> impl Iterator<Item = usize> + '_ {
        let indexes: &[usize] = self.by_kind.get(kind).map_or(&[], |of| &of.indexes);
        indexes.iter().copied()
    }

    /// Indexes of the items of a kind and name, in item order.
    fn named_indexes(&self, kind: &str, name: &str) -> impl Iterator<Item = usize> + '_ {
        let named: &[usize] = match self.by_kind.get(kind) {
            Some(of) => of.named(&self.meta, name),
            None => &[],
        };
        named.iter().copied()
    }

    /// Items of a kind and name, in item order.
    pub fn named(&self, kind: &str, name: &str) -> impl Iterator<Item = &'a Item> + '_ {
        self.named_indexes(kind, name).map(|i| &self.items[i])
    }

    /// The Config Connector item of `kind` named `name` that a reference from a resource in
    /// `namespace` reaches (a missing namespace on either side matches any).
    pub fn resolve(&self, kind: &str, name: &str, namespace: Option<&str>) -> Option<&'a Item> {
        self.named_indexes(kind, name)
            .find(|&i| {
                let m = &self.meta[i];
                m.cnrm
                    && match (namespace, m.namespace) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    }
            })
            .map(|i| &self.items[i])
    }

    /// The cluster's network item, when it is in the package.
    pub fn network(&self) -> Option<&'a Item> {
        let c = self.cluster.as_ref()?;
        self.resolve("ComputeNetwork", &c.network, c.item.namespace())
    }

    /// The cluster's subnetwork item, when it is in the package.
    pub fn subnet(&self) -> Option<&'a Item> {
        let c = self.cluster.as_ref()?;
        self.resolve(
            "ComputeSubnetwork",
            c.subnetwork.as_deref()?,
            c.item.namespace(),
        )
    }

    /// True when the network deletes its default routes (`deleteDefaultRoutesOnCreate: true`).
    pub fn deletes_default_routes(&self) -> bool {
        self.network()
            .is_some_and(|n| n.value()["spec"]["deleteDefaultRoutesOnCreate"] == Value::Bool(true))
    }

    /// Deny-all egress rules on the cluster's network (EGRESS deny to `0.0.0.0/0`).
    pub fn deny_all_egress(&self) -> impl Iterator<Item = &Firewall<'a>> {
        self.firewalls.iter().filter(|fw| {
            fw.egress
                && !fw.deny.is_empty()
                && fw.ranges().iter().flatten().any(|n| n.prefix_len() == 0)
        })
    }

    /// True when `net` looks like a master range other than the cluster's own.
    pub fn is_stale_master(&self, net: &Ipv4Net) -> bool {
        let Some(master) = self.cluster.as_ref().and_then(|c| c.master) else {
            return false;
        };
        net.prefix_len() == 28
            && !master.contains(net)
            && is_rfc1918(net)
            && !self.subnet_ranges.iter().any(|r| r.contains(net))
    }

    /// The router and NAT serving the cluster's network, when both are in the package.
    pub fn nat(&self) -> Option<(&'a Item, &'a Item)> {
        let c = self.cluster.as_ref()?;
        self.cnrm("ComputeRouterNAT").find_map(|nat| {
            let router_name = ref_name(&nat.value()["spec"]["routerRef"])?;
            let router = self.resolve("ComputeRouter", &router_name, nat.namespace())?;
            (network_of(router.value()).as_deref() == Some(c.network.as_str()))
                .then_some((router, nat))
        })
    }

    fn select_cluster(&self, found: &mut Vec<KrmResult>) -> Option<Cluster<'a>> {
        let mut picked = Vec::new();
        let index = crate::gke::select::select_cluster(
            self.settings.cluster.as_deref(),
            self.items,
            &mut picked,
        );
        if index.is_none() && self.items.iter().any(|i| i.kind() == "ContainerCluster") {
            if let Some(why) = picked.iter().find(|r| r.severity != Severity::Info) {
                found.push(
                    KrmResult::warning(format!(
                        "the private-cluster checks did not run: {}",
                        why.message
                    ))
                    .tag("check", "summary"),
                );
            }
        }
        let chosen = &self.items[index?];
        let spec = &chosen.value()["spec"];
        let pcc = &spec["privateClusterConfig"];
        let location = spec["location"].as_str().unwrap_or("");
        Some(Cluster {
            item: chosen,
            network: ref_name(&spec["networkRef"]).unwrap_or_else(|| "default".to_string()),
            subnetwork: ref_name(&spec["subnetworkRef"]),
            users_refs: crate::gke::cluster::record(chosen.value())
                .is_some_and(|r| !r.contains_key("/spec/networkRef")),
            master: pcc["masterIpv4CidrBlock"].as_str().and_then(parse_net),
            private: truthy(&pcc["enablePrivateNodes"]),
            location: spec["location"].as_str(),
            region: region_of(location).or_else(|| self.settings.region.clone()),
        })
    }
}

/// What the checks ask of every item, read once.
pub(crate) struct Meta<'a> {
    /// `kind` ("" when absent).
    pub kind: &'a str,
    /// `metadata.name` ("" when absent).
    pub name: &'a str,
    /// `metadata.namespace`, when set.
    pub namespace: Option<&'a str>,
    /// A Config Connector resource (API group ending `cnrm.cloud.google.com`).
    pub cnrm: bool,
}

impl<'a> Meta<'a> {
    fn of(item: &'a Item) -> Self {
        let (kind, name, namespace, api_version) = item.identity_fields();
        Meta {
            kind,
            name,
            namespace,
            cnrm: is_cnrm_api(api_version),
        }
    }
}

/// One ComputeFirewall, read for the checks.
pub(crate) struct Firewall<'a> {
    /// The ComputeFirewall item.
    pub item: &'a Item,
    /// `direction: EGRESS` (INGRESS when unset).
    pub egress: bool,
    /// `priority` (GCE's 1000 when unset).
    pub priority: i64,
    /// `allow` entries.
    pub allow: Vec<Rule>,
    /// `deny` entries.
    pub deny: Vec<Rule>,
    /// `sourceRanges` (ingress) or `destinationRanges` (egress), index-aligned with the field.
    ranges: Vec<Option<Ipv4Net>>,
    /// The rule has no such field and GCE applies `0.0.0.0/0`.
    implied_any: bool,
    /// `disabled: true`.
    pub disabled: bool,
}

/// One `allow`/`deny` entry.
pub(crate) struct Rule {
    /// `protocol`, lower case (`tcp`, `udp`, `all`, a number).
    pub protocol: String,
    /// Inclusive port ranges; empty means every port.
    pub ports: Vec<(u16, u16)>,
}

impl Rule {
    /// True when both rules can match the same protocol.
    pub fn overlaps(&self, other: &Rule) -> bool {
        let norm = |p: &str| match p {
            "6" => "tcp".to_string(),
            "17" => "udp".to_string(),
            _ => p.to_string(),
        };
        let (a, b) = (norm(&self.protocol), norm(&other.protocol));
        a == "all" || b == "all" || a == b
    }
}

impl<'a> Firewall<'a> {
    fn parse(item: &'a Item) -> Self {
        let spec = &item.value()["spec"];
        let egress = spec["direction"]
            .as_str()
            .is_some_and(|d| d.eq_ignore_ascii_case("EGRESS"));
        let field = if egress {
            "destinationRanges"
        } else {
            "sourceRanges"
        };
        let ranges: Vec<Option<Ipv4Net>> = array(&spec[field])
            .iter()
            .map(|r| r.as_str().and_then(parse_net))
            .collect();
        let has_other_source =
            !egress && (spec["sourceTags"].is_array() || spec["sourceServiceAccounts"].is_array());
        let rules = |key: &str| -> Vec<Rule> {
            array(&spec[key])
                .iter()
                .map(|r| Rule {
                    protocol: r["protocol"].as_str().unwrap_or("").to_ascii_lowercase(),
                    ports: array(&r["ports"]).iter().filter_map(parse_ports).collect(),
                })
                .collect()
        };
        Firewall {
            item,
            egress,
            priority: spec["priority"].as_i64().unwrap_or(DEFAULT_PRIORITY),
            allow: rules("allow"),
            deny: rules("deny"),
            implied_any: spec[field].is_null() && !has_other_source,
            ranges,
            disabled: truthy(&spec["disabled"]),
        }
    }

    /// The rule's name.
    pub fn name(&self) -> &'a str {
        self.item.name()
    }

    /// Source ranges (ingress) or destination ranges (egress) as written, `None` where a value
    /// does not parse; `0.0.0.0/0` when GCE implies it.
    pub fn ranges(&self) -> Vec<Option<Ipv4Net>> {
        if self.implied_any {
            vec![Some(Ipv4Net::default())]
        } else {
            self.ranges.clone()
        }
    }

    /// The JSON field holding [`Firewall::ranges`].
    pub fn range_field(&self) -> &'static str {
        if self.egress {
            "destinationRanges"
        } else {
            "sourceRanges"
        }
    }
}

/// `x.y/n` or a bare address (`/32`); `None` for anything else (IPv6 included).
pub(crate) fn parse_net(s: &str) -> Option<Ipv4Net> {
    let s = s.trim();
    s.parse::<Ipv4Net>()
        .ok()
        .or_else(|| s.parse::<Ipv4Addr>().ok().map(Ipv4Net::from))
}

/// `"443"`, `"0-65535"` or a number.
fn parse_ports(v: &Value) -> Option<(u16, u16)> {
    if let Some(n) = v.as_u64() {
        let p = u16::try_from(n).ok()?;
        return Some((p, p));
    }
    let s = v.as_str()?.trim();
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let p = s.parse().ok()?;
            Some((p, p))
        }
    }
}

/// True inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.
pub(crate) fn is_rfc1918(net: &Ipv4Net) -> bool {
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        .iter()
        .filter_map(|r| r.parse::<Ipv4Net>().ok())
        .any(|r| r.contains(net))
}

/// The region of a GCP location: `us-central1-a` → `us-central1`, `us-central1` → itself;
/// `None` for anything that is not a GCP location name. The one rule of `gke::location`.
pub(crate) fn region_of(location: &str) -> Option<String> {
    crate::gke::location::region_of_location(location).map(str::to_string)
}

/// The name a `*Ref` reaches: `name`, or the last path segment of `external`.
pub(crate) fn ref_name(r: &Value) -> Option<String> {
    if let Some(n) = r["name"].as_str() {
        return Some(n.to_string());
    }
    r["external"]
        .as_str()
        .map(|e| e.rsplit('/').next().unwrap_or(e).to_string())
}

/// The network a resource is on (`spec.networkRef`).
pub(crate) fn network_of(value: &Value) -> Option<String> {
    ref_name(&value["spec"]["networkRef"])
}

/// True for the `apiVersion` of a Config Connector resource (API group ending
/// `cnrm.cloud.google.com`).
fn is_cnrm_api(api_version: &str) -> bool {
    let api_version = api_version.as_bytes();
    let group_end = api_version.iter().position(|&b| b == b'/');
    api_version[..group_end.unwrap_or(api_version.len())].ends_with(b"cnrm.cloud.google.com")
}

/// `true`, or the string `"true"` (setter values arrive as strings).
pub(crate) fn truthy(v: &Value) -> bool {
    v.as_bool().unwrap_or(false) || v.as_str() == Some("true")
}

/// The elements of a JSON array (empty for anything else).
pub(crate) fn array(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// `a, b, c` with each name in backticks.
pub(crate) fn list<'s>(names: impl IntoIterator<Item = &'s str>) -> String {
    names
        .into_iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn regions_of_locations() {
        for (location, region) in [
            ("us-central1-a", Some("us-central1")),
            ("us-central1", Some("us-central1")),
            ("europe-west4-b", Some("europe-west4")),
            ("northamerica-northeast1", Some("northamerica-northeast1")),
            ("testLocation", None),
            ("us-east1-dd", None),
            ("", None),
        ] {
            assert_eq!(region_of(location).as_deref(), region, "{location}");
        }
    }

    #[test]
    fn ports_and_nets_parse() {
        for (v, want) in [
            (json!("443"), Some((443, 443))),
            (json!("0-65535"), Some((0, 65535))),
            (json!(8443), Some((8443, 8443))),
            (json!("http"), None),
            (json!(70000), None),
        ] {
            assert_eq!(parse_ports(&v), want, "{v}");
        }
        assert_eq!(parse_net("3.211.199.249"), "3.211.199.249/32".parse().ok());
        assert_eq!(parse_net("10.1.0.0/16"), "10.1.0.0/16".parse().ok());
        assert_eq!(parse_net("::/0"), None);
    }

    #[test]
    fn rfc1918() {
        for (net, want) in [
            ("172.16.0.32/28", true),
            ("10.10.10.0/24", true),
            ("192.168.4.0/28", true),
            ("172.32.0.0/28", false),
            ("100.64.0.0/28", false),
        ] {
            assert_eq!(is_rfc1918(&net.parse().unwrap()), want, "{net}");
        }
    }

    #[test]
    fn rules_overlap_by_protocol() {
        let rule = |p: &str, ports: &[(u16, u16)]| Rule {
            protocol: p.to_string(),
            ports: ports.to_vec(),
        };
        assert!(rule("tcp", &[]).overlaps(&rule("6", &[])));
        assert!(!rule("tcp", &[]).overlaps(&rule("udp", &[])));
    }
}
