//! The final value of a streamed reply is taken out of its partial form when the form
//! can vouch for it, and read from the JSON otherwise: either way it is what reading the
//! whole reply gives, value or report, for replies that fit their types, break rules,
//! hold values of the wrong type, repeat keys, or sit inside prose.

use pluck::stream::PartialReader;
use pluck::validate::Report;
use pluck::Extract;
use proptest::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Level {
    Low,
    High,
}

/// Read from `null`, as serde reads a unit struct.
#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
struct Marker;

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
struct Inner {
    name: String,
    #[extract(length(max = 4))]
    codes: Vec<u16>,
}

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
#[extract(validate = Self::sane)]
struct Listing {
    title: Option<String>,
    #[extract(range(max = 100))]
    count: u8,
    ratio: f64,
    #[extract(dedup)]
    tags: Vec<String>,
    inner: Option<Inner>,
    level: Option<Level>,
    scores: BTreeMap<String, i32>,
    extra: Option<serde_json::Value>,
    marker: Option<Marker>,
}

impl Listing {
    fn sane(&self) -> Result<(), String> {
        if self.count > 50 && self.level == Some(Level::Low) {
            return Err(format!("a count of {} is not low", self.count));
        }
        Ok(())
    }
}

/// Each key with values that fit it (some breaking a rule), then values that do not
/// fit its type (or repeat a key inside).
#[allow(clippy::type_complexity)]
const FIELDS: &[(&str, &[&str], &[&str])] = &[
    ("title", &[r#""Rust \u00e9ngineer""#, r#""""#, "null", r#""a\"b\\c""#], &["5"]),
    ("count", &["7", "100", "101", "60"], &["300", "-1", "7.0", r#""7""#, "null"]),
    ("ratio", &["0.5", "1e3", "-2.25E-3", "3", "0.1000000000000000055511151231257827"], &[r#""x""#, "null"]),
    ("tags", &["[]", r#"["a", "b", "a"]"#], &[r#"["a", null]"#, "[1]", "{}"]),
    (
        "inner",
        &[r#"{"name": "n", "codes": [1, 2]}"#, r#"{"name": "n", "codes": [1, 2, 3, 4, 5]}"#, "null"],
        &[
            r#"{"codes": []}"#,
            r#"{"name": "n", "codes": [1], "name": "m"}"#,
            r#"{"name": "n", "codes": [70000]}"#,
            "[]",
        ],
    ),
    ("level", &[r#""low""#, r#""high""#, "null"], &[r#""other""#, "1"]),
    ("scores", &["{}", r#"{"a": 1, "b": -2}"#], &[r#"{"a": 1, "a": 2}"#, r#"{"a": 1.5}"#, "[]"]),
    ("marker", &["null"], &["1"]),
    ("extra", &[r#"{"k": [1, "two", null, true, {"n": -0.5e-3}]}"#, "null", "3.25", r#""s""#, "[{}]"], &[]),
];

/// One object: each key present or not, with a value that fits it (mostly) or not, in
/// any order, maybe with an unknown key or a key written twice.
fn object() -> impl Strategy<Value = String> {
    let fields: Vec<_> = FIELDS
        .iter()
        .map(|(key, fitting, wrong)| {
            let member =
                |values: &[&str]| -> Vec<String> { values.iter().map(|v| format!("\"{key}\": {v}")).collect() };
            let value = match wrong.is_empty() {
                true => prop::sample::select(member(fitting)).boxed(),
                false => {
                    prop_oneof![9 => prop::sample::select(member(fitting)), 1 => prop::sample::select(member(wrong))]
                        .boxed()
                }
            };
            prop::option::weighted(0.95, value)
        })
        .collect();
    let extra = prop::sample::select(vec![None, None, Some(r#""note": {"x": [1]}"#), Some(r#""count": 8"#)]);
    (fields, extra).prop_flat_map(|(fields, extra)| {
        let mut members: Vec<String> = fields.into_iter().flatten().collect();
        members.extend(extra.map(str::to_owned));
        Just(members).prop_shuffle().prop_map(|members| format!("{{{}}}", members.join(", ")))
    })
}

/// Around the document: nothing, whitespace, prose before or after, another value after.
fn framed(document: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let before = prop::sample::select(vec!["", "", " \n", "Here it is: "]);
    let after = prop::sample::select(vec!["", "", "\n ", " Done.", r#" {"x": 1}"#]);
    (before, document, after).prop_map(|(before, document, after)| format!("{before}{document}{after}"))
}

/// Reads `reply` in chunks of `size` bytes. Along the way, `feed` says a chunk changed
/// something exactly when the partial form or the rules broken so far differ from
/// before it.
fn read<T>(reply: &str, size: usize) -> Result<T, Report>
where
    T: Extract + pluck::stream::Streamable,
    T::Partial: Clone + PartialEq + std::fmt::Debug,
{
    let mut reader = PartialReader::<T>::new();
    let mut before = (None, Report::default());
    for (i, chunk) in reply.as_bytes().chunks(size).enumerate() {
        let changed = reader.feed(chunk);
        let now = (reader.partial().cloned(), reader.violations().clone());
        assert_eq!(changed, now != before, "chunk {i} ({:?}) of {reply:?}", String::from_utf8_lossy(chunk));
        before = now;
    }
    reader.finish()
}

/// The same reply read from its JSON: prose ahead of it keeps the form from vouching.
fn read_json<T>(reply: &str) -> Result<T, Report>
where
    T: Extract + pluck::stream::Streamable,
    T::Partial: Clone + PartialEq + std::fmt::Debug,
{
    read(&format!("Answer: {reply}"), reply.len() + 8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn a_finished_form_gives_what_reading_the_json_gives(reply in framed(object()), size in 1..9usize) {
        let from_form = read::<Listing>(&reply, size);
        prop_assert_eq!(&from_form, &read_json::<Listing>(&reply));
        if let Ok(value) = &from_form {
            let json = pluck::parse::json_text(&reply).unwrap_or_default();
            // As replies are read: what follows the document is left alone.
            let mut read = Listing::deserialize(&mut serde_json::Deserializer::from_str(json)).ok();
            prop_assert!(read.as_mut().is_some_and(|read| pluck::validate(read).is_ok()));
            prop_assert_eq!(Some(value), read.as_ref());
        }
    }

    #[test]
    fn a_finished_list_gives_what_reading_the_json_gives(
        items in prop::collection::vec(object(), 0..4),
        wrapped in any::<bool>(),
        size in 1..9usize,
    ) {
        let list = format!("[{}]", items.join(", "));
        let reply = if wrapped { format!(r#"{{"items": {list}}}"#) } else { list };
        prop_assert_eq!(read::<Vec<Listing>>(&reply, size), read_json::<Vec<Listing>>(&reply));
    }
}

/// How many times a `Stamp` was read from JSON.
static STAMPS_READ: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Clone, PartialEq)]
struct Stamp(String);

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        STAMPS_READ.fetch_add(1, Ordering::SeqCst);
        String::deserialize(deserializer).map(Stamp)
    }
}

impl JsonSchema for Stamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Stamp".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
struct Stamped {
    #[extract(whole)]
    stamp: Stamp,
    #[extract(length(max = 3))]
    note: String,
}

#[test]
fn a_finished_reply_is_not_read_again_unless_the_form_cannot_vouch_for_it() {
    let cases = [
        // The form took everything: the stamp was read once, as it closed.
        (r#"{"stamp": "s1", "note": "ok"}"#, 1, true),
        (" \n{\"stamp\": \"s1\", \"note\": \"long\"}\n", 1, false),
        // Prose around the document, a key written twice: read again from the JSON (a
        // reply that does not parse is read a third time, for the path of the error).
        (r#"Sure: {"stamp": "s1", "note": "ok"}"#, 2, true),
        (r#"{"stamp": "s1", "note": "ok"} Done."#, 2, true),
        (r#"{"stamp": "s1", "note": "ok", "note": "no"}"#, 3, false),
    ];
    for (reply, reads, valid) in cases {
        let before = STAMPS_READ.load(Ordering::SeqCst);
        let result = read::<Stamped>(reply, 3);
        assert_eq!(STAMPS_READ.load(Ordering::SeqCst) - before, reads, "{reply}");
        assert_eq!(result.is_ok(), valid, "{reply}: {result:?}");
        if let Ok(value) = result {
            assert_eq!(value, Stamped { stamp: Stamp("s1".into()), note: "ok".into() });
        }
    }
}
