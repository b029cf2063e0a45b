//! The canned replies: a valid job-posting analysis (about 1 KB) and the same with
//! `overall_confidence` at 100, which breaks `maximum: 1`.

use serde_json::json;

/// The analysis of the sample posting, as a model would write it.
pub fn analysis(overall_confidence: f64) -> String {
    json!({
        "job_title": "Senior Software Engineer",
        "company_name": "TechCorp",
        "experience_level": "senior",
        "salary": {"min_amount": 150000.0, "max_amount": 200000.0, "currency": "USD"},
        "skills": [
            {"name": "Python", "is_required": true},
            {"name": "Kubernetes", "is_required": true},
            {"name": "AWS", "is_required": true},
            {"name": "Terraform", "is_required": false}
        ],
        "categories": [
            {
                "label": "engineering",
                "confidence": 0.95,
                "evidence": "The title is Senior Software Engineer and the role designs and runs services; the requirements (Python, Kubernetes, AWS) are software and infrastructure engineering skills."
            },
            {
                "label": "data",
                "confidence": 0.7,
                "evidence": "The posting says the engineer will design and run data pipelines, which is data engineering work, though the title does not name a data role."
            }
        ],
        "overall_confidence": overall_confidence,
        "missing_fields": ["benefits", "location", "remote_policy", "team_size"]
    })
    .to_string()
}

/// A chat completion whose message carries `text` as its content.
pub fn content(model: &str, text: &str) -> Vec<u8> {
    completion(model, json!({"role": "assistant", "content": text, "refusal": null}), "stop")
}

/// A chat completion whose message calls the tool `name` with `arguments`.
pub fn tool_call(model: &str, name: &str, arguments: &str) -> Vec<u8> {
    let message = json!({
        "role": "assistant",
        "content": null,
        "refusal": null,
        "tool_calls": [{
            "id": "call_bench_0001",
            "type": "function",
            "function": {"name": name, "arguments": arguments}
        }]
    });
    completion(model, message, "tool_calls")
}

fn completion(model: &str, message: serde_json::Value, finish_reason: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000u64,
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 412, "completion_tokens": 236, "total_tokens": 648},
        "system_fingerprint": "fp_bench"
    }))
    .expect("a JSON value always serializes")
}
