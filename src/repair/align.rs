//! A value against its type's schema: the changes that make it fit where only one
//! reading is possible (a single value where a list belongs, an enum value spelled
//! differently, a number written as a string).

use super::{Repair, RepairKind};
use crate::validate::{Path, PathSegment};
use serde_json::{Number, Value};
use std::borrow::Cow;

/// References followed in a row before giving up (a schema that refers to itself).
const MAX_HOPS: usize = 32;

/// Nesting visited at the most.
const MAX_DEPTH: usize = 128;

/// Aligns `value` with `schema` (a root schema whose references point into it).
pub(super) fn align(value: &mut Value, schema: &Value, repairs: &mut Vec<Repair>) {
    Aligner { root: schema, path: Path::root(), repairs }.visit(value, schema, 0);
}

struct Aligner<'s, 'r> {
    root: &'s Value,
    path: Path,
    repairs: &'r mut Vec<Repair>,
}

impl<'s> Aligner<'s, '_> {
    fn note(&mut self, kind: RepairKind) {
        self.repairs.push(Repair { path: self.path.clone(), kind });
    }

    /// The schema a `$ref` points to, followed to the end.
    fn resolve(&self, mut schema: &'s Value) -> Option<&'s Value> {
        for _ in 0..MAX_HOPS {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(reference) => schema = self.root.pointer(reference.strip_prefix('#')?)?,
                None => return Some(schema),
            }
        }
        None
    }

    fn visit(&mut self, value: &mut Value, schema: &'s Value, depth: usize) {
        let Some(schema) = self.resolve(schema) else { return };
        if depth > MAX_DEPTH {
            return;
        }
        if let Some(members) = schema.get("anyOf").or_else(|| schema.get("oneOf")).and_then(Value::as_array) {
            // `T` or null (an `Option`): the value is aligned with `T`; with several
            // members to choose from, which one is meant is a guess.
            let mut others = members.iter().filter(|m| !self.is_null_type(m));
            if let (Some(only), None, false) = (others.next(), others.next(), value.is_null()) {
                self.visit(value, only, depth + 1);
            }
            return;
        }
        let types = types(schema);
        let allows = |name: &str| types.contains(&name);
        let null_allowed = value.is_null() && allows("null");
        if allows("array") && !value.is_array() && !null_allowed {
            let single = value.take();
            *value = Value::Array(vec![single]);
            self.note(RepairKind::WrappedInList);
        }
        match value {
            Value::Array(items) => {
                let Some(item) = schema.get("items") else { return };
                for (i, element) in items.iter_mut().enumerate() {
                    self.path.push(PathSegment::Index(i));
                    self.visit(element, item, depth + 1);
                    self.path.pop();
                }
            }
            Value::Object(map) => {
                let properties = schema.get("properties");
                let others = schema.get("additionalProperties").filter(|s| s.is_object());
                for (key, field) in map.iter_mut() {
                    let Some(sub) = properties.and_then(|p| p.get(key)).or(others) else { continue };
                    self.path.push(PathSegment::Field(Cow::Owned(key.clone())));
                    self.visit(field, sub, depth + 1);
                    self.path.pop();
                }
            }
            Value::String(text) => {
                if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
                    if let Some(to) = enum_value(text, allowed) {
                        let from = std::mem::replace(text, to.clone());
                        self.note(RepairKind::EnumValue { from, to });
                    }
                } else if (allows("number") || allows("integer")) && !allows("string") {
                    if let Some(number) = number(text, !allows("number")) {
                        let from = std::mem::take(text);
                        *value = Value::Number(number);
                        self.note(RepairKind::NumberFromString(from));
                    }
                }
            }
            _ => {}
        }
    }

    fn is_null_type(&self, schema: &'s Value) -> bool {
        self.resolve(schema).is_some_and(|s| types(s) == ["null"])
    }
}

