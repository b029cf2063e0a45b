//! Gemini's function calling, for an agent's conversation: its tools as
//! `functionDeclarations`, an assistant's tool calls as `functionCall` parts of a
//! `model` turn, and tool results as `functionResponse` parts of a `user` turn (the
//! results of one turn's calls together). Gemini names the function a response
//! answers, not the call: the name is found from the call's id earlier in the
//! conversation. The final answer's request declares no tools (Gemini 2.x refuses
//! function calling beside a JSON response type): there the calls and their results
//! are told in words (`Called NAME with ARGS`, `Result of NAME: ..`).

use super::gemini::{Content, Part};
use super::ToolSpec;
use crate::message::{FunctionCall as NeutralCall, ToolCall};
use crate::{Message, Role};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// `{"functionDeclarations": [..]}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Tools<'a> {
    function_declarations: Vec<Declaration<'a>>,
}

#[derive(Serialize)]
struct Declaration<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    parameters: &'a RawValue,
}

/// `{"functionCallingConfig": {"mode": "AUTO"}}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ToolConfig {
    function_calling_config: CallingConfig,
}

#[derive(Serialize)]
struct CallingConfig {
    mode: &'static str,
}

impl ToolConfig {
    /// On an agent's turn the model may call the tools or answer.
    pub(super) fn auto() -> Self {
        ToolConfig { function_calling_config: CallingConfig { mode: "AUTO" } }
    }
}

/// A `functionCall` part.
#[derive(Serialize)]
pub(super) struct FunctionCall<'a> {
    name: &'a str,
    args: &'a RawValue,
}

/// A `functionResponse` part: the result travels as `{"content": text}`, since Gemini
/// takes an object.
#[derive(Serialize)]
pub(super) struct FunctionResponse<'a> {
    name: &'a str,
    response: Output<'a>,
}

#[derive(Serialize)]
struct Output<'a> {
    content: &'a str,
}

/// A `functionCall` part of a reply.
#[derive(Deserialize)]
pub(super) struct CallIn {
    name: String,
    #[serde(default)]
    args: Value,
    #[serde(default)]
    id: Option<String>,
}

impl CallIn {
    /// The call in pluck's terms; the `index`th of its reply, which names it when
    /// Gemini gives no id.
    pub(super) fn into_tool_call(self, index: usize) -> ToolCall {
        let arguments = match self.args {
            Value::Null => "{}".to_owned(),
            args => args.to_string(),
        };
        let id = self.id.filter(|id| !id.is_empty()).unwrap_or_else(|| format!("call_{}", index + 1));
        ToolCall { id, kind: "function".to_owned(), function: NeutralCall { name: self.name, arguments } }
    }
}

/// The declarations of an agent's tools; none when it offers none.
pub(super) fn declarations(specs: &[ToolSpec]) -> Vec<Tools<'_>> {
    if specs.is_empty() {
        return Vec::new();
    }
    let function_declarations = specs
        .iter()
        .map(|spec| Declaration {
            name: &spec.name,
            description: spec.description.as_deref(),
            parameters: spec.parameters.json(),
        })
        .collect();
    vec![Tools { function_declarations }]
}

/// Appends `message` of `conversation` when it calls tools or answers a call, as
/// function parts (`functions`: an agent's turn, its tools declared) or told in words
/// (its final answer: Gemini takes no declared tools beside a JSON response type);
/// `false` (nothing appended) for any other message.
pub(super) fn push<'a>(
    message: &'a Message,
    conversation: &'a [Message],
    contents: &mut Vec<Content<'a>>,
    functions: bool,
) -> bool {
    match message.role {
        Role::Assistant => {
            let Some(calls) = message.tool_calls.as_deref().filter(|calls| !calls.is_empty()) else { return false };
            let mut parts = Vec::with_capacity(calls.len() + 1);
            if let Some(text) = message.content.as_deref().filter(|text| !text.trim().is_empty()) {
                parts.push(Part::Text(text));
            }
            for call in calls {
                let (name, arguments) = (&call.function.name, &call.function.arguments);
                match super::json_object(arguments).filter(|_| functions) {
                    Some(args) => parts.push(Part::FunctionCall(FunctionCall { name, args })),
                    None => parts.push(Part::Written(format!("Called {name} with {arguments}"))),
                }
            }
            contents.push(Content { role: Some("model"), parts });
            true
        }
        Role::Tool => {
            let id = message.tool_call_id.as_deref().unwrap_or("");
            let name = called(conversation, id).unwrap_or(id);
            let content = message.content.as_deref().unwrap_or("");
            let part = match functions {
                true => Part::FunctionResponse(FunctionResponse { name, response: Output { content } }),
                false => Part::Written(format!("Result of {name}: {content}")),
            };
            match contents.last_mut() {
                Some(Content { role: Some("user"), parts })
                    if matches!(parts.last(), Some(Part::FunctionResponse(_) | Part::Written(_))) =>
                {
                    parts.push(part)
                }
                _ => contents.push(Content { role: Some("user"), parts: vec![part] }),
            }
            true
        }
        _ => false,
    }
}

/// The name of the function the call `id` of `conversation` called.
fn called<'a>(conversation: &'a [Message], id: &str) -> Option<&'a str> {
    conversation
        .iter()
        .filter_map(|message| message.tool_calls.as_deref())
        .flatten()
        .find(|call| call.id == id)
        .map(|call| call.function.name.as_str())
}
