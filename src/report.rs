//! The connectivity report a user can put in a pull request: a Markdown table of the flows and a
//! Mermaid diagram of the network (cluster, master range, subnet and ranges, NAT, VIP route, DNS
//! zones, the flows between them), each blocked flow marked. Plain string building.

use crate::model::flows::{Flows, Place, Verdict};
use crate::model::{network_of, parse_net, Ctx};
use std::fmt::Write as _;

/// The report for the selected private cluster; `None` when the checks did not model one.
pub(crate) fn markdown(ctx: &Ctx, flows: &Flows) -> Option<String> {
    let cluster = ctx.cluster.as_ref().filter(|c| c.private)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Connectivity report: cluster `{}`\n",
        cluster.item.name()
    );
    let _ = writeln!(out, "{}.\n", flows.summary(cluster.item.name()));
    out.push_str("| | flow | traffic | verdict | by |\n|---|---|---|---|---|\n");
    for (i, f) in flows.flows.iter().enumerate() {
        let verdict = match f.verdict {
            Verdict::Allowed => "✅ allowed",
            Verdict::Blocked => "❌ **blocked**",
            Verdict::Policy => "⛔ denied by policy",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {verdict} | {} |",
            i + 1,
            cell(&f.name),
            cell(&f.traffic),
            cell(&f.cause)
        );
    }
    let blocked: Vec<_> = flows
        .flows
        .iter()
        .filter(|f| f.verdict == Verdict::Blocked)
        .collect();
    if !blocked.is_empty() {
        out.push_str("\n## Fixes\n\n");
        for f in blocked {
            let _ = writeln!(out, "- **{}** ({}): {}", f.name, f.traffic, f.fix);
        }
    }
    out.push_str("\n## Network\n\n```mermaid\n");
    out.push_str(&diagram(ctx, flows));
    out.push_str("```\n");
    Some(out)
}

/// A table cell: no line breaks, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Mermaid label: quotes and backticks out.
fn label(s: &str) -> String {
    s.replace('"', "#quot;").replace('`', "")
}

/// The Mermaid id of a diagram place.
fn id(place: Place) -> &'static str {
    match place {
        Place::Nodes => "nodes",
        Place::Pods => "pods",
        Place::Master => "master",
        Place::Vip => "vip",
        Place::Internet => "internet",
        Place::Health => "health",
    }
}

/// The `flowchart` text.
fn diagram(ctx: &Ctx, flows: &Flows) -> String {
    let mut d = String::from("flowchart LR\n");
    let Some(cluster) = ctx.cluster.as_ref() else {
        return d;
    };
    let subnet = ctx.subnet();
    let subnet_text = match (subnet, ctx.subnet_ranges.first()) {
        (Some(s), Some(range)) => format!(
            "subnet {} {range}{}",
            s.name(),
            s.value()["spec"]["region"]
                .as_str()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        _ => format!(
            "subnet {}",
            cluster
                .subnetwork
                .as_deref()
                .unwrap_or("(not in the package)")
        ),
    };
    let _ = writeln!(d, "  subgraph vpc[\"network {}\"]", label(&cluster.network));
    let _ = writeln!(
        d,
        "    nodes[\"nodes of cluster {}<br/>{}\"]",
        label(cluster.item.name()),
        label(&subnet_text)
    );
    let ranges: Vec<String> = ctx
        .subnet_ranges
        .iter()
        .skip(1)
        .map(|r| r.to_string())
        .collect();
    let _ = writeln!(
        d,
        "    pods[\"pods and services<br/>{}\"]",
        if ranges.is_empty() {
            "ranges unknown".to_string()
        } else {
            ranges.join(", ")
        }
    );
    let mut extras = Vec::new();
    if let Some((router, nat)) = ctx.nat() {
        let _ = writeln!(
            d,
            "    nat[\"Cloud NAT {}<br/>router {} ({})\"]",
            label(nat.name()),
            label(router.name()),
            label(nat.value()["spec"]["region"].as_str().unwrap_or("?"))
        );
        extras.push("  nat -.-> internet".to_string());
    }
    for (routes, r) in ctx
        .cnrm("ComputeRoute")
        .filter(|r| network_of(r.value()).as_deref() == Some(cluster.network.as_str()))
        .enumerate()
    {
        let dest = r.value()["spec"]["destRange"].as_str().unwrap_or("?");
        let to = if parse_net(dest).is_some_and(|n| n.prefix_len() == 0) {
            "internet"
        } else {
            "vip"
        };
        let _ = writeln!(
            d,
            "    route{routes}[\"route {}<br/>{dest}\"]",
            label(r.name())
        );
        extras.push(format!("  route{routes} -.-> {to}"));
    }
    for (i, (zone, name)) in flows.zones.iter().enumerate() {
        let _ = writeln!(
            d,
            "    zone{i}[(\"DNS zone {}<br/>{name}.\")]",
            label(zone.name())
        );
        extras.push(format!("  zone{i} -.-> vip"));
    }
    d.push_str("  end\n");
    let _ = writeln!(
        d,
        "  master[\"master range {}\"]",
        cluster
            .master
            .map(|m| m.to_string())
            .unwrap_or_else(|| "unknown".into())
    );
    d.push_str("  vip[\"Google APIs VIP / public Google\"]\n  internet((internet))\n");
    d.push_str("  health[\"health checks\"]\n");
    let mut edges = 0;
    for e in &extras {
        d.push_str(e);
        d.push('\n');
        edges += 1;
    }
    // One edge per (from, to) for the allowed flows, one per blocked or denied flow.
    let mut groups: Vec<(Place, Place, Vec<String>, Vec<String>)> = Vec::new();
    let mut red = Vec::new();
    for f in &flows.flows {
        match f.verdict {
            Verdict::Allowed => {
                let rule: Vec<String> = f.rule.iter().cloned().collect();
                match groups
                    .iter_mut()
                    .find(|(a, b, _, _)| *a == f.from && *b == f.to)
                {
                    Some((_, _, t, r)) => {
                        t.push(f.traffic.clone());
                        r.extend(rule);
                    }
                    None => groups.push((f.from, f.to, vec![f.traffic.clone()], rule)),
                }
            }
            Verdict::Blocked | Verdict::Policy => {
                let mark = if f.verdict == Verdict::Blocked {
                    "✗ BLOCKED"
                } else {
                    "denied by policy"
                };
                let by = f
                    .rule
                    .as_ref()
                    .map(|r| format!(" by {r}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    d,
                    "  {} -.->|\"{mark}: {}<br/>{}{}\"| {}",
                    id(f.from),
                    label(&f.name),
                    label(&f.traffic),
                    label(&by),
                    id(f.to)
                );
                if f.verdict == Verdict::Blocked {
                    red.push(edges);
                }
                edges += 1;
            }
        }
    }
    for (from, to, traffic, rules) in groups {
        let mut t = traffic;
        t.dedup();
        let mut r: Vec<String> = Vec::new();
        for rule in rules {
            if !r.contains(&rule) {
                r.push(rule);
            }
        }
        let _ = writeln!(
            d,
            "  {} -->|\"✓ {}<br/>{}\"| {}",
            id(from),
            label(&t.join(", ")),
            label(&r.join(", ")),
            id(to)
        );
    }
    for e in red {
        let _ = writeln!(d, "  linkStyle {e} stroke:#d00,stroke-width:3px");
    }
    d
}
