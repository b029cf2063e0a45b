//! [`Steps`]: a run of an agent as a stream of its steps, then its final value.

use super::error::AgentError;
use super::step::{Outcome, Progress, Step};
use futures_core::Stream;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

/// Where a run puts its steps for the stream to hand out. The run is polled by the
/// stream, on the same task: a step pushed while it runs is handed out as soon as the
/// run yields.
#[derive(Clone, Default)]
pub(crate) struct Queue(Arc<Mutex<VecDeque<Step>>>);

impl Queue {
    pub(crate) fn push(&self, step: Step) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push_back(step);
    }

    fn pop(&self) -> Option<Step> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
    }
}

type Running<T> = Pin<Box<dyn Future<Output = Result<Outcome<T>, AgentError>> + Send>>;

/// A run of an agent, step by step: each [`Step`] as it happens
/// ([`Progress::Step`]), then the final value ([`Progress::Done`]) or the error the run
/// ended with, and then nothing. Made by [`Agent::run_steps`](super::Agent::run_steps);
/// the run advances only while the stream is polled.
#[must_use = "a stream does nothing unless polled"]
pub struct Steps<T> {
    queue: Queue,
    running: Option<Running<T>>,
    end: Option<Result<Outcome<T>, AgentError>>,
}

impl<T> fmt::Debug for Steps<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Steps").field("running", &self.running.is_some()).finish_non_exhaustive()
    }
}

impl<T> Steps<T> {
    pub(crate) fn new<F, Fut>(start: F) -> Self
    where
        F: FnOnce(Queue) -> Fut,
        Fut: Future<Output = Result<Outcome<T>, AgentError>> + Send + 'static,
    {
        let queue = Queue::default();
        Steps { running: Some(Box::pin(start(queue.clone()))), queue, end: None }
    }
}

impl<T> Unpin for Steps<T> {}

impl<T> Stream for Steps<T> {
    type Item = Result<Progress<T>, AgentError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(step) = self.queue.pop() {
            return Poll::Ready(Some(Ok(Progress::Step(step))));
        }
        if let Some(running) = self.running.as_mut() {
            if let Poll::Ready(end) = running.as_mut().poll(cx) {
                self.running = None;
                self.end = Some(end);
            }
            if let Some(step) = self.queue.pop() {
                return Poll::Ready(Some(Ok(Progress::Step(step))));
            }
            if self.running.is_some() {
                return Poll::Pending;
            }
        }
        Poll::Ready(self.end.take().map(|end| end.map(Progress::Done)))
    }
}
