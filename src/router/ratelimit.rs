//! A deployment's `rpm` and `tpm` limits, each a GCRA (generic cell rate algorithm)
//! with no burst: requests are spaced by `60 s / rpm`, tokens by `60 s / tpm`, so that
//! no window of a minute ever holds more than the limit.

use std::time::Duration;
use tokio::time::Instant;

/// One limit: `per_minute` cells a minute, evenly spaced.
#[derive(Debug)]
pub(crate) struct Gcra {
    /// The time one cell takes.
    interval: Duration,
    /// When the next cell may go (the theoretical arrival time).
    next: Option<Instant>,
}

impl Gcra {
    pub(crate) fn per_minute(per_minute: u32) -> Self {
        let interval = Duration::from_secs(60) / per_minute.max(1);
        Gcra { interval, next: None }
    }

    /// When `cells` may go: `now` or later.
    pub(crate) fn ready_at(&self, now: Instant) -> Instant {
        self.next.map_or(now, |next| next.max(now))
    }

    /// Takes `cells` at `now`, which [`ready_at`](Self::ready_at) must allow.
    pub(crate) fn take(&mut self, now: Instant, cells: u32) {
        self.next = Some(self.ready_at(now) + self.interval * cells.max(1));
    }
}

/// A deployment's limits: requests and tokens a minute, either or both.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    pub(crate) rpm: Option<Gcra>,
    pub(crate) tpm: Option<Gcra>,
}

impl Limits {
    pub(crate) fn new(rpm: Option<u32>, tpm: Option<u32>) -> Self {
        Limits { rpm: rpm.map(Gcra::per_minute), tpm: tpm.map(Gcra::per_minute) }
    }

    /// When a request may go: `now` when both limits allow it.
    pub(crate) fn ready_at(&self, now: Instant) -> Instant {
        let rpm = self.rpm.as_ref().map_or(now, |gcra| gcra.ready_at(now));
        let tpm = self.tpm.as_ref().map_or(now, |gcra| gcra.ready_at(now));
        rpm.max(tpm)
    }

    /// Takes one request of `tokens` when both limits allow it at `now`; otherwise
    /// returns when they will.
    pub(crate) fn try_take(&mut self, now: Instant, tokens: u32) -> Result<(), Instant> {
        let ready = self.ready_at(now);
        if ready > now {
            return Err(ready);
        }
        if let Some(rpm) = &mut self.rpm {
            rpm.take(now, 1);
        }
        if let Some(tpm) = &mut self.tpm {
            tpm.take(now, tokens);
        }
        Ok(())
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
        while sent.len() < 20 {
            let now = Instant::now();
            match limits.try_take(now, 1) {
                Ok(()) => sent.push(now - start),
                Err(ready) => tokio::time::sleep_until(ready).await,
            }
        }
        for (i, first) in sent.iter().enumerate() {
            let within = sent[i..].iter().filter(|at| **at < *first + Duration::from_secs(60)).count();
            assert!(within <= 6, "{within} requests in the minute from {first:?}");
        }
        assert_eq!(sent[6], Duration::from_secs(60));
    }

    #[test]
    fn tokens_space_the_next_request() {
        let mut limits = Limits::new(None, Some(600));
        let now = Instant::now();
        limits.try_take(now, 300).unwrap();
        assert_eq!(limits.try_take(now, 1), Err(now + Duration::from_secs(30)));
    }
}
