//! Cost before and after a call: the context-window check, prices per attempt, the
//! budget of an extraction, and the retry of a reply cut at its token cap.

use crate::support;

use crate::support::MockServer;
use pluck::cost::{Amount, Budget, BudgetScope, Decimal, Price, Truncation};
use pluck::observe::Event;
use pluck::{Client, ConfigError, Error, Mode};
use serde_json::json;
use std::sync::{Arc, Mutex};
use support::job::JobPostingAnalysis;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// A client for `server` asking for `model` (which the price table may know).
fn priced_client(server: &MockServer, model: &str) -> pluck::ClientBuilder {
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(SECRET)
        .model(model)
        .mode(Mode::JsonSchema)
        .retry_policy(fast_retries())
}

/// A reply that does not parse, so the model is asked again.
fn broken(prompt_tokens: u64, completion_tokens: u64) -> ResponseTemplate {
    ok(completion("{\"job_title\": ", prompt_tokens, completion_tokens))
}

#[tokio::test]
async fn each_attempt_is_priced_and_summed_on_the_value_and_in_the_events() {
    let server = MockServer::start().await;
    reply_once(&server, broken(1_000, 100)).await;
    let mut valid = completion(&valid_analysis().to_string(), 1_500, 200);
    valid["usage"]["prompt_tokens_details"] = json!({"cached_tokens": 1_000});
    reply_once(&server, ok(valid)).await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let log = heard.clone();
    let client = priced_client(&server, "gpt-4o-mini").build().unwrap();
    let extracted = client
        .request::<JobPostingAnalysis>()
        .user("posting")
        .observe(move |event: &Event<'_>| {
            if let Event::Response { cost, .. } = event {
                log.lock().unwrap().push(*cost);
            }
        })
        .send_with_usage()
        .await
        .unwrap();
    // gpt-4o-mini: $0.15 input, $0.075 cached input, $0.60 output, per million.
    let first = Decimal::new(1_000 * 150 + 100 * 600, 9);
    let second = Decimal::new(500 * 150 + 1_000 * 75 + 200 * 600, 9);
    let cost = extracted.cost.expect("gpt-4o-mini has a price");
    assert_eq!(cost.per_attempt, vec![first, second]);
    assert_eq!(cost.total, first + second);
    assert_eq!(*heard.lock().unwrap(), vec![Some(first), Some(second)]);
}

#[tokio::test]
async fn exhausted_attempts_carry_their_cost_and_unknown_models_none() {
    let server = MockServer::start().await;
    reply_always(&server, broken(100, 10)).await;
    let client = priced_client(&server, "my-finetune")
        .price("my-finetune", Price::per_million(Decimal::from(2), Decimal::from(8)))
        .max_retries(1)
        .build()
        .unwrap();
    let Err(Error::ValidationExhausted(exhausted)) = client.extract::<JobPostingAnalysis>("posting").await else {
        panic!("no reply parses")
    };
    let cost = exhausted.cost().expect("priced by the builder");
    assert_eq!(cost.per_attempt, vec![Decimal::new(280, 6); 2], "100 × $2 + 10 × $8, per million");
    assert_eq!(cost.total, Decimal::new(560, 6));

    let unpriced = priced_client(&server, "test-model").max_retries(0).build().unwrap();
    let Err(Error::ValidationExhausted(exhausted)) = unpriced.extract::<JobPostingAnalysis>("posting").await else {
        panic!("no reply parses")
    };
    assert!(exhausted.cost().is_none());
}

#[tokio::test]
async fn a_request_over_the_context_window_is_not_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ok(json!({})))
        .expect(0)
        .mount(&server)
        .await;
    // gpt-4's window is 8,192 tokens: 10,000 words do not fit.
    let text = "word ".repeat(10_000);
    let client = priced_client(&server, "gpt-4").build().unwrap();
    let err = client.request::<JobPostingAnalysis>().user(text).max_tokens(500).send().await.unwrap_err();
    let Error::ContextLengthExceeded { input_tokens, max_output_tokens, context_window, model, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(input_tokens.unwrap() > 8_192, "{err}");
    assert_eq!((*max_output_tokens, *context_window, model.as_deref()), (Some(500), Some(8_192), Some("gpt-4")));
    server.verify().await;
}

