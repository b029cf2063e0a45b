use pluck::Extract;

#[derive(Extract, serde::Deserialize, schemars::JsonSchema, PartialEq)]
struct Skill {
    name: String,
}

#[derive(Extract, serde::Deserialize, schemars::JsonSchema)]
struct Posting {
    #[extract(dedup_by(nmae, ignore_case))]
    skills: Vec<Skill>,
}

fn main() {}
