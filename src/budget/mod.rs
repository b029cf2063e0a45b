//! Budgets per customer, kept in a store several processes can share.
//!
//! A [`Budget`] on the client ([`ClientBuilder::customer_budgets`](crate::ClientBuilder::customer_budgets))
//! and a customer on the request ([`ExtractRequest::customer`](crate::ExtractRequest::customer))
//! make every attempt of that request go through one step of the attempt loop:
//! before the request, **reserve** the attempt's upper-bound cost; after the reply,
//! **settle** its actual cost; when no reply came, **release** the reservation. A
//! reservation that would take the customer past their limit for the period is
//! refused, and the extraction ends with
//! [`Error::BudgetExceeded`](crate::Error::BudgetExceeded) before any request is
//! made.
//!
//! The store does the arithmetic atomically, so concurrent extractions, in one
//! process or several, never spend past the limit together: [`SqliteBudgets`]
//! (feature `sqlite`, one file, nothing to start) and [`PostgresBudgets`] (feature
//! `postgres`, for several machines). Both keep a ledger of every reserve, settle and
//! release ([`BudgetStore::ledger`]). Limits run over a [`Period`] (daily or monthly,
//! UTC) and start again from nothing in the next one.
//!
//! Crossing a threshold of the limit (50, 80 and 100% unless set otherwise with
//! [`Budget::thresholds`]) is heard once per period as
//! [`Event::BudgetThreshold`](crate::observe::Event::BudgetThreshold), by the
//! extraction whose settlement crossed it.
//!
//! Costs are [`Decimal`]s, in US dollars at the model's price
//! ([`ClientBuilder::price`](crate::ClientBuilder::price), else the shipped
//! [`PriceTable`](crate::cost::PriceTable)). An attempt reserves the top of its
//! [`Estimate`](crate::cost::Estimate) (its input tokens and a reply as long as its
//! cap, `max_tokens` or the model's most output; without either,
//! [`Budget::default_max_tokens`]) and settles what its reply's usage cost, the same
//! figure [`Extracted::cost`](crate::Extracted::cost) adds up. A model whose price is
//! unknown cannot be paid from a budget:
//! [`ConfigError::NoPrice`](crate::ConfigError::NoPrice), before any request.
//!
//! Each reservation and settlement is a transaction in the store. Where that is too
//! slow for the traffic, [`Leased`] reserves a customer's budget in blocks of many
//! reservations and serves attempts from them in memory, at the cost of what it
//! documents (other processes see a block as reserved until it closes; the ledger has
//! a line per block).
#![cfg_attr(
    feature = "sqlite",
    doc = r#"
```
# async fn run() -> Result<(), Box<dyn std::error::Error>> {
use pluck::budget::{Budget, BudgetStore, Period, SqliteBudgets};
use rust_decimal::Decimal;

let store = SqliteBudgets::open("budgets.sqlite3")?;
// $10 a month for this customer.
store.set_limit("acme", Decimal::new(10, 0), Period::Monthly).await?;
let client = pluck::Client::builder()
    .api_key("sk-...")
    .model("gpt-4o-mini") // priced by the shipped table
    .customer_budgets(Budget::new(store))
    .build()?;
let colours: Vec<String> = client.request().customer("acme").user("The sky was blue.").send().await?;
# let _ = colours; Ok(()) }
```
"#
)]

mod calendar;
mod leased;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use calendar::Period;
pub use leased::{LeasePolicy, Leased};
#[cfg(feature = "postgres")]
pub use postgres::PostgresBudgets;
pub use rust_decimal::Decimal;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteBudgets;

use futures_util::future::BoxFuture;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

/// A budget on every extraction made for a customer: where spending is kept, and how
/// an attempt's cost is reckoned.
#[derive(Clone)]
pub struct Budget {
    pub(crate) store: Arc<dyn BudgetStore>,
    pub(crate) default_max_tokens: u32,
    pub(crate) thresholds: Arc<[u32]>,
}

