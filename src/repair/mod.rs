//! Lenient reading: what a model wrote that is almost the JSON asked for, made into it
//! without guessing, each change recorded.
//!
//! A reply that parses is never touched. One that does not is read leniently in two
//! steps, and the value is used only if it then parses into the target type:
//! - syntax: near-JSON to JSON (trailing commas, comments, single-quoted strings,
//!   unquoted keys, raw line breaks inside strings, Python's `True`, `False`, `None`);
//! - alignment: the value against the type's schema (a single value where a list is
//!   expected, an enum value written in another case or with spaces or hyphens, a
//!   number written as a string such as `"150,000"`, `"$150,000"` or `"150k"`).
//!
//! What is ambiguous is left as it is, so the re-ask reports it: two enum values that
//! read alike, `"1,5"`, a bare word where a value belongs, a missing comma.

mod align;
mod syntax;

use crate::validate::Path;
use serde_json::Value;
use std::fmt;

/// One change made to a reply so that it parses: where, and what.
///
/// ```
/// use pluck::repair::{Repair, RepairKind};
///
/// let repair = Repair { path: "skills".parse().unwrap(), kind: RepairKind::WrappedInList };
/// assert_eq!(repair.to_string(), "skills: a single value where a list belongs, read as a list of one");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// Where in the reply (the value, or the object or list holding the change).
    pub path: Path,
    /// What was changed.
    pub kind: RepairKind,
}

/// What a [`Repair`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RepairKind {
    /// A comma before a closing `}` or `]`, removed.
    TrailingComma,
    /// A `// ...` or `/* ... */` comment, removed.
    Comment,
    /// A string in single quotes, read as a JSON string.
    SingleQuotes,
    /// An object key without quotes, quoted.
    UnquotedKey(String),
    /// A line break or other control character inside a string, escaped.
    ControlInString,
    /// Python's `True`, `False` or `None`, read as `true`, `false` or `null`.
    PythonLiteral(&'static str),
    /// A single value where the schema asks for a list, read as a list of one.
    WrappedInList,
    /// An enum value matched to the one allowed value that reads the same ignoring
    /// case, spaces, hyphens and underscores.
    EnumValue {
        /// As written.
        from: String,
        /// As the schema spells it.
        to: String,
    },
    /// A number written as a string (`"150,000"`, `"$150,000"`, `"150k"`), read as the
    /// number.
    NumberFromString(String),
}

impl fmt::Display for RepairKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepairKind::TrailingComma => f.write_str("removed a trailing comma"),
            RepairKind::Comment => f.write_str("removed a comment"),
            RepairKind::SingleQuotes => f.write_str("read a single-quoted string"),
            RepairKind::UnquotedKey(key) => write!(f, "quoted the key {key}"),
            RepairKind::ControlInString => f.write_str("escaped a line break or control character inside a string"),
            RepairKind::PythonLiteral(word) => write!(f, "read Python's {word} as JSON"),
            RepairKind::WrappedInList => f.write_str("a single value where a list belongs, read as a list of one"),
            RepairKind::EnumValue { from, to } => write!(f, "read {from:?} as {to:?}"),
            RepairKind::NumberFromString(text) => write!(f, "read the string {text:?} as a number"),
        }
    }
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "(root): {}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

/// `text` read leniently and aligned with `schema`: the JSON to parse instead, and what
/// was changed; `None` when nothing could be read or nothing needed changing.
pub(crate) fn repair(text: &str, schema: &Value) -> Option<(String, Vec<Repair>)> {
    let (mut value, mut repairs) = syntax::read(text)?;
    align::align(&mut value, schema, &mut repairs);
    if repairs.is_empty() {
        return None;
    }
    Some((value.to_string(), repairs))
}

#[cfg(test)]
mod tests {
    use super::repair;
    use proptest::prelude::*;
    use serde_json::json;

    /// Text made of JSON's pieces and near misses, so that cases reach deep into the
    /// reader rather than failing on the first byte.
    fn near_json() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"a\"".to_owned()),
            Just("'b'".to_owned()),
            Just("key".to_owned()),
            Just("True".to_owned()),
            Just("null".to_owned()),
            Just("-1.5e3".to_owned()),
            Just("\"$150,000\"".to_owned()),
            Just("// c\n".to_owned()),
            Just("/* c */".to_owned()),
            Just("\\u12".to_owned()),
            Just("\"\\ud83d\\ude00\"".to_owned()),
            Just("\n".to_owned()),
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::fuzz_cases()))]

        /// Whatever the text, reading it ends (no panic, no hang), and what it gives
        /// back is JSON.
        #[test]
        fn any_text_is_read_or_refused_never_a_panic(text in near_json()) {
            let schema = json!({
                "type": "object",
                "properties": {
                    "a": {"type": "array", "items": {"type": "number"}},
                    "b": {"enum": ["x-y", "z"]},
                    "key": {"anyOf": [{"$ref": "#/$defs/N"}, {"type": "null"}]}
                },
                "$defs": {"N": {"type": "integer"}}
            });
            if let Some((fixed, repairs)) = repair(&text, &schema) {
                prop_assert!(serde_json::from_str::<serde_json::Value>(&fixed).is_ok(), "{fixed}");
                prop_assert!(!repairs.is_empty());
            }
        }
    }
}
