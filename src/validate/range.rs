//! `#[extract(range(min = .., max = ..))]`: a number within bounds (both inclusive).
//!
//! Applies to every primitive number and to `Option`s of them (`None` passes). The
//! value is compared in its own type: an `f32` with the bound as an `f32` (so `0.3f32`
//! meets `max = 0.3`), an integer exactly (so `u64::MAX` does not meet
//! `max = 18446744073709551614`). `NaN` meets no bound. In the schema the rule shows as
//! `minimum` / `maximum`.

use super::Report;
use std::cmp::Ordering;
use std::fmt;

/// A bound as written in the attribute: a whole number kept exactly, or a float.
///
/// ```
/// use pluck::validate::range::Limit;
///
/// assert_eq!(Limit::from(3).to_string(), "3");
/// assert_eq!(Limit::from(0.5).to_string(), "0.5");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// A whole number (`max = 100`).
    Int(i128),
    /// A number with a fraction or an exponent (`max = 0.3`, `max = 1e3`).
    Float(f64),
}

impl From<i64> for Limit {
    fn from(value: i64) -> Self {
        Limit::Int(value.into())
    }
}

impl From<f64> for Limit {
    fn from(value: f64) -> Self {
        Limit::Float(value)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Int(value) => value.fmt(f),
            Limit::Float(value) => value.fmt(f),
        }
    }
}

/// A number as `range` reads it, in the terms of its own type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A signed integer.
    Signed(i128),
    /// An unsigned integer.
    Unsigned(u128),
    /// An `f32`, compared with the bound made an `f32`.
    F32(f32),
    /// An `f64`.
    F64(f64),
}

impl Number {
    /// How the number compares with `limit`; `None` when it does not (`NaN`).
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    pub fn compare(self, limit: Limit) -> Option<Ordering> {
        match (self, limit) {
            (Number::F64(value), Limit::Int(limit)) => value.partial_cmp(&(limit as f64)),
            (Number::F64(value), Limit::Float(limit)) => value.partial_cmp(&limit),
            (Number::F32(value), Limit::Int(limit)) => value.partial_cmp(&(limit as f32)),
            (Number::F32(value), Limit::Float(limit)) => value.partial_cmp(&(limit as f32)),
            (Number::Signed(value), Limit::Int(limit)) => Some(value.cmp(&limit)),
            (Number::Unsigned(value), Limit::Int(limit)) => {
                Some(u128::try_from(limit).map_or(Ordering::Greater, |limit| value.cmp(&limit)))
            }
            (Number::Signed(value), Limit::Float(limit)) => signed_to_float(value, limit),
            (Number::Unsigned(value), Limit::Float(limit)) => unsigned_to_float(value, limit),
        }
    }
}

macro_rules! whole_to_float {
    ($name:ident, $t:ty) => {
        /// How a whole number compares with a float, exactly: with the float's whole
        /// part, then its fraction.
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss, clippy::cast_sign_loss)]
        fn $name(value: $t, limit: f64) -> Option<Ordering> {
            let floor = limit.floor();
            let order = if floor.is_nan() {
                return None;
            } else if floor < <$t>::MIN as f64 {
                Ordering::Greater
            } else if floor >= <$t>::MAX as f64 {
                // The type's largest value rounds up to a power of two, above it.
                Ordering::Less
            } else {
                // A whole float within the type's range converts exactly.
                value.cmp(&(floor as $t))
            };
            Some(if order == Ordering::Equal && limit > floor { Ordering::Less } else { order })
        }
    };
}
whole_to_float!(signed_to_float, i128);
whole_to_float!(unsigned_to_float, u128);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Signed(value) => value.fmt(f),
            Number::Unsigned(value) => value.fmt(f),
            Number::F32(value) => value.fmt(f),
            Number::F64(value) => value.fmt(f),
        }
    }
}

