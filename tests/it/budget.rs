//! Budgets per customer (features `sqlite`, `postgres`): a refusal before any request,
//! settlement and release, thresholds once per period, and, under concurrency, in one
//! process and two, exactly as many extractions as the limit affords.
//!
//! The PostgreSQL tests read `PLUCK_TEST_POSTGRES_URL` (set by `scripts/postgres env`)
//! and skip with a message when it is unset.

use crate::support::MockServer;
use crate::support::{ok, reply_always, SECRET};
use pluck::budget::{Budget, BudgetStore, Decimal, EntryKind, LeasePolicy, Leased, Period, Reserved};
use pluck::cost::{Amount, BudgetScope, Price};
use pluck::observe::Event;
use pluck::{Client, ConfigError, Error, Extract, Mode};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use wiremock::ResponseTemplate;

#[derive(Extract, Deserialize, JsonSchema, Debug)]
struct Colour {
    name: String,
}

/// What one token costs: one dollar per million, input and output alike.
fn price() -> Decimal {
    Decimal::new(1, 6)
}

/// The test model's price: [`price`] a token.
fn model_price() -> Price {
    Price::per_million(Decimal::ONE, Decimal::ONE)
}

/// A customer name no earlier run used (the PostgreSQL database outlives a run).
fn customer(tag: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!("{tag}-{}-{nanos}", std::process::id())
}

fn client(base: &str, budget: Budget) -> Client {
    Client::builder()
        .base_url(format!("{base}/v1"))
        .api_key(SECRET)
        .model("test-model")
        .price("test-model", model_price())
        .mode(Mode::JsonSchema)
        .retry_policy(pluck::RetryPolicy::default().retries(0))
        .timeout(Duration::from_secs(30))
        .customer_budgets(budget)
        .build()
        .expect("client")
}

/// The reply every attempt gets: a valid colour that used `tokens` tokens.
fn reply(tokens: u64) -> ResponseTemplate {
    ok(crate::support::completion(r#"{"name": "blue"}"#, tokens - 10, 10))
}

async fn extract(client: &Client, customer: &str) -> Result<pluck::Extracted<Colour>, Error> {
    client.request::<Colour>().customer(customer).user("The sky was blue.").max_tokens(50).send_with_usage().await
}

/// What one attempt of [`extract`] reserves, read from the ledger of a probe.
async fn upper_bound(store: Arc<dyn BudgetStore>) -> Decimal {
    let server = MockServer::start().await;
    reply_always(&server, reply(20)).await;
    let probe = customer("probe");
    store.set_limit(&probe, Decimal::from(1_000), Period::Monthly).await.unwrap();
    extract(&client(&server.uri(), Budget::shared(store.clone())), &probe).await.unwrap();
    let ledger = store.ledger(&probe).await.unwrap();
    assert_eq!(ledger[0].kind, EntryKind::Reserve);
    ledger[0].amount
}

/// The tokens that cost exactly `amount`.
fn tokens(amount: Decimal) -> u64 {
    u64::try_from((amount / price()).normalize().mantissa()).unwrap()
}

/// Sums of the customer's ledger by kind: reserve, settle, release; and the count of
/// reserve lines.
async fn sums(store: &dyn BudgetStore, customer: &str) -> (Decimal, Decimal, Decimal, usize) {
    let ledger = store.ledger(customer).await.unwrap();
    let sum = |kind| ledger.iter().filter(|e| e.kind == kind).map(|e| e.amount).sum::<Decimal>();
    let reserves = ledger.iter().filter(|e| e.kind == EntryKind::Reserve).count();
    (sum(EntryKind::Reserve), sum(EntryKind::Settle), sum(EntryKind::Release), reserves)
}

/// `count` concurrent extractions for `customer`; how many succeeded. Every failure
/// must be the budget's refusal.
async fn hammer(client: &Client, customer: &str, count: usize) -> usize {
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            let (client, customer) = (client.clone(), customer.to_owned());
            tokio::spawn(async move { extract(&client, &customer).await })
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => successes += 1,
            Err(Error::BudgetExceeded {
                scope: BudgetScope::Customer(who),
                spent: Amount::Dollars(spent),
                next: Amount::Dollars(next),
                limit: Amount::Dollars(limit),
            }) => {
                assert_eq!(who, customer);
                assert!(spent + next > limit, "{spent} + {next} <= {limit}");
            }
            Err(other) => panic!("not a budget refusal: {other:?}"),
        }
    }
    successes
}

