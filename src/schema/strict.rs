//! The strict-mode transform: rewrites a schema into the subset that OpenAI's strict
//! structured outputs (and strict tool calls) accept.
//!
//! - every object gets `additionalProperties: false` and lists every property in
//!   `required`; a property that was optional becomes nullable instead;
//! - `oneOf` becomes `anyOf`; `$schema` and number formats are dropped;
//! - constraints strict mode does not enforce (`minLength`, `maxLength`, `uniqueItems`,
//!   ...) move into the description, so the model still reads them and validation
//!   still checks them;
//! - what strict mode cannot express fails here, naming the field: a `default` value
//!   (but `null` on a field that takes it, which is dropped), a
//!   map (`additionalProperties` with a schema), an untyped value; and so does a schema
//!   past strict mode's size limits (`strict_limits`), naming the type.

use super::SchemaError;
use serde_json::{json, Map, Value};

/// String formats strict mode accepts.
const STRING_FORMATS: &[&str] = &["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"];

/// Constraints strict mode rejects, with how they read in a description.
const DESCRIBED: &[(&str, &str)] = &[
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("uniqueItems", "items must be unique"),
    ("minProperties", "at least {} entries"),
    ("maxProperties", "at most {} entries"),
    ("minContains", "at least {} matching items"),
    ("maxContains", "at most {} matching items"),
];

/// Applies the transform to a root schema (and its `$defs`), then checks OpenAI's size
/// limits.
pub(crate) fn apply(root: &mut Value, root_name: &str) -> Result<(), SchemaError> {
    transform(root, root_name)?;
    super::strict_limits::check(root, root_name)
}

/// The transform alone, for the targets that share it (Anthropic's).
pub(crate) fn transform(root: &mut Value, root_name: &str) -> Result<(), SchemaError> {
    let defs = root.as_object_mut().and_then(|o| o.remove("$defs"));
    walk(root, &mut vec![root_name.to_owned()])?;
    if let Some(Value::Object(mut defs)) = defs {
        for (name, schema) in defs.iter_mut() {
            walk(schema, &mut vec![name.clone()])?;
        }
        if let Some(obj) = root.as_object_mut() {
            obj.insert("$defs".into(), Value::Object(defs));
        }
    }
    Ok(())
}

fn walk(schema: &mut Value, location: &mut Vec<String>) -> Result<(), SchemaError> {
    let obj = match schema {
        Value::Object(obj) => obj,
        Value::Bool(true) => return Err(SchemaError::untyped(location)),
        _ => return Ok(()),
    };
    obj.remove("$schema");
    // A default of `null` on a field that takes `null` (`#[serde(default)]` on an
    // `Option`) loses nothing: the model is asked for the field and may write `null`.
    if obj.get("default").is_some_and(Value::is_null) && admits_null(obj) {
        obj.remove("default");
    }
    if let Some(default) = obj.get("default") {
        return Err(SchemaError::unsupported(
            location,
            "default",
            format!(
                "it has a default value ({default}), which strict mode rejects; drop `#[serde(default)]` \
                 (the model is asked for every field) or make the field an `Option`"
            ),
        ));
    }
    if let Some(Value::String(format)) = obj.get("format") {
        if !(has_type(obj, "string") && STRING_FORMATS.contains(&format.as_str())) {
            obj.remove("format");
        }
    }
    if let Some(one_of) = obj.remove("oneOf") {
        obj.insert("anyOf".into(), one_of);
    }
    for keyword in ["patternProperties", "propertyNames", "unevaluatedProperties", "dependentSchemas"] {
        if obj.contains_key(keyword) {
            return Err(SchemaError::unsupported(location, keyword, "strict mode cannot express it".to_owned()));
        }
    }
    describe(obj, DESCRIBED);
    isolate_ref(obj);

    let is_object = has_type(obj, "object") || obj.contains_key("properties");
    if is_object {
        match obj.get("additionalProperties") {
            None | Some(Value::Bool(false)) => {}
            Some(_) => {
                return Err(SchemaError::unsupported(
                    location,
                    "additionalProperties",
                    "it is a map, whose keys strict mode cannot express; use a list of key/value structs, \
                     or a mode without strictness (`Mode::Json`, `Mode::MdJson`)"
                        .to_owned(),
                ))
            }
        }
        if !obj.contains_key("properties") && !obj.contains_key("$ref") && !obj.contains_key("anyOf") {
            obj.insert("properties".into(), json!({}));
        }
        obj.insert("additionalProperties".into(), Value::Bool(false));
        let required: Vec<String> = match obj.get("required") {
            Some(Value::Array(list)) => list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        };
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            let mut all = Vec::with_capacity(props.len());
            for (name, prop) in props.iter_mut() {
                location.push(name.clone());
                if !required.contains(name) {
                    make_nullable(prop);
                }
                walk(prop, location)?;
                location.pop();
                all.push(Value::String(name.clone()));
            }
            obj.insert("required".into(), Value::Array(all));
        }
    }
    for key in ["items", "additionalItems", "contains"] {
        if let Some(sub) = obj.get_mut(key) {
            location.push("[]".to_owned());
            walk(sub, location)?;
            location.pop();
        }
    }
    for key in ["anyOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(subs)) = obj.get_mut(key) {
            for sub in subs {
                walk(sub, location)?;
            }
        }
    }
    Ok(())
}

