//! Reservations drawn from leases: blocks of a customer's budget reserved in the store
//! ahead of need, so that most attempts reserve and settle in memory.

use super::{BudgetError, BudgetStore, Entry, Period, Reservation, Reserved, Standing};
use futures_util::future::BoxFuture;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// How big a lease is and how long it is drawn from.
///
/// ```
/// use pluck::budget::LeasePolicy;
/// use std::time::Duration;
///
/// let policy = LeasePolicy::default().draws(64).max_age(Duration::from_millis(500));
/// assert_eq!(policy.draws_per_lease(), 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeasePolicy {
    draws: u32,
    max_age: Duration,
}

impl Default for LeasePolicy {
    /// 64 reservations' worth per lease, drawn from for at most one second.
    fn default() -> Self {
        LeasePolicy { draws: 64, max_age: Duration::from_secs(1) }
    }
}

impl LeasePolicy {
    /// A lease reserves `draws` times the reservation that takes it (at least 2).
    pub fn draws(mut self, draws: u32) -> Self {
        self.draws = draws.max(2);
        self
    }

    /// A lease older than `max_age` serves no new reservation; it is settled in the
    /// store once its reservations are.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// How many reservations' worth a lease takes.
    pub fn draws_per_lease(&self) -> u32 {
        self.draws
    }
}

/// A [`BudgetStore`] that reserves a customer's budget in leases, blocks of
/// [`LeasePolicy::draws`] reservations' worth, and serves reservations from them in
/// memory: one trip to the store per lease instead of two per attempt.
///
/// A lease is a reservation in the store like any other, so other processes see it as
/// reserved; when it closes (too old, or too empty for the next reservation, once the
/// reservations drawn from it are settled) it is settled in the store at what its
/// reservations cost. Leases are only taken while the customer's budget affords a whole
/// one; closer to the limit every reservation goes to the store, as without leases, so
/// in one process exactly as many attempts are afforded as the limit allows.
///
/// What a lease changes:
/// - **Processes**: room left in one process's lease is not seen by another until the
///   lease closes: when a reservation finds it older than [`LeasePolicy::max_age`] or
///   too empty and the reservations drawn from it are settled, or on
///   [`flush`](Self::flush). Near the limit, another process may be refused while it
///   is held (by at most one lease's room per process and customer).
/// - **Ledger**: the store's ledger has a reserve and a settle line per lease, not per
///   attempt; they still sum to what was spent.
/// - **Periods**: an attempt drawn from a lease counts in the period the lease was
///   taken in.
/// - **Thresholds** are heard from this process's count: the customer's spending when
///   the lease was taken, plus what was settled from it.
/// - **Standing** ([`BudgetStore::standing`]) is the store's: open leases show as
///   reserved.
///
/// Leases still open when the store is dropped are settled then if the inner store
/// can do so at once (as [`SqliteBudgets`](super::SqliteBudgets) can); call
/// [`flush`](Self::flush) before a process ends to settle them in any store.
///
/// # Example
/// ```
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// # #[cfg(feature = "sqlite")] {
/// use pluck::budget::{Budget, Leased, LeasePolicy, SqliteBudgets};
///
/// let store = Leased::new(SqliteBudgets::open("budgets.sqlite3")?, LeasePolicy::default());
/// let client = pluck::Client::builder()
///     .api_key("sk-...")
///     .model("gpt-4o-mini")
///     .customer_budgets(Budget::new(store))
///     .build()?;
/// # let _ = client; }
/// # Ok(()) }
/// ```
pub struct Leased<S: BudgetStore> {
    inner: S,
    policy: LeasePolicy,
    state: Mutex<State>,
    /// Held while a lease is taken, so that reservations that find no room wait for
    /// the one lease under way rather than each take their own.
    taking: futures_util::lock::Mutex<()>,
}

/// The leases of every customer, and the reservations drawn from them.
#[derive(Default)]
struct State {
    /// The lease each customer draws from.
    open: HashMap<String, Lease>,
    /// Leases that serve no new reservation, waiting for theirs to be settled.
    closing: HashMap<u64, Lease>,
    /// The last lease number given.
    serial: u64,
}

/// What a customer's lease did for a reservation.
enum Drawn {
    /// Served it.
    Held(Reservation),
    /// Could not, and is to be settled: nothing drawn from it is open.
    Retired(Lease),
    /// Nothing: no lease, or one that closes when what was drawn from it is settled.
    Nothing,
}

/// A block of a customer's budget, reserved in the store.
struct Lease {
    serial: u64,
    held: Reservation,
    taken: Instant,
    /// What is left to draw.
    room: Decimal,
    /// What its settled reservations cost.
    spent: Decimal,
    /// Reservations drawn and not yet settled, and drawn in all.
    open: u32,
    draws: u32,
    /// The customer's limit, and their spending when the lease was taken.
    limit: Decimal,
    base: Decimal,
}

