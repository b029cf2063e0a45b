//! The tool-calling loop: the provider's own function calling, turn after turn, until
//! the model stops calling tools; then the final answer.

use super::run::{Run, Turn};
use super::step::{Outcome, Step};
use super::{written, AgentError, DEFAULT_AGENT_PROMPT};
use crate::{Extract, Message, Mode, ToolCall};

/// Runs the loop on `question`.
pub(crate) async fn run<T: Extract>(mut run: Run<'_>, question: String) -> Result<Outcome<T>, AgentError> {
    let settings = run.settings;
    let target = run.client.target(Mode::Tools, run.model());
    let specs = settings.tools.specs(target).map_err(|err| run.fail(err.into()))?;
    let system = settings.system.as_deref().unwrap_or(DEFAULT_AGENT_PROMPT);
    let mut history = vec![Message::user(question)];
    for iteration in 1..=settings.max_iterations {
        run.iteration = iteration;
        let turn = Turn {
            system: system.to_owned(),
            history: &history,
            mode: Mode::Tools,
            tools: Some(specs.clone()),
            stop: &[],
        };
        let reply = run.turn::<T>(turn).await?;
        let (tool_calls, thought) = match reply.tool_calls.is_empty() {
            true => written::calls_in(reply.content.as_deref().unwrap_or(""), |name| settings.tools.has(name)),
            false => (reply.tool_calls, reply.content.unwrap_or_default()),
        };
        let thought = Some(thought).filter(|text| !text.trim().is_empty());
        if let Some(text) = &thought {
            run.record(Step::Thought { text: text.clone() });
        }
        if tool_calls.is_empty() {
            history.extend(thought.map(Message::assistant));
            return run.finish::<T>(history, Some(specs)).await;
        }
        let calls = named(tool_calls, iteration);
        for call in &calls {
            run.record(Step::ToolCall { call: call.clone() });
        }
        let observations = settings.tools.run_all(&calls, settings.concurrency).await;
        history.push(Message::tool_calls(thought, calls.clone()));
        for (call, observation) in calls.into_iter().zip(observations) {
            history.push(Message::tool_result(&call.id, observation.output.clone()));
            run.record(Step::ToolResult {
                id: call.id,
                name: call.function.name,
                output: observation.output,
                is_error: observation.is_error,
            });
        }
    }
    Err(run.exhausted())
}

/// `calls` with an id each: a call without one (from a compatible server that gives
/// none, or written into the text) gets `call_{iteration}_{n}`, unique in the run,
/// which its result refers to.
fn named(mut calls: Vec<ToolCall>, iteration: u32) -> Vec<ToolCall> {
    for (n, call) in calls.iter_mut().enumerate() {
        if call.id.is_empty() {
            call.id = format!("call_{iteration}_{}", n + 1);
        }
    }
    calls
}
