//! Streaming over server-sent events (wiremock), partial forms of the blog's types, and
//! list items one by one.

use crate::support;

use crate::support::MockServer;
use futures::StreamExt;
use pluck::stream::{ItemError, PartialReader, StreamOptions, Update};
use pluck::{Error, Mode};
use serde_json::{json, Value};
use std::sync::Arc;
use support::job::{ExperienceLevel, JobCategory, JobPostingAnalysis, Skill};
use support::sse::{content_stream, sse, tool_stream};
use support::{bodies, client, reply_once, valid_analysis};

/// Runs a stream to its end: the partials seen, and how it ended.
async fn drain(
    mut stream: pluck::stream::PartialStream<JobPostingAnalysis>,
) -> (
    Vec<pluck::stream::Progress<support::job::JobPostingAnalysisPartial>>,
    Vec<u32>,
    Result<pluck::Extracted<JobPostingAnalysis>, Error>,
) {
    let mut partials = Vec::new();
    let mut retries = Vec::new();
    while let Some(update) = stream.next().await {
        match update {
            Ok(Update::Partial(progress)) => partials.push(progress),
            Ok(Update::Retry { attempt, .. }) => retries.push(attempt),
            Ok(Update::Done(done)) => {
                assert!(stream.next().await.is_none(), "the stream ends after its value");
                return (partials, retries, Ok(done));
            }
            Ok(_) => unreachable!("no other update"),
            Err(err) => {
                assert!(stream.next().await.is_none(), "the stream ends after its error");
                return (partials, retries, Err(err));
            }
        }
    }
    panic!("the stream ended with neither a value nor an error");
}

fn expected_analysis() -> JobPostingAnalysis {
    let mut value: JobPostingAnalysis = serde_json::from_value(valid_analysis()).unwrap();
    pluck::validate(&mut value).unwrap();
    value
}

