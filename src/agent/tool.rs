//! [`Tool`]: a function the model may call, typed by the struct of its arguments.

use crate::schema::{self, Prepared, SchemaError, Target};
use crate::{parse, Extract};
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A tool's answer to one call: its output as JSON text, or what was wrong.
pub(crate) type Answer = Pin<Box<dyn Future<Output = Result<String, String>> + Send>>;

/// Reads a call's arguments and, when they fit, starts the function.
type Invoke = dyn Fn(&str) -> Result<Answer, String> + Send + Sync;

/// A function the model may call, with a schema made from the struct of its
/// arguments.
///
/// The arguments type derives [`Extract`] like any value pluck reads: its schema (and
/// field rules, as `minimum`, `enum`, ...) is what the model sees, its doc comment the
/// tool's description, and a call's arguments are parsed and checked by its rules
/// before the function runs. Arguments that do not parse or break a rule, an unknown
/// tool name, or the function's own error go back to the model as the call's result,
/// saying what was wrong, and the model can call again.
///
/// The function returns `Result<R, E>`: `R` (any [`Serialize`]) goes to the model as
/// JSON (a string as its text), `E` (any [`Display`](fmt::Display)) as an error.
///
/// ```
/// use pluck::agent::Tool;
/// use pluck::Extract;
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// /// Get the current price and daily change for a stock ticker.
/// #[derive(Extract, Deserialize, JsonSchema)]
/// struct PriceArgs {
///     /// The ticker, such as MSFT.
///     #[extract(length(min = 1, max = 5))]
///     ticker: String,
/// }
///
/// let tool = Tool::new("get_stock_price", |args: PriceArgs| async move {
///     match args.ticker.to_uppercase().as_str() {
///         "MSFT" => Ok(serde_json::json!({"ticker": "MSFT", "price": 378.5, "change_pct": 0.5})),
///         other => Err(format!("ticker '{other}' not found")),
///     }
/// });
/// assert_eq!(tool.name(), "get_stock_price");
/// assert_eq!(tool.description().as_deref(), Some("Get the current price and daily change for a stock ticker."));
/// ```
#[derive(Clone)]
pub struct Tool {
    name: String,
    description: Option<String>,
    prepare: fn(Target) -> Result<Arc<Prepared>, SchemaError>,
    invoke: Arc<Invoke>,
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool").field("name", &self.name).field("description", &self.description).finish()
    }
}

impl Tool {
    /// A tool named `name` (`[a-zA-Z0-9_-]`, at most 64 characters) that runs
    /// `function` with the arguments the model wrote, once they parse and pass `A`'s
    /// rules.
    pub fn new<A, F, Fut, R, E>(name: impl Into<String>, function: F) -> Tool
    where
        A: Extract + Send,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        R: Serialize,
        E: fmt::Display,
    {
        let function = Arc::new(function);
        let invoke = move |raw: &str| -> Result<Answer, String> {
            let wrapper = schema::prepare::<A>(Target::Plain).map_err(|e| e.to_string())?.wrapper();
            let args = parse::judged::<A>(raw, wrapper, true).map_err(|rejected| rejected.report.to_string())?.value;
            let running = function(args);
            Ok(Box::pin(async move {
                match running.await {
                    Ok(output) => output_text(&output),
                    Err(err) => Err(err.to_string()),
                }
            }))
        };
        Tool { name: name.into(), description: None, prepare: schema::prepare::<A>, invoke: Arc::new(invoke) }
    }

    /// The description the model reads, in place of the arguments type's doc comment.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The description the model reads: the one set, else the arguments type's doc
    /// comment.
    pub fn description(&self) -> Option<String> {
        match &self.description {
            Some(description) => Some(description.clone()),
            None => (self.prepare)(Target::Plain).ok()?.description().map(str::to_owned),
        }
    }

    /// The arguments' schema for `target`.
    pub(crate) fn parameters(&self, target: Target) -> Result<Arc<Prepared>, SchemaError> {
        (self.prepare)(target)
    }

    /// Reads `raw` arguments and starts the function; what was wrong with them
    /// otherwise (the report of every broken rule).
    pub(crate) fn invoke(&self, raw: &str) -> Result<Answer, String> {
        (self.invoke)(raw)
    }
}

/// A result as the model reads it: a string as its text, anything else as JSON.
fn output_text<R: Serialize>(output: &R) -> Result<String, String> {
    match serde_json::to_value(output) {
        Ok(Value::String(text)) => Ok(text),
        Ok(value) => Ok(value.to_string()),
        Err(err) => Err(format!("the result does not serialize: {err}")),
    }
}