/// The schema's `type`, one name or several.
fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(name)) => vec![name.as_str()],
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The one allowed value that `text` spells differently (case, spaces, hyphens,
/// underscores), if exactly one does and `text` is not allowed as it is.
fn enum_value(text: &str, allowed: &[Value]) -> Option<String> {
    let allowed: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
    if allowed.contains(&text) {
        return None;
    }
    let key = |s: &str| -> String {
        s.chars().filter(|c| !matches!(c, ' ' | '-' | '_')).flat_map(char::to_lowercase).collect()
    };
    let wanted = key(text);
    let mut found = allowed.iter().filter(|a| key(a) == wanted);
    match (found.next(), found.next()) {
        (Some(only), None) if !wanted.is_empty() => Some((*only).to_owned()),
        _ => None,
    }
}

/// The number a string writes, where it writes one and only one: digits with an
/// optional sign and fraction, thousands grouped by commas (`150,000`), a currency
/// symbol before or after, and `k` for thousands (`150k`). `"1,5"`, `"1.000"` with
/// grouping dots, and words are not read. For an integer field the number must be
/// whole.
fn number(text: &str, integer: bool) -> Option<Number> {
    let mut rest = text.trim();
    for symbol in ['$', '€', '£', '¥'] {
        if let Some(stripped) = rest.strip_prefix(symbol).or_else(|| rest.strip_suffix(symbol)) {
            rest = stripped.trim();
            break;
        }
    }
    let (negative, unsigned) = match rest.strip_prefix('-') {
        Some(unsigned) => (true, unsigned),
        None => (false, rest),
    };
    let (digits, thousands) = match unsigned.strip_suffix(['k', 'K']) {
        Some(digits) => (digits, true),
        None => (unsigned, false),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let grouped = whole.contains(',');
    if grouped {
        // 1,234,567: one to three digits, then groups of exactly three. Not with `k`.
        let mut groups = whole.split(',');
        let first = groups.next()?;
        if thousands || first.is_empty() || first.len() > 3 || groups.any(|g| g.len() != 3) {
            return None;
        }
    }
    let plain: String = whole.chars().filter(|&c| c != ',').collect();
    if plain.is_empty() || !plain.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let written = match fraction {
        Some(fraction) => format!("{plain}.{fraction}"),
        None => plain,
    };
    let mut amount: f64 = written.parse().ok()?;
    if thousands {
        amount *= 1000.0;
    }
    if negative {
        amount = -amount;
    }
    if !amount.is_finite() {
        return None;
    }
    if integer {
        if amount.fract() != 0.0 || amount.abs() >= 9.0e15 {
            return None;
        }
        return Some(Number::from(amount as i64));
    }
    Number::from_f64(amount)
}

#[cfg(test)]
mod tests {
    use super::{enum_value, number};
    use serde_json::json;

    #[test]
    fn numbers_written_one_way_are_read() {
        for (text, integer, want) in [
            ("150,000", false, 150000.0),
            ("$150,000", false, 150000.0),
            (" 150000 ", true, 150000.0),
            ("150k", false, 150000.0),
            ("$1.5K", false, 1500.0),
            ("1,234,567.5", false, 1234567.5),
            ("-42", true, -42.0),
            ("95000€", false, 95000.0),
            ("0.25", false, 0.25),
        ] {
            let got = number(text, integer).unwrap_or_else(|| panic!("{text:?}"));
            assert_eq!(got.as_f64(), Some(want), "{text:?}");
        }
    }

    #[test]
    fn numbers_that_read_more_than_one_way_are_left() {
        for (text, integer) in [
            ("1,5", false),
            ("1.000.000", false),
            ("12,34", false),
            (",100", false),
            ("1,000k", false),
            ("1.5", true),
            ("about 100", false),
            ("100 USD", false),
            ("", false),
            ("1e3", false),
            ("-", false),
            ("1.", false),
        ] {
            assert_eq!(number(text, integer), None, "{text:?}");
        }
    }

    #[test]
    fn enum_values_match_one_allowed_value_or_none() {
        let allowed = [json!("entry"), json!("mid_level"), json!("senior"), json!("Senior-Staff")];
        assert_eq!(enum_value("Entry", &allowed).as_deref(), Some("entry"));
        assert_eq!(enum_value("Mid Level", &allowed).as_deref(), Some("mid_level"));
        assert_eq!(enum_value("mid-level", &allowed).as_deref(), Some("mid_level"));
        assert_eq!(enum_value("senior staff", &allowed).as_deref(), Some("Senior-Staff"));
        assert_eq!(enum_value("entry", &allowed), None, "already allowed");
        assert_eq!(enum_value("principal", &allowed), None);
        assert_eq!(enum_value("", &allowed), None);
        let twins = [json!("a-b"), json!("ab")];
        assert_eq!(enum_value("AB", &twins), None, "two read alike: a guess");
    }
}
