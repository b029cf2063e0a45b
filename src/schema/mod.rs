//! JSON schemas for the model: generated from [`schemars`], with the field rules written
//! in, wrapped when the type is not an object, and transformed for the target.
//!
//! Each type's schema is built once per [`Target`] and kept for the life of the process
//! (in a map keyed by `TypeId`), serialized once too, so a request copies bytes instead
//! of walking the schema.
//!
//! ```
//! use pluck::schema::{self, Target};
//!
//! let prepared = schema::prepare::<Vec<String>>(Target::Strict).unwrap();
//! // A list travels wrapped in an object, as strict mode wants an object at the root.
//! assert_eq!(prepared.wrapper(), Some("items"));
//! assert_eq!(prepared.schema()["required"][0], "items");
//! ```

mod anthropic;
mod enums;
mod gemini;
mod plain;
pub(crate) mod rules;
mod strict;
mod strict_limits;
mod tagged;

use rules::RuleSet;

use crate::Extract;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// What a schema is prepared for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// OpenAI strict mode (`json_schema` response format, strict tools): every property
    /// required, `additionalProperties: false`, only supported keywords.
    Strict,
    /// Prompts and grammar-constrained decoding (JSON mode, Markdown JSON, llama.cpp),
    /// shaped as pydantic writes a schema: every keyword kept (grammars enforce
    /// `maxLength`, `maxItems`, ...); every property required but one whose serde
    /// default the schema states, which a grammar may then leave out; `null` offered
    /// only where serde takes it (an `Option`), as an `anyOf` of the type and `null`,
    /// not a list of types (which some grammar converters read as bare types); each
    /// property titled with its name in title case; no OpenAPI `format` on numbers.
    ///
    /// ```
    /// use pluck::schema::{self, Target};
    ///
    /// #[derive(pluck::Extract, serde::Deserialize, schemars::JsonSchema)]
    /// struct Pay {
    ///     #[serde(default)]
    ///     min_amount: Option<f64>,
    ///     currency: String,
    /// }
    ///
    /// let prepared = schema::prepare::<Pay>(Target::Plain).unwrap();
    /// let schema = prepared.schema();
    /// assert_eq!(schema["required"], serde_json::json!(["currency"]));
    /// assert_eq!(schema["properties"]["min_amount"]["title"], "Min Amount");
    /// assert_eq!(schema["properties"]["min_amount"]["anyOf"][1]["type"], "null");
    /// ```
    Plain,
    /// Gemini's `responseSchema`: the OpenAPI subset it accepts, references inlined,
    /// `nullable` instead of `null` types, `propertyOrdering` from the field order.
    ///
    /// ```
    /// use pluck::schema::{self, Target};
    ///
    /// let prepared = schema::prepare::<Option<String>>(Target::Gemini).unwrap();
    /// let value = &prepared.schema()["properties"]["value"];
    /// assert_eq!(value["type"], "STRING");
    /// assert_eq!(value["nullable"], true);
    /// ```
    Gemini,
    /// Anthropic's structured outputs (`output_config.format`, strict tools): the
    /// [`Strict`](Target::Strict) schema, with what Anthropic's subset lacks (numeric
    /// bounds, `maxItems`, `minItems` past 1, `pattern`) moved into descriptions.
    ///
    /// ```
    /// use pluck::schema::{self, Target};
    ///
    /// #[derive(pluck::Extract, serde::Deserialize, schemars::JsonSchema)]
    /// struct Rating {
    ///     #[extract(range(min = 1, max = 5))]
    ///     stars: u8,
    /// }
    ///
    /// let prepared = schema::prepare::<Rating>(Target::Anthropic).unwrap();
    /// let stars = &prepared.schema()["properties"]["stars"];
    /// assert!(stars.get("maximum").is_none());
    /// assert!(stars["description"].as_str().unwrap().contains("at most 5"));
    /// ```
    Anthropic,
    /// Gemini's `responseJsonSchema`: standard JSON schema, as [`Plain`](Target::Plain)
    /// (`$defs`/`$ref`, `anyOf`, `null` types, every keyword kept, objects closed), with
    /// `oneOf` as `anyOf`. Nothing is inlined, so a type that contains itself is sent as
    /// it is.
    ///
    /// ```
    /// use pluck::schema::{self, Target};
    ///
    /// let prepared = schema::prepare::<Option<String>>(Target::GeminiJson).unwrap();
    /// assert_eq!(prepared.schema()["properties"]["value"]["type"], serde_json::json!(["string", "null"]));
    /// ```
    GeminiJson,
}

