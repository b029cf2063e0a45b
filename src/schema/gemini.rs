//! The Gemini transform: rewrites a schema into the OpenAPI 3.0 subset that Gemini's
//! `responseSchema` accepts.
//!
//! - `$ref`s are inlined (there is no `$defs`), the field's description over the
//!   type's (an enum keeps both, as its own says what the values mean); a type that
//!   refers to itself cannot be inlined and fails here, naming it;
//! - `type: ["string", "null"]`, and `anyOf`/`oneOf` or `enum` holding `null`, become
//!   the type with `nullable: true`; `oneOf` becomes `anyOf`;
//! - type names are upper case (`STRING`, `OBJECT`, ...), as the API reference writes
//!   them; `const` becomes an `enum` of one;
//! - objects get `propertyOrdering` in declaration order, so fields such as `reasoning`
//!   are written first;
//! - kept: `description`, `enum` (of strings), `format` where Gemini knows it,
//!   `minimum`/`maximum`, `minItems`/`maxItems`, `minLength`/`maxLength`, `pattern`,
//!   `required`, `properties`, `items`, `anyOf`; constraints it lacks (`uniqueItems`,
//!   exclusive bounds, `multipleOf`) move into the description; everything else
//!   (`additionalProperties: false`, `$schema`, `title`, `default`, ...) is dropped;
//! - a map (`additionalProperties` with a schema) or an untyped value fails, naming the
//!   field.

use super::SchemaError;
use serde_json::{json, Map, Value};

/// Keywords copied as they are (after their sub-schemas are transformed).
const KEPT: &[&str] = &[
    "description",
    "nullable",
    "enum",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minProperties",
    "maxProperties",
    "required",
];

/// Constraints Gemini lacks, with how they read in a description.
const DESCRIBED: &[(&str, &str)] = &[
    ("uniqueItems", "items must be unique"),
    ("exclusiveMinimum", "greater than {}"),
    ("exclusiveMaximum", "less than {}"),
    ("multipleOf", "a multiple of {}"),
];

/// Formats Gemini reads, by type.
fn format_allowed(kind: &str, format: &str) -> bool {
    match kind {
        "STRING" => matches!(format, "date-time" | "enum"),
        "INTEGER" => matches!(format, "int32" | "int64"),
        "NUMBER" => matches!(format, "float" | "double"),
        _ => false,
    }
}

/// For `responseJsonSchema`, which reads `anyOf` but not `oneOf`: every `oneOf` becomes
/// an `anyOf` (a value matching one alternative matches one of them).
pub(crate) fn any_of_for_one_of(schema: &mut Value) {
    let Value::Object(obj) = schema else { return };
    if let Some(one_of) = obj.remove("oneOf") {
        obj.insert("anyOf".into(), one_of);
    }
    for (keyword, value) in obj.iter_mut() {
        match (keyword.as_str(), value) {
            ("properties" | "$defs", Value::Object(schemas)) => schemas.values_mut().for_each(any_of_for_one_of),
            ("enum" | "const" | "required" | "default" | "examples", _) => {}
            (_, Value::Array(schemas)) => schemas.iter_mut().for_each(any_of_for_one_of),
            (_, sub) => any_of_for_one_of(sub),
        }
    }
}

/// Applies the transform to a root schema, consuming its `$defs`.
pub(crate) fn apply(root: &mut Value, root_name: &str) -> Result<(), SchemaError> {
    let defs = match root.as_object_mut().and_then(|o| o.remove("$defs")) {
        Some(Value::Object(defs)) => defs,
        _ => Map::new(),
    };
    let mut context = Context { defs: &defs, expanding: vec![root_name.to_owned()] };
    *root = context.convert(root, &mut vec![root_name.to_owned()])?;
    Ok(())
}

struct Context<'a> {
    defs: &'a Map<String, Value>,
    /// The types being inlined, outermost first, to catch recursion.
    expanding: Vec<String>,
}

