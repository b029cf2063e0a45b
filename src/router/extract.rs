//! Extraction over the router: [`Router::extract`] and [`Router::request`], and the
//! steer that chooses, before each attempt, the deployment it goes to.

use super::{tokens, Router, RouterError, Shared};
use crate::observe::{Event, FallbackCause};
use crate::request::{Parts, SeatFor, StartSteer};
use crate::steer::{Outcome, Seat, Seating, Steer};
use crate::{Error, Extract, ExtractRequest};
use std::fmt;
use std::sync::Arc;
use tokio::time::Instant;

impl Router {
    /// Extracts a `T` from `text` with a deployment of `group`.
    ///
    /// # Errors
    /// [`Error::Router`] when no deployment can take the request (unknown group, all
    /// cooling down, rate limited past the wait allowed); otherwise the error of the
    /// last deployment tried, as [`Client::extract`](crate::Client::extract) returns it.
    pub async fn extract<T: Extract>(&self, group: &str, text: impl Into<String>) -> Result<T, Error> {
        self.request::<T>(group).user(text).send().await
    }

    /// A request to `group` with per-call settings, as [`Client::request`](crate::Client::request)
    /// makes one: plain ([`send`](ExtractRequest::send)) or streamed
    /// ([`stream`](ExtractRequest::stream)). Each deployment sets the model and the
    /// mode: a request's own [`model`](ExtractRequest::model) and
    /// [`mode`](ExtractRequest::mode) are not used.
    ///
    /// ```no_run
    /// # async fn run(router: pluck::router::Router) -> Result<(), pluck::Error> {
    /// let colours: Vec<String> = router
    ///     .request("gpt-4o-mini")
    ///     .system("List the colours the text names.")
    ///     .user("The sky was blue and the grass green.")
    ///     .max_retries(3)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn request<T: Extract>(&self, group: &str) -> ExtractRequest<'_, T> {
        let shared = &self.shared;
        let index = shared.groups.iter().position(|name| name == group);
        let nominal = index.map_or(0, |index| shared.group_members[index][0]);
        let unknown = index.is_none().then(|| group.to_owned());
        let start = Start { shared: self.shared.clone(), unknown, group: index, nominal };
        ExtractRequest::steered(&shared.members[nominal].client, Box::new(start), shared.observers.clone())
    }
}

/// What a routed request starts its steer with.
struct Start {
    shared: Arc<Shared>,
    /// The group asked for, when the router has none of that name.
    unknown: Option<String>,
    group: Option<usize>,
    /// The deployment whose client the request was resolved against first.
    nominal: usize,
}

impl fmt::Debug for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routed").field("group", &self.group).field("unknown", &self.unknown).finish_non_exhaustive()
    }
}

impl StartSteer for Start {
    fn start(self: Box<Self>, parts: &Parts, seat_for: SeatFor) -> Box<dyn Steer> {
        let chain = self.group.map(|group| self.shared.fallbacks[group].clone()).unwrap_or_default();
        Box::new(Route {
            // Only what can be used: the estimate where a deployment counts tokens, the
            // request's parts where it may move to another deployment.
            tokens: match self.shared.counts_tokens {
                true => tokens::estimate(&parts.messages, parts.max_tokens),
                false => 0,
            },
            parts: self.group.filter(|group| self.shared.fixed[*group]).is_none().then(|| parts.clone()),
            seat_for,
            shared: self.shared,
            unknown: self.unknown,
            asked: self.group,
            group: self.group,
            chain,
            visited: Vec::new(),
            seated: self.nominal,
            current: None,
            tried: Vec::new(),
            lease: None,
            hops: 0,
            #[cfg(feature = "redis")]
            unshared: Vec::new(),
        })
    }
}

/// One request's way through the router.
struct Route {
    shared: Arc<Shared>,
    /// What the request asks, to resolve it anew on another deployment; `None` when
    /// its group has one deployment and nowhere to fall back to.
    parts: Option<Parts>,
    seat_for: SeatFor,
    /// The tokens the request is counted for against `tpm`.
    tokens: u32,
    /// The group asked for (`unknown` holds its name when the router has none).
    asked: Option<usize>,
    unknown: Option<String>,
    /// The group the request is in now.
    group: Option<usize>,
    /// The general fallbacks still to try.
    chain: Vec<usize>,
    /// The groups moved to, besides the one asked for.
    visited: Vec<usize>,
    /// The deployment the conversation is resolved against.
    seated: usize,
    /// The deployment that wrote the last reply and has not failed since.
    current: Option<usize>,
    /// The deployments that failed this request.
    tried: Vec<usize>,
    lease: Option<super::deployment::Lease>,
    hops: usize,
    /// Failures to tell the other processes of before the next request goes.
    #[cfg(feature = "redis")]
    unshared: Vec<super::redis::Share>,
}

