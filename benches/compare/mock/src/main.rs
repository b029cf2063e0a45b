//! A loopback OpenAI chat-completions server for benchmarks.
//!
//! `POST /v1/chat/completions` answers at once with a canned `JobPostingAnalysis`: as
//! content when the request asks for `response_format` (`json_schema` or
//! `json_object`) or nothing, as a tool call when it sends `tools`. In re-ask mode a
//! conversation's first request gets an invalid analysis (`overall_confidence` 100) and
//! a request that carries the feedback gets the valid one. A request carries the
//! feedback when a message other than the system prompt mentions `overall_confidence`
//! (the echoed reply or the error list) or when an assistant or tool message is present:
//! the sample posting itself never names that field.
//!
//! Control: `POST /__mode/valid`, `POST /__mode/reask`, `GET /__stats` (first and
//! follow-up request counts, as JSON), `POST /__stats/reset`.
//!
//! Usage: `mock-server [PORT]` (default 18080); prints `ready` once listening.

mod reply;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::rc::Rc;
use tokio::net::TcpListener;

#[derive(Deserialize)]
struct ChatRequest<'a> {
    #[serde(borrow)]
    model: &'a str,
    #[serde(borrow)]
    messages: Vec<ChatMessage<'a>>,
    #[serde(borrow, default)]
    tools: Option<Vec<Tool<'a>>>,
}

#[derive(Deserialize)]
struct ChatMessage<'a> {
    #[serde(borrow)]
    role: &'a str,
    #[serde(borrow, default)]
    content: Option<&'a RawValue>,
    #[serde(borrow, default)]
    tool_calls: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Tool<'a> {
    #[serde(borrow)]
    function: ToolFunction<'a>,
}

#[derive(Deserialize)]
struct ToolFunction<'a> {
    #[serde(borrow)]
    name: &'a str,
}

/// Server state; one thread, so plain cells.
struct State {
    reask: Cell<bool>,
    first: Cell<u64>,
    followup: Cell<u64>,
    valid: String,
    invalid: String,
    /// Content replies by (model, valid).
    content: RefCell<HashMap<(String, bool), Bytes>>,
    /// Tool-call replies by (model, tool, valid).
    tools: RefCell<HashMap<(String, String, bool), Bytes>>,
}

impl State {
    fn answer(&self, body: &[u8]) -> Result<Bytes, String> {
        let request: ChatRequest = serde_json::from_slice(body).map_err(|e| format!("not a chat request: {e}"))?;
        let followup = request.messages.iter().any(|m| {
            matches!(m.role, "assistant" | "tool")
                || (m.role != "system"
                    && (m.content.is_some_and(|c| c.get().contains("overall_confidence")) || m.tool_calls.is_some()))
        });
        if followup {
            self.followup.set(self.followup.get() + 1);
        } else {
            self.first.set(self.first.get() + 1);
        }
        let valid = followup || !self.reask.get();
        let text = if valid { &self.valid } else { &self.invalid };
        match request.tools.as_ref().and_then(|t| t.first()) {
            Some(tool) => {
                let key = (request.model.to_owned(), tool.function.name.to_owned(), valid);
                let mut cache = self.tools.borrow_mut();
                let bytes = cache
                    .entry(key)
                    .or_insert_with(|| Bytes::from(reply::tool_call(request.model, tool.function.name, text)));
                Ok(bytes.clone())
            }
            None => {
                let key = (request.model.to_owned(), valid);
                let mut cache = self.content.borrow_mut();
                let bytes = cache.entry(key).or_insert_with(|| Bytes::from(reply::content(request.model, text)));
                Ok(bytes.clone())
            }
        }
    }
}

fn respond(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(body))
        .expect("a static response always builds")
}

async fn handle(state: Rc<State>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return Ok(respond(StatusCode::BAD_REQUEST, Bytes::from(format!("{{\"error\":\"{e}\"}}")))),
    };
    let response = match (method, path.as_str()) {
        (Method::POST, "/v1/chat/completions" | "/chat/completions") => match state.answer(&body) {
            Ok(bytes) => respond(StatusCode::OK, bytes),
            Err(message) => {
                let error = serde_json::json!({"error": {"message": message, "type": "invalid_request_error"}});
                respond(StatusCode::BAD_REQUEST, Bytes::from(error.to_string()))
            }
        },
        (Method::POST, "/__mode/valid") => {
            state.reask.set(false);
            respond(StatusCode::OK, Bytes::from_static(b"{\"reask\":false}"))
        }
        (Method::POST, "/__mode/reask") => {
            state.reask.set(true);
            respond(StatusCode::OK, Bytes::from_static(b"{\"reask\":true}"))
        }
        (Method::GET, "/__stats") => {
            let stats = serde_json::json!({"first": state.first.get(), "followup": state.followup.get(), "reask": state.reask.get()});
            respond(StatusCode::OK, Bytes::from(stats.to_string()))
        }
        (Method::POST, "/__stats/reset") => {
            state.first.set(0);
            state.followup.set(0);
            respond(StatusCode::OK, Bytes::from_static(b"{}"))
        }
        _ => respond(StatusCode::NOT_FOUND, Bytes::from_static(b"{\"error\":\"not found\"}")),
    };
    Ok(response)
}

fn main() {
    let port: u16 = std::env::args().nth(1).map_or(18080, |p| p.parse().expect("PORT is a number"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("the port is free");
        let state = Rc::new(State {
            reask: Cell::new(false),
            first: Cell::new(0),
            followup: Cell::new(0),
            valid: reply::analysis(0.92),
            invalid: reply::analysis(100.0),
            content: RefCell::new(HashMap::new()),
            tools: RefCell::new(HashMap::new()),
        });
        println!("ready");
        std::io::stdout().flush().ok();
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            stream.set_nodelay(true).ok();
            let state = state.clone();
            tokio::task::spawn_local(async move {
                let service = service_fn(move |request| handle(state.clone(), request));
                let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
}
