//! The spans of an agent's run (feature `tracing`), named by the OpenTelemetry GenAI
//! conventions: `invoke_agent {name}` around the run, and `execute_tool {tool}` around
//! each tool call. The spans of the requests (`extract`, `chat`) sit inside the run's.

use super::AgentError;
use crate::semconv::{error_type, provider_name, EXECUTE_TOOL, INVOKE_AGENT};
use crate::Client;
use std::future::Future;
use tracing::field::Empty;
use tracing::Instrument;

/// `run` inside an `invoke_agent {name}` span, marked as failed when it ends in an
/// error.
pub(crate) async fn invoke_agent<T>(
    client: &Client,
    name: &str,
    model: Option<&str>,
    run: impl Future<Output = Result<T, AgentError>>,
) -> Result<T, AgentError> {
    let span = tracing::info_span!(
        "invoke_agent",
        otel.name = format!("{INVOKE_AGENT} {name}"),
        otel.kind = "internal",
        otel.status_code = Empty,
        gen_ai.operation.name = INVOKE_AGENT,
        gen_ai.agent.name = name,
        gen_ai.provider.name = provider_name(client.provider()),
        gen_ai.request.model = model.unwrap_or(client.model()),
        error.type = Empty,
    );
    let ended = run.instrument(span.clone()).await;
    if let Err(err) = &ended {
        let kind = match err {
            AgentError::Model { source, .. } => error_type(source),
            AgentError::MaxIterations { .. } => "MaxIterations".to_owned(),
            _ => "InvalidTool".to_owned(),
        };
        span.record("error.type", kind.as_str());
        span.record("otel.status_code", "ERROR");
    }
    ended
}

/// A tool's run inside an `execute_tool {tool}` span, marked as failed when the tool
/// says it failed.
pub(crate) async fn execute_tool(
    name: &str,
    id: &str,
    run: impl Future<Output = Result<String, String>>,
) -> Result<String, String> {
    let span = tracing::info_span!(
        "execute_tool",
        otel.name = format!("{EXECUTE_TOOL} {name}"),
        otel.kind = "internal",
        otel.status_code = Empty,
        gen_ai.operation.name = EXECUTE_TOOL,
        gen_ai.tool.name = name,
        gen_ai.tool.call.id = id,
        gen_ai.tool.type = "function",
        error.type = Empty,
    );
    let ended = run.instrument(span.clone()).await;
    if ended.is_err() {
        span.record("error.type", "tool_error");
        span.record("otel.status_code", "ERROR");
    }
    ended
}
