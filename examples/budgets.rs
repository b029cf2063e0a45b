//! A monthly budget per customer, kept in a SQLite file, and a response cache, against
//! a mock model on 127.0.0.1 (nothing leaves the machine).
//!
//! ```sh
//! cargo run --example budgets --features sqlite
//! ```

use pluck::budget::{Budget, BudgetStore, Decimal, Period, SqliteBudgets};
use pluck::cache::MemoryCache;
use pluck::cost::Price;
use pluck::observe::Event;
use pluck::{Client, Error, Extract};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Colour {
    name: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A model that always answers "blue", having used 200 tokens.
    let model = MockServer::start().await;
    let reply = json!({
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "{\"name\": \"blue\"}"}}],
        "usage": {"prompt_tokens": 150, "completion_tokens": 50, "total_tokens": 200}
    });
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200).set_body_json(reply)).mount(&model).await;

    let file = std::env::temp_dir().join(format!("pluck-budgets-{}.sqlite3", std::process::id()));
    let store = Arc::new(SqliteBudgets::open(&file)?);
    // $0.0005 a month for this customer (500 tokens at $1 per million).
    store.set_limit("acme", Decimal::new(5, 4), Period::Monthly).await?;
    let client = Client::builder()
        .base_url(format!("{}/v1", model.uri()))
        .api_key("sk-example")
        .model("example-model")
        // $1 per million tokens, input and output.
        .price("example-model", Price::per_million(Decimal::ONE, Decimal::ONE))
        .customer_budgets(Budget::shared(store.clone()))
        .cache(MemoryCache::new(1_000, Duration::from_secs(3_600)))
        .observe(|event: &Event<'_>| {
            if let Event::BudgetThreshold { customer, percent, spent, limit, .. } = event {
                println!("alert: {customer} reached {percent}% ({spent} of {limit})");
            }
        })
        .build()?;

    for text in ["The sky was blue.", "The sea was blue.", "The sky was blue.", "Her eyes were blue."] {
        match client.request::<Colour>().customer("acme").user(text).max_tokens(100).send_with_usage().await {
            Ok(colour) if colour.cached() => println!("{text:?}: {} (from the cache, free)", colour.value.name),
            Ok(colour) => println!("{text:?}: {} ({} tokens)", colour.value.name, colour.usage.total_tokens),
            Err(Error::BudgetExceeded { scope, spent, next, limit }) => {
                println!(
                    "{text:?}: refused, {scope}: {spent} of {limit} spent, up to {next} more asked, no request made"
                )
            }
            Err(other) => return Err(other.into()),
        }
    }
    let standing = store.standing("acme", SystemTime::now()).await?;
    println!("this month ({}): spent {} of {}", standing.period_start, standing.spent, standing.limit);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    Ok(())
}