/// A customer `tag` whose monthly limit affords exactly `afford` attempts, and a mock
/// whose every reply costs exactly an attempt's reservation (so the limit affords
/// `afford` of them however the calls interleave): the reservation, the mock, the
/// customer and the limit.
async fn affording(store: &Arc<dyn BudgetStore>, tag: &str, afford: usize) -> (Decimal, MockServer, String, Decimal) {
    let bound = upper_bound(store.clone()).await;
    let server = MockServer::start().await;
    reply_always(&server, reply(tokens(bound))).await;
    let who = customer(tag);
    let limit = bound * Decimal::from(afford);
    store.set_limit(&who, limit, Period::Monthly).await.unwrap();
    (bound, server, who, limit)
}

/// A budget that affords exactly `afford` extractions, 1,000 of them at once (split
/// over two processes when `second` names the store for the worker): exactly
/// `afford` succeed, the spending is at most the limit, and the ledger sums to it.
/// With two processes, the limit affords more than either half, so both spend.
async fn affords_exactly(store: Arc<dyn BudgetStore>, second: Option<String>) {
    let (afford, total) = (600, 1_000);
    let (_, server, who, limit) = affording(&store, "acme", afford).await;
    let client = client(&server.uri(), Budget::shared(store.clone()));
    let successes = match second {
        None => hammer(&client, &who, total).await,
        Some(store_spec) => {
            let (here, there) = hammer_in_two(&client, &*store, &who, &store_spec, &server.uri(), total).await;
            here + there
        }
    };
    assert_eq!(successes, afford);
    assert_eq!(server.received_requests().await.unwrap().len(), afford);
    let standing = store.standing(&who, SystemTime::now()).await.unwrap();
    assert_eq!(standing.spent, limit);
    assert_eq!(standing.reserved, Decimal::ZERO);
    let (reserved, settled, released, reserves) = sums(&*store, &who).await;
    assert_eq!(reserves, afford);
    assert_eq!(settled, standing.spent);
    assert_eq!(reserved, settled + released);
}

/// With leases, in one process: exactly as many extractions as the limit affords, the
/// spending is the limit once the leases are flushed, and the store was asked for far
/// fewer reservations than there were extractions.
async fn leased_affords_exactly(inner: Arc<dyn BudgetStore>) {
    let (afford, total) = (600, 1_000);
    let (_, server, who, limit) = affording(&inner, "leased", afford).await;
    let leased = Arc::new(Leased::new(inner.clone(), LeasePolicy::default()));
    let client = client(&server.uri(), Budget::shared(leased.clone()));
    assert_eq!(hammer(&client, &who, total).await, afford);
    assert_eq!(server.received_requests().await.unwrap().len(), afford);
    leased.flush().await.unwrap();
    let standing = inner.standing(&who, SystemTime::now()).await.unwrap();
    assert_eq!((standing.spent, standing.reserved), (limit, Decimal::ZERO));
    let (reserved, settled, _, reserves) = sums(&*inner, &who).await;
    assert_eq!(settled, limit);
    assert!(reserved >= settled, "{reserved} reserved, {settled} settled");
    assert!(reserves < afford / 4, "{reserves} reservations in the store for {afford} extractions");
}

