//! [`ToolSet`]: an agent's tools by name, and the running of the model's calls.

use super::error::AgentError;
use super::tool::Tool;
use crate::provider::ToolSpec;
use crate::schema::{SchemaError, Target};
use crate::ToolCall;
use futures_util::stream::FuturesOrdered;
use futures_util::StreamExt;
use serde_json::Value;
use std::sync::Arc;

/// What a call came to: the tool's output, or what was wrong, as the model reads it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Observation {
    pub(crate) output: String,
    pub(crate) is_error: bool,
}

impl Observation {
    fn error(output: String) -> Self {
        Observation { output, is_error: true }
    }
}

/// An agent's tools, each name once.
#[derive(Debug, Clone, Default)]
pub(crate) struct ToolSet {
    tools: Vec<Tool>,
}

impl ToolSet {
    /// The set of `tools`.
    ///
    /// # Errors
    /// [`AgentError::InvalidTool`] for a name that is not `[a-zA-Z0-9_-]{1,64}` or is
    /// taken twice.
    pub(crate) fn new(tools: Vec<Tool>) -> Result<Self, AgentError> {
        for (i, tool) in tools.iter().enumerate() {
            let name = tool.name();
            let invalid = |reason| Err(AgentError::InvalidTool { name: name.to_owned(), reason });
            if name.is_empty()
                || name.len() > 64
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
            {
                return invalid("a tool name is 1 to 64 of `a-z`, `A-Z`, `0-9`, `_` and `-`");
            }
            if tools[..i].iter().any(|other| other.name() == name) {
                return invalid("two tools have this name");
            }
        }
        Ok(ToolSet { tools })
    }

    /// Whether one of the tools is named `name`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn get(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|tool| tool.name() == name)
    }

    /// The tools as a call offers them, their arguments' schemas for `target`.
    pub(crate) fn specs(&self, target: Target) -> Result<Arc<[ToolSpec]>, SchemaError> {
        self.tools
            .iter()
            .map(|tool| {
                let parameters = tool.parameters(target)?;
                let description = tool.description();
                Ok(ToolSpec { name: tool.name().to_owned(), description, parameters })
            })
            .collect()
    }

    /// Runs one call: the tool's output, or what was wrong with the call (an unknown
    /// tool, listing the tools; arguments that do not parse or break a rule) or what
    /// the tool said went wrong.
    pub(crate) async fn run(&self, call: &ToolCall) -> Observation {
        let name = &call.function.name;
        let Some(tool) = self.get(name) else {
            let known: Vec<&str> = self.tools.iter().map(Tool::name).collect();
            return Observation::error(format!("Error: unknown tool '{name}'. Available: {}", known.join(", ")));
        };
        let answer = match tool.invoke(&call.function.arguments) {
            Ok(answer) => answer,
            Err(report) => {
                return Observation::error(format!("Error: the arguments of '{name}' are not valid:\n{report}"));
            }
        };
        #[cfg(feature = "tracing")]
        let answer = super::trace::execute_tool(name, &call.id, answer);
        match answer.await {
            Ok(output) => Observation { output, is_error: false },
            Err(err) => Observation::error(format!("Error calling {name}: {err}")),
        }
    }

    /// Runs `calls`, at most `limit` at once, and returns what each came to, in the
    /// order of the calls.
    pub(crate) async fn run_all(&self, calls: &[ToolCall], limit: usize) -> Vec<Observation> {
        let mut running = FuturesOrdered::new();
        let mut waiting = calls.iter();
        for call in waiting.by_ref().take(limit.max(1)) {
            running.push_back(self.run(call));
        }
        let mut observations = Vec::with_capacity(calls.len());
        while let Some(observation) = running.next().await {
            observations.push(observation);
            if let Some(call) = waiting.next() {
                running.push_back(self.run(call));
            }
        }
        observations
    }

    /// How the ReAct prompt lists the tools: `- name(field: type, ..): description`.
    pub(crate) fn signatures(&self) -> String {
        let mut out = String::new();
        for tool in &self.tools {
            let fields = tool.parameters(Target::Plain).map(|prepared| fields(prepared.schema())).unwrap_or_default();
            out.push_str(&format!("- {}({fields})", tool.name()));
            if let Some(description) = tool.description() {
                out.push_str(&format!(": {}", description.trim()));
            }
            out.push('\n');
        }
        out
    }

    /// `input` as the arguments of `name`: a value that is not an object, given to a
    /// tool with one argument, is that argument (`["MSFT", "GOOGL"]` for
    /// `compare_stocks(tickers)`).
    pub(crate) fn arguments(&self, name: &str, input: Value) -> String {
        if input.is_object() {
            return input.to_string();
        }
        let single = self.get(name).and_then(|tool| tool.parameters(Target::Plain).ok()).and_then(|prepared| {
            let properties = prepared.schema().get("properties")?.as_object()?;
            (properties.len() == 1).then(|| properties.keys().next().cloned()).flatten()
        });
        match single {
            Some(field) => serde_json::json!({ field: input }).to_string(),
            None => input.to_string(),
        }
    }
}

/// `field: type, ..` of an object schema.
fn fields(schema: &Value) -> String {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else { return String::new() };
    properties.iter().map(|(name, property)| format!("{name}: {}", kind(property))).collect::<Vec<_>>().join(", ")
}

/// A property's type as a signature shows it: `string`, `list[string]`, `string | null`.
fn kind(property: &Value) -> String {
    match property.get("type") {
        Some(Value::String(kind)) if kind == "array" => match property.get("items") {
            Some(items) => format!("list[{}]", kind_of(items)),
            None => "list".to_owned(),
        },
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        _ => "any".to_owned(),
    }
}

fn kind_of(items: &Value) -> String {
    match items.get("type") {
        Some(_) => kind(items),
        None => "any".to_owned(),
    }
}
