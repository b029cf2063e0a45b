//! The blog's high-availability router: `gpt-4o-mini` falls back to
//! `claude-haiku-4.5` when it fails, and after 3 failures (`allowed_fails`) it cools
//! down for 10 s, so the next requests go to Claude at once. It runs against two mocks
//! it starts on 127.0.0.1: an OpenAI-compatible server that is down (503) and an
//! Anthropic one; on the way the request is re-targeted to Anthropic's own structured
//! output.
//!
//! ```text
//! cargo run --example router_fallback --features router
//! ```

#[path = "types/triage.rs"]
#[allow(dead_code)]
mod triage;

use pluck::observe::Event;
use pluck::router::{Deployment, Router};
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;
use triage::{SupportTriage, TICKETS, TRIAGE_PROMPT};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() -> ExitCode {
    let openai = MockServer::start().await;
    let down = json!({"error": {"message": "The server is overloaded", "type": "server_error"}});
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503).set_body_json(down)).mount(&openai).await;
    let anthropic = MockServer::start().await;
    let triaged = r#"{"reasoning":"The whole team is locked out right before a client demo: an urgent account problem.","priority":"critical","category":"account"}"#;
    let reply = json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": triaged}], "stop_reason": "end_turn",
        "usage": {"input_tokens": 200, "output_tokens": 45}
    });
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(reply)).mount(&anthropic).await;
    for (variable, mock_key) in [("OPENROUTER_KEY", "sk-or-mock"), ("ANTHROPIC_API_KEY", "sk-ant-mock")] {
        if std::env::var(variable).is_err() {
            std::env::set_var(variable, mock_key);
        }
    }

    let router = Router::builder()
        .deployment(
            "gpt-4o-mini",
            Deployment::openai("gpt-4o-mini")
                .base_url(format!("{}/v1", openai.uri()))
                .api_key_env("OPENROUTER_KEY")
                .rpm(6),
        )
        .deployment(
            "claude-haiku-4.5",
            Deployment::anthropic("claude-haiku-4-5").base_url(anthropic.uri()).api_key_env("ANTHROPIC_API_KEY").rpm(6),
        )
        .fallbacks("gpt-4o-mini", ["claude-haiku-4.5"])
        .cooldown(Duration::from_secs(10))
        .allowed_fails(3)
        .observe(|event: &Event<'_>| match event {
            Event::Routed { deployment, provider, .. } => println!("-> {deployment} ({provider})"),
            Event::Rerouted { deployment, error } => println!("   {deployment} failed: {error}"),
            Event::CooledDown { deployment, cooldown, .. } => println!("   {deployment} cools down for {cooldown:?}"),
            Event::Fallback { from, to, .. } => println!("   falling back from {from} to {to}"),
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
    for round in 0..5 {
        let ticket = TICKETS[round % TICKETS.len()];
        let triage = router
            .request::<SupportTriage>("gpt-4o-mini")
            .system(TRIAGE_PROMPT)
            .user(format!("Ticket:\n{ticket}"))
            .send()
            .await;
        match triage {
            Ok(triage) => println!("ticket {}: {:?}, {:?}\n", round + 1, triage.priority, triage.category),
            Err(err) => {
                eprintln!("triage failed: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
