//! Typing rules: the JSON value a setter's text becomes, given the field's current value or a
//! kpt v0 setter's declared `type`. A string field stays a string; a bool/int/float field keeps
//! its type when the new text reads as that type.

use serde_json::{Number, Value};

/// A kpt v0 setter's declared OpenAPI `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredType {
    /// `string`
    String,
    /// `integer` (also `int`)
    Integer,
    /// `number`
    Number,
    /// `boolean` (also `bool`)
    Boolean,
    /// `array`
    Array,
}

impl DeclaredType {
    /// Read an OpenAPI type name; unknown names give `None` (the field's type then decides).
    pub fn parse(name: &str) -> Option<DeclaredType> {
        Some(match name {
            "string" => DeclaredType::String,
            "integer" | "int" => DeclaredType::Integer,
            "number" => DeclaredType::Number,
            "boolean" | "bool" => DeclaredType::Boolean,
            "array" => DeclaredType::Array,
            _ => return None,
        })
    }

    /// The OpenAPI name.
    pub fn name(self) -> &'static str {
        match self {
            DeclaredType::String => "string",
            DeclaredType::Integer => "integer",
            DeclaredType::Number => "number",
            DeclaredType::Boolean => "boolean",
            DeclaredType::Array => "array",
        }
    }
}

/// What a plain scalar reads as under the YAML 1.2 core schema (`.inf`/`.nan` and integers
/// beyond 64 bits stay strings: JSON cannot hold them).
pub fn core_value(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(n) = parse_int(text) {
        return Value::Number(n);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Value::String(text.to_string());
    }
    if let Some(n) = parse_float(text) {
        return Value::Number(n);
    }
    Value::String(text.to_string())
}

/// A YAML 1.2 core decimal, octal (`0o`) or hexadecimal (`0x`) integer.
fn parse_int(text: &str) -> Option<Number> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = if let Some(oct) = text.strip_prefix("0o") {
        u64::from_str_radix(oct, 8).ok()?
    } else if let Some(hex) = text.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u64>().ok()?
    };
    if negative {
        let signed = i64::try_from(magnitude).ok()?;
        Some(Number::from(-signed))
    } else {
        Some(Number::from(magnitude))
    }
}

/// A YAML 1.2 core float (`1.5`, `-.5`, `1e3`, `2.`), finite only.
fn parse_float(text: &str) -> Option<Number> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac_part {
        Some(frac) => digits(int_part) && digits(frac) && !(int_part.is_empty() && frac.is_empty()),
        None => !int_part.is_empty() && digits(int_part),
    };
    let exponent_ok = match exponent {
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
        None => true,
    };
    if !mantissa_ok || !exponent_ok {
        return None;
    }
    let f: f64 = text.parse().ok()?;
    if f.is_finite() {
        Number::from_f64(f)
    } else {
        None
    }
}

/// The type name of a JSON value, for messages.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "mapping",
    }
}

/// The result of typing a new scalar text against a field's current value.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    /// The value to write.
    Fits(Value),
    /// The text does not read as the field's type: it is written as a string; warn.
    Mismatch {
        /// The string to write.
        value: Value,
        /// The field's type before.
        old_type: &'static str,
        /// What the new text reads as.
        new_type: &'static str,
    },
}

/// Type `text` for a field that currently holds `old`: a string stays a string; a bool, integer
/// or float stays one when `text` reads as that type (an integer also reads as a float); a null
/// (or absent) field takes what the text reads as, the empty text being the empty string.
pub fn type_for_field(old: &Value, text: &str) -> Typed {
    if let Value::String(_) = old {
        return Typed::Fits(Value::String(text.to_string()));
    }
    let read = core_value(text);
    let fits = match (old, &read) {
        (Value::Null, Value::Null) => Some(Value::String(text.to_string())),
        (Value::Null, _) => Some(read.clone()),
        (Value::Bool(_), Value::Bool(_)) => Some(read.clone()),
        (Value::Number(o), Value::Number(n)) if o.is_f64() => {
            n.as_f64().and_then(Number::from_f64).map(Value::Number)
        }
        (Value::Number(_), Value::Number(n)) if !n.is_f64() => Some(read.clone()),
        _ => None,
    };
    match fits {
        Some(v) => Typed::Fits(v),
        None => Typed::Mismatch {
            value: Value::String(text.to_string()),
            old_type: type_name(old),
            new_type: type_name(&read),
        },
    }
}

