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

use super::json::{Event, Seg, Text};
use crate::validate::{Path, PathSegment, Report};
use crate::Extract;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

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

/// What the forms of one reply learn as they fill: the rules broken by nested values
/// that are already complete, and which open values hold something their forms did not
/// take (so that their checks read the JSON instead of the form).
///
/// ```
/// use pluck::stream::json::{Event, Lead, Reader, Seg, Sink};
/// use pluck::stream::{fill, Checks, Cx};
///
/// struct Form(Option<serde_json::Value>, Checks);
/// impl Sink for Form {
///     fn event(&mut self, path: &[Seg], event: Event<'_>) {
///         let mut cx = Cx::new(path, &mut self.1);
///         fill(&mut self.0, path, event, &mut cx);
///     }
/// }
///
/// let mut reader = Reader::new(Lead::Strict);
/// let mut form = Form(None, Checks::new());
/// reader.feed(br#"{"a": [1, "#, &mut form);
/// assert_eq!(form.0, Some(serde_json::json!({"a": [1]})));
/// assert!(form.1.report().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct Checks {
    /// Shared with the partials of a stream (`Progress::violations`): copied only when
    /// a rule is broken while one of them still holds it.
    report: Arc<Report>,
    /// Where a closed value's check records, emptied after each (kept for its room).
    scratch: Report,
    /// A hash of each violation in `report`: a violation whose hash is new is new, and
    /// only the others are compared with the report (so recording stays linear).
    recorded: HashSet<u64>,
    /// The open values less than this many steps from the root hold a value their
    /// forms did not take; 0 when none do.
    lost_below: usize,
    /// Whether any form did not take a value: then the form does not stand for the
    /// whole reply.
    lost_any: bool,
}

impl Checks {
    /// Nothing learned yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The rules broken so far, at their paths from the root.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The rules broken so far, as a handle that costs nothing to take.
    pub(crate) fn shared_report(&self) -> Arc<Report> {
        Arc::clone(&self.report)
    }

    /// Whether a value was not taken by its form (see [`Cx::lost`]).
    pub(crate) fn lost_any(&self) -> bool {
        self.lost_any
    }
}

/// What a form may need besides the event: where it sits, and where to record what
/// the values that are already complete break.
#[derive(Debug)]
pub struct Cx<'a> {
    path: &'a [Seg],
    checks: &'a mut Checks,
    root_depth: usize,
    /// Whether the event left the forms and the report as they were (see
    /// [`Cx::unchanged`]).
    quiet: bool,
}

impl<'a> Cx<'a> {
    /// A context for an event at `path` (from the root), recording into `checks`.
    pub fn new(path: &'a [Seg], checks: &'a mut Checks) -> Self {
        Cx { path, checks, root_depth: 0, quiet: false }
    }

    /// Leaves the values less than `depth` steps from the root unchecked (the root, or
    /// the root and its wrapper: the final check reads them).
    pub(crate) fn skip_root(mut self, depth: usize) -> Self {
        self.root_depth = depth;
        self
    }

    /// Tells the reader that the form this event reached made nothing of it (the end of
    /// a string already shown, the close of an object, a value it does not take), so
    /// that [`PartialReader::feed`](super::PartialReader::feed) reports no change for
    /// it. A form that never says so is taken to have changed with every event.
    #[inline]
    pub fn unchanged(&mut self) {
        self.quiet = true;
    }

    /// Whether the event changed a form or the report (see [`Cx::unchanged`]).
    pub(crate) fn changed(&self) -> bool {
        !self.quiet
    }

    /// Notes that the value completed by this event was not taken by its form (a value
    /// of the wrong type, a `null` list item, a repeated key): the values around it
    /// are then checked from their JSON, which tells what is wrong.
    #[inline]
    pub fn lost(&mut self) {
        self.checks.lost_any = true;
        self.checks.lost_below = self.checks.lost_below.max(self.path.len());
    }