type Emit<'a> = &'a (dyn Fn(&Event<'_>) + Sync);

impl Steer for Route {
    fn seat<'a>(&'a mut self, emit: Emit<'a>) -> Seating<'a> {
        Box::pin(self.find(emit))
    }

    fn outcome(&mut self, outcome: Outcome<'_>, emit: Emit<'_>) -> bool {
        self.lease = None;
        let Some(index) = self.current else { return false };
        let error = match outcome {
            Outcome::Answered { latency } => {
                self.shared.members[index].answered(latency);
                return false;
            }
            Outcome::Failed { error } => error,
        };
        let cause = match error {
            Error::ContextLengthExceeded { .. } => FallbackCause::ContextWindow,
            Error::Refusal { .. } => FallbackCause::ContentPolicy,
            _ => return self.failed(index, error, emit),
        };
        self.fall_back(cause, emit)
    }
}

impl Route {
    async fn find(&mut self, emit: Emit<'_>) -> Result<Option<Seat>, Error> {
        let shared = self.shared.clone();
        let unknown = || RouterError::UnknownGroup { group: self.unknown.clone().unwrap_or_default() };
        let mut group = self.group.ok_or_else(unknown)?;
        #[cfg(feature = "redis")]
        if let Some(store) = &shared.store {
            for share in std::mem::take(&mut self.unshared) {
                share.send(store).await?;
            }
        }
        let start = Instant::now();
        let deadline = start + shared.max_wait;
        // A re-ask stays with the deployment that wrote the reply while it can.
        if let Some(index) = self.current.take() {
            let now = start;
            if let Some(slot) = self.standing(index, now, true).await?.filter(|slot| *slot <= deadline) {
                self.wait(slot, now, &shared.groups[group], emit).await;
                self.lease = Some(shared.members[index].lease());
                self.current = Some(index);
                return Ok(None);
            }
        }
        let mut now = start;
        loop {
            // (`now` is refreshed where time may have passed: a wait, a reservation.)
            // The deployments not tried and not cooling down, with when each is free.
            let mut open: Vec<(usize, Instant)> = Vec::with_capacity(shared.group_members[group].len());
            for index in shared.group_members[group].iter().copied().filter(|index| !self.tried.contains(index)) {
                if let Some(slot) = self.standing(index, now, false).await? {
                    open.push((index, slot));
                }
            }
            if open.is_empty() {
                match self.next_fallback() {
                    Some(next) => {
                        let (from, to) = (&shared.groups[group], &shared.groups[next]);
                        emit(&Event::Fallback { from, to, cause: FallbackCause::Unavailable });
                        group = next;
                        continue;
                    }
                    None => {
                        let retry_in = shared.group_members[group]
                            .iter()
                            .filter_map(|index| shared.members[*index].state().health.until(now))
                            .min()
                            .map(|until| until - now);
                        return Err(RouterError::NoDeployment { group: self.asked_name(), retry_in }.into());
                    }
                }
            }
            let ready = open.iter().filter(|(_, slot)| *slot <= now).map(|(index, _)| *index);
            let (index, among) = match ready.clone().count() {
                0 => {
                    // None free now: the one free first.
                    let (first, slot) = open.iter().copied().min_by_key(|(_, slot)| *slot).expect("open is not empty");
                    if slot > deadline {
                        let max_wait = shared.max_wait;
                        return Err(RouterError::RateLimited { group: self.asked_name(), max_wait }.into());
                    }
                    (first, 0)
                }
                among => {
                    let chosen = shared.strategy.choose(ready.clone().map(|index| &shared.members[index]));
                    (ready.clone().nth(chosen).expect("a candidate chosen"), among)
                }
            };
            let member = &shared.members[index];
            // Reserved at the time it is taken: the log must not run early.
            now = Instant::now();
            let Some(slot) = self.standing(index, now, true).await?.filter(|slot| *slot <= deadline) else { continue };
            if slot > now {
                self.wait(slot, now, &shared.groups[group], emit).await;
                now = Instant::now();
                if member.state().health.cooling(now) {
                    continue;
                }
            }
            self.lease = Some(member.lease());
            self.current = Some(index);
            emit(&Event::Routed {
                group: &shared.groups[group],
                deployment: &member.name,
                model: member.client.model(),
                provider: member.client.provider(),
                among,
            });
            if index == self.seated {
                return Ok(None);
            }
            self.seated = index;
            let parts = self.parts.as_ref().expect("a request that can move keeps its parts");
            return (self.seat_for)(parts, &member.client).map(Some);
        }
    }

    /// When, from `now`, deployment `index` can take the request (reserving that time
    /// when `reserve`); `None` while it cools down. With a shared store, its limits and
    /// cooldowns are those every process sees.
    async fn standing(&self, index: usize, now: Instant, reserve: bool) -> Result<Option<Instant>, Error> {
        let member = &self.shared.members[index];
        #[cfg(feature = "redis")]
        if let Some(store) = &self.shared.store {
            if member.state().health.cooling(now) {
                return Ok(None);
            }
            let slot = store.slot(&member.name, member.limits, self.tokens, reserve).await?;
            return Ok((!slot.cooling).then(|| now + slot.wait));
        }
        let mut state = member.state();
        if state.health.cooling(now) {
            return Ok(None);
        }
        Ok(Some(match reserve {
            true => state.limits.reserve(now, self.tokens),
            false => state.limits.slot(now, self.tokens),
        }))
    }

    /// Waits for a reserved `slot`, observers told when it is in the future.
    async fn wait(&self, slot: Instant, now: Instant, group: &str, emit: Emit<'_>) {
        if slot > now {
            emit(&Event::RateLimitWait { group, wait: slot - now });
            tokio::time::sleep_until(slot).await;
        }
    }

    /// The name of the group asked for.
    fn asked_name(&self) -> String {
        self.asked.map_or_else(|| self.unknown.clone().unwrap_or_default(), |group| self.shared.groups[group].clone())
    }

    /// Whether the request was in `group` already.
    fn was_visited(&self, group: usize) -> bool {
        self.asked == Some(group) || self.visited.contains(&group)
    }

    /// The next general fallback not yet visited, now the request's group.
    fn next_fallback(&mut self) -> Option<usize> {
        while !self.chain.is_empty() {
            let next = self.chain.remove(0);
            if !self.was_visited(next) {
                self.visited.push(next);
                self.group = Some(next);
                return Some(next);
            }
        }
        None
    }

    /// Deployment `index` failed with `error`: its health counts it, and the request
    /// goes elsewhere when there is somewhere to go. An invalid request goes nowhere.
    fn failed(&mut self, index: usize, error: &Error, emit: Emit<'_>) -> bool {
        let shared = self.shared.clone();
        let policy = &shared.policy;
        let member = &shared.members[index];
        let now = Instant::now();
        let cooled = {
            let mut state = member.state();
            let health = &mut state.health;
            match error {
                Error::Authentication { .. } | Error::QuotaExhausted { .. } => {
                    health.cool(now, policy.auth_cooldown);
                    Some(policy.auth_cooldown)
                }
                Error::RateLimited { retry_after, .. } => {
                    let length = retry_after.unwrap_or(policy.cooldown);
                    health.cool(now, length);
                    Some(length)
                }
                Error::Server { retry_after, .. } => health.fail(now, policy, *retry_after),
                Error::InvalidRequest { status: 409, .. }
                | Error::Timeout { .. }
                | Error::Connection { .. }
                | Error::Decode { .. } => health.fail(now, policy, None),
                _ => return false,
            }
        };
        if let Some(cooldown) = cooled {
            emit(&Event::CooledDown { deployment: &member.name, cooldown, error });
        }
        #[cfg(feature = "redis")]
        let share = shared.store.as_ref().map(|_| super::redis::Share::of(member.name.clone(), *policy, error));
        self.tried.push(index);
        self.current = None;
        self.hops += 1;
        let again = self.hops <= shared.members.len() + shared.groups.len() && self.somewhere_left(now);
        #[cfg(feature = "redis")]
        if let (Some(share), Some(store)) = (share, shared.store.clone()) {
            match again {
                // Told before the request goes again.
                true => self.unshared.push(share),
                // The extraction ends: told on a task of its own.
                false => drop(tokio::spawn(async move { share.send(&store).await })),
            }
        }
        if again {
            emit(&Event::Rerouted { deployment: &member.name, error });
        }
        again
    }

    /// Whether a deployment not yet tried and not cooling down is left in the group
    /// or its fallbacks.
    fn somewhere_left(&self, now: Instant) -> bool {
        let shared = &self.shared;
        let groups = self.group.into_iter().chain(self.chain.iter().copied().filter(|g| !self.was_visited(*g)));
        groups
            .flat_map(|group| shared.group_members[group].iter())
            .any(|index| !self.tried.contains(index) && !shared.members[*index].state().health.cooling(now))
    }

    /// The request goes to the group's fallback for `cause`: for a context window too
    /// small, the configured one or else the group with the next larger window.
    fn fall_back(&mut self, cause: FallbackCause, emit: Emit<'_>) -> bool {
        let shared = self.shared.clone();
        let Some(group) = self.group else { return false };
        let configured = match cause {
            FallbackCause::ContextWindow => &shared.context_fallbacks[group],
            _ => &shared.content_fallbacks[group],
        };
        let mut targets: Vec<usize> = configured.clone();
        if targets.is_empty() && cause == FallbackCause::ContextWindow {
            targets.extend(shared.larger_window(group));
        }
        let Some(next) = targets.into_iter().find(|target| !self.was_visited(*target)) else { return false };
        emit(&Event::Fallback { from: &shared.groups[group], to: &shared.groups[next], cause });
        self.visited.push(next);
        self.group = Some(next);
        self.chain = shared.fallbacks[next].clone();
        self.current = None;
        self.hops += 1;
        self.hops <= shared.members.len() + shared.groups.len()
    }
}

impl Shared {
    /// A group's context window: the largest of its deployments'.
    fn window(&self, group: usize) -> Option<u32> {
        self.group_members[group].iter().filter_map(|index| self.members[*index].context_window).max()
    }

    /// The group with the smallest window larger than `group`'s.
    fn larger_window(&self, group: usize) -> Option<usize> {
        let current = self.window(group)?;
        (0..self.groups.len())
            .filter_map(|other| self.window(other).filter(|window| *window > current).map(|window| (window, other)))
            .min()
            .map(|(_, other)| other)
    }
}