/// A value that `range` can check.
#[diagnostic::on_unimplemented(
    message = "`range` applies to numbers, and `{Self}` is not one",
    label = "`range` on a field of type `{Self}`"
)]
pub trait Bounded {
    /// The value, in the terms of its own type, or `None` when there is nothing to check.
    fn number(&self) -> Option<Number>;
}

macro_rules! bounded {
    ($variant:ident: $($t:ty),*) => {$(
        impl Bounded for $t {
            #[allow(clippy::cast_lossless)]
            fn number(&self) -> Option<Number> {
                Some(Number::$variant(*self as _))
            }
        }
    )*};
}
bounded!(Signed: i8, i16, i32, i64, i128, isize);
bounded!(Unsigned: u8, u16, u32, u64, u128, usize);
bounded!(F32: f32);
bounded!(F64: f64);

impl<T: Bounded> Bounded for Option<T> {
    fn number(&self) -> Option<Number> {
        self.as_ref().and_then(Bounded::number)
    }
}

impl<T: Bounded + ?Sized> Bounded for Box<T> {
    fn number(&self) -> Option<Number> {
        (**self).number()
    }
}

/// Checks `value` against inclusive bounds, in the value's own type.
///
/// ```
/// use pluck::validate::{range, Report};
///
/// let mut report = Report::new();
/// range::check(&100.0, Some(0.into()), Some(1.into()), &mut report);
/// assert_eq!(report.to_string(), "must be at most 1, got 100");
///
/// let mut report = Report::new();
/// range::check(&0.3f32, None, Some(0.3.into()), &mut report);
/// range::check(&f64::NAN, None, Some(1.into()), &mut report);
/// assert_eq!(report.to_string(), "must be at most 1, got NaN");
/// ```
pub fn check<T: Bounded + ?Sized>(value: &T, min: Option<Limit>, max: Option<Limit>, report: &mut Report) {
    let Some(v) = value.number() else { return };
    if let Some(min) = min {
        if !matches!(v.compare(min), Some(Ordering::Greater | Ordering::Equal)) {
            report.add("range", format!("must be at least {min}, got {v}"));
        }
    }
    if let Some(max) = max {
        if !matches!(v.compare(max), Some(Ordering::Less | Ordering::Equal)) {
            report.add("range", format!("must be at most {max}, got {v}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Limit, Number};
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn whole_numbers_meet_floats_exactly() {
        assert_eq!(Number::Signed(1).compare(Limit::Float(1.5)), Some(Less));
        assert_eq!(Number::Signed(2).compare(Limit::Float(1.5)), Some(Greater));
        assert_eq!(Number::Signed(-2).compare(Limit::Float(-1.5)), Some(Less));
        assert_eq!(Number::Signed(-1).compare(Limit::Float(-1.5)), Some(Greater));
        assert_eq!(Number::Signed(3).compare(Limit::Float(3.0)), Some(Equal));
        assert_eq!(Number::Unsigned(u128::MAX).compare(Limit::Float(1e40)), Some(Less));
        assert_eq!(Number::Signed(i128::MIN).compare(Limit::Float(-1e40)), Some(Greater));
        assert_eq!(Number::Unsigned(0).compare(Limit::Float(-0.5)), Some(Greater));
        assert_eq!(Number::Unsigned(0).compare(Limit::Int(-1)), Some(Greater));
        assert_eq!(Number::Unsigned(1 << 53 | 1).compare(Limit::Float(9007199254740992.0)), Some(Greater));
        assert_eq!(Number::Signed(5).compare(Limit::Float(f64::NAN)), None);
    }

    #[test]
    fn floats_meet_bounds_in_their_own_type() {
        assert_eq!(Number::F32(0.3).compare(Limit::Float(0.3)), Some(Equal));
        assert_eq!(Number::F64(f64::NAN).compare(Limit::Int(0)), None);
        assert_eq!(Number::F32(f32::NAN).compare(Limit::Float(0.0)), None);
    }
}
