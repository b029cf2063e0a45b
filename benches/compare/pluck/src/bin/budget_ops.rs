//! Reserve-and-settle pairs per second on each budget store: one after another, then
//! 64 at a time, each pair a reservation and its settlement for one customer.
//!
//! ```sh
//! cargo run --release -p bench-pluck --features budget-postgres --bin budget-ops -- [PAIRS]
//! ```
//!
//! SQLite in a file under the temporary directory; PostgreSQL when
//! PLUCK_TEST_POSTGRES_URL names a server (`scripts/postgres env`); each also wrapped
//! in `Leased` (`sqlite+leased`, `postgres+leased`: pairs drawn from leases of the
//! default size). Prints one JSON line per store and workload.

use pluck::budget::{BudgetStore, Decimal, LeasePolicy, Leased, Period, Reserved, SqliteBudgets};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

async fn pair(store: &dyn BudgetStore, customer: &str) {
    let amount = Decimal::new(25, 4);
    match store.reserve(customer, amount, SystemTime::now()).await.expect("reserve") {
        Reserved::Held(held) => {
            store.settle(&held, Decimal::new(20, 4)).await.expect("settle");
        }
        other => panic!("the limit affords every pair: {other:?}"),
    }
}

async fn measure(name: &str, store: Arc<dyn BudgetStore>, pairs: usize) {
    let customer = format!("bench-{}-{}", std::process::id(), name);
    store.set_limit(&customer, Decimal::from(1_000_000_000), Period::Monthly).await.expect("limit");
    for _ in 0..50 {
        pair(&*store, &customer).await;
    }
    let start = Instant::now();
    for _ in 0..pairs {
        pair(&*store, &customer).await;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"store\":\"{name}\",\"concurrency\":1,\"pairs\":{pairs},\"secs\":{secs:.3},\"pairs_per_sec\":{:.0}}}",
        pairs as f64 / secs
    );
    let concurrency = 64;
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (store, customer) = (store.clone(), customer.clone());
            tokio::spawn(async move {
                for _ in 0..pairs / concurrency {
                    pair(&*store, &customer).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task");
    }
    let secs = start.elapsed().as_secs_f64();
    let done = pairs / concurrency * concurrency;
    println!(
        "{{\"store\":\"{name}\",\"concurrency\":{concurrency},\"pairs\":{done},\"secs\":{secs:.3},\"pairs_per_sec\":{:.0}}}",
        done as f64 / secs
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let pairs: usize = std::env::args().nth(1).map_or(5_000, |n| n.parse().expect("PAIRS is a number"));
    let path = std::env::temp_dir().join(format!("pluck-budget-ops-{}.sqlite3", std::process::id()));
    let sqlite = SqliteBudgets::open(&path).expect("the file opens");
    measure("sqlite", Arc::new(sqlite.clone()), pairs).await;
    measure("sqlite+leased", Arc::new(Leased::new(sqlite, LeasePolicy::default())), pairs).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    #[cfg(feature = "budget-postgres")]
    match std::env::var("PLUCK_TEST_POSTGRES_URL") {
        Ok(url) => {
            let store = Arc::new(pluck::budget::PostgresBudgets::connect(&url).await.expect("the server answers"));
            measure("postgres", store.clone(), pairs).await;
            measure("postgres+leased", Arc::new(Leased::new(store, LeasePolicy::default())), pairs).await;
        }
        Err(_) => eprintln!("postgres: skipped, PLUCK_TEST_POSTGRES_URL is not set"),
    }
}
