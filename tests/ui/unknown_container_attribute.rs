use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
#[extract(validator_fn = check)]
struct Posting {
    confidence: f64,
}

fn main() {}
