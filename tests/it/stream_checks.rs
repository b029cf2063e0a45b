//! Nested values are checked as they close, from their partial forms: what the reader
//! reports early is what reading each closed value from its JSON reports, for values
//! that keep their rules, break them, or do not fit their types at all.

use pluck::stream::{PartialReader, Streamable};
use pluck::Extract;
use proptest::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Wide,
    Narrow,
}

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
struct Note {
    #[extract(length(min = 1, max = 4))]
    text: String,
}

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
#[extract(validate = Self::ordered)]
struct Band {
    #[extract(range(min = 0, max = 10))]
    low: Option<f64>,
    #[extract(range(min = 0, max = 10))]
    high: Option<f64>,
    #[extract(length(max = 2), dedup)]
    tags: Vec<String>,
    kind: Kind,
    note: Option<Note>,
    #[extract(length(max = 2))]
    labels: Vec<String>,
    #[serde(skip)]
    seen: bool,
}

impl Band {
    fn ordered(&self) -> Result<(), String> {
        match (self.low, self.high) {
            (Some(low), Some(high)) if low > high => Err(format!("low ({low}) above high ({high})")),
            _ => Ok(()),
        }
    }
}

/// A value for a key, as JSON text: fitting, breaking a rule, or of the wrong type.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-5i32..15).prop_map(|n| n.to_string()),
        1 => Just("null".to_owned()),
        1 => Just("\"7\"".to_owned()),
        1 => Just("true".to_owned()),
        1 => Just("1e999".to_owned()),
    ]
}

fn tags() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(prop::sample::select(vec!["a", "b", "c"]), 0..4)
            .prop_map(|tags| format!("[{}]", tags.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(","))),
        1 => Just("[\"a\", null]".to_owned()),
        1 => Just("[1]".to_owned()),
        1 => Just("\"a\"".to_owned()),
    ]
}

fn kind() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["\"wide\"", "\"narrow\"", "\"tall\"", "3", "null"]).prop_map(str::to_owned)
}

fn note() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "null",
        "{\"text\": \"ok\"}",
        "{\"text\": \"\"}",
        "{\"text\": \"too long\"}",
        "{\"text\": 3}",
        "{}",
        "[\"text\"]",
    ])
    .prop_map(str::to_owned)
}

/// An item as JSON text: some keys missing, now and then one written twice.
fn item() -> impl Strategy<Value = String> {
    (
        prop::option::weighted(0.9, number()),
        prop::option::weighted(0.9, number()),
        prop::option::weighted(0.9, tags()),
        prop::option::weighted(0.9, kind()),
        prop::option::weighted(0.7, note()),
        prop::option::weighted(0.1, number()),
        prop::option::weighted(0.9, tags()),
    )
        .prop_map(|(low, high, tags, kind, note, again, labels)| {
            let entries: Vec<String> =
                [("low", low), ("high", high), ("tags", tags), ("kind", kind), ("note", note), ("labels", labels)]
                    .into_iter()
                    .chain([("low", again)])
                    .filter_map(|(key, value)| value.map(|value| format!("\"{key}\": {value}")))
                    .collect();
            format!("{{{}}}", entries.join(", "))
        })
}

/// What reading the item from its JSON reports, at its path in the reply; `None` when
/// it does not parse (then the reader must report a parse error somewhere inside it).
fn from_json(index: usize, item: &str) -> Option<Vec<String>> {
    let mut band: Band = serde_json::from_str(item).ok()?;
    let report = pluck::validate(&mut band).err().unwrap_or_default();
    let at = |v: &pluck::validate::Violation| match v.path.is_empty() {
        true => format!("items[{index}]: {v}"),
        false => format!("items[{index}].{v}"),
    };
    Some(report.iter().map(at).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn early_checks_match_reading_each_item(items in prop::collection::vec(item(), 1..6), size in 1..9usize) {
        let reply = format!("{{\"items\": [{}]}}", items.join(", "));
        let mut reader = PartialReader::<Vec<Band>>::new();
        for chunk in reply.as_bytes().chunks(size) {
            reader.feed(chunk);
        }
        let early: Vec<String> = reader.violations().iter().map(ToString::to_string).collect();
        for (index, item) in items.iter().enumerate() {
            let prefix = format!("items[{index}]");
            let mine: Vec<&String> =
                early.iter().filter(|v| v.starts_with(&format!("{prefix}.")) || v.starts_with(&format!("{prefix}:"))).collect();
            match from_json(index, item) {
                Some(mut expected) => {
                    // A check lends the form's values and gives them back as they were,
                    // though the check drops repeated tags from what it was lent.
                    let form = reader.partial().and_then(|items| items.get(index)).expect("an object shows");
                    let mut lent = form.clone();
                    if let Some(mut band) = Band::lend(&mut lent) {
                        let _ = pluck::validate(&mut band);
                        Band::give_back(&mut band, &mut lent);
                    }
                    prop_assert_eq!(&lent, form, "item {}", item);
                    let mut got: Vec<String> = mine.into_iter().cloned().collect();
                    expected.sort();
                    got.sort();
                    prop_assert_eq!(got, expected, "item {}", item);
                }
                None => {
                    let parse = reader.violations().iter().any(|v| v.rule == "parse" && v.to_string().starts_with(&prefix));
                    prop_assert!(parse, "no parse error for {} in {:?}", item, early);
                }
            }
        }
    }
}

#[test]
fn a_rule_broken_inside_a_closed_item_is_known_before_the_reply_ends() {
    let mut reader = PartialReader::<Vec<Band>>::new();
    reader.feed(br#"{"items": [{"low": 4, "high": 2, "tags": ["a"], "kind": "wide", "note": {"text": ""}, "labels": []}, {"low": 1"#);
    let early: Vec<String> = reader.violations().iter().map(ToString::to_string).collect();
    assert_eq!(
        early,
        ["items[0].note.text: must have at least 1 character, got 0", "items[0]: low (4) above high (2)"],
        "{early:?}"
    );
}

#[test]
fn a_value_of_the_wrong_type_is_a_parse_error_not_an_absent_value() {
    let mut reader = PartialReader::<Vec<Band>>::new();
    // `note` is optional, so a form that dropped the string would pass.
    reader.feed(br#"{"items": [{"tags": [], "kind": "wide", "note": "later", "labels": []}]"#);
    let early = reader.violations();
    assert_eq!(early.len(), 1, "{early}");
    assert_eq!(early.violations()[0].rule, "parse");
    assert!(early.to_string().starts_with("items[0]"), "{early}");
}
