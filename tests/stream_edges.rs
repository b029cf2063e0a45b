//! Streaming at the edges of what a reply may hold: flattened fields, keys written
//! twice, wrapped roots answered bare, a reply cut during a re-ask, prose with brackets
//! before the JSON.

mod support;

use pluck::stream::{PartialReader, Streamable};
use pluck::Extract;
use schemars::JsonSchema;
use serde::Deserialize;

/// Feeds `text` to a reader in pieces of `size` bytes: the partial after each chunk that
/// changed it, and the reader.
fn partials<T>(text: &str, size: usize) -> (Vec<T::Partial>, PartialReader<T>)
where
    T: Extract + Streamable,
    T::Partial: Clone,
{
    let mut reader = PartialReader::<T>::new();
    let mut seen = Vec::new();
    for piece in text.as_bytes().chunks(size) {
        if reader.feed(piece) {
            seen.extend(reader.partial().cloned());
        }
    }
    (seen, reader)
}

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
struct Contact {
    email: String,
    phone: Option<String>,
}

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
struct Place {
    city: String,
}

#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
struct Person {
    name: String,
    #[serde(flatten)]
    contact: Contact,
    #[serde(flatten)]
    place: Place,
}

#[test]
fn flattened_fields_show_in_partials() {
    let text = r#"{"email": "ada@example.org", "name": "Ada", "city": "London", "phone": "123"}"#;
    for size in [1, 4, text.len()] {
        let (seen, reader) = partials::<Person>(text, size);
        let last = seen.last().unwrap();
        assert_eq!(last.name.as_deref(), Some("Ada"), "chunks of {size}");
        let contact = last.contact.as_ref().unwrap();
        assert_eq!(contact.email.as_deref(), Some("ada@example.org"), "chunks of {size}");
        assert_eq!(contact.phone.as_deref(), Some("123"), "chunks of {size}");
        assert_eq!(last.place.as_ref().unwrap().city.as_deref(), Some("London"), "chunks of {size}");
        // The email grows as it arrives, like any string.
        if size == 1 {
            assert!(seen.iter().any(|p| p.contact.as_ref().and_then(|c| c.email.as_deref()) == Some("ada@")));
        }
        let person = reader.finish().unwrap();
        assert_eq!(person.contact.email, "ada@example.org");
    }
    // A key that no field takes, flattened or not, changes nothing.
    let mut reader = PartialReader::<Person>::new();
    assert!(reader.feed(br#"{"name": "Ada", "#));
    assert!(!reader.feed(br#""age": 36, "#));
    assert!(reader.feed(br#""city": "L"#));
}
#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
struct Tagged {
    name: String,
    id: u32,
    tags: Vec<String>,
}

#[test]
fn a_key_written_twice_never_joins_its_two_values() {
    let text = r#"{"name": "abc", "id": 1, "tags": ["a"], "name": "x", "tags": ["b"]}"#;
    for size in [1, 2, 5, text.len()] {
        let (seen, reader) = partials::<Tagged>(text, size);
        for partial in &seen {
            let name = partial.name.as_deref().unwrap_or_default();
            assert!("abc".starts_with(name) || "x".starts_with(name), "chunks of {size}: {name:?}");
            let tags = partial.tags.as_deref().unwrap_or_default();
            assert!(tags.len() <= 1, "chunks of {size}: {tags:?}");
            let tag = tags.first().map_or("", String::as_str);
            assert!(tag.is_empty() || tag == "a" || tag == "b", "chunks of {size}: {tag:?}");
        }
        // serde refuses the repeated field; the final check says so.
        let report = reader.finish().unwrap_err();
        assert!(report.to_string().contains("duplicate field"), "{report}");
    }
}
