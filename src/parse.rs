//! Reading the value out of what the model wrote: find the JSON (bare, fenced, or inside
//! prose), deserialize it with the path of any error, unwrap non-object types.

use crate::repair::{self, Repair};
use crate::schema::{self, Target};
use crate::validate::{Path, PathSegment, Report};
use crate::Extract;
use serde_json::value::RawValue;
use std::borrow::Cow;
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

/// A value read from a reply, with the changes that made the reply readable.
#[derive(Debug)]
pub(crate) struct Parsed<T> {
    pub(crate) value: T,
    pub(crate) repairs: Vec<Repair>,
}

/// Why a reply was refused, with the changes tried on it (kept for the record).
#[derive(Debug)]
pub(crate) struct Rejected {
    pub(crate) report: Report,
    pub(crate) repairs: Vec<Repair>,
}

impl From<Report> for Rejected {
    fn from(report: Report) -> Self {
        Rejected { report, repairs: Vec::new() }
    }
}

/// Parses `raw` into a `T`, or a report of why not (rule `parse`, at the path serde
/// stopped at). With a `wrapper`, the value is read from that property; a bare value
/// is accepted too.
///
/// When the reply does not parse and `lenient` is set, the reply is read
/// leniently and aligned with `T`'s schema (see [`crate::repair`]): used when it then
/// parses. When it still does not, the report is the repaired reply's (it says what
/// is left to fix), with the repairs tried.
pub(crate) fn read<T: Extract>(raw: &str, wrapper: Option<&'static str>, lenient: bool) -> Result<Parsed<T>, Rejected> {
    let Some(text) = json_text(raw) else {
        let mut report = Report::new();
        let what = if raw.trim().is_empty() { "the reply is empty" } else { "the reply holds no JSON object" };
        report.add("parse", format!("{what}; answer with the JSON only"));
        return Err(report.into());
    };
    let failure = match document::<T>(text, wrapper) {
        Ok(value) => return Ok(Parsed { value, repairs: Vec::new() }),
        Err(failure) => failure,
    };
    // Prose may hold other bracketed text around the JSON ("I found [3] skills: {..}"):
    // the one balanced span that reads as a `T`. Two that do (two answers) are a
    // guess, refused as the whole text was.
    if let Some(value) = only_span::<T>(fenced(raw).unwrap_or(raw), text, wrapper) {
        return Ok(Parsed { value, repairs: Vec::new() });
    }
    let guide = lenient.then(|| schema::prepare::<T>(Target::Plain).ok()).flatten();
    let Some((fixed, repairs)) = guide.and_then(|guide| repair::repair(text, guide.schema())) else {
        return Err(failure.into_report(wrapper).into());
    };
    match document::<T>(&fixed, wrapper) {
        Ok(value) => Ok(Parsed { value, repairs }),
        Err(failure) => Err(Rejected { report: failure.into_report(wrapper), repairs }),
    }
}

/// The most spans [`read`] tries after the first candidate.
const MAX_SPANS: usize = 32;

/// The value of the one balanced span of `text` (other than `tried`) that reads as a
/// `T`, spans inside it aside; `None` when no span does, or more than one.
fn only_span<T: Extract>(text: &str, tried: &str, wrapper: Option<&'static str>) -> Option<T> {
    let mut found = None;
    let mut after = 0;
    for (start, span) in spans(text).take(MAX_SPANS) {
        if start < after || span == tried {
            continue;
        }
        if let Ok(value) = document::<T>(span, wrapper) {
            if found.is_some() {
                return None;
            }
            found = Some(value);
            after = start + span.len();
        }
    }
    found
}

/// The balanced spans of `text`, in the order they open, with where each starts: from
/// each `{` or `[` to the bracket that closes it (brackets inside strings not counted).
fn spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().filter(|(_, b)| matches!(b, b'{' | b'[')).filter_map(move |(start, _)| {
        let mut closers = Vec::new();
        let mut in_string = false;
        let mut escaped = false;
        for (at, &b) in bytes.iter().enumerate().skip(start) {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' => closers.push(b'}'),
                b'[' => closers.push(b']'),
                b'}' | b']' => {
                    if closers.pop() != Some(b) {
                        return None;
                    }
                    if closers.is_empty() {
                        return Some((start, &text[start..=at]));
                    }
                }
                _ => {}
            }
        }
        None
    })
}

/// Reads the JSON document `text` into a `T`: the whole of it, or with a `wrapper` the
/// value of that property (a bare value is accepted too; the rest of the object is
/// skipped).
fn document<T: Extract>(text: &str, wrapper: Option<&'static str>) -> Result<T, Failure> {
    let Some(key) = wrapper else { return deserialize(text.as_bytes()) };
    let outer = serde_json::from_str::<HashMap<String, Box<RawValue>>>(text).ok();
    let inner = outer.as_ref().and_then(|map| map.get(key)).map_or(text, |raw| raw.get());
    deserialize(inner.as_bytes())
}

