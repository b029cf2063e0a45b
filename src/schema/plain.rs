//! The plain target: the schema shaped as pydantic writes it, the shape Python's
//! instructor, LangChain and most tool-calling examples send, so the one small models
//! have read most.
//!
//! Beside closing objects (see [`close_objects`](super::close_objects)), three
//! visitors, each on its own: a nullable type becomes an `anyOf` of the type and
//! `null`; a property without a title of its own gets its name in title case
//! (`min_amount`: "Min Amount"), unless it names a definition, which has its own; and a
//! number's `format` (`double`, `uint32`, ...), which is OpenAPI's, not JSON Schema's,
//! is dropped, its range kept as `minimum` and `maximum`.
//!
//! Measured on the job-posting evaluation set with Qwen2.5-Coder-1.5B-Instruct on
//! llama.cpp, tools mode, against the schema of before (every property required,
//! objects closed, `["number", "null"]` types, formats, no titles): see
//! `eval/results.md`.

use super::{close_objects, Closing};
use serde_json::{json, Map, Value};

/// Shapes `schema` for the plain target.
pub(super) fn apply(schema: &mut Value) {
    close_objects(schema, Closing::Defaults);
    each_object(schema, split_nullable);
    each_object(schema, drop_number_format);
    each_object(schema, title_properties);
}

/// Annotations that stay beside an `anyOf` rather than move into its first branch.
const ANNOTATIONS: &[&str] = &["description", "title", "default", "examples", "deprecated", "$comment"];

/// `{"type": ["array", "null"], "items": .., "maxItems": 4}` (an `Option<Vec<T>>`)
/// becomes `{"anyOf": [{"type": "array", "items": .., "maxItems": 4}, {"type": "null"}]}`,
/// its annotations kept beside the `anyOf`. The same values are valid; grammar
/// converters that read a list of types as bare types (llama-cpp-python's) no longer
/// drop the rest (the list's items, a string's length or pattern); and it is how
/// pydantic writes an `Optional`.
fn split_nullable(obj: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = obj.get("type") else { return };
    let [first, second] = types.as_slice() else { return };
    let inner_type = match (first.as_str(), second.as_str()) {
        (Some(t), Some("null")) | (Some("null"), Some(t)) => t.to_owned(),
        _ => return,
    };
    let mut inner = Map::new();
    inner.insert("type".into(), Value::String(inner_type));
    for (key, value) in std::mem::take(obj) {
        if key == "type" {
            continue;
        }
        if ANNOTATIONS.contains(&key.as_str()) {
            obj.insert(key, value);
        } else {
            inner.insert(key, value);
        }
    }
    obj.insert("anyOf".into(), json!([Value::Object(inner), {"type": "null"}]));
}

/// Drops `format` from a number or integer schema: schemars writes `double`, `uint32`
/// and the like, OpenAPI's names, which no grammar reads and JSON Schema does not
/// define; the range they imply for unsigned types is already `minimum: 0`.
fn drop_number_format(obj: &mut Map<String, Value>) {
    if obj.get("type").and_then(Value::as_str).is_some_and(|t| t == "number" || t == "integer") {
        obj.remove("format");
    }
}

/// Gives each property of an object without a title its name in title case, as
/// pydantic does, except a property that names a definition (directly or as a branch
/// of its `anyOf`), which pydantic leaves to the definition's own title.
fn title_properties(obj: &mut Map<String, Value>) {
    let Some(Value::Object(properties)) = obj.get_mut("properties") else { return };
    for (name, property) in properties.iter_mut() {
        let Value::Object(property) = property else { continue };
        if !property.contains_key("title") && !names_definition(property) {
            property.insert("title".into(), Value::String(title_case(name)));
        }
    }
}

/// Calls `visit` on every object in `schema`, each after the objects inside it.
fn each_object(schema: &mut Value, visit: fn(&mut Map<String, Value>)) {
    match schema {
        Value::Object(obj) => {
            obj.values_mut().for_each(|value| each_object(value, visit));
            visit(obj);
        }
        Value::Array(items) => items.iter_mut().for_each(|item| each_object(item, visit)),
        _ => {}
    }
}

/// Whether `property` is a `$ref`, or an `anyOf` with one among its branches.
fn names_definition(property: &Map<String, Value>) -> bool {
    property.contains_key("$ref")
        || property
            .get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|branches| branches.iter().any(|branch| branch.get("$ref").is_some()))
}

/// `min_amount` as "Min Amount".
fn title_case(name: &str) -> String {
    let words = name.split('_').filter(|w| !w.is_empty()).map(|word| {
        let mut chars = word.chars();
        chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
    });
    words.collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nullable_number_becomes_an_any_of_without_its_format() {
        let mut schema = json!({
            "type": "object",
            "properties": {"min_amount": {"type": ["number", "null"], "format": "double", "minimum": 0, "description": "Lowest."}},
        });
        apply(&mut schema);
        assert_eq!(
            schema["properties"]["min_amount"],
            json!({"anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}], "description": "Lowest.", "title": "Min Amount"})
        );
        assert_eq!(schema["required"], json!(["min_amount"]));
        assert!(schema.get("additionalProperties").is_none());
    }

    #[test]
    fn a_field_with_a_default_is_not_required_and_others_are() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "currency": {"type": "string"},
                "max_amount": {"type": ["number", "null"], "default": null},
                "note": {"type": ["string", "null"]},
            },
            "required": ["currency"],
        });
        apply(&mut schema);
        assert_eq!(schema["required"], json!(["currency", "note"]));
    }

    #[test]
    fn a_property_naming_a_definition_keeps_no_title_of_its_own() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "salary": {"anyOf": [{"$ref": "#/$defs/SalaryRange"}, {"type": "null"}]},
                "level": {"$ref": "#/$defs/Level"},
                "job_title": {"type": "string", "title": "Role"},
            },
        });
        apply(&mut schema);
        assert!(schema["properties"]["salary"].get("title").is_none());
        assert!(schema["properties"]["level"].get("title").is_none());
        assert_eq!(schema["properties"]["job_title"]["title"], "Role");
    }

    #[test]
    fn title_case_capitalises_each_word() {
        assert_eq!(title_case("min_amount"), "Min Amount");
        assert_eq!(title_case("is_required"), "Is Required");
        assert_eq!(title_case("_x__y"), "X Y");
        assert_eq!(title_case("city"), "City");
    }

    #[test]
    fn a_string_keeps_its_format() {
        let mut schema = json!({"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}});
        apply(&mut schema);
        assert_eq!(schema["properties"]["at"]["format"], "date-time");
    }
}
