//! The workload with the `rstructor` crate: `OpenAIClient` pointed at the mock server,
//! whose requests use a strict `json_schema` response format, the same system prompt,
//! and the job-posting rules in `Instructor::validate` (it re-asks with the reply and
//! the error appended to the conversation).
//!
//! The plain `serde` + `schemars` type travels in a newtype whose schema is
//! `rstructor::Schemars`' (so every library sends the schema schemars makes) and whose
//! `validate` runs the shared rules, as rstructor's docs describe for hand-written
//! `Instructor` implementations.

use bench_common::job::{check, JobPostingAnalysis};
use bench_common::{base_url, runner, API_KEY, MODEL, POSTING, SYSTEM_PROMPT};
use rstructor::{Instructor, OpenAIClient, RStructorError, RequestExt, Schema, SchemaType, Schemars};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(transparent)]
struct Job(JobPostingAnalysis);

impl SchemaType for Job {
    fn schema() -> Schema {
        Schemars::<JobPostingAnalysis>::schema()
    }

    fn try_schema() -> rstructor::Result<Schema> {
        Schemars::<JobPostingAnalysis>::try_schema()
    }

    fn schema_name() -> Option<String> {
        Schemars::<JobPostingAnalysis>::schema_name()
    }
}

impl Instructor for Job {
    fn validate(&self) -> rstructor::Result<()> {
        check(&self.0).map_err(RStructorError::ValidationError)
    }
}

fn main() {
    let client = OpenAIClient::new(API_KEY).expect("a key").base_url(base_url()).model(MODEL).max_retries(2);
    runner::run("rstructor", || async {
        client.with_system(SYSTEM_PROMPT).extract::<Job>(POSTING).await.map(|job| job.0.overall_confidence)
    });
}
