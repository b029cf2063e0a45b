//! The router (feature `router`): the blog's two examples, cooldowns, Retry-After,
//! the fallbacks by cause, re-asks, streaming, and keys kept out of sight. Deployments
//! are mock servers on the test's own runtime, so that paused time shows the
//! requests at the times the router sent them.

use crate::support::mock::{self, Answer, Mock};
use crate::support::triage::{SupportTriage, TICKETS, TRIAGE_PROMPT};
use crate::support::{anthropic_text, completion, completion_with, gemini_text, SECRET};
use pluck::observe::{Event, FallbackCause};
use pluck::router::{Deployment, Router, RouterBuilder, RouterError};
use pluck::Error;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

pub const TRIAGE: &str = r#"{"reasoning":"The whole team is locked out before a client demo: an urgent account problem.","priority":"critical","category":"account"}"#;

pub fn openai_ok() -> Answer {
    Answer::json(200, &completion(TRIAGE, 40, 20))
}

pub fn openai(mock: &Mock) -> Deployment {
    Deployment::openai("test-model").base_url(format!("{}/v1", mock.uri())).api_key(SECRET)
}

fn anthropic(mock: &Mock) -> Deployment {
    Deployment::anthropic("claude-haiku-4-5").base_url(mock.uri()).api_key(SECRET)
}

/// The routing events an extraction emitted, as short lines.
#[derive(Clone, Default)]
pub struct Log(pub Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn observe(&self, builder: RouterBuilder) -> RouterBuilder {
        let lines = self.0.clone();
        builder.observe(move |event: &Event<'_>| {
            let line = match event {
                Event::Routed { deployment, among, .. } => format!("routed {deployment} among {among}"),
                Event::CooledDown { deployment, cooldown, .. } => {
                    format!("cooled {deployment} {}s", cooldown.as_secs())
                }
                Event::Rerouted { deployment, .. } => format!("rerouted {deployment}"),
                Event::Fallback { from, to, cause } => format!("fallback {from} -> {to} {}", cause.as_str()),
                Event::RateLimitWait { .. } => "wait".to_owned(),
                _ => return,
            };
            lines.lock().unwrap().push(line);
        })
    }

    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

async fn triage(router: &Router, group: &str, ticket: &str) -> Result<SupportTriage, Error> {
    router.request::<SupportTriage>(group).system(TRIAGE_PROMPT).user(format!("Ticket:\n{ticket}")).send().await
}

/// The most requests `mock` saw in any minute.
pub fn busiest_minute(mock: &Mock) -> usize {
    let times: Vec<Instant> = mock.seen().iter().map(|seen| seen.at).collect();
    times
        .iter()
        .map(|start| times.iter().filter(|at| **at >= *start && **at < *start + Duration::from_secs(60)).count())
        .max()
        .unwrap_or(0)
}

/// The blog's first example: one deployment at `rpm` 6. Of twelve tickets sent at
/// once, six go at once and six a minute later: no minute sees more than six requests.
#[tokio::test(start_paused = true)]
async fn the_blogs_rpm_6_is_never_exceeded() {
    let server = mock::serve(|_, _| openai_ok()).await;
    let router = Router::builder()
        .deployment("gpt-4o-mini", openai(&server).rpm(6))
        .max_wait(Duration::from_secs(300))
        .build()
        .unwrap();
    let start = Instant::now();
    let calls = (0..12).map(|i| triage(&router, "gpt-4o-mini", TICKETS[i % 2]));
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.unwrap().priority, crate::support::triage::Priority::Critical);
    }
    assert_eq!(server.count(), 12);
    assert_eq!(busiest_minute(&server), 6);
    let times: Vec<Duration> = server.seen().iter().map(|seen| seen.at - start).collect();
    assert!(times[..6].iter().all(|at| at.is_zero()), "{times:?}");
    assert!(times[6..].iter().all(|at| *at == Duration::from_secs(60)), "{times:?}");
}

