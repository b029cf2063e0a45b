//! [`Price`]s per model and the [`PriceTable`] shipped with the crate.

use crate::Usage;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The shipped table, as JSON: from pydantic's genai-prices (MIT), see its header.
const SHIPPED: &str = include_str!("../../data/prices.json");

/// A model's prices, in US dollars per million tokens, and its limits.
///
/// Cached input, cache writes and reasoning are priced apart when the table says so;
/// otherwise cached input and cache writes cost as input, reasoning as output.
///
/// ```
/// use pluck::cost::Price;
/// use pluck::Usage;
/// use rust_decimal::Decimal;
///
/// let price = Price::per_million(Decimal::new(125, 2), Decimal::from(10)).cached_input(Decimal::new(125, 3));
/// let usage = Usage { prompt_tokens: 1_000, cached_input_tokens: 400, completion_tokens: 100, ..Usage::default() };
/// // 600 × $1.25 + 400 × $0.125 + 100 × $10, per million.
/// assert_eq!(price.cost(&usage), Decimal::new(1_800, 6));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Price {
    /// Per million input tokens.
    pub input: Decimal,
    /// Per million output tokens.
    pub output: Decimal,
    /// Per million input tokens read from the prompt cache; `None`: as input.
    pub cached_input: Option<Decimal>,
    /// Per million input tokens written to the prompt cache; `None`: as input.
    pub cache_write: Option<Decimal>,
    /// Per million reasoning tokens; `None`: as output.
    pub reasoning: Option<Decimal>,
    /// The model's context window (input and output together), in tokens.
    pub context_window: Option<u64>,
    /// The most tokens the model writes in one reply.
    pub max_output_tokens: Option<u64>,
}

impl Price {
    /// A price per million input and output tokens, with nothing else known.
    pub fn per_million(input: Decimal, output: Decimal) -> Self {
        Price {
            input,
            output,
            cached_input: None,
            cache_write: None,
            reasoning: None,
            context_window: None,
            max_output_tokens: None,
        }
    }

    /// With a price per million cached input tokens.
    pub fn cached_input(mut self, price: Decimal) -> Self {
        self.cached_input = Some(price);
        self
    }

    /// With a price per million tokens written to the prompt cache.
    pub fn cache_write(mut self, price: Decimal) -> Self {
        self.cache_write = Some(price);
        self
    }

    /// With a price per million reasoning tokens.
    pub fn reasoning(mut self, price: Decimal) -> Self {
        self.reasoning = Some(price);
        self
    }

    /// With the model's context window, in tokens.
    pub fn context_window(mut self, tokens: u64) -> Self {
        self.context_window = Some(tokens);
        self
    }

    /// With the most tokens the model writes in one reply.
    pub fn max_output_tokens(mut self, tokens: u64) -> Self {
        self.max_output_tokens = Some(tokens);
        self
    }

    /// What `usage` costs, in US dollars, exactly.
    pub fn cost(&self, usage: &Usage) -> Decimal {
        let cached = usage.cached_input_tokens.min(usage.prompt_tokens);
        let written = usage.cache_write_tokens.min(usage.prompt_tokens - cached);
        let plain_input = usage.prompt_tokens - cached - written;
        let reasoning = usage.reasoning_tokens.min(usage.completion_tokens);
        let plain_output = usage.completion_tokens - reasoning;
        let parts = [
            (plain_input, self.input),
            (cached, self.cached_input.unwrap_or(self.input)),
            (written, self.cache_write.unwrap_or(self.input)),
            (plain_output, self.output),
            (reasoning, self.reasoning.unwrap_or(self.output)),
        ];
        // Most replies report no cached, cache-written or reasoning tokens.
        let sum = parts.iter().filter(|(n, _)| *n > 0).map(|&(n, price)| tokens(n) * price).sum();
        per_million(sum)
    }

    /// The most `input` tokens and `output` tokens can cost: input at its full price,
    /// output at the dearer of output and reasoning.
    pub fn most(&self, input: u64, output: u64) -> Decimal {
        let output_price = self.output.max(self.reasoning.unwrap_or(self.output));
        per_million(tokens(input) * self.input + tokens(output) * output_price)
    }
}

