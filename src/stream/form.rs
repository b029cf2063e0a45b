//! Partial forms: what a value looks like while it is still being written.
//!
//! [`Streamable`] names a type's partial form; [`Fill`] is how the form takes in the
//! [`Event`]s of the JSON reader. `#[derive(Extract)]` implements both: a struct
//! `Foo` gets a `FooPartial` with every field an `Option` (nested structs as their own
//! partial forms, lists as lists of partial forms), an enum is its own partial form and
//! shows only once complete.
//!
//! The rule every form keeps: it never shows something that a later form contradicts.
//! Numbers, booleans, `null`s and enums appear only once their token is complete (a
//! model writing `473.00` never shows `47`); strings show their growing prefix; lists
//! and maps only grow.

// The context a form fills in (`Checks`, `Cx`) is in `checks`; the form of a value
// shown once complete in `whole`; the forms of std types in `scalars`, `containers` and
// `maps`.
mod checks;
mod containers;
mod maps;
mod scalars;
mod whole;

pub use checks::{Checks, Cx};
pub use whole::{whole, Whole};

use super::json::{Event, Seg, Text};

/// A type with a partial form: what a value looks like while it is being written.
///
/// `#[derive(Extract)]` implements it. A struct `Foo` with named fields gets a
/// companion `FooPartial` (same visibility, same field names and docs) whose fields
/// are all `Option`s: nested structs as their own partial forms, lists as lists of
/// partial forms (`Option<Vec<SkillPartial>>`), enums as `Option<Enum>`. An enum, a
/// tuple or unit struct is its own partial form. A field of a type from another crate
/// (a `chrono` date) needs `#[extract(whole)]`: its partial is [`Whole<T>`], shown once
/// complete. Strings, numbers, booleans, `Option`, `Box`, `Vec`, fixed arrays, maps
/// with string keys and `serde_json::Value` have partial forms here; a tuple needs
/// `whole`.
///
/// A partial form never shows something that a later one contradicts. Numbers,
/// booleans, `null`s and enums appear only once their token is complete (a model
/// writing `473.00` never shows `47`); **strings show their growing prefix**; lists and
/// maps only grow. A `null` shows as `None`, like a value not yet arrived.
///
/// ```
/// use pluck::stream::{PartialReader, Streamable};
/// use pluck::Extract;
/// use schemars::JsonSchema;
/// use serde::Deserialize;
///
/// #[derive(Extract, Deserialize, JsonSchema, Debug)]
/// struct Skill {
///     name: String,
///     is_required: bool,
/// }
///
/// let mut reader = PartialReader::<Skill>::new();
/// reader.feed(br#"{"name": "Kube"#);
/// let partial: &SkillPartial = reader.partial().unwrap();
/// assert_eq!(partial.name.as_deref(), Some("Kube"));
/// assert_eq!(partial.is_required, None);
/// // Not a whole `Skill` yet; once it is, the form stands for one.
/// assert!(Skill::from_partial(partial).is_none());
/// reader.feed(br#"rnetes", "is_required": true}"#);
/// let skill = Skill::from_partial(reader.partial().unwrap()).unwrap();
/// assert_eq!((skill.name.as_str(), skill.is_required), ("Kubernetes", true));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no partial form for streaming",
    label = "no partial form",
    note = "mark the field `#[extract(whole)]` to show it in partial values once complete"
)]
pub trait Streamable {
    /// What the value looks like while it is being written.
    type Partial: Fill;

    /// The value that a finished partial form stands for, built from the form without
    /// reading its JSON again; `None` when the form cannot vouch for it (a type serde
    /// reads in its own way, one without `Clone`), and then the JSON is read instead.
    /// This is how nested values are checked as they close. The default is `None`.
    fn from_partial(partial: &Self::Partial) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = partial;
        None
    }

    /// What [`from_partial`](Self::from_partial) gives, taken out of a form that is no
    /// longer needed instead of copied from it: how a finished reply becomes its value
    /// without reading its JSON again. The default copies.
    fn from_finished(partial: Self::Partial) -> Option<Self>
    where
        Self: Sized,
    {
        Self::from_partial(&partial)
    }

    /// What [`from_partial`](Self::from_partial) gives, with the form's values moved
    /// into it rather than copied, to be checked and then handed back with
    /// [`give_back`](Self::give_back): how a closed value is checked without copying
    /// it. `None` leaves the form as it was. The default copies.
    fn lend(partial: &mut Self::Partial) -> Option<Self>
    where
        Self: Sized,
    {
        Self::from_partial(partial)
    }

    /// Moves back into `partial` what [`lend`](Self::lend) moved out of it. The default
    /// does nothing (the default `lend` copies).
    fn give_back(value: &mut Self, partial: &mut Self::Partial)
    where
        Self: Sized,
    {
        let _ = (value, partial);
    }

    /// Whether the form stands for a JSON `null` (only forms that take one as a value,
    /// such as `serde_json::Value`'s, do), which an `Option` reads as `None`. The
    /// default is `false`.
    fn is_null(partial: &Self::Partial) -> bool {
        let _ = partial;
        false
    }

    /// The value of a field missing from its object, as serde reads it: `None` for an
    /// `Option`, and no value (an error) for the rest, which is the default.
    fn absent() -> Option<Self>
    where
        Self: Sized,
    {
        None
    }
}