/// The blog's second example: gpt-4o-mini falls back to claude-haiku-4.5. The OpenAI
/// deployment fails three times (allowed_fails 3) and cools down: the next tickets go
/// straight to Claude, whose request is Anthropic's own; after the cooldown the OpenAI
/// deployment is tried again.
#[tokio::test(start_paused = true)]
async fn the_blogs_fallback_cools_a_failing_deployment_down_then_tries_it_again() {
    let down = mock::serve(|_, _| Answer::json(503, &json!({"error": {"message": "down"}}))).await;
    let claude = mock::serve(|_, _| Answer::json(200, &anthropic_text(TRIAGE, "end_turn", 40, 20))).await;
    let log = Log::default();
    let router = log
        .observe(Router::builder())
        .deployment("gpt-4o-mini", openai(&down).rpm(6))
        .deployment("claude-haiku-4.5", anthropic(&claude).rpm(6))
        .fallbacks("gpt-4o-mini", ["claude-haiku-4.5"])
        .allowed_fails(3)
        .cooldown(Duration::from_secs(10))
        .max_wait(Duration::from_secs(600))
        .build()
        .unwrap();
    for _ in 0..3 {
        triage(&router, "gpt-4o-mini", TICKETS[0]).await.unwrap();
    }
    assert_eq!(down.count(), 3);
    let events = log.take();
    assert!(events.contains(&"cooled gpt-4o-mini/0 10s".to_owned()), "{events:?}");
    assert!(events.contains(&"fallback gpt-4o-mini -> claude-haiku-4.5 unavailable".to_owned()), "{events:?}");
    // Cooling down: skipped.
    triage(&router, "gpt-4o-mini", TICKETS[1]).await.unwrap();
    assert_eq!(down.count(), 3);
    assert_eq!(log.take()[0], "fallback gpt-4o-mini -> claude-haiku-4.5 unavailable");
    // Cooled: tried again.
    tokio::time::sleep(Duration::from_secs(11)).await;
    triage(&router, "gpt-4o-mini", TICKETS[1]).await.unwrap();
    assert_eq!(down.count(), 4);
    let to_claude = claude.seen();
    assert_eq!(to_claude.len(), 5);
    assert!(to_claude.iter().all(|seen| seen.path == "/v1/messages"), "{to_claude:?}");
    // Re-targeted: Anthropic's structured output, its model, and the system prompt kept.
    let body = &to_claude[0].body;
    assert_eq!(body["model"], "claude-haiku-4-5");
    assert!(body["output_config"]["format"]["schema"].is_object(), "{body}");
    assert!(body["system"].to_string().contains("senior support engineer"), "{body}");
}

/// A 429 with Retry-After cools the deployment down for as long as it asked.
#[tokio::test(start_paused = true)]
async fn retry_after_sets_the_cooldown() {
    let limited = mock::serve(|index, _| match index {
        0 => Answer::json(429, &json!({"error": {"message": "slow down"}})).header("retry-after", "30"),
        _ => openai_ok(),
    })
    .await;
    let spare = mock::serve(|_, _| openai_ok()).await;
    let log = Log::default();
    let router = log
        .observe(Router::builder())
        .deployment("a", openai(&limited))
        .deployment("b", openai(&spare))
        .fallbacks("a", ["b"])
        .build()
        .unwrap();
    triage(&router, "a", TICKETS[0]).await.unwrap();
    assert_eq!(
        log.take(),
        ["routed a/0 among 1", "cooled a/0 30s", "rerouted a/0", "fallback a -> b unavailable", "routed b/0 among 1"]
    );
    tokio::time::sleep(Duration::from_secs(29)).await;
    triage(&router, "a", TICKETS[0]).await.unwrap();
    assert_eq!((limited.count(), spare.count()), (1, 2));
    tokio::time::sleep(Duration::from_secs(2)).await;
    triage(&router, "a", TICKETS[0]).await.unwrap();
    assert_eq!((limited.count(), spare.count()), (2, 2));
}