impl Lease {
    fn serves(&self, amount: Decimal, policy: &LeasePolicy) -> bool {
        self.room >= amount && self.taken.elapsed() < policy.max_age
    }

    /// Draws `amount`: the reservation handed out, its id [`drawn_id`] of the lease's
    /// serial and its count of draws.
    fn draw(&mut self, amount: Decimal) -> Reservation {
        self.room -= amount;
        self.open += 1;
        self.draws = self.draws.wrapping_add(1);
        let id = drawn_id(self.serial, self.draws);
        Reservation::new(id, self.held.customer.clone(), self.held.period_start.clone(), amount)
    }

    fn standing(&self) -> Standing {
        Standing::new(self.limit, self.base + self.spent, Decimal::ZERO, self.held.period_start.clone())
    }
}

impl State {
    /// Draws `amount` from `customer`'s lease if it serves it; with `any_age`, from
    /// any of their leases with the room, however old.
    fn draw(&mut self, customer: &str, amount: Decimal, policy: &LeasePolicy, any_age: bool) -> Option<Reservation> {
        let lease = match self.open.get_mut(customer) {
            Some(lease) if lease.serves(amount, policy) => lease,
            Some(lease) if any_age && lease.room >= amount => lease,
            _ if any_age => {
                self.closing.values_mut().find(|lease| lease.held.customer == customer && lease.room >= amount)?
            }
            _ => return None,
        };
        Some(lease.draw(amount))
    }

    /// Draws `amount` from `customer`'s lease if it serves it; otherwise retires the
    /// lease, returned to be settled when nothing drawn from it is open (else it
    /// closes when the last is settled).
    fn draw_or_retire(&mut self, customer: &str, amount: Decimal, policy: &LeasePolicy) -> Drawn {
        match self.open.get_mut(customer) {
            Some(lease) if lease.serves(amount, policy) => return Drawn::Held(lease.draw(amount)),
            Some(_) => {}
            None => return Drawn::Nothing,
        }
        let lease = self.open.remove(customer).expect("found above");
        self.retire(lease).map_or(Drawn::Nothing, Drawn::Retired)
    }

    /// `lease` serves no new reservation: returned, to be settled, when nothing drawn
    /// from it is open; otherwise kept until the last is settled.
    fn retire(&mut self, lease: Lease) -> Option<Lease> {
        if lease.open == 0 {
            return Some(lease);
        }
        self.closing.insert(lease.serial, lease);
        None
    }

    /// A reservation drawn from a lease is settled at `actual`: the lease's standing,
    /// and the lease itself when it is closing and this was its last open reservation.
    fn settle(&mut self, drawn: &Reservation, actual: Decimal) -> Result<(Standing, Option<Lease>), BudgetError> {
        let (serial, amount) = (lease_of(drawn.id), drawn.amount);
        let gone = || BudgetError::store(format!("reservation {} belongs to no open lease", drawn.id));
        let in_closing = self.open.get(&drawn.customer).is_none_or(|lease| lease.serial != serial);
        let lease = match in_closing {
            false => self.open.get_mut(&drawn.customer).ok_or_else(gone)?,
            true => self.closing.get_mut(&serial).ok_or_else(gone)?,
        };
        if lease.open == 0 {
            return Err(gone());
        }
        lease.spent += actual;
        lease.room += amount - actual;
        lease.open -= 1;
        let standing = lease.standing();
        let done = in_closing && lease.open == 0;
        Ok((standing, if done { self.closing.remove(&serial) } else { None }))
    }
}

impl<S: BudgetStore> Leased<S> {
    /// `inner`, with reservations drawn from leases as `policy` says.
    pub fn new(inner: S, policy: LeasePolicy) -> Self {
        Leased { inner, policy, state: Mutex::new(State::default()), taking: futures_util::lock::Mutex::new(()) }
    }

