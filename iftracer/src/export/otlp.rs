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

use opentelemetry_otlp::{SpanExporter, WithExportConfig};

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
    use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};

    let metadata = config
        .headers
        .iter()
        .map(|(name, value)| {
            let key = name.parse::<AsciiMetadataKey>();
            let value = value.parse::<AsciiMetadataValue>();
            match (key, value) {
                (Ok(key), Ok(value)) => Ok((key, value)),
                _ => Err(Error::Exporter(format!(
                    "header `{name}` cannot be gRPC metadata"
                ))),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let interceptor = move |mut request: tonic::Request<()>| {
        // The library's metadata comes from the process environment: drop it.
        *request.metadata_mut() = tonic::metadata::MetadataMap::new();
        for (key, value) in &metadata {
            request.metadata_mut().insert(key.clone(), value.clone());
        }
        Ok(request)
    };
    let mut builder = SpanExporter::builder()
        .with_tonic()
        .with_endpoint(config.endpoint.grpc_url())
        .with_timeout(timeout)
        .with_interceptor(interceptor)
        .with_retry_policy(crate::export::retry::grpc_policy());
    if config.compression == Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    #[cfg(feature = "tls")]
    if config.endpoint.uses_tls() {
        let mut tls = tonic::transport::ClientTlsConfig::new().with_native_roots();
        if let Some(ca) = &config.ca_certificate {
            tls = tls.ca_certificate(tonic::transport::Certificate::from_pem(&ca.pem));
        }
        builder = builder.with_tls_config(tls);
    }
    // tonic spawns its connection tasks on the runtime it is built in: ours.
    let _entered = runtime.handle().enter();
    builder
        .build()
        .map_err(|err| Error::Exporter(err.to_string()))
}

#[cfg(feature = "http-proto")]
fn http(config: &OtlpConfig, timeout: Duration) -> Result<SpanExporter, Error> {
    use crate::export::http_client::OtlpHttpClient;
    use opentelemetry_otlp::WithHttpConfig;

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
    let client = OtlpHttpClient::new(client, &config.headers, timeout)?;
    let mut builder = SpanExporter::builder()
        .with_http()
        .with_endpoint(config.endpoint.http_url())
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_timeout(timeout)
        .with_http_client(client);
    if config.compression == Compression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    builder
        .build()
        .map_err(|err| Error::Exporter(err.to_string()))
}
