//! The Gemini stream: `streamGenerateContent?alt=sse`, each event's data a whole
//! `GenerateContentResponse` carrying the next piece of text; the last one carries the
//! `finishReason` and the usage. The stream ends when the connection does.

use super::gemini::{finish_of, PromptFeedback, UsageMetadata};
use super::{Delta, StreamEvent as Event};
use crate::Error;
use serde::Deserialize;
use std::borrow::Cow;

/// The body is the same as for `generateContent`: the URL asks for the stream.
pub(crate) fn body(body: Vec<u8>) -> Vec<u8> {
    body
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Chunk<'a> {
    #[serde(default, borrow)]
    candidates: Vec<Candidate<'a>>,
    #[serde(default)]
    usage_metadata: Option<UsageMetadata>,
    #[serde(default)]
    prompt_feedback: Option<PromptFeedback>,
    /// A failure after the stream began, as `{"error": {"code", "message", "status"}}`.
    #[serde(default)]
    error: Option<ErrorCode>,
    #[serde(default, borrow)]
    response_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    model_version: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ErrorCode {
    #[serde(default)]
    code: Option<u16>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate<'a> {
    #[serde(default, borrow)]
    content: Option<Content<'a>>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(default, borrow)]
    parts: Vec<Part<'a>>,
}

#[derive(Deserialize)]
struct Part<'a> {
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    /// A thought summary, not part of the answer.
    #[serde(default)]
    thought: bool,
}

/// Reads the data of one event. An error event ends as the error its body would be as
/// an HTTP reply, its `code` the status.
pub(crate) fn event<'a>(data: &'a [u8], secret: Option<&str>) -> Result<Event<'a>, Error> {
    let chunk: Chunk<'_> = serde_json::from_slice(data)
        .map_err(|e| Error::Decode { message: "not a GenerateContentResponse".to_owned(), source: Some(e) })?;
    if let Some(error) = chunk.error {
        let status = error.code.filter(|code| (400..600).contains(code)).unwrap_or(500);
        return Err(super::stream_error(super::gemini::classify, status, data, secret));
    }
    let mut delta = Delta {
        usage: chunk.usage_metadata.map(|metadata| metadata.usage()),
        id: chunk.response_id,
        model: chunk.model_version,
        ..Delta::default()
    };
    if let Some(reason) = chunk.prompt_feedback.and_then(|f| f.block_reason) {
        delta.refusal = Some(Cow::Owned(format!("the prompt was blocked ({reason})")));
    }
    if let Some(candidate) = chunk.candidates.into_iter().next() {
        if let Some(content) = candidate.content {
            let mut parts = content.parts.into_iter().filter(|p| !p.thought).filter_map(|p| p.text);
            delta.text = match (parts.next(), parts.next()) {
                (Some(first), None) => Some(first),
                (Some(first), Some(second)) => {
                    let mut joined = first.into_owned();
                    joined.push_str(&second);
                    parts.for_each(|p| joined.push_str(&p));
                    Some(Cow::Owned(joined))
                }
                (None, _) => None,
            };
        }
        if let Some((finish, refusal)) = candidate.finish_reason.as_deref().map(finish_of) {
            delta.finish = Some(finish);
            delta.refusal = refusal.map(Cow::Owned);
        }
    }
    Ok(Event::Chunk(delta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Finish;

    #[test]
    fn chunks_are_read() {
        let Event::Chunk(first) =
            event(br#"{"candidates":[{"content":{"parts":[{"text":"{\"a\""}],"role":"model"}}]}"#, None).unwrap()
        else {
            panic!()
        };
        assert_eq!(first.text.as_deref(), Some("{\"a\""));
        assert_eq!(first.finish, None);
        let last = br#"{"candidates":[{"content":{"parts":[{"text":": 1}"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"totalTokenCount":15}}"#;
        let Event::Chunk(last) = event(last, None).unwrap() else { panic!() };
        assert_eq!(last.finish, Some(Finish::Done));
        assert_eq!(last.usage.unwrap().total_tokens, 15);
        let Event::Chunk(cut) = event(br#"{"candidates":[{"finishReason":"MAX_TOKENS"}]}"#, None).unwrap() else {
            panic!()
        };
        assert_eq!(cut.finish, Some(Finish::Length));
        let Event::Chunk(blocked) = event(br#"{"promptFeedback":{"blockReason":"SAFETY"}}"#, None).unwrap() else {
            panic!()
        };
        assert!(blocked.refusal.is_some());
    }
}
