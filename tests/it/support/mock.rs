//! A small HTTP/1.1 server on 127.0.0.1 that runs on the test's own runtime, so that
//! a test with paused time sees the requests at the times it sets: each request is
//! logged with the (paused) clock's instant, and answered by a closure.

use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub path: String,
    pub body: Value,
}

/// What the server answers.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(status: u16, body: &Value) -> Self {
        Answer { status, content_type: "application/json", headers: Vec::new(), body: body.to_string() }
    }

    /// A server-sent event stream of `body`.
    pub fn sse(body: String) -> Self {
        Answer { status: 200, content_type: "text/event-stream", headers: Vec::new(), body }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// The server: its address and every request it read, in order.
#[derive(Clone)]
pub struct Mock {
    pub address: SocketAddr,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl Mock {
    /// `http://127.0.0.1:port`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

type Answering = dyn Fn(usize, &Seen) -> Answer + Send + Sync;

/// Serves until the test's runtime ends; `answer` gets each request's index (from 0)
/// and the request.
pub async fn serve(answer: impl Fn(usize, &Seen) -> Answer + Send + Sync + 'static) -> Mock {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let answer: Arc<Answering> = Arc::new(answer);
    let shared = log.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(connection(socket, shared.clone(), answer.clone()));
        }
    });
    Mock { address, log }
}

/// Answers the requests of one kept-alive connection until the client hangs up.
async fn connection(mut socket: TcpStream, log: Arc<Mutex<Vec<Seen>>>, answer: Arc<Answering>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut buffer = [0u8; 16384];
    loop {
        let head_end = loop {
            if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => pending.extend_from_slice(&buffer[..n]),
            }
        };
        let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let length: usize = head
            .lines()
            .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while pending.len() < head_end + length {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => pending.extend_from_slice(&buffer[..n]),
            }
        }
        let body = serde_json::from_slice(&pending[head_end..head_end + length]).unwrap_or(Value::Null);
        pending.drain(..head_end + length);
        let seen = Seen { at: Instant::now(), path, body };
        let index = {
            let mut log = log.lock().unwrap();
            log.push(seen.clone());
            log.len() - 1
        };
        let reply = answer(index, &seen);
        let mut out = format!(
            "HTTP/1.1 {} X\r\ncontent-type: {}\r\ncontent-length: {}\r\n",
            reply.status,
            reply.content_type,
            reply.body.len()
        );
        for (name, value) in &reply.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&reply.body);
        if socket.write_all(out.as_bytes()).await.is_err() {
            return;
        }
    }
}
