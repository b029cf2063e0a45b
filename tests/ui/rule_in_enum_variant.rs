use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
enum Answer {
    Score {
        #[extract(range(min = 0, max = 1))]
        value: f64,
    },
    Unknown,
}

fn main() {}