/// A prompt too long for one group's window goes to the group with the next larger
/// one (here Gemini, so the schema is re-targeted again); a refusal goes to the
/// content-policy fallback.
#[tokio::test(start_paused = true)]
async fn context_window_and_content_policy_fallbacks() {
    let small = mock::serve(|_, _| {
        let body = json!({"error": {"message": "This model's maximum context length is 8192 tokens.", "code": "context_length_exceeded"}});
        Answer::json(400, &body)
    })
    .await;
    let large = mock::serve(|_, _| Answer::json(200, &gemini_text(TRIAGE, "STOP", 40, 20))).await;
    let strict = mock::serve(|_, _| {
        let message = json!({"role": "assistant", "content": null, "refusal": "I can't help with that."});
        Answer::json(200, &completion_with(message, "stop", 10, 5))
    })
    .await;
    let lenient = mock::serve(|_, _| Answer::json(200, &anthropic_text(TRIAGE, "end_turn", 40, 20))).await;
    let log = Log::default();
    let router = log
        .observe(Router::builder())
        .deployment("small", openai(&small).context_window(8_192))
        .deployment(
            "huge",
            Deployment::gemini("test-model").base_url(large.uri()).api_key(SECRET).context_window(1_000_000),
        )
        .deployment("medium", openai(&strict).context_window(128_000))
        .deployment("other", anthropic(&lenient))
        .content_policy_fallbacks("medium", ["other"])
        .build()
        .unwrap();
    triage(&router, "small", TICKETS[0]).await.unwrap();
    let events = log.take();
    assert!(events.contains(&"fallback small -> medium context_window".to_owned()), "{events:?}");
    assert!(events.contains(&"fallback medium -> other content_policy".to_owned()), "{events:?}");
    assert_eq!((small.count(), strict.count(), lenient.count(), large.count()), (1, 1, 1, 0));

    // Without a content-policy fallback for it, the refusal is the error.
    let router = Router::builder().deployment("medium", openai(&strict)).build().unwrap();
    let err = triage(&router, "medium", TICKETS[0]).await.unwrap_err();
    assert!(matches!(err, Error::Refusal { .. }), "{err:?}");
    // The next larger window, skipping a group already tried.
    let router = Router::builder()
        .deployment("small", openai(&small).context_window(8_192))
        .deployment(
            "huge",
            Deployment::gemini("test-model").base_url(large.uri()).api_key(SECRET).context_window(1_000_000),
        )
        .build()
        .unwrap();
    triage(&router, "small", TICKETS[0]).await.unwrap();
    assert_eq!(large.count(), 1);
    assert!(large.seen()[0].path.contains(":generateContent"));
    let _ = FallbackCause::ContextWindow;
}

/// An invalid request (422) is returned as it is and sent nowhere else; a failure
/// with nowhere left to go is returned as the deployment's own error.
#[tokio::test(start_paused = true)]
async fn an_invalid_request_goes_nowhere_else() {
    let invalid = mock::serve(|_, _| Answer::json(422, &json!({"error": {"message": "bad field"}}))).await;
    let spare = mock::serve(|_, _| openai_ok()).await;
    let router = Router::builder()
        .deployment("a", openai(&invalid))
        .deployment("b", openai(&spare))
        .fallbacks("a", ["b"])
        .build()
        .unwrap();
    let err = triage(&router, "a", TICKETS[0]).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { status: 422, .. }), "{err:?}");
    assert_eq!(spare.count(), 0);

    let down = mock::serve(|_, _| Answer::json(500, &json!({"error": {"message": "boom"}}))).await;
    let router = Router::builder().deployment("a", openai(&down)).build().unwrap();
    let err = triage(&router, "a", TICKETS[0]).await.unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    let err = router.extract::<SupportTriage>("nope", TICKETS[0]).await.unwrap_err();
    assert!(matches!(err, Error::Router(RouterError::UnknownGroup { .. })), "{err:?}");
}

/// A re-ask continues on the deployment that wrote the reply; when that deployment
/// then fails, the re-ask goes to another, the conversation with it.
#[tokio::test(start_paused = true)]
async fn a_reask_stays_on_the_deployment_that_wrote_the_reply() {
    let invalid = r#"{"reasoning":"too short","priority":"urgent","category":"account"}"#;
    let reply = move |index: usize, _: &mock::Seen| match index {
        0 => Answer::json(200, &completion(invalid, 40, 20)),
        _ => openai_ok(),
    };
    let (one, two) = (mock::serve(reply).await, mock::serve(reply).await);
    let router = Router::builder().deployment("g", openai(&one)).deployment("g", openai(&two)).build().unwrap();
    triage(&router, "g", TICKETS[0]).await.unwrap();
    let counts = (one.count(), two.count());
    assert!(counts == (2, 0) || counts == (0, 2), "{counts:?}");

    let flaky = mock::serve(move |index, _| match index {
        0 => Answer::json(200, &completion(invalid, 40, 20)),
        _ => Answer::json(503, &json!({"error": {"message": "gone"}})),
    })
    .await;
    let steady = mock::serve(|_, _| openai_ok()).await;
    let router = Router::builder()
        .deployment("a", openai(&flaky))
        .deployment("b", openai(&steady))
        .fallbacks("a", ["b"])
        .build()
        .unwrap();
    let extracted = router.request::<SupportTriage>("a").user(TICKETS[0]).send_with_usage().await.unwrap();
    assert_eq!(extracted.attempts, 2);
    assert_eq!((flaky.count(), steady.count()), (2, 1));
    // The re-ask carries the failed reply and what was wrong with it.
    let body = steady.seen()[0].body.to_string();
    assert!(body.contains("too short") && body.contains("urgent"), "{body}");
}

