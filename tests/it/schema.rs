//! Generated schemas: snapshots of the blog's types as each mode sends them, and the
//! strict-mode refusals.

use crate::support;

use crate::support::MockServer;
use pluck::schema::{prepare, SchemaError, Target};
use pluck::{Extract, Mode};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use support::job::JobPostingAnalysis;
use support::triage::SupportTriage;
use support::*;

/// The request body a mode sends for `T`, with the volatile parts kept.
async fn request_body<T: Extract>(mode: Mode) -> Value {
    let server = MockServer::start().await;
    reply_always(&server, ok(completion("{}", 1, 1))).await;
    let _ = client(&server, mode).request::<T>().user("TEXT").max_retries(0).send().await;
    bodies(&server).await.remove(0)
}

#[tokio::test]
async fn job_posting_analysis_in_each_mode() {
    for (mode, name) in [
        (Mode::JsonSchema, "json_schema"),
        (Mode::Tools, "tools"),
        (Mode::Json, "json"),
        (Mode::MdJson, "md_json"),
        (Mode::JsonObjectSchema, "json_object_schema"),
    ] {
        let body = request_body::<JobPostingAnalysis>(mode).await;
        insta::assert_json_snapshot!(format!("job_posting_analysis_{name}"), body);
    }
}

#[tokio::test]
async fn support_triage_keeps_reasoning_first() {
    let body = request_body::<SupportTriage>(Mode::JsonSchema).await;
    let schema = &body["response_format"]["json_schema"]["schema"];
    let keys: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["reasoning", "priority", "category"], "chain of thought: reasoning is written first");
    assert_eq!(schema["required"], json!(["reasoning", "priority", "category"]));
    insta::assert_json_snapshot!("support_triage_strict", schema);
}

#[test]
fn plain_target_keeps_rules_the_strict_target_describes() {
    let plain = prepare::<JobPostingAnalysis>(Target::Plain).unwrap();
    let salary = &plain.schema()["$defs"]["SalaryRange"];
    assert_eq!(salary["properties"]["currency"]["minLength"], 3);
    assert_eq!(salary["properties"]["min_amount"]["anyOf"][0]["minimum"], 0);
    // The amounts have a serde default: the plain target lets a grammar leave them out.
    assert_eq!(salary["required"], json!(["currency"]));
    let strict = prepare::<JobPostingAnalysis>(Target::Strict).unwrap();
    let currency = &strict.schema()["$defs"]["SalaryRange"]["properties"]["currency"];
    assert!(currency.get("minLength").is_none());
    assert!(currency["description"].as_str().unwrap().contains("at least 3 characters"));
    insta::assert_json_snapshot!("job_posting_analysis_plain", plain.schema());
}

/// A salary range as the blog's Pydantic model writes it: the amounts default to `None`.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct DefaultedAmounts {
    #[serde(default)]
    #[extract(range(min = 0))]
    min_amount: Option<f64>,
    currency: String,
}

#[test]
fn strict_targets_take_a_null_default_on_a_field_that_takes_null() {
    for target in [Target::Strict, Target::Anthropic] {
        let prepared = prepare::<DefaultedAmounts>(target).unwrap();
        let schema = prepared.schema();
        assert_eq!(schema["required"], json!(["min_amount", "currency"]), "{target:?}: {schema}");
        assert!(schema["properties"]["min_amount"].get("default").is_none(), "{target:?}: {schema}");
    }
    // Writing null reads as the default did.
    let read: DefaultedAmounts = serde_json::from_str(r#"{"min_amount": null, "currency": "USD"}"#).unwrap();
    assert_eq!(read.min_amount, None);
}

#[test]
fn schemas_are_built_once() {
    let first = prepare::<JobPostingAnalysis>(Target::Strict).unwrap();
    let second = prepare::<JobPostingAnalysis>(Target::Strict).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &second));
}

#[derive(Extract, Deserialize, JsonSchema)]
struct WithDefault {
    #[serde(default = "usd")]
    currency: String,
}

fn usd() -> String {
    "USD".into()
}

#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct WithMap {
    name: String,
    scores: HashMap<String, f64>,
}