fn tokens(n: u64) -> Decimal {
    Decimal::from(n)
}

/// `amount` per million tokens, as dollars: exact, by moving the decimal point six
/// places when the scale allows (it always does for prices of a few decimals), else
/// by [`per_million_divided`].
fn per_million(amount: Decimal) -> Decimal {
    let mut dollars = amount;
    if dollars.set_scale(amount.scale() + 6).is_err() {
        return per_million_divided(amount);
    }
    dollars.normalize_assign();
    dollars
}

/// `amount` per million tokens, by division.
fn per_million_divided(amount: Decimal) -> Decimal {
    let mut dollars = amount / Decimal::from(1_000_000u32);
    dollars.normalize_assign();
    dollars
}

/// Prices by model: the table shipped with the crate ([`PriceTable::shipped`]), or
/// one of your own.
///
/// A model is found by its exact name, else by the longest prefix the table knows
/// (`claude-sonnet-4-5-20250929` as `claude-sonnet-4-5`). A `models/` prefix
/// (Gemini) and a provider prefix such as `openai/` are dropped first.
///
/// ```
/// use pluck::cost::{Price, PriceTable};
/// use rust_decimal::Decimal;
///
/// let shipped = PriceTable::shipped();
/// let nano = shipped.get("gpt-5-nano").unwrap();
/// assert_eq!((nano.input, nano.output), (Decimal::new(5, 2), Decimal::new(40, 2)));
///
/// let mut mine = shipped.clone();
/// mine.insert("my-finetune", Price::per_million(Decimal::from(3), Decimal::from(12)));
/// assert_eq!(mine.get("my-finetune").unwrap().output, Decimal::from(12));
/// ```
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    exact: HashMap<String, Price>,
    prefixes: Vec<(String, Price)>,
}

impl PriceTable {
    /// A table with no prices.
    pub fn new() -> Self {
        PriceTable::default()
    }

    /// The table shipped with the crate: OpenAI, Anthropic and Gemini models, from
    /// pydantic's genai-prices (MIT) as of [`PriceTable::SHIPPED_DATE`].
    pub fn shipped() -> &'static PriceTable {
        static TABLE: OnceLock<PriceTable> = OnceLock::new();
        TABLE.get_or_init(|| Self::from_json(SHIPPED).unwrap_or_default())
    }

    /// The date of the shipped prices.
    pub const SHIPPED_DATE: &'static str = "2026-08-21";

    /// Adds or replaces the price of `model` (an exact name).
    pub fn insert(&mut self, model: impl Into<String>, price: Price) {
        self.exact.insert(model.into(), price);
    }

    /// Adds or replaces the price of every model whose name starts with `prefix`.
    pub fn insert_prefix(&mut self, prefix: impl Into<String>, price: Price) {
        let prefix = prefix.into();
        self.prefixes.retain(|(known, _)| *known != prefix);
        self.prefixes.push((prefix, price));
    }

    /// Whether the table knows no model.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty()
    }

    /// The price of `model`, if the table knows it.
    pub fn get(&self, model: &str) -> Option<Price> {
        let name = model.strip_prefix("models/").unwrap_or(model);
        let name = name.rsplit_once('/').map_or(name, |(_, last)| last);
        if let Some(price) = self.exact.get(name) {
            return Some(*price);
        }
        self.prefixes
            .iter()
            .filter(|(prefix, _)| name.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, price)| *price)
    }

    /// Reads a table in the shipped format (`data/prices.json`).
    fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        let file: File = serde_json::from_str(json)?;
        let mut table = PriceTable::new();
        for row in file.models {
            let price = Price {
                input: row.input,
                output: row.output,
                cached_input: row.cached_input,
                cache_write: row.cache_write,
                reasoning: row.reasoning,
                context_window: row.context_window,
                max_output_tokens: row.max_output_tokens,
            };
            table.insert(row.model, price);
            for name in row.names {
                table.insert(name, price);
            }
            for prefix in row.prefixes {
                table.insert_prefix(prefix, price);
            }
        }
        Ok(table)
    }
}

