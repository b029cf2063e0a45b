//! Near-JSON to JSON: a reader that takes what serde_json refuses but reads one way
//! only (trailing commas, comments, single-quoted strings, unquoted keys, raw control
//! characters inside strings, Python's literals), noting each change.

use super::{Repair, RepairKind};
use crate::validate::{Path, PathSegment};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// Nesting deeper than this is refused, as serde_json refuses it.
const MAX_DEPTH: usize = 128;

/// The one value `text` holds, read leniently, with the changes made; `None` when it is
/// not one value even read leniently.
pub(super) fn read(text: &str) -> Option<(Value, Vec<Repair>)> {
    let mut reader = Reader { text, at: 0, path: Path::root(), repairs: Vec::new(), depth: 0 };
    reader.blank();
    let value = reader.value()?;
    reader.blank();
    (reader.at == text.len()).then_some((value, reader.repairs))
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
    path: Path,
    repairs: Vec<Repair>,
    depth: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &[u8] {
        &self.text.as_bytes()[self.at..]
    }

    fn peek(&self) -> Option<u8> {
        self.rest().first().copied()
    }

    fn note(&mut self, kind: RepairKind) {
        self.repairs.push(Repair { path: self.path.clone(), kind });
    }

    /// Skips white space and comments.
    fn blank(&mut self) {
        loop {
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
                self.at += 1;
            }
            if self.rest().starts_with(b"//") {
                self.at += self.rest().iter().position(|&b| b == b'\n').unwrap_or(self.rest().len());
            } else if self.rest().starts_with(b"/*") {
                // An unclosed comment is left for the caller to fail on.
                let Some(end) = self.text[self.at + 2..].find("*/") else { return };
                self.at += 2 + end + 2;
            } else {
                return;
            }
            self.note(RepairKind::Comment);
        }
    }

    fn value(&mut self) -> Option<Value> {
        match self.peek()? {
            b'{' => self.nested(Self::object),
            b'[' => self.nested(Self::array),
            b'"' | b'\'' => self.string().map(Value::String),
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.literal(),
        }
    }

    fn nested(&mut self, read: fn(&mut Self) -> Option<Value>) -> Option<Value> {
        self.depth += 1;
        let value = if self.depth > MAX_DEPTH { None } else { read(self) };
        self.depth -= 1;
        value
    }

    fn object(&mut self) -> Option<Value> {
        self.at += 1;
        let mut map = Map::new();
        loop {
            self.blank();
            if self.peek()? == b'}' {
                self.at += 1;
                return Some(Value::Object(map));
            }
            let key = match self.peek()? {
                b'"' | b'\'' => self.string()?,
                _ => {
                    let key = self.word()?.to_owned();
                    self.note(RepairKind::UnquotedKey(key.clone()));
                    key
                }
            };
            self.blank();
            (self.peek()? == b':').then_some(())?;
            self.at += 1;
            self.blank();
            self.path.push(PathSegment::Field(Cow::Owned(key.clone())));
            let value = self.value();
            self.path.pop();
            // A key written twice: which one is meant is a guess.
            if map.insert(key, value?).is_some() {
                return None;
            }
            self.blank();
            match self.peek()? {
                b',' => self.comma(b'}'),
                b'}' => {}
                _ => return None,
            }
        }
    }

    fn array(&mut self) -> Option<Value> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.blank();
            if self.peek()? == b']' {
                self.at += 1;
                return Some(Value::Array(items));
            }
            self.path.push(PathSegment::Index(items.len()));
            let item = self.value();
            self.path.pop();
            items.push(item?);
            self.blank();
            match self.peek()? {
                b',' => self.comma(b']'),
                b']' => {}
                _ => return None,
            }
        }
    }

    /// Takes a comma, noting it when only `close` follows it.
    fn comma(&mut self, close: u8) {
        self.at += 1;
        self.blank();
        if self.peek() == Some(close) {
            self.note(RepairKind::TrailingComma);
        }
    }

    /// A run of letters, digits, `_`, `$` and `-` that starts with a letter, `_` or `$`.
    fn word(&mut self) -> Option<&str> {
        let rest = self.rest();
        if !matches!(rest.first()?, b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$') {
            return None;
        }
        let len = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-')))
            .unwrap_or(rest.len());
        let word = &self.text[self.at..self.at + len];
        self.at += len;
        Some(word)
    }

    fn literal(&mut self) -> Option<Value> {
        let value = match self.word()? {
            "true" => return Some(Value::Bool(true)),
            "false" => return Some(Value::Bool(false)),
            "null" => return Some(Value::Null),
            "True" => (Value::Bool(true), "True"),
            "False" => (Value::Bool(false), "False"),
            "None" => (Value::Null, "None"),
            // A bare word where a value belongs: a string, or something else? A guess.
            _ => return None,
        };
        self.note(RepairKind::PythonLiteral(value.1));
        Some(value.0)
    }

    fn number(&mut self) -> Option<Value> {
        let len = self.rest().iter().position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'));
        let len = len.unwrap_or(self.rest().len());
        let number: Number = serde_json::from_str(&self.text[self.at..self.at + len]).ok()?;
        self.at += len;
        Some(Value::Number(number))
    }

    /// A string in double or single quotes, its escapes read.
    fn string(&mut self) -> Option<String> {
        let quote = self.peek()?;
        if quote == b'\'' {
            self.note(RepairKind::SingleQuotes);
        }
        self.at += 1;
        let mut out = String::new();
        let mut control = false;
        let mut chars = self.text[self.at..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                c if c as u32 == u32::from(quote) => {
                    self.at += i + 1;
                    if control {
                        self.note(RepairKind::ControlInString);
                    }
                    return Some(out);
                }
                '\\' => {
                    let (_, escaped) = chars.next()?;
                    out.push(match escaped {
                        '"' | '\\' | '/' | '\'' => escaped,
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'u' => unicode(&mut chars)?,
                        _ => return None,
                    });
                }
                c if (c as u32) < 0x20 => {
                    control = true;
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        None
    }
}

/// The character of a `\u` escape (the `\u` read), a surrogate pair taken whole.
fn unicode(chars: &mut std::str::CharIndices<'_>) -> Option<char> {
    let first = hex4(chars)?;
    if !(0xD800..0xDC00).contains(&first) {
        return char::from_u32(first);
    }
    let (_, '\\') = chars.next()? else { return None };
    let (_, 'u') = chars.next()? else { return None };
    let second = hex4(chars)?;
    if !(0xDC00..0xE000).contains(&second) {
        return None;
    }
    char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
}

/// Four hex digits.
fn hex4(chars: &mut std::str::CharIndices<'_>) -> Option<u32> {
    let mut code = 0;
    for _ in 0..4 {
        code = code * 16 + chars.next()?.1.to_digit(16)?;
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::read;
    use serde_json::json;

    fn repaired(text: &str) -> (serde_json::Value, Vec<String>) {
        let (value, repairs) = read(text).unwrap_or_else(|| panic!("{text:?} should read"));
        (value, repairs.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn json_reads_as_itself_with_nothing_changed() {
        let text = r#"{"a": [1, -2.5e3, "x\"\u00e9\ud83d\ude00", true, null], "b": {}}"#;
        let (value, repairs) = repaired(text);
        assert_eq!(value, serde_json::from_str::<serde_json::Value>(text).unwrap());
        assert!(repairs.is_empty(), "{repairs:?}");
    }

    #[test]
    fn each_repair_is_made_and_noted_where_it_was() {
        let text = "{\n  // the title\n  title: 'Senior \\'Rust\\' engineer',\n  \"skills\": [\"Python\", \"AWS\",],\n  /* done */ \"remote\": True,\n  \"note\": \"two\nlines\",\n}";
        let (value, repairs) = repaired(text);
        assert_eq!(
            value,
            json!({"title": "Senior 'Rust' engineer", "skills": ["Python", "AWS"], "remote": true, "note": "two\nlines"})
        );
        assert_eq!(
            repairs,
            [
                "(root): removed a comment",
                "(root): quoted the key title",
                "title: read a single-quoted string",
                "skills: removed a trailing comma",
                "(root): removed a comment",
                "remote: read Python's True as JSON",
                "note: escaped a line break or control character inside a string",
                "(root): removed a trailing comma",
            ]
        );
    }

    #[test]
    fn what_cannot_be_read_one_way_is_refused() {
        for text in [
            "{\"a\": 1 \"b\": 2}",   // a missing comma
            "{\"a\": yes}",          // a bare word
            "{\"a\": 1, \"a\": 2}",  // a key twice
            "{\"a\": 01}",           // a leading zero
            "{\"a\": 1e400}",        // a number no f64 holds
            "{\"a\": \"\\x\"}",      // an unknown escape
            "{\"a\": \"\\ud800\"}",  // a lone surrogate
            "{\"a\": 1} {\"b\": 2}", // two values
            "{\"a\": /* open",       // an unclosed comment
            "{,}",
            "[1,,2]",
            "",
        ] {
            assert!(read(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(read(&deep).is_none());
        let fine = "[".repeat(100) + &"]".repeat(100);
        assert!(read(&fine).is_some());
    }
}
