//! kpt v1 setter patterns: `${name}` markers, substitution, and deriving missing values from a
//! field's current value.

use std::collections::BTreeMap;

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text that must appear as is.
    Literal(String),
    /// A `${name}` marker.
    Setter(String),
}

/// A parsed `# kpt-set:` pattern such as `${image}:${tag}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The pattern as written.
    pub text: String,
    /// Literals and markers in order.
    pub segments: Vec<Segment>,
}

/// Why missing setter values could not be derived from a field's current value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeriveError {
    /// The current value does not match the pattern.
    NoMatch,
    /// The current value matches the pattern in more than one way.
    Ambiguous,
}

/// Upper bound on matching steps, so a pathological pattern cannot take long.
const STEP_BUDGET: usize = 200_000;

impl Pattern {
    /// Parse a pattern: `${` up to the next `}` is a marker (names are any text without `}`);
    /// an unterminated `${` or an empty `${}` is literal text.
    pub fn parse(text: &str) -> Pattern {
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            match after.find('}') {
                Some(end) if end > 0 => {
                    literal.push_str(&rest[..start]);
                    if !literal.is_empty() {
                        segments.push(Segment::Literal(std::mem::take(&mut literal)));
                    }
                    segments.push(Segment::Setter(after[..end].to_string()));
                    rest = &after[end + 1..];
                }
                _ => {
                    literal.push_str(&rest[..start + 2]);
                    rest = after;
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal));
        }
        Pattern {
            text: text.to_string(),
            segments,
        }
    }

    /// Setter names in order of first appearance, without repeats.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for seg in &self.segments {
            if let Segment::Setter(name) = seg {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// The name when the pattern is exactly one marker (`${name}`), as array setters require.
    pub fn single_setter(&self) -> Option<&str> {
        match self.segments.as_slice() {
            [Segment::Setter(name)] => Some(name),
            _ => None,
        }
    }

    /// The pattern with every marker replaced by its value (`None`: the marker is kept as written).
    pub fn render<'v>(&self, value: impl Fn(&str) -> Option<&'v str>) -> String {
        let mut out = String::with_capacity(self.text.len());
        for seg in &self.segments {
            match seg {
                Segment::Literal(text) => out.push_str(text),
                Segment::Setter(name) => match value(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push_str("${");
                        out.push_str(name);
                        out.push('}');
                    }
                },
            }
        }
        out
    }

    /// Values of the `missing` names read off `current`, where each marker stands for any text
    /// (`(.*)`, the whole value must match, a name used twice must match the same text).
    /// Errors when no reading exists, or when readings disagree on a missing name's value.
    pub fn derive(
        &self,
        current: &str,
        missing: &[&str],
    ) -> Result<BTreeMap<String, String>, DeriveError> {
        let mut matcher = Matcher {
            segments: &self.segments,
            subject: current,
            missing,
            assigned: Vec::new(),
            found: Vec::new(),
            steps: 0,
        };
        if let Some(Segment::Literal(last)) = self.segments.last() {
            if !current.ends_with(last.as_str()) {
                return Err(DeriveError::NoMatch);
            }
        }
        matcher.run(0, 0);
        if matcher.steps > STEP_BUDGET {
            return Err(DeriveError::Ambiguous);
        }
        match matcher.found.len() {
            0 => Err(DeriveError::NoMatch),
            1 => Ok(matcher.found.pop().unwrap_or_default()),
            _ => Err(DeriveError::Ambiguous),
        }
    }
}

/// Backtracking matcher that collects the distinct readings of the missing names (at most two).
struct Matcher<'a> {
    segments: &'a [Segment],
    subject: &'a str,
    missing: &'a [&'a str],
    assigned: Vec<(&'a str, &'a str)>,
    found: Vec<BTreeMap<String, String>>,
    steps: usize,
}

impl<'a> Matcher<'a> {
    fn done(&self) -> bool {
        self.found.len() >= 2 || self.steps > STEP_BUDGET
    }

