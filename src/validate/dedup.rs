//! `#[extract(dedup)]` and `#[extract(dedup_by(field, ignore_case))]`: normalisers that
//! drop repeated items from a list, keeping the first of each.
//!
//! They never fail: a model that lists "Python" twice has not broken a rule worth a
//! re-ask, so the repeat is removed instead. `dedup` compares whole items (`PartialEq`);
//! `dedup_by` compares one field of each item, with `ignore_case` comparing strings
//! without regard to case (as `str::to_lowercase` sees it).
//!
//! ```
//! use pluck::validate::dedup;
//!
//! let mut skills = vec!["Python".to_string(), "Rust".into(), "python".into()];
//! dedup::dedup_by(&mut skills, |s| dedup::fold_case(s));
//! assert_eq!(skills, ["Python", "Rust"]);
//! ```

/// A list that the dedup rules can shorten: `Vec<T>` or `Option<Vec<T>>`.
#[diagnostic::on_unimplemented(
    message = "`dedup` and `dedup_by` apply to lists, and `{Self}` is not a `Vec`",
    label = "`dedup` on a field of type `{Self}`"
)]
pub trait List {
    /// The type of the items.
    type Item;
    /// The list, if there is one.
    fn items_mut(&mut self) -> Option<&mut Vec<Self::Item>>;
}

impl<T> List for Vec<T> {
    type Item = T;
    fn items_mut(&mut self) -> Option<&mut Vec<T>> {
        Some(self)
    }
}

impl<T> List for Option<Vec<T>> {
    type Item = T;
    fn items_mut(&mut self) -> Option<&mut Vec<T>> {
        self.as_mut()
    }
}

/// Removes every item equal to an earlier one.
pub fn dedup<L: List>(list: &mut L)
where
    L::Item: PartialEq,
{
    let Some(items) = list.items_mut() else { return };
    let mut kept: Vec<L::Item> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    *items = kept;
}

/// Removes every item whose key equals an earlier item's key.
pub fn dedup_by<L: List, K: PartialEq>(list: &mut L, key: impl Fn(&L::Item) -> K) {
    let Some(items) = list.items_mut() else { return };
    let mut seen: Vec<K> = Vec::with_capacity(items.len());
    items.retain(|item| {
        let k = key(item);
        if seen.contains(&k) {
            false
        } else {
            seen.push(k);
            true
        }
    });
}

/// The case-folded form of a string key, for `dedup_by(field, ignore_case)`.
///
/// `Option<String>` keys fold to `None` when absent, so absent keys compare equal.
pub fn fold_case<S: FoldCase + ?Sized>(value: &S) -> Option<String> {
    value.fold_case()
}

/// A key that `ignore_case` can fold.
#[diagnostic::on_unimplemented(
    message = "`ignore_case` compares strings, and `{Self}` is not one",
    label = "`dedup_by(.., ignore_case)` on a key of type `{Self}`"
)]
pub trait FoldCase {
    /// The lower-case form, or `None` when absent.
    fn fold_case(&self) -> Option<String>;
}

impl FoldCase for str {
    fn fold_case(&self) -> Option<String> {
        Some(self.to_lowercase())
    }
}

impl FoldCase for String {
    fn fold_case(&self) -> Option<String> {
        Some(self.to_lowercase())
    }
}

impl<T: FoldCase> FoldCase for Option<T> {
    fn fold_case(&self) -> Option<String> {
        self.as_ref().and_then(FoldCase::fold_case)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_of_each() {
        let mut v = vec![3, 1, 3, 2, 1];
        dedup(&mut v);
        assert_eq!(v, [3, 1, 2]);
        let mut none: Option<Vec<i32>> = None;
        dedup(&mut none);
        assert!(none.is_none());
    }
}
