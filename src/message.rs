//! Chat messages, as the OpenAI chat-completions API writes them.

use serde::{Deserialize, Serialize};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The user's input.
    User,
    /// The model's earlier replies.
    Assistant,
    /// A tool's result, answering a tool call.
    Tool,
}

/// One message of a conversation.
///
/// ```
/// use pluck::{Message, Role};
///
/// let message = Message::user("Senior Rust engineer, remote, $150k-$200k");
/// assert_eq!(message.role, Role::User);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// Its text; absent on an assistant message that only calls tools.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The tool calls of an assistant message.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// The call a tool message answers.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tool_call_id: Option<String>,
}

impl Message {
    fn text(role: Role, content: impl Into<String>) -> Self {
        Message { role, content: Some(content.into()), tool_calls: None, tool_call_id: None }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::text(Role::System, content)
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::text(Role::User, content)
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::text(Role::Assistant, content)
    }

    /// An assistant message that calls one tool.
    pub fn tool_call(call: ToolCall) -> Self {
        Message { role: Role::Assistant, content: None, tool_calls: Some(vec![call]), tool_call_id: None }
    }

    /// An assistant message that calls several tools at once (an agent's turn), with
    /// the text it wrote beside the calls, if any.
    ///
    /// ```
    /// use pluck::{Message, ToolCall};
    ///
    /// let calls = vec![ToolCall::new("call_1", "get_stock_price", r#"{"ticker":"MSFT"}"#),
    ///                  ToolCall::new("call_2", "get_stock_price", r#"{"ticker":"GOOGL"}"#)];
    /// let turn = Message::tool_calls(Some("Both prices first.".to_owned()), calls);
    /// assert_eq!(turn.tool_calls.as_ref().map(Vec::len), Some(2));
    /// ```
    pub fn tool_calls(content: Option<String>, calls: Vec<ToolCall>) -> Self {
        Message { role: Role::Assistant, content, tool_calls: Some(calls), tool_call_id: None }
    }

    /// A tool's result, answering the call `call_id`.
    pub fn tool_result(call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Message {
            role: Role::Tool,
            content: Some(content.into()),
            tool_calls: None,
            tool_call_id: Some(call_id.into()),
        }
    }
}

/// A function call the model made.
///
/// ```
/// use pluck::{Message, ToolCall};
///
/// let call = ToolCall::new("call_1", "lookup", r#"{"city":"Oslo"}"#);
/// let history = [Message::tool_call(call.clone()), Message::tool_result(&call.id, "12 C")];
/// assert_eq!(history[0].tool_calls.as_deref(), Some(&[call][..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ToolCall {
    /// The call's id, which a tool result refers to.
    #[serde(default)]
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    /// The function and its arguments.
    pub function: FunctionCall,
}

impl ToolCall {
    /// A call of the function `name` with `arguments` (JSON text), whose result will
    /// name it `id`.
    pub fn new(id: impl Into<String>, name: impl Into<String>, arguments: impl Into<String>) -> Self {
        ToolCall { id: id.into(), kind: function_type(), function: FunctionCall::new(name, arguments) }
    }
}

/// The function part of a [`ToolCall`].
///
/// ```
/// let function = pluck::FunctionCall::new("lookup", "{}");
/// assert_eq!(function.name, "lookup");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FunctionCall {
    /// The function's name.
    pub name: String,
    /// Its arguments, as the JSON text the model wrote.
    #[serde(default)]
    pub arguments: String,
}

impl FunctionCall {
    /// A call of the function `name` with `arguments`, the JSON text of its arguments.
    pub fn new(name: impl Into<String>, arguments: impl Into<String>) -> Self {
        FunctionCall { name: name.into(), arguments: arguments.into() }
    }
}

fn function_type() -> String {
    "function".to_owned()
}