#[tokio::test]
async fn the_output_cap_counts_against_the_window_and_unknown_models_are_not_checked() {
    let server = MockServer::start().await;
    reply_always(&server, ok(completion(&valid_analysis().to_string(), 10, 10))).await;
    let client = priced_client(&server, "gpt-4").build().unwrap();
    let err = client.request::<JobPostingAnalysis>().user("posting").max_tokens(8_192).send().await.unwrap_err();
    assert!(matches!(err, Error::ContextLengthExceeded { max_output_tokens: Some(8_192), .. }), "{err:?}");
    assert_eq!(requests(&server).await.len(), 0);

    let unknown = priced_client(&server, "local-model").build().unwrap();
    let value = unknown.request::<JobPostingAnalysis>().user("word ".repeat(10_000)).max_tokens(8_192).send().await;
    assert!(value.is_ok(), "{value:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_reask_that_could_pass_the_token_budget_is_not_sent() {
    let server = MockServer::start().await;
    reply_once(&server, broken(600, 100)).await;
    reply_once(&server, ok(completion(&valid_analysis().to_string(), 10, 10))).await;
    let client = priced_client(&server, "gpt-4o-mini").build().unwrap();
    let request = || client.request::<JobPostingAnalysis>().user("posting").max_tokens(300);
    // Room for the first attempt and what it spends, not for the longer re-ask.
    let first = request().estimate().unwrap().max_tokens();
    let limit = first + 699;
    let err = request().budget(Budget::tokens(limit)).send().await.unwrap_err();
    let Error::BudgetExceeded { scope, spent, next, limit: said } = &err else { panic!("{err:?}") };
    assert_eq!((scope, spent, said), (&BudgetScope::Extraction, &Amount::Tokens(700), &Amount::Tokens(limit)));
    assert!(matches!(next, Amount::Tokens(n) if *n > first), "{err}");
    assert_eq!(requests(&server).await.len(), 1, "the re-ask was not sent");

    // With room for it, it is.
    let roomy = request().budget(Budget::tokens(limit + 1_000));
    server.reset().await;
    reply_once(&server, broken(600, 100)).await;
    reply_once(&server, ok(completion(&valid_analysis().to_string(), 10, 10))).await;
    assert_eq!(roomy.send_with_usage().await.unwrap().attempts, 2);
}

#[tokio::test]
async fn a_money_budget_stops_before_the_attempt_that_could_pass_it() {
    let server = MockServer::start().await;
    reply_always(&server, broken(1_000_000, 0)).await;
    // $1 per million input tokens: the first attempt spends $1, the re-ask would too.
    let client = priced_client(&server, "my-model")
        .price("my-model", Price::per_million(Decimal::ONE, Decimal::from(4)))
        .budget(Budget::dollars(Decimal::new(15, 1)))
        .build()
        .unwrap();
    // A cap of 200,000 output tokens at $4 a million: at most $0.80 more.
    let err = client.request::<JobPostingAnalysis>().user("posting").max_tokens(200_000).send().await.unwrap_err();
    let Error::BudgetExceeded { spent: Amount::Dollars(spent), limit: Amount::Dollars(limit), .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*spent, *limit), (Decimal::ONE, Decimal::new(15, 1)));
    assert_eq!(requests(&server).await.len(), 1);

    let unpriced = priced_client(&server, "unpriced").budget(Budget::dollars(Decimal::ONE)).build().unwrap();
    let err = unpriced.extract::<JobPostingAnalysis>("posting").await.unwrap_err();
    assert!(matches!(err, Error::Config(ConfigError::NoPrice { .. })), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1, "nothing more sent");
}

fn cut(prompt_tokens: u64, completion_tokens: u64) -> ResponseTemplate {
    ok(completion_with(
        json!({"role": "assistant", "content": "{\"job_title\": \"Sen"}),
        "length",
        prompt_tokens,
        completion_tokens,
    ))
}

#[tokio::test]
async fn a_truncated_reply_is_sent_again_once_with_a_larger_cap() {
    let server = MockServer::start().await;
    reply_once(&server, cut(400, 100)).await;
    reply_once(&server, ok(completion(&valid_analysis().to_string(), 400, 180))).await;
    let client = priced_client(&server, "gpt-4o-mini").build().unwrap();
    let extracted = client
        .request::<JobPostingAnalysis>()
        .user("posting")
        .max_tokens(100)
        .on_truncation(Truncation::RetryLarger { factor: 3, max_tokens: 1_000 })
        .send_with_usage()
        .await
        .unwrap();
    assert_eq!((extracted.attempts, extracted.usage.total_tokens), (2, 1_080));
    assert_eq!(extracted.cost.unwrap().per_attempt.len(), 2, "the cut reply is paid for too");
    let bodies = bodies(&server).await;
    assert_eq!((&bodies[0]["max_tokens"], &bodies[1]["max_tokens"]), (&json!(100), &json!(300)));
    assert_eq!(bodies[0]["messages"], bodies[1]["messages"], "the same request, not a re-ask");
}

