use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    #[extract(range(max = 1e400))]
    a: f64,
    #[extract(range(min = -1e999))]
    b: f64,
    #[extract(range(max = 340282366920938463463374607431768211456))]
    c: u64,
}

fn main() {}
