use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    range: (u32, u32),
}

fn main() {}
