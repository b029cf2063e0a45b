//! [`SqliteBudgets`]: budgets in a SQLite file, every change in one `BEGIN IMMEDIATE`
//! transaction.

use super::{decimal, BudgetError, BudgetStore, Entry, EntryKind, Period, Reservation, Reserved, Standing};
use crate::sqlite::{immediate, Sqlite};
use futures_util::future::BoxFuture;
use rusqlite::{params, Connection, OptionalExtension};
use rust_decimal::Decimal;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// The ledger has no index by customer: each change writes one page fewer (a fifth
/// less CPU per extraction), and reading a customer's ledger, which audits do, scans
/// it. `CREATE INDEX pluck_budget_ledger_customer ON pluck_budget_ledger (customer,
/// id)` makes that read fast for a store read often.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS pluck_budget_limits (
    customer TEXT PRIMARY KEY,
    amount TEXT NOT NULL,
    period TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pluck_budgets (
    customer TEXT NOT NULL,
    period_start TEXT NOT NULL,
    spent TEXT NOT NULL,
    reserved TEXT NOT NULL,
    PRIMARY KEY (customer, period_start)
);
CREATE TABLE IF NOT EXISTS pluck_budget_ledger (
    id INTEGER PRIMARY KEY,
    -- The reserve line it closes; none on a reserve line, which is its own.
    reservation INTEGER,
    customer TEXT NOT NULL,
    period_start TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
";

/// Budgets in a SQLite file: the embedded default, nothing to install or start.
/// Several processes may open the same file; every change is one `BEGIN IMMEDIATE`
/// transaction, so they never reserve past a limit together.
///
/// Amounts are stored as decimal text, and added up exactly.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pluck::budget::BudgetError> {
/// use pluck::budget::{BudgetStore, Decimal, Period, Reserved, SqliteBudgets};
/// use std::time::SystemTime;
///
/// let store = SqliteBudgets::in_memory()?;
/// store.set_limit("acme", Decimal::new(1, 0), Period::Daily).await?;
/// let Reserved::Held(held) = store.reserve("acme", Decimal::new(60, 2), SystemTime::now()).await? else {
///     unreachable!("60 cents fit in a dollar")
/// };
/// // A second 60 cents would pass the limit while the first is held.
/// assert!(matches!(store.reserve("acme", Decimal::new(60, 2), SystemTime::now()).await?, Reserved::Refused(_)));
/// let standing = store.settle(&held, Decimal::new(25, 2)).await?;
/// assert_eq!(standing.spent, Decimal::new(25, 2));
/// assert_eq!(standing.reserved, Decimal::ZERO);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteBudgets {
    db: Sqlite,
}

impl std::fmt::Debug for SqliteBudgets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteBudgets")
    }
}

impl SqliteBudgets {
    /// Opens the store at `path`, creating the file and its tables if need be.
    ///
    /// # Errors
    /// [`BudgetError::Store`] when the file cannot be opened or is not a database.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, BudgetError> {
        Ok(SqliteBudgets { db: Sqlite::open(path.as_ref(), SCHEMA).map_err(BudgetError::store)? })
    }

    /// A store in memory, for this process alone (tests, examples).
    ///
    /// # Errors
    /// [`BudgetError::Store`] when SQLite cannot start.
    pub fn in_memory() -> Result<Self, BudgetError> {
        Ok(SqliteBudgets { db: Sqlite::in_memory(SCHEMA).map_err(BudgetError::store)? })
    }
}

fn store(err: rusqlite::Error) -> BudgetError {
    BudgetError::store(err)
}

/// Runs `sql` with `params`, its statement prepared once per connection.
fn exec(conn: &rusqlite::Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// The one row `sql` reads, its statement prepared once per connection.
fn row<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
    read: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, read)
}

fn millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as i64)
}