/// Strict mode rejects keywords beside `$ref`: `{"$ref": r, "description": d}` becomes
/// `{"anyOf": [{"$ref": r}], "description": d}`.
fn isolate_ref(obj: &mut Map<String, Value>) {
    if obj.len() > 1 {
        if let Some(reference) = obj.remove("$ref") {
            obj.insert("anyOf".into(), json!([{ "$ref": reference }]));
        }
    }
}

/// Moves the constraints of `table` (keyword, how it reads with `{}` for its value)
/// into the description.
pub(crate) fn describe(obj: &mut Map<String, Value>, table: &[(&str, &str)]) {
    let mut notes = Vec::new();
    for (keyword, template) in table {
        if let Some(value) = obj.remove(*keyword) {
            if value == Value::Bool(false) {
                continue;
            }
            notes.push(template.replace("{}", &value.to_string()));
        }
    }
    if notes.is_empty() {
        return;
    }
    let note = format!("({})", notes.join("; "));
    let description = match obj.get("description").and_then(Value::as_str) {
        Some(existing) => format!("{existing} {note}"),
        None => note,
    };
    obj.insert("description".into(), Value::String(description));
}

/// Makes a property accept `null` too.
pub(crate) fn make_nullable(prop: &mut Value) {
    let Value::Object(obj) = prop else { return };
    match obj.get_mut("type") {
        Some(Value::String(t)) if t != "null" => {
            let t = std::mem::take(t);
            obj.insert("type".into(), json!([t, "null"]));
            push_null_enum(obj);
            return;
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push(json!("null"));
            }
            push_null_enum(obj);
            return;
        }
        _ => {}
    }
    if let Some(Value::Array(alternatives)) = obj.get_mut("anyOf") {
        if !alternatives.iter().any(is_null_schema) {
            alternatives.push(json!({"type": "null"}));
        }
        return;
    }
    // A `$ref`, `const` or `enum`: wrap it, keeping the description outside.
    let description = obj.remove("description");
    let inner = Value::Object(std::mem::take(obj));
    obj.insert("anyOf".into(), json!([inner, {"type": "null"}]));
    if let Some(description) = description {
        obj.insert("description".into(), description);
    }
}

fn push_null_enum(obj: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = obj.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").is_some_and(|t| t == "null")
}

fn has_type(obj: &Map<String, Value>, wanted: &str) -> bool {
    match obj.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(types)) => types.iter().any(|t| t == wanted),
        _ => false,
    }
}

/// Whether a schema takes `null`: a `null` type, alone or in a list, or a member of
/// `anyOf`/`oneOf` that does (schemars writes an `Option` of a defined type as an
/// `anyOf` of its reference and `null`).
fn admits_null(schema: &Map<String, Value>) -> bool {
    let member = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().filter_map(Value::as_object).any(admits_null))
    };
    has_type(schema, "null") || member("anyOf") || member("oneOf")
}
