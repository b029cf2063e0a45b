//! The response cache: a hit makes no request and is marked, on `Extracted` and in the
//! events; anything that changes the answer misses; entries expire; failures are never
//! kept; a SQLite cache (feature `sqlite`) outlives its process.

use crate::support::MockServer;
use crate::support::{completion, ok, reply_always, reply_once, SECRET};
use pluck::cache::{MemoryCache, ResponseCache};
use pluck::observe::Event;
use pluck::{Client, Error, Extract, Mode};
use schemars::JsonSchema;
use serde::Deserialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::ResponseTemplate;

#[derive(Extract, Deserialize, JsonSchema, Debug, PartialEq)]
struct Colour {
    name: String,
}

/// The same fields, another type: another schema.
#[derive(Extract, Deserialize, JsonSchema, Debug, PartialEq)]
struct Shade {
    name: String,
}

/// A client of `server` with `cache`, recording the events it hears in `heard`.
fn client(server: &MockServer, cache: Arc<dyn ResponseCache>, heard: &Arc<Mutex<Vec<String>>>) -> Client {
    let log = heard.clone();
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(SECRET)
        .model("test-model")
        .mode(Mode::JsonSchema)
        .max_retries(0)
        .cache(Shared(cache))
        .observe(move |event: &Event<'_>| {
            let line = match event {
                Event::CacheHit { model, key } => {
                    assert_eq!(key.to_hex().len(), 64);
                    format!("hit {model}")
                }
                Event::Request { .. } => "request".to_owned(),
                Event::Done { attempts, .. } => format!("done {attempts}"),
                _ => return,
            };
            log.lock().unwrap().push(line);
        })
        .build()
        .unwrap()
}

/// A cache the test keeps a handle on.
struct Shared(Arc<dyn ResponseCache>);

impl ResponseCache for Shared {
    fn get<'a>(
        &'a self,
        key: &'a pluck::cache::CacheKey,
    ) -> futures::future::BoxFuture<'a, Result<Option<String>, pluck::cache::CacheError>> {
        self.0.get(key)
    }
    fn put<'a>(
        &'a self,
        key: &'a pluck::cache::CacheKey,
        reply: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), pluck::cache::CacheError>> {
        self.0.put(key, reply)
    }
}

fn blue() -> ResponseTemplate {
    ok(completion(r#"{"name": "blue"}"#, 30, 5))
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn a_second_identical_call_is_a_hit_with_no_request_and_no_tokens() {
    let server = MockServer::start().await;
    reply_always(&server, blue()).await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, Arc::new(MemoryCache::new(100, Duration::from_secs(60))), &heard);
    let ask = || client.request::<Colour>().user("The sky was blue.").temperature(0.0).send_with_usage();
    let first = ask().await.unwrap();
    assert!(!first.cached());
    assert_eq!(first.usage.total_tokens, 35);
    let second = ask().await.unwrap();
    assert!(second.cached());
    assert_eq!((second.value.name.as_str(), second.usage.total_tokens, second.attempts), ("blue", 0, 0));
    assert_eq!(requests(&server).await, 1);
    assert_eq!(*heard.lock().unwrap(), ["request", "done 1", "hit test-model", "done 0"]);
}

#[tokio::test]
async fn a_changed_temperature_model_message_or_schema_misses() {
    let server = MockServer::start().await;
    reply_always(&server, blue()).await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, Arc::new(MemoryCache::new(100, Duration::from_secs(60))), &heard);
    let base = || client.request::<Colour>().user("The sky was blue.").temperature(0.0);
    base().send().await.unwrap();
    base().temperature(0.5).send().await.unwrap();
    base().model("other-model").send().await.unwrap();
    base().user("And the grass green.").send().await.unwrap();
    base().max_tokens(10).send().await.unwrap();
    base().mode(Mode::Tools).send().await.unwrap();
    client.request::<Shade>().user("The sky was blue.").temperature(0.0).send().await.unwrap();
    assert_eq!(requests(&server).await, 7);
    // Each of them is a hit the second time.
    base().temperature(0.5).send().await.unwrap();
    client.request::<Shade>().user("The sky was blue.").temperature(0.0).send().await.unwrap();
    assert_eq!(requests(&server).await, 7);
}

/// Time is paused only to move it on: paused while a request waits on the mock, tokio
/// would move it past the client's timeout.
#[tokio::test]
async fn an_entry_expires_after_its_ttl() {
    async fn later(by: Duration) {
        tokio::time::pause();
        tokio::time::advance(by).await;
        tokio::time::resume();
    }
    let server = MockServer::start().await;
    reply_always(&server, blue()).await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let client = client(&server, Arc::new(MemoryCache::new(100, Duration::from_secs(60))), &heard);
    let ask = || client.request::<Colour>().user("The sky was blue.").send_with_usage();
    assert!(!ask().await.unwrap().cached());
    later(Duration::from_secs(59)).await;
    assert!(ask().await.unwrap().cached());
    later(Duration::from_secs(1)).await;
    assert!(!ask().await.unwrap().cached());
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn a_failure_is_never_cached() {
    let server = MockServer::start().await;
    // Invalid, then a server error, then valid.
    reply_once(&server, ok(completion(r#"{"colour": "blue"}"#, 30, 5))).await;
    reply_once(&server, ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": {"message": "no"}})))
        .await;
    reply_always(&server, blue()).await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let cache = Arc::new(MemoryCache::new(100, Duration::from_secs(60)));
    let client = client(&server, cache.clone(), &heard);
    let ask = || client.request::<Colour>().user("The sky was blue.").send_with_usage();
    assert!(matches!(ask().await, Err(Error::ValidationExhausted(_))));
    assert!(matches!(ask().await, Err(Error::InvalidRequest { status: 400, .. })));
    assert!(cache.is_empty());
    assert!(!ask().await.unwrap().cached());
    assert!(ask().await.unwrap().cached());
    assert_eq!(requests(&server).await, 3);
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_sqlite_cache_survives_reopening_its_file_and_expires_on_its_clock() {
    use pluck::cache::SqliteCache;
    use std::time::{SystemTime, UNIX_EPOCH};

    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let path = std::env::temp_dir().join(format!("pluck-cache-{}-{nanos}.sqlite3", std::process::id()));
    let server = MockServer::start().await;
    reply_always(&server, blue()).await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let now = Arc::new(Mutex::new(SystemTime::now()));
    let open = |now: Arc<Mutex<SystemTime>>| {
        SqliteCache::open(&path, Duration::from_secs(3_600)).unwrap().with_clock(move || *now.lock().unwrap())
    };
    let ask = |client: Client| async move {
        client.request::<Colour>().user("The sky was blue.").send_with_usage().await.unwrap().cached()
    };
    assert!(!ask(client(&server, Arc::new(open(now.clone())), &heard)).await);
    // Another cache on the same file: the reply is there.
    assert!(ask(client(&server, Arc::new(open(now.clone())), &heard)).await);
    *now.lock().unwrap() += Duration::from_secs(3_600);
    assert!(!ask(client(&server, Arc::new(open(now.clone())), &heard)).await);
    assert_eq!(requests(&server).await, 2);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
