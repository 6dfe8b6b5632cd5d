//! The public choices of how spans travel: OTLP protocol, compression, export mode.

use crate::error::{Error, Setting};

/// The OTLP wire protocol.
///
/// ```
/// let guard = iftracer::Iftracer::builder()
///     .ignore_env()
///     .endpoint("http://127.0.0.1:4318")
///     .protocol(iftracer::Protocol::HttpProtobuf)
///     .init()
///     .unwrap();
/// # drop(guard);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Protocol {
    /// OTLP/gRPC (tonic); credentials travel as gRPC metadata. The default, as InsightFinder's
    /// trace server speaks gRPC.
    #[default]
    Grpc,
    /// OTLP/HTTP with protobuf bodies, posted to `…/v1/traces`.
    HttpProtobuf,
}

impl Protocol {
    pub(crate) fn parse(value: &str, setting: Setting) -> Result<Self, Error> {
        match value.to_ascii_lowercase().as_str() {
            "grpc" => Ok(Protocol::Grpc),
            "http/protobuf" => Ok(Protocol::HttpProtobuf),
            _ => Err(Error::UnknownProtocol {
                setting,
                value: value.to_owned(),
            }),
        }
    }

    pub(crate) fn check_compiled_in(self) -> Result<Self, Error> {
        let (compiled, protocol, feature) = match self {
            Protocol::Grpc => (cfg!(feature = "grpc-tonic"), "grpc", "grpc-tonic"),
            Protocol::HttpProtobuf => (cfg!(feature = "http-proto"), "http/protobuf", "http-proto"),
        };
        if compiled {
            Ok(self)
        } else {
            Err(Error::TransportNotEnabled { protocol, feature })
        }
    }
}

/// Compression of OTLP requests (`OTEL_EXPORTER_OTLP_COMPRESSION`).
///
/// ```
/// let guard = iftracer::Iftracer::builder()
///     .ignore_env()
///     .endpoint("http://127.0.0.1:4317")
///     .compression(iftracer::Compression::Gzip)
///     .init()
///     .unwrap();
/// # drop(guard);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Compression {
    /// Uncompressed requests (the default, as the specification says).
    #[default]
    None,
    /// gzip: a fraction of the bytes for LLM spans, for some CPU.
    Gzip,
}

impl Compression {
    pub(crate) fn parse(value: &str, setting: Setting) -> Result<Self, Error> {
        match value.to_ascii_lowercase().as_str() {
            "gzip" => Ok(Compression::Gzip),
            "none" => Ok(Compression::None),
            _ => Err(Error::UnknownCompression {
                setting,
                value: value.to_owned(),
            }),
        }
    }
}

/// How finished spans reach the exporter.
///
/// ```
/// let guard = iftracer::Iftracer::builder()
///     .ignore_env()
///     .export_mode(iftracer::ExportMode::Simple)
///     .init()
///     .unwrap();
/// # drop(guard);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExportMode {
    /// Queue spans and export them in batches from a background thread (the default).
    #[default]
    Batch,
    /// Export each span as it ends, on the thread that ends it. For tests and short scripts.
    Simple,
}