/// Parses one complete JSON value into a `T` and checks it: the value, or every
/// reason it is not one.
pub(crate) fn checked<T: Extract>(json: &[u8]) -> Result<T, Report> {
    let mut report = Report::new();
    match deserialize::<T>(json) {
        Ok(mut value) => {
            value.check(&mut report);
            report.into_result().map(|()| value)
        }
        Err(failure) => {
            failure.report_to(&mut report);
            Err(report)
        }
    }
}

/// [`read`], then the value's rules: what the re-ask loop accepts, with the repairs
/// made either way.
pub(crate) fn judged<T: Extract>(
    raw: &str,
    wrapper: Option<&'static str>,
    lenient: bool,
) -> Result<Parsed<T>, Rejected> {
    let Parsed { value, repairs } = read::<T>(raw, wrapper, lenient)?;
    match checked_value(value, wrapper) {
        Ok(value) => Ok(Parsed { value, repairs }),
        Err(report) => Err(Rejected { report, repairs }),
    }
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

/// Reads `json` into a `T`. The plain read comes first: tracking the path costs a
/// copy of every key, and is only needed to say where an error is.
fn deserialize<T: Extract>(json: &[u8]) -> Result<T, Failure> {
    if let Ok(value) = serde_json::from_slice::<T>(json) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de)
        .map_err(|err| Failure { path: err.path().iter().map(segment).collect(), error: err.into_inner() })?;
    // The plain read failed on what follows the value: a second value, or other text.
    de.end().map_err(|error| Failure { path: Path::root(), error })?;
    Ok(value)
}

/// serde_path_to_error's step as a [`Path`] step: a variant name reads as a field.
fn segment(step: &serde_path_to_error::Segment) -> PathSegment {
    use serde_path_to_error::Segment;
    match step {
        Segment::Seq { index } => PathSegment::Index(*index),
        Segment::Map { key } => PathSegment::Field(Cow::Owned(key.clone())),
        Segment::Enum { variant } => PathSegment::Field(Cow::Owned(variant.clone())),
        Segment::Unknown => PathSegment::Field(Cow::Borrowed("?")),
    }
}

/// Why a JSON text is not a `T`, and where serde stopped reading it.
struct Failure {
    path: Path,
    error: serde_json::Error,
}

impl Failure {
    /// The failure as a report, under the `wrapper`'s property when there is one and
    /// the failure is about a value.
    fn into_report(self, wrapper: Option<&'static str>) -> Report {
        let mut report = Report::new();
        match wrapper {
            Some(key) if !self.at_root() => report.with_field(key, |r| self.report_to(r)),
            _ => self.report_to(&mut report),
        }
        report
    }

    /// Whether the error is about the text as a whole (not JSON at all), not one value.
    fn at_root(&self) -> bool {
        (self.error.is_syntax() || self.error.is_eof()) && !self.out_of_range()
    }

    /// A number too large for any type serde_json reads numbers into (`1e400`):
    /// serde_json calls it a syntax error, but it is the value at the path that is wrong.
    fn out_of_range(&self) -> bool {
        self.error.is_syntax() && self.error.to_string().starts_with("number out of range")
    }

    /// Adds the failure to `report`, at the path of the value it is about: a missing or
    /// repeated field at that field, whose name serde gives only in its message.
    fn report_to(&self, report: &mut Report) {
        if self.at_root() {
            report.add("parse", format!("the reply is not valid JSON: {}", self.error));
            return;
        }
        let mut message = strip_position(&self.error.to_string());
        if self.out_of_range() {
            message.push_str(": write a number this field's type can hold");
        }
        let mut path = self.path.clone();
        if let Some(field) = named_field(&message) {
            path.push(PathSegment::Field(Cow::Owned(field.to_owned())));
        }
        report.add_at(&path, "parse", message);
    }
}

/// The field a "missing field `x`" or "duplicate field `x`" message names.
fn named_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `").or_else(|| message.strip_prefix("duplicate field `"))?;
    rest.strip_suffix('`')
}

