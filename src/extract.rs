//! The [`Extract`] trait: what a type needs to be extracted.

use crate::__private::RuleSet;
use crate::validate::Report;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// A type that pluck can ask a model for: it has a JSON schema (from
/// [`schemars::JsonSchema`]), can be read from JSON (from [`serde::Deserialize`]), and
/// knows its own rules.
///
/// Derive it beside those two. The derive reads `#[extract(..)]` attributes:
///
/// | on | attribute | meaning |
/// | --- | --- | --- |
/// | field | `range(min = 0, max = 1)` | a number within bounds ([`validate::range`](crate::validate::range)) |
/// | field | `length(min = 1, max = 50)` | a string, list or map length ([`validate::length`](crate::validate::length)) |
/// | field | `dedup` | drop repeated list items, keeping the first ([`validate::dedup`](crate::validate::dedup)) |
/// | field | `dedup_by(name, ignore_case)` | the same, comparing one field of each item |
/// | field | `one_of("USD", "EUR")` | a string from a fixed list ([`validate::one_of`](crate::validate::one_of)) |
/// | field | `whole` | in streamed partial values, shown only once complete (for a type without a partial form; see [`stream::Streamable`](crate::stream::Streamable)) |
/// | type | `validate = path::to::fn` | a model rule, `fn(&Self) -> Result<(), impl Display>` ([`validate::model`](crate::validate::model)) |
/// | type | `garde` / `validator` | join that crate's `Validate` report (features of the same names) |
///
/// The derive also gives the type a partial form for streaming
/// ([`stream::Streamable`](crate::stream::Streamable)): a struct `Foo` gets a `FooPartial`.
///
/// Nested values whose types implement `Extract` are checked too, wherever they sit
/// (`Option<T>`, `Vec<T>`, `Box<T>`, maps), and every error carries its path. Field
/// rules also show in the schema the model sees (`minimum`, `maxItems`, `enum`, ...).
///
/// ```
/// use pluck::Extract;
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// /// A skill the posting asks for.
/// #[derive(Extract, Deserialize, JsonSchema, PartialEq, Debug)]
/// struct Skill {
///     name: String,
///     /// True if required, false if nice-to-have.
///     is_required: bool,
/// }
///
/// #[derive(Extract, Deserialize, JsonSchema, Debug)]
/// struct Skills {
///     #[extract(dedup_by(name, ignore_case), length(max = 20))]
///     skills: Vec<Skill>,
///     #[extract(range(min = 0, max = 1))]
///     confidence: f64,
/// }
///
/// let mut value: Skills = serde_json::from_str(
///     r#"{"skills": [{"name": "Python", "is_required": true},
///                    {"name": "python", "is_required": false}],
///         "confidence": 1.5}"#,
/// ).unwrap();
/// let report = pluck::validate(&mut value).unwrap_err();
/// assert_eq!(value.skills.len(), 1);
/// assert_eq!(report.to_string(), "confidence: must be at most 1, got 1.5");
/// ```
pub trait Extract: DeserializeOwned + JsonSchema + 'static {
    /// Normalises the value (`dedup`) and records every broken rule in `report`, at
    /// paths relative to the report's current one.
    ///
    /// The default does nothing: a type without rules is valid once it deserializes.
    fn check(&mut self, report: &mut Report) {
        let _ = report;
    }

    /// Registers the field rules of this type and of the types inside it, so that the
    /// schema shows them. Emitted by the derive; not part of the stable API.
    #[doc(hidden)]
    fn __rules(rules: &mut RuleSet) {
        let _ = rules;
    }
}

macro_rules! plain {
    ($($t:ty),*) => {$( impl Extract for $t {} )*};
}
plain!(String, bool, char, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, serde_json::Value);

impl<T: Extract> Extract for Option<T> {
    fn check(&mut self, report: &mut Report) {
        if let Some(value) = self {
            value.check(report);
        }
    }
    fn __rules(rules: &mut RuleSet) {
        T::__rules(rules);
    }
}

impl<T: Extract> Extract for Box<T> {
    fn check(&mut self, report: &mut Report) {
        (**self).check(report);
    }
    fn __rules(rules: &mut RuleSet) {
        T::__rules(rules);
    }
}

impl<T: Extract> Extract for Vec<T> {
    fn check(&mut self, report: &mut Report) {
        for (index, item) in self.iter_mut().enumerate() {
            report.with_index(index, |report| item.check(report));
        }
    }
    fn __rules(rules: &mut RuleSet) {
        T::__rules(rules);
    }
}

impl<V: Extract, S: BuildHasher + Default + 'static> Extract for HashMap<String, V, S> {
    fn check(&mut self, report: &mut Report) {
        // Sorted, so that reports do not depend on the hasher.
        let mut entries: Vec<_> = self.iter_mut().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (key, value) in entries {
            report.with_key(key, |report| value.check(report));
        }
    }
    fn __rules(rules: &mut RuleSet) {
        V::__rules(rules);
    }
}

impl<V: Extract> Extract for BTreeMap<String, V> {
    fn check(&mut self, report: &mut Report) {
        for (key, value) in self.iter_mut() {
            report.with_key(key, |report| value.check(report));
        }
    }
    fn __rules(rules: &mut RuleSet) {
        V::__rules(rules);
    }
}

/// Fixed arrays, as far as serde reads them (up to 32 items): each item checked at its
/// index.
macro_rules! arrays {
    ($($n:literal)*) => {$(
        impl<T: Extract> Extract for [T; $n] {
            fn check(&mut self, report: &mut Report) {
                for (index, item) in self.iter_mut().enumerate() {
                    report.with_index(index, |report| item.check(report));
                }
            }
            fn __rules(rules: &mut RuleSet) {
                T::__rules(rules);
            }
        }
    )*};
}
arrays!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);

/// Tuples, as far as serde reads them (up to 16 items): a JSON list, each item checked
/// at its index.
macro_rules! tuples {
    ($(($($index:tt $t:ident)+))*) => {$(
        impl<$($t: Extract),+> Extract for ($($t,)+) {
            fn check(&mut self, report: &mut Report) {
                $(report.with_index($index, |report| self.$index.check(report));)+
            }
            fn __rules(rules: &mut RuleSet) {
                $($t::__rules(rules);)+
            }
        }
    )*};
}
tuples! {
    (0 T0)
    (0 T0 1 T1)
    (0 T0 1 T1 2 T2)
    (0 T0 1 T1 2 T2 3 T3)
    (0 T0 1 T1 2 T2 3 T3 4 T4)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9 10 T10)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9 10 T10 11 T11)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9 10 T10 11 T11 12 T12)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9 10 T10 11 T11 12 T12 13 T13)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9 10 T10 11 T11 12 T12 13 T13 14 T14)
    (0 T0 1 T1 2 T2 3 T3 4 T4 5 T5 6 T6 7 T7 8 T8 9 T9 10 T10 11 T11 12 T12 13 T13 14 T14 15 T15)
}
