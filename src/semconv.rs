//! Values in the words of the OpenTelemetry GenAI semantic conventions, shared by the
//! spans and the meters.

#[cfg(feature = "tracing")]
use crate::provider::Finish;
use crate::{Error, Provider};

/// `gen_ai.operation.name` of an agent's run.
#[cfg(feature = "tracing")]
pub(crate) const INVOKE_AGENT: &str = "invoke_agent";

/// `gen_ai.operation.name` of a tool's execution.
#[cfg(feature = "tracing")]
pub(crate) const EXECUTE_TOOL: &str = "execute_tool";

/// The provider's name in the conventions.
pub(crate) fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::OpenAi => "openai",
        Provider::Anthropic => "anthropic",
        Provider::Gemini => "gcp.gemini",
    }
}

/// The provider's name in OpenInference's `llm.provider`, from its name in the
/// conventions.
#[cfg(feature = "tracing")]
pub(crate) fn openinference_provider(conventions: &str) -> &str {
    match conventions {
        "gcp.gemini" => "google",
        other => other,
    }
}

/// The finish reason in the conventions' words.
#[cfg(feature = "tracing")]
pub(crate) fn finish_reason(finish: Finish) -> &'static str {
    match finish {
        Finish::Done => "stop",
        Finish::Length => "length",
        Finish::ContentFilter => "content_filter",
    }
}

/// The conventions' `error.type` of `err`: its variant's name, which says what went
/// wrong in few enough values to group by (the variant's fields are left out).
pub(crate) fn error_type(err: &Error) -> String {
    let debug = format!("{err:?}");
    debug.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("Error").to_owned()
}
