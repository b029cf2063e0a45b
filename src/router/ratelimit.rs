//! A deployment's `rpm` and `tpm` limits, kept over a sliding minute: every request
//! sent (or reserved) is logged with its time and tokens, and a new one is given the
//! earliest time at which no window of a minute holds more than either limit.
//!
//! Why not a GCRA: with a burst it lets nearly twice the limit through within some
//! minute (a full burst, then the refilled cells), and without one it spaces requests
//! evenly, so that a deployment at `rpm` 600 takes no two requests within 100 ms. The
//! log allows the whole minute's requests at once and never more; it holds at most the
//! requests of a minute plus the waits reserved ahead.
//!
//! A request that must wait reserves its time at once (the times only grow), so
//! waiting requests go in turn without waking each other.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

const MINUTE: Duration = Duration::from_secs(60);

/// A deployment's limits and what was sent within the last minute (or reserved).
#[derive(Debug, Default)]
pub(crate) struct Limits {
    rpm: Option<u32>,
    tpm: Option<u32>,
    /// Requests sent or reserved, in time order, with their tokens.
    log: VecDeque<(Instant, u32)>,
}

impl Limits {
    pub(crate) fn new(rpm: Option<u32>, tpm: Option<u32>) -> Self {
        Limits { rpm, tpm, log: VecDeque::new() }
    }

    /// The earliest time from `now` at which a request of `tokens` keeps every minute
    /// within both limits.
    pub(crate) fn slot(&mut self, now: Instant, tokens: u32) -> Instant {
        while self.log.front().is_some_and(|(at, _)| *at + MINUTE <= now) {
            self.log.pop_front();
        }
        // Not before a time already reserved: the log stays in order.
        let mut slot = self.log.back().map_or(now, |(at, _)| (*at).max(now));
        if let Some(rpm) = self.rpm {
            // At most rpm - 1 others within the minute before it.
            let keep = rpm.max(1) as usize - 1;
            if self.log.len() > keep {
                slot = slot.max(self.log[self.log.len() - keep - 1].0 + MINUTE);
            }
        }
        if let Some(tpm) = self.tpm {
            // Its tokens and those of the newest requests, while they fit.
            let mut sum = u64::from(tokens);
            for (at, spent) in self.log.iter().rev() {
                sum += u64::from(*spent);
                if sum > u64::from(tpm) {
                    slot = slot.max(*at + MINUTE);
                    break;
                }
            }
        }
        slot
    }

    /// Reserves the earliest slot for a request of `tokens` and returns it.
    pub(crate) fn reserve(&mut self, now: Instant, tokens: u32) -> Instant {
        let slot = self.slot(now, tokens);
        self.log.push_back((slot, tokens));
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_minute_holds_more_than_the_limit() {
        let mut limits = Limits::new(Some(6), None);
        let start = Instant::now();
        let mut sent = Vec::new();
        for i in 0..20 {
            tokio::time::advance(Duration::from_secs(7 * (i % 3))).await;
            sent.push(limits.reserve(Instant::now(), 1) - start);
        }
        for (i, first) in sent.iter().enumerate() {
            let within = sent[i..].iter().filter(|at| **at < *first + MINUTE).count();
            assert!(within <= 6, "{within} requests in the minute from {first:?}");
        }
        // The first six go at once.
        assert!(sent[..6].windows(2).all(|pair| pair[1] - pair[0] <= Duration::from_secs(14)), "{sent:?}");
    }

    #[test]
    fn tokens_wait_for_the_minute_to_free_them() {
        let mut limits = Limits::new(None, Some(600));
        let now = Instant::now();
        assert_eq!(limits.reserve(now, 300), now);
        assert_eq!(limits.reserve(now, 300), now);
        assert_eq!(limits.reserve(now, 1), now + MINUTE);
    }
}
