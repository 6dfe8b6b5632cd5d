//! Builds the OTLP exporter (gRPC or HTTP/protobuf) from a resolved [`OtlpConfig`].
//!
//! `opentelemetry-otlp` reads `OTEL_EXPORTER_OTLP_{,TRACES_}HEADERS` from the process
//! environment by itself; iftracer resolves headers from its own environment source (builder
//! over environment, or nothing with `.ignore_env()`), so each transport replaces whatever the
//! library added with exactly the resolved set: an interceptor for gRPC, a client wrapper for
//! HTTP. Endpoint, protocol, timeout and compression are always set explicitly, so the
//! library's own environment lookups never apply to them (except that it has no way to say "no
//! compression": a process-wide `OTEL_EXPORTER_OTLP_COMPRESSION=gzip` still compresses).

use std::time::Duration;

use opentelemetry_otlp::{MetricExporter, SpanExporter, WithExportConfig};

use crate::config::metrics::MetricsConfig;
use crate::config::{Compression, OtlpConfig, Protocol};
use crate::error::Error;
use crate::export::runtime::ExportRuntime;

pub(crate) fn build(
    config: &OtlpConfig,
    timeout: Duration,
    runtime: &ExportRuntime,
) -> Result<SpanExporter, Error> {
    let _ = runtime; // Only gRPC needs it.
    match config.protocol {
        #[cfg(feature = "grpc-tonic")]
        Protocol::Grpc => grpc(config, timeout, runtime),
        #[cfg(feature = "http-proto")]
        Protocol::HttpProtobuf => http(config, timeout),
        // Resolution refuses protocols that are not compiled in; stay typed regardless.
        #[allow(unreachable_patterns)]
        _ => Err(Error::TransportNotEnabled {
            protocol: "grpc",
            feature: "grpc-tonic",
        }),
    }
}

#[cfg(feature = "grpc-tonic")]
fn grpc(
    config: &OtlpConfig,
    timeout: Duration,
    runtime: &ExportRuntime,
) -> Result<SpanExporter, Error> {
    use opentelemetry_otlp::WithTonicConfig;

    let mut builder = SpanExporter::builder()
        .with_tonic()
        .with_endpoint(config.endpoint.grpc_url())
        .with_timeout(timeout)
        .with_interceptor(grpc_interceptor(config))
        .with_retry_policy(crate::export::retry::grpc_policy());
    if config.compression == Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    #[cfg(feature = "tls")]
    if config.endpoint.uses_tls() {
        builder = builder.with_tls_config(grpc_tls(config));
    }
    // tonic spawns its connection tasks on the runtime it is built in: ours.
    let _entered = runtime.handle().enter();
    builder
        .build()
        .map_err(|err| Error::Exporter(err.to_string()))
}

/// Sends exactly the resolved headers as gRPC metadata.
#[cfg(feature = "grpc-tonic")]
fn grpc_interceptor(
    config: &OtlpConfig,
) -> impl tonic::service::Interceptor + Clone + Send + Sync + 'static {
    let metadata = tonic::metadata::MetadataMap::from_headers(config.headers.header_map().clone());
    move |mut request: tonic::Request<()>| {
        // Replaces the library's metadata, which comes from the process environment.
        *request.metadata_mut() = metadata.clone();
        Ok(request)
    }
}

#[cfg(all(feature = "grpc-tonic", feature = "tls"))]
fn grpc_tls(config: &OtlpConfig) -> tonic::transport::ClientTlsConfig {
    let mut tls = tonic::transport::ClientTlsConfig::new().with_native_roots();
    if let Some(ca) = &config.ca_certificate {
        tls = tls.ca_certificate(tonic::transport::Certificate::from_pem(&ca.pem));
    }
    tls
}

#[cfg(feature = "http-proto")]
fn http(config: &OtlpConfig, timeout: Duration) -> Result<SpanExporter, Error> {
    use opentelemetry_otlp::WithHttpConfig;

    let mut builder = SpanExporter::builder()
        .with_http()
        .with_endpoint(config.endpoint.http_url())
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_timeout(timeout)
        .with_http_client(http_client(config, timeout)?);
    if config.compression == Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    builder
        .build()
        .map_err(|err| Error::Exporter(err.to_string()))
}

#[cfg(feature = "http-proto")]
fn http_client(
    config: &OtlpConfig,
    timeout: Duration,
) -> Result<crate::export::http_client::OtlpHttpClient, Error> {
    let client = reqwest::Client::builder().timeout(timeout);
    // Always preconfigured: without it, reqwest looks for a process-wide rustls provider and
    // panics when there is none, even for `http://`.
    #[cfg(feature = "tls")]
    let client = client.tls_backend_preconfigured(crate::export::tls::client_config(
        config.endpoint.uses_tls(),
        config.ca_certificate.as_ref(),
    )?);
    let client = client
        .build()
        .map_err(|err| Error::Exporter(format!("cannot build the HTTP client: {err}")))?;
    Ok(crate::export::http_client::OtlpHttpClient::new(
        client,
        &config.headers,
        timeout,
    ))
}

/// The OTLP metrics exporter: the traces' headers, compression, TLS and timeout, sent to
/// `metrics`' endpoint and protocol.
pub(crate) fn build_metrics(
    traces: &OtlpConfig,
    metrics: &MetricsConfig,
    timeout: Duration,
    runtime: &ExportRuntime,
) -> Result<MetricExporter, Error> {
    let _ = runtime; // Only gRPC needs it.
    // TLS settings follow the metrics endpoint's scheme; the rest is shared.
    let destination = OtlpConfig {
        endpoint: metrics.endpoint.clone(),
        protocol: metrics.protocol,
        compression: traces.compression,
        headers: traces.headers.clone(),
        ca_certificate: traces.ca_certificate.clone(),
        insightfinder: traces.insightfinder,
    };
    let compression = (destination.compression == Compression::Gzip)
        .then_some(opentelemetry_otlp::Compression::Gzip);
    match metrics.protocol {
        #[cfg(feature = "grpc-tonic")]
        Protocol::Grpc => {
            use opentelemetry_otlp::WithTonicConfig;
            let mut builder = MetricExporter::builder()
                .with_tonic()
                .with_endpoint(destination.endpoint.grpc_url())
                .with_timeout(timeout)
                .with_temporality(metrics.temporality)
                .with_interceptor(grpc_interceptor(&destination))
                .with_retry_policy(crate::export::retry::grpc_policy());
            if let Some(compression) = compression {
                builder = builder.with_compression(compression);
            }
            #[cfg(feature = "tls")]
            if destination.endpoint.uses_tls() {
                builder = builder.with_tls_config(grpc_tls(&destination));
            }
            let _entered = runtime.handle().enter();
            builder
                .build()
                .map_err(|err| Error::Exporter(err.to_string()))
        }
        #[cfg(feature = "http-proto")]
        Protocol::HttpProtobuf => {
            use opentelemetry_otlp::WithHttpConfig;
            let mut builder = MetricExporter::builder()
                .with_http()
                .with_endpoint(metrics.http_url())
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_timeout(timeout)
                .with_temporality(metrics.temporality)
                .with_http_client(http_client(&destination, timeout)?);
            if let Some(compression) = compression {
                builder = builder.with_compression(compression);
            }
            builder
                .build()
                .map_err(|err| Error::Exporter(err.to_string()))
        }
        // Resolution refuses protocols that are not compiled in; stay typed regardless.
        #[allow(unreachable_patterns)]
        _ => Err(Error::TransportNotEnabled {
            protocol: "grpc",
            feature: "grpc-tonic",
        }),
    }
}
