//! The ReAct text loop, for models without tool calling: the prompt lists the tools
//! and the format (`Thought:` / `Action:` / `Action Input:`, and `Final Answer:` when
//! done), each reply stops at `Observation:`, and each tool's result goes back as a
//! user message `Observation: ..`. A reply that does not follow the format is
//! answered with what was wrong and a reminder of the format.

use super::error::StepError;
use super::run::{Run, Turn};
use super::step::{Outcome, Step};
use super::AgentError;
use crate::{Extract, Message, Mode, ToolCall};
use serde_json::Value;

/// Where a reply stops: the model waits for the tool's result instead of inventing it.
const STOP: &str = "Observation:";

/// The format, as the prompt states it after the tools.
const FORMAT: &str = "Respond ONLY in this format:

Thought: <what you know and what you need>
Action: <tool_name>
Action Input: <valid JSON arguments>

When done:

Thought: I have all the information needed.
Final Answer: <your complete response>

Rules: always think before acting, use exact tool names, Action Input must be valid JSON.";

/// What a ReAct reply asks for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ReactStep {
    /// Call a tool.
    Action {
        /// The `Thought:` before it, if any.
        thought: Option<String>,
        /// The tool's name.
        tool: String,
        /// The `Action Input:`, as JSON.
        input: Value,
    },
    /// The final answer.
    Final {
        /// The `Thought:` before it, if any.
        thought: Option<String>,
        /// The text after `Final Answer:`.
        answer: String,
    },
}

/// Reads one ReAct reply. A reply that runs on past the stop sequence (a server that
/// ignored `stop`) is read up to its first `Observation:`: what follows is the model's
/// guess at a result it has not seen.
///
/// ```
/// use pluck::agent::{parse_step, ReactStep, StepError};
///
/// let step = parse_step("Thought: I need the price.\nAction: get_stock_price\nAction Input: {\"ticker\": \"MSFT\"}\nObservation: 1.0")
///     .unwrap();
/// let ReactStep::Action { tool, input, .. } = step else { panic!() };
/// assert_eq!((tool.as_str(), input["ticker"].as_str()), ("get_stock_price", Some("MSFT")));
/// assert_eq!(parse_step("I think so."), Err(StepError::MissingAction));
/// ```
///
/// # Errors
/// [`StepError`]: no `Action:` nor `Final Answer:`, an action without a tool name or
/// without `Action Input:`, an input that is not JSON, an empty final answer.
pub fn parse_step(text: &str) -> Result<ReactStep, StepError> {
    let text = match text.find(STOP) {
        Some(at) => &text[..at],
        None => text,
    };
    let thought = |end: usize| {
        let before = &text[..end];
        let start = before.rfind("Thought:").map_or(0, |at| at + "Thought:".len());
        Some(before[start..].trim().to_owned()).filter(|thought| !thought.is_empty())
    };
    if let Some(at) = text.find("Final Answer:") {
        let answer = text[at + "Final Answer:".len()..].trim();
        if answer.is_empty() {
            return Err(StepError::EmptyAnswer);
        }
        return Ok(ReactStep::Final { thought: thought(at), answer: answer.to_owned() });
    }
    let Some(at) = text.find("Action:") else { return Err(StepError::MissingAction) };
    let line = text[at + "Action:".len()..].lines().next().unwrap_or("");
    let tool: String = line
        .trim()
        .trim_matches(|c| c == '`' || c == '"' || c == '\'')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    if tool.is_empty() {
        return Err(StepError::MissingToolName);
    }
    let Some(input_at) = text.find("Action Input:") else { return Err(StepError::MissingInput { tool }) };
    let raw = text[input_at + "Action Input:".len()..].trim();
    let raw = raw.strip_prefix("```json").or_else(|| raw.strip_prefix("```")).unwrap_or(raw).trim_start();
    let mut values = serde_json::Deserializer::from_str(raw).into_iter::<Value>();
    match values.next() {
        Some(Ok(input)) => Ok(ReactStep::Action { thought: thought(at), tool, input }),
        Some(Err(err)) => Err(StepError::InvalidInput { tool, message: err.to_string() }),
        None => Err(StepError::InvalidInput { tool, message: "it is empty".to_owned() }),
    }
}

/// Runs the loop on `question`.
pub(crate) async fn run<T: Extract>(mut run: Run<'_>, question: String) -> Result<Outcome<T>, AgentError> {
    let settings = run.settings;
    let intro = settings.system.as_deref().unwrap_or("You are a helpful assistant.");
    let system = format!("{intro}\n\nYou have access to these tools:\n\n{}\n{FORMAT}\n", settings.tools.signatures());
    let mut history = vec![Message::user(question)];
    for iteration in 1..=settings.max_iterations {
        run.iteration = iteration;
        let turn = Turn { system: system.clone(), history: &history, mode: Mode::MdJson, tools: None, stop: &[STOP] };
        let reply = run.turn::<T>(turn).await?;
        let text = reply.content.as_deref().unwrap_or("").trim().to_owned();
        let step = parse_step(&text);
        // What the model reads next: the reply as it counts (up to the stop), then the
        // observation.
        let written = text.find(STOP).map_or(text.as_str(), |at| text[..at].trim_end()).to_owned();
        history.push(Message::assistant(written));
        match step {
            Ok(ReactStep::Final { thought, .. }) => {
                if let Some(text) = thought {
                    run.record(Step::Thought { text });
                }
                return run.finish::<T>(history, None).await;
            }
            Ok(ReactStep::Action { thought, tool, input }) => {
                if let Some(text) = thought {
                    run.record(Step::Thought { text });
                }
                let arguments = settings.tools.arguments(&tool, input);
                let call = ToolCall::new(format!("react_{iteration}"), tool, arguments);
                run.record(Step::ToolCall { call: call.clone() });
                let observation = settings.tools.run(&call).await;
                history.push(Message::user(format!("{STOP} {}", observation.output)));
                run.record(Step::ToolResult {
                    id: call.id,
                    name: call.function.name,
                    output: observation.output,
                    is_error: observation.is_error,
                });
            }
            Err(error) => {
                history.push(Message::user(format!(
                    "Error: {error}. Follow the format: Thought / Action / Action Input, or Thought / Final Answer."
                )));
                run.record(Step::Invalid { text, error });
            }
        }
    }
    Err(run.exhausted())
}
