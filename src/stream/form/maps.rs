//! The forms of maps with string keys and of `serde_json::Value`.

use super::{start_entry, Cx, Fill, Streamable};
use crate::stream::json::{Event, Seg};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// An object's partial form as a map from key to form: maps, and `Value`'s objects.
trait Entries {
    type Form: Fill;
    fn entry(&mut self, key: &str) -> Option<&mut Self::Form>;
    fn put(&mut self, key: &str, form: Self::Form);
}

/// Sends an event to the entry that `path` starts with. A key written again starts
/// its value anew (the last one wins, as serde reads maps).
fn update_entries<M: Entries>(map: &mut M, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
    let [Seg::Key(key), rest @ ..] = path else { return cx.unchanged() };
    match map.entry(key.as_str()) {
        Some(value) if !(rest.is_empty() && event.starts()) => value.update(rest, event, cx),
        _ => {
            if let Some(value) = start_entry(rest, event, cx) {
                map.put(key.as_str(), value);
            }
        }
    }
}

/// A map's value, built from its partial form entry by entry.
fn map_from_partial<'a, V, M>(entries: impl Iterator<Item = (&'a String, &'a V::Partial)>) -> Option<M>
where
    V: Streamable + 'a,
    M: FromIterator<(String, V)>,
{
    entries.map(|(key, value)| Some((key.clone(), V::from_partial(value)?))).collect()
}

/// A map's value, taken out of its finished partial form entry by entry.
fn map_from_finished<V, M>(entries: impl IntoIterator<Item = (String, V::Partial)>) -> Option<M>
where
    V: Streamable,
    M: FromIterator<(String, V)>,
{
    entries.into_iter().map(|(key, value)| Some((key, V::from_finished(value)?))).collect()
}

impl<V: Streamable, S: BuildHasher + Default> Streamable for HashMap<String, V, S> {
    type Partial = HashMap<String, V::Partial, S>;
    fn from_partial(partial: &Self::Partial) -> Option<Self> {
        map_from_partial::<V, _>(partial.iter())
    }
    fn from_finished(partial: Self::Partial) -> Option<Self> {
        map_from_finished::<V, _>(partial)
    }
}

impl<P: Fill, S: BuildHasher> Entries for HashMap<String, P, S> {
    type Form = P;
    fn entry(&mut self, key: &str) -> Option<&mut P> {
        self.get_mut(key)
    }
    fn put(&mut self, key: &str, form: P) {
        self.insert(key.to_owned(), form);
    }
}

impl<P: Fill, S: BuildHasher + Default> Fill for HashMap<String, P, S> {
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        matches!((path, event), ([], Event::Object)).then(HashMap::default)
    }
    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        update_entries(self, path, event, cx);
    }
}

impl<V: Streamable> Streamable for BTreeMap<String, V> {
    type Partial = BTreeMap<String, V::Partial>;
    fn from_partial(partial: &Self::Partial) -> Option<Self> {
        map_from_partial::<V, _>(partial.iter())
    }
    fn from_finished(partial: Self::Partial) -> Option<Self> {
        map_from_finished::<V, _>(partial)
    }
}

impl<P: Fill> Entries for BTreeMap<String, P> {
    type Form = P;
    fn entry(&mut self, key: &str) -> Option<&mut P> {
        self.get_mut(key)
    }
    fn put(&mut self, key: &str, form: P) {
        self.insert(key.to_owned(), form);
    }
}

impl<P: Fill> Fill for BTreeMap<String, P> {
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        matches!((path, event), ([], Event::Object)).then(BTreeMap::new)
    }
    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        update_entries(self, path, event, cx);
    }
}

/// A JSON value grows as it is written: objects gain keys, arrays items, strings
/// characters; numbers, booleans and `null` appear once complete.
impl Streamable for serde_json::Value {
    type Partial = serde_json::Value;
    fn from_partial(partial: &serde_json::Value) -> Option<Self> {
        Some(partial.clone())
    }
    fn from_finished(partial: serde_json::Value) -> Option<Self> {
        Some(partial)
    }
    fn is_null(partial: &serde_json::Value) -> bool {
        partial.is_null()
    }
}

impl Entries for serde_json::Map<String, serde_json::Value> {
    type Form = serde_json::Value;
    fn entry(&mut self, key: &str) -> Option<&mut serde_json::Value> {
        self.get_mut(key)
    }
    fn put(&mut self, key: &str, form: serde_json::Value) {
        self.insert(key.to_owned(), form);
    }
}

impl Fill for serde_json::Value {
    fn start(path: &[Seg], event: Event<'_>, _: &mut Cx<'_>) -> Option<Self> {
        use serde_json::Value;
        if !path.is_empty() {
            return None;
        }
        match event {
            Event::Object => Some(Value::Object(serde_json::Map::new())),
            Event::Array => Some(Value::Array(Vec::new())),
            Event::TextStart => Some(Value::String(String::new())),
            // The way serde_json reads a number inside a document (not quite the way it
            // reads a lone `Number`).
            Event::Number { raw } => serde_json::from_str::<Value>(raw).ok(),
            Event::Bool(value) => Some(Value::Bool(value)),
            Event::Null => Some(Value::Null),
            Event::Text(_) | Event::TextEnd { .. } | Event::End { .. } => None,
        }
    }

    fn update(&mut self, path: &[Seg], event: Event<'_>, cx: &mut Cx<'_>) {
        use serde_json::Value;
        match (self, path) {
            (Value::String(text), path) => text.update(path, event, cx),
            (Value::Array(items), path) => items.update(path, event, cx),
            (Value::Object(map), path) => update_entries(map, path, event, cx),
            _ => cx.unchanged(),
        }
    }
}