    /// Checks a `T` that has just closed, from its finished partial `form` when the
    /// form can vouch for the value (its values lent to the check and given back, see
    /// [`Streamable::lend`]), else from its JSON, and records what it breaks.
    pub fn check_closed<T: Extract + Streamable>(&mut self, form: &mut T::Partial, json: &[u8]) {
        if self.path.len() < self.root_depth {
            return;
        }
        let depth = self.path.len();
        let built = if depth < self.checks.lost_below {
            // Its parents hold the lost value too, not its later siblings.
            self.checks.lost_below = depth;
            None
        } else {
            T::lend(form)
        };
        match built {
            Some(mut value) => {
                let mut found = std::mem::take(&mut self.checks.scratch);
                value.check(&mut found);
                T::give_back(&mut value, form);
                self.record(&found);
                found.clear();
                self.checks.scratch = found;
            }
            None => self.check::<T>(json),
        }
    }

    /// Reads the complete JSON of a `T` at the event's position and records what it
    /// breaks: its rules, or why it does not parse.
    pub fn check<T: Extract>(&mut self, json: &[u8]) {
        if self.path.len() < self.root_depth {
            return;
        }
        if let Err(found) = crate::parse::checked::<T>(json) {
            self.record(&found);
        }
    }

    /// Records `found` (paths relative to the event's position) at the event's path,
    /// each violation once.
    fn record(&mut self, found: &Report) {
        if found.is_empty() {
            return;
        }
        let base: Path = self
            .path
            .iter()
            .map(|seg| match seg {
                Seg::Key(key) => PathSegment::Field(Cow::Owned(key.as_str().to_owned())),
                Seg::Index(index) => PathSegment::Index(*index),
            })
            .collect();
        for violation in found {
            let mut path = base.clone();
            path.extend(&violation.path);
            let mut hasher = DefaultHasher::new();
            (&path, &violation.rule, &violation.message).hash(&mut hasher);
            let known = !self.checks.recorded.insert(hasher.finish())
                && self
                    .checks
                    .report
                    .iter()
                    .any(|v| v.path == path && v.rule == violation.rule && v.message == violation.message);
            if !known {
                Arc::make_mut(&mut self.checks.report).add_at(&path, violation.rule.clone(), violation.message.clone());
                self.quiet = false;
            }
        }
    }
}

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

impl Streamable for String {
    type Partial = String;
    fn from_partial(partial: &String) -> Option<Self> {
        Some(partial.clone())
    }
    fn from_finished(partial: String) -> Option<Self> {
        Some(partial)
    }
    fn lend(partial: &mut String) -> Option<Self> {
        Some(std::mem::take(partial))
    }
    fn give_back(value: &mut String, partial: &mut String) {
        std::mem::swap(value, partial);
    }
}

impl Fill for String {
    #[inline]
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        // Room for a short value, so that a growing string seldom moves: 40 bytes (the
        // room of the allocator's 48-byte blocks) hold a title or a name whole, and a
        // sentence moves twice, not three times as from 24.
        matches!((path, event), ([], Event::TextStart)).then(|| String::with_capacity(40))
    }
    #[inline]
    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        match event {
            Event::Text(text) => self.text(path, text, cx),
            _ => cx.unchanged(),
        }
    }
    #[inline]
    fn text(&mut self, path: &[Seg], text: Text<'_>, cx: &mut Cx<'_>) {
        match path {
            [] => text.push_to(self),
            _ => cx.unchanged(),
        }
    }
}

impl Streamable for Cow<'static, str> {
    type Partial = String;
    fn from_partial(partial: &String) -> Option<Self> {
        Some(Cow::Owned(partial.clone()))
    }
    fn from_finished(partial: String) -> Option<Self> {
        Some(Cow::Owned(partial))
    }
}

