//! [`PostgresBudgets`]: budgets in PostgreSQL, every change one statement that checks
//! and writes at once.

use super::{decimal, BudgetError, BudgetStore, Entry, EntryKind, Period, Reservation, Reserved, Standing};
use futures_util::future::BoxFuture;
use rust_decimal::Decimal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;
use tokio_postgres::{Client, NoTls};

/// Made once per database; an advisory lock keeps two processes from making the tables
/// at the same time.
const SCHEMA: &str = "
BEGIN;
SELECT pg_advisory_xact_lock(727001);
CREATE TABLE IF NOT EXISTS pluck_budget_limits (
    customer TEXT PRIMARY KEY,
    amount NUMERIC NOT NULL,
    period TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pluck_budgets (
    customer TEXT NOT NULL,
    period_start TEXT NOT NULL,
    spent NUMERIC NOT NULL DEFAULT 0,
    reserved NUMERIC NOT NULL DEFAULT 0,
    PRIMARY KEY (customer, period_start)
);
CREATE TABLE IF NOT EXISTS pluck_budget_ledger (
    id BIGSERIAL PRIMARY KEY,
    -- The reserve line it closes; none on a reserve line, which is its own.
    reservation BIGINT,
    customer TEXT NOT NULL,
    period_start TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS pluck_budget_ledger_customer ON pluck_budget_ledger (customer, id);
COMMIT;
";

/// Reserves $2 in the period the customer's limit runs over ($3: today, $4: this
/// month), only while spending and reservations stay within the limit. One statement:
/// the upsert makes the period's row or locks it, its `WHERE` checks the limit on the
/// row's latest version, and the ledger line goes in with it. No row back: refused
/// (or no limit).
const RESERVE: &str = "
WITH held AS (
    INSERT INTO pluck_budgets AS b (customer, period_start, spent, reserved)
    SELECT $1, CASE l.period WHEN 'daily' THEN $3 ELSE $4 END, 0, $2::text::numeric
    FROM pluck_budget_limits l
    WHERE l.customer = $1 AND $2::text::numeric <= l.amount
    ON CONFLICT (customer, period_start) DO UPDATE SET reserved = b.reserved + excluded.reserved
    WHERE b.spent + b.reserved + excluded.reserved <= (SELECT amount FROM pluck_budget_limits WHERE customer = $1)
    RETURNING b.period_start
)
INSERT INTO pluck_budget_ledger (customer, period_start, kind, amount)
SELECT $1, period_start, 'reserve', $2::text::numeric FROM held
RETURNING id, period_start";

/// Frees a reservation ($4) and spends an amount ($5), with its ledger line ($6: the
/// kind, $7: the amount it records).
const CLOSE: &str = "
WITH closed AS (
    UPDATE pluck_budgets SET spent = spent + $5::text::numeric, reserved = reserved - $4::text::numeric
    WHERE customer = $1 AND period_start = $2
    RETURNING spent, reserved
), line AS (
    INSERT INTO pluck_budget_ledger (reservation, customer, period_start, kind, amount)
    VALUES ($3, $1, $2, $6, $7::text::numeric)
)
SELECT closed.spent::text, closed.reserved::text, l.amount::text
FROM closed, pluck_budget_limits l WHERE l.customer = $1";

/// Budgets in PostgreSQL, for processes on several machines. Each reserve, settle and
/// release is one statement: the conditional `UPDATE ... WHERE spent + reserved +
/// amount <= limit` takes the row's lock, so no two calls reserve past a limit
/// together, and the ledger line goes in with it.
///
/// A few connections (4 from [`connect`](Self::connect)), used in turn; on each,
/// statements from concurrent extractions are pipelined.
///
/// ```no_run
/// # async fn run() -> Result<(), pluck::budget::BudgetError> {
/// use pluck::budget::{BudgetStore, Decimal, Period, PostgresBudgets};
///
/// let store = PostgresBudgets::connect("host=127.0.0.1 port=5432 user=pluck dbname=postgres").await?;
/// store.set_limit("acme", Decimal::new(50, 0), Period::Monthly).await?;
/// # Ok(()) }
/// ```
pub struct PostgresBudgets {
    clients: Vec<Client>,
    next: AtomicUsize,
}

impl std::fmt::Debug for PostgresBudgets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresBudgets")
    }
}

fn store(err: tokio_postgres::Error) -> BudgetError {
    BudgetError::store(err)
}

impl PostgresBudgets {
    /// Connects four times (without TLS: a server on this machine or a private
    /// network) with a connection string (`host=... user=...` or `postgresql://...`),
    /// and makes the tables if they are missing. The connections run on tasks of the
    /// current tokio runtime.
    ///
    /// # Errors
    /// [`BudgetError::Store`] when the server cannot be reached or refuses.
    pub async fn connect(config: &str) -> Result<Self, BudgetError> {
        PostgresBudgets::connect_with(config, 4).await
    }

    /// As [`connect`](Self::connect), with `connections` connections (at least one).
    /// More let more commits share the server's disk flushes.
    ///
    /// # Errors
    /// [`BudgetError::Store`] when the server cannot be reached or refuses.
    pub async fn connect_with(config: &str, connections: usize) -> Result<Self, BudgetError> {
        let mut clients = Vec::with_capacity(connections.max(1));
        for _ in 0..connections.max(1) {
            let (client, connection) = tokio_postgres::connect(config, NoTls).await.map_err(store)?;
            tokio::spawn(connection);
            clients.push(client);
        }
        clients[0].batch_execute(SCHEMA).await.map_err(store)?;
        Ok(PostgresBudgets { clients, next: AtomicUsize::new(0) })
    }

