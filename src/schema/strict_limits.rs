//! The size limits of OpenAI's strict mode, checked before a request rather than met
//! as a 400 after it: at most 10 levels of nested objects, 5,000 properties in all,
//! 1,000 enum values in all, 120,000 characters of property names, definition names,
//! enum values and `const` values, and no `anyOf` whose object members begin with the
//! same property in the same form (the first key is what tells them apart).
//!
//! Each count is the smallest the API could make of the schema (a definition counts
//! once however often it is referred to; a recursive reference adds no depth), so
//! that nothing the API accepts is refused here.

use super::SchemaError;
use serde_json::{Map, Value};

/// The most levels of nested objects.
const MAX_DEPTH: usize = 10;
/// The most properties, over every object of the schema.
const MAX_PROPERTIES: usize = 5_000;
/// The most enum values, over every `enum` of the schema.
const MAX_ENUM_VALUES: usize = 1_000;
/// The most characters of property names, definition names, enum and const values.
const MAX_CHARACTERS: usize = 120_000;

/// What one walk over a schema counts.
#[derive(Default)]
struct Size {
    properties: usize,
    enum_values: usize,
    characters: usize,
}

/// Checks a strict schema (its `$defs` included) against the limits; `type_name` is
/// the root type's, which every error names.
pub(super) fn check(root: &Value, type_name: &str) -> Result<(), SchemaError> {
    let too_large =
        |limit: &'static str, found: String| SchemaError::StrictLimit { type_name: type_name.to_owned(), limit, found };
    let defs = root.get("$defs").and_then(Value::as_object);
    let mut size = Size::default();
    let mut location = vec![type_name.to_owned()];
    measure(root, &mut size, &mut location, defs).map_err(|found| too_large(SHARED_FIRST_KEY, found))?;
    if let Some(defs) = defs {
        for (name, schema) in defs {
            size.characters += name.chars().count();
            let mut location = vec![name.clone()];
            measure(schema, &mut size, &mut location, Some(defs))
                .map_err(|found| too_large(SHARED_FIRST_KEY, found))?;
        }
    }
    let depth = depth(root, defs.unwrap_or(&Map::new()), &mut Vec::new());
    if depth > MAX_DEPTH {
        return Err(too_large("10 levels of nested objects", format!("it nests {depth} levels deep")));
    }
    if size.properties > MAX_PROPERTIES {
        return Err(too_large("5,000 properties", format!("it has {}", size.properties)));
    }
    if size.enum_values > MAX_ENUM_VALUES {
        return Err(too_large("1,000 enum values", format!("it has {}", size.enum_values)));
    }
    if size.characters > MAX_CHARACTERS {
        return Err(too_large(
            "120,000 characters of property names, definition names, enum and const values",
            format!("it has {}", size.characters),
        ));
    }
    Ok(())
}

/// The limit on `anyOf` members, as errors name it.
const SHARED_FIRST_KEY: &str = "`anyOf` members told apart by their first property";

/// Adds up `schema`'s sizes, and refuses an `anyOf` whose object members begin alike
/// (its location as the error).
fn measure(
    schema: &Value,
    size: &mut Size,
    location: &mut Vec<String>,
    defs: Option<&Map<String, Value>>,
) -> Result<(), String> {
    let Value::Object(obj) = schema else { return Ok(()) };
    if let Some(Value::Array(values)) = obj.get("enum") {
        size.enum_values += values.len();
        size.characters += values.iter().map(text_length).sum::<usize>();
    }
    if let Some(value) = obj.get("const") {
        size.characters += text_length(value);
    }
    if let Some(Value::Object(props)) = obj.get("properties") {
        size.properties += props.len();
        for (name, prop) in props {
            size.characters += name.chars().count();
            location.push(name.clone());
            measure(prop, size, location, defs)?;
            location.pop();
        }
    }
    if let Some(Value::Array(members)) = obj.get("anyOf") {
        let mut firsts: Vec<(&String, &Value)> = Vec::new();
        for first in members.iter().filter_map(|member| first_property(member, defs)) {
            if firsts.contains(&first) {
                return Err(format!(
                    "`{}` has two members that begin with the same property `{}`",
                    location.join("."),
                    first.0
                ));
            }
            firsts.push(first);
        }
    }
    for key in ["items", "additionalItems", "contains"] {
        if let Some(sub) = obj.get(key) {
            location.push("[]".to_owned());
            measure(sub, size, location, defs)?;
            location.pop();
        }
    }
    for key in ["anyOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(subs)) = obj.get(key) {
            for sub in subs {
                measure(sub, size, location, defs)?;
            }
        }
    }
    Ok(())
}

/// The first property of an object schema (through a `$ref`), and its schema.
fn first_property<'a>(schema: &'a Value, defs: Option<&'a Map<String, Value>>) -> Option<(&'a String, &'a Value)> {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => defs?.get(reference.strip_prefix("#/$defs/")?)?,
        None => schema,
    };
    schema.get("properties")?.as_object()?.iter().next()
}