macro_rules! scalar {
    ($($t:ty),* $(,)?) => {$(
        impl Streamable for $t {
            type Partial = $t;
            fn from_partial(partial: &$t) -> Option<Self> {
                Some(*partial)
            }
        }

        impl Fill for $t {
            fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
                match (path, event) {
                    ([], Event::Number { raw }) => serde_json::from_str(raw).ok(),
                    _ => None,
                }
            }
            fn update(&mut self, _: &[Seg], _: Event<'_>, cx: &mut Cx<'_>) {
                cx.unchanged();
            }
        }
    )*};
}

// As serde_json reads a number in a document, to the last bit: its float parsing is
// not `str::parse`'s (without its `float_roundtrip` feature, a long decimal may land one
// bit away), and the final value is serde_json's.
scalar! {
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f64, f32,
}

impl Streamable for bool {
    type Partial = bool;
    fn from_partial(partial: &bool) -> Option<Self> {
        Some(*partial)
    }
}

impl Fill for bool {
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        match (path, event) {
            ([], Event::Bool(value)) => Some(value),
            _ => None,
        }
    }
    fn update(&mut self, _: &[Seg], _: Event<'_>, cx: &mut Cx<'_>) {
        cx.unchanged();
    }
}

impl Streamable for char {
    type Partial = char;
    fn from_partial(partial: &char) -> Option<Self> {
        Some(*partial)
    }
}

impl Fill for char {
    fn start(path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) -> Option<Self> {
        whole(path, event, cx)
    }
    fn update(&mut self, _: &[Seg], _: Event<'_>, cx: &mut Cx<'_>) {
        cx.unchanged();
    }
}

/// `null` shows as `None`, like an absent value.
impl<T: Streamable> Streamable for Option<T> {
    type Partial = T::Partial;
    fn from_partial(partial: &T::Partial) -> Option<Self> {
        or_null(T::is_null(partial), || T::from_partial(partial))
    }
    fn from_finished(partial: T::Partial) -> Option<Self> {
        or_null(T::is_null(&partial), || T::from_finished(partial))
    }
    fn is_null(partial: &T::Partial) -> bool {
        T::is_null(partial)
    }
    fn lend(partial: &mut T::Partial) -> Option<Self> {
        or_null(T::is_null(partial), || T::lend(partial))
    }
    fn give_back(value: &mut Self, partial: &mut T::Partial) {
        if let Some(value) = value {
            T::give_back(value, partial);
        }
    }
    fn absent() -> Option<Self> {
        Some(None)
    }
}

/// An `Option`'s value from the form of its `T`: `None` when the form took a `null`
/// (`null` is true), else what `value` makes of the form.
fn or_null<T>(null: bool, value: impl FnOnce() -> Option<T>) -> Option<Option<T>> {
    match null {
        true => Some(None),
        false => value().map(Some),
    }
}

/// The form is boxed too, so that a type holding itself through a `Box`
/// (`next: Option<Box<Node>>`) has a form of a known size.
impl<T: Streamable> Streamable for Box<T> {
    type Partial = Box<T::Partial>;
    fn from_partial(partial: &Box<T::Partial>) -> Option<Self> {
        T::from_partial(partial).map(Box::new)
    }
    fn from_finished(partial: Box<T::Partial>) -> Option<Self> {
        T::from_finished(*partial).map(Box::new)
    }
    fn lend(partial: &mut Box<T::Partial>) -> Option<Self> {
        T::lend(partial).map(Box::new)
    }
    fn give_back(value: &mut Self, partial: &mut Box<T::Partial>) {
        T::give_back(value, partial);
    }
    fn is_null(partial: &Box<T::Partial>) -> bool {
        T::is_null(partial)
    }
    fn absent() -> Option<Self> {
        T::absent().map(Box::new)
    }
}

impl<P: Fill> Fill for Box<P> {
    fn start(path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) -> Option<Self> {
        P::start(path, event, cx).map(Box::new)
    }
    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        (**self).update(path, event, cx);
    }
    #[inline]
    fn text(&mut self, path: &[Seg], text: Text<'_>, cx: &mut Cx<'_>) {
        (**self).text(path, text, cx);
    }
}

