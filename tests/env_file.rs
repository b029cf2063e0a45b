//! `Client::from_env` reading a `.env` file as editors and shells write them: CRLF line
//! ends, quotes, comments, `export`. Its own test binary: it changes the process's
//! working directory and environment.

#[path = "it/support/mod.rs"]
mod support;

use pluck::{Client, Mode};
use support::job::JobPostingAnalysis;
use support::MockServer;
use support::{reply_once, requests, tool_completion, valid_analysis, SECRET};

#[tokio::test]
async fn a_dot_env_with_crlf_quotes_comments_and_export_loads() {
    let server = MockServer::start().await;
    let arguments = valid_analysis().to_string();
    reply_once(&server, support::ok(tool_completion("JobPostingAnalysis", &arguments, 10, 10))).await;
    for name in [
        "PLUCK_PROVIDER",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "GEMINI_API_KEY",
        "PLUCK_MODEL",
        "PLUCK_MODE",
        "PLUCK_ALLOW_INSECURE_HTTP",
    ] {
        std::env::remove_var(name);
    }
    let dir = std::env::temp_dir().join(format!("pluck-env-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lines = [
        "# pluck's settings".to_owned(),
        format!("export OPENAI_API_KEY=\"{SECRET}\""),
        format!("OPENAI_BASE_URL='{}/v1' # the mock", server.uri()),
        String::new(),
        "PLUCK_MODEL=test-model".to_owned(),
        "export PLUCK_MODE=\"tools\"".to_owned(),
    ];
    std::fs::write(dir.join(".env"), lines.join("\r\n") + "\r\n").unwrap();
    std::env::set_current_dir(&dir).unwrap();

    let client = Client::from_env().expect("a client from the .env file");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!((client.model(), client.mode()), ("test-model", Mode::Tools));
    client.extract::<JobPostingAnalysis>("posting").await.expect("a value from the mock");
    let sent = &requests(&server).await[0];
    assert_eq!(sent.headers.get("authorization").unwrap(), &format!("Bearer {SECRET}"));
}