/// How a partial form takes in the reader's events. The derive implements it; write
/// one by hand only for a type with its own JSON shape.
pub trait Fill: Sized {
    /// The form, from the first event at its position, or `None` while nothing can be
    /// shown yet (a scalar not yet complete, a value of the wrong JSON type). `path`
    /// leads from the form's position to the event's; called again for each event until
    /// it returns a form.
    fn start(path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) -> Option<Self>;

    /// Takes in an event at `path`, relative to the form's position. An event that
    /// changes nothing (the close of a value already shown) says so with
    /// [`Cx::unchanged`]; otherwise the form counts as changed.
    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>);

    /// Takes in more text of a string value at `path` ([`Event::Text`], the most
    /// frequent event) on a way of its own, without matching the other events. The
    /// default sends it to [`update`](Self::update).
    #[inline]
    fn text(&mut self, path: &[Seg], text: Text<'_>, cx: &mut Cx<'_>) {
        self.update(path, Event::Text(text), cx);
    }
}

/// Sends more text of a string value to the form in `slot` (see [`Fill::text`]).
#[inline]
pub fn fill_text<P: Fill>(slot: &mut Option<P>, path: &[Seg], text: Text<'_>, cx: &mut Cx<'_>) {
    match slot {
        Some(form) => form.text(path, text, cx),
        None => fill(slot, path, Event::Text(text), cx),
    }
}

/// Sends an event to the form in `slot`, starting it if there is none yet.
///
/// A complete value that the slot does not take (a value of the wrong type) is noted
/// in `cx` (see [`Cx::lost`]); a `null` is not: it reads as an absent value.
///
/// A value that starts where the slot has one already is the value of a key written
/// again in the same object: its form replaces the first one's (the last one shows, as
/// for a map's keys), never joined to it; while it starts none, the first one stays.
/// serde's derived structs refuse such a reply, and so does the final check.
#[inline]
pub fn fill<P: Fill>(slot: &mut Option<P>, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
    match slot {
        Some(form) if !(path.is_empty() && event.starts()) => form.update(path, event, cx),
        Some(form) => {
            if let Some(again) = start_form(path, event, cx, false) {
                *form = again;
            }
        }
        None => *slot = start_form(path, event, cx, false),
    }
}

/// Sends an event to a flattened field's form, which starts with its parent. The key
/// `path` starts with named none of the parent's fields; the form matches it against
/// its own, without the parent's memory of the key (see [`Key::field`]).
///
/// A parent with several flattened fields sends the event to each: it says
/// [`Cx::unchanged`] first, and the event counts as a change if any of them changed
/// (one that made nothing of it does not hide another that did).
///
/// [`Key::field`]: super::json::Key::field
pub fn fill_flattened<P: Fill>(slot: &mut Option<P>, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
    if slot.is_none() {
        *slot = P::start(&[], Event::Object, cx);
    }
    if let Some(form) = slot {
        let quiet_before = std::mem::replace(&mut cx.quiet, false);
        match path {
            [Seg::Key(key), ..] => key.afresh(|| form.update(path, event, cx)),
            _ => form.update(path, event, cx),
        }
        cx.quiet &= quiet_before;
    }
}

/// Starts the form of a list item or a map value. As for [`fill`], an event that starts
/// none changes nothing; a complete value that the form does not take is noted in `cx`,
/// a `null` too: an item has no absent value to read it as.
fn start_entry<P: Fill>(path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) -> Option<P> {
    start_form(path, event, cx, true)
}

/// The form `event` starts: none changes nothing, and a complete value that starts
/// none is noted in `cx` (a `null` only when `null_lost`: a field reads it as absent).
#[inline]
fn start_form<P: Fill>(path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>, null_lost: bool) -> Option<P> {
    let form = P::start(path, event, cx);
    if form.is_none() {
        cx.unchanged();
        if path.is_empty() && (null_lost || !matches!(event, Event::Null)) && event.complete().is_some() {
            cx.lost();
        }
    }
    form
}
