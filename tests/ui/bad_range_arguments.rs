use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    #[extract(range(min = 1, max = 0))]
    a: f64,
    #[extract(range(low = 1))]
    b: f64,
    #[extract(length())]
    c: String,
}

fn main() {}