#[tokio::test]
async fn json_schema_mode_streams_content_deltas_with_usage() {
    let server = MockServer::start().await;
    let text = valid_analysis().to_string();
    reply_once(&server, sse(content_stream(&text, Some("stop"), Some((100, 40)), true))).await;

    let client = client(&server, Mode::JsonSchema);
    let (partials, retries, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let done = done.unwrap();
    assert_eq!(done.value, expected_analysis());
    assert_eq!((done.usage.prompt_tokens, done.usage.completion_tokens, done.usage.total_tokens), (100, 40, 140));
    assert_eq!(done.attempts, 1);
    assert!(retries.is_empty());

    assert!(partials.len() > 10, "{} partials", partials.len());
    // Strings grow as prefixes; the title shows before the reply ends.
    let titles: Vec<String> = partials.iter().filter_map(|p| p.value.job_title.clone()).collect();
    assert!(titles.iter().any(|t| t.len() < "Senior Software Engineer".len()));
    assert!(titles.iter().all(|t| "Senior Software Engineer".starts_with(t.as_str())));
    // Scalars and enums never show a value other than the final one.
    for progress in &partials {
        let value = &progress.value;
        assert!(value.overall_confidence.is_none_or(|c| c == 0.85));
        assert!(value.experience_level.is_none_or(|l| l == ExperienceLevel::Senior));
        if let Some(salary) = &value.salary {
            assert!(salary.min_amount.is_none_or(|m| m == 150000.0));
        }
        assert!(progress.violations.is_empty());
        assert_eq!(progress.attempt, 1);
    }

    let body = &bodies(&server).await[0];
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(body["response_format"]["type"], "json_schema");
}

#[tokio::test]
async fn partials_share_the_form_and_kept_ones_keep_what_they_showed() {
    let server = MockServer::start().await;
    let text = valid_analysis().to_string();
    reply_once(&server, sse(content_stream(&text, Some("stop"), None, true))).await;

    let client = client(&server, Mode::JsonSchema);
    let mut stream = client.extract_stream::<JobPostingAnalysis>("posting");
    // Every third partial is kept; the others are dropped before the next one comes.
    // Once the title is complete its text stays where it is, unless the reader had to
    // copy the form because a kept partial still held it.
    let mut kept = Vec::new();
    let (mut shared, mut copied) = (0, 0);
    let mut last: Option<(usize, bool)> = None;
    let mut seen = 0;
    while let Some(update) = stream.next().await {
        let Update::Partial(progress) = update.unwrap() else { continue };
        seen += 1;
        if progress.value.company_name.is_none() {
            continue; // the title may still grow
        }
        let at = progress.value.job_title.as_ref().expect("the title comes first").as_ptr() as usize;
        if let Some((before, was_kept)) = last {
            if was_kept {
                assert_ne!(at, before, "partial {seen}");
                copied += 1;
            } else {
                assert_eq!(at, before, "partial {seen}");
                shared += 1;
            }
        }
        let keep = seen % 3 == 0;
        last = Some((at, keep));
        if keep {
            kept.push(((*progress.value).clone(), progress.value));
        }
    }
    assert!(shared > 10 && copied > 5, "{shared} shared, {copied} copied");
    // What each kept partial showed when it came is what it shows now.
    for (snapshot, value) in &kept {
        assert_eq!(snapshot, &**value);
    }
    // And they show the reply growing.
    assert!(kept.windows(2).all(|pair| pair[0].0 != pair[1].0));
}

#[tokio::test]
async fn tools_mode_streams_argument_deltas() {
    let server = MockServer::start().await;
    let arguments = valid_analysis().to_string();
    reply_once(&server, sse(tool_stream("JobPostingAnalysis", &arguments, (90, 50)))).await;

    let client = client(&server, Mode::Tools);
    let (partials, _, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let done = done.unwrap();
    assert_eq!(done.value, expected_analysis());
    assert_eq!(done.usage.total_tokens, 140);
    let skills: Vec<usize> = partials.iter().map(|p| p.value.skills.as_ref().map_or(0, Vec::len)).collect();
    assert!(skills.windows(2).all(|w| w[0] <= w[1]), "lists only grow: {skills:?}");
    assert!(skills.contains(&1) && skills.contains(&3));
    assert_eq!(bodies(&server).await[0]["tool_choice"]["function"]["name"], "JobPostingAnalysis");
}

#[tokio::test]
async fn json_mode_streams() {
    let server = MockServer::start().await;
    reply_once(&server, sse(content_stream(&valid_analysis().to_string(), Some("stop"), None, true))).await;
    let client = client(&server, Mode::Json);
    let (partials, _, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert_eq!(done.unwrap().value, expected_analysis());
    assert!(!partials.is_empty());
}

#[tokio::test]
async fn md_json_mode_skips_the_fence_as_it_streams() {
    let server = MockServer::start().await;
    let text = format!(
        "Here it is:\n```json\n{}\n```\nAnything else?",
        serde_json::to_string_pretty(&valid_analysis()).unwrap()
    );
    reply_once(&server, sse(content_stream(&text, Some("stop"), None, true))).await;
    let client = client(&server, Mode::MdJson);
    let (partials, _, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert_eq!(done.unwrap().value, expected_analysis());
    assert!(partials.iter().any(|p| p.value.company_name.as_deref() == Some("TechCorp")));
}

#[tokio::test]
async fn llama_cpp_mode_does_not_ask_for_usage_and_reads_none() {
    let server = MockServer::start().await;
    reply_once(&server, sse(content_stream(&valid_analysis().to_string(), Some("stop"), None, true))).await;
    let client = client(&server, Mode::JsonObjectSchema);
    let (_, _, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let done = done.unwrap();
    assert_eq!(done.usage.total_tokens, 0);
    let body = &bodies(&server).await[0];
    assert_eq!(body["stream"], true);
    assert!(body.get("stream_options").is_none(), "{body}");
}

#[tokio::test]
async fn usage_can_be_turned_off() {
    let server = MockServer::start().await;
    reply_once(&server, sse(content_stream(&valid_analysis().to_string(), Some("stop"), None, true))).await;
    let client = client(&server, Mode::JsonSchema);
    let stream = client
        .request::<JobPostingAnalysis>()
        .user("posting")
        .stream_with(StreamOptions::default().include_usage(false));
    drain(stream).await.2.unwrap();
    assert!(bodies(&server).await[0].get("stream_options").is_none());
}

#[tokio::test]
async fn a_stream_cut_mid_object_is_an_error_never_a_value() {
    let server = MockServer::start().await;
    let text = valid_analysis().to_string();
    let cut = &text[..text.len() / 2];
    reply_once(&server, sse(content_stream(cut, None, None, false))).await;
    let client = client(&server, Mode::JsonSchema);
    let (partials, _, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert!(!partials.is_empty());
    match done {
        Err(Error::Connection { message, .. }) => assert!(message.contains("ended before"), "{message}"),
        other => panic!("expected a connection error, got {other:?}"),
    }
}

/// A body that ends inside an event (the connection closed mid-event) is a cut
/// stream like any other, not a reply the client failed to read.
#[tokio::test]
async fn a_stream_closed_in_the_middle_of_an_event_is_a_connection_error() {
    let server = MockServer::start().await;
    let text = valid_analysis().to_string();
    let mut body = content_stream(&text[..text.len() / 2], None, None, false);
    body.push_str(r#"data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Pyt"#);
    reply_once(&server, sse(body)).await;
    let client = client(&server, Mode::JsonSchema);
    let (partials, retries, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert!(!partials.is_empty() && retries.is_empty());
    assert!(matches!(&done, Err(Error::Connection { attempts: 1, .. })), "{done:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// Two JSON values in one reply are refused as they are when not streamed: the model is
/// told, and asked again.
#[tokio::test]
async fn a_streamed_reply_holding_two_values_is_re_asked() {
    let server = MockServer::start().await;
    let text = valid_analysis().to_string();
    let two = format!("{text}\n{text}");
    reply_once(&server, sse(content_stream(&two, Some("stop"), Some((100, 40)), true))).await;
    reply_once(&server, sse(content_stream(&text, Some("stop"), Some((100, 40)), true))).await;
    let client = client(&server, Mode::JsonSchema);
    let (_, retries, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert_eq!(done.expect("valid on the second reply").attempts, 2);
    assert_eq!(retries, [1]);
    let requests = bodies(&server).await;
    let feedback = requests[1]["messages"].as_array().unwrap().last().unwrap()["content"].as_str().unwrap().to_owned();
    assert!(feedback.contains("trailing characters"), "{feedback}");
}

#[tokio::test]
async fn finish_reason_length_is_truncated() {
    let server = MockServer::start().await;
    let text = valid_analysis().to_string();
    let cut = &text[..text.len() / 2];
    reply_once(&server, sse(content_stream(cut, Some("length"), Some((10, 20)), true))).await;
    let client = client(&server, Mode::JsonSchema);
    match drain(client.extract_stream::<JobPostingAnalysis>("posting")).await.2 {
        Err(Error::Truncated { raw, usage }) => {
            assert_eq!(raw, cut);
            assert_eq!(usage.completion_tokens, 20);
        }
        other => panic!("expected Truncated, got {other:?}"),
    }
}

#[tokio::test]
async fn an_invalid_streamed_value_is_re_asked_and_streamed_again() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(1.5);
    invalid["categories"][0]["confidence"] = json!(2.0);
    reply_once(&server, sse(content_stream(&invalid.to_string(), Some("stop"), Some((100, 40)), true))).await;
    reply_once(&server, sse(content_stream(&valid_analysis().to_string(), Some("stop"), Some((150, 40)), true))).await;

    let client = client(&server, Mode::JsonSchema);
    let (partials, retries, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    let done = done.unwrap();
    assert_eq!(done.attempts, 2);
    assert_eq!(done.usage.total_tokens, 140 + 190);
    assert_eq!(retries, [1]);
    // The category's broken rule is known while the first reply is still arriving.
    let early = partials
        .iter()
        .find(|p| p.attempt == 1 && !p.violations.is_empty())
        .expect("an early violation in the first attempt");
    assert!(early.value.overall_confidence.is_none(), "found before the end of the reply");
    assert_eq!(early.violations.to_string(), "categories[0].confidence: must be at most 1, got 2");
    // The partials share the report rather than copying it: one report before the rule
    // broke (still empty in the partials that hold it), one after.
    let first: Vec<_> = partials.iter().filter(|p| p.attempt == 1).collect();
    let mut reports: Vec<*const pluck::validate::Report> = first.iter().map(|p| Arc::as_ptr(&p.violations)).collect();
    reports.dedup();
    assert_eq!(reports.len(), 2, "{} partials", first.len());
    assert!(first.iter().take_while(|p| p.violations.is_empty()).count() > 5);
    // The second attempt starts over from nothing.
    let second: Vec<_> = partials.iter().filter(|p| p.attempt == 2).collect();
    assert!(!second.is_empty());
    assert!(second.iter().all(|p| p.violations.is_empty()));

    let requests = bodies(&server).await;
    let feedback = requests[1]["messages"].as_array().unwrap().last().unwrap()["content"].as_str().unwrap().to_owned();
    assert!(feedback.contains("overall_confidence: must be at most 1, got 1.5"), "{feedback}");
    assert!(feedback.contains("categories[0].confidence"), "{feedback}");
}

#[tokio::test]
async fn re_asks_end_with_validation_exhausted() {
    let server = MockServer::start().await;
    let mut invalid = valid_analysis();
    invalid["overall_confidence"] = json!(1.5);
    support::reply_always(&server, sse(content_stream(&invalid.to_string(), Some("stop"), Some((10, 10)), true))).await;
    let client = client(&server, Mode::JsonSchema);
    let stream = client.request::<JobPostingAnalysis>().user("posting").max_retries(1).stream();
    let (_, retries, done) = drain(stream).await;
    assert_eq!(retries, [1]);
    match done {
        Err(Error::ValidationExhausted(exhausted)) => {
            assert_eq!(exhausted.attempts().len(), 2);
            assert_eq!(exhausted.usage().total_tokens, 40);
        }
        other => panic!("expected ValidationExhausted, got {other:?}"),
    }
}

#[tokio::test]
async fn extract_iter_yields_items_and_reports_the_invalid_one() {
    let server = MockServer::start().await;
    let text = json!({"items": [
        {"label": "engineering", "confidence": 0.9, "evidence": "title"},
        {"label": "data", "confidence": 1.7, "evidence": "pipelines"},
        {"label": "product", "confidence": 0.2, "evidence": "roadmap"}
    ]})
    .to_string();
    reply_once(&server, sse(content_stream(&text, Some("stop"), Some((30, 60)), true))).await;
    let client = client(&server, Mode::JsonSchema);
    let mut items = client.extract_items::<JobCategory>("posting");
    let mut seen = Vec::new();
    while let Some(item) = items.next().await {
        seen.push(item);
    }
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].as_ref().unwrap().evidence, "title");
    match &seen[1] {
        Err(ItemError::Invalid { index, report, raw }) => {
            assert_eq!(*index, 1);
            assert_eq!(report.to_string(), "confidence: must be at most 1, got 1.7");
            assert!(raw.contains("pipelines"));
        }
        other => panic!("expected an invalid item, got {other:?}"),
    }
    assert_eq!(seen[2].as_ref().unwrap().evidence, "roadmap");
    assert_eq!(items.usage().total_tokens, 90);
    let body = &bodies(&server).await[0];
    assert_eq!(body["response_format"]["json_schema"]["schema"]["required"][0], "items");
}

#[tokio::test]
async fn extract_iter_ends_with_the_error_of_a_cut_stream() {
    let server = MockServer::start().await;
    let text = r#"{"items": [{"name": "Python", "is_required": true}, {"name": "Kube"#;
    reply_once(&server, sse(content_stream(text, None, None, false))).await;
    let client = client(&server, Mode::JsonSchema);
    let seen: Vec<_> = client.extract_items::<Skill>("posting").collect().await;
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].as_ref().unwrap().name, "Python");
    assert!(matches!(&seen[1], Err(ItemError::Failed(Error::Connection { .. }))), "{:?}", seen[1]);
}

/// A second list after the first is not dropped unread: the stream ends with the
/// reply refused, as a reply not streamed is.
#[tokio::test]
async fn extract_iter_refuses_a_reply_holding_two_lists() {
    let server = MockServer::start().await;
    let first = r#"{"items": [{"name": "Python", "is_required": true}]}"#;
    let text = format!("{first}\n{{\"items\": [{{\"name\": \"Rust\", \"is_required\": true}}]}}");
    reply_once(&server, sse(content_stream(&text, Some("stop"), None, true))).await;
    let client = client(&server, Mode::JsonSchema);
    let seen: Vec<_> = client.extract_items::<Skill>("posting").collect().await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].as_ref().unwrap().name, "Python");
    assert!(matches!(&seen[1], Err(ItemError::Malformed { raw, .. }) if *raw == text), "{:?}", seen[1]);
}

#[test]
fn partial_forms_fill_in_one_byte_at_a_time() {
    let text = serde_json::to_string_pretty(&valid_analysis()).unwrap();
    let mut reader = PartialReader::<JobPostingAnalysis>::new();
    let mut snapshots = Vec::new();
    for byte in text.as_bytes().chunks(1) {
        if reader.feed(byte) {
            snapshots.push(reader.partial().cloned().unwrap());
        }
    }
    let last = snapshots.last().unwrap();
    assert_eq!(last.job_title.as_deref(), Some("Senior Software Engineer"));
    assert_eq!(last.salary.as_ref().and_then(|s| s.currency.as_deref()), Some("USD"));
    assert_eq!(last.categories.as_ref().unwrap()[0].label, Some(support::job::CategoryLabel::Engineering));
    // 0.85 is never shown as 0 or 0.8.
    assert!(snapshots.iter().all(|s| s.overall_confidence.is_none_or(|c| c == 0.85)));
    assert_eq!(reader.finish().unwrap(), expected_analysis());
}

/// A field of a type without a partial form, marked `whole`.
#[derive(pluck::Extract, serde::Deserialize, schemars::JsonSchema, Debug, Clone, PartialEq)]
struct Span {
    label: String,
    #[extract(whole)]
    range: (u32, u32),
}

#[test]
fn whole_fields_show_once_complete() {
    let mut reader = PartialReader::<Span>::new();
    reader.feed(br#"{"label": "ab", "range": [1, 2"#);
    let partial: &SpanPartial = reader.partial().unwrap();
    assert_eq!(partial.label.as_deref(), Some("ab"));
    assert_eq!(partial.range, None);
    reader.feed(b"]}");
    assert_eq!(reader.partial().unwrap().range.as_deref(), Some(&(1, 2)));
    assert_eq!(reader.finish().unwrap(), Span { label: "ab".into(), range: (1, 2) });
}

/// A list that holds itself through `Box`.
#[derive(pluck::Extract, serde::Deserialize, schemars::JsonSchema, Debug, Clone, PartialEq)]
struct Node {
    #[extract(range(max = 10))]
    value: u32,
    next: Option<Box<Node>>,
}

#[test]
fn recursion_through_box_streams() {
    let mut reader = PartialReader::<Node>::new();
    reader.feed(br#"{"value": 1, "next": {"value": 2, "next": {"val"#);
    let partial: &NodePartial = reader.partial().unwrap();
    let second: &NodePartial = partial.next.as_deref().unwrap();
    assert_eq!((partial.value, second.value), (Some(1), Some(2)));
    assert_eq!(second.next.as_ref().unwrap().value, None);
    reader.feed(br#"ue": 30, "next": null}}}"#);
    assert_eq!(reader.violations().to_string(), "next.next.value: must be at most 10, got 30");
    let report = reader.finish().unwrap_err();
    assert_eq!(report.to_string(), "next.next.value: must be at most 10, got 30");

    let mut reader = PartialReader::<Node>::new();
    reader.feed(br#"{"value": 1, "next": {"value": 2, "next": null}}"#);
    let last = Node { value: 2, next: None };
    assert_eq!(reader.finish().unwrap(), Node { value: 1, next: Some(Box::new(last)) });
}

/// A fixed array streams as a list; a tuple needs `whole`.
#[derive(pluck::Extract, serde::Deserialize, schemars::JsonSchema, Debug, Clone, PartialEq)]
struct Rgb {
    color: [u8; 3],
}

#[test]
fn fixed_arrays_stream_as_lists() {
    let mut reader = PartialReader::<Rgb>::new();
    reader.feed(br#"{"color": [1, 2,"#);
    assert_eq!(reader.partial().unwrap().color.as_deref(), Some(&[1, 2][..]));
    reader.feed(br#" 3]}"#);
    assert_eq!(reader.finish().unwrap(), Rgb { color: [1, 2, 3] });
    let mut reader = PartialReader::<Rgb>::new();
    reader.feed(br#"{"color": [1, 2]}"#);
    assert!(reader.finish().is_err(), "two bytes are no [u8; 3]");
}

#[tokio::test]
async fn error_chunks_are_classified_as_http_errors_are() {
    let server = MockServer::start().await;
    let cut = |error: Value| {
        let mut body = content_stream(&valid_analysis().to_string(), None, None, false);
        body.truncate(body.find("\n\n").unwrap() + 2);
        body.push_str(&format!("data: {}\n\n", json!({"error": error})));
        sse(body)
    };
    let server_error = json!({"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error", "param": null, "code": null});
    reply_once(&server, cut(server_error)).await;
    let limited = json!({"message": "Rate limit reached for gpt-4o-mini on tokens per min (TPM).", "type": "tokens", "param": null, "code": "rate_limit_exceeded"});
    reply_once(&server, cut(limited)).await;
    let llama = json!({"code": 500, "message": "the model crashed", "type": "server_error"});
    reply_once(&server, cut(llama)).await;
    let client = client(&server, Mode::JsonSchema);
    let (_, _, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert!(
        matches!(&done, Err(Error::Server { status: 500, message, .. }) if message.starts_with("The server had")),
        "{done:?}"
    );
    let (_, _, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert!(matches!(&done, Err(Error::RateLimited { .. })), "{done:?}");
    let (_, _, done) = drain(client.extract_stream::<JobPostingAnalysis>("posting")).await;
    assert!(
        matches!(&done, Err(Error::Server { status: 500, message, .. }) if message == "the model crashed"),
        "{done:?}"
    );
}

/// A list that names itself `Self`, as serde allows.
#[derive(pluck::Extract, serde::Deserialize, schemars::JsonSchema, Debug, Clone, PartialEq)]
struct SelfNode {
    #[extract(range(max = 10))]
    value: u32,
    next: Option<Box<Self>>,
    children: Vec<Self>,
}

#[test]
fn recursion_through_self_streams_as_through_the_type_name() {
    let mut reader = PartialReader::<SelfNode>::new();
    reader.feed(br#"{"value": 1, "next": {"value": 2, "next": null, "children": []}, "children": [{"value": 30, "#);
    let partial: &SelfNodePartial = reader.partial().unwrap();
    assert_eq!(partial.next.as_deref().unwrap().value, Some(2));
    reader.feed(br#""next": null, "children": []}]}"#);
    let report = reader.finish().unwrap_err();
    assert_eq!(report.to_string(), "children[0].value: must be at most 10, got 30");
}
