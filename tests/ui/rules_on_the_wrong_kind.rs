use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    #[extract(length(max = 3))]
    years: u32,
    #[extract(dedup)]
    title: String,
    #[extract(one_of("a", "b"))]
    count: Vec<u8>,
}

fn main() {}