/// The customer's limit and period.
fn limit(tx: &Connection, customer: &str) -> Result<(Decimal, Period), BudgetError> {
    let row: Option<(String, String)> =
        row(tx, "SELECT amount, period FROM pluck_budget_limits WHERE customer = ?1", [customer], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .map_err(store)?;
    let (amount, period) = row.ok_or_else(|| BudgetError::NoLimit { customer: customer.to_owned() })?;
    let period = Period::parse(&period).ok_or_else(|| BudgetError::store(format!("unknown period {period:?}")))?;
    Ok((decimal(&amount)?, period))
}

/// Spent and reserved in a period, the period's row made if it is new.
fn spending(tx: &Connection, customer: &str, start: &str) -> Result<(Decimal, Decimal), BudgetError> {
    exec(
        tx,
        "INSERT OR IGNORE INTO pluck_budgets (customer, period_start, spent, reserved) VALUES (?1, ?2, '0', '0')",
        params![customer, start],
    )
    .map_err(store)?;
    let (spent, reserved): (String, String) = row(
        tx,
        "SELECT spent, reserved FROM pluck_budgets WHERE customer = ?1 AND period_start = ?2",
        params![customer, start],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .map_err(store)?;
    Ok((decimal(&spent)?, decimal(&reserved)?))
}

/// `customer`'s limit and spending in the period `at` falls in.
fn standing_at(tx: &Connection, customer: &str, at: SystemTime) -> Result<Standing, BudgetError> {
    let (limit, period) = limit(tx, customer)?;
    let start = period.start(at);
    let (spent, reserved) = spending(tx, customer, &start)?;
    Ok(Standing::new(limit, spent, reserved, start))
}

fn record(
    tx: &Connection,
    reservation: Option<i64>,
    held: (&str, &str),
    kind: EntryKind,
    amount: Decimal,
) -> Result<i64, BudgetError> {
    exec(tx,
        "INSERT INTO pluck_budget_ledger (reservation, customer, period_start, kind, amount, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![reservation, held.0, held.1, kind.as_str(), amount.to_string(), millis(SystemTime::now())],
    )
    .map_err(store)?;
    Ok(tx.last_insert_rowid())
}

/// Frees `reservation` and spends `actual`, recording it as `kind`; the standing after.
fn close(
    conn: &Connection,
    reservation: &Reservation,
    actual: Decimal,
    kind: EntryKind,
) -> Result<Standing, BudgetError> {
    immediate(conn, store, |tx| {
        let (customer, start) = (reservation.customer.as_str(), reservation.period_start.as_str());
        let (limit, _) = limit(tx, customer)?;
        let (spent, reserved) = spending(tx, customer, start)?;
        let (spent, reserved) = (spent + actual, reserved - reservation.amount);
        exec(
            tx,
            "UPDATE pluck_budgets SET spent = ?3, reserved = ?4 WHERE customer = ?1 AND period_start = ?2",
            params![customer, start, spent.to_string(), reserved.to_string()],
        )
        .map_err(store)?;
        let amount = if kind == EntryKind::Settle { actual } else { reservation.amount };
        record(tx, Some(reservation.id), (customer, start), kind, amount)?;
        Ok(Standing::new(limit, spent, reserved, start))
    })
}

impl BudgetStore for SqliteBudgets {
    fn set_limit<'a>(
        &'a self,
        customer: &'a str,
        limit: Decimal,
        period: Period,
    ) -> BoxFuture<'a, Result<(), BudgetError>> {
        let customer = customer.to_owned();
        Box::pin(self.db.run(move |conn| {
            exec(
                conn,
                "INSERT INTO pluck_budget_limits (customer, amount, period) VALUES (?1, ?2, ?3)
                 ON CONFLICT (customer) DO UPDATE SET amount = excluded.amount, period = excluded.period",
                params![customer, limit.to_string(), period.as_str()],
            )
            .map_err(store)?;
            Ok(())
        }))
    }

    fn reserve<'a>(
        &'a self,
        customer: &'a str,
        amount: Decimal,
        at: SystemTime,
    ) -> BoxFuture<'a, Result<Reserved, BudgetError>> {
        let customer = customer.to_owned();
        Box::pin(self.db.run(move |conn| {
            immediate(conn, store, |tx| {
                let now = standing_at(tx, &customer, at)?;
                if now.spent + now.reserved + amount > now.limit {
                    return Ok(Reserved::Refused(now));
                }
                let start = now.period_start;
                exec(
                    tx,
                    "UPDATE pluck_budgets SET reserved = ?3 WHERE customer = ?1 AND period_start = ?2",
                    params![customer, start, (now.reserved + amount).to_string()],
                )
                .map_err(store)?;
                let id = record(tx, None, (&customer, &start), EntryKind::Reserve, amount)?;
                Ok(Reserved::Held(Reservation::new(id, customer, start, amount)))
            })
        }))
    }

    fn settle<'a>(
        &'a self,
        reservation: &'a Reservation,
        actual: Decimal,
    ) -> BoxFuture<'a, Result<Standing, BudgetError>> {
        let reservation = reservation.clone();
        Box::pin(self.db.run(move |conn| close(conn, &reservation, actual, EntryKind::Settle)))
    }

    fn release<'a>(&'a self, reservation: &'a Reservation) -> BoxFuture<'a, Result<(), BudgetError>> {
        let reservation = reservation.clone();
        Box::pin(self.db.run(move |conn| close(conn, &reservation, Decimal::ZERO, EntryKind::Release).map(drop)))
    }

    fn standing<'a>(&'a self, customer: &'a str, at: SystemTime) -> BoxFuture<'a, Result<Standing, BudgetError>> {
        let customer = customer.to_owned();
        Box::pin(self.db.run(move |conn| immediate(conn, store, |tx| standing_at(tx, &customer, at))))
    }

    fn ledger<'a>(&'a self, customer: &'a str) -> BoxFuture<'a, Result<Vec<Entry>, BudgetError>> {
        let customer = customer.to_owned();
        Box::pin(self.db.run(move |conn| {
            let mut statement = conn
                .prepare("SELECT COALESCE(reservation, id), kind, amount, period_start FROM pluck_budget_ledger WHERE customer = ?1 ORDER BY id")
                .map_err(store)?;
            let rows = statement
                .query_map([customer], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, String>(3)?))
                })
                .map_err(store)?;
            let mut entries = Vec::new();
            for row in rows {
                let (reservation, kind, amount, start) = row.map_err(store)?;
                let kind = EntryKind::parse(&kind).ok_or_else(|| BudgetError::store(format!("unknown ledger kind {kind:?}")))?;
                entries.push(Entry::new(reservation, kind, decimal(&amount)?, start));
            }
            Ok(entries)
        }))
    }
}
