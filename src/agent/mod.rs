//! Agents: a model that calls [`Tool`]s until it can answer, then answers with a
//! typed, validated value.
//!
//! An [`Agent`] loops: the model reads the conversation and either calls tools (the
//! agent runs them, several at once when the model asks for several, and sends their
//! results back) or stops calling them. Then the final answer is extracted from the
//! whole conversation like any value ([`ExtractRequest`](crate::ExtractRequest)):
//! parsed, checked by its rules, and re-asked with the errors until it validates.
//! After `max_iterations` turns (6 by default) without a final answer the run ends
//! with [`AgentError::MaxIterations`], which keeps the steps taken.
//!
//! Two styles, one agent:
//!
//! - tool calling (the default): the provider's own function calling, on every
//!   provider (OpenAI-compatible servers and llama.cpp: `tools` and `tool_calls`;
//!   Anthropic: `tool_use` and `tool_result` blocks; Gemini: `functionCall` and
//!   `functionResponse` parts), with strict schemas where the provider has them;
//! - ReAct ([`AgentBuilder::react`]), for models without tool calling: the model
//!   writes `Thought:` / `Action:` / `Action Input:` lines, stopped at
//!   `Observation:`, and reads each result as a user message `Observation: ..`, until
//!   it writes `Final Answer:`.
//!
//! Every request an agent makes goes through the client like any extraction, so the
//! client's observers, spans and meters see each turn; each step is an
//! [`Event::Step`](crate::observe::Event::Step) too, and with the feature `tracing`
//! the run is an `invoke_agent {name}` span holding an `execute_tool {tool}` span per
//! tool call.
//!
//! ```no_run
//! use pluck::agent::{Agent, Tool};
//! use pluck::Extract;
//! use schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! /// Get the current price and daily change for a stock ticker.
//! #[derive(Extract, Deserialize, JsonSchema)]
//! struct PriceArgs {
//!     ticker: String,
//! }
//!
//! #[derive(Extract, Deserialize, JsonSchema, Debug)]
//! struct Recommendation {
//!     /// Why, from what the tools said; written first.
//!     reasoning: String,
//!     ticker: String,
//! }
//!
//! # async fn run(client: pluck::Client) -> Result<(), pluck::agent::AgentError> {
//! let price = Tool::new("get_stock_price", |args: PriceArgs| async move {
//!     Ok::<_, String>(serde_json::json!({"ticker": args.ticker, "price": 378.5, "change_pct": 0.5}))
//! });
//! let agent = Agent::builder(client).name("stock_research").tool(price).max_iterations(6).build()?;
//! let outcome = agent.run::<Recommendation>("Is Microsoft up today?").await?;
//! println!("{:?} after {} steps", outcome.value, outcome.steps.len());
//! # Ok(()) }
//! ```

mod calling;
mod error;
mod react;
mod run;
mod step;
mod steps;
mod tool;
mod toolset;
#[cfg(feature = "tracing")]
mod trace;
mod written;

pub use error::{AgentError, StepError};
pub use react::{parse_step, ReactStep};
pub use step::{Outcome, Progress, Step};
pub use steps::Steps;
pub use tool::Tool;

use crate::observe::{Observer, Observers};
use crate::{Client, Extract};
use std::sync::Arc;
use toolset::ToolSet;

/// The system prompt of a tool-calling agent's turns unless one is set.
pub const DEFAULT_AGENT_PROMPT: &str = "You are a helpful assistant. Use the tools to find what you need; \
     when you have it, answer.";

/// A model with tools, run to a typed answer. Built by [`Agent::builder`]; cheap to
/// clone.
#[derive(Debug, Clone)]
pub struct Agent {
    client: Client,
    settings: Arc<Settings>,
}

#[derive(Debug)]
struct Settings {
    name: String,
    system: Option<String>,
    tools: ToolSet,
    max_iterations: u32,
    concurrency: usize,
    react: bool,
    model: Option<String>,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    max_retries: Option<u32>,
    observers: Observers,
}

impl Agent {
    /// A builder for an agent that asks `client`'s model.
    pub fn builder(client: Client) -> AgentBuilder {
        AgentBuilder {
            client,
            settings: Settings {
                name: "agent".to_owned(),
                system: None,
                tools: ToolSet::default(),
                max_iterations: 6,
                concurrency: 4,
                react: false,
                model: None,
                temperature: None,
                max_tokens: None,
                max_retries: None,
                observers: Observers::default(),
            },
            tools: Vec::new(),
        }
    }