/// serde_json ends data errors with " at line N column M", which means nothing to the
/// model once the path is given.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{judged, read};
    use crate::validate::Report;
    use crate::Extract;
    use schemars::JsonSchema;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Extract, Deserialize, JsonSchema, Debug)]
    #[serde(rename_all = "lowercase")]
    enum Level {
        Junior,
        Senior,
    }

    #[derive(Extract, Deserialize, JsonSchema, Debug)]
    struct Pay {
        min_amount: f64,
        currency: String,
    }

    #[derive(Extract, Deserialize, JsonSchema, Debug)]
    struct Entry {
        count: u8,
    }

    #[derive(Extract, Deserialize, JsonSchema, Debug)]
    struct Posting {
        score: f64,
        level: Level,
        pay: Option<Pay>,
        #[serde(default)]
        entries: Vec<Entry>,
    }

    /// Where and why `raw` fails to parse as a `Posting`, one `path: message` a line.
    fn failure(raw: &str) -> String {
        judged::<Posting>(raw, None, false).expect_err("the reply should not parse").report.to_string()
    }

    /// `raw` read strictly as a `T`.
    fn parse<T: crate::Extract>(raw: &str, wrapper: Option<&'static str>) -> Result<T, Report> {
        read::<T>(raw, wrapper, false).map(|parsed| parsed.value).map_err(|rejected| rejected.report)
    }

    fn path_of(raw: &str) -> String {
        let report = parse::<Posting>(raw, None).expect_err("the reply should not parse");
        assert_eq!(report.len(), 1, "{report}");
        report.violations()[0].path.to_string()
    }

    #[test]
    fn a_number_no_f64_can_hold_is_reported_at_its_path() {
        let raw = r#"{"score": 10.576493824646166e+1000000000000000, "level": "senior"}"#;
        assert_eq!(path_of(raw), "score");
        assert!(failure(raw).contains("number out of range"), "{}", failure(raw));
        let nested = r#"{"score": 1, "level": "senior", "pay": {"min_amount": -1e400, "currency": "USD"}}"#;
        assert_eq!(path_of(nested), "pay.min_amount");
    }

    #[test]
    fn an_integer_its_type_cannot_hold_is_reported_at_its_path() {
        let raw = r#"{"score": 1, "level": "senior", "entries": [{"count": 3}, {"count": 300}]}"#;
        assert_eq!(path_of(raw), "entries[1].count");
        assert!(failure(raw).contains("integer `300`"), "{}", failure(raw));
    }

    #[test]
    fn a_wrong_type_is_reported_at_its_path() {
        let raw = r#"{"score": "high", "level": "senior"}"#;
        assert_eq!(path_of(raw), "score");
        assert!(failure(raw).contains("invalid type: string \"high\""), "{}", failure(raw));
    }

    #[test]
    fn an_unknown_variant_is_reported_at_its_path() {
        let raw = r#"{"score": 1, "level": "principal"}"#;
        assert_eq!(path_of(raw), "level");
        assert!(failure(raw).contains("unknown variant `principal`"), "{}", failure(raw));
    }

    #[test]
    fn a_missing_field_is_reported_at_the_field_itself() {
        assert_eq!(path_of(r#"{"score": 1}"#), "level");
        assert_eq!(path_of(r#"{"score": 1, "level": "senior", "pay": {"min_amount": 5}}"#), "pay.currency");
    }

    #[test]
    fn a_number_out_of_range_inside_a_wrapper_is_reported_under_it() {
        let report = parse::<Vec<f64>>(r#"{"items": [1, 1e999]}"#, Some("items")).expect_err("out of range");
        assert_eq!(report.violations()[0].path.to_string(), "items[1]");
    }

    #[test]
    fn a_second_json_value_after_the_first_is_refused() {
        let two = "{\"score\": 1, \"level\": \"senior\"}\n{\"score\": 2, \"level\": \"junior\"}";
        let report = parse::<Posting>(two, None).expect_err("two values are not one");
        assert!(report.violations()[0].path.is_empty());
        assert!(report.to_string().contains("trailing characters"), "{report}");
        let report = super::checked::<Posting>(two.as_bytes()).expect_err("two values are not one");
        assert!(report.to_string().contains("trailing characters"), "{report}");
    }

    #[test]
    fn bracketed_prose_before_the_json_is_passed_over() {
        let value = json!({"score": 1, "level": "senior"}).to_string();
        for raw in [
            format!("I found [3] skills and {{2}} levels: {value}"),
            format!("Here [is] the result:\n```json\n{value}\n```"),
            format!("Result {{\"draft\": true}}:\n{value}\nDone [ok]."),
        ] {
            let posting = parse::<Posting>(&raw, None).unwrap_or_else(|report| panic!("{raw:?}: {report}"));
            assert_eq!(posting.score, 1.0);
        }
        // Strings hold brackets of their own.
        let tricky = r#"Note ["a]", {"b": "}"}] then {"score": 2, "level": "junior"}"#;
        assert_eq!(parse::<Posting>(tricky, None).unwrap().score, 2.0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(crate::fuzz_cases()))]

        /// Whatever the model writes, reading it ends in a value or a report: no
        /// panic, and a report always says something.
        #[test]
        fn any_reply_reads_or_is_reported_never_a_panic(
            raw in "(```json\n|[{}\\[\\],:\" '\\\\]|score|level|senior|1e999|-?[0-9]{1,4}|[a-z ]{1,5}|\n){0,40}"
        ) {
            if let Err(rejected) = judged::<Posting>(&raw, None, true) {
                proptest::prop_assert!(!rejected.report.is_empty());
            }
            if let Err(rejected) = judged::<Vec<Entry>>(&raw, Some("items"), true) {
                proptest::prop_assert!(!rejected.report.is_empty());
            }
        }
    }

    #[test]
    fn broken_json_is_still_reported_at_the_root() {
        let report = parse::<Posting>(r#"{"score": 1, "level": }"#, None).expect_err("not JSON");
        assert!(report.violations()[0].path.is_empty());
        assert!(report.to_string().contains("not valid JSON"), "{report}");
    }
}