    /// The store the leases are taken from.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Settles every lease nothing is drawn from now, and closes the others once
    /// their reservations are settled.
    ///
    /// # Errors
    /// [`BudgetError`] when the inner store fails to settle a lease (it stays reserved).
    pub async fn flush(&self) -> Result<(), BudgetError> {
        let idle: Vec<Lease> = {
            let mut state = self.lock();
            let open = std::mem::take(&mut state.open);
            open.into_values().filter_map(|lease| state.retire(lease)).collect()
        };
        for lease in idle {
            self.close(lease).await?;
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn close(&self, lease: Lease) -> Result<Standing, BudgetError> {
        self.inner.settle(&lease.held, lease.spent).await
    }

    async fn reserve_leased(&self, customer: &str, amount: Decimal, at: SystemTime) -> Result<Reserved, BudgetError> {
        let drawn = self.lock().draw_or_retire(customer, amount, &self.policy);
        match drawn {
            Drawn::Held(drawn) => return Ok(Reserved::Held(drawn)),
            Drawn::Retired(retired) => drop(self.close(retired).await?),
            Drawn::Nothing => {}
        }
        if let Some(drawn) = self.take(customer, amount, at).await? {
            return Ok(Reserved::Held(drawn));
        }
        // Too close to the limit for a lease: the store decides this one alone.
        match self.inner.reserve(customer, amount, at).await? {
            Reserved::Refused(standing) => {
                // Room left in a lease of ours, however old, still pays for it.
                let drawn = self.lock().draw(customer, amount, &self.policy, true);
                Ok(drawn.map_or(Reserved::Refused(standing), Reserved::Held))
            }
            held => Ok(held),
        }
    }

    /// Takes a lease for `customer` and draws `amount` from it; `None` when the budget
    /// does not afford a whole lease.
    async fn take(&self, customer: &str, amount: Decimal, at: SystemTime) -> Result<Option<Reservation>, BudgetError> {
        let _taking = self.taking.lock().await;
        // A lease taken while this one waited may serve it.
        if let Some(drawn) = self.lock().draw(customer, amount, &self.policy, false) {
            return Ok(Some(drawn));
        }
        let size = amount * Decimal::from(self.policy.draws);
        let held = match self.inner.reserve(customer, size, at).await? {
            Reserved::Held(held) => held,
            Reserved::Refused(_) => return Ok(None),
        };
        let standing = match self.inner.standing(customer, at).await {
            Ok(standing) => standing,
            Err(err) => {
                let _kept_reserved = self.inner.release(&held).await;
                return Err(err);
            }
        };
        let (drawn, idle) = {
            let mut state = self.lock();
            state.serial += 1;
            let mut lease = Lease {
                serial: state.serial,
                held,
                taken: Instant::now(),
                room: size,
                spent: Decimal::ZERO,
                open: 0,
                draws: 0,
                limit: standing.limit,
                base: standing.spent,
            };
            let drawn = lease.draw(amount);
            // The open lease, if any, could not serve `amount`: it is retired.
            let idle = state.open.insert(customer.to_owned(), lease).and_then(|old| state.retire(old));
            (drawn, idle)
        };
        if let Some(old) = idle {
            self.close(old).await?;
        }
        Ok(Some(drawn))
    }

    async fn settle_drawn(&self, reservation: &Reservation, actual: Decimal) -> Result<Standing, BudgetError> {
        let (standing, done) = self.lock().settle(reservation, actual)?;
        if let Some(lease) = done {
            self.close(lease).await?;
        }
        Ok(standing)
    }
}

/// A reservation drawn from a lease has a negative id, which holds the lease's serial
/// above its count of draws; the store's own ids are positive.
fn drawn_id(serial: u64, draws: u32) -> i64 {
    let serial = i64::try_from(serial & 0x7f_ffff_ffff).expect("masked to 39 bits");
    -((serial << 24) | i64::from(draws & 0xff_ffff))
}

/// The serial of the lease a drawn reservation came from.
fn lease_of(id: i64) -> u64 {
    id.unsigned_abs() >> 24
}

fn is_drawn(reservation: &Reservation) -> bool {
    reservation.id < 0
}

impl<S: BudgetStore> BudgetStore for Leased<S> {
    fn set_limit<'a>(
        &'a self,
        customer: &'a str,
        limit: Decimal,
        period: Period,
    ) -> BoxFuture<'a, Result<(), BudgetError>> {
        self.inner.set_limit(customer, limit, period)
    }

    fn reserve<'a>(
        &'a self,
        customer: &'a str,
        amount: Decimal,
        at: SystemTime,
    ) -> BoxFuture<'a, Result<Reserved, BudgetError>> {
        Box::pin(self.reserve_leased(customer, amount, at))
    }

    fn settle<'a>(
        &'a self,
        reservation: &'a Reservation,
        actual: Decimal,
    ) -> BoxFuture<'a, Result<Standing, BudgetError>> {
        if !is_drawn(reservation) {
            return self.inner.settle(reservation, actual);
        }
        Box::pin(self.settle_drawn(reservation, actual))
    }

    fn release<'a>(&'a self, reservation: &'a Reservation) -> BoxFuture<'a, Result<(), BudgetError>> {
        if !is_drawn(reservation) {
            return self.inner.release(reservation);
        }
        Box::pin(async move { self.settle_drawn(reservation, Decimal::ZERO).await.map(drop) })
    }

    fn standing<'a>(&'a self, customer: &'a str, at: SystemTime) -> BoxFuture<'a, Result<Standing, BudgetError>> {
        self.inner.standing(customer, at)
    }

    fn ledger<'a>(&'a self, customer: &'a str) -> BoxFuture<'a, Result<Vec<Entry>, BudgetError>> {
        self.inner.ledger(customer)
    }
}

