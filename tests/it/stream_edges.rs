//! Streaming at the edges of what a reply may hold: flattened fields, keys written
//! twice, wrapped roots answered bare, a reply cut during a re-ask, prose with brackets
//! before the JSON.

use crate::support;

use crate::support::MockServer;
use futures::StreamExt;
use pluck::stream::{PartialReader, Streamable, Update};
use pluck::{Error, Extract, Mode};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use support::job::{JobPostingAnalysis, JobPostingAnalysisPartial};
use support::sse::{content_stream, content_stream_in, sse};
use support::{client, reply_once, valid_analysis};

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
#[derive(Extract, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
#[serde(tag = "kind")]
enum Shape {
    Circle { radius: f64 },
    Square { side: f64 },
}

#[test]
fn wrapped_roots_answered_bare_stream_as_the_final_parse_reads_them() {
    let text = r#"{"a": 1, "b": 2}"#;
    let (seen, reader) = partials::<HashMap<String, u32>>(text, 1);
    // The object shows from its first key on (until then it may be the wrapper).
    assert_eq!(seen.first(), Some(&HashMap::from([("a".to_owned(), 1)])));
    assert_eq!(seen.last(), Some(&HashMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)])));
    assert_eq!(reader.finish().unwrap(), HashMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)]));

    let text = r#"{"x": [1, "two"], "y": {}}"#;
    let (seen, reader) = partials::<serde_json::Value>(text, 3);
    assert!(seen.iter().any(|v| *v == json!({"x": [1]})), "{seen:?}");
    assert_eq!(seen.last(), Some(&json!({"x": [1, "two"], "y": {}})));
    assert_eq!(reader.finish().unwrap(), json!({"x": [1, "two"], "y": {}}));

    let text = r#"{"kind": "Circle", "radius": 1.5}"#;
    let (seen, reader) = partials::<Shape>(text, 4);
    assert_eq!(seen.last(), Some(&Shape::Circle { radius: 1.5 }));
    assert_eq!(reader.finish().unwrap(), Shape::Circle { radius: 1.5 });

    // A struct that travels wrapped (in an `Option`) matches its keys as ever.
    let (seen, reader) = partials::<Option<Place>>(r#"{"city": "Oslo"}"#, 5);
    assert_eq!(seen.last().and_then(|p| p.city.as_deref()), Some("Oslo"));
    assert_eq!(reader.finish().unwrap(), Some(Place { city: "Oslo".into() }));

    // An empty object is a value too.
    let (seen, _) = partials::<serde_json::Value>("{}", 1);
    assert_eq!(seen.last(), Some(&json!({})));
}

