//! Builds the OTLP exporters (gRPC or HTTP/protobuf) from a resolved [`OtlpConfig`].
//!
//! Both signals over both transports go through iftracer's own clients
//! ([`grpc_client`](super::grpc_client), [`http_client`](super::http_client)): every setting
//! they use (endpoint, headers, compression, TLS, timeout, temporality) is the one iftracer
//! resolved from the builder and its own environment source, so no `OTEL_*` variable of the
//! process environment reaches the wire unless iftracer resolved it (`.ignore_env()` and
//! `.env_source()` mean it). The requests carry exactly the resolved headers.
//!
//! The export timeout is not given to the clients: the managed exporter and the metrics
//! pipeline bound each export by it (see [`deadline`](super::deadline)), retries included.

use crate::config::metrics::MetricsConfig;
use crate::config::{Compression, OtlpConfig, Protocol};
use crate::error::Error;
use crate::export::runtime::ExportRuntime;
use crate::export::signals::{OtlpMetricExporter, OtlpRequest, OtlpTraceExporter};

/// One place that sends an encoded request, per transport.
#[derive(Debug)]
pub(crate) enum Transport {
    #[cfg(feature = "grpc-tonic")]
    Grpc(super::grpc_client::GrpcClient),
    #[cfg(feature = "http-proto")]
    Http(super::http_client::HttpClient),
}

impl Transport {
    /// Sends `request` within the export's deadline; the error says why it was not delivered.
    pub(crate) async fn export<R: OtlpRequest>(&self, request: R) -> Result<(), String> {
        match self {
            #[cfg(feature = "grpc-tonic")]
            Transport::Grpc(client) => client.export(request).await,
            #[cfg(feature = "http-proto")]
            Transport::Http(client) => client.export(&request).await,
        }
    }

    /// The transport of `config`, posting to `http_url` over HTTP.
    fn new(config: &OtlpConfig, http_url: &str, runtime: &ExportRuntime) -> Result<Self, Error> {
        let _ = (http_url, runtime); // Each is used by one transport.
        match config.protocol {
            #[cfg(feature = "grpc-tonic")]
            Protocol::Grpc => grpc(config, runtime).map(Transport::Grpc),
            #[cfg(feature = "http-proto")]
            Protocol::HttpProtobuf => http(config, http_url).map(Transport::Http),
            // Resolution refuses protocols that are not compiled in; stay typed regardless.
            #[allow(unreachable_patterns)]
            _ => Err(Error::TransportNotEnabled {
                protocol: "grpc",
                feature: "grpc-tonic",
            }),
        }
    }
}

/// The trace exporter of the configured transport.
pub(crate) fn build(
    config: &OtlpConfig,
    runtime: &ExportRuntime,
) -> Result<OtlpTraceExporter, Error> {
    let transport = Transport::new(config, &config.endpoint.http_url(), runtime)?;
    Ok(OtlpTraceExporter::new(transport))
}

/// The OTLP metrics exporter: `metrics`' destination and temporality. The export timeout is
/// the pipeline's.
pub(crate) fn build_metrics(
    metrics: &MetricsConfig,
    runtime: &ExportRuntime,
) -> Result<OtlpMetricExporter, Error> {
    let transport = Transport::new(&metrics.otlp, &metrics.http_url(), runtime)?;
    Ok(OtlpMetricExporter::new(transport, metrics.temporality))
}

#[cfg(feature = "grpc-tonic")]
fn grpc(
    config: &OtlpConfig,
    runtime: &ExportRuntime,
) -> Result<super::grpc_client::GrpcClient, Error> {
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
    Ok(super::grpc_client::GrpcClient::new(
        channel,
        metadata,
        config.compression == Compression::Gzip,
    ))
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
fn http(config: &OtlpConfig, url: &str) -> Result<super::http_client::HttpClient, Error> {
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
    super::http_client::HttpClient::new(
        client,
        url,
        &config.headers,
        config.compression == Compression::Gzip,
    )
}
