use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
enum Level {
    #[extract(length(max = 3))]
    Junior,
    Senior,
}

fn main() {}
