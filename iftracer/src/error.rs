//! The typed configuration error returned by [`IftracerBuilder::init`](crate::IftracerBuilder::init).

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value came from, so an error can name the exact knob to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// A builder method, e.g. `.endpoint()`.
    Builder(&'static str),
    /// An environment variable, e.g. `OTEL_EXPORTER_OTLP_ENDPOINT`.
    Env(&'static str),
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Builder(method) => write!(f, "builder method `{method}`"),
            Setting::Env(var) => write!(f, "environment variable `{var}`"),
        }
    }
}

/// What can go wrong with `iftracer`: a configuration it cannot run with, or a flush or shutdown
/// that did not finish.
///
/// Every configuration message names the setting (builder method or environment variable) and
/// how to fix it. Header values are never part of a message, so a license key or token cannot
/// leak through it.
///
/// ```
/// let err = iftracer::Iftracer::builder()
///     .ignore_env()
///     .endpoint("ftp://collector")
///     .init()
///     .unwrap_err();
/// assert!(err.to_string().contains("`.endpoint()`"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The OTLP endpoint is not an `http://` or `https://` URL with a host.
    #[error(
        "invalid OTLP endpoint {value:?} from {setting}: {reason}; fix: use an absolute URL such as \
         `https://collector.example.com:4317` (TLS) or `http://127.0.0.1:4318` (plaintext)"
    )]
    InvalidEndpoint {
        /// Where the endpoint came from.
        setting: Setting,
        /// The rejected endpoint.
        value: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A header name or value that gRPC metadata or HTTP cannot carry.
    #[error(
        "invalid header {name:?} from {setting}: {reason}; fix: header names are ASCII letters, \
         digits and `-` (no `-bin` suffix), values are visible ASCII without line breaks"
    )]
    InvalidHeader {
        /// Where the header came from.
        setting: Setting,
        /// The header name (the value is never shown: it may be a secret).
        name: String,
        /// What is wrong with it.
        reason: String,
    },

    /// An OTLP protocol other than `grpc` or `http/protobuf`.
    #[error("unknown OTLP protocol {value:?} from {setting}; fix: use `grpc` or `http/protobuf`")]
    UnknownProtocol {
        /// Where the protocol came from.
        setting: Setting,
        /// The rejected protocol name.
        value: String,
    },

    /// The chosen transport was compiled out.
    #[error(
        "the {protocol} transport is not compiled in; fix: enable the `{feature}` cargo feature of \
         iftracer, or choose the other protocol"
    )]
    TransportNotEnabled {
        /// `grpc` or `http/protobuf`.
        protocol: &'static str,
        /// The cargo feature that provides it.
        feature: &'static str,
    },

    /// An `https://` endpoint while the `tls` feature is off.
    #[error(
        "endpoint {endpoint:?} uses TLS but the `tls` cargo feature of iftracer is off; fix: enable \
         the feature or use an `http://` endpoint"
    )]
    TlsNotEnabled {
        /// The endpoint that needs TLS.
        endpoint: String,
    },

    /// An unknown sampler name.
    #[error(
        "unknown sampler {value:?} from {setting}; fix: use always_on, always_off, traceidratio, \
         parentbased_always_on, parentbased_always_off or parentbased_traceidratio"
    )]
    UnknownSampler {
        /// Where the sampler came from.
        setting: Setting,
        /// The rejected sampler name.
        value: String,
    },

    /// An unknown attribute vocabulary name.
    #[error(
        "unknown vocabulary {value:?} in {setting}; fix: list any of insightfinder, genai, \
         openinference (or all), separated by commas"
    )]
    UnknownVocabulary {
        /// Where the list came from.
        setting: Setting,
        /// The rejected name.
        value: String,
    },

    /// An unknown redaction detector name.
    #[error(
        "unknown redaction detector {value:?} in {setting}; fix: use `default`, `all`, `off`, or \
         any of default, ssn, email, card, phone, api_key, bearer_token, credential, iban, \
         national_id, ip, mac, separated by commas"
    )]
    UnknownDetector {
        /// Where the list came from.
        setting: Setting,
        /// The rejected name.
        value: String,
    },

    /// A custom redaction pattern that is not a valid regular expression.
    #[error(
        "invalid redaction pattern {pattern:?} from {setting}: {reason}; fix: write a valid regular expression (Rust `regex` syntax)"
    )]
    InvalidPattern {
        /// Where the pattern came from.
        setting: Setting,
        /// The rejected pattern.
        pattern: String,
        /// Why it was rejected.
        reason: String,
    },

    /// A number that does not parse or is out of range.
    #[error("invalid value {value:?} for {setting}: expected {expected}")]
    InvalidNumber {
        /// Where the number came from.
        setting: Setting,
        /// The rejected text.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },

    /// A console setting (`IFTRACER_CONSOLE`, `IFTRACER_CONSOLE_COLOR`) with an unknown value.
    #[error("invalid value {value:?} for {setting}: expected {expected}")]
    UnknownConsoleSetting {
        /// Where the value came from.
        setting: Setting,
        /// The rejected text.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },

    /// A boolean switch that is neither true nor false.
    #[error("invalid value {value:?} for {setting}: expected `true` or `false`")]
    InvalidBool {
        /// Where the switch came from.
        setting: Setting,
        /// The rejected text.
        value: String,
    },

    /// An environment variable whose value is not UTF-8.
    #[error("{setting} is not valid UTF-8; fix: set it to UTF-8 text or unset it")]
    NotUnicode {
        /// The variable.
        setting: Setting,
    },

    /// An InsightFinder endpoint without the credentials it needs.
    #[error(
        "missing InsightFinder {credential}: {why}; fix: call `{method}` on the builder or set \
         `{env}`"
    )]
    MissingCredential {
        /// `user`, `license key`, `project` or `system`.
        credential: &'static str,
        /// The builder method that sets it.
        method: &'static str,
        /// The environment variable that sets it.
        env: &'static str,
        /// Why the credential is required.
        why: String,
    },

    /// A compression other than `gzip` or `none`.
    #[error("unknown OTLP compression {value:?} from {setting}; fix: use `gzip` or `none`")]
    UnknownCompression {
        /// Where the compression came from.
        setting: Setting,
        /// The rejected name.
        value: String,
    },

    /// A kind for LLM spans other than CLIENT or INTERNAL.
    #[error(
        "invalid LLM span kind {value:?} from {setting}; fix: use `internal` (InsightFinder pairs \
         prompt and response only on INTERNAL spans) or `client` (the GenAI conventions' kind)"
    )]
    InvalidLlmSpanKind {
        /// Where the kind came from.
        setting: Setting,
        /// The rejected kind.
        value: String,
    },

    /// A malformed `key=value` entry in the resource attributes.
    #[error(
        "invalid resource attribute {entry:?} in {setting}; fix: write `key=value` pairs separated \
         by commas, with a non-empty key"
    )]
    InvalidResourceAttribute {
        /// Where the attributes came from.
        setting: Setting,
        /// The rejected entry.
        entry: String,
    },

    /// The custom CA certificate file cannot be used.
    #[error(
        "cannot use CA certificate file {path:?} from {setting}: {reason}; fix: point it at a readable PEM file"
    )]
    CaCertificate {
        /// Where the path came from.
        setting: Setting,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },

    /// A metrics temporality other than `cumulative`, `delta` or `lowmemory`.
    #[error(
        "unknown metrics temporality {value:?} from {setting}; fix: use `cumulative`, `delta` or \
         `lowmemory`"
    )]
    UnknownTemporality {
        /// Where the temporality came from.
        setting: Setting,
        /// The rejected name.
        value: String,
    },

    /// Metrics were turned on, but nothing says where to send them.
    #[error(
        "metrics are on ({setting}) but there is no OTLP endpoint to send them to; fix: set \
         `.endpoint()` / `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`), \
         or turn metrics off"
    )]
    MetricsWithoutEndpoint {
        /// What turned metrics on.
        setting: Setting,
    },

    /// The OTLP exporter could not be built from an otherwise valid configuration.
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(String),

    /// The background export thread could not be started.
    #[error("cannot start iftracer's export thread: {0}")]
    ExportThread(#[source] std::io::Error),

    /// [`TracerGuard::force_flush`](crate::TracerGuard::force_flush) did not finish: an export
    /// failed or took longer than the timeout (the spans are counted in `stats()`).
    #[error("flushing the pipeline failed: {0}")]
    Flush(#[source] opentelemetry_sdk::error::OTelSdkError),

    /// [`TracerGuard::shutdown`](crate::TracerGuard::shutdown) did not finish cleanly: the
    /// pipeline was already shut down, an export failed, or the shutdown timeout passed (the
    /// spans are counted in `stats()`).
    #[error("shutting the pipeline down failed: {0}")]
    Shutdown(#[source] opentelemetry_sdk::error::OTelSdkError),
}

impl Error {
    /// The environment variable this error is about, if it came from one.
    pub(crate) fn env_var(&self) -> Option<&'static str> {
        let setting = match self {
            Error::InvalidEndpoint { setting, .. }
            | Error::InvalidHeader { setting, .. }
            | Error::UnknownProtocol { setting, .. }
            | Error::UnknownSampler { setting, .. }
            | Error::UnknownVocabulary { setting, .. }
            | Error::UnknownDetector { setting, .. }
            | Error::InvalidPattern { setting, .. }
            | Error::InvalidNumber { setting, .. }
            | Error::InvalidBool { setting, .. }
            | Error::UnknownConsoleSetting { setting, .. }
            | Error::NotUnicode { setting }
            | Error::InvalidLlmSpanKind { setting, .. }
            | Error::UnknownCompression { setting, .. }
            | Error::UnknownTemporality { setting, .. }
            | Error::InvalidResourceAttribute { setting, .. }
            | Error::CaCertificate { setting, .. } => setting,
            _ => return None,
        };
        match setting {
            Setting::Env(var) => Some(var),
            Setting::Builder(_) => None,
        }
    }
}