impl Budget {
    /// A budget kept in `store`, with thresholds at 50, 80 and 100%. Attempts are paid
    /// at the model's price (see [`ClientBuilder::price`](crate::ClientBuilder::price)).
    pub fn new(store: impl BudgetStore + 'static) -> Self {
        Budget::shared(Arc::new(store))
    }

    /// As [`new`](Self::new), with a store shared with other code (to set limits or
    /// read the ledger).
    pub fn shared(store: Arc<dyn BudgetStore>) -> Self {
        Budget { store, default_max_tokens: 4_096, thresholds: Arc::new([50, 80, 100]) }
    }

    /// The reply's token cap an attempt reserves for when neither the request
    /// (`max_tokens`) nor the price table (the model's most output) caps it. Default
    /// 4,096.
    pub fn default_max_tokens(mut self, tokens: u32) -> Self {
        self.default_max_tokens = tokens;
        self
    }

    /// The percentages of the limit whose crossing is heard as
    /// [`Event::BudgetThreshold`](crate::observe::Event::BudgetThreshold).
    pub fn thresholds(mut self, percents: impl IntoIterator<Item = u32>) -> Self {
        let mut percents: Vec<u32> = percents.into_iter().collect();
        percents.sort_unstable();
        percents.dedup();
        self.thresholds = percents.into();
        self
    }

    /// The store spending is kept in.
    pub fn store(&self) -> &Arc<dyn BudgetStore> {
        &self.store
    }

    /// The thresholds a settlement that brought spending from `spent - actual` to
    /// `spent` crossed, of `limit`.
    pub(crate) fn crossed(&self, standing: &Standing, actual: Decimal) -> impl Iterator<Item = u32> + '_ {
        let (after, limit) = (standing.spent * Decimal::ONE_HUNDRED, standing.limit);
        let before = after - actual * Decimal::ONE_HUNDRED;
        self.thresholds.iter().copied().filter(move |&percent| {
            let mark = limit * Decimal::from(percent);
            before < mark && mark <= after
        })
    }
}

impl fmt::Debug for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Budget")
            .field("default_max_tokens", &self.default_max_tokens)
            .field("thresholds", &self.thresholds)
            .finish_non_exhaustive()
    }
}

/// Where customers' limits and spending are kept. Every method is atomic: a store
/// shared by many extractions, in many processes, never lets them reserve past a
/// limit together.
///
/// Implemented by [`SqliteBudgets`] (feature `sqlite`) and [`PostgresBudgets`]
/// (feature `postgres`).
pub trait BudgetStore: Send + Sync {
    /// Sets `customer`'s limit per `period`, from now on (spending so far in the
    /// period counts against it).
    ///
    /// # Errors
    /// [`BudgetError::Store`] when the store fails.
    fn set_limit<'a>(
        &'a self,
        customer: &'a str,
        limit: Decimal,
        period: Period,
    ) -> BoxFuture<'a, Result<(), BudgetError>>;

    /// Reserves `amount` for `customer` in the period `at` falls in, unless spending
    /// and reservations would then pass the limit: then nothing is reserved and the
    /// standing is returned.
    ///
    /// # Errors
    /// [`BudgetError::NoLimit`] for a customer with no limit set,
    /// [`BudgetError::Store`] when the store fails.
    fn reserve<'a>(
        &'a self,
        customer: &'a str,
        amount: Decimal,
        at: SystemTime,
    ) -> BoxFuture<'a, Result<Reserved, BudgetError>>;

    /// Settles `reservation` at `actual`: the reservation is freed and `actual` spent
    /// (even past the limit, if the reservation was too small). Returns the standing
    /// after it.
    ///
    /// # Errors
    /// [`BudgetError::Store`] when the store fails.
    fn settle<'a>(
        &'a self,
        reservation: &'a Reservation,
        actual: Decimal,
    ) -> BoxFuture<'a, Result<Standing, BudgetError>>;

    /// Frees `reservation` with nothing spent.
    ///
    /// # Errors
    /// [`BudgetError::Store`] when the store fails.
    fn release<'a>(&'a self, reservation: &'a Reservation) -> BoxFuture<'a, Result<(), BudgetError>>;

    /// `customer`'s limit, spending and reservations in the period `at` falls in.
    ///
    /// # Errors
    /// [`BudgetError::NoLimit`] for a customer with no limit set,
    /// [`BudgetError::Store`] when the store fails.
    fn standing<'a>(&'a self, customer: &'a str, at: SystemTime) -> BoxFuture<'a, Result<Standing, BudgetError>>;

    /// Every reserve, settle and release made for `customer`, oldest first.
    ///
    /// # Errors
    /// [`BudgetError::Store`] when the store fails.
    fn ledger<'a>(&'a self, customer: &'a str) -> BoxFuture<'a, Result<Vec<Entry>, BudgetError>>;
}