/// A schema that its target (strict mode, Gemini) cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A keyword or shape a schema dialect cannot express, at a named field: OpenAI's
    /// strict mode (`target` is `None`) or another provider's dialect (`target` names it).
    #[error("field `{location}` cannot be sent {}: {reason} (keyword `{keyword}`)", sent_where(*target))]
    Unsupported {
        /// The type and field, as `SalaryRange.currency`.
        location: String,
        /// The offending JSON-schema keyword.
        keyword: &'static str,
        /// The provider whose dialect refuses it, such as `Gemini`; `None` for strict mode.
        target: Option<&'static str>,
        /// Why, and what to write instead.
        reason: String,
    },
    /// A type that contains itself, which a schema without references cannot express.
    #[error("type `{type_name}` contains itself, which {target}'s schema cannot express (it has no references); use `Mode::Json` or `Mode::MdJson` for it")]
    Recursive {
        /// The type that refers to itself.
        type_name: String,
        /// The provider, such as `Gemini`.
        target: &'static str,
    },
    /// A schema past one of OpenAI strict mode's size limits (nesting, properties, enum
    /// values, characters, `anyOf` members told apart by their first property).
    #[error("type `{type_name}` is past a limit of strict mode ({limit}): {found}; split or flatten the type, or use a mode without strictness (`Mode::Json`, `Mode::MdJson`)")]
    StrictLimit {
        /// The root type.
        type_name: String,
        /// The limit, as `10 levels of nested objects`.
        limit: &'static str,
        /// What the type has, and where when it is one place.
        found: String,
    },
    /// A value of any type (`serde_json::Value`), which strict mode cannot constrain.
    #[error("field `{location}` accepts any JSON value, which strict mode cannot express; give it a concrete type or use a mode without strictness")]
    Untyped {
        /// The type and field.
        location: String,
    },
}

impl SchemaError {
    fn unsupported(location: &[String], keyword: &'static str, reason: String) -> Self {
        SchemaError::Unsupported { location: location.join("."), keyword, target: None, reason }
    }

    fn unsupported_by(location: &[String], keyword: &'static str, target: &'static str, reason: String) -> Self {
        SchemaError::Unsupported { location: location.join("."), keyword, target: Some(target), reason }
    }

    fn untyped(location: &[String]) -> Self {
        SchemaError::Untyped { location: location.join(".") }
    }
}

/// Where a schema cannot be sent, as [`SchemaError::Unsupported`] says it.
fn sent_where(target: Option<&'static str>) -> String {
    match target {
        None => "in strict mode".to_owned(),
        Some(target) => format!("to {target}"),
    }
}

/// A type's schema, ready to send.
#[derive(Debug)]
pub struct Prepared {
    target: Target,
    name: String,
    description: Option<String>,
    wrapper: Option<&'static str>,
    schema: Value,
    json: Box<RawValue>,
}

impl Prepared {
    /// The target the schema was prepared for.
    ///
    /// ```
    /// use pluck::schema::{self, Target};
    ///
    /// assert_eq!(schema::prepare::<Vec<String>>(Target::Plain).unwrap().target(), Target::Plain);
    /// ```
    pub fn target(&self) -> Target {
        self.target
    }

    /// The schema's name, fit for OpenAI's `json_schema.name` and tool names
    /// (`[a-zA-Z0-9_-]`, at most 64 characters).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type's doc comment, if it has one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The property the value travels in when the type is not an object (`items` for
    /// lists, `value` otherwise); `None` for objects.
    pub fn wrapper(&self) -> Option<&'static str> {
        self.wrapper
    }

    /// The schema.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// The schema, serialized once.
    pub fn json(&self) -> &RawValue {
        &self.json
    }
}

type Cache = RwLock<HashMap<(TypeId, Target), Result<Arc<Prepared>, SchemaError>>>;

/// `T`'s schema for `target`, built on first use and reused afterwards.
///
/// # Errors
/// [`SchemaError`] when `target` is [`Target::Strict`] or [`Target::Gemini`] and the
/// schema holds something that target cannot express, naming the field or type.
pub fn prepare<T: Extract>(target: Target) -> Result<Arc<Prepared>, SchemaError> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (TypeId::of::<T>(), target);
    if let Some(found) = cache.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return found.clone();
    }
    let built = build::<T>(target).map(Arc::new);
    cache.write().unwrap_or_else(|e| e.into_inner()).entry(key).or_insert(built).clone()
}

