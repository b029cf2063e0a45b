//! Reading the value out of what the model wrote: find the JSON (bare, fenced, or inside
//! prose), deserialize it with the path of any error, unwrap non-object types.

use crate::validate::{Path, Report};
use crate::Extract;
use serde_json::value::RawValue;
use std::collections::HashMap;

/// The JSON inside a reply: the whole reply when it is one JSON object or array, else a
/// fenced block's contents if there is one, then the span from the first `{` or `[` to
/// the last `}` or `]`.
///
/// ```
/// # use pluck::parse::json_text;
/// assert_eq!(json_text("Sure!\n```json\n{\"a\": 1}\n```\nAnything else?"), Some("{\"a\": 1}"));
/// assert_eq!(json_text("The answer is {\"a\": 1}."), Some("{\"a\": 1}"));
/// assert_eq!(json_text("no JSON here"), None);
/// // A reply that is JSON is read whole, even when a value holds a code fence.
/// let reply = r#"{"snippet": "```rust\nfn main() {}\n```"}"#;
/// assert_eq!(json_text(reply), Some(reply));
/// ```
pub fn json_text(raw: &str) -> Option<&str> {
    // The common case, and every constrained mode's: the reply is the JSON itself.
    let trimmed = raw.trim();
    if (trimmed.starts_with('{') && trimmed.ends_with('}')) || (trimmed.starts_with('[') && trimmed.ends_with(']')) {
        return Some(trimmed);
    }
    let text = fenced(raw).unwrap_or(raw);
    let start = text.find(['{', '['])?;
    let close = if text[start..].starts_with('{') { '}' } else { ']' };
    let end = text.rfind(close)?;
    (end > start).then(|| text[start..=end].trim())
}

/// The contents of the first Markdown code fence, if any.
fn fenced(raw: &str) -> Option<&str> {
    let open = raw.find("```")?;
    let after = &raw[open + 3..];
    // Skip the info string (`json`, `JSON`, ...).
    let body_start = after.find('\n').map_or(0, |i| i + 1);
    let body = &after[body_start..];
    let close = body.find("```").unwrap_or(body.len());
    Some(&body[..close])
}

/// Parses `raw` into a `T`, or a report of why not (rule `parse`, with the path serde
/// stopped at). With a `wrapper`, the value is read from that property; a bare value
/// is accepted too.
pub(crate) fn parse<T: Extract>(raw: &str, wrapper: Option<&'static str>) -> Result<T, Report> {
    let mut report = Report::new();
    let Some(text) = json_text(raw) else {
        let what = if raw.trim().is_empty() { "the reply is empty" } else { "the reply holds no JSON object" };
        report.add("parse", format!("{what}; answer with the JSON only"));
        return Err(report);
    };
    // The plain read first: tracking the path costs a copy of every key, and is only
    // needed to report an error.
    let Some(key) = wrapper else {
        if let Ok(value) = serde_json::from_str::<T>(text) {
            return Ok(value);
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let err = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        add_data_error(&mut report, err.path().to_string(), &err.into_inner());
        return Err(report);
    };
    // Only the wrapper's value is read into a `T`; the rest of the object is skipped.
    let outer = serde_json::from_str::<HashMap<String, Box<RawValue>>>(text).ok();
    let inner = outer.as_ref().and_then(|map| map.get(key)).map_or(text, |raw| raw.get());
    if let Ok(value) = serde_json::from_str::<T>(inner) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(inner);
    let err = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => return Ok(value),
        Err(err) => err,
    };
    let path = err.path().to_string();
    let err = err.into_inner();
    if err.is_syntax() || err.is_eof() {
        report.add("parse", syntax_message(&err));
    } else {
        report.with_field(key, |r| add_data_error(r, path, &err));
    }
    Err(report)
}

/// Parses one complete JSON value into a `T` and checks it: the value, or every
/// reason it is not one.
pub(crate) fn checked<T: Extract>(json: &[u8]) -> Result<T, Report> {
    let mut report = Report::new();
    // The plain read first: tracking the path costs a copy of every key, and is only
    // needed to report an error.
    if let Ok(mut value) = serde_json::from_slice::<T>(json) {
        value.check(&mut report);
        return report.into_result().map(|()| value);
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(mut value) => {
            value.check(&mut report);
            report.into_result().map(|()| value)
        }
        Err(err) => {
            add_data_error(&mut report, err.path().to_string(), &err.into_inner());
            Err(report)
        }
    }
}

/// [`parse`], then the value's rules: what the re-ask loop accepts.
pub(crate) fn validated<T: Extract>(raw: &str, wrapper: Option<&'static str>) -> Result<T, Report> {
    checked_value(parse::<T>(raw, wrapper)?, wrapper)
}

/// The rules of a value read from a reply, broken ones reported at their paths in the
/// reply (under the `wrapper`'s property, when there is one).
pub(crate) fn checked_value<T: Extract>(mut value: T, wrapper: Option<&'static str>) -> Result<T, Report> {
    let mut report = Report::new();
    match wrapper {
        Some(key) => report.with_field(key, |r| value.check(r)),
        None => value.check(&mut report),
    }
    report.into_result().map(|()| value)
}

fn add_data_error(report: &mut Report, path: String, err: &serde_json::Error) {
    if err.is_syntax() || err.is_eof() {
        report.add("parse", syntax_message(err));
    } else {
        let path: Path = path.parse().unwrap_or_default();
        report.add_at(&path, "parse", strip_position(&err.to_string()));
    }
}

fn syntax_message(err: &serde_json::Error) -> String {
    format!("the reply is not valid JSON: {err}")
}

/// serde_json ends data errors with " at line N column M", which means nothing to the
/// model once the path is given.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
