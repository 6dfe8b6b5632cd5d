//! Builds the OTLP exporters (gRPC or HTTP/protobuf) from a resolved [`OtlpConfig`].
//!
//! Traces over gRPC go through iftracer's own client ([`grpc_client`](super::grpc_client)),
//! which sends exactly the resolved headers; traces over HTTP and all metrics go through
//! `opentelemetry-otlp`, which reads `OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_}HEADERS` from the
//! process environment by itself; iftracer resolves headers from its own environment source
//! (builder over environment, or nothing with `.ignore_env()`), so each of those replaces
//! whatever the library added with exactly the resolved set: an interceptor for gRPC, a client
//! wrapper for HTTP. Endpoint, protocol and compression are always set explicitly, so the
//! library's own environment lookups never apply to them (except that it has no way to say "no
//! compression": a process-wide `OTEL_EXPORTER_OTLP_COMPRESSION=gzip` still compresses).
//!
//! The export timeout is not given to these clients: the managed exporter and the metrics
//! pipeline bound each export by it (see [`deadline`](super::deadline)), retries included. The
//! one exception is gRPC metrics, whose library timeout is set so the environment's
//! `OTEL_EXPORTER_OTLP_TIMEOUT` cannot apply.

use std::time::Duration;

use opentelemetry_otlp::{MetricExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::config::metrics::MetricsConfig;
use crate::config::{Compression, OtlpConfig, Protocol};
use crate::error::Error;
use crate::export::runtime::ExportRuntime;

/// The OTLP trace exporter of the configured transport.
#[derive(Debug)]
pub(crate) enum OtlpTraceExporter {
    #[cfg(feature = "grpc-tonic")]
    Grpc(super::grpc_client::GrpcTraceExporter),
    #[cfg(feature = "http-proto")]
    Http(opentelemetry_otlp::SpanExporter),
}

impl SpanExporter for OtlpTraceExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        match self {
            #[cfg(feature = "grpc-tonic")]
            OtlpTraceExporter::Grpc(exporter) => exporter.export(batch).await,
            #[cfg(feature = "http-proto")]
            OtlpTraceExporter::Http(exporter) => exporter.export(batch).await,
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        match self {
            #[cfg(feature = "grpc-tonic")]
            OtlpTraceExporter::Grpc(exporter) => exporter.shutdown_with_timeout(timeout),
            #[cfg(feature = "http-proto")]
            OtlpTraceExporter::Http(exporter) => exporter.shutdown_with_timeout(timeout),
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        match self {
            #[cfg(feature = "grpc-tonic")]
            OtlpTraceExporter::Grpc(exporter) => exporter.force_flush(),
            #[cfg(feature = "http-proto")]
            OtlpTraceExporter::Http(exporter) => exporter.force_flush(),
        }
    }

    fn set_resource(&mut self, resource: &Resource) {
        match self {
            #[cfg(feature = "grpc-tonic")]
            OtlpTraceExporter::Grpc(exporter) => exporter.set_resource(resource),
            #[cfg(feature = "http-proto")]
            OtlpTraceExporter::Http(exporter) => exporter.set_resource(resource),
        }
    }
}

pub(crate) fn build(
    config: &OtlpConfig,
    runtime: &ExportRuntime,
) -> Result<OtlpTraceExporter, Error> {
    let _ = runtime; // Only gRPC needs it.
    match config.protocol {
        #[cfg(feature = "grpc-tonic")]
        Protocol::Grpc => grpc(config, runtime),
        #[cfg(feature = "http-proto")]
        Protocol::HttpProtobuf => http(config).map(OtlpTraceExporter::Http),
        // Resolution refuses protocols that are not compiled in; stay typed regardless.
        #[allow(unreachable_patterns)]
        _ => Err(Error::TransportNotEnabled {
            protocol: "grpc",
            feature: "grpc-tonic",
        }),
    }
}

#[cfg(feature = "grpc-tonic")]
fn grpc(config: &OtlpConfig, runtime: &ExportRuntime) -> Result<OtlpTraceExporter, Error> {
    let url = config.endpoint.grpc_url();
    let endpoint = tonic::transport::Endpoint::from_shared(url.clone())
        .map_err(|err| Error::Exporter(format!("invalid gRPC endpoint {url}: {err}")))?;
    #[cfg(feature = "tls")]
    let endpoint = if config.endpoint.uses_tls() {
        endpoint
            .tls_config(grpc_tls(config))
            .map_err(|err| Error::Exporter(format!("TLS setup failed: {err}")))?
    } else {
        endpoint
    };
    // tonic spawns its connection tasks on the runtime it is built in: ours.
    let channel = {
        let _entered = runtime.handle().enter();
        endpoint.connect_lazy()
    };
    let metadata = tonic::metadata::MetadataMap::from_headers(config.headers.header_map().clone());
    Ok(OtlpTraceExporter::Grpc(
        super::grpc_client::GrpcTraceExporter::new(
            channel,
            metadata,
            config.compression == Compression::Gzip,
        ),
    ))
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
fn http(config: &OtlpConfig) -> Result<opentelemetry_otlp::SpanExporter, Error> {
    use opentelemetry_otlp::WithHttpConfig;

    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(config.endpoint.http_url())
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_http_client(http_client(config)?);
    if config.compression == Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    builder
        .build()
        .map_err(|err| Error::Exporter(err.to_string()))
}

#[cfg(feature = "http-proto")]
fn http_client(config: &OtlpConfig) -> Result<crate::export::http_client::OtlpHttpClient, Error> {
    let client = reqwest::Client::builder();
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
    let _ = (runtime, timeout); // Only gRPC needs them.
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
                .with_temporality(metrics.temporality)
                .with_http_client(http_client(&destination)?);
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