/// `total` extractions for `who` at once: half by `client` here, half by a worker
/// process paying from the store `store_spec` names (`sqlite:PATH`, `postgres:URL`,
/// either prefixed `leased+`) against the mock at `base`. How many succeeded here and
/// there; both must get some.
async fn hammer_in_two(
    client: &Client,
    store: &dyn BudgetStore,
    who: &str,
    store_spec: &str,
    base: &str,
    total: usize,
) -> (usize, usize) {
    let spec = format!("{store_spec}\n{base}\n{who}\n{}", total / 2);
    let worker = tokio::task::spawn_blocking(move || {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["budget::worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env("PLUCK_BUDGET_WORKER", spec)
            .output()
    });
    // This process starts once the worker has reserved, so that both hammer the
    // store at once.
    for _ in 0..3_000 {
        if !store.ledger(who).await.unwrap().is_empty() || worker.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (here, worker) = tokio::join!(hammer(client, who, total - total / 2), worker);
    let worker = worker.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&worker.stdout);
    assert!(worker.status.success(), "the worker failed: {stdout}\n{}", String::from_utf8_lossy(&worker.stderr));
    let there: usize = stdout
        .split_once("successes=")
        .and_then(|(_, count)| count.split_whitespace().next())
        .unwrap_or_else(|| panic!("no count from the worker: {stdout}"))
        .parse()
        .unwrap();
    assert!(there > 0 && here > 0, "both processes should get some: {here} here, {there} there");
    (here, there)
}

/// With leases in two processes sharing a store: never past the limit, and the
/// ledger sums to the spending; the room left in one process's lease when the other
/// is refused is lost to it, so up to a lease's worth of extractions may be refused
/// that the limit would have afforded.
async fn leased_in_two(inner: Arc<dyn BudgetStore>, store_spec: &str) {
    let (afford, total) = (600, 1_000);
    let (bound, server, who, _) = affording(&inner, "leased-two", afford).await;
    let leased = Arc::new(Leased::new(inner.clone(), LeasePolicy::default()));
    let client = client(&server.uri(), Budget::shared(leased.clone()));
    let spec = format!("leased+{store_spec}");
    let (here, there) = hammer_in_two(&client, &*inner, &who, &spec, &server.uri(), total).await;
    leased.flush().await.unwrap();
    let successes = here + there;
    let lease = usize::try_from(LeasePolicy::default().draws_per_lease()).unwrap();
    assert!(successes <= afford && successes + lease >= afford, "{successes} of {afford} afforded");
    assert_eq!(server.received_requests().await.unwrap().len(), successes);
    let standing = inner.standing(&who, SystemTime::now()).await.unwrap();
    assert_eq!(standing.spent, bound * Decimal::from(successes));
    assert_eq!(standing.reserved, Decimal::ZERO);
    let (_, settled, _, _) = sums(&*inner, &who).await;
    assert_eq!(settled, standing.spent);
}

/// The other process of the two-process tests; it runs only when they start it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the second process of the two-process budget tests, which start it"]
async fn worker() {
    let spec = std::env::var("PLUCK_BUDGET_WORKER").expect("PLUCK_BUDGET_WORKER: store, mock URL, customer, count");
    let [store, base, who, count]: [&str; 4] = spec.lines().collect::<Vec<_>>().try_into().unwrap();
    let count = count.parse().unwrap();
    let successes = match store.strip_prefix("leased+") {
        Some(inner) => {
            let leased = Arc::new(Leased::new(open(inner).await, LeasePolicy::default()));
            let successes = hammer(&client(base, Budget::shared(leased.clone())), who, count).await;
            leased.flush().await.unwrap();
            successes
        }
        None => hammer(&client(base, Budget::shared(open(store).await)), who, count).await,
    };
    println!("successes={successes}");
}

/// The store a worker's spec names: `sqlite:PATH` or `postgres:URL`.
async fn open(spec: &str) -> Arc<dyn BudgetStore> {
    match spec.split_once(':') {
        #[cfg(feature = "sqlite")]
        Some(("sqlite", path)) => Arc::new(pluck::budget::SqliteBudgets::open(path).unwrap()),
        #[cfg(feature = "postgres")]
        Some(("postgres", url)) => Arc::new(pluck::budget::PostgresBudgets::connect(url).await.unwrap()),
        _ => panic!("unknown store {spec:?}"),
    }
}

/// A SQLite file in the temporary directory, removed when dropped.
#[cfg(feature = "sqlite")]
struct TempFile(std::path::PathBuf);

#[cfg(feature = "sqlite")]
impl TempFile {
    fn new(tag: &str) -> Self {
        TempFile(std::env::temp_dir().join(format!("{}.sqlite3", customer(tag))))
    }
}

#[cfg(feature = "sqlite")]
impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
fn postgres_url(test: &str) -> Option<String> {
    let url = std::env::var("PLUCK_TEST_POSTGRES_URL").ok().filter(|url| !url.is_empty());
    if url.is_none() {
        eprintln!("skipping {test}: PLUCK_TEST_POSTGRES_URL is not set (scripts/postgres env sets it)");
    }
    url
}

/// The stores under test: SQLite in memory, and PostgreSQL when a server is named.
// Pushed one by one: each is behind its feature.
#[allow(clippy::vec_init_then_push)]
async fn stores(test: &str) -> Vec<Arc<dyn BudgetStore>> {
    let mut stores: Vec<Arc<dyn BudgetStore>> = Vec::new();
    #[cfg(feature = "sqlite")]
    stores.push(Arc::new(pluck::budget::SqliteBudgets::in_memory().unwrap()));
    #[cfg(feature = "postgres")]
    if let Some(url) = postgres_url(test) {
        stores.push(Arc::new(pluck::budget::PostgresBudgets::connect(&url).await.unwrap()));
    }
    let _ = test;
    stores
}

#[tokio::test]
async fn a_budget_that_cannot_afford_the_call_refuses_before_any_request() {
    for store in stores("a_budget_that_cannot_afford_the_call_refuses_before_any_request").await {
        let server = MockServer::start().await;
        reply_always(&server, reply(20)).await;
        let who = customer("poor");
        store.set_limit(&who, Decimal::new(1, 6), Period::Daily).await.unwrap();
        let err = extract(&client(&server.uri(), Budget::shared(store.clone())), &who).await.unwrap_err();
        match &err {
            Error::BudgetExceeded { scope: BudgetScope::Customer(customer), spent, next, limit } => {
                assert_eq!(customer, &who);
                assert_eq!((*spent, *limit), (Amount::Dollars(Decimal::ZERO), Amount::Dollars(Decimal::new(1, 6))));
                assert!(matches!(next, Amount::Dollars(next) if *next > Decimal::new(1, 6)), "{next}");
            }
            other => panic!("not a budget refusal: {other:?}"),
        }
        assert!(err.to_string().contains(&who), "{err}");
        assert!(server.received_requests().await.unwrap().is_empty());
        assert!(store.ledger(&who).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_reply_is_settled_at_its_cost_and_a_failed_call_released() {
    for store in stores("a_reply_is_settled_at_its_cost_and_a_failed_call_released").await {
        let server = MockServer::start().await;
        crate::support::reply_once(&server, reply(120)).await;
        reply_always(&server, ResponseTemplate::new(400).set_body_json(json!({"error": {"message": "bad"}}))).await;
        let who = customer("settle");
        store.set_limit(&who, Decimal::ONE, Period::Monthly).await.unwrap();
        let client = client(&server.uri(), Budget::shared(store.clone()));
        let extracted = extract(&client, &who).await.unwrap();
        assert_eq!(extracted.usage.total_tokens, 120);
        let standing = store.standing(&who, SystemTime::now()).await.unwrap();
        assert_eq!((standing.spent, standing.reserved), (Decimal::new(120, 6), Decimal::ZERO));
        // Settled at the reply's cost, the figure the extraction reports; reserved at
        // the top of the attempt's estimate.
        assert_eq!(extracted.cost.as_ref().map(|cost| cost.total), Some(standing.spent));
        let estimate = client.request::<Colour>().user("The sky was blue.").max_tokens(50).estimate().unwrap();
        let ledger = store.ledger(&who).await.unwrap();
        assert_eq!(Some(ledger[0].amount), estimate.cost.map(|range| range.max));
        assert!(matches!(extract(&client, &who).await, Err(Error::InvalidRequest { status: 400, .. })));
        let standing = store.standing(&who, SystemTime::now()).await.unwrap();
        assert_eq!((standing.spent, standing.reserved), (Decimal::new(120, 6), Decimal::ZERO));
        let kinds: Vec<_> = store.ledger(&who).await.unwrap().iter().map(|e| (e.kind, e.reservation)).collect();
        let (first, second) = (kinds[0].1, kinds[2].1);
        assert_eq!(
            kinds,
            [
                (EntryKind::Reserve, first),
                (EntryKind::Settle, first),
                (EntryKind::Reserve, second),
                (EntryKind::Release, second)
            ]
        );
    }
}

#[tokio::test]
async fn thresholds_are_heard_once_per_period_and_periods_reset() {
    for store in stores("thresholds_are_heard_once_per_period_and_periods_reset").await {
        let bound = upper_bound(store.clone()).await;
        let server = MockServer::start().await;
        reply_always(&server, reply(tokens(bound))).await;
        let who = customer("alerts");
        // Four calls: 25, 50, 75 and 100% of the limit.
        store.set_limit(&who, bound * Decimal::from(4), Period::Monthly).await.unwrap();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let log = heard.clone();
        let budget = Budget::shared(store.clone()).thresholds([50, 80, 100]);
        let client = Client::builder()
            .base_url(format!("{}/v1", server.uri()))
            .api_key(SECRET)
            .model("test-model")
            .price("test-model", model_price())
            .customer_budgets(budget)
            .observe(move |event: &Event<'_>| {
                if let Event::BudgetThreshold { customer, percent, .. } = event {
                    log.lock().unwrap().push(format!("{customer} {percent}"));
                }
            })
            .build()
            .unwrap();
        for _ in 0..4 {
            extract(&client, &who).await.unwrap();
        }
        assert!(matches!(extract(&client, &who).await, Err(Error::BudgetExceeded { .. })));
        assert_eq!(*heard.lock().unwrap(), [format!("{who} 50"), format!("{who} 80"), format!("{who} 100")]);

        // The next month starts from nothing.
        let next_month = SystemTime::now() + Duration::from_secs(32 * 86_400);
        let standing = store.standing(&who, next_month).await.unwrap();
        assert_eq!((standing.spent, standing.reserved), (Decimal::ZERO, Decimal::ZERO));
        assert_ne!(standing.period_start, store.standing(&who, SystemTime::now()).await.unwrap().period_start);
        let Reserved::Held(held) = store.reserve(&who, bound * Decimal::from(4), next_month).await.unwrap() else {
            panic!("a new month affords the whole limit again");
        };
        assert!(matches!(store.reserve(&who, bound, next_month).await.unwrap(), Reserved::Refused(_)));
        store.release(&held).await.unwrap();
    }
}

#[tokio::test]
async fn a_model_without_a_price_is_refused_before_any_request() {
    for store in stores("a_model_without_a_price_is_refused_before_any_request").await {
        let server = MockServer::start().await;
        reply_always(&server, reply(20)).await;
        let who = customer("unpriced");
        store.set_limit(&who, Decimal::ONE, Period::Monthly).await.unwrap();
        let client = Client::builder()
            .base_url(format!("{}/v1", server.uri()))
            .api_key(SECRET)
            .model("a-model-nobody-prices")
            .customer_budgets(Budget::shared(store.clone()))
            .build()
            .unwrap();
        let err = extract(&client, &who).await.unwrap_err();
        assert!(
            matches!(&err, Error::Config(ConfigError::NoPrice { model }) if model == "a-model-nobody-prices"),
            "{err:?}"
        );
        assert!(server.received_requests().await.unwrap().is_empty());
        assert!(store.ledger(&who).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_customer_without_a_limit_or_a_client_without_a_budget_is_an_error() {
    let server = MockServer::start().await;
    reply_always(&server, reply(20)).await;
    for store in stores("a_customer_without_a_limit_or_a_client_without_a_budget_is_an_error").await {
        let err = extract(&client(&server.uri(), Budget::shared(store)), &customer("nobody")).await.unwrap_err();
        assert!(matches!(err, Error::Budget(pluck::budget::BudgetError::NoLimit { .. })), "{err:?}");
    }
    let plain = crate::support::client(&server, Mode::JsonSchema);
    let err = extract(&plain, "acme").await.unwrap_err();
    assert!(matches!(err, Error::Budget(pluck::budget::BudgetError::NotConfigured { .. })), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_thousand_concurrent_extractions_spend_exactly_the_limit() {
    affords_exactly(Arc::new(pluck::budget::SqliteBudgets::in_memory().unwrap()), None).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_processes_sharing_a_file_spend_exactly_the_limit() {
    let file = TempFile::new("budgets");
    let store = Arc::new(pluck::budget::SqliteBudgets::open(&file.0).unwrap());
    affords_exactly(store, Some(format!("sqlite:{}", file.0.display()))).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_leased_in_two_processes_never_spend_past_the_limit() {
    let file = TempFile::new("leased");
    let store = Arc::new(pluck::budget::SqliteBudgets::open(&file.0).unwrap());
    leased_in_two(store, &format!("sqlite:{}", file.0.display())).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_leased_in_two_processes_never_spend_past_the_limit() {
    let Some(url) = postgres_url("postgres_leased_in_two_processes_never_spend_past_the_limit") else { return };
    let store = Arc::new(pluck::budget::PostgresBudgets::connect(&url).await.unwrap());
    leased_in_two(store, &format!("postgres:{url}")).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_leased_a_thousand_concurrent_extractions_spend_exactly_the_limit() {
    leased_affords_exactly(Arc::new(pluck::budget::SqliteBudgets::in_memory().unwrap())).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_leased_a_thousand_concurrent_extractions_spend_exactly_the_limit() {
    let Some(url) = postgres_url("postgres_leased_a_thousand_concurrent_extractions_spend_exactly_the_limit") else {
        return;
    };
    leased_affords_exactly(Arc::new(pluck::budget::PostgresBudgets::connect(&url).await.unwrap())).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_thousand_concurrent_extractions_spend_exactly_the_limit() {
    let Some(url) = postgres_url("postgres_a_thousand_concurrent_extractions_spend_exactly_the_limit") else { return };
    affords_exactly(Arc::new(pluck::budget::PostgresBudgets::connect(&url).await.unwrap()), None).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_processes_spend_exactly_the_limit() {
    let Some(url) = postgres_url("postgres_two_processes_spend_exactly_the_limit") else { return };
    let store = Arc::new(pluck::budget::PostgresBudgets::connect(&url).await.unwrap());
    affords_exactly(store, Some(format!("postgres:{url}"))).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_stream_is_settled_at_its_end_and_released_when_dropped_midway() {
    use crate::support::sse::{content_stream, sse};
    use futures::StreamExt;

    let server = MockServer::start().await;
    let text = r#"{"name": "a rather long shade of blue"}"#;
    crate::support::reply_once(&server, sse(content_stream(text, Some("stop"), Some((90, 10)), true))).await;
    reply_always(&server, sse(content_stream(text, Some("stop"), Some((90, 10)), true))).await;
    let store: Arc<dyn BudgetStore> = Arc::new(pluck::budget::SqliteBudgets::in_memory().unwrap());
    let who = customer("stream");
    store.set_limit(&who, Decimal::ONE, Period::Daily).await.unwrap();
    let client = client(&server.uri(), Budget::shared(store.clone()));
    let stream = || client.request::<Colour>().customer(&who).user("The sky was blue.").max_tokens(50).stream();

    let mut whole = stream();
    let done = loop {
        match whole.next().await.expect("the stream ends with its value").unwrap() {
            pluck::stream::Update::Done(done) => break done,
            _ => continue,
        }
    };
    assert_eq!(done.value.name, "a rather long shade of blue");
    let standing = store.standing(&who, SystemTime::now()).await.unwrap();
    assert_eq!((standing.spent, standing.reserved), (Decimal::new(100, 6), Decimal::ZERO));

    let mut partials = stream();
    partials.next().await.unwrap().unwrap();
    assert!(store.standing(&who, SystemTime::now()).await.unwrap().reserved > Decimal::ZERO);
    drop(partials);
    let standing = store.standing(&who, SystemTime::now()).await.unwrap();
    assert_eq!((standing.spent, standing.reserved), (Decimal::new(100, 6), Decimal::ZERO));
    let kinds: Vec<_> = store.ledger(&who).await.unwrap().iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EntryKind::Reserve, EntryKind::Settle, EntryKind::Reserve, EntryKind::Release]);
}