#[tokio::test]
async fn a_second_cut_or_no_policy_ends_truncated() {
    let server = MockServer::start().await;
    reply_always(&server, cut(400, 100)).await;
    let client = priced_client(&server, "gpt-4o-mini")
        .on_truncation(Truncation::RetryLarger { factor: 2, max_tokens: 150 })
        .build()
        .unwrap();
    let err = client.request::<JobPostingAnalysis>().user("posting").max_tokens(100).send().await.unwrap_err();
    assert!(matches!(&err, Error::Truncated { usage, .. } if usage.total_tokens == 1_000), "{err:?}");
    let bodies = bodies(&server).await;
    assert_eq!(bodies.iter().map(|b| b["max_tokens"].clone()).collect::<Vec<_>>(), vec![json!(100), json!(150)]);

    server.reset().await;
    reply_always(&server, cut(400, 100)).await;
    let plain = priced_client(&server, "gpt-4o-mini").build().unwrap();
    let err = plain.request::<JobPostingAnalysis>().user("posting").max_tokens(100).send().await.unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn the_estimate_counts_the_request_without_sending_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ok(json!({}))).expect(0).mount(&server).await;
    let client = priced_client(&server, "gpt-5-nano").build().unwrap();
    let short = client.request::<JobPostingAnalysis>().user("posting").max_tokens(200).estimate().unwrap();
    let long = client.request::<JobPostingAnalysis>().user("posting ".repeat(100)).max_tokens(200).estimate().unwrap();
    assert!(long.input_tokens.tokens >= short.input_tokens.tokens + 99, "{short:?} {long:?}");
    assert_eq!(long.input_tokens.exact, cfg!(feature = "tokens"));
    assert_eq!((short.max_output_tokens, short.context_window), (Some(200), Some(400_000)));
    let range = short.cost.unwrap();
    // gpt-5-nano: $0.05 input, $0.40 output, per million.
    let input = Decimal::from(short.input_tokens.tokens) * Decimal::new(5, 2) / Decimal::from(1_000_000);
    assert_eq!(range.min, input);
    assert_eq!(range.max, input + Decimal::new(200 * 40, 8));
    server.verify().await;
}

#[path = "../../examples/types/projection.rs"]
mod projection;

#[test]
fn the_blogs_projection_comes_out_to_the_cent() {
    use projection::{gpt_5, gpt_5_nano, monthly, BLOG};
    let (nano, full) = (monthly(&gpt_5_nano(), &BLOG), monthly(&gpt_5(), &BLOG));
    assert_eq!((nano, full), (Decimal::new(2_850, 2), Decimal::new(71_250, 2)));
    assert_eq!(format!("${nano:.2} ${full:.2} ${:.2}", full - nano), "$28.50 $712.50 $684.00");
    // The shipped table agrees with the blog on both.
    let shipped = pluck::cost::PriceTable::shipped();
    assert_eq!(monthly(&shipped.get("gpt-5-nano").unwrap(), &BLOG), nano);
    assert_eq!(monthly(&shipped.get("gpt-5").unwrap(), &BLOG), full);
}

#[tokio::test]
async fn a_streamed_request_is_checked_before_it_opens() {
    use futures::StreamExt;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ok(json!({}))).expect(0).mount(&server).await;
    let client = priced_client(&server, "gpt-4o-mini").build().unwrap();
    let mut stream = client.request::<JobPostingAnalysis>().user("posting").budget(Budget::tokens(10)).stream();
    let first = stream.next().await.expect("an item");
    assert!(matches!(first, Err(Error::BudgetExceeded { spent: Amount::Tokens(0), .. })), "{first:?}");
    server.verify().await;
}

#[tokio::test]
async fn anthropic_and_gemini_count_at_their_endpoints() {
    use pluck::Provider;
    let server = MockServer::start().await;
    reply_once_at(&server, "/v1/messages/count_tokens", ok(json!({"input_tokens": 1_234}))).await;
    reply_once_at(&server, "/v1beta/models/test-model:countTokens", ok(json!({"totalTokens": 567}))).await;
    let anthropic = provider_client(&server, Provider::Anthropic, fast_retries());
    let counted = anthropic.request::<JobPostingAnalysis>().user("posting").max_tokens(300).count_tokens().await;
    assert_eq!((counted.as_ref().map(|c| c.tokens).ok(), counted.map(|c| c.exact).ok()), (Some(1_234), Some(true)));
    let gemini = provider_client(&server, Provider::Gemini, fast_retries());
    let counted = gemini.request::<JobPostingAnalysis>().user("posting").count_tokens().await.unwrap();
    assert_eq!((counted.tokens, counted.exact), (567, true));

    let bodies = bodies(&server).await;
    let asked = &bodies[0];
    assert_eq!(asked["model"], "test-model");
    assert!(asked["messages"].is_array() && asked["tools"].is_array(), "{asked}");
    assert!(asked.get("max_tokens").is_none(), "count_tokens refuses what it does not read: {asked}");
    let asked = &bodies[1]["generateContentRequest"];
    assert_eq!(asked["model"], "models/test-model");
    assert!(asked["contents"].is_array(), "{asked}");
}

#[tokio::test]
async fn openai_counts_locally_without_a_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ok(json!({}))).expect(0).mount(&server).await;
    let client = priced_client(&server, "gpt-4o").build().unwrap();
    let request = client.request::<JobPostingAnalysis>().user("posting");
    let counted = request.count_tokens().await.unwrap();
    assert_eq!(counted, request.estimate().unwrap().input_tokens);
    server.verify().await;
}
