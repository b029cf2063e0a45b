//! Chain of thought: the model writes its reasoning before its answer.
//!
//! A model writes a JSON value in the order of the schema's properties, and every
//! schema pluck sends keeps the order of the type's fields: OpenAI's strict schemas
//! (response format and tools), Anthropic's, Gemini's (`responseJsonSchema`, and
//! `propertyOrdering` in `responseSchema`) and llama.cpp's grammars list every
//! property, in order, as required. So a `reasoning: String` field declared first is
//! written first: the model reasons, then answers, and the reasoning stays as the
//! audit trail of the answer. Streamed partial values fill in the same order, so a
//! progress interface shows the reasoning before the answer.
//!
//! Two ways to use it: declare the field first in your own type (the
//! `support_triage` example's `SupportTriage` does), or wrap any type in
//! [`WithReasoning`], which puts a `reasoning` field before it without touching it.
//!
//! ```no_run
//! use pluck::reasoning::WithReasoning;
//!
//! # async fn run(client: pluck::Client) -> Result<(), pluck::Error> {
//! let colours: WithReasoning<Vec<String>> =
//!     client.extract("The sky was blue at noon and red at dusk.").await?;
//! println!("{}\n{:?}", colours.reasoning, colours.answer);
//! # Ok(()) }
//! ```

use crate::Extract;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `T`, with the model's reasoning written before it.
///
/// The schema is an object with two properties, in this order: `reasoning` (a string)
/// and `answer` (`T`'s schema). No `#[serde(flatten)]`, which strict schemas cannot
/// express: the wrapper works in every mode and on every provider. `T`'s rules are
/// checked at `answer.…`.
///
/// ```
/// use pluck::reasoning::WithReasoning;
/// use pluck::schema::{self, Target};
///
/// let prepared = schema::prepare::<WithReasoning<Vec<String>>>(Target::Strict).unwrap();
/// let properties: Vec<&String> = prepared.schema()["properties"].as_object().unwrap().keys().collect();
/// assert_eq!(properties, ["reasoning", "answer"]);
/// assert_eq!(prepared.schema()["required"][0], "reasoning");
/// ```
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
pub struct WithReasoning<T> {
    /// Step by step, what leads to the answer; written before it.
    pub reasoning: String,
    /// The answer.
    pub answer: T,
}
