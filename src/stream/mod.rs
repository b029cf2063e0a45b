//! Streaming: partial values while the model is still writing, and list items one by
//! one as they complete.
//!
//! - [`json`]: an incremental JSON reader that takes chunks of any size and tells what
//!   it sees, in one pass.
//! - [`Streamable`] and [`Fill`]: the partial form of a type (derived).
//! - [`PartialReader`]: a reply read into its partial form, then validated.
//! - [`ItemReader`]: a list reply read item by item.
//! - [`ExtractRequest::stream`](crate::ExtractRequest::stream),
//!   [`Client::extract_stream`](crate::Client::extract_stream): [`Update`]s over HTTP
//!   (server-sent events), with the re-ask loop;
//!   [`ExtractRequest::items`](crate::ExtractRequest::items),
//!   [`Client::extract_items`](crate::Client::extract_items): validated items.

mod form;
pub(crate) mod incoming;
mod items;
pub mod json;
mod session;
pub(crate) mod sse;
mod value;

pub use form::{fill, fill_flattened, fill_text, whole, Checks, Cx, Fill, Streamable, Whole};
pub use items::{ItemError, ItemReader};
pub use session::{Items, PartialStream, Progress, StreamOptions, Update};
pub use value::PartialReader;
