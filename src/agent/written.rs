//! Tool calls a model wrote into its text instead of the API's `tool_calls`: some
//! OpenAI-compatible servers (llama-cpp-python with Qwen2.5 or Hermes templates, for
//! one) pass the model's `<tool_call>{"name": .., "arguments": ..}</tool_call>` through
//! as content. The agent reads them as the calls they are. A reply that is one bare
//! `{"name": .., "arguments": ..}` object, or one such object in a Markdown fence (as
//! Qwen2.5-Coder 1.5B writes it through llama-cpp-python), counts only when it names
//! one of the tools, so that a final answer in JSON is not taken for a call.

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
        if let Some(call) = call(inside[..end].trim()) {
            calls.push(call);
        }
        tail = inside.get(end + CLOSE.len()..).unwrap_or("");
    }
    rest.push_str(tail);
    if calls.is_empty() {
        if let Some(call) = call(text.trim()).filter(|call| known(&call.function.name)) {
            return (vec![call], String::new());
        }
        if let Some((call, rest)) = fenced_call(text, &known) {
            return (vec![call], rest);
        }
    }
    (calls, rest.trim().to_owned())
}

/// The first Markdown-fenced block of `text` that is a call of a known tool, with the
/// text around it.
fn fenced_call(text: &str, known: &impl Fn(&str) -> bool) -> Option<(ToolCall, String)> {
    let mut from = 0;
    while let Some(open) = text[from..].find("```").map(|at| from + at) {
        let body_start = text[open + 3..].find('\n').map(|at| open + 3 + at + 1)?;
        let close = text[body_start..].find("```").map(|at| body_start + at)?;
        if let Some(call) = call(text[body_start..close].trim()).filter(|call| known(&call.function.name)) {
            let rest = format!("{}{}", &text[..open], &text[close + 3..]);
            return Some((call, rest.trim().to_owned()));
        }
        from = close + 3;
    }
    None
}

/// `{"name": .., "arguments": {..}}` (or `"parameters"`) as a call without an id: the
/// loop gives it one that no other turn's call has.
fn call(json: &str) -> Option<ToolCall> {
    let value: Value = serde_json::from_str(json).ok()?;
    let name = value.get("name")?.as_str()?;
    let arguments = match value.get("arguments").or_else(|| value.get("parameters")) {
        Some(Value::String(text)) => text.clone(),
        Some(arguments @ Value::Object(_)) => arguments.to_string(),
        None => "{}".to_owned(),
        Some(_) => return None,
    };
    Some(ToolCall::new(String::new(), name, arguments))
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
        assert!(calls.iter().all(|call| call.id.is_empty()), "the loop names them");
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

    /// What Qwen2.5-Coder 1.5B wrote through llama-cpp-python for a price question.
    #[test]
    fn a_fenced_call_counts_for_a_known_tool() {
        let fenced =
            "```json\n{\n  \"name\": \"get_stock_price\",\n  \"arguments\": {\n    \"ticker\": \"MSFT\"\n  }\n}\n```";
        let (calls, rest) = calls_in(fenced, |name| name == "get_stock_price");
        assert_eq!(calls.len(), 1, "{rest}");
        assert_eq!(calls[0].function.name, "get_stock_price");
        assert_eq!(calls[0].function.arguments, r#"{"ticker":"MSFT"}"#);
        assert_eq!(rest, "");
        let with_prose = format!("I will look it up.\n{fenced}\nThen answer.");
        let (calls, rest) = calls_in(&with_prose, |name| name == "get_stock_price");
        assert_eq!(calls.len(), 1);
        assert_eq!(rest, "I will look it up.\n\nThen answer.");
        // A fenced final answer is no call.
        assert!(calls_in("```json\n{\"ticker\": \"MSFT\", \"price\": 378.5}\n```", |_| true).0.is_empty());
        assert!(calls_in(fenced, |_| false).0.is_empty());
        // An unclosed fence is read as text.
        assert!(calls_in("```json\n{\"name\": \"get_stock_price\"", |_| true).0.is_empty());
    }
}
