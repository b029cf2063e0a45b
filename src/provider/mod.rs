//! Providers: turning pluck's request into a provider's HTTP body, and its reply back.
//!
//! Everything here knows wire formats and nothing about validation. The re-ask loop
//! hands over a [`Call`] and gets back a [`Reply`].

pub(crate) mod openai;

use crate::message::ToolCall;
use crate::schema::Prepared;
use crate::{Message, Mode, Usage};

/// What the re-ask loop asks a provider to send.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub model: &'a str,
    pub messages: &'a [Message],
    pub schema: &'a Prepared,
    pub mode: Mode,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
}

/// Why the model stopped writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finish {
    /// It finished (`stop`, `tool_calls`, `end_turn`, or nothing said).
    Done,
    /// It hit the token limit.
    Length,
    /// A content filter stopped it.
    ContentFilter,
}

/// What a provider answered, in pluck's terms.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub content: Option<String>,
    pub tool_call: Option<ToolCall>,
    pub refusal: Option<String>,
    pub finish: Finish,
    pub usage: Usage,
}

impl Reply {
    /// The text that should hold the value: the tool call's arguments, else the content.
    pub(crate) fn raw(&self) -> &str {
        match (&self.tool_call, &self.content) {
            (Some(call), _) => &call.function.arguments,
            (None, Some(content)) => content,
            (None, None) => "",
        }
    }
}
