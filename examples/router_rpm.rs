//! The blog's first router: one deployment of `gpt-4o-mini` held to 6 requests a
//! minute, triaging the support tickets. It runs against a mock of an
//! OpenAI-compatible server that it starts on 127.0.0.1; the key is read from
//! `OPENROUTER_KEY` by name, as from a real deployment's configuration.
//!
//! ```text
//! cargo run --example router_rpm --features router
//! ```

#[path = "types/triage.rs"]
#[allow(dead_code)]
mod triage;

use pluck::observe::Event;
use pluck::router::{Deployment, Router};
use serde_json::json;
use std::process::ExitCode;
use triage::{SupportTriage, TICKETS, TRIAGE_PROMPT};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() -> ExitCode {
    let server = MockServer::start().await;
    let triaged = r#"{"reasoning":"The user reports a problem that blocks their work; the team that owns it must act before the deadline.","priority":"high","category":"technical"}"#;
    let reply = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": triaged}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 180, "completion_tokens": 40, "total_tokens": 220}
    });
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(reply)).mount(&server).await;
    // A mock needs no real key; a real deployment reads it from the environment.
    if std::env::var("OPENROUTER_KEY").is_err() {
        std::env::set_var("OPENROUTER_KEY", "sk-or-mock");
    }

    let router = Router::builder()
        .deployment(
            "gpt-4o-mini",
            Deployment::openai("openai/gpt-4o-mini")
                .base_url(format!("{}/v1", server.uri()))
                .api_key_env("OPENROUTER_KEY")
                .rpm(6),
        )
        .observe(|event: &Event<'_>| match event {
            Event::Routed { deployment, model, .. } => println!("-> {deployment} ({model})"),
            Event::RateLimitWait { wait, .. } => println!("   at its rpm: waiting {wait:?}"),
            _ => {}
        })
        .build();
    let router = match router {
        Ok(router) => router,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    for ticket in TICKETS {
        let triage = router
            .request::<SupportTriage>("gpt-4o-mini")
            .system(TRIAGE_PROMPT)
            .user(format!("Ticket:\n{ticket}"))
            .temperature(0.0)
            .max_retries(3)
            .send()
            .await;
        match triage {
            Ok(triage) => {
                println!("Ticket   : {}...", &ticket[..60]);
                println!("Reasoning: {}", triage.reasoning);
                println!("Priority : {:?}", triage.priority);
                println!("Category : {:?}\n", triage.category);
            }
            Err(err) => {
                eprintln!("triage failed: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