/// A streamed extraction goes through the router too.
#[tokio::test(start_paused = true)]
async fn a_stream_through_the_router() {
    use futures::StreamExt;
    let down = mock::serve(|_, _| Answer::json(503, &json!({"error": {"message": "down"}}))).await;
    let up = mock::serve(|_, _| {
        Answer::sse(crate::support::sse::content_stream(TRIAGE, Some("stop"), Some((40, 20)), true))
    })
    .await;
    let router = Router::builder()
        .deployment("a", openai(&down))
        .deployment("b", openai(&up))
        .fallbacks("a", ["b"])
        .build()
        .unwrap();
    let mut stream = router.request::<SupportTriage>("a").user(TICKETS[0]).stream();
    let mut last = None;
    while let Some(update) = stream.next().await {
        last = Some(update.unwrap());
    }
    let last = format!("{last:?}");
    assert!(last.contains("Critical"), "{last}");
    assert_eq!((down.count(), up.count()), (1, 1));
}

/// Keys are read from the environment by name and show in no `Debug` output or
/// error, even one whose provider echoed it.
#[tokio::test(start_paused = true)]
async fn keys_show_nowhere() {
    let echo = mock::serve(|_, _| {
        Answer::json(401, &json!({"error": {"message": format!("Incorrect API key provided: {SECRET}")}}))
    })
    .await;
    std::env::set_var("PLUCK_ROUTER_TEST_KEY", SECRET);
    let text = format!(
        "[[deployment]]\ngroup = \"a\"\nbase_url = \"{}/v1\"\napi_key_env = \"PLUCK_ROUTER_TEST_KEY\"\nmodel = \"m\"\n",
        echo.uri()
    );
    let router = Router::from_toml_str(&text).unwrap();
    let err = triage(&router, "a", TICKETS[0]).await.unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    let builder = Router::builder().deployment("a", openai(&echo));
    for shown in
        [format!("{router:?}"), format!("{builder:?}"), format!("{err} {err:?}"), format!("{:?}", openai(&echo))]
    {
        assert!(!shown.contains(SECRET), "{shown}");
    }
    let in_file = format!("{text}api_key = \"{SECRET}\"\n");
    let err = Router::from_toml_str(&in_file).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(SECRET));
    assert!(matches!(err, pluck::router::RouterConfigError::KeyInFile { .. }), "{err:?}");
}

/// A refused key cools the deployment down for the longer period at once, and a
/// router read from a file routes like one built in code.
#[tokio::test(start_paused = true)]
async fn a_refused_key_cools_down_for_the_longer_period() {
    let refused = mock::serve(|_, _| Answer::json(401, &json!({"error": {"message": "bad key"}}))).await;
    let spare = mock::serve(|_, _| openai_ok()).await;
    std::env::set_var("PLUCK_ROUTER_FILE_KEY", SECRET);
    let path = std::env::temp_dir().join(format!("pluck-router-{}.toml", std::process::id()));
    let text = format!(
        "auth_cooldown_secs = 120\nfallbacks = {{ \"a\" = [\"b\"] }}\n\
         [[deployment]]\ngroup = \"a\"\nbase_url = \"{}/v1\"\napi_key_env = \"PLUCK_ROUTER_FILE_KEY\"\nmodel = \"m\"\n\
         [[deployment]]\ngroup = \"b\"\nbase_url = \"{}/v1\"\napi_key_env = \"PLUCK_ROUTER_FILE_KEY\"\nmodel = \"m\"\n",
        refused.uri(),
        spare.uri()
    );
    std::fs::write(&path, text).unwrap();
    let log = Log::default();
    let router =
        log.observe(RouterBuilder::default().toml(&std::fs::read_to_string(&path).unwrap()).unwrap()).build().unwrap();
    assert_eq!(Router::from_toml_file(&path).unwrap().deployments("b"), ["b/0"]);
    std::fs::remove_file(&path).unwrap();
    triage(&router, "a", TICKETS[0]).await.unwrap();
    assert!(log.take().contains(&"cooled a/0 120s".to_owned()));
    tokio::time::sleep(Duration::from_secs(119)).await;
    triage(&router, "a", TICKETS[0]).await.unwrap();
    assert_eq!((refused.count(), spare.count()), (1, 2));
    tokio::time::sleep(Duration::from_secs(2)).await;
    triage(&router, "a", TICKETS[0]).await.unwrap();
    assert_eq!((refused.count(), spare.count()), (2, 3));
}
