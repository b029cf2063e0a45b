//! Internally tagged newtype variants as one object.
//!
//! For `#[serde(tag = "kind")] enum E { Second(Inner) }`, serde reads the variant as
//! `Inner`'s object with a `kind` key beside its fields. schemars writes it as an
//! object holding only `kind` with a `$ref` to `Inner` beside it; once each object is
//! closed (`additionalProperties: false`) no value satisfies both. The fields of the
//! referenced object are merged into the variant's own, and the `$ref` dropped.

use super::rules::definition_pointer;
use serde_json::{Map, Value};

/// Merges, everywhere in `root`, an object's `$ref` to a plain object into the object.
pub(crate) fn merge_newtype_variants(root: &mut Value) {
    if !has_ref_beside_properties(root) {
        return;
    }
    let definitions = root.clone();
    walk(root, &definitions);
}

fn has_ref_beside_properties(schema: &Value) -> bool {
    match schema {
        Value::Object(obj) => {
            (obj.contains_key("$ref") && obj.contains_key("properties")) || obj.values().any(has_ref_beside_properties)
        }
        Value::Array(items) => items.iter().any(has_ref_beside_properties),
        _ => false,
    }
}

fn walk(schema: &mut Value, definitions: &Value) {
    match schema {
        Value::Object(obj) => {
            merge_here(obj, definitions);
            for value in obj.values_mut() {
                walk(value, definitions);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| walk(item, definitions)),
        _ => {}
    }
}

fn merge_here(obj: &mut Map<String, Value>, definitions: &Value) {
    let Some(Value::Object(props)) = obj.get("properties") else { return };
    let Some(Value::String(reference)) = obj.get("$ref") else { return };
    let Some(Value::Object(target)) = definition_pointer(reference).and_then(|p| definitions.pointer(&p)) else {
        return;
    };
    // Only a plain object merges: not alternatives, not another reference.
    let plain = ["$ref", "anyOf", "oneOf", "allOf"].iter().all(|k| !target.contains_key(*k));
    let Some(Value::Object(inner)) = target.get("properties").filter(|_| plain) else { return };
    let mut props = props.clone();
    for (name, prop) in inner {
        props.entry(name.clone()).or_insert_with(|| prop.clone());
    }
    let mut required = match obj.get("required") {
        Some(Value::Array(list)) => list.clone(),
        _ => Vec::new(),
    };
    if let Some(Value::Array(inner_required)) = target.get("required") {
        for name in inner_required {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
    }
    obj.insert("properties".into(), Value::Object(props));
    obj.insert("required".into(), Value::Array(required));
    if let Some(additional) = target.get("additionalProperties") {
        obj.entry("additionalProperties").or_insert_with(|| additional.clone());
    }
    obj.remove("$ref");
}