impl Context<'_> {
    fn convert(&mut self, schema: &Value, location: &mut Vec<String>) -> Result<Value, SchemaError> {
        let obj = match schema {
            Value::Object(obj) => obj,
            Value::Bool(true) => return Err(untyped(location)),
            other => return Ok(other.clone()),
        };
        if let Some(Value::String(reference)) = obj.get("$ref") {
            return self.inline(reference, obj, location);
        }
        if let Some(Value::Array(alternatives)) = obj.get("anyOf").or_else(|| obj.get("oneOf")) {
            return self.alternatives(alternatives, obj, location);
        }
        if let Some(Value::Array(parts)) = obj.get("allOf") {
            if let [single] = parts.as_slice() {
                let mut merged = single.as_object().cloned().unwrap_or_default();
                overlay(&mut merged, obj, &["allOf"]);
                return self.convert(&Value::Object(merged), location);
            }
        }

        let mut out = Map::new();
        let (kind, nullable) = type_of(obj);
        let Some(kind) = kind else {
            if obj.contains_key("enum") || obj.contains_key("const") {
                return self.convert(&with_type(obj, "string"), location);
            }
            return Err(untyped(location));
        };
        out.insert("type".into(), json!(kind));
        if let Some(Value::String(format)) = obj.get("format") {
            if format_allowed(kind, format) {
                out.insert("format".into(), json!(format));
            }
        }
        for key in KEPT {
            if let Some(value) = obj.get(*key) {
                out.insert((*key).into(), value.clone());
            }
        }
        if let Some(constant) = obj.get("const") {
            out.insert("enum".into(), json!([constant]));
        }
        let mut nullable = nullable;
        if let Some(Value::Array(values)) = out.get_mut("enum") {
            nullable |= values.contains(&Value::Null);
            values.retain(|v| !v.is_null());
            if values.iter().any(|v| !v.is_string()) {
                let listed: Vec<String> = values.iter().map(Value::to_string).collect();
                out.remove("enum");
                describe(&mut out, format!("one of {}", listed.join(", ")));
            }
        }
        if nullable {
            out.insert("nullable".into(), Value::Bool(true));
        }
        for (keyword, template) in DESCRIBED {
            match obj.get(*keyword) {
                None | Some(Value::Bool(false)) => {}
                Some(value) => describe(&mut out, template.replace("{}", &value.to_string())),
            }
        }
        if kind == "OBJECT" {
            if obj.get("additionalProperties").is_some_and(|a| !matches!(a, Value::Bool(false))) {
                return Err(SchemaError::unsupported_by(
                    location,
                    "additionalProperties",
                    "Gemini",
                    "it is a map, whose keys Gemini's responseSchema cannot express; use a list of key/value \
                     structs, or a mode without a schema (`Mode::Json`, `Mode::MdJson`)"
                        .to_owned(),
                ));
            }
            let mut properties = Map::new();
            if let Some(Value::Object(props)) = obj.get("properties") {
                for (name, prop) in props {
                    location.push(name.clone());
                    properties.insert(name.clone(), self.convert(prop, location)?);
                    location.pop();
                }
            }
            let ordering: Vec<Value> = properties.keys().map(|k| json!(k)).collect();
            out.insert("properties".into(), Value::Object(properties));
            out.insert("propertyOrdering".into(), Value::Array(ordering));
        }
        if kind == "ARRAY" {
            if let Some(items) = obj.get("items") {
                location.push("[]".to_owned());
                out.insert("items".into(), self.convert(items, location)?);
                location.pop();
            }
        }
        Ok(Value::Object(out))
    }

    /// `{"$ref": "#/$defs/Name", ..siblings}`: the definition, with the siblings over it.
    fn inline(&mut self, reference: &str, obj: &Map<String, Value>, location: &[String]) -> Result<Value, SchemaError> {
        // `#` is the root, which is being expanded.
        let name = match reference {
            "#" => self.expanding[0].clone(),
            _ => reference.rsplit('/').next().unwrap_or(reference).to_owned(),
        };
        if self.expanding.contains(&name) {
            return Err(SchemaError::Recursive { type_name: name, target: "Gemini" });
        }
        let Some(Value::Object(definition)) = self.defs.get(&name) else {
            return Err(SchemaError::unsupported_by(
                location,
                "$ref",
                "Gemini",
                format!("it refers to `{reference}`, which the schema does not define"),
            ));
        };
        let mut merged = definition.clone();
        overlay(&mut merged, obj, &["$ref"]);
        // An enum's description lists what its values mean: keep it after the field's.
        if let (Some(Value::String(field)), Some(Value::String(own)), true) =
            (obj.get("description"), definition.get("description"), definition.contains_key("enum"))
        {
            merged.insert("description".into(), Value::String(format!("{field} {own}")));
        }
        self.expanding.push(name.clone());
        let converted = self.convert(&Value::Object(merged), &mut vec![name]);
        self.expanding.pop();
        converted
    }

    /// `anyOf`/`oneOf`: `null` alternatives become `nullable`; a single alternative left
    /// is inlined.
    fn alternatives(
        &mut self,
        alternatives: &[Value],
        obj: &Map<String, Value>,
        location: &mut Vec<String>,
    ) -> Result<Value, SchemaError> {
        let non_null: Vec<&Value> = alternatives.iter().filter(|a| a.get("type").is_none_or(|t| t != "null")).collect();
        let nullable = non_null.len() < alternatives.len();
        let mut out = if let [single] = non_null.as_slice() {
            let mut merged = single.as_object().cloned().unwrap_or_default();
            overlay(&mut merged, obj, &["anyOf", "oneOf"]);
            match self.convert(&Value::Object(merged), location)? {
                Value::Object(out) => out,
                _ => Map::new(),
            }
        } else {
            let mut converted = Vec::with_capacity(non_null.len());
            for alternative in non_null {
                converted.push(self.convert(alternative, location)?);
            }
            let mut out = Map::new();
            out.insert("anyOf".into(), Value::Array(converted));
            if let Some(description) = obj.get("description") {
                out.insert("description".into(), description.clone());
            }
            out
        };
        if nullable {
            out.insert("nullable".into(), Value::Bool(true));
        }
        Ok(Value::Object(out))
    }
}