/// A shared store is a store: `Leased::new(Arc::clone(&store), ..)` keeps a handle on
/// the store it draws from.
impl<S: BudgetStore + ?Sized> BudgetStore for Arc<S> {
    fn set_limit<'a>(
        &'a self,
        customer: &'a str,
        limit: Decimal,
        period: Period,
    ) -> BoxFuture<'a, Result<(), BudgetError>> {
        (**self).set_limit(customer, limit, period)
    }

    fn reserve<'a>(
        &'a self,
        customer: &'a str,
        amount: Decimal,
        at: SystemTime,
    ) -> BoxFuture<'a, Result<Reserved, BudgetError>> {
        (**self).reserve(customer, amount, at)
    }

    fn settle<'a>(
        &'a self,
        reservation: &'a Reservation,
        actual: Decimal,
    ) -> BoxFuture<'a, Result<Standing, BudgetError>> {
        (**self).settle(reservation, actual)
    }

    fn release<'a>(&'a self, reservation: &'a Reservation) -> BoxFuture<'a, Result<(), BudgetError>> {
        (**self).release(reservation)
    }

    fn standing<'a>(&'a self, customer: &'a str, at: SystemTime) -> BoxFuture<'a, Result<Standing, BudgetError>> {
        (**self).standing(customer, at)
    }

    fn ledger<'a>(&'a self, customer: &'a str) -> BoxFuture<'a, Result<Vec<Entry>, BudgetError>> {
        (**self).ledger(customer)
    }
}

/// What a reservation came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reserved {
    /// The amount is held for the call.
    Held(Reservation),
    /// It would have passed the limit; nothing was reserved.
    Refused(Standing),
}

/// An amount held for one call, until it is settled or released.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reservation {
    /// Its number in the ledger.
    pub id: i64,
    /// The customer it is held for.
    pub customer: String,
    /// The first day of the period it counts in (`YYYY-MM-DD`, UTC).
    pub period_start: String,
    /// The amount held.
    pub amount: Decimal,
}

impl Reservation {
    /// A reservation as a store records it.
    pub fn new(id: i64, customer: impl Into<String>, period_start: impl Into<String>, amount: Decimal) -> Self {
        Reservation { id, customer: customer.into(), period_start: period_start.into(), amount }
    }
}

/// A customer's limit and spending in one period.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Standing {
    /// The limit per period.
    pub limit: Decimal,
    /// Settled in the period.
    pub spent: Decimal,
    /// Held by calls under way.
    pub reserved: Decimal,
    /// The first day of the period (`YYYY-MM-DD`, UTC).
    pub period_start: String,
}

impl Standing {
    /// A standing as a store reads it.
    pub fn new(limit: Decimal, spent: Decimal, reserved: Decimal, period_start: impl Into<String>) -> Self {
        Standing { limit, spent, reserved, period_start: period_start.into() }
    }
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The reservation it belongs to.
    pub reservation: i64,
    /// What was done.
    pub kind: EntryKind,
    /// For a reserve or a release, the amount held or freed; for a settle, the
    /// amount spent.
    pub amount: Decimal,
    /// The first day of the period it counts in.
    pub period_start: String,
}