/// The characters a value counts for: a string's, or its JSON text's.
fn text_length(value: &Value) -> usize {
    match value {
        Value::String(text) => text.chars().count(),
        Value::Null => 0,
        other => other.to_string().chars().count(),
    }
}

/// The levels of nested objects in `schema`, following references; `open` holds the
/// definitions being followed, which a recursive reference does not enter again.
fn depth<'a>(schema: &'a Value, defs: &'a Map<String, Value>, open: &mut Vec<&'a str>) -> usize {
    let Value::Object(obj) = schema else { return 0 };
    if let Some(name) = obj.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
        let Some((name, def)) = defs.get_key_value(name) else { return 0 };
        if open.contains(&name.as_str()) {
            return 0;
        }
        open.push(name);
        let found = depth(def, defs, open);
        open.pop();
        return found;
    }
    let mut deepest = 0;
    if let Some(Value::Object(props)) = obj.get("properties") {
        deepest = props.values().map(|prop| depth(prop, defs, open)).max().unwrap_or(0) + 1;
    }
    for key in ["items", "additionalItems", "contains"] {
        if let Some(sub) = obj.get(key) {
            deepest = deepest.max(depth(sub, defs, open));
        }
    }
    for key in ["anyOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(subs)) = obj.get(key) {
            deepest = deepest.max(subs.iter().map(|sub| depth(sub, defs, open)).max().unwrap_or(0));
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An object with `count` string properties named `p0`, `p1`, ...
    fn wide(count: usize) -> Value {
        let props: Map<String, Value> = (0..count).map(|i| (format!("p{i}"), json!({"type": "string"}))).collect();
        json!({"type": "object", "properties": props})
    }

    fn limit_of(schema: &Value) -> Option<&'static str> {
        match check(schema, "T") {
            Ok(()) => None,
            Err(SchemaError::StrictLimit { type_name, limit, .. }) if type_name == "T" => Some(limit),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn properties_count_over_every_object() {
        assert_eq!(limit_of(&wide(5_000)), None);
        let mut two = wide(2_600);
        two["properties"]["p0"] = wide(2_500);
        assert_eq!(limit_of(&two), Some("5,000 properties"));
    }

    #[test]
    fn enum_values_count_over_every_enum() {
        let values = |n: usize| (0..n).map(|i| json!(format!("v{i}"))).collect::<Vec<_>>();
        let mut schema = wide(2);
        schema["properties"]["p0"] = json!({"type": "string", "enum": values(600)});
        assert_eq!(limit_of(&schema), None);
        schema["$defs"] = json!({"E": {"type": "string", "enum": values(401)}});
        assert_eq!(limit_of(&schema), Some("1,000 enum values"));
    }

    #[test]
    fn characters_count_names_and_values() {
        let mut schema = wide(1);
        schema["properties"]["p0"] = json!({"type": "string", "enum": ["x".repeat(60_000), "y".repeat(59_990)]});
        assert_eq!(limit_of(&schema), None, "120,000 characters in all");
        schema["properties"]["p0"]["enum"][1] = json!("y".repeat(60_000));
        assert_eq!(
            limit_of(&schema),
            Some("120,000 characters of property names, definition names, enum and const values")
        );
    }

    #[test]
    fn depth_follows_references_but_not_recursion() {
        let mut schema = json!({"type": "object", "properties": {"next": {"$ref": "#/$defs/L1"}}});
        let mut defs = Map::new();
        for level in 1..10 {
            let next =
                if level < 9 { json!({"$ref": format!("#/$defs/L{}", level + 1)}) } else { json!({"type": "string"}) };
            defs.insert(format!("L{level}"), json!({"type": "object", "properties": {"next": next}}));
        }
        schema["$defs"] = Value::Object(defs.clone());
        assert_eq!(limit_of(&schema), None, "10 levels");
        defs["L9"]["properties"]["next"] = json!({"type": "object", "properties": {"x": {"type": "string"}}});
        schema["$defs"] = Value::Object(defs.clone());
        assert_eq!(limit_of(&schema), Some("10 levels of nested objects"));
        defs["L9"]["properties"]["next"] = json!({"anyOf": [{"$ref": "#/$defs/L1"}, {"type": "null"}]});
        schema["$defs"] = Value::Object(defs);
        assert_eq!(limit_of(&schema), None, "a recursive type adds no depth of its own");
    }

    #[test]
    fn any_of_members_must_begin_differently() {
        let member = |tag: &str| json!({"type": "object", "properties": {"type": {"type": "string", "const": tag}, "name": {"type": "string"}}});
        let mut schema = wide(1);
        schema["properties"]["p0"] = json!({"anyOf": [member("a"), member("b"), {"type": "null"}]});
        assert_eq!(limit_of(&schema), None, "a tag tells tagged members apart");
        schema["properties"]["p0"] = json!({"anyOf": [member("a"), {"$ref": "#/$defs/A"}]});
        schema["$defs"] = json!({"A": member("a")});
        assert_eq!(limit_of(&schema), Some(SHARED_FIRST_KEY));
        let Err(err) = check(&schema, "T") else { panic!() };
        assert!(err.to_string().contains("`T.p0` has two members that begin with the same property `type`"), "{err}");
    }
}
