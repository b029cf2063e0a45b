//! Field rules, nested values, model rules and paths, without any network.

use crate::support;

use pluck::validate::Report;
use pluck::Extract;
use schemars::JsonSchema;
use serde::Deserialize;
use support::job::{JobPostingAnalysis, SalaryRange, Skill};

// The blog's three unit tests, ported.

#[test]
fn salary_validation_triggers_retry() {
    let mut salary = SalaryRange { min_amount: Some(200000.0), max_amount: Some(100000.0), currency: "USD".into() };
    let report = pluck::validate(&mut salary).unwrap_err();
    assert!(report.to_string().contains("cannot exceed"), "{report}");
    assert_eq!(report.violations()[0].rule, "validate_range");
}

#[test]
fn confidence_honesty_check() {
    let report = pluck::validate(&mut JobPostingAnalysis::empty(0.95)).unwrap_err();
    assert!(report.to_string().contains("too high"), "{report}");
    assert_eq!(report.violations()[0].rule, "check_confidence_honesty");
}

#[test]
fn skill_deduplication() {
    let mut analysis = JobPostingAnalysis::empty(0.5);
    analysis.skills =
        vec![Skill { name: "Python".into(), is_required: true }, Skill { name: "python".into(), is_required: false }];
    pluck::validate(&mut analysis).unwrap();
    assert_eq!(analysis.skills.len(), 1);
    assert!(analysis.skills[0].is_required, "the first of each is kept");
}

// Beyond the blog.

#[test]
fn nested_errors_carry_paths_and_all_are_collected() {
    let mut analysis = JobPostingAnalysis::empty(1.5);
    analysis.salary = Some(SalaryRange { min_amount: Some(-1.0), max_amount: Some(-5.0), currency: "US".into() });
    analysis.categories = vec![support::job::JobCategory {
        label: support::job::CategoryLabel::Data,
        confidence: 2.0,
        evidence: "x".into(),
    }];
    let report = pluck::validate(&mut analysis).unwrap_err();
    let lines: Vec<String> = report.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "salary.min_amount: must be at least 0, got -1",
            "salary.max_amount: must be at least 0, got -5",
            "salary.currency: must have at least 3 characters, got 2",
            "salary: min_amount (-1) cannot exceed max_amount (-5)",
            "categories[0].confidence: must be at most 1, got 2",
            "overall_confidence: must be at most 1, got 1.5",
            "Confidence 1.5 too high when only 0/2 key fields extracted",
        ]
    );
}

#[derive(Extract, Deserialize, JsonSchema, Debug)]
#[serde(rename_all = "camelCase")]
struct Renamed {
    #[extract(one_of("USD", "EUR"))]
    currency_code: String,
    #[serde(rename = "tags")]
    #[extract(length(max = 2), dedup)]
    labels: Vec<String>,
    items: Vec<Item>,
}

#[derive(Extract, Deserialize, JsonSchema, Debug, PartialEq)]
struct Item {
    #[extract(length(min = 1))]
    name: String,
}

#[test]
fn paths_use_wire_names_and_list_indices() {
    let mut value: Renamed = serde_json::from_str(
        r#"{"currencyCode": "GBP", "tags": ["a", "b", "a", "c"], "items": [{"name": "ok"}, {"name": ""}]}"#,
    )
    .unwrap();
    let report = pluck::validate(&mut value).unwrap_err();
    assert_eq!(
        report.to_string(),
        "currencyCode: must be one of \"USD\", \"EUR\", got \"GBP\"\n\
         tags: must have at most 2 items, got 3\n\
         items[1].name: must have at least 1 character, got 0"
    );
    assert_eq!(value.labels, ["a", "b", "c"], "dedup runs before the length rule");
}

/// An enum with data: nested values inside variants are checked too.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Shape {
    Single { item: Item },
    Many { items: Vec<Item> },
    Nothing,
}

