//! `#[extract(range(min = .., max = ..))]`: a number within bounds (both inclusive).
//!
//! Applies to every primitive number and to `Option`s of them (`None` passes). In the
//! schema the rule shows as `minimum` / `maximum`.

use super::Report;

/// A value that `range` can check.
#[diagnostic::on_unimplemented(
    message = "`range` applies to numbers, and `{Self}` is not one",
    label = "`range` on a field of type `{Self}`"
)]
pub trait Bounded {
    /// The value as a float, or `None` when there is nothing to check.
    fn as_f64(&self) -> Option<f64>;
}

macro_rules! bounded {
    ($($t:ty),*) => {$(
        impl Bounded for $t {
            #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
            fn as_f64(&self) -> Option<f64> {
                Some(*self as f64)
            }
        }
    )*};
}
bounded!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);

impl<T: Bounded> Bounded for Option<T> {
    fn as_f64(&self) -> Option<f64> {
        self.as_ref().and_then(Bounded::as_f64)
    }
}

impl<T: Bounded + ?Sized> Bounded for Box<T> {
    fn as_f64(&self) -> Option<f64> {
        (**self).as_f64()
    }
}

/// Checks `value` against inclusive bounds.
///
/// ```
/// use pluck::validate::{range, Report};
///
/// let mut report = Report::new();
/// range::check(&100.0, Some(0.0), Some(1.0), &mut report);
/// assert_eq!(report.to_string(), "must be at most 1, got 100");
/// ```
pub fn check<T: Bounded + ?Sized>(value: &T, min: Option<f64>, max: Option<f64>, report: &mut Report) {
    let Some(v) = value.as_f64() else { return };
    if let Some(min) = min {
        if v < min {
            report.add("range", format!("must be at least {min}, got {v}"));
        }
    }
    if let Some(max) = max {
        if v > max {
            report.add("range", format!("must be at most {max}, got {v}"));
        }
    }
}