#[derive(Deserialize)]
struct File {
    models: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    model: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(with = "rust_decimal::serde::str")]
    input: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    output: Decimal,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    cached_input: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    cache_write: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    reasoning: Option<Decimal>,
    #[serde(default)]
    context_window: Option<u64>,
    #[serde(default)]
    max_output_tokens: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn moving_the_point_is_dividing_by_a_million(mantissa in any::<i64>(), scale in 0u32..=28) {
            let amount = Decimal::new(mantissa, scale);
            let (moved, divided) = (per_million(amount), per_million_divided(amount));
            prop_assert_eq!(moved, divided);
            prop_assert_eq!(moved.to_string(), divided.to_string());
        }
    }

    #[test]
    fn the_shipped_table_reads_and_knows_the_families() {
        let table = PriceTable::from_json(SHIPPED).expect("data/prices.json reads");
        for model in [
            "gpt-4o",
            "gpt-4o-mini",
            "gpt-4.1",
            "gpt-4.1-mini",
            "gpt-4.1-nano",
            "gpt-5",
            "gpt-5-mini",
            "gpt-5-nano",
            "o1",
            "o3",
            "o3-mini",
            "o4-mini",
            "claude-3-5-haiku-20241022",
            "claude-3-5-sonnet-20241022",
            "claude-3-7-sonnet-20250219",
            "claude-sonnet-4-20250514",
            "claude-opus-4-1-20250805",
            "claude-sonnet-4-5",
            "claude-haiku-4-5",
            "gemini-1.5-flash",
            "gemini-1.5-pro",
            "gemini-2.0-flash",
            "gemini-2.5-flash",
            "models/gemini-2.5-pro",
        ] {
            let price = table.get(model).unwrap_or_else(|| panic!("no price for {model}"));
            assert!(price.input > Decimal::ZERO && price.output > price.input, "{model}: {price:?}");
            assert!(price.context_window.is_some(), "{model}: no context window");
        }
        assert!(table.get("llama-3-8b-instruct").is_none());
        assert!(SHIPPED.contains(PriceTable::SHIPPED_DATE), "the date in the code is the file's");
    }

    #[test]
    fn a_dated_name_finds_its_family_by_the_longest_prefix() {
        let table = PriceTable::shipped();
        let opus_4_1 = table.get("claude-opus-4-1-20250805").unwrap();
        let opus_4_5 = table.get("claude-opus-4-5-20251101").unwrap();
        assert_eq!((opus_4_1.input, opus_4_5.input), (Decimal::from(15), Decimal::from(5)));
    }

    #[test]
    fn each_kind_of_token_is_priced_apart() {
        let price = Price::per_million(Decimal::from(3), Decimal::from(15))
            .cached_input(Decimal::new(3, 1))
            .cache_write(Decimal::new(375, 2))
            .reasoning(Decimal::from(20));
        let usage = Usage {
            prompt_tokens: 1_000_000,
            cached_input_tokens: 200_000,
            cache_write_tokens: 100_000,
            completion_tokens: 10_000,
            reasoning_tokens: 4_000,
            ..Usage::default()
        };
        // 0.7M × 3 + 0.2M × 0.3 + 0.1M × 3.75 + 6k × 15 + 4k × 20 (per million)
        let expected = Decimal::new(2_100_000 + 60_000 + 375_000 + 90_000 + 80_000, 6);
        assert_eq!(price.cost(&usage), expected);
    }

    #[test]
    fn a_million_additions_of_a_price_drift_by_nothing() {
        let price = PriceTable::shipped().get("gpt-5-nano").unwrap();
        let usage = Usage { prompt_tokens: 300, completion_tokens: 200, total_tokens: 500, ..Usage::default() };
        let one = price.cost(&usage);
        assert_eq!(one, Decimal::new(95, 6), "$0.05 × 300 + $0.40 × 200, per million");
        let mut sum = Decimal::ZERO;
        for _ in 0..1_000_000 {
            sum += one;
        }
        assert_eq!(sum, one * Decimal::from(1_000_000));
        assert_eq!(sum, Decimal::new(95, 0));
    }
}
