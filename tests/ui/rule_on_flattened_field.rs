use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Pay {
    amount: f64,
}

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    title: String,
    #[serde(flatten)]
    #[extract(length(max = 3))]
    pay: Pay,
}

fn main() {}
