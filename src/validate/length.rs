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
    fn measure(&self) -> Option<(usize, Unit)>;
}

impl Measured for String {
    fn measure(&self) -> Option<(usize, Unit)> {
        Some((self.chars().count(), Unit::Characters))
    }
}

impl Measured for str {
    fn measure(&self) -> Option<(usize, Unit)> {
        Some((self.chars().count(), Unit::Characters))
    }
}

impl<T> Measured for Vec<T> {
    fn measure(&self) -> Option<(usize, Unit)> {
        Some((self.len(), Unit::Items))
    }
}

impl<K, V, S> Measured for HashMap<K, V, S> {
    fn measure(&self) -> Option<(usize, Unit)> {
        Some((self.len(), Unit::Entries))
    }
}

impl<K, V> Measured for BTreeMap<K, V> {
    fn measure(&self) -> Option<(usize, Unit)> {
        Some((self.len(), Unit::Entries))
    }
}

impl<T: Measured> Measured for Option<T> {
    fn measure(&self) -> Option<(usize, Unit)> {
        self.as_ref().and_then(Measured::measure)
    }
}

impl<T: Measured + ?Sized> Measured for Box<T> {
    fn measure(&self) -> Option<(usize, Unit)> {
        (**self).measure()
    }
}

/// What a length counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Characters of a string.
    Characters,
    /// Items of a list.
    Items,
    /// Entries of a map.
    Entries,
}

impl Unit {
    fn name(self, n: usize) -> &'static str {
        match (self, n == 1) {
            (Unit::Characters, true) => "character",
            (Unit::Characters, false) => "characters",
            (Unit::Items, true) => "item",
            (Unit::Items, false) => "items",
            (Unit::Entries, true) => "entry",
            (Unit::Entries, false) => "entries",
        }
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
            report.add("length", format!("must have at least {min} {}, got {len}", unit.name(min)));
        }
    }
    if let Some(max) = max {
        if len > max {
            report.add("length", format!("must have at most {max} {}, got {len}", unit.name(max)));
        }
    }
}
