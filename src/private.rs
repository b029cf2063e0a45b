//! Support for the derive's generated code. Not part of the stable API.
//!
//! The derive checks every field through [`Probe`]: a field whose type implements
//! [`Extract`] is checked as a nested value; any other type (a `chrono` date, a type
//! from another crate) is skipped. Method resolution picks between the two traits
//! (autoref specialisation), so users never mark nested fields by hand. The schema
//! side of its field rules goes into a [`RuleSet`] as [`FieldRule`]s.

use crate::validate::Report;
use crate::Extract;
use std::marker::PhantomData;

pub use crate::schema::rules::{FieldRule, RuleSet};

#[cfg(feature = "bench-hooks")]
pub use bench::{chat_body, read_reply, stream_chunk_text};

/// A field seen by the generated `check`.
pub struct Probe<'a, T: ?Sized>(pub &'a mut T);

/// Chosen when the field's type implements [`Extract`].
pub trait CheckNested {
    fn __pluck_check(self, report: &mut Report);
}

impl<T: Extract> CheckNested for Probe<'_, T> {
    fn __pluck_check(self, report: &mut Report) {
        self.0.check(report);
    }
}

/// Chosen otherwise: nothing to check.
pub trait CheckOther {
    fn __pluck_check(self, report: &mut Report);
}

impl<T: ?Sized> CheckOther for &Probe<'_, T> {
    fn __pluck_check(self, _report: &mut Report) {}
}

/// A value whose type is its own partial form, seen by the generated `from_partial`:
/// cloned when its type is `Clone`, else not built (its JSON is read instead).
pub struct CloneProbe<'a, T>(pub &'a T);

/// Chosen when the type is `Clone`.
pub trait CloneIt<T> {
    fn __pluck_clone(self) -> Option<T>;
}

impl<T: Clone> CloneIt<T> for CloneProbe<'_, T> {
    fn __pluck_clone(self) -> Option<T> {
        Some(self.0.clone())
    }
}

/// Chosen otherwise.
pub trait CloneNot<T> {
    fn __pluck_clone(self) -> Option<T>;
}

impl<T> CloneNot<T> for &CloneProbe<'_, T> {
    fn __pluck_clone(self) -> Option<T> {
        None
    }
}

/// A field type seen by the generated `__rules`.
pub struct TypeProbe<T: ?Sized>(PhantomData<fn() -> Box<T>>);

impl<T: ?Sized> TypeProbe<T> {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        TypeProbe(PhantomData)
    }
}

/// Chosen when the field's type implements [`Extract`].
pub trait RegisterNested {
    fn __pluck_register(self, rules: &mut RuleSet);
    /// For a `#[serde(flatten)]` field of `P`: its type's properties are `P`'s.
    fn __pluck_flatten<P: Extract>(self, rules: &mut RuleSet);
}

impl<T: Extract> RegisterNested for TypeProbe<T> {
    fn __pluck_register(self, rules: &mut RuleSet) {
        T::__rules(rules);
    }
    fn __pluck_flatten<P: Extract>(self, rules: &mut RuleSet) {
        rules.add_flattened::<P, T>();
    }
}

/// Chosen otherwise: no rules to register.
pub trait RegisterOther {
    fn __pluck_register(self, rules: &mut RuleSet);
    fn __pluck_flatten<P: Extract>(self, rules: &mut RuleSet);
}

impl<T: ?Sized> RegisterOther for &TypeProbe<T> {
    fn __pluck_register(self, _rules: &mut RuleSet) {}
    fn __pluck_flatten<P: Extract>(self, _rules: &mut RuleSet) {}
}

/// Hooks for the benchmarks (`benches/`), which time pieces of an extraction without
/// a server. Built only with the `bench-hooks` feature, which the benches require.
#[cfg(feature = "bench-hooks")]
mod bench {
    use crate::provider::{Call, LimitName, Provider};
    use crate::schema;
    use crate::{Error, Extract, Message, Mode};

    /// The chat-completions body pluck sends for `messages` in `mode`, for benchmarks of
    /// request building.
    ///
    /// # Errors
    /// As [`schema::prepare`], when `T`'s schema does not fit the mode.
    pub fn chat_body<T: Extract>(model: &str, messages: &[Message], mode: Mode) -> Result<Vec<u8>, Error> {
        let prepared = schema::prepare::<T>(mode.target())?;
        let call = Call {
            model,
            messages,
            retries: &[],
            schema: &prepared,
            mode,
            temperature: None,
            max_tokens: None,
            tools: None,
            stop: &[],
        };
        Ok(Provider::OpenAi.wire().body(&call, LimitName::MaxCompletionTokens))
    }

    /// The text one OpenAI chat-completion chunk event carries (its content, or its tool
    /// call's arguments), read as a stream reads it, for benchmarks of streaming.
    ///
    /// # Errors
    /// A decode error for data that is no chunk; for a chunk that carries an error, the
    /// error it stands for.
    pub fn stream_chunk_text(data: &[u8]) -> Result<Option<std::borrow::Cow<'_, str>>, Error> {
        match Provider::OpenAi.wire().stream_event(data, None)? {
            crate::provider::StreamEvent::Chunk(delta) => Ok(delta.text),
            crate::provider::StreamEvent::Done => Ok(None),
        }
    }

    /// Reads a chat-completions reply into a validated `T`, as the re-ask loop does after
    /// the HTTP round trip (decode, find the JSON, deserialize, run the rules), for
    /// benchmarks of parsing and validation.
    ///
    /// # Errors
    /// A decode error for a reply that is no chat completion; otherwise the report of
    /// every parse or rule failure, as a [`Report`](crate::validate::Report) inside [`Error::Decode`]'s message.
    pub fn read_reply<T: Extract>(bytes: &[u8], mode: Mode) -> Result<T, Error> {
        let prepared = schema::prepare::<T>(mode.target())?;
        let reply = Provider::OpenAi.wire().reply(bytes)?;
        crate::request::judge::<T>(reply.raw(), &prepared, false)
            .map(|parsed| parsed.value)
            .map_err(|rejected| Error::Decode { message: rejected.report.to_string(), source: None })
    }
}