/// A fixed array's form is a list's; it stands for the array once it holds `N` items.
impl<T: Streamable, const N: usize> Streamable for [T; N] {
    type Partial = Vec<T::Partial>;
    fn from_partial(partial: &Vec<T::Partial>) -> Option<Self> {
        Vec::<T>::from_partial(partial)?.try_into().ok()
    }
    fn from_finished(partial: Vec<T::Partial>) -> Option<Self> {
        Vec::<T>::from_finished(partial)?.try_into().ok()
    }
}

/// Items appear as they start (a string item with its first character, a number once
/// complete). An item that shows nothing when the next one starts (a `null`, a value
/// of the wrong type) stops the list from growing, so that no item is ever shown at an
/// index it will not have.
impl<T: Streamable> Streamable for Vec<T> {
    type Partial = Vec<T::Partial>;
    fn from_partial(partial: &Vec<T::Partial>) -> Option<Self> {
        partial.iter().map(T::from_partial).collect()
    }
    fn from_finished(partial: Vec<T::Partial>) -> Option<Self> {
        partial.into_iter().map(T::from_finished).collect()
    }
    fn lend(partial: &mut Vec<T::Partial>) -> Option<Self> {
        let mut items = Vec::with_capacity(partial.len());
        for form in partial.iter_mut() {
            match T::lend(form) {
                Some(item) => items.push(item),
                None => {
                    Self::give_back(&mut items, partial);
                    return None;
                }
            }
        }
        Some(items)
    }
    fn give_back(value: &mut Self, partial: &mut Vec<T::Partial>) {
        for (item, form) in value.iter_mut().zip(partial) {
            T::give_back(item, form);
        }
    }
}

impl<P: Fill> Fill for Vec<P> {
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        matches!((path, event), ([], Event::Array)).then(Vec::new)
    }
    #[inline]
    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        let [Seg::Index(index), rest @ ..] = path else { return cx.unchanged() };
        if let Some(item) = self.get_mut(*index) {
            item.update(rest, event, cx);
        } else if *index != self.len() {
            cx.unchanged();
        } else if let Some(item) = start_entry(rest, event, cx) {
            self.push(item);
        }
    }
    #[inline]
    fn text(&mut self, path: &[Seg], text: Text<'_>, cx: &mut Cx<'_>) {
        match path {
            [Seg::Index(index), rest @ ..] if *index < self.len() => self[*index].text(rest, text, cx),
            _ => self.update(path, Event::Text(text), cx),
        }
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

/// An object's partial form as a map from key to form: maps, and `Value`'s objects.
trait Entries {
    type Form: Fill;
    fn entry(&mut self, key: &str) -> Option<&mut Self::Form>;
    fn put(&mut self, key: &str, form: Self::Form);
}

/// Sends an event to the entry that `path` starts with. A key written again starts
/// its value anew (the last one wins, as serde reads maps).
fn update_entries<M: Entries>(map: &mut M, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
    let [Seg::Key(key), rest @ ..] = path else { return cx.unchanged() };
    match map.entry(key.as_str()) {
        Some(value) if !(rest.is_empty() && event.starts()) => value.update(rest, event, cx),
        _ => {
            if let Some(value) = start_entry(rest, event, cx) {
                map.put(key.as_str(), value);
            }
        }
    }
}

/// A map's value, built from its partial form entry by entry.
fn map_from_partial<'a, V, M>(entries: impl Iterator<Item = (&'a String, &'a V::Partial)>) -> Option<M>
where
    V: Streamable + 'a,
    M: FromIterator<(String, V)>,
{
    entries.map(|(key, value)| Some((key.clone(), V::from_partial(value)?))).collect()
}

/// A map's value, taken out of its finished partial form entry by entry.
fn map_from_finished<V, M>(entries: impl IntoIterator<Item = (String, V::Partial)>) -> Option<M>
where
    V: Streamable,
    M: FromIterator<(String, V)>,
{
    entries.into_iter().map(|(key, value)| Some((key, V::from_finished(value)?))).collect()
}

impl<V: Streamable, S: BuildHasher + Default> Streamable for HashMap<String, V, S> {
    type Partial = HashMap<String, V::Partial, S>;
    fn from_partial(partial: &Self::Partial) -> Option<Self> {
        map_from_partial::<V, _>(partial.iter())
    }
    fn from_finished(partial: Self::Partial) -> Option<Self> {
        map_from_finished::<V, _>(partial)
    }
}

impl<P: Fill, S: BuildHasher> Entries for HashMap<String, P, S> {
    type Form = P;
    fn entry(&mut self, key: &str) -> Option<&mut P> {
        self.get_mut(key)
    }
    fn put(&mut self, key: &str, form: P) {
        self.insert(key.to_owned(), form);
    }
}

impl<P: Fill, S: BuildHasher + Default> Fill for HashMap<String, P, S> {
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        matches!((path, event), ([], Event::Object)).then(HashMap::default)
    }
    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        update_entries(self, path, event, cx);
    }
}