/// `T`'s schema with its field rules, before any target transform.
pub fn generate<T: Extract>() -> Value {
    let mut generator =
        schemars::generate::SchemaSettings::draft2020_12().with(|s| s.meta_schema = None).into_generator();
    // Kept, so that the rules find each type's definition by the name it gave.
    let mut schema = generator.root_schema_for::<T>().to_value();
    let mut rules = RuleSet::default();
    T::__rules(&mut rules);
    rules.apply(TypeId::of::<T>(), &mut generator, &mut schema);
    schema
}

fn build<T: Extract>(target: Target) -> Result<Prepared, SchemaError> {
    let mut schema = generate::<T>();
    let root_name = T::schema_name();
    let description = schema.get("description").and_then(Value::as_str).map(str::to_owned);
    let wrapper = wrap(&mut schema);
    tagged::merge_newtype_variants(&mut schema);
    enums::flatten(&mut schema);
    match target {
        Target::Strict => strict::apply(&mut schema, &root_name)?,
        Target::Plain => plain::apply(&mut schema),
        Target::Gemini => gemini::apply(&mut schema, &root_name)?,
        Target::Anthropic => anthropic::apply(&mut schema, &root_name)?,
        Target::GeminiJson => {
            close_objects(&mut schema, Closing::Closed);
            gemini::any_of_for_one_of(&mut schema);
        }
    }
    let json = serde_json::value::to_raw_value(&schema).expect("a JSON value always serializes");
    Ok(Prepared { target, name: sanitize_name(&root_name), description, wrapper, schema, json })
}

/// Wraps a root that is not an object with properties into `{"<key>": root}`.
fn wrap(schema: &mut Value) -> Option<&'static str> {
    let is_object = schema.get("properties").is_some()
        && schema.get("type").is_some_and(|t| t == "object")
        && schema.get("additionalProperties").is_none_or(|a| a == &Value::Bool(false));
    if is_object {
        return None;
    }
    let key = if schema.get("type").is_some_and(|t| t == "array") { "items" } else { "value" };
    let mut inner = std::mem::take(schema);
    let defs = inner.as_object_mut().and_then(|o| o.remove("$defs"));
    if let Some(obj) = inner.as_object_mut() {
        obj.remove("title");
    }
    let mut wrapped = json!({
        "type": "object",
        "properties": { key: inner },
        "required": [key],
        "additionalProperties": false,
    });
    if let Some(defs) = defs {
        wrapped["$defs"] = defs;
    }
    *schema = wrapped;
    Some(key)
}

/// How [`close_objects`] treats what serde reads without the model writing it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Closing {
    /// Every property required, and no other property admitted.
    Closed,
    /// A property whose schema states a default (schemars writes a serde default of a
    /// type that is `Serialize`) left out of `required`, as pydantic leaves a field
    /// with a default; `additionalProperties` left as the type says (absent unless it
    /// denies unknown fields).
    Defaults,
}

/// Objects with fixed properties list every property in `required` (with
/// [`Closing::Closed`], also admit no others). A grammar made from the schema then
/// writes every field in order, and a model sees one shape to follow. An optional
/// property keeps its schema: an `Option`'s takes `null` already; a field with a serde
/// default takes no `null` (serde reads only its absence as the default), so it is
/// asked for like any other, or, with [`Closing::Defaults`], left out of `required`,
/// which lets a grammar skip it.
fn close_objects(schema: &mut Value, closing: Closing) {
    match schema {
        Value::Object(obj) => {
            if let Some(Value::Object(props)) = obj.get("properties") {
                let asked = |(name, property): (&String, &Value)| {
                    let defaulted = property.get("default").is_some();
                    (closing == Closing::Closed || !defaulted).then(|| Value::String(name.clone()))
                };
                let required: Vec<Value> = props.iter().filter_map(asked).collect();
                obj.insert("required".into(), Value::Array(required));
                if closing == Closing::Closed {
                    obj.entry("additionalProperties").or_insert(Value::Bool(false));
                }
            }
            for value in obj.values_mut() {
                close_objects(value, closing);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| close_objects(item, closing)),
        _ => {}
    }
}

fn sanitize_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' })
        .take(64)
        .collect();
    if out.is_empty() {
        out.push_str("output");
    }
    out
}
