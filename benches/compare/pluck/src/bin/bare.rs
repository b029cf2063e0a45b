//! The physical limit: no library. The request body pluck sends (serialized once, at
//! start), one reqwest POST per extraction, and a serde_json decode of the reply and of
//! its content into the type. No validation and no re-ask: in the re-ask workload it
//! posts twice, the second time with the body of pluck's follow-up request.

#[allow(dead_code)]
#[path = "../../../../../examples/types/job.rs"]
mod job;

use bench_common::{base_url, runner, API_KEY, MODEL, POSTING, SYSTEM_PROMPT};
use bytes::Bytes;
use job::JobPostingAnalysis;
use pluck::schema::{self, Target};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
}

fn body(extra: &[serde_json::Value]) -> Vec<u8> {
    let prepared = schema::prepare::<JobPostingAnalysis>(Target::Strict).expect("the schema is strict-ready");
    let mut messages =
        vec![json!({"role": "system", "content": SYSTEM_PROMPT}), json!({"role": "user", "content": POSTING})];
    messages.extend_from_slice(extra);
    serde_json::to_vec(&json!({
        "model": MODEL,
        "messages": messages,
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": prepared.name(),
                "description": prepared.description(),
                "schema": prepared.schema(),
                "strict": true,
            }
        }
    }))
    .expect("a JSON value always serializes")
}

async fn post(http: &reqwest::Client, url: &reqwest::Url, headers: &HeaderMap, body: Bytes) -> Result<f64, String> {
    let response = http
        .post(url.clone())
        .headers(headers.clone())
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .error_for_status()
        .map_err(|e| e.to_string())?;
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    let completion: Completion = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let content = completion.choices.into_iter().next().and_then(|c| c.message.content).ok_or("no content")?;
    let job: JobPostingAnalysis = serde_json::from_str(&content).map_err(|e| e.to_string())?;
    Ok(job.overall_confidence)
}

fn main() {
    let reask = std::env::var("BENCH_REASK").is_ok_and(|v| v == "1");
    let http = reqwest::Client::new();
    let url = reqwest::Url::parse(&format!("{}/chat/completions", base_url())).expect("a valid base URL");
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {API_KEY}")).expect("an ASCII key"));
    let first: Bytes = body(&[]).into();
    // pluck's follow-up: the invalid reply echoed as the assistant, the error list as the user.
    let followup: Bytes = body(&[
        json!({"role": "assistant", "content": "{\"overall_confidence\":100}"}),
        json!({"role": "user", "content": "Your answer did not validate. Fix these errors and answer again with the whole corrected JSON:\n- overall_confidence: must be at most 1, got 100"}),
    ])
    .into();
    runner::run("bare", || {
        let (http, url, headers) = (&http, &url, &headers);
        let (first, followup) = (first.clone(), followup.clone());
        async move {
            let confidence = post(http, url, headers, first).await?;
            if reask {
                // The first reply is the invalid one: decode it, then post the follow-up.
                return post(http, url, headers, followup).await;
            }
            Ok::<f64, String>(confidence)
        }
    });
}