    fn run(&mut self, index: usize, pos: usize) {
        self.steps += 1;
        if self.done() {
            return;
        }
        let rest = &self.subject[pos..];
        let Some(segment) = self.segments.get(index) else {
            if rest.is_empty() {
                self.record();
            }
            return;
        };
        match segment {
            Segment::Literal(text) => {
                if rest.starts_with(text.as_str()) {
                    self.run(index + 1, pos + text.len());
                }
            }
            Segment::Setter(name) => {
                if let Some(&(_, value)) = self.assigned.iter().find(|(n, _)| n == name) {
                    if rest.starts_with(value) {
                        self.run(index + 1, pos + value.len());
                    }
                    return;
                }
                let ends: Vec<usize> = match self.segments.get(index + 1) {
                    // Only where the next literal starts (every occurrence, overlapping too).
                    Some(Segment::Literal(next)) => rest
                        .char_indices()
                        .map(|(i, _)| i)
                        .filter(|&i| rest[i..].starts_with(next.as_str()))
                        .map(|i| pos + i)
                        .collect(),
                    // Last marker: it takes the rest.
                    None => vec![self.subject.len()],
                    _ => rest
                        .char_indices()
                        .map(|(i, _)| pos + i)
                        .chain(std::iter::once(self.subject.len()))
                        .collect(),
                };
                for end in ends.into_iter().rev() {
                    if self.done() {
                        return;
                    }
                    self.assigned.push((name, &self.subject[pos..end]));
                    self.run(index + 1, end);
                    self.assigned.pop();
                }
            }
        }
    }

    fn record(&mut self) {
        let reading: BTreeMap<String, String> = self
            .missing
            .iter()
            .filter_map(|m| {
                self.assigned
                    .iter()
                    .find(|(n, _)| n == m)
                    .map(|(n, v)| (n.to_string(), v.to_string()))
            })
            .collect();
        if !self.found.contains(&reading) {
            self.found.push(reading);
        }
    }
}

/// The names of the `${name}` markers of pattern text in order, repeats included, as
/// [`Pattern::parse`] reads them, without building the pattern.
pub fn marker_names(text: &str) -> impl Iterator<Item = &str> + Clone {
    let mut rest = text;
    std::iter::from_fn(move || {
        // `$`, `{` and `}` are ASCII: byte offsets next to them are char boundaries.
        let b = rest.as_bytes();
        let mut i = 0;
        while let Some(d) = b[i..].iter().position(|&c| c == b'$') {
            let start = i + d;
            if b.get(start + 1) != Some(&b'{') {
                i = start + 1;
                continue;
            }
            match b[start + 2..].iter().position(|&c| c == b'}') {
                Some(end) if end > 0 => {
                    let name = &rest[start + 2..start + 2 + end];
                    rest = &rest[start + 3 + end..];
                    return Some(name);
                }
                _ => i = start + 2,
            }
        }
        None
    })
}

