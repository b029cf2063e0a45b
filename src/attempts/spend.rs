//! The budget step of the attempt loop: before an attempt, reserve its upper bound in
//! the customer's budget; after its reply, settle what it cost; when no reply came,
//! release the reservation.

use super::Attempts;
use crate::budget::{Budget, Reservation, Reserved};
use crate::cost::{Amount, BudgetScope, Decimal};
use crate::error::ConfigError;
use crate::observe::Event;
use crate::{Error, Usage};
use std::time::SystemTime;

/// A customer's budget, as one extraction spends it.
pub(crate) struct Spending {
    budget: Budget,
    customer: String,
    /// The reservation of the attempt under way.
    held: Option<Reservation>,
}

impl Spending {
    pub(crate) fn new(budget: Budget, customer: String) -> Self {
        Spending { budget, customer, held: None }
    }
}

/// An extraction dropped while an attempt held a reservation (a stream dropped before
/// its end): the reservation is released if the store can do it at once, as
/// [`SqliteBudgets`](crate::budget::SqliteBudgets) can. A store that needs the
/// network for it ([`PostgresBudgets`](crate::budget::PostgresBudgets)) keeps the
/// amount reserved until the period ends.
impl Drop for Spending {
    fn drop(&mut self) {
        if let Some(held) = self.held.take() {
            let _unreleased_if_pending = futures_util::FutureExt::now_or_never(self.budget.store.release(&held));
        }
    }
}

impl Attempts<'_> {
    /// Before an attempt: reserves its upper-bound cost.
    ///
    /// # Errors
    /// [`Error::BudgetExceeded`] when the customer's limit cannot afford it (no request
    /// is made), [`Error::Budget`] when the store fails.
    pub(super) async fn reserve(&mut self) -> Result<(), Error> {
        let Some(spending) = self.spending.as_deref() else { return Ok(()) };
        let Some(bound) = self.upper_bound(spending.budget.default_max_tokens) else {
            let err = ConfigError::NoPrice { model: self.model.clone() };
            return Err(self.fail(err.into(), Usage::default()));
        };
        let spending = self.spending.as_deref_mut().expect("matched above");
        let err = match spending.budget.store.reserve(&spending.customer, bound, SystemTime::now()).await {
            Ok(Reserved::Held(reservation)) => {
                spending.held = Some(reservation);
                return Ok(());
            }
            Ok(Reserved::Refused(standing)) => Error::BudgetExceeded {
                scope: BudgetScope::Customer(spending.customer.clone()),
                spent: Amount::Dollars(standing.spent + standing.reserved),
                next: Amount::Dollars(bound),
                limit: Amount::Dollars(standing.limit),
            },
            Err(err) => err.into(),
        };
        Err(self.fail(err, Usage::default()))
    }

    /// The most the next attempt can cost, in US dollars: the top of its
    /// [`estimate`](Self::estimate), at the model's price; with no cap on the reply
    /// known (no `max_tokens`, none in the price table), a reply of `default_cap`
    /// tokens. `None` when the model's price is unknown.
    fn upper_bound(&self, default_cap: u32) -> Option<Decimal> {
        let price = self.price?;
        let call = self.call();
        let input = crate::cost::tokens::count(self.client.provider(), &call).tokens;
        let cap = crate::cost::output_cap(&call, Some(&price)).unwrap_or(u64::from(default_cap));
        Some(price.most(input, cap))
    }

    /// After a reply: settles the attempt's reservation at what `usage` cost at the
    /// model's price (the cost [`Extracted::cost`](crate::Extracted::cost) adds up), and
    /// tells observers of the thresholds that crossed.
    ///
    /// # Errors
    /// [`Error::Budget`] when the store fails.
    pub(super) async fn settle(&mut self, usage: Usage) -> Result<(), Error> {
        let price = self.price;
        let Some(spending) = self.spending.as_deref_mut() else { return Ok(()) };
        let Some(held) = spending.held.take() else { return Ok(()) };
        // A reservation is only made at a known price.
        let actual = price.map_or(held.amount, |price| price.cost(&usage));
        let standing = match spending.budget.store.settle(&held, actual).await {
            Ok(standing) => standing,
            Err(err) => return Err(self.fail(err.into(), Usage::default())),
        };
        if self.observing {
            let spending = self.spending.as_deref().expect("matched above");
            for percent in spending.budget.crossed(&standing, actual) {
                self.observers_emit(&Event::BudgetThreshold {
                    customer: &spending.customer,
                    percent,
                    spent: standing.spent,
                    limit: standing.limit,
                    period_start: &standing.period_start,
                });
            }
        }
        Ok(())
    }

    /// When an attempt got no reply, or its reply broke off: frees its reservation.
    /// Should the store fail here, the extraction's own error is the one returned, and
    /// the amount stays reserved in the period.
    pub(super) async fn release(&mut self) {
        let Some(spending) = self.spending.as_deref_mut() else { return };
        if let Some(held) = spending.held.take() {
            let _kept_reserved = spending.budget.store.release(&held).await;
        }
    }

    /// `err` ends the extraction after a reply began to arrive and broke off: the
    /// attempt's reservation is released, then as [`fail`](Self::fail).
    pub(crate) async fn broke_off(&mut self, err: Error, spent: Usage) -> Error {
        self.release().await;
        self.fail(err, spent)
    }
}
