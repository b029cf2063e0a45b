use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    #[extract(range(min = 0, max = 1))]
    title: String,
}

fn main() {}
