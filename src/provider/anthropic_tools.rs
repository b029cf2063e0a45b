//! The tools of an Anthropic request: an agent's (offered on its turn, declared for
//! its final answer) and the forced tool that carries a value, and the `tool_choice`
//! that says which the model may call.

use super::{Call, ToolChoice as Choice, ToolSpec};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

#[derive(Serialize, Clone, Copy)]
struct Tool<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    input_schema: &'a RawValue,
    /// Where the model has structured outputs: its input always fits the schema.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    strict: bool,
}

/// The tools a request declares: an agent's, then the forced one, written as one list
/// without collecting them.
pub(super) struct Tools<'a> {
    agent: &'a [ToolSpec],
    forced: Option<Tool<'a>>,
    strict: bool,
}

impl Tools<'_> {
    pub(super) fn is_empty(&self) -> bool {
        self.agent.is_empty() && self.forced.is_none()
    }
}

impl Serialize for Tools<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let agent = self.agent.iter().map(|spec| Tool {
            name: &spec.name,
            description: spec.description.as_deref(),
            input_schema: spec.parameters.json(),
            strict: self.strict,
        });
        serializer.collect_seq(agent.chain(self.forced))
    }
}

#[derive(Serialize)]
pub(super) struct ToolChoice<'a> {
    /// `tool` (forced), `auto` or `none`.
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    /// With the forced tool, one value is one tool call: the model may not call the
    /// tool twice.
    #[serde(skip_serializing_if = "Option::is_none")]
    disable_parallel_tool_use: Option<bool>,
}

/// The tools of `call` and its `tool_choice`: the value's tool forced when `forced`;
/// an agent's tools offered on its turn, declared but not to be called for its final
/// answer; `strict` where the model has structured outputs.
pub(super) fn tools<'a>(call: &Call<'a>, forced: bool, strict: bool) -> (Tools<'a>, Option<ToolChoice<'a>>) {
    let schema = call.schema;
    let tools = Tools {
        agent: call.tools.map_or(&[], |offer| offer.tools),
        forced: forced.then(|| Tool {
            name: schema.name(),
            description: schema.description(),
            input_schema: schema.json(),
            strict,
        }),
        strict,
    };
    let choice = match (forced, call.tools.map(|offer| offer.choice)) {
        (true, _) => {
            Some(ToolChoice { kind: "tool", name: Some(schema.name()), disable_parallel_tool_use: Some(true) })
        }
        (false, Some(Choice::Auto)) => Some(ToolChoice { kind: "auto", name: None, disable_parallel_tool_use: None }),
        (false, Some(Choice::None)) => Some(ToolChoice { kind: "none", name: None, disable_parallel_tool_use: None }),
        (false, None) => None,
    };
    (tools, choice)
}