    /// The next connection, in turn.
    fn client(&self) -> &Client {
        &self.clients[self.next.fetch_add(1, Ordering::Relaxed) % self.clients.len()]
    }

    async fn limit(&self, customer: &str) -> Result<(Decimal, Period), BudgetError> {
        let row = self
            .client()
            .query_opt("SELECT amount::text, period FROM pluck_budget_limits WHERE customer = $1", &[&customer])
            .await
            .map_err(store)?
            .ok_or_else(|| BudgetError::NoLimit { customer: customer.to_owned() })?;
        let period: &str = row.get(1);
        let period = Period::parse(period).ok_or_else(|| BudgetError::store(format!("unknown period {period:?}")))?;
        Ok((decimal(row.get(0))?, period))
    }

    /// The period's row, made if it is new.
    async fn open_period(&self, customer: &str, start: &str) -> Result<(), BudgetError> {
        self.client()
            .execute(
                "INSERT INTO pluck_budgets (customer, period_start) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&customer, &start],
            )
            .await
            .map_err(store)?;
        Ok(())
    }

    async fn read(&self, customer: &str, at: SystemTime) -> Result<Standing, BudgetError> {
        let (limit, period) = self.limit(customer).await?;
        let start = period.start(at);
        self.open_period(customer, &start).await?;
        let row = self
            .client()
            .query_one(
                "SELECT spent::text, reserved::text FROM pluck_budgets WHERE customer = $1 AND period_start = $2",
                &[&customer, &start],
            )
            .await
            .map_err(store)?;
        Ok(Standing::new(limit, decimal(row.get(0))?, decimal(row.get(1))?, start))
    }

    async fn close(
        &self,
        reservation: &Reservation,
        actual: Decimal,
        kind: EntryKind,
    ) -> Result<Standing, BudgetError> {
        let recorded = if kind == EntryKind::Settle { actual } else { reservation.amount };
        let row = self
            .client()
            .query_one(
                CLOSE,
                &[
                    &reservation.customer,
                    &reservation.period_start,
                    &reservation.id,
                    &reservation.amount.to_string(),
                    &actual.to_string(),
                    &kind.as_str(),
                    &recorded.to_string(),
                ],
            )
            .await
            .map_err(store)?;
        Ok(Standing::new(decimal(row.get(2))?, decimal(row.get(0))?, decimal(row.get(1))?, &reservation.period_start))
    }
}

impl BudgetStore for PostgresBudgets {
    fn set_limit<'a>(
        &'a self,
        customer: &'a str,
        limit: Decimal,
        period: Period,
    ) -> BoxFuture<'a, Result<(), BudgetError>> {
        Box::pin(async move {
            self.client()
                .execute(
                    "INSERT INTO pluck_budget_limits (customer, amount, period) VALUES ($1, $2::text::numeric, $3)
                     ON CONFLICT (customer) DO UPDATE SET amount = excluded.amount, period = excluded.period",
                    &[&customer, &limit.to_string(), &period.as_str()],
                )
                .await
                .map_err(store)?;
            Ok(())
        })
    }

    fn reserve<'a>(
        &'a self,
        customer: &'a str,
        amount: Decimal,
        at: SystemTime,
    ) -> BoxFuture<'a, Result<Reserved, BudgetError>> {
        Box::pin(async move {
            let (today, month) = (Period::Daily.start(at), Period::Monthly.start(at));
            let held = self
                .client()
                .query_opt(RESERVE, &[&customer, &amount.to_string(), &today, &month])
                .await
                .map_err(store)?;
            match held {
                Some(row) => {
                    let start: String = row.get(1);
                    Ok(Reserved::Held(Reservation::new(row.get(0), customer, start, amount)))
                }
                None => Ok(Reserved::Refused(self.read(customer, at).await?)),
            }
        })
    }

    fn settle<'a>(
        &'a self,
        reservation: &'a Reservation,
        actual: Decimal,
    ) -> BoxFuture<'a, Result<Standing, BudgetError>> {
        Box::pin(self.close(reservation, actual, EntryKind::Settle))
    }

    fn release<'a>(&'a self, reservation: &'a Reservation) -> BoxFuture<'a, Result<(), BudgetError>> {
        Box::pin(async move { self.close(reservation, Decimal::ZERO, EntryKind::Release).await.map(drop) })
    }

    fn standing<'a>(&'a self, customer: &'a str, at: SystemTime) -> BoxFuture<'a, Result<Standing, BudgetError>> {
        Box::pin(self.read(customer, at))
    }

    fn ledger<'a>(&'a self, customer: &'a str) -> BoxFuture<'a, Result<Vec<Entry>, BudgetError>> {
        Box::pin(async move {
            let rows = self
                .client()
                .query(
                    "SELECT COALESCE(reservation, id), kind, amount::text, period_start FROM pluck_budget_ledger WHERE customer = $1 ORDER BY id",
                    &[&customer],
                )
                .await
                .map_err(store)?;
            rows.iter()
                .map(|row| {
                    let kind: &str = row.get(1);
                    let kind = EntryKind::parse(kind)
                        .ok_or_else(|| BudgetError::store(format!("unknown ledger kind {kind:?}")))?;
                    Ok(Entry::new(row.get(0), kind, decimal(row.get(2))?, row.get::<_, String>(3)))
                })
                .collect()
        })
    }
}
