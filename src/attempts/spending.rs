//! The attempt loop's steps on cost: the checks before an attempt is sent (context
//! window, budget), what the next attempt may cost, and the retry of a reply cut at
//! its token cap.

use super::Attempts;
use crate::cost::{checks, tokens, Cost, Estimate};
use crate::provider::{Finish, Reply};
use crate::{Error, Usage};

impl Attempts<'_> {
    /// What the next attempt will take and may cost at most: its input tokens as it
    /// will be sent, its output cap, its cost range at the model's price. A step that
    /// must decide before a request goes out reads its upper bound as the budget does:
    /// `max_tokens()` tokens, `cost.map(|range| range.max)` dollars.
    pub(crate) fn estimate(&self) -> Estimate {
        Estimate::of(self.client.provider(), &self.call(), self.price.as_ref())
    }

    /// What was spent so far: usage, and cost when the model's price is known.
    pub(crate) fn spent(&self) -> (Usage, Option<&Cost>) {
        (self.usage, self.cost.as_ref())
    }

    /// The checks before an attempt is sent: it must fit the model's context window
    /// and the extraction's budget. Nothing is counted when neither applies, or when
    /// the request's bytes (which bound its tokens) plainly fit the window.
    pub(super) fn admit(&self) -> Result<(), Error> {
        let window = self.price.and_then(|price| price.context_window);
        if self.budget.is_none() {
            let Some(window) = window else { return Ok(()) };
            let cap = self.max_tokens.map_or(0, u64::from);
            if tokens::at_most(&self.call()) + cap <= window {
                return Ok(());
            }
        }
        let estimate = self.estimate();
        let checked = checks::fits(&estimate, self.max_tokens).and_then(|()| match &self.budget {
            Some(budget) => {
                let (usage, cost) = self.spent();
                checks::within(budget, &usage, cost, &estimate)
            }
            None => Ok(()),
        });
        checked.map_err(|err| self.fail(err, Usage::default()))
    }

    /// Whether `reply`, cut at the token limit, is sent again with a larger one: once,
    /// when the truncation policy says so (plain replies only: a stream's partial
    /// values were shown).
    pub(super) fn enlarge(&mut self, reply: &Reply) -> bool {
        if reply.finish != Finish::Length || reply.refusal.is_some() || self.enlarged {
            return false;
        }
        let Some(larger) = self.truncation.larger(self.max_tokens) else { return false };
        #[cfg(feature = "tracing")]
        if let Some(spans) = &self.spans {
            spans.output(reply.raw(), reply.finish);
        }
        self.enlarged = true;
        self.max_tokens = Some(larger);
        true
    }
}
