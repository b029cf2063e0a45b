//! Validation: field rules, nested values and model rules, collected into a [`Report`].
//!
//! A derived [`Extract::check`] walks the value once: it applies
//! the list normalisers (`dedup`, `dedup_by`), checks each field's rules, descends into
//! nested values, then runs the model rules. Every failure is recorded with the path of
//! the value it concerns (`salary.min_amount`, `skills[2].name`); nothing stops at the
//! first error, so the model is told about all of them at once.
//!
//! One module per rule: [`range`], [`length`], [`dedup`], [`one_of`], and [`model`] for
//! `#[extract(validate = ..)]` functions.
//!
//! ```
//! use pluck::validate::Report;
//!
//! let mut report = Report::new();
//! report.with_field("salary", |r| {
//!     r.with_field("min_amount", |r| r.add("range", "must be at least 0, got -5"))
//! });
//! assert_eq!(report.to_string(), "salary.min_amount: must be at least 0, got -5");
//! ```

pub mod dedup;
#[cfg(feature = "garde")]
pub mod garde;
pub mod length;
pub mod model;
pub mod one_of;
mod path;
pub mod range;
#[cfg(feature = "validator")]
pub mod validator;

pub use path::{Path, PathSegment};

use crate::Extract;
use std::borrow::Cow;
use std::fmt;

/// One broken rule: where, which rule, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where in the value the rule broke; empty for the value itself.
    pub path: Path,
    /// The rule's name: `range`, `length`, `one_of`, `parse`, or a model rule's function name.
    pub rule: Cow<'static, str>,
    /// What is wrong, with the values involved.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every rule a value broke, each with its path.
///
/// A `Report` is also the cursor of a walk: [`with_field`](Report::with_field) and
/// [`with_index`](Report::with_index) extend the current path for the errors added
/// inside them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    violations: Vec<Violation>,
    current: Path,
}

impl Report {
    /// An empty report at the root of a value.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a broken rule at the current path.
    pub fn add(&mut self, rule: impl Into<Cow<'static, str>>, message: impl Into<String>) {
        self.violations.push(Violation { path: self.current.clone(), rule: rule.into(), message: message.into() });
    }

    /// Records a broken rule at an explicit path, relative to the current one.
    pub fn add_at(&mut self, path: &Path, rule: impl Into<Cow<'static, str>>, message: impl Into<String>) {
        let mut full = self.current.clone();
        full.extend(path);
        self.violations.push(Violation { path: full, rule: rule.into(), message: message.into() });
    }

    /// Runs `f` with the current path extended by a field name.
    pub fn with_field<R>(&mut self, name: &'static str, f: impl FnOnce(&mut Self) -> R) -> R {
        self.current.push(PathSegment::Field(Cow::Borrowed(name)));
        let out = f(self);
        self.current.pop();
        out
    }

    /// Runs `f` with the current path extended by a map key.
    pub fn with_key<R>(&mut self, key: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        self.current.push(PathSegment::Field(Cow::Owned(key.to_owned())));
        let out = f(self);
        self.current.pop();
        out
    }

    /// Runs `f` with the current path extended by a list index.
    pub fn with_index<R>(&mut self, index: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        self.current.push(PathSegment::Index(index));
        let out = f(self);
        self.current.pop();
        out
    }

    /// Forgets every broken rule and goes back to the root, keeping the room.
    pub(crate) fn clear(&mut self) {
        self.violations.clear();
        self.current.clear();
    }

    /// Whether no rule was broken.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// The number of broken rules.
    pub fn len(&self) -> usize {
        self.violations.len()
    }

    /// The broken rules, in the order they were found.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Iterates over the broken rules.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.violations.iter()
    }

    /// `Ok(())` if nothing broke, the report otherwise.
    pub fn into_result(self) -> Result<(), Report> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl<'a> IntoIterator for &'a Report {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.violations.iter()
    }
}

impl fmt::Display for Report {
    /// One violation a line, `path: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Report {}

/// Normalises and checks a value: the same walk the re-ask loop runs on every reply.
///
/// # Errors
/// Returns the [`Report`] of every broken rule when there is one.
///
/// ```
/// use pluck::Extract;
///
/// #[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
/// struct Score {
///     #[extract(range(min = 0, max = 1))]
///     value: f64,
/// }
///
/// let err = pluck::validate(&mut Score { value: 3.0 }).unwrap_err();
/// assert_eq!(err.to_string(), "value: must be at most 1, got 3");
/// ```
pub fn validate<T: Extract>(value: &mut T) -> Result<(), Report> {
    let mut report = Report::new();
    value.check(&mut report);
    report.into_result()
}
