//! GCP's evaluation order over hand-written rules: priority, deny wins a tie, protocols, ports
//! and port ranges, ranges that hold the peer or only part of it, direction, disabled rules,
//! implied rules and GKE's own master rule.

use super::*;
use crate::krm::Item;
use serde_json::{json, Value};

fn items(rules: &[Value]) -> Vec<Item> {
    rules
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            Item::generated(
                json!({"apiVersion": "compute.cnrm.cloud.google.com/v1beta1",
                       "kind": "ComputeFirewall", "metadata": {"name": format!("r{i}")},
                       "spec": spec}),
                None,
            )
        })
        .collect()
}

fn net(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

/// (allowed, deciding rule) for egress to `peer`.
fn egress(specs: &[Value], peer: &str, proto: Proto, port: Option<u16>) -> (bool, String) {
    let items = items(specs);
    let rules: Vec<Firewall> = items.iter().map(Firewall::parse).collect();
    let d = evaluate(&rules, true, &net(peer), proto, port, None);
    (d.allowed, d.short())
}

fn deny_all(protocol: &str, priority: i64) -> Value {
    json!({"direction": "EGRESS", "priority": priority, "destinationRanges": ["0.0.0.0/0"],
           "deny": [{"protocol": protocol}]})
}

fn allow(protocol: &str, ports: &[&str], dest: &str, priority: i64) -> Value {
    json!({"direction": "EGRESS", "priority": priority, "destinationRanges": [dest],
           "allow": [{"protocol": protocol, "ports": ports}]})
}

#[test]
fn lowest_priority_number_wins_and_deny_wins_a_tie() {
    let specs = [
        deny_all("tcp", 1100),
        allow("tcp", &["443"], "10.0.0.0/8", 1000),
    ];
    assert_eq!(
        egress(&specs, "10.1.0.0/16", Proto::Tcp, Some(443)),
        (true, "r1".into())
    );
    let specs = [
        deny_all("tcp", 900),
        allow("tcp", &["443"], "10.0.0.0/8", 1000),
    ];
    assert_eq!(
        egress(&specs, "10.1.0.0/16", Proto::Tcp, Some(443)),
        (false, "r0".into())
    );
    let specs = [
        allow("tcp", &["443"], "10.0.0.0/8", 1000),
        deny_all("tcp", 1000),
    ];
    assert_eq!(
        egress(&specs, "10.1.0.0/16", Proto::Tcp, Some(443)),
        (false, "r1".into())
    );
}

#[test]
fn protocols_all_tcp_udp_icmp() {
    let tcp_only = [deny_all("tcp", 1100)];
    assert!(!egress(&tcp_only, "8.8.8.8/32", Proto::Tcp, Some(443)).0);
    assert_eq!(
        egress(&tcp_only, "8.8.8.8/32", Proto::Udp, Some(53)),
        (true, "implied rule".into())
    );
    assert!(egress(&tcp_only, "8.8.8.8/32", Proto::Icmp, None).0);
    let all = [deny_all("all", 1100)];
    for proto in [Proto::Tcp, Proto::Udp, Proto::Icmp] {
        assert!(!egress(&all, "8.8.8.8/32", proto, Some(53)).0, "{proto:?}");
    }
    let numbered = [deny_all("17", 1100)];
    assert!(!egress(&numbered, "8.8.8.8/32", Proto::Udp, Some(53)).0);
    assert!(egress(&numbered, "8.8.8.8/32", Proto::Tcp, Some(53)).0);
}

#[test]
fn ports_and_port_ranges() {
    let specs = [
        deny_all("all", 1100),
        allow("tcp", &["443", "8000-8999"], "0.0.0.0/0", 1000),
    ];
    assert!(egress(&specs, "8.8.8.8/32", Proto::Tcp, Some(443)).0);
    assert!(egress(&specs, "8.8.8.8/32", Proto::Tcp, Some(8443)).0);
    assert!(!egress(&specs, "8.8.8.8/32", Proto::Tcp, Some(9443)).0);
    assert!(!egress(&specs, "8.8.8.8/32", Proto::Udp, Some(443)).0);
    // No ports: every port of the protocol.
    let specs = [deny_all("all", 1100), allow("udp", &[], "0.0.0.0/0", 1000)];
    assert!(egress(&specs, "8.8.8.8/32", Proto::Udp, Some(1)).0);
}

#[test]
fn ranges_must_hold_the_whole_peer() {
    let specs = [
        deny_all("tcp", 1100),
        allow("tcp", &[], "10.1.0.0/17", 1000),
    ];
    // Half of the pods range is allowed: the rest is denied.
    let items = items(&specs);
    let rules: Vec<Firewall> = items.iter().map(Firewall::parse).collect();
    let d = evaluate(&rules, true, &net("10.1.0.0/16"), Proto::Tcp, None, None);
    assert!(!d.allowed);
    assert_eq!(d.partial.len(), 1);
    assert!(egress(&specs, "10.1.0.0/24", Proto::Tcp, None).0);
}

#[test]
fn direction_and_disabled_rules() {
    let mut disabled = allow("tcp", &[], "0.0.0.0/0", 1000);
    disabled["disabled"] = json!(true);
    let specs = [deny_all("tcp", 1100), disabled];
    assert_eq!(
        egress(&specs, "8.8.8.8/32", Proto::Tcp, Some(443)),
        (false, "r0".into())
    );
    // An INGRESS allow does nothing for egress; ingress with no rule is the implied deny.
    let ingress = json!({"sourceRanges": ["0.0.0.0/0"], "allow": [{"protocol": "all"}]});
    let specs = [deny_all("tcp", 1100), ingress];
    assert!(!egress(&specs, "8.8.8.8/32", Proto::Tcp, Some(443)).0);
    let items = items(&[]);
    let rules: Vec<Firewall> = items.iter().map(Firewall::parse).collect();
    let d = evaluate(&rules, false, &net("35.191.0.0/16"), Proto::Tcp, None, None);
    assert!(!d.allowed);
    assert_eq!(
        d.describe(false),
        "the implied deny-ingress rule (priority 65535)"
    );
    assert!(evaluate(&rules, true, &net("8.8.8.8/32"), Proto::Tcp, None, None).allowed);
}

#[test]
fn gke_master_rule_opens_443_and_10250_only() {
    let items = items(&[]);
    let rules: Vec<Firewall> = items.iter().map(Firewall::parse).collect();
    let master = net("172.16.0.32/28");
    let ingress = |port| {
        evaluate(
            &rules,
            false,
            &master,
            Proto::Tcp,
            Some(port),
            Some(&master),
        )
    };
    assert!(ingress(443).allowed);
    assert!(ingress(10250).allowed);
    assert!(!ingress(8443).allowed);
    // A user's deny from the master range above GKE's rule wins.
    let deny = json!({"priority": 900, "sourceRanges": ["172.16.0.32/28"],
                      "deny": [{"protocol": "tcp"}]});
    let items = super::tests::items(&[deny]);
    let rules: Vec<Firewall> = items.iter().map(Firewall::parse).collect();
    let d = evaluate(&rules, false, &master, Proto::Tcp, Some(443), Some(&master));
    assert_eq!((d.allowed, d.short()), (false, "r0".to_string()));
}

#[test]
fn near_misses_name_the_rule_that_almost_allows() {
    let mut other = allow("tcp", &["443"], "172.16.0.32/28", 1000);
    other["networkRef"] = json!({"name": "other"});
    let mut stale = allow("tcp", &["443"], "172.16.0.32/28", 1000);
    stale["networkRef"] = json!({"name": "net"});
    for (spec, why, field) in [
        (other, "is on network `other`", "spec.networkRef"),
        (
            stale,
            "which do not hold 172.16.0.48/28",
            "spec.destinationRanges",
        ),
    ] {
        let items = items(&[spec]);
        let rules: Vec<Firewall> = items.iter().map(Firewall::parse).collect();
        let peer = if why.contains("other") {
            net("172.16.0.32/28")
        } else {
            net("172.16.0.48/28")
        };
        let (_, text, at) =
            near_miss(&rules, "net", true, &peer, Proto::Tcp, Some(443), 1100).expect(why);
        assert!(text.contains(why), "{text}");
        assert_eq!(at, field);
    }
}
