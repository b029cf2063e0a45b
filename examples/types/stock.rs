//! The stock research assistant of the blog post "Reasoning Patterns in LLM: CoT &
//! ReAct": its three tools over fixed in-memory data, and the typed `Recommendation`
//! it ends with.

use pluck::agent::Tool;
use pluck::Extract;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What the assistant is told.
pub const STOCK_PROMPT: &str = "You are a stock research assistant. Use the tools to get prices and news \
     before you recommend anything.";

/// The blog's question.
pub const QUESTION: &str = "Which is performing better today Google or Microsoft? Give me a brief recommendation";

/// Get the current price and daily change for a stock ticker.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
pub struct PriceArgs {
    /// The stock ticker, such as AAPL.
    #[extract(length(min = 1, max = 5))]
    pub ticker: String,
}

/// Get the latest news headlines for a company by stock ticker.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
pub struct NewsArgs {
    /// The stock ticker, such as AAPL.
    #[extract(length(min = 1, max = 5))]
    pub ticker: String,
}

/// Compare daily performance across multiple stock tickers.
#[derive(Extract, Deserialize, JsonSchema, Debug)]
pub struct CompareArgs {
    /// The tickers to compare, such as ["GOOGL", "MSFT"].
    #[extract(length(min = 2, max = 10))]
    pub tickers: Vec<String>,
}

/// What to do about a stock.
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Buy more.
    Buy,
    /// Keep what you have.
    Hold,
    /// Sell.
    Sell,
}

/// The assistant's recommendation. `reasoning` comes first, so the model writes down
/// what the tools said before it picks (chain of thought).
#[derive(Extract, Serialize, Deserialize, JsonSchema, Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// What the tools said and how it leads to the pick.
    pub reasoning: String,
    /// The ticker recommended, such as MSFT.
    #[extract(length(min = 1, max = 5))]
    pub ticker: String,
    /// What to do about it.
    pub action: Action,
    /// The best performer today, as the tools said.
    pub best_performer_today: String,
}

/// Price, daily change in percent and volume of the tickers the data knows.
const PRICES: [(&str, f64, f64, &str); 3] =
    [("AAPL", 189.25, 1.2, "52M"), ("GOOGL", 141.80, -0.8, "21M"), ("MSFT", 378.50, 0.5, "18M")];

const NEWS: [(&str, [&str; 2]); 3] = [
    ("AAPL", ["Vision Pro sales exceeded Q1 targets", "iPhone 16 supply chain ramp-up confirmed"]),
    ("MSFT", ["Copilot reaches 1M enterprise users", "Azure OpenAI expands to 12 regions"]),
    ("GOOGL", ["Gemini Ultra integrated into Workspace", "Antitrust ruling puts ads under scrutiny"]),
];

/// The price of `ticker`, or why there is none.
pub fn stock_price(ticker: &str) -> Result<Value, String> {
    let ticker = ticker.to_uppercase();
    match PRICES.iter().find(|(known, ..)| *known == ticker) {
        Some((_, price, change_pct, volume)) => {
            Ok(json!({"ticker": ticker, "price": price, "change_pct": change_pct, "volume": volume}))
        }
        None => Err(format!("ticker '{ticker}' not found; supported: AAPL, GOOGL, MSFT")),
    }
}

/// The three tools.
pub fn stock_tools() -> Vec<Tool> {
    let price = Tool::new("get_stock_price", |args: PriceArgs| async move { stock_price(&args.ticker) });
    let news = Tool::new("get_company_news", |args: NewsArgs| async move {
        let ticker = args.ticker.to_uppercase();
        match NEWS.iter().find(|(known, _)| *known == ticker) {
            Some((_, headlines)) => Ok(json!({"ticker": ticker, "headlines": headlines})),
            None => Err(format!("no news for '{ticker}'")),
        }
    });
    let compare = Tool::new("compare_stocks", |args: CompareArgs| async move {
        let mut comparison = serde_json::Map::new();
        let mut best: Option<(String, f64)> = None;
        for ticker in args.tickers {
            if let Ok(found) = stock_price(&ticker) {
                let change = found["change_pct"].as_f64().unwrap_or(0.0);
                if best.as_ref().is_none_or(|(_, top)| change > *top) {
                    best = Some((ticker.to_uppercase(), change));
                }
                comparison.insert(ticker.to_uppercase(), found);
            }
        }
        match best {
            Some((best, _)) => Ok(json!({"comparison": comparison, "best_performer_today": best})),
            None => Err("no valid tickers".to_owned()),
        }
    });
    vec![price, news, compare]
}
