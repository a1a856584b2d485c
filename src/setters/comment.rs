//! Recognising setter comments: kpt v1 `kpt-set: <pattern>` and kpt v0 JSON references.

use super::pattern::Pattern;

/// Definition key prefix of a kpt v0 setter.
pub const SETTER_PREFIX: &str = "io.k8s.cli.setters.";
/// Definition key prefix of a kpt v0 substitution.
pub const SUBSTITUTION_PREFIX: &str = "io.k8s.cli.substitutions.";

/// A kpt v0 reference from a field to a Kptfile definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V0Ref {
    /// `{"$ref":"#/definitions/io.k8s.cli.setters.NAME"}`.
    Setter(String),
    /// `{"$ref":"#/definitions/io.k8s.cli.substitutions.NAME"}`.
    Substitution(String),
    /// `{"$kpt-set":"NAME"}` / `{"$openapi":"NAME"}`: a setter, else a substitution.
    Short(String),
}

impl V0Ref {
    /// The referenced name.
    pub fn name(&self) -> &str {
        match self {
            V0Ref::Setter(n) | V0Ref::Substitution(n) | V0Ref::Short(n) => n,
        }
    }
}

/// A setter comment found on a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetterComment {
    /// kpt v1 `# kpt-set: <pattern>`.
    V1(Pattern),
    /// kpt v0 JSON reference, with the comment text as written.
    V0(V0Ref, String),
}

impl std::fmt::Display for SetterComment {
    /// The comment's [`label`](SetterComment::label).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetterComment::V1(p) => write!(f, "\"kpt-set: {}\"", p.text),
            SetterComment::V0(_, text) => f.write_str(text),
        }
    }
}

impl SetterComment {
    /// The comment as written after `#`.
    pub fn text(&self) -> String {
        match self {
            SetterComment::V1(p) => format!("kpt-set: {}", p.text),
            SetterComment::V0(_, text) => text.clone(),
        }
    }

    /// The comment for messages: kpt v1 in double quotes, kpt v0 JSON as is.
    pub fn label(&self) -> String {
        match self {
            SetterComment::V1(_) => format!("\"{}\"", self.text()),
            SetterComment::V0(_, text) => text.clone(),
        }
    }
}

/// Parse a line comment (text after `#`, trimmed): kpt v1 or v0. `Ok(None)` when the comment is
/// not a setter comment; `Err` (message) when it looks like a v0 setter comment but is broken.
pub fn parse_line(text: &str) -> Result<Option<SetterComment>, String> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("kpt-set:") {
        return Ok(Some(SetterComment::V1(Pattern::parse(rest.trim()))));
    }
    parse_v0(text)
}