#[test]
fn enum_variants_are_walked() {
    let mut shape: Shape = serde_json::from_str(r#"{"kind": "many", "items": [{"name": ""}]}"#).unwrap();
    let report = pluck::validate(&mut shape).unwrap_err();
    assert_eq!(report.to_string(), "items[0].name: must have at least 1 character, got 0");
    let mut single: Shape = serde_json::from_str(r#"{"kind": "single", "item": {"name": ""}}"#).unwrap();
    assert_eq!(
        pluck::validate(&mut single).unwrap_err().to_string(),
        "item.name: must have at least 1 character, got 0"
    );
    assert!(pluck::validate(&mut Shape::Nothing).is_ok());
}

#[test]
fn lists_and_maps_of_extract_types_are_walked() {
    let mut items = vec![Item { name: "a".into() }, Item { name: String::new() }];
    assert_eq!(pluck::validate(&mut items).unwrap_err().to_string(), "[1].name: must have at least 1 character, got 0");
    let mut map = std::collections::BTreeMap::from([("k".to_string(), Item { name: String::new() })]);
    assert_eq!(pluck::validate(&mut map).unwrap_err().to_string(), "k.name: must have at least 1 character, got 0");
}

#[test]
fn a_report_is_empty_until_a_rule_breaks() {
    let mut report = Report::new();
    assert!(report.is_empty());
    report.with_index(3, |r| r.add("custom", "bad"));
    assert_eq!(report.len(), 1);
    assert_eq!(report.to_string(), "[3]: bad");
}

#[cfg(feature = "garde")]
mod garde_interop {
    use super::*;

    #[derive(Extract, garde::Validate, Deserialize, JsonSchema)]
    #[extract(garde)]
    struct Contact {
        #[garde(length(min = 2))]
        #[extract(length(max = 5))]
        name: String,
    }

    #[test]
    fn garde_errors_join_the_report() {
        let report = pluck::validate(&mut Contact { name: "abcdefg".into() }).unwrap_err();
        assert_eq!(report.len(), 1);
        let report = pluck::validate(&mut Contact { name: "a".into() }).unwrap_err();
        assert_eq!(report.violations()[0].rule, "garde");
        assert_eq!(report.violations()[0].path.to_string(), "name");
    }
}

#[cfg(feature = "validator")]
mod validator_interop {
    use super::*;

    #[derive(Extract, validator::Validate, Deserialize, JsonSchema)]
    #[extract(validator)]
    struct Contact {
        #[validate(range(min = 1, max = 10))]
        rank: u32,
    }

    #[test]
    fn validator_errors_join_the_report() {
        let report = pluck::validate(&mut Contact { rank: 11 }).unwrap_err();
        assert_eq!(report.violations()[0].rule, "range");
        assert_eq!(report.violations()[0].path.to_string(), "rank");
        assert!(report.violations()[0].message.contains("got 11"), "{report}");
    }
}

#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Numbers {
    #[extract(range(min = 0.1, max = 0.3))]
    single: f32,
    #[extract(range(min = 0, max = 1))]
    double: f64,
    #[extract(range(max = 9007199254740992))]
    signed: i64,
    #[extract(range(max = 18446744073709551614))]
    unsigned: u64,
    #[extract(range(min = -1.5))]
    negative: Option<i8>,
}

impl Numbers {
    fn valid() -> Self {
        Numbers { single: 0.3, double: 1.0, signed: 1 << 53, unsigned: u64::MAX - 1, negative: Some(-1) }
    }
}

#[test]
fn range_compares_in_the_field_type() {
    // An f32 at its own bound, and the integers at theirs, pass.
    let mut value: Numbers = serde_json::from_str(
        r#"{"single": 0.3, "double": 1, "signed": 9007199254740992,
            "unsigned": 18446744073709551614, "negative": -1}"#,
    )
    .unwrap();
    pluck::validate(&mut value).unwrap();
    let mut value = Numbers { single: 0.1, ..Numbers::valid() };
    pluck::validate(&mut value).unwrap();

    let mut value =
        Numbers { signed: (1 << 53) + 1, unsigned: u64::MAX, negative: Some(-2), single: 0.31, ..Numbers::valid() };
    let report = pluck::validate(&mut value).unwrap_err();
    let lines: Vec<String> = report.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "single: must be at most 0.3, got 0.31",
            "signed: must be at most 9007199254740992, got 9007199254740993",
            "unsigned: must be at most 18446744073709551614, got 18446744073709551615",
            "negative: must be at least -1.5, got -2",
        ]
    );
}

#[test]
fn range_refuses_nan() {
    let mut value = Numbers { single: f32::NAN, double: f64::NAN, ..Numbers::valid() };
    let report = pluck::validate(&mut value).unwrap_err();
    let lines: Vec<String> = report.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "single: must be at least 0.1, got NaN",
            "single: must be at most 0.3, got NaN",
            "double: must be at least 0, got NaN",
            "double: must be at most 1, got NaN",
        ]
    );
}

#[test]
fn integer_bounds_are_exact_in_the_schema() {
    let plain = pluck::schema::prepare::<Numbers>(pluck::schema::Target::Plain).unwrap();
    let props = &plain.schema()["properties"];
    assert_eq!(props["unsigned"]["maximum"].to_string(), "18446744073709551614");
    assert_eq!(props["signed"]["maximum"].to_string(), "9007199254740992");
    assert_eq!(props["single"]["maximum"].to_string(), "0.3");
    assert_eq!(props["negative"]["anyOf"][0]["minimum"].to_string(), "-1.5");
}

