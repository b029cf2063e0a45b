//! The form of a value shown only once complete ([`Whole`]).

use super::{Cx, Fill, Streamable};
use crate::stream::json::{Event, Seg};
use crate::Extract;
use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// The partial form of a value shown only once complete: an enum, a type from another
/// crate (a field marked `#[extract(whole)]`). Dereferences to the value.
///
/// ```
/// use pluck::stream::{PartialReader, Whole};
///
/// let mut reader = PartialReader::<Whole<(u8, u8)>>::new();
/// reader.feed(b"{\"items\": [1, 2");
/// assert!(reader.partial().is_none());
/// reader.feed(b"]}");
/// assert_eq!(**reader.partial().unwrap(), (1, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Whole<T>(pub T);

impl<T> std::ops::Deref for Whole<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> Fill for Whole<T> {
    fn start(path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) -> Option<Self> {
        whole(path, event, cx).map(Whole)
    }
    fn update(&mut self, _: &[Seg], _: Event<'_>, cx: &mut Cx<'_>) {
        cx.unchanged();
    }
}

impl<T: DeserializeOwned> Streamable for Whole<T> {
    type Partial = Whole<T>;
    fn from_finished(partial: Whole<T>) -> Option<Self> {
        Some(partial)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Whole<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Whole)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Whole<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<T: DeserializeOwned + schemars::JsonSchema + 'static> Extract for Whole<T> {}

/// The start of a form shown only once complete: the value, when `event` completes it.
/// A `null` starts none, whatever `T` makes of it: it reads as an absent value, as for
/// every form (so that an `Option` around the form reads it as `None`, as serde does).
pub fn whole<T: DeserializeOwned>(path: &[Seg], event: Event<'_>, _cx: &mut Cx<'_>) -> Option<T> {
    match (path, event) {
        (_, Event::Null) => None,
        ([], event) => serde_json::from_slice(event.complete()?).ok(),
        _ => None,
    }
}
