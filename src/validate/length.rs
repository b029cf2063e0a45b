//! `#[extract(length(min = .., max = ..))]`: the length of a string (in characters), a
//! list or a map, within bounds (both inclusive).
//!
//! `Option`s pass when `None`. In the schema the rule shows as `minLength` / `maxLength`
//! on strings and `minItems` / `maxItems` on lists.

use super::Report;
use std::collections::{BTreeMap, HashMap};

/// A value whose length `length` can check.
#[diagnostic::on_unimplemented(
    message = "`length` applies to strings, lists and maps, and `{Self}` is none of them",
    label = "`length` on a field of type `{Self}`"
)]
pub trait Measured {
    /// The length, or `None` when there is nothing to check.
    fn measure(&self) -> Option<(usize, &'static str)>;
}

impl Measured for String {
    fn measure(&self) -> Option<(usize, &'static str)> {
        Some((self.chars().count(), "characters"))
    }
}

impl Measured for str {
    fn measure(&self) -> Option<(usize, &'static str)> {
        Some((self.chars().count(), "characters"))
    }
}

impl<T> Measured for Vec<T> {
    fn measure(&self) -> Option<(usize, &'static str)> {
        Some((self.len(), "items"))
    }
}

impl<K, V, S> Measured for HashMap<K, V, S> {
    fn measure(&self) -> Option<(usize, &'static str)> {
        Some((self.len(), "entries"))
    }
}

impl<K, V> Measured for BTreeMap<K, V> {
    fn measure(&self) -> Option<(usize, &'static str)> {
        Some((self.len(), "entries"))
    }
}

impl<T: Measured> Measured for Option<T> {
    fn measure(&self) -> Option<(usize, &'static str)> {
        self.as_ref().and_then(Measured::measure)
    }
}

impl<T: Measured + ?Sized> Measured for Box<T> {
    fn measure(&self) -> Option<(usize, &'static str)> {
        (**self).measure()
    }
}

/// Checks the length of `value` against inclusive bounds.
///
/// ```
/// use pluck::validate::{length, Report};
///
/// let mut report = Report::new();
/// length::check(&vec![1, 2, 3], Some(1), Some(2), &mut report);
/// assert_eq!(report.to_string(), "must have at most 2 items, got 3");
/// ```
pub fn check<T: Measured + ?Sized>(value: &T, min: Option<usize>, max: Option<usize>, report: &mut Report) {
    let Some((len, unit)) = value.measure() else { return };
    if let Some(min) = min {
        if len < min {
            report.add("length", format!("must have at least {min} {unit}, got {len}"));
        }
    }
    if let Some(max) = max {
        if len > max {
            report.add("length", format!("must have at most {max} {unit}, got {len}"));
        }
    }
}
