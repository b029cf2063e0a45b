use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    #[extract(rnage(min = 0))]
    confidence: f64,
}

fn main() {}
