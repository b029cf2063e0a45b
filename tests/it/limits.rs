//! Bounds on what is read: a body that never ends, a body announced too long, a
//! server-sent event that never ends. Each server is a few lines of tokio on 127.0.0.1
//! that writes until the client hangs up (or a bound of its own), and says how much it
//! wrote.

use crate::support;

use futures::StreamExt;
use pluck::stream::Update;
use pluck::{Client, Error};
use std::net::SocketAddr;
use support::job::JobPostingAnalysis;
use support::raw::{client, serve_one, SSE_HEAD};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinHandle;

/// The most any server here writes: far past every limit the tests set.
const MOST: usize = 64 << 20;

/// A server answering one request with `head` and then `piece` over and over, until
/// the client hangs up or [`MOST`] bytes are written. Its task gives the body bytes
/// written.
async fn endless(head: String, piece: Vec<u8>) -> (SocketAddr, JoinHandle<usize>) {
    serve_one(move |mut socket| async move {
        if socket.write_all(head.as_bytes()).await.is_err() {
            return 0;
        }
        let mut written = 0;
        while written < MOST {
            if socket.write_all(&piece).await.is_err() {
                break;
            }
            written += piece.len();
        }
        written
    })
    .await
}

const JSON_HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";

/// Streams until the value, an error, or the end; counts the partials.
async fn stream(client: &Client) -> (usize, Result<JobPostingAnalysis, Error>) {
    let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
    let mut partials = 0;
    while let Some(update) = updates.next().await {
        match update {
            Ok(Update::Partial(_)) => partials += 1,
            Ok(Update::Done(done)) => return (partials, Ok(done.value)),
            Ok(_) => {}
            Err(err) => return (partials, Err(err)),
        }
    }
    panic!("the stream ended with neither a value nor an error");
}

#[tokio::test]
async fn an_endless_body_ends_at_the_reply_limit() {
    let head = format!("{JSON_HEAD}{{\"choices\": [");
    let (address, server) = endless(head, vec![b' '; 64 << 10]).await;
    let client = client(address).max_reply_size(1 << 20).build().unwrap();
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(err, Error::ReplyTooLarge { limit: 1_048_576 }), "{err:?}");
    let written = server.await.unwrap();
    assert!(written < MOST, "the client read on after the limit: {written} bytes written");
}

#[tokio::test]
async fn an_endless_stream_of_small_events_ends_at_the_reply_limit() {
    let event = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" \"}}]}\n\n";
    let (address, server) = endless(SSE_HEAD.to_owned(), event.repeat(1000)).await;
    let client = client(address).max_reply_size(1 << 20).build().unwrap();
    let (_, outcome) = stream(&client).await;
    let err = outcome.unwrap_err();
    assert!(matches!(err, Error::ReplyTooLarge { limit: 1_048_576 }), "{err:?}");
    assert!(server.await.unwrap() < MOST, "the client read on after the limit");
}

#[tokio::test]
async fn a_body_announced_past_the_default_limit_is_not_read() {
    let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", 10u64 << 30);
    let (address, server) = endless(head, vec![b' '; 64 << 10]).await;
    let client = client(address).build().unwrap();
    let err = client.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(err, Error::ReplyTooLarge { limit } if limit == 64 << 20), "{err:?}");
    assert!(err.to_string().contains("max_reply_size"), "{err}");
    assert!(server.await.unwrap() < MOST, "the client read the body");
}

#[tokio::test]
async fn an_endless_event_ends_at_the_event_limit() {
    let cases = [
        // One line that never ends.
        ("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"", b"a".repeat(64 << 10)),
        // Short lines, and never the blank line that ends the event.
        ("", b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n".repeat(1000)),
        // A comment that never ends.
        (": keep-alive", b" ".repeat(64 << 10)),
    ];
    for (start, piece) in cases {
        let (address, server) = endless(format!("{SSE_HEAD}{start}"), piece).await;
        let client = client(address).max_event_size(64 << 10).build().unwrap();
        let (partials, outcome) = stream(&client).await;
        let err = outcome.unwrap_err();
        assert!(matches!(err, Error::EventTooLarge { limit: 65_536 }), "{start:?}: {err:?}");
        assert_eq!(partials, 0, "{start:?}: nothing of the unfinished event was read");
        assert!(server.await.unwrap() < MOST, "{start:?}: the client read on after the limit");
    }
}
