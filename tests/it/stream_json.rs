//! The incremental JSON reader against serde_json: any document, split anywhere, reads
//! to the same value, and every partial on the way is consistent with the final one.

use pluck::stream::json::{Lead, Reader, Status};
use pluck::stream::Cx;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Reads `chunks` into a partial `Value`, checking each partial against `whole`.
fn read(chunks: &[&[u8]], whole: &Value) -> Option<Value> {
    struct Partial(Option<Value>, pluck::stream::Checks);
    impl pluck::stream::json::Sink for Partial {
        fn event(&mut self, path: &[pluck::stream::json::Seg], event: pluck::stream::json::Event<'_>) {
            let mut cx = Cx::new(path, &mut self.1);
            pluck::stream::fill(&mut self.0, path, event, &mut cx);
        }
    }
    let mut reader = Reader::new(Lead::Strict);
    let mut partial = Partial(None, Default::default());
    for chunk in chunks {
        reader.feed(chunk, &mut partial);
        if let Some(value) = &partial.0 {
            assert!(consistent(value, whole), "partial {value} contradicts {whole}");
        }
    }
    assert_eq!(reader.finish(&mut partial), Status::Complete);
    partial.0
}

/// Whether `partial` shows nothing that `whole` contradicts: equal scalars, string
/// prefixes, arrays and objects that only need to grow.
fn consistent(partial: &Value, whole: &Value) -> bool {
    match (partial, whole) {
        (Value::String(p), Value::String(w)) => w.starts_with(p.as_str()),
        (Value::Array(p), Value::Array(w)) => p.len() <= w.len() && p.iter().zip(w).all(|(p, w)| consistent(p, w)),
        (Value::Object(p), Value::Object(w)) => {
            p.iter().all(|(k, v)| w.get(k).is_some_and(|w| consistent(v, w)))
                && p.keys().zip(w.keys()).all(|(a, b)| a == b)
        }
        (p, w) => p == w,
    }
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        (any::<f64>()).prop_filter_map("finite", Number::from_f64),
        (-1.0e-300f64..1.0e-300).prop_filter_map("finite", Number::from_f64),
        (-1.0e300f64..1.0e300).prop_filter_map("finite", Number::from_f64),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a\"\\\\/\n\t\r\u{8}\u{c}\u{1}é€😀 ]{0,12}",]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The document as written, sometimes pretty, sometimes with `\u` escapes for every
/// non-ASCII character (surrogate pairs included).
fn document() -> impl Strategy<Value = (Value, String)> {
    (value(), 0..3u8).prop_map(|(value, style)| {
        let text = match style {
            0 => serde_json::to_string(&value).unwrap(),
            1 => serde_json::to_string_pretty(&value).unwrap(),
            _ => escape_non_ascii(&serde_json::to_string(&value).unwrap()),
        };
        (value, text)
    })
}

fn escape_non_ascii(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        if ch.is_ascii() {
            out.push(ch);
        } else {
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04X}"));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_split_point_reads_the_whole((_value, text) in document()) {
        // What serde_json reads (without `float_roundtrip` it may differ from `value`
        // in the last bit of a float).
        let expected: Value = serde_json::from_str(&text).unwrap();
        let bytes = text.as_bytes();
        for split in 0..=bytes.len() {
            let got = read(&[&bytes[..split], &bytes[split..]], &expected);
            prop_assert_eq!(got.as_ref(), Some(&expected), "split at {}", split);
        }
    }

    #[test]
    fn random_chunks_read_the_whole((_value, text) in document(), sizes in prop::collection::vec(1..9usize, 1..64)) {
        // What serde_json reads (without `float_roundtrip` it may differ from `value`
        // in the last bit of a float).
        let expected: Value = serde_json::from_str(&text).unwrap();
        let bytes = text.as_bytes();
        let mut chunks = Vec::new();
        let mut at = 0;
        for size in sizes.iter().cycle() {
            if at >= bytes.len() {
                break;
            }
            let end = (at + size).min(bytes.len());
            chunks.push(&bytes[at..end]);
            at = end;
        }
        prop_assert_eq!(read(&chunks, &expected), Some(expected.clone()));
        // One byte at a time, too.
        let bytes_one: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(read(&bytes_one, &expected), Some(expected));
    }
}

