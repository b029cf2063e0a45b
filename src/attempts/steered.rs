//! The loop's routing step: before each request its [`Steer`] may move it to another
//! deployment, and after one that failed it may send it there again. Without a steer
//! each step is one branch.

use super::Attempts;
use crate::observe::Event;
use crate::steer::{Outcome, Seat};
use crate::{Error, Usage};
use std::borrow::Cow;
use tokio::time::Instant;

impl Attempts<'_> {
    /// Before a request: where it goes, as the steer says.
    ///
    /// # Errors
    /// The steer found nowhere to send it (every deployment cooling down or at its
    /// rate limit past the wait allowed).
    pub(super) async fn route(&mut self) -> Result<(), Error> {
        let Some(mut steer) = self.steer.take() else {
            return Ok(());
        };
        let seat = {
            let emit = |event: &Event<'_>| self.observers_emit(event);
            steer.seat(&emit).await
        };
        self.steer = Some(steer);
        match seat {
            Ok(Some(seat)) => self.reseat(seat),
            Ok(None) => {}
            Err(err) => return Err(self.fail(err, Usage::default())),
        }
        self.routed = Some(Instant::now());
        Ok(())
    }

    /// A reply came back (or a stream opened): the steer hears how long it took.
    pub(super) fn answered(&mut self) {
        let Some(mut steer) = self.steer.take() else {
            return;
        };
        let latency = self.routed.map(|sent| sent.elapsed()).unwrap_or_default();
        steer.outcome(Outcome::Answered { latency }, &|event| self.observers_emit(event));
        self.steer = Some(steer);
    }

    /// A request failed with `err`: whether its steer sends it again elsewhere (the
    /// same attempt, on the seat the next [`route`](Self::route) gives).
    pub(super) fn rerouted(&mut self, err: &Error) -> bool {
        let Some(mut steer) = self.steer.take() else {
            return false;
        };
        let again = steer.outcome(Outcome::Failed { error: err }, &|event| self.observers_emit(event));
        self.steer = Some(steer);
        self.again = again;
        again
    }

    /// Moves the conversation to `seat`. The replies that failed so far stay in it;
    /// moved to another provider or mode, a reply written as a tool call is sent back
    /// as text, which every provider and mode reads.
    fn reseat(&mut self, seat: Seat) {
        let moved = seat.client.provider() != self.client.provider() || seat.mode != self.mode;
        if moved {
            for retry in &mut self.retries {
                if let Some(call) = std::mem::take(&mut retry.reply.tool_calls).into_iter().next() {
                    retry.reply.content = Some(call.function.arguments);
                }
            }
        }
        #[cfg(feature = "metrics")]
        {
            self.meters = crate::meters::Meters::new(&seat.client, &seat.model);
        }
        self.client = Cow::Owned(seat.client);
        self.model = seat.model;
        self.mode = seat.mode;
        self.lenient = seat.lenient;
        self.temperature = seat.temperature;
        self.max_tokens = seat.max_tokens;
        self.messages = seat.messages;
        self.prepared = seat.prepared;
        // Priced at the new model's price; a sum over attempts one of which has no known
        // price is no sum.
        self.price = self.client.price(&self.model);
        if self.price.is_none() {
            self.cost = None;
        }
    }
}
