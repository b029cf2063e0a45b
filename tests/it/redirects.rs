//! Redirects never carry the key to another origin: a server on 127.0.0.1 redirects
//! every request to a second server on 127.0.0.2 (Linux routes all of 127/8 to the
//! loopback), which records what reaches it.

use crate::support;

use crate::support::MockServer;
use futures::StreamExt;
use pluck::{Client, Error, Provider, RetryPolicy};
use std::time::Duration;
use support::job::JobPostingAnalysis;
use support::{completion, ok, requests, valid_analysis, SECRET};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

/// Answers every request with `status` and a `Location` on `target`, keeping the
/// request's path and query.
struct RedirectTo {
    status: u16,
    target: String,
}

impl Respond for RedirectTo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut location = format!("{}{}", self.target, request.url.path());
        if let Some(query) = request.url.query() {
            location = format!("{location}?{query}");
        }
        ResponseTemplate::new(self.status).insert_header("location", location.as_str())
    }
}

/// A server on 127.0.0.2 that answers everything with 401, as a host without the key
/// would.
async fn second_host() -> MockServer {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").expect("127.0.0.2 is a loopback address");
    let server = MockServer::from_started(wiremock::MockServer::builder().listener(listener).start().await);
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    server
}

/// A server on 127.0.0.1 redirecting every POST to `target` with `status`.
async fn redirecting(status: u16, target: &MockServer) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(RedirectTo { status, target: target.uri() }).mount(&server).await;
    server
}

fn builder(provider: Provider, server: &MockServer) -> pluck::ClientBuilder {
    Client::builder()
        .provider(provider)
        .base_url(match provider {
            Provider::OpenAi => format!("{}/v1", server.uri()),
            _ => server.uri(),
        })
        .api_key(SECRET)
        .model("test-model")
        .retry_policy(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
}

/// Extracts once, plain or streamed.
async fn extract(client: &Client, streamed: bool) -> Result<JobPostingAnalysis, Error> {
    if !streamed {
        return client.extract::<JobPostingAnalysis>("posting").await;
    }
    let mut updates = client.extract_stream::<JobPostingAnalysis>("posting");
    while let Some(update) = updates.next().await {
        if let pluck::stream::Update::Done(done) = update? {
            return Ok(done.value);
        }
    }
    panic!("the stream ended with neither a value nor an error");
}

/// Every header value the server received, on every request.
async fn header_values(server: &MockServer) -> Vec<String> {
    requests(server)
        .await
        .iter()
        .flat_map(|r| {
            r.headers.values().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect::<Vec<_>>()
        })
        .collect()
}

/// Every provider, plain and streamed, redirected with every status that may be
/// followed: the provider, whether streamed, the status, and the two servers (the
/// first redirecting to the second).
async fn cases() -> Vec<(Provider, bool, u16, MockServer, MockServer)> {
    let mut cases = Vec::new();
    for provider in [Provider::OpenAi, Provider::Anthropic, Provider::Gemini] {
        for streamed in [false, true] {
            for status in [301, 302, 307, 308] {
                let second = second_host().await;
                let first = redirecting(status, &second).await;
                cases.push((provider, streamed, status, first, second));
            }
        }
    }
    cases
}

#[tokio::test]
async fn redirects_are_not_followed_by_default() {
    for (provider, streamed, status, first, second) in cases().await {
        let client = builder(provider, &first).build().unwrap();
        let err = extract(&client, streamed).await.unwrap_err();
        let case = format!("{provider}, streamed: {streamed}, HTTP {status}");
        assert!(requests(&second).await.is_empty(), "{case}: the second host was reached");
        let expected = second.address().to_string();
        assert!(
            matches!(&err, Error::Redirect { status: s, host: Some(host) } if *s == status && *host == expected),
            "{case}: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(&expected) && !message.contains(SECRET), "{case}: {message}");
        assert!(message.contains("follow_redirects"), "{case}: says how to follow: {message}");
        assert_eq!(requests(&first).await.len(), 1, "{case}: a redirect is not retried");
    }
}

#[tokio::test]
async fn followed_redirects_to_another_origin_carry_no_key() {
    for (provider, streamed, status, first, second) in cases().await {
        let client = builder(provider, &first).follow_redirects(true).build().unwrap();
        let err = extract(&client, streamed).await.unwrap_err();
        let case = format!("{provider}, streamed: {streamed}, HTTP {status}");
        assert!(matches!(&err, Error::Authentication { status: 401, .. }), "{case}: {err:?}");
        let (sent, received) = (requests(&first).await, requests(&second).await);
        assert_eq!(received.len(), 1, "{case}: followed once");
        assert_eq!(received[0].method.as_str(), "POST", "{case}: the method is kept");
        assert_eq!(received[0].body, sent[0].body, "{case}: the body is kept");
        assert!(header_values(&first).await.iter().any(|v| v.contains(SECRET)), "{case}: the key went first");
        let leaked = header_values(&second).await.into_iter().filter(|v| v.contains(SECRET)).count();
        assert_eq!(leaked, 0, "{case}: the key reached the second host");
    }
}

#[tokio::test]
async fn a_users_http_client_follows_no_redirect_either() {
    let users =
        [reqwest::Client::builder(), reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(5))];
    for http in users {
        let second = second_host().await;
        let first = redirecting(307, &second).await;
        let client = builder(Provider::Anthropic, &first).http_client(http).build().unwrap();
        let err = extract(&client, false).await.unwrap_err();
        assert!(matches!(&err, Error::Redirect { status: 307, .. }), "{err:?}");
        assert!(requests(&second).await.is_empty());
    }
}

#[tokio::test]
async fn a_redirect_within_the_origin_keeps_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(308).insert_header("location", "/v2/chat/completions"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/chat/completions"))
        .and(header("authorization", format!("Bearer {SECRET}").as_str()))
        .respond_with(ok(completion(&valid_analysis().to_string(), 10, 10)))
        .mount(&server)
        .await;
    let client = builder(Provider::OpenAi, &server).follow_redirects(true).build().unwrap();
    extract(&client, false).await.expect("the key followed the redirect on the same origin");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn see_other_and_endless_redirects_are_not_followed() {
    let second = second_host().await;
    let first = redirecting(303, &second).await;
    let client = builder(Provider::OpenAi, &first).follow_redirects(true).build().unwrap();
    let err = extract(&client, false).await.unwrap_err();
    assert!(matches!(&err, Error::Redirect { status: 303, .. }), "a 303 would make the POST a GET: {err:?}");
    assert!(requests(&second).await.is_empty());

    let looping = MockServer::start().await;
    let to_itself = RedirectTo { status: 307, target: looping.uri() };
    Mock::given(method("POST")).respond_with(to_itself).mount(&looping).await;
    let client = builder(Provider::OpenAi, &looping).follow_redirects(true).build().unwrap();
    let err = extract(&client, false).await.unwrap_err();
    assert!(matches!(&err, Error::Redirect { status: 307, .. }), "{err:?}");
    assert_eq!(requests(&looping).await.len(), 11, "the request and 10 redirects followed");
}
