//! Where a key may go: the configured origin, over HTTPS or to this machine.
//!
//! An origin is a URL's scheme, host and port. The headers carrying a key are marked
//! sensitive (see `provider::key_header`); they travel only to the origin of the
//! configured base URL, whatever a redirect says.

use reqwest::header::HeaderMap;
use reqwest::Url;
use std::net::IpAddr;

/// Whether `a` and `b` have the same scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host() == b.host() && a.port_or_known_default() == b.port_or_known_default()
}

/// Whether `url` names this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        Err(_) => false,
    }
}

/// Whether a key sent to `url` travels encrypted or stays on this machine.
pub(crate) fn keeps_keys_safe(url: &Url) -> bool {
    url.scheme() == "https" || is_loopback(url)
}

/// `headers` without the sensitive ones (the key's).
pub(crate) fn without_keys(headers: &HeaderMap) -> HeaderMap {
    headers
        .iter()
        .filter(|(_, value)| !value.is_sensitive())
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// The host of `url`, with its port when it names one: what an error may say of a URL
/// (never its path or query).
pub(crate) fn host_of(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn loopback_is_localhost_127_8_and_ipv6_one() {
        for local in [
            "http://localhost:8080/v1",
            "http://LOCALHOST",
            "http://127.0.0.1",
            "http://127.9.8.7:1",
            "http://[::1]:80",
        ] {
            assert!(is_loopback(&url(local)), "{local}");
            assert!(keeps_keys_safe(&url(local)), "{local}");
        }
        for remote in ["http://10.1.2.3/v1", "http://localhost.example.com", "http://128.0.0.1", "http://[::2]"] {
            assert!(!is_loopback(&url(remote)), "{remote}");
            assert!(!keeps_keys_safe(&url(remote)), "{remote}");
        }
        assert!(keeps_keys_safe(&url("https://10.1.2.3/v1")));
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin(&url("https://api.x.com/v1/a"), &url("https://api.x.com:443/v2?b")));
        assert!(!same_origin(&url("https://api.x.com/v1"), &url("http://api.x.com/v1")));
        assert!(!same_origin(&url("http://127.0.0.1:1/"), &url("http://127.0.0.1:2/")));
        assert!(!same_origin(&url("http://127.0.0.1:1/"), &url("http://127.0.0.2:1/")));
    }

    #[test]
    fn only_sensitive_headers_are_dropped() {
        let mut headers = HeaderMap::new();
        let mut key = HeaderValue::from_static("secret");
        key.set_sensitive(true);
        headers.insert("x-api-key", key);
        headers.insert("anthropic-version", HeaderValue::from_static("2023-06-01"));
        let kept = without_keys(&headers);
        assert_eq!(kept.len(), 1);
        assert!(kept.contains_key("anthropic-version"));
        assert_eq!(host_of(&url("http://127.0.0.2:9/a?key=1")).as_deref(), Some("127.0.0.2:9"));
        assert_eq!(host_of(&url("https://api.x.com/a")).as_deref(), Some("api.x.com"));
    }
}
