//! [`Truncation`]: what to do with a reply cut at the token cap.

/// What an extraction does with a reply cut at the token cap (`finish_reason:
/// "length"`), set with [`ExtractRequest::on_truncation`](crate::ExtractRequest::on_truncation)
/// or [`ClientBuilder::on_truncation`](crate::ClientBuilder::on_truncation).
///
/// ```
/// use pluck::cost::Truncation;
///
/// // Once, with twice the cap, never above 8,000 tokens.
/// let policy = Truncation::RetryLarger { factor: 2, max_tokens: 8_000 };
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Truncation {
    /// End with [`Error::Truncated`](crate::Error::Truncated) (the default).
    #[default]
    Fail,
    /// Send the same request once more with the cap multiplied by `factor`, never
    /// above `max_tokens` (with no cap set, at `max_tokens`). The retry is an attempt
    /// of its own: its usage and cost are counted, its events heard, a budget checked
    /// first. A second cut, or a cap that cannot grow, ends with
    /// [`Error::Truncated`](crate::Error::Truncated). Plain requests only: a streamed
    /// reply's partial values were already shown.
    RetryLarger {
        /// What the cap is multiplied by.
        factor: u32,
        /// The largest cap.
        max_tokens: u32,
    },
}

impl Truncation {
    /// The larger cap for a retry after a reply cut at `cap`, if the policy allows one.
    pub(crate) fn larger(self, cap: Option<u32>) -> Option<u32> {
        let Truncation::RetryLarger { factor, max_tokens } = self else { return None };
        let larger = cap.map_or(max_tokens, |cap| cap.saturating_mul(factor).min(max_tokens));
        (cap.is_none_or(|cap| larger > cap)).then_some(larger)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_grows_within_its_bound() {
        let policy = Truncation::RetryLarger { factor: 2, max_tokens: 1_000 };
        assert_eq!(policy.larger(Some(300)), Some(600));
        assert_eq!(policy.larger(Some(600)), Some(1_000));
        assert_eq!(policy.larger(Some(1_000)), None);
        assert_eq!(policy.larger(None), Some(1_000));
        assert_eq!(Truncation::Fail.larger(Some(10)), None);
    }
}
