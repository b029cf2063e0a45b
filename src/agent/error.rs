//! How an agent's run fails: [`AgentError`], which keeps the steps taken, and
//! [`StepError`], what was wrong with a ReAct reply.

use super::step::Step;
use crate::Error;

/// A run that ended without a final answer. Every variant keeps the steps taken
/// ([`AgentError::steps`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The model was still calling tools (or writing ReAct steps) after
    /// `max_iterations` turns.
    #[error("no final answer after {iterations} iterations")]
    MaxIterations {
        /// The turns taken.
        iterations: u32,
        /// The steps taken.
        steps: Vec<Step>,
    },
    /// A request failed (transport, refusal, truncation, a schema the provider cannot
    /// take), or the final answer did not validate within its re-asks
    /// ([`Error::ValidationExhausted`]).
    #[error("{source}")]
    Model {
        /// What failed (boxed: an [`Error`] is large, and the steps travel beside it).
        #[source]
        source: Box<Error>,
        /// The steps taken before it.
        steps: Vec<Step>,
    },
    /// The agent's tools cannot be offered: a name that is not `[a-zA-Z0-9_-]{1,64}`,
    /// or two tools with one name.
    #[error("tool `{name}`: {reason}")]
    InvalidTool {
        /// The tool's name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl AgentError {
    /// The steps taken before the run ended.
    pub fn steps(&self) -> &[Step] {
        match self {
            AgentError::MaxIterations { steps, .. } | AgentError::Model { steps, .. } => steps,
            AgentError::InvalidTool { .. } => &[],
        }
    }

    /// The request's error, for [`AgentError::Model`].
    pub fn model_error(&self) -> Option<&Error> {
        match self {
            AgentError::Model { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// What was wrong with a ReAct reply; the model is told, and asked to follow the
/// format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StepError {
    /// Neither `Action:` nor `Final Answer:`.
    #[error("the reply has neither an `Action:` nor a `Final Answer:`")]
    MissingAction,
    /// `Action:` without a tool name.
    #[error("`Action:` names no tool")]
    MissingToolName,
    /// `Action:` without `Action Input:`.
    #[error("action `{tool}` has no `Action Input:`")]
    MissingInput {
        /// The tool named.
        tool: String,
    },
    /// An `Action Input:` that is not JSON.
    #[error("the Action Input of `{tool}` is not valid JSON: {message}")]
    InvalidInput {
        /// The tool named.
        tool: String,
        /// What the JSON reader said.
        message: String,
    },
    /// `Final Answer:` with nothing after it.
    #[error("the `Final Answer:` is empty")]
    EmptyAnswer,
}
