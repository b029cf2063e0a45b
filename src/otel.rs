//! Export of the extraction spans to any OpenTelemetry backend over OTLP/HTTP
//! (feature `otel`).
//!
//! [`install`] builds an OpenTelemetry tracer provider that sends batches of spans as
//! OTLP protobuf over HTTP to `{endpoint}/v1/traces`, and installs a `tracing`
//! subscriber whose layer (`tracing-opentelemetry`) turns the spans of pluck (and your
//! own, at level `INFO` and above) into OpenTelemetry spans. The [`OtelGuard`] it
//! returns sends what is left when it is dropped: keep it alive as long as the program
//! runs. [`layer`] gives the layer alone, for a subscriber of your own.
//!
//! The service name is also the resource attribute `openinference.project.name`, the
//! project Arize Phoenix files the traces under.
//!
//! ```no_run
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! #[derive(serde::Deserialize, schemars::JsonSchema, pluck::Extract)]
//! struct City {
//!     name: String,
//! }
//!
//! let _otel = pluck::otel::install("http://127.0.0.1:6006", "my-service")?;
//! let client = pluck::Client::from_env()?;
//! let city = client.extract::<City>("Paris is in France.").await?;
//! # let _ = city;
//! # Ok(()) }
//! ```

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use opentelemetry_sdk::Resource;
use std::fmt;
use tracing_subscriber::filter::{Filtered, LevelFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// What can go wrong setting up or flushing the export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OtelError {
    /// The endpoint is not an `http://` or `https://` URL.
    #[error("the OTLP endpoint {endpoint:?} is not an http(s) URL")]
    Endpoint {
        /// The endpoint given.
        endpoint: String,
    },
    /// The OTLP exporter could not be built.
    #[error("the OTLP exporter could not be built: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
    /// A `tracing` subscriber was already installed for the whole program.
    #[error("a global tracing subscriber is already installed; add pluck::otel::layer to it instead")]
    SubscriberAlreadySet,
    /// Spans could not be sent (the backend did not take them, or did not answer).
    #[error("the spans could not be exported: {0}")]
    Export(#[from] opentelemetry_sdk::error::OTelSdkError),
}

/// The layer [`layer`] gives: the `tracing-opentelemetry` bridge, keeping spans and
/// events at level `INFO` and above.
pub type OtelLayer<S> = Filtered<tracing_opentelemetry::OpenTelemetryLayer<S, Tracer>, LevelFilter, S>;

/// Keeps the export running; sends the spans not yet sent and stops the export when
/// dropped.
#[must_use = "the export stops when the guard is dropped"]
pub struct OtelGuard {
    provider: SdkTracerProvider,
}

impl OtelGuard {
    /// Sends every finished span not yet sent, and waits until the backend took them.
    ///
    /// # Errors
    /// [`OtelError::Export`] when the backend did not take them.
    pub fn flush(&self) -> Result<(), OtelError> {
        Ok(self.provider.force_flush()?)
    }

    /// The tracer provider, for spans made with the OpenTelemetry API directly.
    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }
}

impl Drop for OtelGuard {
    fn drop(&mut self) {
        // Nothing to report to: a backend gone at exit loses the last batch.
        let _ = self.provider.force_flush();
        let _ = self.provider.shutdown();
    }
}

impl fmt::Debug for OtelGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtelGuard")
    }
}

/// Exports spans to the OTLP/HTTP collector at `endpoint` (its base URL, such as
/// `http://127.0.0.1:6006`, or its full `/v1/traces` URL) as the service
/// `service_name`, through a `tracing` subscriber installed for the whole program.
///
/// # Errors
/// [`OtelError::Endpoint`] for an endpoint that is not an http(s) URL,
/// [`OtelError::Exporter`] when the exporter cannot be built, and
/// [`OtelError::SubscriberAlreadySet`] when the program has a global subscriber
/// already (use [`layer`] with it instead).
pub fn install(endpoint: &str, service_name: &str) -> Result<OtelGuard, OtelError> {
    let (layer, guard) = layer(endpoint, service_name)?;
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::set_global_default(subscriber).map_err(|_| OtelError::SubscriberAlreadySet)?;
    Ok(guard)
}

/// The layer exporting spans to `endpoint` as `service_name` (see [`install`]), to add
/// to a subscriber of your own, and the guard that keeps the export running.
///
/// # Errors
/// [`OtelError::Endpoint`] for an endpoint that is not an http(s) URL, and
/// [`OtelError::Exporter`] when the exporter cannot be built.
pub fn layer<S>(endpoint: &str, service_name: &str) -> Result<(OtelLayer<S>, OtelGuard), OtelError>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    let provider = provider(endpoint, service_name)?;
    let tracer = provider.tracer("pluck");
    let layer = tracing_opentelemetry::layer().with_tracer(tracer).with_filter(LevelFilter::INFO);
    Ok((layer, OtelGuard { provider }))
}

/// The traces URL of the collector at `endpoint`.
fn traces_url(endpoint: &str) -> Result<String, OtelError> {
    let trimmed = endpoint.trim_end_matches('/');
    if !(trimmed.starts_with("http://") || trimmed.starts_with("https://")) {
        return Err(OtelError::Endpoint { endpoint: endpoint.to_owned() });
    }
    Ok(match trimmed.ends_with("/v1/traces") {
        true => trimmed.to_owned(),
        false => format!("{trimmed}/v1/traces"),
    })
}

fn provider(endpoint: &str, service_name: &str) -> Result<SdkTracerProvider, OtelError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces_url(endpoint)?)
        .build()?;
    let resource = Resource::builder()
        .with_service_name(service_name.to_owned())
        .with_attribute(KeyValue::new("openinference.project.name", service_name.to_owned()))
        .build();
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_traces_url_is_the_base_url_s_v1_traces() {
        assert_eq!(traces_url("http://127.0.0.1:6006").unwrap(), "http://127.0.0.1:6006/v1/traces");
        assert_eq!(traces_url("http://127.0.0.1:6006/").unwrap(), "http://127.0.0.1:6006/v1/traces");
        assert_eq!(traces_url("https://h/v1/traces").unwrap(), "https://h/v1/traces");
        assert!(matches!(traces_url("127.0.0.1:6006"), Err(OtelError::Endpoint { .. })));
    }
}
