//! The attempt loop's one seam for routing: before each request a [`Steer`] says where
//! it goes, and after a request that failed it says whether the request goes again
//! elsewhere.
//!
//! A request made by a [`Client`] has no steer and never reaches this module: the loop
//! checks one `Option` per request. The router (feature `router`) is the steer of the
//! requests it makes.

use crate::observe::Event;
use crate::schema::Prepared;
use crate::{Client, Error, Message, Mode};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Where a request goes and what it sends there: a deployment's client, with the
/// conversation resolved against it (its model, its mode, the schema re-targeted for
/// its provider).
#[cfg_attr(not(feature = "router"), allow(dead_code))]
pub(crate) struct Seat {
    pub(crate) client: Client,
    pub(crate) model: String,
    pub(crate) mode: Mode,
    pub(crate) lenient: bool,
    pub(crate) temperature: Option<f32>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) messages: Vec<Message>,
    pub(crate) prepared: Arc<Prepared>,
}

/// How a request went, as its steer hears it.
#[cfg_attr(not(feature = "router"), allow(dead_code))]
pub(crate) enum Outcome<'a> {
    /// A reply came back whole (or a stream opened) after `latency`.
    Answered { latency: Duration },
    /// The request failed with `error` (the transport's, or a refusal).
    Failed { error: &'a Error },
}

/// A future the loop awaits, boxed: only routed requests make one.
pub(crate) type Seating<'a> = Pin<Box<dyn Future<Output = Result<Option<Seat>, Error>> + Send + 'a>>;

/// Chooses where each request of one extraction goes.
pub(crate) trait Steer: Send + Sync {
    /// Before a request: a new seat, or `None` to stay where the last request went
    /// (a re-ask continues on the deployment that wrote the reply). It may wait (for a
    /// rate limit); `emit` hands the routing events to the extraction's observers.
    ///
    /// # Errors
    /// Nowhere to send the request within the wait allowed.
    fn seat<'a>(&'a mut self, emit: &'a (dyn Fn(&Event<'_>) + Sync)) -> Seating<'a>;

    /// After a request: how it went. Returns whether the request goes again (to the
    /// seat the next [`seat`](Self::seat) gives).
    fn outcome(&mut self, outcome: Outcome<'_>, emit: &(dyn Fn(&Event<'_>) + Sync)) -> bool;
}
