//! Raw HTTP on 127.0.0.1 for the tests wiremock cannot serve: bodies written slowly,
//! without end, or cut short.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The head of a streamed reply: no length, the end of the body is the connection's.
pub const SSE_HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

/// A client of the server at `address`, with no retries and a 30 s timeout.
pub fn client(address: SocketAddr) -> pluck::ClientBuilder {
    pluck::Client::builder()
        .base_url(format!("http://{address}/v1"))
        .api_key(super::SECRET)
        .model("test-model")
        .retry_policy(pluck::RetryPolicy::none())
        .timeout(Duration::from_secs(30))
}

/// A server answering one request: `answer` writes to the socket once the request is
/// read. Its task gives what `answer` returns, within a minute.
pub async fn serve_one<F, Fut, R>(answer: F) -> (SocketAddr, JoinHandle<R>)
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = R> + Send,
    R: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let serve = async {
            let (mut socket, _) = listener.accept().await.unwrap();
            read_request(&mut socket).await;
            answer(socket).await
        };
        tokio::time::timeout(Duration::from_secs(60), serve).await.expect("the server finished within a minute")
    });
    (address, task)
}

/// A server answering one request with `head`, then each piece of `body` after its
/// pause, then hanging up. It stops early when the client hangs up; its task says
/// whether every piece was written.
pub async fn paced(head: &'static str, body: Vec<(Duration, Vec<u8>)>) -> (SocketAddr, JoinHandle<bool>) {
    serve_one(move |mut socket| async move {
        // Each piece in a packet of its own.
        socket.set_nodelay(true).unwrap();
        if socket.write_all(head.as_bytes()).await.is_err() {
            return false;
        }
        for (pause, piece) in body {
            tokio::time::sleep(pause).await;
            if socket.write_all(&piece).await.is_err() || socket.flush().await.is_err() {
                return false;
            }
        }
        true
    })
    .await
}

/// Reads one request: its head, then as many bytes as its `content-length` says.
pub async fn read_request(socket: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 8192];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
    }
    let end = seen.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut left = length.saturating_sub(seen.len() - end);
    while left > 0 {
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}