/// The Gemini type name and whether `null` is allowed too.
fn type_of(obj: &Map<String, Value>) -> (Option<&'static str>, bool) {
    let upper = |t: &str| -> Option<&'static str> {
        Some(match t {
            "string" => "STRING",
            "number" => "NUMBER",
            "integer" => "INTEGER",
            "boolean" => "BOOLEAN",
            "array" => "ARRAY",
            "object" => "OBJECT",
            _ => return None,
        })
    };
    match obj.get("type") {
        Some(Value::String(t)) => (upper(t), false),
        Some(Value::Array(types)) => {
            let nullable = types.iter().any(|t| t == "null");
            let kind = types.iter().filter_map(Value::as_str).filter(|t| *t != "null").find_map(upper);
            (kind, nullable)
        }
        _ if obj.contains_key("properties") => (Some("OBJECT"), false),
        _ => (None, false),
    }
}

/// Copies `from`'s keywords over `into`, except `skip`.
fn overlay(into: &mut Map<String, Value>, from: &Map<String, Value>, skip: &[&str]) {
    for (key, value) in from {
        if !skip.contains(&key.as_str()) {
            into.insert(key.clone(), value.clone());
        }
    }
}

fn with_type(obj: &Map<String, Value>, kind: &str) -> Value {
    let mut typed = obj.clone();
    typed.insert("type".into(), json!(kind));
    Value::Object(typed)
}

fn describe(out: &mut Map<String, Value>, note: String) {
    let description = match out.get("description").and_then(Value::as_str) {
        Some(existing) => format!("{existing} ({note})"),
        None => format!("({note})"),
    };
    out.insert("description".into(), Value::String(description));
}

fn untyped(location: &[String]) -> SchemaError {
    SchemaError::unsupported_by(
        location,
        "type",
        "Gemini",
        "it accepts any JSON value, which Gemini's responseSchema cannot express; give it a concrete type".to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transform(mut schema: Value) -> Result<Value, SchemaError> {
        apply(&mut schema, "Root").map(|()| schema)
    }

    #[test]
    fn nullable_types_and_alternatives() {
        let out = transform(json!({
            "type": "object",
            "properties": {
                "a": {"type": ["string", "null"], "title": "A", "default": null},
                "b": {"anyOf": [{"$ref": "#/$defs/Level"}, {"type": "null"}], "description": "The level."},
                "c": {"type": "string", "const": "fixed"},
                "d": {"type": "array", "items": {"type": "integer", "format": "uint32", "minimum": 0}, "uniqueItems": true}
            },
            "required": ["c"],
            "additionalProperties": false,
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"Level": {"type": "string", "enum": ["low", "high"], "description": "How high."}}
        }))
        .unwrap();
        assert_eq!(
            out,
            json!({
                "type": "OBJECT",
                "required": ["c"],
                "properties": {
                    "a": {"type": "STRING", "nullable": true},
                    "b": {"type": "STRING", "description": "The level. How high.", "enum": ["low", "high"], "nullable": true},
                    "c": {"type": "STRING", "enum": ["fixed"]},
                    "d": {"type": "ARRAY", "description": "(items must be unique)", "items": {"type": "INTEGER", "minimum": 0}}
                },
                "propertyOrdering": ["a", "b", "c", "d"]
            })
        );
    }

    #[test]
    fn recursion_and_maps_are_refused_by_name() {
        let recursive = json!({
            "type": "object",
            "properties": {"root": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}
        });
        let err = transform(recursive).unwrap_err();
        assert_eq!(err, SchemaError::Recursive { type_name: "Node".into(), target: "Gemini" });
        assert!(err.to_string().contains("`Node`"), "{err}");

        let map = json!({"type": "object", "properties": {"scores": {"type": "object", "additionalProperties": {"type": "number"}}}});
        let err = transform(map).unwrap_err();
        assert!(
            matches!(&err, SchemaError::Unsupported { location, target: Some("Gemini"), .. } if location == "Root.scores"),
            "{err:?}"
        );
        assert!(err.to_string().contains("Gemini"), "{err}");
    }
}
