//! Builds the OTLP exporter (gRPC or HTTP/protobuf) from a resolved [`OtlpConfig`].
//!
//! `opentelemetry-otlp` merges `OTEL_EXPORTER_OTLP_HEADERS` over programmatic headers; iftracer
//! resolves headers itself (builder over environment), so each transport re-applies the resolved
//! set last: an interceptor for gRPC, a client wrapper for HTTP.

use std::time::Duration;

use opentelemetry_otlp::{SpanExporter, WithExportConfig};

use crate::config::{OtlpConfig, Protocol};
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
    SpanExporter::builder()
        .with_http()
        .with_endpoint(config.endpoint.http_url())
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_timeout(timeout)
        .with_http_client(client)
        .build()
        .map_err(|err| Error::Exporter(err.to_string()))
}
