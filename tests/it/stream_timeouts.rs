//! Timeouts of streamed replies: the client's timeout bounds the wait for the reply
//! and between two of its chunks, never a stream that keeps sending; a bound on the
//! whole stream is a separate opt-in. Each server is a few lines of tokio on
//! 127.0.0.1 writing events at a pace.

use crate::support;

use futures::StreamExt;
use pluck::stream::Update;
use pluck::{Client, Error};
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;
use support::job::JobPostingAnalysis;
use support::raw::{paced, SSE_HEAD};
use support::valid_analysis;

/// The client's timeout in these tests; events come far more often.
const TIMEOUT: Duration = Duration::from_millis(400);

/// How often a healthy stream sends an event.
const PACE: Duration = Duration::from_millis(40);

/// The events of a reply spelling `text`, 8 characters each, then its end.
fn events(text: &str) -> Vec<Vec<u8>> {
    let chars: Vec<char> = text.chars().collect();
    let mut events: Vec<Vec<u8>> = chars
        .chunks(8)
        .map(|piece| {
            let piece: String = piece.iter().collect();
            let chunk = json!({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]});
            format!("data: {chunk}\n\n").into_bytes()
        })
        .collect();
    let end = json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
    events.push(format!("data: {end}\n\ndata: [DONE]\n\n").into_bytes());
    events
}

fn client(address: SocketAddr) -> pluck::ClientBuilder {
    support::raw::client(address).timeout(TIMEOUT)
}

/// Streams until the value or an error.
async fn outcome(client: &Client) -> Result<JobPostingAnalysis, Error> {
    let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
    while let Some(update) = updates.next().await {
        match update {
            Ok(Update::Done(done)) => return Ok(done.value),
            Ok(_) => {}
            Err(err) => return Err(err),
        }
    }
    panic!("the stream ended with neither a value nor an error");
}

#[tokio::test]
async fn a_stream_that_keeps_sending_outlives_the_timeout() {
    let events = events(&valid_analysis().to_string());
    let lasts = PACE * events.len() as u32;
    assert!(lasts > 3 * TIMEOUT, "the stream lasts {lasts:?}, several timeouts");
    let (address, server) = paced(SSE_HEAD, events.into_iter().map(|event| (PACE, event)).collect()).await;
    let value = outcome(&client(address).build().unwrap()).await.expect("the whole stream, read");
    assert_eq!(value.company_name.as_deref(), Some("TechCorp"));
    assert!(server.await.unwrap(), "every event was written");
}

#[tokio::test]
async fn a_stream_that_goes_silent_ends_in_a_timeout() {
    let mut events: Vec<_> = events(&valid_analysis().to_string()).into_iter().map(|event| (PACE, event)).collect();
    // Past the timeout, still sending; then silent for far longer than the timeout.
    let at = (3 * TIMEOUT.as_millis() / PACE.as_millis()) as usize;
    events[at].0 = Duration::from_secs(20);
    let (address, server) = paced(SSE_HEAD, events).await;
    let err = outcome(&client(address).build().unwrap()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 1 }), "{err:?}");
    server.abort();
}

#[tokio::test]
async fn a_bound_on_the_whole_stream_is_an_opt_in() {
    let events = events(&valid_analysis().to_string());
    let (address, server) = paced(SSE_HEAD, events.into_iter().map(|event| (PACE, event)).collect()).await;
    let client = client(address).stream_timeout(2 * TIMEOUT).build().unwrap();
    let err = outcome(&client).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 1 }), "{err:?}");
    assert!(!server.await.unwrap(), "the client hung up before the end");
}

#[tokio::test]
async fn a_reply_that_never_starts_ends_in_a_timeout() {
    let (address, server) = paced("", vec![(Duration::from_secs(20), SSE_HEAD.as_bytes().to_vec())]).await;
    let err = outcome(&client(address).build().unwrap()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 1 }), "{err:?}");
    server.abort();
}

/// The body of an error reply to a streamed request is read within the timeout too.
#[tokio::test]
async fn an_error_reply_whose_body_never_comes_ends_in_time() {
    let head = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n";
    let (address, server) = paced(head, vec![(Duration::from_secs(20), b"{}".to_vec())]).await;
    let outcome = tokio::time::timeout(Duration::from_secs(10), outcome(&client(address).build().unwrap())).await;
    let err = outcome.expect("an error within the timeout").unwrap_err();
    assert!(matches!(err, Error::Server { status: 503, attempts: 1, .. }), "{err:?}");
    server.abort();
}
