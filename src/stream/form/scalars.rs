//! The forms of strings, numbers, booleans and characters.

use super::{whole, Cx, Fill, Streamable};
use crate::stream::json::{Event, Seg, Text};
use std::borrow::Cow;

impl Streamable for String {
    type Partial = String;
    fn from_partial(partial: &String) -> Option<Self> {
        Some(partial.clone())
    }
    fn from_finished(partial: String) -> Option<Self> {
        Some(partial)
    }
    fn lend(partial: &mut String) -> Option<Self> {
        Some(std::mem::take(partial))
    }
    fn give_back(value: &mut String, partial: &mut String) {
        std::mem::swap(value, partial);
    }
}

impl Fill for String {
    #[inline]
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        // Room for a short value, so that a growing string seldom moves: 40 bytes (the
        // room of the allocator's 48-byte blocks) hold a title or a name whole, and a
        // sentence moves twice, not three times as from 24.
        matches!((path, event), ([], Event::TextStart)).then(|| String::with_capacity(40))
    }
    #[inline]
    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        match event {
            Event::Text(text) => self.text(path, text, cx),
            _ => cx.unchanged(),
        }
    }
    #[inline]
    fn text(&mut self, path: &[Seg], text: Text<'_>, cx: &mut Cx<'_>) {
        match path {
            [] => text.push_to(self),
            _ => cx.unchanged(),
        }
    }
}

impl Streamable for Cow<'static, str> {
    type Partial = String;
    fn from_partial(partial: &String) -> Option<Self> {
        Some(Cow::Owned(partial.clone()))
    }
    fn from_finished(partial: String) -> Option<Self> {
        Some(Cow::Owned(partial))
    }
}

macro_rules! scalar {
    ($($t:ty),* $(,)?) => {$(
        impl Streamable for $t {
            type Partial = $t;
            fn from_partial(partial: &$t) -> Option<Self> {
                Some(*partial)
            }
        }

        impl Fill for $t {
            fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
                match (path, event) {
                    ([], Event::Number { raw }) => serde_json::from_str(raw).ok(),
                    _ => None,
                }
            }
            fn update(&mut self, _: &[Seg], _: Event<'_>, cx: &mut Cx<'_>) {
                cx.unchanged();
            }
        }
    )*};
}

// As serde_json reads a number in a document, to the last bit: its float parsing is
// not `str::parse`'s (without its `float_roundtrip` feature, a long decimal may land one
// bit away), and the final value is serde_json's.
scalar! {
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f64, f32,
}

impl Streamable for bool {
    type Partial = bool;
    fn from_partial(partial: &bool) -> Option<Self> {
        Some(*partial)
    }
}

impl Fill for bool {
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        match (path, event) {
            ([], Event::Bool(value)) => Some(value),
            _ => None,
        }
    }
    fn update(&mut self, _: &[Seg], _: Event<'_>, cx: &mut Cx<'_>) {
        cx.unchanged();
    }
}

impl Streamable for char {
    type Partial = char;
    fn from_partial(partial: &char) -> Option<Self> {
        Some(*partial)
    }
}

impl Fill for char {
    fn start(path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) -> Option<Self> {
        whole(path, event, cx)
    }
    fn update(&mut self, _: &[Seg], _: Event<'_>, cx: &mut Cx<'_>) {
        cx.unchanged();
    }
}