impl<S: BudgetStore> fmt::Debug for Leased<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leased").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// Leases still open are settled at what was settled from them, if the inner store
/// can do it at once; otherwise they stay reserved until their period ends.
impl<S: BudgetStore> Drop for Leased<S> {
    fn drop(&mut self) {
        let state = std::mem::take(self.state.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()));
        for lease in state.open.into_values().chain(state.closing.into_values()) {
            let _unsettled_if_pending =
                futures_util::FutureExt::now_or_never(self.inner.settle(&lease.held, lease.spent));
        }
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use crate::budget::{EntryKind, SqliteBudgets};

    fn dollars(n: i64) -> Decimal {
        Decimal::from(n)
    }

    async fn leased(limit: i64) -> Leased<SqliteBudgets> {
        let store = SqliteBudgets::in_memory().unwrap();
        store.set_limit("acme", dollars(limit), Period::Monthly).await.unwrap();
        Leased::new(store, LeasePolicy::default().draws(4))
    }

    async fn reserve(store: &Leased<SqliteBudgets>) -> Option<Reservation> {
        match store.reserve("acme", dollars(1), SystemTime::now()).await.unwrap() {
            Reserved::Held(held) => Some(held),
            Reserved::Refused(_) => None,
        }
    }

    async fn reserve_lines(store: &Leased<SqliteBudgets>) -> Vec<Decimal> {
        let ledger = store.ledger("acme").await.unwrap();
        ledger.iter().filter(|entry| entry.kind == EntryKind::Reserve).map(|entry| entry.amount).collect()
    }

    #[tokio::test]
    async fn reservations_are_drawn_from_a_lease_and_a_release_returns_room() {
        let store = leased(100).await;
        let first = reserve(&store).await.unwrap();
        assert!(first.id < 0, "drawn from a lease: {first:?}");
        assert_eq!(reserve_lines(&store).await, [dollars(4)]);
        store.release(&first).await.unwrap();
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(reserve(&store).await.unwrap());
        }
        // The released dollar paid for a fourth draw: still one lease.
        assert_eq!(reserve_lines(&store).await, [dollars(4)]);
        held.push(reserve(&store).await.unwrap());
        assert_eq!(reserve_lines(&store).await, [dollars(4), dollars(4)]);
        for reservation in &held {
            store.settle(reservation, dollars(1)).await.unwrap();
        }
        store.flush().await.unwrap();
        let standing = store.standing("acme", SystemTime::now()).await.unwrap();
        assert_eq!((standing.spent, standing.reserved), (dollars(5), Decimal::ZERO));
    }

    #[tokio::test]
    async fn near_the_limit_the_store_decides_each_reservation() {
        let store = leased(6).await;
        let mut held = Vec::new();
        while let Some(reservation) = reserve(&store).await {
            held.push(reservation);
            assert!(held.len() <= 6, "more than the limit affords");
        }
        assert_eq!(held.len(), 6);
        // One lease of four, then two reservations of the store's own.
        assert_eq!(reserve_lines(&store).await, [dollars(4), dollars(1), dollars(1)]);
        assert_eq!(held.iter().filter(|reservation| reservation.id > 0).count(), 2);
        let standing = store.settle(&held[0], dollars(1)).await.unwrap();
        assert_eq!((standing.limit, standing.spent), (dollars(6), dollars(1)));
        for reservation in &held[1..] {
            store.settle(reservation, dollars(1)).await.unwrap();
        }
        store.flush().await.unwrap();
        let standing = store.standing("acme", SystemTime::now()).await.unwrap();
        assert_eq!((standing.spent, standing.reserved), (dollars(6), Decimal::ZERO));
    }

    #[tokio::test]
    async fn a_lease_too_old_serves_no_new_reservation_until_the_limit_is_near() {
        let store = SqliteBudgets::in_memory().unwrap();
        store.set_limit("acme", dollars(5), Period::Monthly).await.unwrap();
        let store = Leased::new(store, LeasePolicy::default().draws(4).max_age(Duration::ZERO));
        let first = reserve(&store).await.unwrap();
        // The lease is already too old: the next reservation cannot take a lease of
        // four (one dollar is left besides it), so the store holds it...
        let second = reserve(&store).await.unwrap();
        assert!(second.id > 0, "{second:?}");
        // ...and at the limit the old lease's room still pays.
        let third = reserve(&store).await.unwrap();
        assert!(third.id < 0, "{third:?}");
        for reservation in [&first, &second, &third] {
            store.settle(reservation, dollars(1)).await.unwrap();
        }
        store.flush().await.unwrap();
        let standing = store.standing("acme", SystemTime::now()).await.unwrap();
        assert_eq!((standing.spent, standing.reserved), (dollars(3), Decimal::ZERO));
    }
}
