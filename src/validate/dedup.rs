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
    if let Some(repeated) = repeats(items) {
        remove(items, &repeated);
    }
}

/// Removes every item whose key equals an earlier item's key.
pub fn dedup_by<L: List, K: PartialEq>(list: &mut L, key: impl Fn(&L::Item) -> K) {
    let Some(items) = list.items_mut() else { return };
    let keys: Vec<K> = items.iter().map(key).collect();
    if let Some(repeated) = repeats(&keys) {
        remove(items, &repeated);
    }
}

/// Removes every item whose key, compared without regard to case, equals an earlier
/// item's: `dedup_by(field, ignore_case)`. The keys borrow from the items (see
/// [`folded`]), so that ASCII keys are compared without building lower-case copies.
///
/// ```
/// use pluck::validate::dedup;
///
/// let mut skills = vec!["Python".to_string(), "Rust".into(), "PYTHON".into(), "\u{212a}otlin".into(), "kotlin".into()];
/// dedup::dedup_by_folded(&mut skills, |s| dedup::folded(s));
/// assert_eq!(skills, ["Python", "Rust", "\u{212a}otlin"]); // `K` (the Kelvin sign) lowers to `k`
/// ```
pub fn dedup_by_folded<L: List>(list: &mut L, key: impl for<'a> Fn(&'a L::Item) -> Option<Folded<'a>>) {
    let Some(items) = list.items_mut() else { return };
    let repeated = repeats(&items.iter().map(&key).collect::<Vec<_>>());
    if let Some(repeated) = repeated {
        remove(items, &repeated);
    }
}

/// Which of `keys` equal an earlier one, or `None` when none does.
fn repeats<K: PartialEq>(keys: &[K]) -> Option<Vec<bool>> {
    let repeated = |(at, key): (usize, &K)| keys[..at].contains(key);
    keys.iter().enumerate().any(repeated).then(|| keys.iter().enumerate().map(repeated).collect())
}

/// Removes the items marked in `repeated`, keeping the order of the others.
fn remove<T>(items: &mut Vec<T>, repeated: &[bool]) {
    let mut marks = repeated.iter();
    items.retain(|_| !marks.next().copied().unwrap_or(false));
}

/// A string key as `ignore_case` compares it: an ASCII string as it is (compared
/// without regard to ASCII case), any other as its lower-case form. Two keys are equal
/// when their `str::to_lowercase` forms are.
#[derive(Debug, Clone)]
pub enum Folded<'a> {
    /// An ASCII string.
    Ascii(&'a str),
    /// The lower-case form of a string that is not ASCII.
    Lower(String),
}

impl PartialEq for Folded<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Folded::Ascii(a), Folded::Ascii(b)) => a.eq_ignore_ascii_case(b),
            (Folded::Ascii(ascii), Folded::Lower(lower)) | (Folded::Lower(lower), Folded::Ascii(ascii)) => {
                ascii.len() == lower.len() && ascii.bytes().zip(lower.bytes()).all(|(a, l)| a.to_ascii_lowercase() == l)
            }
            (Folded::Lower(a), Folded::Lower(b)) => a == b,
        }
    }
}

/// The key of a string for [`dedup_by_folded`]: `None` when absent, so that absent keys
/// compare equal.
pub fn folded<S: FoldCase + ?Sized>(value: &S) -> Option<Folded<'_>> {
    value.folded()
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

    /// The key as [`dedup_by_folded`] compares it, or `None` when absent. The default
    /// is the lower-case form.
    fn folded(&self) -> Option<Folded<'_>> {
        self.fold_case().map(Folded::Lower)
    }
}

impl FoldCase for str {
    fn fold_case(&self) -> Option<String> {
        Some(self.to_lowercase())
    }
    fn folded(&self) -> Option<Folded<'_>> {
        Some(if self.is_ascii() { Folded::Ascii(self) } else { Folded::Lower(self.to_lowercase()) })
    }
}

impl FoldCase for String {
    fn fold_case(&self) -> Option<String> {
        self.as_str().fold_case()
    }
    fn folded(&self) -> Option<Folded<'_>> {
        self.as_str().folded()
    }
}

impl<T: FoldCase> FoldCase for Option<T> {
    fn fold_case(&self) -> Option<String> {
        self.as_ref().and_then(FoldCase::fold_case)
    }
    fn folded(&self) -> Option<Folded<'_>> {
        self.as_ref().and_then(FoldCase::folded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_keys_drop_what_lower_case_copies_drop() {
        let words = [
            "Python",
            "PYTHON",
            "python ",
            "Stra\u{df}e",
            "STRASSE",
            "strasse",
            "\u{212a}elvin",
            "kelvin",
            "\u{39f}\u{394}\u{39f}\u{3a3}",
            "\u{3bf}\u{3b4}\u{3bf}\u{3c2}",
            "\u{3bf}\u{3b4}\u{3bf}\u{3c3}",
            "",
            "\u{130}",
            "i\u{307}",
        ];
        // Every ordered pair, and the whole list in both orders.
        let mut lists: Vec<Vec<Option<String>>> = Vec::new();
        for a in words {
            for b in words {
                lists.push(vec![Some(a.to_owned()), Some(b.to_owned()), None, Some(a.to_owned()), None]);
            }
        }
        lists.push(words.iter().map(|w| Some(w.to_string())).collect());
        lists.push(words.iter().rev().map(|w| Some(w.to_string())).collect());
        for list in lists {
            let mut by_copies = list.clone();
            dedup_by(&mut by_copies, fold_case);
            let mut by_folded = list.clone();
            dedup_by_folded(&mut by_folded, folded);
            assert_eq!(by_folded, by_copies, "{list:?}");
        }
    }

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
