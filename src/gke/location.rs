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
}
