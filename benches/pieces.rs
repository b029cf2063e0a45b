//! Micro-benchmarks of pluck's pieces on the blog's `JobPostingAnalysis`: the cached
//! schema lookup, building a request body, and reading a reply (decode, parse, rules).
//!
//! `cargo bench --features bench-hooks --bench pieces`. The side-by-side comparison
//! with other libraries is in `benches/compare/`.

#[allow(dead_code)]
#[path = "../examples/types/job.rs"]
mod job;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use job::{JobPostingAnalysis, SAMPLE_POSTING};
use pluck::schema::{self, Target};
use pluck::{Message, Mode};
use serde_json::json;

fn reply() -> Vec<u8> {
    let content = json!({
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
            {"label": "engineering", "confidence": 0.95, "evidence": "The title is Senior Software Engineer and the role designs and runs services."},
            {"label": "data", "confidence": 0.7, "evidence": "The posting says the engineer will design and run data pipelines."}
        ],
        "overall_confidence": 0.92,
        "missing_fields": ["benefits", "location", "remote_policy", "team_size"]
    })
    .to_string();
    serde_json::to_vec(&json!({
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_700_000_000u64,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": null}, "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 412, "completion_tokens": 236, "total_tokens": 648}
    }))
    .unwrap()
}

fn pieces(c: &mut Criterion) {
    schema::prepare::<JobPostingAnalysis>(Target::Strict).unwrap();
    c.bench_function("schema::prepare (cached)", |b| {
        b.iter(|| schema::prepare::<JobPostingAnalysis>(black_box(Target::Strict)).unwrap())
    });

    let messages = [Message::system(pluck::DEFAULT_SYSTEM_PROMPT), Message::user(SAMPLE_POSTING)];
    c.bench_function("request body (json_schema)", |b| {
        b.iter(|| {
            pluck::__private::chat_body::<JobPostingAnalysis>("gpt-4o-mini", black_box(&messages), Mode::JsonSchema)
                .unwrap()
        })
    });

    let bytes = reply();
    c.bench_function("reply: decode + parse + rules", |b| {
        b.iter(|| pluck::__private::read_reply::<JobPostingAnalysis>(black_box(&bytes), Mode::JsonSchema).unwrap())
    });
}

criterion_group!(benches, pieces);
criterion_main!(benches);