/// `[${a} ${b}]`, the way apply-setters lists setter names in messages.
pub fn list_names<S: AsRef<str>>(names: &[S]) -> String {
    let inner: Vec<String> = names
        .iter()
        .map(|n| format!("${{{}}}", n.as_ref()))
        .collect();
    format!("[{}]", inner.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parse_markers_and_literals() {
        let cases: &[(&str, Vec<Segment>)] = &[
            (
                "${image}:${tag}",
                vec![
                    Segment::Setter("image".into()),
                    Segment::Literal(":".into()),
                    Segment::Setter("tag".into()),
                ],
            ),
            (
                "my-app.${stage}.${domain}",
                vec![
                    Segment::Literal("my-app.".into()),
                    Segment::Setter("stage".into()),
                    Segment::Literal(".".into()),
                    Segment::Setter("domain".into()),
                ],
            ),
            (
                "${gke.private}",
                vec![Segment::Setter("gke.private".into())],
            ),
            (
                "${image-~!@#$%^&*()<>?\"|}:x",
                vec![
                    Segment::Setter("image-~!@#$%^&*()<>?\"|".into()),
                    Segment::Literal(":x".into()),
                ],
            ),
            ("a${b", vec![Segment::Literal("a${b".into())]),
            ("${}x", vec![Segment::Literal("${}x".into())]),
            (
                "$${a}",
                vec![Segment::Literal("$".into()), Segment::Setter("a".into())],
            ),
            ("", vec![]),
        ];
        for (text, want) in cases {
            assert_eq!(&Pattern::parse(text).segments, want, "pattern {text:?}");
        }
    }

    /// The names read off the text alone are the pattern's markers, for every tricky text.
    #[test]
    fn marker_names_are_the_parsed_markers() {
        let texts = [
            "${image}:${tag}",
            "a${b",
            "${}x",
            "$${a}",
            "${a${b}",
            "${a}}${b}",
            "${}${a}",
            "x${}}${y}z${",
            "${a}-${b}-${a}",
            "",
            "${ é }${",
        ];
        for text in texts {
            let pattern = Pattern::parse(text);
            let parsed: Vec<&str> = pattern
                .segments
                .iter()
                .filter_map(|s| match s {
                    Segment::Setter(n) => Some(n.as_str()),
                    Segment::Literal(_) => None,
                })
                .collect();
            let read: Vec<&str> = marker_names(text).collect();
            assert_eq!(read, parsed, "pattern {text:?}");
        }
    }

    #[test]
    fn names_single_and_render() {
        let p = Pattern::parse("${a}-${b}-${a}");
        assert_eq!(p.names(), vec!["a", "b"]);
        assert_eq!(p.single_setter(), None);
        assert_eq!(Pattern::parse("${images}").single_setter(), Some("images"));
        assert_eq!(Pattern::parse("x${images}").single_setter(), None);
        let out = p.render(|n| (n == "a").then_some("1"));
        assert_eq!(out, "1-${b}-1");
    }

    /// apply-setters' resolvePatternCases (TestCurrentSetterValues), all names missing.
    #[test]
    fn derive_apply_setters_cases() {
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
        let ok: &[Case] = &[
            (
                "foo-dev-bar-us-east-1-baz",
                "foo-${environment}-bar-${region}-baz",
                &[("environment", "dev"), ("region", "us-east-1")],
            ),
            (
                "gcr.io/my-app/my-app-backend:1.0.0",
                "${registry}/${app~!@#$%^&*()<>?:\"|}/${app-image-name}:${app-image-tag}",
                &[
                    ("registry", "gcr.io"),
                    ("app~!@#$%^&*()<>?:\"|", "my-app"),
                    ("app-image-name", "my-app-backend"),
                    ("app-image-tag", "1.0.0"),
                ],
            ),
            (
                "my-app-layer.dev.example.com",
                "my-app-layer.${stage}.${domain}.${tld}",
                &[("stage", "dev"), ("domain", "example"), ("tld", "com")],
            ),
        ];
        for (value, pattern, want) in ok {
            let p = Pattern::parse(pattern);
            let names = p.names();
            assert_eq!(
                p.derive(value, &names),
                Ok(map(want)),
                "{pattern} on {value}"
            );
        }
        let bad: &[(&str, &str, DeriveError)] = &[
            (
                "foo-dev-bar-us-east-1-baz",
                "${image}:${tag}",
                DeriveError::NoMatch,
            ),
            ("nginx:1.2", "${image}${tag}", DeriveError::Ambiguous),
            (
                "my-project/nginx:1.2",
                "${project-id}/${image}${tag}",
                DeriveError::Ambiguous,
            ),
            ("irrelevant_value", "${image}:${tag}", DeriveError::NoMatch),
        ];
        for (value, pattern, want) in bad {
            let p = Pattern::parse(pattern);
            let names = p.names();
            assert_eq!(
                p.derive(value, &names),
                Err(want.clone()),
                "{pattern} on {value}"
            );
        }
    }

    #[test]
    fn derive_only_missing_names_must_agree() {
        let p = Pattern::parse("${image}:${tag}");
        // Only `tag` is missing: two readings give two different tags.
        assert_eq!(p.derive("a:b:c", &["tag"]), Err(DeriveError::Ambiguous));
        assert_eq!(
            p.derive("nginx:1.7.9", &["tag"]),
            Ok(map(&[("tag", "1.7.9")]))
        );
        // An empty value is a value: `:1.7.1` (after `image: ""`) still derives `tag`.
        assert_eq!(p.derive(":1.7.1", &["tag"]), Ok(map(&[("tag", "1.7.1")])));
        // A repeated name must read the same text both times.
        let twice = Pattern::parse("${a}/${b}/${a}");
        assert_eq!(
            twice.derive("x/y/x", &["a", "b"]),
            Ok(map(&[("a", "x"), ("b", "y")]))
        );
        assert_eq!(
            twice.derive("x/y/z", &["a", "b"]),
            Err(DeriveError::NoMatch)
        );
        // Multi-byte text splits on character boundaries.
        assert_eq!(
            p.derive("é:ü", &["image", "tag"]),
            Ok(map(&[("image", "é"), ("tag", "ü")]))
        );
    }

    #[test]
    fn derive_is_bounded() {
        let p = Pattern::parse("${a}${b}${c}${d}${e}${f}x");
        let long = "y".repeat(400);
        assert_eq!(p.derive(&long, &["a"]), Err(DeriveError::NoMatch));
        assert_eq!(
            p.derive(&format!("{long}x"), &["a"]),
            Err(DeriveError::Ambiguous)
        );
    }

    #[test]
    fn list_names_like_apply_setters() {
        assert_eq!(list_names(&["tag"]), "[${tag}]");
        assert_eq!(list_names(&["a", "b"]), "[${a} ${b}]");
    }
}