/// A decimal number as a model may write it: up to 25 digits, a point anywhere, an
/// exponent sometimes.
fn decimal() -> impl Strategy<Value = String> {
    ("-?[1-9][0-9]{0,24}", any::<prop::sample::Index>(), prop::option::of(-320i32..320)).prop_map(
        |(digits, point, exponent)| {
            let mut text = digits;
            let start = usize::from(text.starts_with('-')) + 1;
            let at = start + point.index(text.len() - start + 1);
            if at < text.len() {
                text.insert(at, '.');
            }
            match exponent {
                Some(exponent) => format!("{text}e{exponent}"),
                None => text,
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// A typed float shows what serde_json reads for it in the document, to the last
    /// bit: the final value is serde_json's, and a partial must not contradict it.
    #[test]
    fn typed_floats_are_read_as_serde_json_reads_them(numbers in prop::collection::vec(decimal(), 1..8)) {
        let doc = format!("{{\"items\": [{}]}}", numbers.join(", "));
        let Ok(expected) = serde_json::from_str::<std::collections::BTreeMap<String, Vec<f64>>>(&doc) else {
            return Ok(()); // out of range for f64
        };
        let mut reader = pluck::stream::PartialReader::<Vec<f64>>::new();
        for chunk in doc.as_bytes().chunks(3) {
            reader.feed(chunk);
        }
        let shown: Vec<u64> = reader.partial().unwrap().iter().map(|v| v.to_bits()).collect();
        let read: Vec<u64> = expected["items"].iter().map(|v| v.to_bits()).collect();
        prop_assert_eq!(shown, read, "{}", doc);
        let narrow = serde_json::from_str::<std::collections::BTreeMap<String, Vec<f32>>>(&doc);
        let mut reader = pluck::stream::PartialReader::<Vec<f32>>::new();
        reader.feed(doc.as_bytes());
        if let Ok(narrow) = narrow {
            let shown: Vec<u32> = reader.partial().unwrap().iter().map(|v| v.to_bits()).collect();
            let read: Vec<u32> = narrow["items"].iter().map(|v| v.to_bits()).collect();
            prop_assert_eq!(shown, read, "{}", doc);
        }
    }
}

#[test]
fn surrogate_pairs_and_escapes_split_anywhere() {
    let text = r#"{"k\u00e9y": "a\"b\\c\/d\ud83d\ude00e\u20acf\n", "n": -12.5e-3, "t": [true, false, null]}"#;
    let expected: Value = serde_json::from_str(text).unwrap();
    let bytes = text.as_bytes();
    for split in 0..=bytes.len() {
        assert_eq!(read(&[&bytes[..split], &bytes[split..]], &expected), Some(expected.clone()), "split at {split}");
    }
}

#[test]
fn a_number_is_shown_only_once_complete() {
    let expected: Value = serde_json::from_str(r#"{"pay": 473.00}"#).unwrap();
    let mut seen = Vec::new();
    struct Record<'a>(Option<Value>, pluck::stream::Checks, &'a mut Vec<Value>);
    impl pluck::stream::json::Sink for Record<'_> {
        fn event(&mut self, path: &[pluck::stream::json::Seg], event: pluck::stream::json::Event<'_>) {
            let mut cx = Cx::new(path, &mut self.1);
            pluck::stream::fill(&mut self.0, path, event, &mut cx);
            self.2.extend(self.0.clone());
        }
    }
    let mut reader = Reader::new(Lead::Strict);
    let mut record = Record(None, Default::default(), &mut seen);
    for byte in br#"{"pay": 473.00}"#.chunks(1) {
        reader.feed(byte, &mut record);
    }
    assert!(seen.iter().all(|v| v.get("pay").is_none_or(|pay| pay == &expected["pay"])));
    assert_eq!(seen.last(), Some(&expected));
}

#[test]
fn broken_json_stops_the_reader() {
    let mut reader = Reader::new(Lead::Strict);
    struct Ignore;
    impl pluck::stream::json::Sink for Ignore {
        fn event(&mut self, _: &[pluck::stream::json::Seg], _: pluck::stream::json::Event<'_>) {}
    }
    reader.feed(br#"{"a": tru"#, &mut Ignore);
    assert_eq!(reader.status(), Status::Reading);
    reader.feed(b"x}", &mut Ignore);
    assert_eq!(reader.status(), Status::Broken { at: 9 });
}