/// Parse a head comment (lines joined by `\n`): the first line that is a kpt v0 reference.
pub fn parse_head(text: &str) -> Result<Option<SetterComment>, String> {
    for line in text.lines() {
        if let Some(found) = parse_v0(line.trim())? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// False when a trimmed comment text is surely not a kpt v0 reference (it is one only if it
/// starts with `{` and holds one of the reference keys): a byte check before any parsing.
pub fn may_be_v0(text: &str) -> bool {
    text.starts_with('{')
        && text.contains("\"$")
        && ["\"$kpt-set\"", "\"$ref\"", "\"$openapi\""]
            .iter()
            .any(|k| text.contains(k))
}

/// False when a trimmed comment text is surely not a setter comment, broken or not:
/// [`parse_line`] gives `Ok(None)` then.
pub fn may_be_setter(text: &str) -> bool {
    text.starts_with("kpt-set:") || may_be_v0(text)
}

/// A kpt v0 JSON reference comment.
fn parse_v0(text: &str) -> Result<Option<SetterComment>, String> {
    if !may_be_v0(text) {
        return Ok(None);
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("setter comment {text} is not valid JSON: {e}"))?;
    let Some(obj) = value.as_object() else {
        return Err(format!("setter comment {text} is not a JSON object"));
    };
    let string = |key: &str| -> Result<Option<String>, String> {
        match obj.get(key) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(format!(
                "setter comment {text}: {key} must be a non-empty string"
            )),
        }
    };
    let found = if let Some(reference) = string("$ref")? {
        let path = reference
            .strip_prefix("#/definitions/")
            .ok_or_else(|| format!("setter comment {text}: $ref must start with #/definitions/"))?;
        if let Some(name) = path.strip_prefix(SETTER_PREFIX) {
            V0Ref::Setter(name.to_string())
        } else if let Some(name) = path.strip_prefix(SUBSTITUTION_PREFIX) {
            V0Ref::Substitution(name.to_string())
        } else {
            return Err(format!(
                "setter comment {text}: $ref must point to #/definitions/{SETTER_PREFIX}NAME or #/definitions/{SUBSTITUTION_PREFIX}NAME"
            ));
        }
    } else if let Some(name) = string("$kpt-set")? {
        V0Ref::Short(name)
    } else if let Some(name) = string("$openapi")? {
        V0Ref::Short(name)
    } else {
        return Ok(None);
    };
    Ok(Some(SetterComment::V0(found, text.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v0(r: V0Ref, text: &str) -> Result<Option<SetterComment>, String> {
        Ok(Some(SetterComment::V0(r, text.to_string())))
    }

    #[test]
    fn line_comments() {
        let cases: Vec<(&str, Result<Option<SetterComment>, String>)> = vec![
            ("kpt-set: ${app}", Ok(Some(SetterComment::V1(Pattern::parse("${app}"))))),
            (
                "kpt-set:   nginx:${tag}  ",
                Ok(Some(SetterComment::V1(Pattern::parse("nginx:${tag}")))),
            ),
            ("just a note", Ok(None)),
            ("{not json but no keys}", Ok(None)),
            ("{\"other\": 1}", Ok(None)),
            (
                "{\"$ref\": \"#/definitions/io.k8s.cli.setters.replicas\"}",
                v0(
                    V0Ref::Setter("replicas".into()),
                    "{\"$ref\": \"#/definitions/io.k8s.cli.setters.replicas\"}",
                ),
            ),
            (
                "{\"$ref\":\"#/definitions/io.k8s.cli.setters.foo.bar\"}",
                v0(
                    V0Ref::Setter("foo.bar".into()),
                    "{\"$ref\":\"#/definitions/io.k8s.cli.setters.foo.bar\"}",
                ),
            ),
            (
                "{\"$ref\":\"#/definitions/io.k8s.cli.substitutions.image\"}",
                v0(
                    V0Ref::Substitution("image".into()),
                    "{\"$ref\":\"#/definitions/io.k8s.cli.substitutions.image\"}",
                ),
            ),
            (
                "{\"$kpt-set\":\"name-vm\"}",
                v0(V0Ref::Short("name-vm".into()), "{\"$kpt-set\":\"name-vm\"}"),
            ),
            (
                "{\"$openapi\":\"replicas\"}",
                v0(V0Ref::Short("replicas".into()), "{\"$openapi\":\"replicas\"}"),
            ),
            (
                "{\"$kpt-set\":\"x\"",
                Err("setter comment {\"$kpt-set\":\"x\" is not valid JSON: EOF while parsing an object at line 1 column 15".into()),
            ),
            (
                "{\"$kpt-set\": 3}",
                Err("setter comment {\"$kpt-set\": 3}: $kpt-set must be a non-empty string".into()),
            ),
            (
                "{\"$ref\":\"#/definitions/other.x\"}",
                Err("setter comment {\"$ref\":\"#/definitions/other.x\"}: $ref must point to #/definitions/io.k8s.cli.setters.NAME or #/definitions/io.k8s.cli.substitutions.NAME".into()),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_line(text), want, "comment {text:?}");
        }
    }

    #[test]
    fn labels_for_messages() {
        let v1 = parse_line("kpt-set: ${a}").unwrap().unwrap();
        assert_eq!(v1.label(), "\"kpt-set: ${a}\"");
        let v0 = parse_line("{\"$kpt-set\":\"a\"}").unwrap().unwrap();
        assert_eq!(v0.label(), "{\"$kpt-set\":\"a\"}");
    }

    #[test]
    fn head_comments_are_v0_only() {
        let head = "Copyright\n{\"$ref\": \"#/definitions/io.k8s.cli.setters.args\"}";
        assert_eq!(
            parse_head(head),
            v0(
                V0Ref::Setter("args".into()),
                "{\"$ref\": \"#/definitions/io.k8s.cli.setters.args\"}"
            )
        );
        assert_eq!(parse_head("kpt-set: ${x}"), Ok(None));
    }
}