#[test]
fn wrapped_roots_still_stream_their_wrapper_s_value() {
    let (seen, reader) = partials::<HashMap<String, u32>>(r#"{"value": {"a": 1}}"#, 1);
    assert_eq!(seen.last(), Some(&HashMap::from([("a".to_owned(), 1)])));
    assert_eq!(reader.finish().unwrap(), HashMap::from([("a".to_owned(), 1)]));
    // The final parse takes the wrapper's property wherever it is; so do the partials.
    let text = r#"{"note": "here", "value": [1, 2]}"#;
    let (seen, reader) = partials::<serde_json::Value>(text, 2);
    assert_eq!(seen.last(), Some(&json!([1, 2])));
    assert_eq!(reader.finish().unwrap(), json!([1, 2]));
    // The object shown until then is gone once the wrapper's value starts, even when
    // that value shows nothing (the final parse will refuse it).
    let mut reader = PartialReader::<HashMap<String, u32>>::new();
    assert!(reader.feed(br#"{"a": 1, "value": 12"#));
    assert_eq!(reader.partial(), Some(&HashMap::from([("a".to_owned(), 1)])));
    assert!(reader.feed(b" "));
    assert_eq!(reader.partial(), None);
}

#[tokio::test]
async fn a_reply_cut_during_a_re_ask_counts_every_request_and_keeps_the_usage() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(1.5);
    reply_once(&server, sse(content_stream(&invalid.to_string(), Some("stop"), Some((100, 40)), true))).await;
    let text = valid_analysis().to_string();
    reply_once(&server, sse(content_stream(&text[..text.len() / 2], None, None, false))).await;
    let mut stream = client(&server, Mode::JsonSchema).extract_stream::<JobPostingAnalysis>("posting");
    let err = loop {
        match stream.next().await.expect("the stream ends with an error") {
            Ok(_) => {}
            Err(err) => break err,
        }
    };
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    match &err {
        Error::Connection { attempts, usage, .. } => {
            assert_eq!(*attempts, 2, "{err:?}");
            assert_eq!(usage.total_tokens, 140, "{err:?}");
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    assert_eq!(err.usage().map(|u| u.total_tokens), Some(140));
}

/// A loopback server that answers one request on each of `replies.len()` connections
/// with the bytes given, then closes the connection. It waits 10 seconds at most for
/// each connection and each request.
fn raw_server(replies: Vec<Vec<u8>>) -> (String, std::thread::JoinHandle<usize>) {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let served = std::thread::spawn(move || {
        let mut served = 0;
        for reply in replies {
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut socket = loop {
                match listener.accept() {
                    Ok((socket, _)) => break socket,
                    Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
                    Err(_) => return served,
                }
            };
            socket.set_nonblocking(false).unwrap();
            socket.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            // The request: its head, then as many bytes as its content-length says.
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = socket.read(&mut buf) {
                request.extend_from_slice(&buf[..n]);
                let Some(head) = request.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                let head_text = String::from_utf8_lossy(&request[..head]).to_ascii_lowercase();
                let length = head_text
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if request.len() >= head + 4 + length {
                    break;
                }
            }
            let _ = socket.write_all(&reply);
            served += 1;
        }
        served
    });
    (base_url, served)
}

#[tokio::test]
async fn a_re_ask_whose_connection_breaks_off_counts_every_request_and_keeps_the_usage() {
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(1.5);
    let first = content_stream(&invalid.to_string(), Some("stop"), Some((100, 40)), true);
    let first = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{first}",
        first.len()
    );
    // The second reply promises more chunks than come: its connection closes mid-body.
    let part = content_stream(&valid_analysis().to_string()[..40], None, None, false);
    let second = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{part}\r\n",
        part.len()
    );
    let (base_url, served) = raw_server(vec![first.into_bytes(), second.into_bytes()]);
    let client = pluck::Client::builder()
        .base_url(base_url)
        .api_key(support::SECRET)
        .model("test-model")
        .mode(Mode::JsonSchema)
        .retry_policy(support::fast_retries())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap();
    let mut stream = client.extract_stream::<JobPostingAnalysis>("posting");
    let mut partials = 0;
    let err = loop {
        match stream.next().await.expect("the stream ends with an error") {
            Ok(Update::Partial(progress)) => partials += usize::from(progress.attempt == 2),
            Ok(_) => {}
            Err(err) => break err,
        }
    };
    assert_eq!(served.join().unwrap(), 2);
    assert!(partials > 0, "the second reply's start was shown");
    match &err {
        Error::Connection { attempts, usage, .. } => {
            assert_eq!(*attempts, 2, "{err:?}");
            assert_eq!(usage.total_tokens, 140, "{err:?}");
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    assert!(!format!("{err:?}{err}").contains(support::SECRET));
}

fn expected_analysis() -> JobPostingAnalysis {
    let mut value: JobPostingAnalysis = serde_json::from_value(valid_analysis()).unwrap();
    pluck::validate(&mut value).unwrap();
    value
}

/// Whether `partial` shows the whole analysis (its last field included).
fn complete(partial: &JobPostingAnalysisPartial) -> bool {
    partial.job_title.as_deref() == Some("Senior Software Engineer") && partial.missing_fields.is_some()
}

#[tokio::test]
async fn prose_with_brackets_before_a_fenced_reply_streams_its_partials() {
    let json = serde_json::to_string_pretty(&valid_analysis()).unwrap();
    for prose in ["Here [is] the result:\n", "Result {draft}:\n", "I found [3] skills {and more}.\n\n"] {
        let server = MockServer::start().await;
        let text = format!("{prose}```json\n{json}\n```");
        reply_once(&server, sse(content_stream_in(&text, 3, Some("stop"), Some((10, 20)), true))).await;
        let mut stream = client(&server, Mode::MdJson).extract_stream::<JobPostingAnalysis>("posting");
        let mut seen = Vec::new();
        let done = loop {
            match stream.next().await.expect("the stream ends with its value") {
                Ok(Update::Partial(progress)) => seen.push(progress.value),
                Ok(Update::Done(done)) => break done,
                other => panic!("{prose:?}: {other:?}"),
            }
        };
        assert!(seen.len() > 20, "{prose:?}: {} partials", seen.len());
        assert!(complete(seen.last().unwrap()), "{prose:?}: {:?}", seen.last());
        assert_eq!(done.value, expected_analysis(), "{prose:?}");
    }
}

#[test]
fn a_fenced_block_wins_over_json_in_the_prose_before_it() {
    let json = valid_analysis().to_string();
    let text = format!("Like {{\"job_title\": \"draft\"}}, but filled in:\n```json\n{json}\n```\n");
    for size in [1, 3, 64, text.len()] {
        let (seen, reader) = partials::<JobPostingAnalysis>(&text, size);
        assert!(complete(seen.last().unwrap()), "chunks of {size}: {:?}", seen.last());
        assert_eq!(reader.finish().unwrap(), expected_analysis(), "chunks of {size}");
    }
}

#[test]
fn a_bracketed_aside_that_is_json_but_not_the_value_is_passed_over() {
    let json = valid_analysis().to_string();
    let text = format!("I found [3] skills: {json}");
    for size in [1, 3, text.len()] {
        let (seen, _) = partials::<JobPostingAnalysis>(&text, size);
        assert!(complete(seen.last().unwrap()), "chunks of {size}: {:?}", seen.last());
    }
}

#[test]
fn passing_over_a_candidate_never_hides_a_change() {
    let json = valid_analysis().to_string();
    let replies = [
        format!("Here [it] is {{now}}: {json}"),
        format!("[1] ```json\n{json}\n```"),
        format!("Draft {{\"job_title\": \"x\"}} then:\n```json\n{json}\n```"),
        format!("{{oops}} [[], [1, {{\"a\": [true]}}]] {json} [2]"),
    ];
    for reply in &replies {
        for size in 1..=8 {
            let mut reader = PartialReader::<JobPostingAnalysis>::new();
            let mut before = None;
            for chunk in reply.as_bytes().chunks(size) {
                let changed = reader.feed(chunk);
                let now = reader.partial().cloned();
                assert!(changed || now == before, "chunks of {size}: {chunk:?} of {reply}");
                before = now;
            }
            assert!(before.as_ref().is_some_and(complete), "chunks of {size} of {reply}: {before:?}");
        }
    }
}
