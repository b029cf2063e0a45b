//! The blog's real-world cost projection: a customer-support chatbot answering 10,000
//! requests a day for 30 days, 300 input and 200 output tokens each, on GPT-5 nano and
//! on GPT-5 at the blog's prices (and at the price table shipped with pluck). Money is
//! exact decimal arithmetic. No network.
//!
//! ```text
//! cargo run --example projection
//! GPT-5 Nano Monthly: $28.50
//! GPT-5 Monthly: $712.50
//! Savings with GPT-5 Nano: $684.00/month
//! ```

#[path = "types/projection.rs"]
mod projection;

use pluck::cost::PriceTable;
use projection::{gpt_5, gpt_5_nano, monthly, BLOG};

fn main() {
    let nano = monthly(&gpt_5_nano(), &BLOG);
    let full = monthly(&gpt_5(), &BLOG);
    println!("GPT-5 Nano Monthly: ${nano:.2}");
    println!("GPT-5 Monthly: ${full:.2}");
    println!("Savings with GPT-5 Nano: ${:.2}/month", full - nano);

    let shipped = PriceTable::shipped();
    for model in ["gpt-5-nano", "gpt-5", "gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash"] {
        if let Some(price) = shipped.get(model) {
            println!(
                "{model:>18} at the shipped prices ({}): ${:.2}",
                PriceTable::SHIPPED_DATE,
                monthly(&price, &BLOG)
            );
        }
    }
}
