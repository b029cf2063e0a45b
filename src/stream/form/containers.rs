//! The forms of `Option`, `Box`, fixed arrays and `Vec`.

use super::{start_entry, Cx, Fill, Streamable};
use crate::stream::json::{Event, Seg, Text};

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
