//! The Anthropic Messages stream: `"stream": true` in the body, then typed events
//! (`message_start`, `content_block_start`, `content_block_delta` with `text_delta` or
//! `input_json_delta`, `message_delta`, `message_stop`), each with its `type` in the
//! data.

use super::{Delta, StreamEvent as Event};
use crate::{Error, Usage};
use serde::Deserialize;
use std::borrow::Cow;

/// `body` (a Messages request) asking for a stream. Anthropic always streams usage.
pub(crate) fn body(mut body: Vec<u8>) -> Vec<u8> {
    debug_assert_eq!(body.last(), Some(&b'}'), "a request body is a JSON object");
    body.pop();
    body.extend_from_slice(b",\"stream\":true}");
    body
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Data<'a> {
    MessageStart {
        message: StartMessage,
    },
    ContentBlockStart {
        #[serde(borrow)]
        content_block: Block<'a>,
    },
    ContentBlockDelta {
        #[serde(borrow)]
        delta: BlockDelta<'a>,
    },
    MessageDelta {
        #[serde(default)]
        delta: MessageDelta,
        #[serde(default)]
        usage: Option<OutputUsage>,
    },
    MessageStop,
    Error {
        error: ErrorBody,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct StartMessage {
    #[serde(default)]
    usage: Option<InputUsage>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
}

#[derive(Deserialize)]
struct InputUsage {
    #[serde(default, deserialize_with = "super::count")]
    input_tokens: u64,
    /// `null` from some proxies and cloud platforms, as in a non-streamed reply.
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct OutputUsage {
    #[serde(default, deserialize_with = "super::count")]
    output_tokens: u64,
}

#[derive(Deserialize)]
struct Block<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct BlockDelta<'a> {
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    partial_json: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct MessageDelta {
    #[serde(default)]
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "type", default)]
    kind: String,
}

/// Reads the data of one event.
///
/// Usage comes in two parts: the prompt's tokens in `message_start`, the output's in
/// `message_delta`; each delta carries the part it knows, zero for the other. An
/// `error` event ends as the error its body would be as an HTTP reply, with the status
/// its type stands for.
pub(crate) fn event<'a>(data: &'a [u8], secret: Option<&str>) -> Result<Event<'a>, Error> {
    let parsed: Data<'_> = serde_json::from_slice(data)
        .map_err(|e| Error::Decode { message: "not a Messages stream event".to_owned(), source: Some(e) })?;
    read(parsed).map_err(|kind| super::stream_error(super::anthropic::classify, status_of(&kind), data, secret))
}

/// The HTTP status Anthropic answers an error `type` with.
fn status_of(kind: &str) -> u16 {
    match kind {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "overloaded_error" => 529,
        _ => 500,
    }
}

/// An event's delta, or the `type` of the error it carries.
fn read(data: Data<'_>) -> Result<Event<'_>, String> {
    let mut delta = Delta::default();
    match data {
        Data::MessageStart { message } => {
            (delta.id, delta.model) = (message.id.map(Cow::Owned), message.model.map(Cow::Owned));
            if let Some(usage) = message.usage {
                let prompt = usage.input_tokens
                    + usage.cache_creation_input_tokens.unwrap_or(0)
                    + usage.cache_read_input_tokens.unwrap_or(0);
                delta.usage = Some(Usage {
                    prompt_tokens: prompt,
                    cached_input_tokens: usage.cache_read_input_tokens.unwrap_or(0),
                    cache_write_tokens: usage.cache_creation_input_tokens.unwrap_or(0),
                    ..Usage::default()
                });
            }
        }
        Data::ContentBlockStart { content_block } if content_block.kind == "tool_use" => {
            delta.tool = Some((content_block.id.unwrap_or_default(), content_block.name.unwrap_or_default()));
        }
        Data::ContentBlockStart { .. } | Data::Other => {}
        Data::ContentBlockDelta { delta: block } => delta.text = block.partial_json.or(block.text),
        Data::MessageDelta { delta: message, usage } => {
            delta.finish = message.stop_reason.as_deref().map(super::anthropic::finish_of);
            if message.stop_reason.as_deref() == Some("refusal") {
                delta.refusal = Some(Cow::Borrowed("the model refused (stop_reason \"refusal\")"));
            }
            if let Some(usage) = usage {
                delta.usage = Some(Usage { completion_tokens: usage.output_tokens, ..Usage::default() });
            }
        }
        Data::MessageStop => return Ok(Event::Done),
        Data::Error { error } => return Err(error.kind),
    }
    Ok(Event::Chunk(delta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Finish;

    #[test]
    fn the_body_asks_for_a_stream() {
        assert_eq!(body(br#"{"model":"m"}"#.to_vec()), br#"{"model":"m","stream":true}"#);
    }

    #[test]
    fn events_are_read() {
        let Event::Chunk(start) =
            event(br#"{"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1}}}"#, None)
                .unwrap()
        else {
            panic!()
        };
        assert_eq!(start.usage.unwrap().prompt_tokens, 25);
        let Event::Chunk(tool) = event(br#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"Job","input":{}}}"#, None).unwrap() else { panic!() };
        assert_eq!(tool.tool, Some((Cow::Borrowed("toolu_1"), Cow::Borrowed("Job"))));
        let Event::Chunk(json) = event(
            br#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"#,
            None,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(json.text.as_deref(), Some("{\"a\":"));
        let Event::Chunk(end) = event(
            br#"{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":15}}"#,
            None,
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!((end.finish, end.usage.unwrap().completion_tokens), (Some(Finish::Length), 15));
        assert_eq!(event(br#"{"type":"ping"}"#, None).unwrap(), Event::Chunk(Delta::default()));
        assert_eq!(event(br#"{"type":"message_stop"}"#, None).unwrap(), Event::Done);
        let err =
            event(br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, None).unwrap_err();
        assert!(matches!(err, Error::Server { status: 529, .. }), "{err:?}");
    }

    #[test]
    fn error_events_are_the_errors_of_their_type() {
        let err = event(br#"{"type":"error","error":{"type":"rate_limit_error","message":"slow"}}"#, None).unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
        let err = event(br#"{"type":"error","error":{"type":"api_error","message":"oops"}}"#, None).unwrap_err();
        assert!(matches!(&err, Error::Server { status: 500, message, .. } if message == "oops"), "{err:?}");
    }
}
