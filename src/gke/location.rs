//! GCP region and zone names: what is a region, which zones belong to it.

/// `us-central1`, `europe-west1`, `northamerica-northeast1`: lowercase words joined by `-`, the
/// last ending in digits.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() < 2 {
        return false;
    }
    let (last, words) = parts.split_last().unwrap_or((&"", &[]));
    let digits = last.trim_start_matches(|c: char| c.is_ascii_lowercase());
    words
        .iter()
        .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
        && digits.len() < last.len()
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
}

/// The region of a zone name (`us-east1-b` → `us-east1`), when `s` is one.
pub fn region_of_zone(s: &str) -> Option<&str> {
    let (region, letter) = s.rsplit_once('-')?;
    (letter.len() == 1 && letter.chars().all(|c| c.is_ascii_lowercase()) && is_region(region))
        .then_some(region)
}

/// The region a location stands for: itself when a region, its region when a zone.
pub fn region_of_location(s: &str) -> Option<&str> {
    if is_region(s) {
        Some(s)
    } else {
        region_of_zone(s)
    }
}

/// Why a given region or zone cannot stand beside the cluster's current location when
/// `location` is not given: GKE cannot move a cluster, so the location stays and the two would
/// disagree. `None` when they agree or the location names no region (a placeholder).
pub fn contradiction(
    region: Option<&str>,
    zone: Option<&str>,
    cluster_location: &str,
) -> Option<(&'static str, String)> {
    let cluster_region = region_of_location(cluster_location)?;
    let (key, value, given_region) = match (region, zone) {
        (Some(r), _) => ("region", r, r),
        (None, Some(z)) => ("zone", z, region_of_zone(z)?),
        (None, None) => return None,
    };
    (given_region != cluster_region).then(|| {
        (
            key,
            format!(
                "{key}: {value:?} contradicts the cluster's location {cluster_location:?} (region \
                 {cluster_region:?}); the location is left as is because GKE cannot move a \
                 cluster: set {key} to match it, or set location as well to move the cluster on \
                 purpose (GKE then deletes and recreates it)"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_and_zone_names() {
        let cases: &[(&str, bool, Option<&str>)] = &[
            ("us-central1", true, None),
            ("europe-west1", true, None),
            ("northamerica-northeast1", true, None),
            ("us-east1-d", false, Some("us-east1")),
            ("asia-southeast1-a", false, Some("asia-southeast1")),
            ("testRegion", false, None),
            ("LOCATION", false, None),
            ("us-central", false, None),
            ("us-central1-ab", false, None),
            ("", false, None),
        ];
        for (name, region, zone_region) in cases {
            assert_eq!(is_region(name), *region, "{name}");
            assert_eq!(region_of_zone(name), *zone_region, "{name}");
        }
        assert_eq!(region_of_location("us-east1"), Some("us-east1"));
        assert_eq!(region_of_location("us-east1-c"), Some("us-east1"));
        assert_eq!(region_of_location("testLocation"), None);
    }

    #[test]
    fn contradictions_between_settings_and_the_clusters_location() {
        let key = |r, z, l| contradiction(r, z, l).map(|(k, _)| k);
        assert_eq!(
            key(Some("europe-west1"), None, "us-central1-c"),
            Some("region")
        );
        assert_eq!(
            key(Some("europe-west1"), None, "us-central1"),
            Some("region")
        );
        assert_eq!(
            key(None, Some("europe-west1-b"), "us-central1-c"),
            Some("zone")
        );
        assert_eq!(key(Some("us-central1"), None, "us-central1-c"), None);
        assert_eq!(key(None, Some("us-central1-a"), "us-central1-c"), None);
        assert_eq!(key(Some("europe-west1"), None, "testLocation"), None);
        assert_eq!(key(None, None, "us-central1-c"), None);
        let (_, message) = contradiction(Some("europe-west1"), None, "us-central1-c").unwrap();
        assert!(message.starts_with(
            "region: \"europe-west1\" contradicts the cluster's location \"us-central1-c\" (region \"us-central1\")"
        ), "{message}");
    }
}
