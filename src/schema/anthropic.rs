//! Anthropic's structured outputs (`output_config.format`, strict tools): the strict
//! transform, and then what Anthropic's schema subset lacks moved into descriptions,
//! as anthropic-sdk-python's `transform_schema` (`lib/_parse/_transform.py`) does:
//! numeric bounds, `maxItems`, a `minItems` other than 0 or 1, and `pattern`. The model
//! still reads them, and validation still checks them.

use super::strict::{self, describe};
use super::SchemaError;
use serde_json::Value;

/// Constraints Anthropic's structured outputs reject, with how they read in a
/// description.
const DESCRIBED: &[(&str, &str)] = &[
    ("minimum", "at least {}"),
    ("maximum", "at most {}"),
    ("exclusiveMinimum", "more than {}"),
    ("exclusiveMaximum", "less than {}"),
    ("multipleOf", "a multiple of {}"),
    ("maxItems", "at most {} items"),
    ("pattern", "matching the pattern {}"),
];

/// The one `minItems` it rejects: past 1.
const MIN_ITEMS: &[(&str, &str)] = &[("minItems", "at least {} items")];

/// Applies the transform to a root schema (and its `$defs`).
pub(crate) fn apply(root: &mut Value, root_name: &str) -> Result<(), SchemaError> {
    strict::transform(root, root_name)?;
    walk(root);
    Ok(())
}

fn walk(schema: &mut Value) {
    let Value::Object(obj) = schema else { return };
    if obj.get("minItems").and_then(Value::as_u64).is_some_and(|min| min > 1) {
        describe(obj, &[DESCRIBED, MIN_ITEMS].concat());
    } else {
        describe(obj, DESCRIBED);
    }
    for key in ["properties", "$defs"] {
        if let Some(Value::Object(subs)) = obj.get_mut(key) {
            subs.values_mut().for_each(walk);
        }
    }
    for key in ["items", "additionalItems", "contains"] {
        if let Some(sub) = obj.get_mut(key) {
            walk(sub);
        }
    }
    for key in ["anyOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(subs)) = obj.get_mut(key) {
            subs.iter_mut().for_each(walk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    /// Whether `obj` still holds a keyword Anthropic rejects.
    fn rejected(obj: &Map<String, Value>) -> bool {
        DESCRIBED.iter().any(|(keyword, _)| obj.contains_key(*keyword))
            || obj.get("minItems").and_then(Value::as_u64).is_some_and(|min| min > 1)
    }

    #[test]
    fn bounds_move_into_descriptions() {
        let mut schema = json!({
            "type": "object",
            "properties": {
                "score": {"type": "number", "minimum": 0, "maximum": 1, "description": "How sure."},
                "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}, "minItems": 2, "maxItems": 5},
                "some": {"type": "array", "items": {"type": "integer", "exclusiveMinimum": 0}, "minItems": 1}
            },
            "required": ["score", "tags", "some"]
        });
        apply(&mut schema, "T").unwrap();
        let props = &schema["properties"];
        assert_eq!(props["score"]["description"], "How sure. (at least 0; at most 1)");
        assert_eq!(props["tags"]["description"], "(at most 5 items; at least 2 items)");
        assert_eq!(props["tags"]["items"]["description"], "(matching the pattern \"^[a-z]+$\")");
        assert_eq!(props["some"]["minItems"], 1, "0 and 1 are accepted");
        assert_eq!(props["some"]["items"]["description"], "(more than 0)");
        for prop in props.as_object().unwrap().values() {
            assert!(!rejected(prop.as_object().unwrap()), "{prop}");
        }
        assert_eq!(schema["additionalProperties"], false);
    }
}
