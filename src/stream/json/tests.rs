//! The reader's tests: keys decoded whole or cut by a chunk, and keys written twice.

use super::*;

#[derive(Default)]
struct Keys(Vec<String>);

impl Sink for Keys {
    fn event(&mut self, path: &[Seg], event: Event<'_>) {
        if let ([Seg::Key(key)], Event::Number { .. }) = (path, event) {
            self.0.push(key.as_str().to_owned());
        }
    }
}

#[test]
fn keys_are_utf8_whole_or_cut() {
    let doc = "{\"caf\u{e9}\": 1, \"plain\": 2, \"\u{1f600}\": 3}".as_bytes();
    for split in 0..=doc.len() {
        let mut reader = Reader::new(Lead::Strict);
        let mut keys = Keys::default();
        reader.feed(&doc[..split], &mut keys);
        reader.feed(&doc[split..], &mut keys);
        assert_eq!(reader.finish(&mut keys), Status::Complete, "split at {split}");
        assert_eq!(keys.0, ["caf\u{e9}", "plain", "\u{1f600}"], "split at {split}");
    }
    for bad in [&b"{\"a\xff\": 1}"[..], b"{\"\xc3\": 1}", b"{\"\xed\xa0\x80\": 1}"] {
        let mut reader = Reader::new(Lead::Strict);
        reader.feed(bad, &mut Keys::default());
        assert!(matches!(reader.status(), Status::Broken { .. }), "{bad:?}");
    }
}

#[derive(Default)]
struct Repeats(Vec<String>);

impl Sink for Repeats {
    fn event(&mut self, _: &[Seg], _: Event<'_>) {}
    fn repeated_key(&mut self, path: &[Seg]) {
        let steps: Vec<String> = path
            .iter()
            .map(|seg| match seg {
                Seg::Key(key) => key.as_str().to_owned(),
                Seg::Index(index) => index.to_string(),
            })
            .collect();
        self.0.push(steps.join("."));
    }
}

#[test]
fn repeated_keys_are_told_in_small_and_large_objects() {
    let object = |keys: &[String]| {
        let members: Vec<String> = keys.iter().map(|key| format!("\"{key}\": 1")).collect();
        format!("{{{}}}", members.join(", "))
    };
    let distinct: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
    let mut repeated = distinct.clone();
    repeated.insert(5, "k3".to_owned()); // while the object has few keys
    repeated.push("k40".to_owned()); // once it has many
    repeated.push(r"k\u0034".to_owned()); // `k4`, escaped
    let inner = object(&repeated);
    let doc = format!(r#"{{"a": {inner}, "b": [{}, {inner}], "a": 2}}"#, object(&distinct));
    for chunk in [1, 3, doc.len()] {
        let mut reader = Reader::new(Lead::Strict);
        let mut repeats = Repeats::default();
        for piece in doc.as_bytes().chunks(chunk) {
            reader.feed(piece, &mut repeats);
        }
        assert_eq!(reader.finish(&mut repeats), Status::Complete);
        assert_eq!(repeats.0, ["a.k3", "a.k40", "a.k4", "b.1.k3", "b.1.k40", "b.1.k4", "a"], "chunks of {chunk}");
    }
}
