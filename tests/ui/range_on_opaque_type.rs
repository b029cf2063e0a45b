use pluck::Extract;

type Title = std::borrow::Cow<'static, str>;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    #[extract(range(min = 0))]
    title: Title,
}

fn main() {}
