use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    title: String,
    #[serde(skip)]
    #[extract(range(min = 1))]
    views: u32,
    #[extract(length(max = 3))]
    #[serde(skip_deserializing)]
    tags: Vec<String>,
}

fn main() {}