#[derive(Extract, Deserialize, JsonSchema)]
struct WithAny {
    payload: Value,
}

#[test]
fn strict_mode_refuses_what_it_cannot_express_naming_the_field() {
    let err = prepare::<WithDefault>(Target::Strict).unwrap_err();
    assert!(
        matches!(&err, SchemaError::Unsupported { location, keyword: "default", .. } if location == "WithDefault.currency"),
        "{err:?}"
    );
    assert!(err.to_string().contains("`WithDefault.currency`"), "{err}");

    let err = prepare::<WithMap>(Target::Strict).unwrap_err();
    assert!(
        matches!(&err, SchemaError::Unsupported { location, keyword: "additionalProperties", .. } if location == "WithMap.scores"),
        "{err:?}"
    );

    let err = prepare::<WithAny>(Target::Strict).unwrap_err();
    assert!(matches!(&err, SchemaError::Untyped { location } if location == "WithAny.payload"), "{err:?}");

    // The plain target takes them all.
    assert!(prepare::<WithMap>(Target::Plain).is_ok());
    assert!(prepare::<WithDefault>(Target::Plain).is_ok());
}

#[tokio::test]
async fn a_schema_strict_mode_rejects_fails_before_any_request() {
    let server = MockServer::start().await;
    let err = client(&server, Mode::Tools).extract::<WithMap>("x").await.unwrap_err();
    assert!(matches!(err, pluck::Error::Schema(_)), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Sentiment, as a top-level enum.
#[derive(Extract, Deserialize, JsonSchema, Debug, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Sentiment {
    Positive,
    Negative,
    Mixed,
}

/// An enum with data, as tagged alternatives.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Contact {
    /// An email address.
    Email { address: String },
    /// A phone number.
    Phone { number: String, extension: Option<String> },
}

#[test]
fn non_object_roots_are_wrapped() {
    let sentiment = prepare::<Sentiment>(Target::Strict).unwrap();
    assert_eq!(sentiment.wrapper(), Some("value"));
    assert_eq!(sentiment.schema()["properties"]["value"]["enum"], json!(["positive", "negative", "mixed"]));
    let contact = prepare::<Contact>(Target::Strict).unwrap();
    insta::assert_json_snapshot!("contact_tagged_enum_strict", contact.schema());
    let alternatives = contact.schema()["properties"]["value"]["anyOf"].as_array().unwrap();
    assert_eq!(alternatives.len(), 2);
    assert_eq!(alternatives[1]["required"], json!(["type", "number", "extension"]));
}

mod a {
    #[derive(pluck::Extract, serde::Deserialize, schemars::JsonSchema)]
    pub struct Item {
        #[extract(range(min = 0, max = 1))]
        pub score: f64,
    }
}

mod b {
    #[derive(pluck::Extract, serde::Deserialize, schemars::JsonSchema)]
    pub struct Item {
        #[extract(range(min = 10, max = 100))]
        pub score: f64,
        #[extract(length(max = 3))]
        pub name: String,
    }
}

#[derive(Extract, Deserialize, JsonSchema)]
struct Wrapper<T> {
    #[extract(length(max = 2))]
    items: Vec<T>,
}

#[derive(Extract, Deserialize, JsonSchema)]
struct Inner {
    #[extract(length(max = 5))]
    label: String,
}

#[derive(Extract, Deserialize, JsonSchema)]
struct SameNames {
    first: a::Item,
    second: b::Item,
    words: Wrapper<String>,
    inners: Wrapper<Inner>,
}

/// The `$defs` entry a property of `schema` refers to.
fn def<'a>(schema: &'a Value, property: &str) -> &'a Value {
    let reference = schema["properties"][property]["$ref"].as_str().unwrap();
    &schema["$defs"][reference.rsplit('/').next().unwrap()]
}

