//! Unit enums as plain string enums.
//!
//! schemars writes an enum whose variants have doc comments as `oneOf` of
//! `{"const": .., "description": ..}`. Models and grammar compilers read a flat
//! `{"type": "string", "enum": [..]}` more reliably, so the variants' descriptions move
//! into the enum's own description (`entry: Entry level or junior; ...`).

use serde_json::{json, Map, Value};

/// Rewrites every `oneOf`/`anyOf` of string constants in `schema` into an `enum`.
pub(crate) fn flatten(schema: &mut Value) {
    match schema {
        Value::Object(obj) => {
            flatten_here(obj);
            for value in obj.values_mut() {
                flatten(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(flatten),
        _ => {}
    }
}

fn flatten_here(obj: &mut Map<String, Value>) {
    let key = if obj.contains_key("oneOf") { "oneOf" } else { "anyOf" };
    let Some(Value::Array(alternatives)) = obj.get(key) else { return };
    let mut values = Vec::with_capacity(alternatives.len());
    let mut notes = Vec::new();
    for alternative in alternatives {
        let Some(Value::String(constant)) = alternative.get("const") else { return };
        let only_known_keys = alternative
            .as_object()
            .is_some_and(|a| a.keys().all(|k| matches!(k.as_str(), "const" | "type" | "description")));
        if !only_known_keys || alternative.get("type").is_some_and(|t| t != "string") {
            return;
        }
        if let Some(Value::String(description)) = alternative.get("description") {
            notes.push(format!("{constant}: {}", description.trim_end_matches('.')));
        }
        values.push(json!(constant));
    }
    obj.remove(key);
    obj.insert("type".into(), json!("string"));
    obj.insert("enum".into(), Value::Array(values));
    if !notes.is_empty() {
        let notes = notes.join("; ");
        let description = match obj.get("description").and_then(Value::as_str) {
            Some(own) => format!("{own} ({notes})"),
            None => notes,
        };
        obj.insert("description".into(), Value::String(description));
    }
}
