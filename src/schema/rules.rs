//! Field rules in the schema: `range` becomes `minimum`/`maximum`, `length` becomes
//! `minLength`/`maxLength` (strings), `minItems`/`maxItems` (lists) or
//! `minProperties`/`maxProperties` (maps), and `one_of` becomes `enum`.

use crate::Extract;
use serde_json::{json, Map, Value};
use std::any::TypeId;
use std::collections::{HashMap, HashSet};

/// The schema side of one field rule. Emitted by the derive.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum FieldRule {
    /// `range(min, max)`.
    Range {
        /// Inclusive lower bound.
        min: Option<f64>,
        /// Inclusive upper bound.
        max: Option<f64>,
    },
    /// `length(min, max)`.
    Length {
        /// Inclusive lower bound.
        min: Option<usize>,
        /// Inclusive upper bound.
        max: Option<usize>,
    },
    /// `one_of(..)`.
    OneOf(&'static [&'static str]),
}

/// The field rules of a type and of every type inside it, by schema name.
#[derive(Debug, Default)]
pub struct RuleSet {
    visited: HashSet<TypeId>,
    by_schema: HashMap<String, Vec<(&'static str, FieldRule)>>,
}

impl RuleSet {
    /// Marks `T` as visited; `false` if it already was (so recursion ends).
    pub fn visit<T: Extract>(&mut self) -> bool {
        self.visited.insert(TypeId::of::<T>())
    }

    /// Records a rule on `T`'s property `field`.
    pub fn add<T: Extract>(&mut self, field: &'static str, rule: FieldRule) {
        self.by_schema.entry(T::schema_name().into_owned()).or_default().push((field, rule));
    }

    /// Writes the rules into a generated root schema: the root's own, then each of its
    /// `$defs` by name.
    pub(crate) fn apply(&self, root_name: &str, root: &mut Value) {
        if let Some(rules) = self.by_schema.get(root_name) {
            apply_to_object(root, rules);
        }
        if let Some(Value::Object(defs)) = root.get_mut("$defs") {
            for (name, schema) in defs.iter_mut() {
                if let Some(rules) = self.by_schema.get(name) {
                    apply_to_object(schema, rules);
                }
            }
        }
    }
}

fn apply_to_object(schema: &mut Value, rules: &[(&'static str, FieldRule)]) {
    let Some(Value::Object(props)) = schema.get_mut("properties") else { return };
    for (field, rule) in rules {
        if let Some(Value::Object(prop)) = props.get_mut(*field) {
            apply_rule(prop, *rule);
        }
    }
}

fn apply_rule(prop: &mut Map<String, Value>, rule: FieldRule) {
    match rule {
        FieldRule::Range { min, max } => {
            if let Some(min) = min {
                prop.insert("minimum".into(), number(min));
            }
            if let Some(max) = max {
                prop.insert("maximum".into(), number(max));
            }
        }
        FieldRule::Length { min, max } => {
            let (lo, hi) = if has_type(prop, "array") {
                ("minItems", "maxItems")
            } else if has_type(prop, "object") {
                ("minProperties", "maxProperties")
            } else {
                ("minLength", "maxLength")
            };
            if let Some(min) = min {
                prop.insert(lo.into(), json!(min));
            }
            if let Some(max) = max {
                prop.insert(hi.into(), json!(max));
            }
        }
        FieldRule::OneOf(values) => {
            let mut list: Vec<Value> = values.iter().map(|v| json!(v)).collect();
            if has_type(prop, "null") {
                list.push(Value::Null);
            }
            prop.insert("enum".into(), Value::Array(list));
        }
    }
}

/// Whole numbers are written without a fraction, so `maximum: 1`, not `1.0`.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        let whole = value as i64;
        json!(whole)
    } else {
        json!(value)
    }
}

fn has_type(prop: &Map<String, Value>, wanted: &str) -> bool {
    match prop.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(types)) => types.iter().any(|t| t == wanted),
        _ => false,
    }
}