#[test]
fn types_of_the_same_name_keep_their_own_rules() {
    let plain = prepare::<SameNames>(Target::Plain).unwrap();
    let schema = plain.schema();
    let first = &def(schema, "first")["properties"];
    assert_eq!((&first["score"]["minimum"], &first["score"]["maximum"]), (&json!(0), &json!(1)));
    let second = &def(schema, "second")["properties"];
    assert_eq!((&second["score"]["minimum"], &second["score"]["maximum"]), (&json!(10), &json!(100)));
    assert_eq!(second["name"]["maxLength"], 3);
    for generic in ["words", "inners"] {
        assert_eq!(def(schema, generic)["properties"]["items"]["maxItems"], 2, "{generic}");
    }
    assert_eq!(schema["$defs"]["Inner"]["properties"]["label"]["maxLength"], 5);
}

#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Point {
    x: u32,
    #[extract(range(max = 5))]
    y: Option<u32>,
}

#[derive(Extract, Deserialize, JsonSchema, Debug)]
#[serde(tag = "kind")]
enum Tagged {
    First { a: u32 },
    SecondKind(Point),
}

#[test]
fn internally_tagged_newtype_variants_hold_the_inner_fields() {
    let value: Tagged = serde_json::from_str(r#"{"kind": "SecondKind", "x": 0, "y": null}"#).unwrap();
    assert!(matches!(value, Tagged::SecondKind(Point { x: 0, y: None })));
    for target in [Target::Strict, Target::Plain, Target::Gemini] {
        let prepared = prepare::<Tagged>(target).unwrap();
        let schema = prepared.schema();
        let alternatives = &schema["properties"]["value"];
        let variant = &alternatives.get("anyOf").unwrap_or(&alternatives["oneOf"])[1];
        let keys: Vec<&String> = variant["properties"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["kind", "x", "y"], "{target:?}: {variant}");
        assert!(variant.get("$ref").is_none() && variant.get("anyOf").is_none(), "{target:?}: {variant}");
        let y = &variant["properties"]["y"];
        let y = if target == Target::Plain { &y["anyOf"][0] } else { y };
        assert_eq!(y["maximum"], 5, "{target:?}: {variant}");
        if target != Target::Gemini {
            assert_eq!(variant["required"], json!(["kind", "x", "y"]), "{target:?}: {variant}");
        }
        if target == Target::Strict {
            assert_eq!(variant["additionalProperties"], false, "{target:?}: {variant}");
        }
    }
}

#[derive(Extract, Deserialize, JsonSchema, Default, Debug)]
struct Counter {
    count: u32,
}

#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Defaults {
    #[serde(default)]
    number: u32,
    #[serde(default)]
    counter: Counter,
    #[serde(default)]
    maybe: Option<u32>,
}