impl Entry {
    /// A ledger line as a store reads it.
    pub fn new(reservation: i64, kind: EntryKind, amount: Decimal, period_start: impl Into<String>) -> Self {
        Entry { reservation, kind, amount, period_start: period_start.into() }
    }
}

/// What a ledger line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntryKind {
    /// An amount held before a call.
    Reserve,
    /// A call's actual cost, its reservation freed.
    Settle,
    /// A reservation freed with nothing spent.
    Release,
}

impl EntryKind {
    /// The name stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Reserve => "reserve",
            EntryKind::Settle => "settle",
            EntryKind::Release => "release",
        }
    }

    /// The kind named `name`, as stored.
    pub fn parse(name: &str) -> Option<EntryKind> {
        match name {
            "reserve" => Some(EntryKind::Reserve),
            "settle" => Some(EntryKind::Settle),
            "release" => Some(EntryKind::Release),
            _ => None,
        }
    }
}

/// Why a budget could not be kept.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetError {
    /// The customer has no limit in the store.
    #[error("no budget limit is set for customer {customer:?}")]
    NoLimit {
        /// The customer.
        customer: String,
    },
    /// A request names a customer, but the client has no budget to keep.
    #[error("the request names customer {customer:?}, but the client has no per-customer budgets (ClientBuilder::customer_budgets)")]
    NotConfigured {
        /// The customer.
        customer: String,
    },
    /// The store failed (its database could not be reached, or refused a statement).
    #[error("the budget store failed: {message}")]
    Store {
        /// What went wrong.
        message: String,
    },
}

impl BudgetError {
    /// A store failure saying `message`.
    pub fn store(message: impl fmt::Display) -> Self {
        BudgetError::Store { message: message.to_string() }
    }
}

/// A stored amount read back; a store that holds something else is broken.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn decimal(text: &str) -> Result<Decimal, BudgetError> {
    text.parse().map_err(|err| BudgetError::store(format!("stored amount {text:?} is not a decimal: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nowhere;

    impl BudgetStore for Nowhere {
        fn set_limit<'a>(&'a self, _: &'a str, _: Decimal, _: Period) -> BoxFuture<'a, Result<(), BudgetError>> {
            unimplemented!()
        }
        fn reserve<'a>(
            &'a self,
            _: &'a str,
            _: Decimal,
            _: SystemTime,
        ) -> BoxFuture<'a, Result<Reserved, BudgetError>> {
            unimplemented!()
        }
        fn settle<'a>(&'a self, _: &'a Reservation, _: Decimal) -> BoxFuture<'a, Result<Standing, BudgetError>> {
            unimplemented!()
        }
        fn release<'a>(&'a self, _: &'a Reservation) -> BoxFuture<'a, Result<(), BudgetError>> {
            unimplemented!()
        }
        fn standing<'a>(&'a self, _: &'a str, _: SystemTime) -> BoxFuture<'a, Result<Standing, BudgetError>> {
            unimplemented!()
        }
        fn ledger<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<Vec<Entry>, BudgetError>> {
            unimplemented!()
        }
    }

    #[test]
    fn a_threshold_is_crossed_by_the_settlement_that_reaches_it() {
        let budget = Budget::new(Nowhere).thresholds([100, 50, 80, 50]);
        let standing = |spent: i64| Standing::new(Decimal::from(10), Decimal::from(spent), Decimal::ZERO, "2026-11-01");
        let crossed =
            |spent: i64, actual: i64| budget.crossed(&standing(spent), Decimal::from(actual)).collect::<Vec<_>>();
        assert_eq!(crossed(4, 4), Vec::<u32>::new());
        assert_eq!(crossed(5, 1), [50]);
        assert_eq!(crossed(6, 1), Vec::<u32>::new());
        assert_eq!(crossed(10, 6), [50, 80, 100]);
        assert_eq!(crossed(12, 1), Vec::<u32>::new());
    }
}