impl<V: Streamable> Streamable for BTreeMap<String, V> {
    type Partial = BTreeMap<String, V::Partial>;
    fn from_partial(partial: &Self::Partial) -> Option<Self> {
        map_from_partial::<V, _>(partial.iter())
    }
    fn from_finished(partial: Self::Partial) -> Option<Self> {
        map_from_finished::<V, _>(partial)
    }
}

impl<P: Fill> Entries for BTreeMap<String, P> {
    type Form = P;
    fn entry(&mut self, key: &str) -> Option<&mut P> {
        self.get_mut(key)
    }
    fn put(&mut self, key: &str, form: P) {
        self.insert(key.to_owned(), form);
    }
}

impl<P: Fill> Fill for BTreeMap<String, P> {
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        matches!((path, event), ([], Event::Object)).then(BTreeMap::new)
    }
    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        update_entries(self, path, event, cx);
    }
}

/// A JSON value grows as it is written: objects gain keys, arrays items, strings
/// characters; numbers, booleans and `null` appear once complete.
impl Streamable for serde_json::Value {
    type Partial = serde_json::Value;
    fn from_partial(partial: &serde_json::Value) -> Option<Self> {
        Some(partial.clone())
    }
    fn from_finished(partial: serde_json::Value) -> Option<Self> {
        Some(partial)
    }
    fn is_null(partial: &serde_json::Value) -> bool {
        partial.is_null()
    }
}

impl Entries for serde_json::Map<String, serde_json::Value> {
    type Form = serde_json::Value;
    fn entry(&mut self, key: &str) -> Option<&mut serde_json::Value> {
        self.get_mut(key)
    }
    fn put(&mut self, key: &str, form: serde_json::Value) {
        self.insert(key.to_owned(), form);
    }
}

impl Fill for serde_json::Value {
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        use serde_json::Value;
        if !path.is_empty() {
            return None;
        }
        match event {
            Event::Object => Some(Value::Object(serde_json::Map::new())),
            Event::Array => Some(Value::Array(Vec::new())),
            Event::TextStart => Some(Value::String(String::new())),
            // The way serde_json reads a number inside a document (not quite the way it
            // reads a lone `Number`).
            Event::Number { raw } => serde_json::from_str::<Value>(raw).ok(),
            Event::Bool(value) => Some(Value::Bool(value)),
            Event::Null => Some(Value::Null),
            Event::Text(_) | Event::TextEnd { .. } | Event::End { .. } => None,
        }
    }

    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        use serde_json::Value;
        match (self, path) {
            (Value::String(text), path) => text.update(path, event, cx),
            (Value::Array(items), path) => items.update(path, event, cx),
            (Value::Object(map), path) => update_entries(map, path, event, cx),
            _ => cx.unchanged(),
        }
    }
}