#[test]
fn plain_target_offers_null_only_where_serde_takes_it() {
    let plain = prepare::<Defaults>(Target::Plain).unwrap();
    let props = &plain.schema()["properties"];
    // A field whose serde default the schema states (schemars writes it for a type
    // that is `Serialize`) is not required: serde reads an absent one as the default.
    // `Counter` is not `Serialize`, so its field is asked for as before.
    assert_eq!(plain.schema()["required"], json!(["counter"]), "{}", plain.schema());
    assert_eq!(props["number"]["type"], "integer", "{props}");
    assert_eq!(props["counter"]["$ref"], "#/$defs/Counter", "{props}");
    assert_eq!(props["maybe"]["anyOf"], json!([{"type": "integer", "minimum": 0}, {"type": "null"}]), "{props}");
    let absent: Defaults = serde_json::from_str("{}").unwrap();
    assert_eq!((absent.number, absent.counter.count, absent.maybe), (0, 0, None));
    // What the schema offers, serde takes.
    let offered: Defaults = serde_json::from_str(r#"{"number": 1, "counter": {"count": 2}, "maybe": null}"#).unwrap();
    assert_eq!((offered.number, offered.counter.count, offered.maybe), (1, 2, None));
    assert!(serde_json::from_str::<Defaults>(r#"{"number": null}"#).is_err(), "serde refuses null for a u32");
}

/// Nullable fields with rules a grammar enforces.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Nullables {
    /// Up to three tags.
    #[extract(length(max = 3))]
    tags: Option<Vec<String>>,
    /// A short code.
    #[extract(length(min = 2, max = 4))]
    code: Option<String>,
    note: Option<String>,
    #[extract(range(min = 0))]
    amount: Option<f64>,
}

#[test]
fn plain_target_keeps_the_rules_of_a_nullable_field_where_grammars_read_them() {
    let plain = prepare::<Nullables>(Target::Plain).unwrap();
    let props = &plain.schema()["properties"];
    assert_eq!(
        props["tags"],
        json!({"description": "Up to three tags.", "title": "Tags", "anyOf": [
            {"type": "array", "items": {"type": "string"}, "maxItems": 3}, {"type": "null"}
        ]}),
        "{props}"
    );
    assert_eq!(
        props["code"],
        json!({"description": "A short code.", "title": "Code", "anyOf": [
            {"type": "string", "minLength": 2, "maxLength": 4}, {"type": "null"}
        ]}),
        "{props}"
    );
    assert_eq!(props["note"], json!({"title": "Note", "anyOf": [{"type": "string"}, {"type": "null"}]}), "{props}");
    assert_eq!(
        props["amount"],
        json!({"title": "Amount", "anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}]}),
        "no format: {props}"
    );
    let read: Nullables =
        serde_json::from_str(r#"{"tags": null, "code": "ab", "note": null, "amount": null}"#).unwrap();
    assert_eq!((read.tags, read.code.as_deref()), (None, Some("ab")));
}

/// A newtype with a rule of its own.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Share(#[extract(range(min = 0, max = 1))] f64);

#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Label {
    #[extract(length(min = 1))]
    text: String,
}

#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Holdings {
    share: Share,
    #[serde(flatten)]
    label: Label,
}

#[test]
fn newtype_and_flattened_rules_are_in_the_schema() {
    let mut value: Holdings = serde_json::from_str(r#"{"share": 2, "text": ""}"#).unwrap();
    let report = pluck::validate(&mut value).unwrap_err();
    assert_eq!(report.to_string(), "share: must be at most 1, got 2\ntext: must have at least 1 character, got 0");
    let schema = pluck::schema::generate::<Holdings>();
    assert_eq!(schema["$defs"]["Share"]["minimum"], 0, "{schema}");
    assert_eq!(schema["$defs"]["Share"]["maximum"], 1, "{schema}");
    assert_eq!(schema["properties"]["text"]["minLength"], 1, "{schema}");
    let root = pluck::schema::generate::<Share>();
    assert_eq!(root["maximum"], 1, "{root}");
}

macro_rules! nested {
    ($last:ident) => {
        #[derive(Extract, Deserialize, JsonSchema, Debug)]
        struct $last {
            leaf: String,
        }
    };
    ($outer:ident, $($inner:ident),+) => {
        #[derive(Extract, Deserialize, JsonSchema, Debug)]
        struct $outer {
            inner: nested!(@first $($inner),+),
        }
        nested!($($inner),+);
    };
    (@first $first:ident $(, $rest:ident)*) => { $first };
}

nested!(Deep1, Deep2, Deep3, Deep4, Deep5, Deep6, Deep7, Deep8, Deep9, Deep10, Deep11);

/// Two shapes whose first property is the same.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
#[serde(untagged)]
enum Operation {
    Rename { name: String, to: String },
    Delete { name: String },
}

#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Plan {
    steps: Vec<Operation>,
}

#[tokio::test]
async fn strict_mode_limits_fail_before_any_request_naming_the_type() {
    assert!(prepare::<Deep2>(Target::Strict).is_ok(), "10 levels");
    let err = prepare::<Deep1>(Target::Strict).unwrap_err();
    assert!(
        matches!(&err, SchemaError::StrictLimit { type_name, limit: "10 levels of nested objects", found } if type_name == "Deep1" && found.contains("11")),
        "{err:?}"
    );
    assert!(prepare::<Deep1>(Target::Plain).is_ok());
    let err = prepare::<Plan>(Target::Strict).unwrap_err();
    assert!(matches!(&err, SchemaError::StrictLimit { type_name, .. } if type_name == "Plan"), "{err:?}");
    assert!(err.to_string().contains("`Operation` has two members that begin with the same property `name`"), "{err}");
    let server = MockServer::start().await;
    let err = client(&server, Mode::JsonSchema).extract::<Deep1>("x").await.unwrap_err();
    assert!(matches!(err, pluck::Error::Schema(SchemaError::StrictLimit { .. })), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