#[test]
fn map_keys_that_read_as_paths_are_quoted() {
    let mut map = std::collections::BTreeMap::from([
        ("a.b".to_string(), Item { name: String::new() }),
        ("c[0]".to_string(), Item { name: String::new() }),
        ("plain_key-1".to_string(), Item { name: String::new() }),
    ]);
    let report = pluck::validate(&mut map).unwrap_err();
    let lines: Vec<String> = report.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            r#"["a.b"].name: must have at least 1 character, got 0"#,
            r#"["c[0]"].name: must have at least 1 character, got 0"#,
            "plain_key-1.name: must have at least 1 character, got 0",
        ]
    );
    let mut report = Report::new();
    report.with_field("m", |r| r.with_key("a.b", |r| r.with_field("x", |r| r.add("range", "bad"))));
    let path = &report.violations()[0].path;
    assert_eq!(path.to_string(), r#"m["a.b"].x"#);
    assert_eq!(&path.to_string().parse::<pluck::validate::Path>().unwrap(), path);
}

/// Field names as serde's case rules see them, snake case or not.
#[allow(non_snake_case)]
mod renames {
    use super::Item;
    use pluck::Extract;
    use schemars::JsonSchema;
    use serde::Deserialize;

    /// `rename_all` for reading only.
    #[derive(Extract, Deserialize, JsonSchema, Debug)]
    #[serde(rename_all(serialize = "kebab-case", deserialize = "camelCase"))]
    pub struct ReadCamel {
        #[extract(range(min = 0))]
        pub min_amount: i32,
        #[extract(length(max = 1))]
        pub myURL: String,
    }

    /// `rename_all_fields` and a variant's own `rename_all`.
    #[derive(Extract, Deserialize, JsonSchema, Debug)]
    #[serde(tag = "kind", rename_all_fields = "camelCase")]
    pub enum Renames {
        Fields {
            inner_item: Item,
        },
        #[serde(rename_all = "SCREAMING-KEBAB-CASE")]
        Own {
            inner_item: Item,
        },
    }

    /// serde's own case rules, to the letter.
    #[derive(Extract, Deserialize, JsonSchema, Debug)]
    #[serde(rename_all = "kebab-case")]
    pub struct Kebab {
        #[extract(length(min = 1))]
        pub a__b: String,
        #[extract(length(min = 1))]
        pub _lead: String,
    }
}
use renames::{Kebab, ReadCamel, Renames};

#[test]
fn every_form_of_serde_renaming_names_paths_and_schema_rules() {
    let mut value: ReadCamel = serde_json::from_str(r#"{"minAmount": -1, "myURL": "ab"}"#).unwrap();
    let report = pluck::validate(&mut value).unwrap_err();
    assert_eq!(
        report.to_string(),
        "minAmount: must be at least 0, got -1\nmyURL: must have at most 1 character, got 2"
    );
    let schema = pluck::schema::generate::<ReadCamel>();
    assert_eq!(schema["properties"]["minAmount"]["minimum"], 0, "{schema}");
    assert_eq!(schema["properties"]["myURL"]["maxLength"], 1, "{schema}");

    let mut value: Renames = serde_json::from_str(r#"{"kind": "Fields", "innerItem": {"name": ""}}"#).unwrap();
    let report = pluck::validate(&mut value).unwrap_err();
    assert_eq!(report.to_string(), "innerItem.name: must have at least 1 character, got 0");
    let mut value: Renames = serde_json::from_str(r#"{"kind": "Own", "INNER-ITEM": {"name": ""}}"#).unwrap();
    let report = pluck::validate(&mut value).unwrap_err();
    assert_eq!(report.to_string(), "INNER-ITEM.name: must have at least 1 character, got 0");

    let mut value: Kebab = serde_json::from_str(r#"{"a--b": "", "-lead": ""}"#).unwrap();
    let report = pluck::validate(&mut value).unwrap_err();
    assert_eq!(
        report.to_string(),
        "a--b: must have at least 1 character, got 0\n-lead: must have at least 1 character, got 0"
    );
    let schema = pluck::schema::generate::<Kebab>();
    assert_eq!(schema["properties"]["-lead"]["minLength"], 1, "{schema}");
}

/// Fixed arrays and tuples, with rules inside.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Fixed {
    bytes: [u8; 3],
    items: [Item; 2],
    #[extract(whole)]
    pair: (Item, u8),
}

#[test]
fn rules_inside_fixed_arrays_and_tuples_are_checked_and_in_the_schema() {
    let mut value: Fixed = serde_json::from_str(
        r#"{"bytes": [1, 2, 3], "items": [{"name": "a"}, {"name": ""}], "pair": [{"name": ""}, 7]}"#,
    )
    .unwrap();
    let report = pluck::validate(&mut value).unwrap_err();
    assert_eq!(
        report.to_string(),
        "items[1].name: must have at least 1 character, got 0\npair[0].name: must have at least 1 character, got 0"
    );
    let schema = pluck::schema::generate::<Fixed>();
    assert_eq!(schema["$defs"]["Item"]["properties"]["name"]["minLength"], 1, "{schema}");
}
