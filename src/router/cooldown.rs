//! A deployment's health: the failures of the last window, and the cooldown they (or
//! a provider's Retry-After, or a refused key) start.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// When a deployment cools down, and for how long.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// Failures within `window` that start a cooldown.
    pub(crate) allowed_fails: u32,
    pub(crate) window: Duration,
    /// How long a cooldown lasts, unless the provider asked for longer.
    pub(crate) cooldown: Duration,
    /// How long a deployment whose key was refused or whose quota is spent cools down.
    pub(crate) auth_cooldown: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allowed_fails: 3,
            window: Duration::from_secs(60),
            cooldown: Duration::from_secs(5),
            auth_cooldown: Duration::from_secs(300),
        }
    }
}

/// Failures and the cooldown under way.
#[derive(Debug, Default)]
pub(crate) struct Health {
    fails: VecDeque<Instant>,
    until: Option<Instant>,
}

impl Health {
    /// Whether the deployment is cooling down at `now`.
    pub(crate) fn cooling(&self, now: Instant) -> bool {
        self.until.is_some_and(|until| now < until)
    }

    /// When the cooldown under way ends.
    pub(crate) fn until(&self, now: Instant) -> Option<Instant> {
        self.until.filter(|until| now < *until)
    }

    /// A failure at `now`; `asked` is the wait the provider asked for. Returns the
    /// cooldown it starts, when it is the `allowed_fails`-th in the window.
    pub(crate) fn fail(&mut self, now: Instant, policy: &Policy, asked: Option<Duration>) -> Option<Duration> {
        while self.fails.front().is_some_and(|at| now.duration_since(*at) >= policy.window) {
            self.fails.pop_front();
        }
        self.fails.push_back(now);
        if self.fails.len() < policy.allowed_fails.max(1) as usize {
            return None;
        }
        let length = asked.map_or(policy.cooldown, |asked| asked.max(policy.cooldown));
        self.cool(now, length);
        Some(length)
    }

    /// Starts a cooldown of `length` at `now` (a longer one under way is kept).
    pub(crate) fn cool(&mut self, now: Instant, length: Duration) {
        self.fails.clear();
        let until = now + length;
        self.until = Some(self.until.map_or(until, |current| current.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_third_failure_in_a_window_cools_down() {
        let policy = Policy::default();
        let mut health = Health::default();
        let start = Instant::now();
        assert_eq!(health.fail(start, &policy, None), None);
        // Out of the window by the third: the first no longer counts.
        assert_eq!(health.fail(start + Duration::from_secs(30), &policy, None), None);
        assert_eq!(health.fail(start + Duration::from_secs(61), &policy, None), None);
        let at = start + Duration::from_secs(62);
        assert_eq!(health.fail(at, &policy, Some(Duration::from_secs(20))), Some(Duration::from_secs(20)));
        assert!(health.cooling(at + Duration::from_secs(19)));
        assert!(!health.cooling(at + Duration::from_secs(20)));
    }
}
