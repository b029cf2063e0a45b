//! Tool calls a model wrote into its text instead of the API's `tool_calls`: some
//! OpenAI-compatible servers (llama-cpp-python with Qwen2.5 or Hermes templates, for
//! one) pass the model's `<tool_call>{"name": .., "arguments": ..}</tool_call>` through
//! as content. The agent reads them as the calls they are. A reply that is one bare
//! `{"name": .., "arguments": ..}` object counts only when it names one of the tools,
//! so that a final answer in JSON is not taken for a call.

use crate::ToolCall;
use serde_json::Value;

const OPEN: &str = "<tool_call>";
const CLOSE: &str = "</tool_call>";

/// The calls written in `text`, with the text around them; no calls when it holds
/// none. `known` says whether a name is one of the agent's tools.
pub(crate) fn calls_in(text: &str, known: impl Fn(&str) -> bool) -> (Vec<ToolCall>, String) {
    let mut calls = Vec::new();
    let mut rest = String::new();
    let mut tail = text;
    while let Some(at) = tail.find(OPEN) {
        rest.push_str(&tail[..at]);
        let inside = &tail[at + OPEN.len()..];
        let end = inside.find(CLOSE).unwrap_or(inside.len());
        if let Some(call) = call(inside[..end].trim(), calls.len()) {
            calls.push(call);
        }
        tail = inside.get(end + CLOSE.len()..).unwrap_or("");
    }
    rest.push_str(tail);
    if calls.is_empty() {
        if let Some(call) = call(text.trim(), 0).filter(|call| known(&call.function.name)) {
            return (vec![call], String::new());
        }
    }
    (calls, rest.trim().to_owned())
}

/// `{"name": .., "arguments": {..}}` (or `"parameters"`) as the `index`th call.
fn call(json: &str, index: usize) -> Option<ToolCall> {
    let value: Value = serde_json::from_str(json).ok()?;
    let name = value.get("name")?.as_str()?;
    let arguments = match value.get("arguments").or_else(|| value.get("parameters")) {
        Some(Value::String(text)) => text.clone(),
        Some(arguments @ Value::Object(_)) => arguments.to_string(),
        None => "{}".to_owned(),
        Some(_) => return None,
    };
    Some(ToolCall::new(format!("call_text_{}", index + 1), name, arguments))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_calls_are_read_and_the_text_around_them_kept() {
        let text = "Let me look.\n<tool_call>\n{\"name\": \"get_stock_price\", \"arguments\": {\"ticker\": \"MSFT\"}}\n</tool_call>\n<tool_call>{\"name\": \"get_company_news\", \"arguments\": {\"ticker\": \"MSFT\"}}</tool_call>";
        let (calls, rest) = calls_in(text, |_| false);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].function.name, "get_stock_price");
        assert_eq!(calls[0].function.arguments, r#"{"ticker":"MSFT"}"#);
        assert_eq!(calls[1].id, "call_text_2");
        assert_eq!(rest, "Let me look.");
    }

    #[test]
    fn a_bare_call_counts_only_for_a_known_tool() {
        let bare = r#"{"name": "get_stock_price", "parameters": {"ticker": "AAPL"}}"#;
        assert_eq!(calls_in(bare, |name| name == "get_stock_price").0.len(), 1);
        assert!(calls_in(bare, |_| false).0.is_empty());
        let answer = r#"{"name": "Microsoft", "ticker": "MSFT"}"#;
        assert!(calls_in(answer, |_| false).0.is_empty());
        assert_eq!(calls_in("MSFT is up.", |_| true), (Vec::new(), "MSFT is up.".to_owned()));
    }
}