    /// Runs the agent on `question` to a typed, validated `T`.
    ///
    /// # Errors
    /// [`AgentError::MaxIterations`] when the model is still calling tools after
    /// `max_iterations` turns; [`AgentError::Model`] when a request fails or the final
    /// answer does not validate within its re-asks. Both keep the steps taken.
    pub async fn run<T: Extract>(&self, question: impl Into<String>) -> Result<Outcome<T>, AgentError> {
        self.run_with(question.into(), None).await
    }

    /// Runs the agent on `question`, handing out each [`Step`] as it happens, then the
    /// final value ([`Progress::Done`]), or the error the run ended with.
    ///
    /// ```no_run
    /// # async fn run(agent: pluck::agent::Agent) {
    /// use futures_util::StreamExt;
    /// use pluck::agent::{Progress, Step};
    ///
    /// let mut steps = agent.run_steps::<String>("Which is up today, GOOGL or MSFT?");
    /// while let Some(progress) = steps.next().await {
    ///     match progress {
    ///         Ok(Progress::Step(Step::ToolCall { call })) => println!("→ {}({})", call.function.name, call.function.arguments),
    ///         Ok(Progress::Step(Step::ToolResult { output, .. })) => println!("← {output}"),
    ///         Ok(Progress::Done(outcome)) => println!("{}", outcome.value),
    ///         Ok(_) => {}
    ///         Err(err) => eprintln!("{err}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn run_steps<T: Extract + Send>(&self, question: impl Into<String>) -> Steps<T> {
        let agent = self.clone();
        let question = question.into();
        Steps::new(move |queue| async move { agent.run_with::<T>(question, Some(queue)).await })
    }

    async fn run_with<T: Extract>(
        &self,
        question: String,
        queue: Option<steps::Queue>,
    ) -> Result<Outcome<T>, AgentError> {
        let run = run::Run::new(self, queue);
        let settings = &*self.settings;
        let going = async move {
            match settings.react {
                true => react::run::<T>(run, question).await,
                false => calling::run::<T>(run, question).await,
            }
        };
        #[cfg(feature = "tracing")]
        let going = trace::invoke_agent(&self.client, &settings.name, settings.model.as_deref(), going);
        going.await
    }
}

/// Builds an [`Agent`].
#[derive(Debug)]
#[must_use = "a builder does nothing until built"]
pub struct AgentBuilder {
    client: Client,
    settings: Settings,
    tools: Vec<Tool>,
}

impl AgentBuilder {
    /// The agent's name, in its spans (`invoke_agent {name}`) and events; `agent`
    /// unless set.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.settings.name = name.into();
        self
    }

    /// The system prompt of the model's turns, in place of [`DEFAULT_AGENT_PROMPT`]
    /// (for ReAct, it opens the prompt that lists the tools and the format). The final
    /// answer is asked for with it too.
    pub fn system(mut self, prompt: impl Into<String>) -> Self {
        self.settings.system = Some(prompt.into());
        self
    }

    /// Adds a tool.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds tools.
    pub fn tools(mut self, tools: impl IntoIterator<Item = Tool>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// The model's turns before the run ends without an answer; 6 unless set.
    pub fn max_iterations(mut self, n: u32) -> Self {
        self.settings.max_iterations = n;
        self
    }

    /// How many of one turn's tool calls run at once; 4 unless set (at least 1).
    pub fn max_concurrent_tools(mut self, n: usize) -> Self {
        self.settings.concurrency = n.max(1);
        self
    }

    /// Runs the ReAct text loop instead of the provider's tool calling, for models
    /// without it (see [`agent`](crate::agent)).
    pub fn react(mut self) -> Self {
        self.settings.react = true;
        self
    }

    /// The model, in place of the client's.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.settings.model = Some(model.into());
        self
    }

    /// The sampling temperature of every request.
    pub fn temperature(mut self, temperature: f32) -> Self {
        self.settings.temperature = Some(temperature);
        self
    }

    /// The limit on tokens per reply of every request.
    pub fn max_tokens(mut self, max_tokens: u32) -> Self {
        self.settings.max_tokens = Some(max_tokens);
        self
    }

    /// The final answer's re-ask budget, in place of the client's.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.settings.max_retries = Some(n);
        self
    }

    /// Registers an observer of the agent's runs: the events of every request it
    /// makes, and its [`Event::Step`](crate::observe::Event::Step)s, after the
    /// client's observers.
    pub fn observe(mut self, observer: impl Observer + 'static) -> Self {
        self.settings.observers.push(Arc::new(observer));
        self
    }

    /// The agent.
    ///
    /// # Errors
    /// [`AgentError::InvalidTool`] for a tool name that is not `[a-zA-Z0-9_-]{1,64}`
    /// or is taken twice.
    pub fn build(mut self) -> Result<Agent, AgentError> {
        self.settings.tools = ToolSet::new(self.tools)?;
        Ok(Agent { client: self.client, settings: Arc::new(self.settings) })
    }
}
