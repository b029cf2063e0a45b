//! The support-triage type of the blog post "Reasoning Patterns in LLM: CoT & ReAct".

use pluck::Extract;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How urgently a ticket needs attention.
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Outage or data loss affecting many users now.
    Critical,
    /// Blocks a user or a deadline.
    High,
    /// Degraded, with a workaround.
    Medium,
    /// Questions and requests.
    Low,
}

/// Which team should take a ticket.
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Charges, refunds, invoices.
    Billing,
    /// Bugs, outages, integrations.
    Technical,
    /// Logins, permissions, account settings.
    Account,
    /// Everything else.
    General,
}

/// A triaged support ticket. `reasoning` comes first so the model thinks before it
/// classifies (chain of thought), and it stays as the audit trail.
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
pub struct SupportTriage {
    /// Step by step: what the user experiences, the business impact, which team can
    /// resolve it, and how urgent it is.
    #[extract(length(min = 20, max = 600))]
    pub reasoning: String,
    /// How urgent.
    pub priority: Priority,
    /// Which team.
    pub category: Category,
}

/// The system prompt of the blog's triage example.
pub const TRIAGE_PROMPT: &str = "You are a senior support engineer triaging incoming tickets.
Think through each ticket before classifying it:
- What is the user actually experiencing?
- What is the business impact if unresolved?
- Which team has the expertise to resolve this?
- How urgently does this need attention?
Reason through these questions explicitly before producing your output.";

/// The blog's two tickets.
pub const TICKETS: [&str; 2] = [
    "Our entire team is locked out since the deployment 20 minutes ago. Client demo in 2 hours.",
    "I was charged twice for my subscription this month. Please refund the duplicate.",
];
