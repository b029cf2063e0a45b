//! What an agent did: its [`Step`]s, the [`Outcome`] of a run, and the [`Progress`] a
//! stream of a run hands out.

use super::error::StepError;
use crate::{ToolCall, Usage};

/// One thing an agent did, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Step {
    /// What the model wrote beside its calls, or before its final answer (a ReAct
    /// `Thought:`).
    Thought {
        /// The text.
        text: String,
    },
    /// The model called a tool.
    ToolCall {
        /// The call: its id, the tool's name, the arguments as the model wrote them.
        call: ToolCall,
    },
    /// A tool answered a call; what the model reads next (its observation).
    ToolResult {
        /// The id of the call it answers.
        id: String,
        /// The tool called (as the model named it, for an unknown tool).
        name: String,
        /// The result as the model reads it: the tool's output as JSON, or what was
        /// wrong (unknown tool, arguments that broke a rule, the tool's own error).
        output: String,
        /// Whether `output` says what was wrong instead of a result.
        is_error: bool,
    },
    /// A ReAct reply that did not follow the format; the model was told what was
    /// wrong and asked again.
    Invalid {
        /// What the model wrote.
        text: String,
        /// What was wrong with it.
        error: StepError,
    },
}

/// What a progress interface is handed while an agent runs
/// ([`Agent::run_steps`](super::Agent::run_steps)): each step as it happens, then the
/// final value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress<T> {
    /// A step taken.
    Step(Step),
    /// The final answer, typed and validated, with every step taken.
    Done(Outcome<T>),
}

/// The end of a run that answered: the typed, validated value and how it was reached.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Outcome<T> {
    /// The final answer.
    pub value: T,
    /// Every step taken, in order.
    pub steps: Vec<Step>,
    /// The model's turns before the final answer (tool calls or ReAct steps).
    pub iterations: u32,
    /// Tokens summed over every request: the turns and the final answer's attempts.
    pub usage: Usage,
}
