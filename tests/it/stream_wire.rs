//! Event streams as servers write them: `\r\n` line ends, comments, `event:` lines,
//! data over several lines, chunks holding only usage, no `[DONE]`, and bytes split
//! anywhere, inside a line or a character. The server is a few lines of tokio on
//! 127.0.0.1 writing the stream a few bytes at a time.

use crate::support;

use futures::StreamExt;
use pluck::stream::Update;
use serde_json::json;
use std::time::Duration;
use support::job::JobPostingAnalysis;
use support::raw::{client, paced, SSE_HEAD};
use support::valid_analysis;

#[tokio::test]
async fn a_stream_in_every_form_a_server_writes_reads_whole() {
    let mut analysis = valid_analysis();
    analysis["company_name"] = json!("Café Ünïcode 😀 株式会社");
    let text = analysis.to_string();
    let chars: Vec<char> = text.chars().collect();
    let mut body = String::from(": connected\r\n\r\nevent: message\r\n");
    body.push_str(r#"data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#);
    body.push_str("\r\n\r\n");
    for (i, piece) in chars.chunks(11).enumerate() {
        let piece: String = piece.iter().collect();
        let event = json!({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]}).to_string();
        if i % 3 == 0 {
            // One event's data over two lines, joined with a line feed (JSON whitespace).
            let (head, tail) = event.split_at(event.find('[').unwrap());
            body.push_str(&format!("event: message\r\ndata: {head}\r\ndata: {tail}\r\n\r\n"));
        } else {
            body.push_str(&format!(": keep-alive\r\ndata: {event}\r\n\r\n"));
        }
    }
    body.push_str("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\n");
    body.push_str(
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":70,\"total_tokens\":100}}\r\n\r\n",
    );
    // No `[DONE]`: the finish reason says the reply is whole.
    // Five bytes a packet, a pause now and then for the client to read what came.
    let pause = |i: usize| if i % 8 == 0 { Duration::from_millis(1) } else { Duration::ZERO };
    let pieces = body.as_bytes().chunks(5).enumerate().map(|(i, piece)| (pause(i), piece.to_vec())).collect();
    let (address, server) = paced(SSE_HEAD, pieces).await;
    let mut updates = client(address).build().unwrap().extract_stream::<JobPostingAnalysis>("posting");
    let mut partials = 0;
    let done = loop {
        match updates.next().await.expect("a value before the end") {
            Ok(Update::Partial(_)) => partials += 1,
            Ok(Update::Done(done)) => break done,
            Ok(other) => panic!("{other:?}"),
            Err(err) => panic!("{err:?}"),
        }
    };
    assert!(partials > 5, "{partials} partials");
    assert_eq!(done.value.company_name.as_deref(), Some("Café Ünïcode 😀 株式会社"));
    assert_eq!((done.attempts, done.usage.total_tokens), (1, 100));
    assert!(server.await.unwrap(), "every piece was written");
}
