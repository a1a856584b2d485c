//! Names: every Config Connector resource name GCP sees is an RFC 1035 label within the kind's
//! length limit.
//!
//! The name GCP sees is `spec.resourceID` when set, else `metadata.name`. Kinds whose
//! `metadata.name` is not an RFC 1035 GCP resource name are skipped: `Service` and `CloudService`
//! (API names with dots), the IAM policy kinds, `DNSRecordSet` (GCP uses `spec.name`), and kinds
//! whose GCP names follow other rules (buckets and BigQuery ids take dots or underscores, custom
//! roles, Pub/Sub and Secret Manager ids take underscores; a network firewall policy rule's
//! `resourceID` is its priority). Upper-case letters are a
//! warning, not an error: RFC 1035 allows them, GCP and Kubernetes do not, and the upstream
//! golden output uses placeholder values such as `testKptName`.

use super::Ctx;
use crate::krm::KrmResult;

/// Kinds whose `metadata.name` GCP never sees as a resource name.
const NOT_GCP_NAMES: [&str; 16] = [
    "Service",
    // A policy rule's `resourceID` is its priority, its association's a plain id.
    "ComputeNetworkFirewallPolicyRule",
    "ComputeNetworkFirewallPolicyAssociation",
    "CloudService",
    "StorageBucket",
    "BigQueryDataset",
    "BigQueryTable",
    "IAMCustomRole",
    "PubSubTopic",
    "PubSubSubscription",
    "SecretManagerSecret",
    "IAMPolicy",
    "IAMPolicyMember",
    "IAMPartialPolicy",
    "IAMAuditConfig",
    "DNSRecordSet",
];

/// Longest name GCP accepts for a kind.
fn max_len(kind: &str) -> usize {
    match kind {
        "ContainerCluster" => 40,
        "IAMServiceAccount" => 30,
        _ => 63,
    }
}

/// What is wrong with a name, as an RFC 1035 label (case aside).
fn shape_problem(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Some("is empty");
    }
    if !bytes[0].is_ascii_alphabetic() {
        return Some("does not start with a letter");
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
    {
        return Some("has characters other than letters, digits and `-`");
    }
    if bytes[bytes.len() - 1] == b'-' {
        return Some("ends with `-`");
    }
    None
}

/// Check every Config Connector name.
pub(super) fn check(ctx: &Ctx, out: &mut Vec<KrmResult>) {
    for (item, meta) in ctx.items.iter().zip(&ctx.meta) {
        if !meta.cnrm {
            continue;
        }
        let kind = meta.kind;
        if NOT_GCP_NAMES.contains(&kind) {
            continue;
        }
        let (name, path) = match item.str_at(&["spec", "resourceID"]) {
            Some(id) => (id, "spec.resourceID"),
            None => (meta.name, "metadata.name"),
        };
        let limit = max_len(kind);
        let result = if name.len() > limit {
            KrmResult::error(format!(
                "{kind} name `{name}` is {} characters; GCP accepts at most {limit} for a {kind}, \
                 so Config Connector never creates it. Fix: shorten the name (the `name` setter \
                 is the usual prefix)",
                name.len()
            ))
        } else if let Some(problem) = shape_problem(name) {
            KrmResult::error(format!(
                "{kind} name `{name}` {problem}: GCP accepts only RFC 1035 names \
                 ([a-z]([-a-z0-9]*[a-z0-9])?), so Config Connector never creates it. Fix: rename it"
            ))
        } else if name.bytes().any(|b| b.is_ascii_uppercase()) {
            KrmResult::warning(format!(
                "{kind} name `{name}` has upper-case letters: Kubernetes and GCP accept only \
                 lower-case names, so the apply is rejected. Fix: use a lower-case value (the \
                 `name` setter is the usual prefix)"
            ))
        } else {
            continue;
        };
        out.push(
            result
                .for_item(item)
                .at_field(path, Some(name.into()), None)
                .tag("check", "names"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        for (name, want) in [
            ("kf-storage", None),
            ("a", None),
            ("testKptName-vm", None),
            ("", Some("is empty")),
            ("1abc", Some("does not start with a letter")),
            ("-abc", Some("does not start with a letter")),
            (
                "a.b",
                Some("has characters other than letters, digits and `-`"),
            ),
            (
                "a_b",
                Some("has characters other than letters, digits and `-`"),
            ),
            ("abc-", Some("ends with `-`")),
        ] {
            assert_eq!(shape_problem(name), want, "{name}");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(max_len("ContainerCluster"), 40);
        assert_eq!(max_len("IAMServiceAccount"), 30);
        assert_eq!(max_len("ComputeFirewall"), 63);
    }
}