/// Type `text` by a v0 setter's declared type; `Err` is the message when it does not read as
/// that type. `Array` is not a scalar type: callers handle lists before calling this.
pub fn type_declared(declared: DeclaredType, text: &str) -> Result<Value, String> {
    let read = core_value(text);
    let value = match (declared, &read) {
        (DeclaredType::String, _) => Some(Value::String(text.to_string())),
        (DeclaredType::Integer, Value::Number(n)) if !n.is_f64() => Some(read.clone()),
        (DeclaredType::Number, Value::Number(_)) => Some(read.clone()),
        (DeclaredType::Boolean, Value::Bool(_)) => Some(read.clone()),
        _ => None,
    };
    value.ok_or_else(|| {
        format!(
            "value {text:?} is not of the declared type {} (it reads as {})",
            declared.name(),
            type_name(&read)
        )
    })
}

/// A list item that did not fit: (index, old item type, what the new item reads as).
pub type ItemMismatch = (usize, &'static str, &'static str);

/// Type each element of a new list: a declared item type wins; else, when the field's old
/// elements all had one scalar type, each new element keeps it when it can (a string always can);
/// else elements stay as they read. Mismatches are returned as (index, old type, new type).
pub fn type_list(
    old: &Value,
    new_items: Vec<Value>,
    declared_items: Option<DeclaredType>,
) -> Result<(Vec<Value>, Vec<ItemMismatch>), String> {
    let text_of = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    if let Some(declared) = declared_items {
        let mut out = Vec::with_capacity(new_items.len());
        for (i, item) in new_items.iter().enumerate() {
            let typed =
                type_declared(declared, &text_of(item)).map_err(|e| format!("item [{i}]: {e}"))?;
            out.push(typed);
        }
        return Ok((out, Vec::new()));
    }
    let old_items = old.as_array().map(Vec::as_slice).unwrap_or(&[]);
    let uniform = old_items.first().and_then(|first| {
        let name = type_name(first);
        let scalar = !matches!(first, Value::Array(_) | Value::Object(_) | Value::Null);
        (scalar && old_items.iter().all(|v| type_name(v) == name)).then_some(first)
    });
    let Some(model) = uniform else {
        return Ok((new_items, Vec::new()));
    };
    let mut out = Vec::with_capacity(new_items.len());
    let mut mismatches = Vec::new();
    for (i, item) in new_items.into_iter().enumerate() {
        if matches!(item, Value::Array(_) | Value::Object(_)) {
            out.push(item);
            continue;
        }
        match type_for_field(model, &text_of(&item)) {
            Typed::Fits(v) => out.push(v),
            Typed::Mismatch {
                value,
                old_type,
                new_type,
            } => {
                mismatches.push((i, old_type, new_type));
                out.push(value);
            }
        }
    }
    Ok((out, mismatches))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_schema() {
        let cases: &[(&str, Value)] = &[
            ("", Value::Null),
            ("~", Value::Null),
            ("true", json!(true)),
            ("False", json!(false)),
            ("yes", json!("yes")),
            ("on", json!("on")),
            ("3", json!(3)),
            ("-3", json!(-3)),
            ("+3", json!(3)),
            ("0071335", json!(71335)),
            ("0x1F", json!(31)),
            ("0o17", json!(15)),
            ("4.0", json!(4.0)),
            ("1e3", json!(1000.0)),
            ("-.5", json!(-0.5)),
            ("2.", json!(2.0)),
            (".", json!(".")),
            ("1.7.9", json!("1.7.9")),
            (".inf", json!(".inf")),
            ("99999999999999999999", json!("99999999999999999999")),
            ("value:", json!("value:")),
        ];
        for (text, want) in cases {
            assert_eq!(&core_value(text), want, "text {text:?}");
        }
    }

    #[test]
    fn field_typing() {
        let fits: &[(Value, &str, Value)] = &[
            (json!("old"), "0071335", json!("0071335")),
            (json!("old"), "true", json!("true")),
            (json!("old"), "on", json!("on")),
            (json!("old"), "3", json!("3")),
            (json!("old"), "", json!("")),
            (json!(false), "true", json!(true)),
            (json!(3), "4", json!(4)),
            (json!(3), "-4", json!(-4)),
            (json!(0.5), "1", json!(1.0)),
            (json!(0.5), "2.5", json!(2.5)),
            (Value::Null, "3", json!(3)),
            (Value::Null, "", json!("")),
            (Value::Null, "abc", json!("abc")),
        ];
        for (old, text, want) in fits {
            assert_eq!(
                type_for_field(old, text),
                Typed::Fits(want.clone()),
                "{old} <- {text:?}"
            );
        }
        let mismatches: &[(Value, &str, &str, &str)] = &[
            (json!(3), "four", "integer", "string"),
            (json!(3), "4.5", "integer", "float"),
            (json!(false), "yes", "boolean", "string"),
            (json!(false), "1", "boolean", "integer"),
            (json!(1.5), "abc", "float", "string"),
        ];
        for (old, text, old_type, new_type) in mismatches {
            assert_eq!(
                type_for_field(old, text),
                Typed::Mismatch {
                    value: json!(text),
                    old_type,
                    new_type
                },
                "{old} <- {text:?}"
            );
        }
    }

    #[test]
    fn declared_typing() {
        assert_eq!(type_declared(DeclaredType::Integer, "4"), Ok(json!(4)));
        assert_eq!(type_declared(DeclaredType::Number, "4.0"), Ok(json!(4.0)));
        assert_eq!(type_declared(DeclaredType::Number, "4"), Ok(json!(4)));
        assert_eq!(
            type_declared(DeclaredType::Boolean, "true"),
            Ok(json!(true))
        );
        assert_eq!(type_declared(DeclaredType::String, "45"), Ok(json!("45")));
        assert_eq!(
            type_declared(DeclaredType::Number, "four"),
            Err("value \"four\" is not of the declared type number (it reads as string)".into())
        );
        assert_eq!(
            type_declared(DeclaredType::Integer, "4.5"),
            Err("value \"4.5\" is not of the declared type integer (it reads as float)".into())
        );
        assert_eq!(DeclaredType::parse("int"), Some(DeclaredType::Integer));
        assert_eq!(DeclaredType::parse("bool"), Some(DeclaredType::Boolean));
        assert_eq!(DeclaredType::parse("object"), None);
    }

    #[test]
    fn list_typing() {
        // Old strings: new items stay strings even when they read as numbers.
        let (items, warn) = type_list(&json!(["a"]), vec![json!(1), json!("b")], None).unwrap();
        assert_eq!(items, vec![json!("1"), json!("b")]);
        assert!(warn.is_empty());
        // Old integers: a string that is not an integer is a mismatch, written as a string.
        let (items, warn) = type_list(&json!([4, 5]), vec![json!("1:"), json!("2")], None).unwrap();
        assert_eq!(items, vec![json!("1:"), json!(2)]);
        assert_eq!(warn, vec![(0, "integer", "string")]);
        // Empty or mixed old lists: items as they read.
        let (items, _) = type_list(&json!([]), vec![json!(1), json!("b")], None).unwrap();
        assert_eq!(items, vec![json!(1), json!("b")]);
        // Declared item type wins.
        let (items, _) = type_list(
            &json!(["x"]),
            vec![json!("1"), json!("2")],
            Some(DeclaredType::Integer),
        )
        .unwrap();
        assert_eq!(items, vec![json!(1), json!(2)]);
        assert_eq!(
            type_list(&json!([]), vec![json!("abc")], Some(DeclaredType::Integer)),
            Err(
                "item [0]: value \"abc\" is not of the declared type integer (it reads as string)"
                    .into()
            )
        );
    }
}
