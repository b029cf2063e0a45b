//! [`Run`]: what both loops share. The steps taken (recorded, told to observers and to
//! a stream), the model's turns (each one request through the client's attempt
//! loop, as any extraction's), and the final answer (an extraction of the whole
//! conversation, re-asked like any other).

use super::step::{Outcome, Step};
use super::steps::Queue;
use super::{Agent, AgentError, Settings};
use crate::attempts::Attempts;
use crate::observe::Event;
use crate::provider::{Reply, ToolSpec};
use crate::{Client, Error, Extract, Message, Mode, Usage};
use std::sync::Arc;

/// The request that ends the conversation before the final answer is extracted.
const ANSWER_NOW: &str = "Write your final answer now, from what the conversation found.";

/// One run of an agent.
pub(crate) struct Run<'a> {
    pub(crate) client: &'a Client,
    pub(crate) settings: &'a Settings,
    steps: Vec<Step>,
    queue: Option<Queue>,
    /// The turn under way, from 1.
    pub(crate) iteration: u32,
    usage: Usage,
}

/// How a turn asks the model.
pub(crate) struct Turn<'t> {
    pub(crate) system: String,
    pub(crate) history: &'t [Message],
    pub(crate) mode: Mode,
    pub(crate) tools: Option<Arc<[ToolSpec]>>,
    pub(crate) stop: &'t [&'t str],
}

impl<'a> Run<'a> {
    pub(crate) fn new(agent: &'a Agent, queue: Option<Queue>) -> Self {
        Run {
            client: &agent.client,
            settings: &agent.settings,
            steps: Vec::new(),
            queue,
            iteration: 0,
            usage: Usage::default(),
        }
    }

    /// The model the agent asks.
    pub(crate) fn model(&self) -> &str {
        self.settings.model.as_deref().unwrap_or(self.client.model())
    }

    /// Records `step`: kept, told to the observers, handed to the stream.
    pub(crate) fn record(&mut self, step: Step) {
        let (client, agent) = (self.client.observers(), &self.settings.observers);
        if !client.is_empty() || !agent.is_empty() {
            let event = Event::Step { agent: &self.settings.name, iteration: self.iteration, step: &step };
            client.emit(&event);
            agent.emit(&event);
        }
        if let Some(queue) = &self.queue {
            queue.push(step.clone());
        }
        self.steps.push(step);
    }

    /// `source` as the run ends with it, with the steps taken.
    pub(crate) fn fail(&mut self, source: Error) -> AgentError {
        AgentError::Model { source: Box::new(source), steps: std::mem::take(&mut self.steps) }
    }

    /// The run ends after `max_iterations` turns.
    pub(crate) fn exhausted(&mut self) -> AgentError {
        AgentError::MaxIterations { iterations: self.settings.max_iterations, steps: std::mem::take(&mut self.steps) }
    }

    /// One turn: one request through the attempt loop, read whole. Not re-asked: what
    /// the model wrote is the agent's to read.
    ///
    /// # Errors
    /// The request's errors (transport, refusal, truncation, a schema or mode the
    /// provider refuses).
    pub(crate) async fn turn<T: Extract>(&mut self, turn: Turn<'_>) -> Result<Reply, AgentError> {
        let settings = self.settings;
        let mut request = self
            .client
            .request::<T>()
            .system(turn.system)
            .messages(turn.history.iter().cloned())
            .model(self.model().to_owned())
            .mode(turn.mode)
            .stop(turn.stop.iter().copied())
            .observers(settings.observers.clone())
            .turn();
        if let Some(tools) = turn.tools {
            request = request.tools(tools);
        }
        if let Some(temperature) = settings.temperature {
            request = request.temperature(temperature);
        }
        if let Some(max_tokens) = settings.max_tokens {
            request = request.max_tokens(max_tokens);
        }
        let resolved = request.resolve().map_err(|err| self.fail(err))?;
        let mut attempts = Attempts::plain(resolved);
        #[cfg(feature = "tracing")]
        let span = attempts.span();
        let sending = attempts.send();
        #[cfg(feature = "tracing")]
        let sent = crate::spans::entered(&span, sending).await;
        #[cfg(not(feature = "tracing"))]
        let sent = sending.await;
        self.usage += attempts.usage();
        sent.map_err(|err| self.fail(err))
    }

    /// The final answer: `history` (a request to answer appended) extracted as a `T`
    /// by the attempt loop, re-asked until it validates; `tools` declared when the
    /// conversation holds calls of them.
    ///
    /// # Errors
    /// The extraction's errors, [`Error::ValidationExhausted`] among them.
    pub(crate) async fn finish<T: Extract>(
        mut self,
        mut history: Vec<Message>,
        tools: Option<Arc<[ToolSpec]>>,
    ) -> Result<Outcome<T>, AgentError> {
        let settings = self.settings;
        history.push(Message::user(ANSWER_NOW));
        let mut request = self
            .client
            .request::<T>()
            .messages(history)
            .model(self.model().to_owned())
            .observers(settings.observers.clone());
        if let Some(system) = &settings.system {
            request = request.system(format!("{}\n\n{system}", crate::DEFAULT_SYSTEM_PROMPT));
        }
        if let Some(tools) = tools {
            request = request.tools(tools);
        }
        if let Some(temperature) = settings.temperature {
            request = request.temperature(temperature);
        }
        if let Some(max_tokens) = settings.max_tokens {
            request = request.max_tokens(max_tokens);
        }
        if let Some(max_retries) = settings.max_retries {
            request = request.max_retries(max_retries);
        }
        let extracted = match request.send_with_usage().await {
            Ok(extracted) => extracted,
            Err(err) => return Err(self.fail(err)),
        };
        Ok(Outcome {
            value: extracted.value,
            steps: self.steps,
            iterations: self.iteration,
            usage: self.usage + extracted.usage,
        })
    }
}
