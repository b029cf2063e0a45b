//! Field rules in the schema: `range` becomes `minimum`/`maximum`, `length` becomes
//! `minLength`/`maxLength` (strings), `minItems`/`maxItems` (lists) or
//! `minProperties`/`maxProperties` (maps), and `one_of` becomes `enum`.

use crate::validate::range::Limit;
use crate::Extract;
use schemars::{JsonSchema, Schema, SchemaGenerator};
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
        min: Option<Limit>,
        /// Inclusive upper bound.
        max: Option<Limit>,
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

/// The field rules of a type and of every type inside it, by type.
///
/// Kept by type rather than by schema name: schemars gives two types of the same name
/// (`a::Item`, `b::Item`, or `Wrapper<String>` and `Wrapper<Inner>`) names of their own
/// (`Item`, `Item2`), which only the generator that made the schema knows.
#[derive(Debug, Default)]
pub struct RuleSet {
    visited: HashSet<TypeId>,
    by_type: HashMap<TypeId, TypeRules>,
}

/// The rules of one type, and how to find its schema.
#[derive(Debug)]
struct TypeRules {
    /// The type's subschema: a `$ref` to its definition, from the generator that made
    /// the schema.
    subschema: fn(&mut SchemaGenerator) -> Schema,
    /// Rules on properties.
    fields: Vec<(&'static str, FieldRule)>,
    /// Rules on the type's own schema (a newtype's).
    own: Vec<FieldRule>,
    /// Types whose properties are flattened into this type's (`#[serde(flatten)]`).
    flattened: Vec<TypeId>,
}

fn subschema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

impl RuleSet {
    /// Marks `T` as visited; `false` if it already was (so recursion ends).
    pub fn visit<T: Extract>(&mut self) -> bool {
        self.visited.insert(TypeId::of::<T>())
    }

    /// Records a rule on `T`'s property `field`.
    pub fn add<T: Extract>(&mut self, field: &'static str, rule: FieldRule) {
        self.entry::<T>().fields.push((field, rule));
    }

    /// Records a rule on `T`'s own schema: a newtype's, whose schema is its field's.
    pub fn add_own<T: Extract>(&mut self, rule: FieldRule) {
        self.entry::<T>().own.push(rule);
    }

    /// Records that `U`'s properties are flattened into `T`'s (`#[serde(flatten)]`), so
    /// that `U`'s property rules show there too. `U`'s rules are registered on their own.
    pub fn add_flattened<T: Extract, U: Extract>(&mut self) {
        self.entry::<T>().flattened.push(TypeId::of::<U>());
    }

    fn entry<T: Extract>(&mut self) -> &mut TypeRules {
        self.by_type.entry(TypeId::of::<T>()).or_insert_with(|| TypeRules {
            subschema: subschema::<T>,
            fields: Vec::new(),
            own: Vec::new(),
            flattened: Vec::new(),
        })
    }

    /// Writes the rules into `root`, the schema of type `root_type` that `generator`
    /// made: the root's own, then each other type's in the definition its `$ref` names.
    pub(crate) fn apply(&self, root_type: TypeId, generator: &mut SchemaGenerator, root: &mut Value) {
        for (type_id, rules) in &self.by_type {
            if *type_id == root_type {
                self.apply_to_schema(*type_id, root);
                continue;
            }
            let reference = (rules.subschema)(generator);
            let Some(pointer) = reference.get("$ref").and_then(Value::as_str).and_then(definition_pointer) else {
                continue;
            };
            if let Some(schema) = root.pointer_mut(&pointer) {
                self.apply_to_schema(*type_id, schema);
            }
        }
    }

    /// Writes the rules of `type_id` into its schema: its own, its properties', and
    /// those of the types flattened into it (and into them).
    fn apply_to_schema(&self, type_id: TypeId, schema: &mut Value) {
        let Some(rules) = self.by_type.get(&type_id) else { return };
        if let Value::Object(obj) = schema {
            rules.own.iter().for_each(|rule| apply_rule(obj, *rule));
        }
        let mut seen = HashSet::from([type_id]);
        let mut pending = vec![rules];
        while let Some(rules) = pending.pop() {
            apply_to_object(schema, &rules.fields);
            for flattened in &rules.flattened {
                if seen.insert(*flattened) {
                    pending.extend(self.by_type.get(flattened));
                }
            }
        }
    }
}

/// The JSON pointer of a local `$ref` (`#/$defs/Item2`), its percent-escapes decoded;
/// `None` for the root (`#`) and for references elsewhere.
pub(super) fn definition_pointer(reference: &str) -> Option<String> {
    let encoded = reference.strip_prefix('#').filter(|rest| !rest.is_empty())?.as_bytes();
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some((&byte, tail)) = rest.split_first() {
        let escaped = (byte == b'%').then(|| tail.get(..2)).flatten().and_then(|hex| {
            let hex = std::str::from_utf8(hex).ok()?;
            u8::from_str_radix(hex, 16).ok()
        });
        match escaped {
            Some(decoded) => {
                bytes.push(decoded);
                rest = &tail[2..];
            }
            None => {
                bytes.push(byte);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes).ok()
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

/// Whole numbers are written without a fraction, so `maximum: 1`, not `1.0`, and
/// whole bounds exactly (`18446744073709551614`, not `1.8446744073709552e19`).
fn number(limit: Limit) -> Value {
    match limit {
        Limit::Int(value) => {
            if let Ok(small) = i64::try_from(value) {
                json!(small)
            } else if let Ok(large) = u64::try_from(value) {
                json!(large)
            } else {
                #[allow(clippy::cast_precision_loss)]
                let approximate = value as f64;
                json!(approximate)
            }
        }
        Limit::Float(value) if value.fract() == 0.0 && value.abs() < 9.0e15 => {
            #[allow(clippy::cast_possible_truncation)]
            let whole = value as i64;
            json!(whole)
        }
        Limit::Float(value) => json!(value),
    }
}

fn has_type(prop: &Map<String, Value>, wanted: &str) -> bool {
    match prop.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(types)) => types.iter().any(|t| t == wanted),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::definition_pointer;

    #[test]
    fn references_become_pointers() {
        assert_eq!(definition_pointer("#/$defs/Item2").as_deref(), Some("/$defs/Item2"));
        assert_eq!(definition_pointer("#/$defs/Wrapper%3CString%3E").as_deref(), Some("/$defs/Wrapper<String>"));
        assert_eq!(definition_pointer("#/$defs/a~1b%").as_deref(), Some("/$defs/a~1b%"));
        assert_eq!(definition_pointer("#"), None);
        assert_eq!(definition_pointer("other.json#/x"), None);
    }
}
