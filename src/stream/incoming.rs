//! [`Incoming`]: one streamed reply arriving, server-sent events in, text out, and at
//! its end the reply as the attempt loop judges it.

use super::sse;
use crate::message::{FunctionCall, ToolCall};
use crate::provider::{Finish, Reply, StreamEvent, Wire};
use crate::transport::{self, Limits};
use crate::{Error, Usage};
use std::borrow::Cow;

/// One reply arriving: server-sent events in, text out.
pub(crate) struct Incoming {
    body: transport::Chunks,
    /// The provider's event format.
    format: &'static dyn Wire,
    decoder: sse::Decoder,
    /// Bytes of the body read so far, and the most that may be.
    read: usize,
    max_reply: usize,
    finish: Option<Finish>,
    done: bool,
    usage: Usage,
    tool: Option<(String, String)>,
    refusal: String,
    /// The reply's id and model, from the first chunk that says each.
    id: Option<String>,
    model: Option<String>,
    /// Text deltas read but not yet taken, one per event.
    pending: std::collections::VecDeque<Vec<u8>>,
}

impl Incoming {
    pub(crate) fn new(body: transport::Chunks, format: &'static dyn Wire, limits: Limits) -> Self {
        Incoming {
            body,
            format,
            decoder: sse::Decoder::new(limits.event),
            read: 0,
            max_reply: limits.reply,
            finish: None,
            done: false,
            usage: Usage::default(),
            tool: None,
            refusal: String::new(),
            id: None,
            model: None,
            pending: std::collections::VecDeque::new(),
        }
    }

    /// The next text delta: one already read, or one from the network. `Ok(None)` once
    /// the body has ended.
    pub(crate) async fn next_text(&mut self, secret: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        loop {
            if let Some(text) = self.pending.pop_front() {
                return Ok(Some(text));
            }
            if !self.read(secret).await? {
                return Ok(self.pending.pop_front());
            }
        }
    }

    /// Reads one network chunk, queueing the text deltas it carries. `Ok(false)` once
    /// the body has ended.
    async fn read(&mut self, secret: Option<&str>) -> Result<bool, Error> {
        let mut failure = None;
        let mut on_event = |data: &[u8]| {
            if failure.is_some() || self.done {
                return;
            }
            match self.format.stream_event(data, secret) {
                Ok(StreamEvent::Done) => self.done = true,
                Ok(StreamEvent::Chunk(delta)) => {
                    if let Some(piece) = delta.text.filter(|p| !p.is_empty()) {
                        self.pending.push_back(piece.as_bytes().to_vec());
                    }
                    if let Some((id, name)) = delta.tool {
                        self.tool = Some((id.into_owned(), name.into_owned()));
                    }
                    if let Some(piece) = delta.refusal {
                        self.refusal.push_str(&piece);
                    }
                    if let Some(finish) = delta.finish {
                        self.finish = Some(finish);
                    }
                    if let Some(usage) = delta.usage {
                        self.usage = merge_usage(self.usage, usage);
                    }
                    if self.id.is_none() {
                        self.id = delta.id.map(Cow::into_owned);
                    }
                    if self.model.is_none() {
                        self.model = delta.model.map(Cow::into_owned);
                    }
                }
                Err(err) => failure = Some(err),
            }
        };
        let more = match self.body.next(secret).await? {
            Some(chunk) => {
                if chunk.len() > self.max_reply - self.read {
                    return Err(Error::ReplyTooLarge { limit: self.max_reply });
                }
                self.read += chunk.len();
                self.decoder.feed(&chunk, &mut on_event)?;
                true
            }
            None => {
                self.decoder.finish(&mut on_event)?;
                // An event only comes out of `finish` without its blank line: the body
                // ended inside it, and one that does not read was cut, not malformed.
                if let Some(Error::Decode { message, source }) = failure {
                    let cause = source.map(|e| format!(": {e}")).unwrap_or_default();
                    return Err(Error::Connection {
                        message: format!("the stream ended in the middle of an event: {message}{cause}"),
                        attempts: 1,
                        usage: Usage::default(),
                    });
                }
                false
            }
        };
        match failure {
            Some(err) => Err(err),
            None => Ok(more),
        }
    }

    /// The tokens the reply used, as far as its events said.
    pub(crate) fn usage(&self) -> Usage {
        self.usage
    }

    /// Why the model stopped, as far as the reply's events said.
    pub(crate) fn finish(&self) -> Option<Finish> {
        self.finish
    }

    /// The reply's id, as far as its events said.
    pub(crate) fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The model that wrote the reply, as far as its events said.
    pub(crate) fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// After the body ended: the reply whose text was `raw`, with its refusal and
    /// finish for the attempt loop's verdict.
    ///
    /// # Errors
    /// [`Error::Connection`] (counting this request, with no usage) for a reply that
    /// ended with no finish reason and no end event: it broke off.
    pub(crate) fn reply(&self, raw: &[u8]) -> Result<Reply, Error> {
        let refusal = (!self.refusal.is_empty()).then(|| self.refusal.clone());
        let finish = match self.finish {
            Some(finish) => finish,
            None if self.done || refusal.is_some() => Finish::Done,
            None => {
                return Err(Error::Connection {
                    message: "the stream ended before the reply was finished (no finish_reason, no [DONE])".to_owned(),
                    attempts: 1,
                    usage: Usage::default(),
                })
            }
        };
        let raw = String::from_utf8_lossy(raw).into_owned();
        let (content, tool_calls) = match &self.tool {
            Some((id, name)) => (
                None,
                vec![ToolCall {
                    id: id.clone(),
                    kind: "function".to_owned(),
                    function: FunctionCall { name: name.clone(), arguments: raw },
                }],
            ),
            None => (Some(raw), Vec::new()),
        };
        Ok(Reply {
            content,
            tool_calls,
            refusal,
            finish,
            usage: self.usage,
            id: self.id.clone(),
            model: self.model.clone(),
        })
    }
}

/// Usage from a stream event over what earlier events said: a provider may report the
/// prompt's and the output's tokens in different events (Anthropic), each with zero for
/// the part it does not know.
fn merge_usage(before: Usage, event: Usage) -> Usage {
    let either = |now: u64, then: u64| if now > 0 { now } else { then };
    let prompt = either(event.prompt_tokens, before.prompt_tokens);
    let completion = either(event.completion_tokens, before.completion_tokens);
    Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: event.total_tokens.max(prompt + completion),
        cached_input_tokens: either(event.cached_input_tokens, before.cached_input_tokens),
        cache_write_tokens: either(event.cache_write_tokens, before.cache_write_tokens),
        reasoning_tokens: either(event.reasoning_tokens, before.reasoning_tokens),
    }
}
