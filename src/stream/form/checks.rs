//! What the forms of one reply learn as they fill ([`Checks`]) and what a form gets
//! with each event ([`Cx`]).

use super::Streamable;
use crate::stream::json::Seg;
use crate::validate::{Path, PathSegment, Report};
use crate::Extract;
use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

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
    pub(super) quiet: bool,
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
    /// that [`PartialReader::feed`](crate::stream::PartialReader::feed) reports no change for
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
