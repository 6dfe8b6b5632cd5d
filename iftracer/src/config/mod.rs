//! Configuration: builder values over environment variables over defaults, resolved once at
//! `init` into a plain [`Config`] that the pipeline is built from.

pub(crate) mod console;
pub(crate) mod endpoint;
pub(crate) mod env;
pub(crate) mod gateway;
pub(crate) mod headers;
pub(crate) mod kv_list;
pub(crate) mod metrics;
pub(crate) mod privacy;
pub(crate) mod resolve;
pub(crate) mod resource;
pub(crate) mod sampler;
pub(crate) mod secret;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use opentelemetry::KeyValue;

use self::endpoint::Endpoint;
use self::env::*;
use self::headers::Headers;
use self::resolve::{builder, env_only, zero};
use self::resource::ResourceSettings;
use self::sampler::Sampler;
use self::secret::Secret;
use crate::error::{Error, Setting};
use crate::privacy::{Detector, Privacy};
use crate::vocabulary::Vocabularies;

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
    fn parse(value: &str, setting: Setting) -> Result<Self, Error> {
        match value.to_ascii_lowercase().as_str() {
            "grpc" => Ok(Protocol::Grpc),
            "http/protobuf" => Ok(Protocol::HttpProtobuf),
            _ => Err(Error::UnknownProtocol {
                setting,
                value: value.to_owned(),
            }),
        }
    }

    fn check_compiled_in(self) -> Result<Self, Error> {
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
    fn parse(value: &str, setting: Setting) -> Result<Self, Error> {
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

pub(crate) const DEFAULT_MAX_QUEUE_SIZE: usize = 2048;
pub(crate) const DEFAULT_MAX_EXPORT_BATCH_SIZE: usize = 512;
pub(crate) const DEFAULT_SCHEDULED_DELAY: Duration = Duration::from_millis(5000);
pub(crate) const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// The OpenTelemetry SDK's default span attribute count limit.
pub(crate) const DEFAULT_MAX_ATTRIBUTES_PER_SPAN: u32 = 128;
/// The OpenTelemetry SDK's default event and link count limits.
pub(crate) const DEFAULT_MAX_EVENTS_PER_SPAN: u32 = 128;
pub(crate) const DEFAULT_MAX_LINKS_PER_SPAN: u32 = 128;

/// Values given to the builder; `None` means "take the environment or the default".
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub(crate) enabled: Option<bool>,
    pub(crate) resource: ResourceSettings,
    pub(crate) endpoint: Option<String>,
    pub(crate) protocol: Option<Protocol>,
    pub(crate) compression: Option<Compression>,
    pub(crate) headers: Vec<(String, Secret)>,
    pub(crate) bearer_token: Option<Secret>,
    pub(crate) user: Option<String>,
    pub(crate) license_key: Option<Secret>,
    pub(crate) project: Option<String>,
    pub(crate) system: Option<String>,
    pub(crate) ca_certificate: Option<PathBuf>,
    pub(crate) export_timeout: Option<Duration>,
    pub(crate) export_mode: Option<ExportMode>,
    pub(crate) max_queue_size: Option<usize>,
    pub(crate) max_export_batch_size: Option<usize>,
    pub(crate) scheduled_delay: Option<Duration>,
    pub(crate) sampler: Option<Sampler>,
    pub(crate) shutdown_timeout: Option<Duration>,
    pub(crate) vocabularies: Option<Vocabularies>,
    pub(crate) capture_content: Option<bool>,
    pub(crate) max_value_length: Option<usize>,
    pub(crate) max_attributes_per_span: Option<u32>,
    pub(crate) redact: Option<Vec<Detector>>,
    pub(crate) redact_patterns: Vec<(String, String)>,
    pub(crate) id_hash_salt: Option<Secret>,
    pub(crate) llm_span_kind: Option<opentelemetry::trace::SpanKind>,
    pub(crate) hold_traces: Option<bool>,
    pub(crate) max_trace_hold: Option<Duration>,
    pub(crate) max_held_spans: Option<usize>,
    pub(crate) metrics: Option<bool>,
    pub(crate) metric_export_interval: Option<Duration>,
    pub(crate) metrics_temporality: Option<crate::metrics::Temporality>,
    pub(crate) console_format: Option<console::ConsoleFormat>,
}

/// A resolved configuration. Its `Debug` shows no credential.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) resource: Vec<KeyValue>,
    /// `None`: no endpoint anywhere, so spans go to the console.
    pub(crate) otlp: Option<OtlpConfig>,
    pub(crate) export_mode: ExportMode,
    pub(crate) batch: BatchSettings,
    pub(crate) export_timeout: Duration,
    pub(crate) max_attributes_per_span: u32,
    pub(crate) max_events_per_span: u32,
    pub(crate) max_links_per_span: u32,
    pub(crate) sampler: Sampler,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) vocabularies: Vocabularies,
    pub(crate) privacy: Privacy,
    /// The kind of the spans iftracer opens for LLM calls, and whether non-INTERNAL spans
    /// carrying an InsightFinder pair get an INTERNAL pair span.
    pub(crate) llm_spans: LlmSpans,
    /// `Some`: spans of a trace are held until its local root ends (InsightFinder destinations).
    pub(crate) hold: Option<HoldSettings>,
    /// `Some`: GenAI metrics are recorded, and exported over OTLP or summarised by the console.
    pub(crate) metrics: Option<metrics::MetricsDestination>,
    /// How the console exporter prints, when it is the destination.
    pub(crate) console: console::ConsoleSettings,
}

/// How LLM calls reach InsightFinder's gateway, which pairs prompt and response only on
/// INTERNAL spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LlmSpans {
    pub(crate) kind: opentelemetry::trace::SpanKind,
    /// With the InsightFinder vocabulary on: a span of another kind that carries
    /// `chat.prompt` and `chat.response` hands them to an INTERNAL child span.
    pub(crate) pair_spans: bool,
}

/// Bounds of holding a trace's spans until its local root ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HoldSettings {
    /// Longest a trace is held, counted from its first local root's start.
    pub(crate) max_age: Duration,
    /// Most spans held at once, over all traces; beyond it the oldest trace is released.
    pub(crate) max_spans: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchSettings {
    pub(crate) max_queue_size: usize,
    pub(crate) max_export_batch_size: usize,
    pub(crate) scheduled_delay: Duration,
}

#[derive(Debug)]
pub(crate) struct OtlpConfig {
    pub(crate) endpoint: Endpoint,
    pub(crate) protocol: Protocol,
    pub(crate) compression: Compression,
    pub(crate) headers: Headers,
    pub(crate) ca_certificate: Option<CaCertificate>,
    /// The destination is InsightFinder's trace gateway (by endpoint, variable or credentials).
    pub(crate) insightfinder: bool,
}

/// A PEM file's contents, read and checked at `init` so a bad path fails early.
#[derive(Clone)]
pub(crate) struct CaCertificate {
    pub(crate) setting: Setting,
    pub(crate) path: PathBuf,
    pub(crate) pem: Vec<u8>,
}

impl fmt::Debug for CaCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaCertificate")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Whether tracing is on: builder, then `IFTRACER_TRACING_ENABLED`, then `OTEL_SDK_DISABLED`,
/// then on.
pub(crate) fn resolve_enabled(settings: &Settings, env: &Env<'_>) -> Result<bool, Error> {
    Ok(builder(settings.enabled, ".enabled()")
        .or_env(IFTRACER_TRACING_ENABLED, |var| env.bool(var))?
        .or_lenient_env(OTEL_SDK_DISABLED, |var| {
            Ok(env.bool(var)?.map(|disabled| !disabled))
        })?
        .or(true))
}

/// Resolves everything but the on/off switch. `custom_exporter` skips the OTLP destination,
/// which a user exporter replaces.
pub(crate) fn resolve(
    settings: &Settings,
    env: &Env<'_>,
    custom_exporter: bool,
) -> Result<Config, Error> {
    const ABOVE_ZERO: &str = "a duration above zero";
    let timeout_from_env = |var: &'static str| match env.millis(var)? {
        Some(timeout) if timeout.is_zero() => Err(zero(Setting::Env(var), ABOVE_ZERO)),
        other => Ok(other),
    };
    let export_timeout = builder(settings.export_timeout, ".export_timeout()")
        .nonzero(ABOVE_ZERO)?
        .or_lenient_env(OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, timeout_from_env)?
        .or_lenient_env(OTEL_EXPORTER_OTLP_TIMEOUT, timeout_from_env)?
        .or(DEFAULT_EXPORT_TIMEOUT);
    let shutdown_timeout = builder(settings.shutdown_timeout, ".shutdown_timeout()")
        .nonzero(ABOVE_ZERO)?
        .or(DEFAULT_SHUTDOWN_TIMEOUT);
    let sampler = builder(settings.sampler, ".sampler()")
        .check(Sampler::validate)?
        .or_lenient_env(OTEL_TRACES_SAMPLER, |_| Sampler::from_env(env))?
        .or_default();
    let otlp = if custom_exporter {
        None
    } else {
        resolve_otlp(settings, env)?
    };
    let batch = resolve_batch(settings, env)?;
    let vocabularies = privacy::resolve_vocabularies(settings, env)?;
    let insightfinder = otlp.as_ref().is_some_and(|otlp| otlp.insightfinder);
    // The console's settings are checked only when it prints: a malformed `IFTRACER_CONSOLE`
    // must not stop an application whose spans go to an endpoint or its own exporter.
    let console_used = otlp.is_none() && !custom_exporter;
    let metrics = metrics::resolve(settings, env, otlp.as_ref(), console_used)?;
    let console = if console_used {
        console::resolve(settings.console_format, env)?
    } else {
        console::ConsoleSettings::default()
    };
    let limit = |var| limit_in(env, var);
    Ok(Config {
        resource: resource::resolve(&settings.resource, env)?,
        otlp,
        export_mode: settings.export_mode.unwrap_or_default(),
        batch,
        export_timeout,
        max_attributes_per_span: resolve_attribute_limit(settings, env)?,
        max_events_per_span: env_only()
            .or_lenient_env(OTEL_SPAN_EVENT_COUNT_LIMIT, limit)?
            .or(DEFAULT_MAX_EVENTS_PER_SPAN),
        max_links_per_span: env_only()
            .or_lenient_env(OTEL_SPAN_LINK_COUNT_LIMIT, limit)?
            .or(DEFAULT_MAX_LINKS_PER_SPAN),
        sampler,
        shutdown_timeout,
        vocabularies,
        privacy: privacy::resolve_privacy(settings, env)?,
        llm_spans: gateway::resolve_llm_spans(settings, env, vocabularies)?,
        hold: gateway::resolve_hold(settings, env, insightfinder, &batch)?,
        metrics,
        console,
    })
}

fn resolve_batch(settings: &Settings, env: &Env<'_>) -> Result<BatchSettings, Error> {
    const POSITIVE: &str = "a whole number above 0";
    let count = |var| positive_number(env, var, POSITIVE);
    let max_queue_size = builder(settings.max_queue_size, ".max_queue_size()")
        .nonzero(POSITIVE)?
        .or_lenient_env(OTEL_BSP_MAX_QUEUE_SIZE, count)?
        .or(DEFAULT_MAX_QUEUE_SIZE);
    let max_export_batch_size = builder(settings.max_export_batch_size, ".max_export_batch_size()")
        .nonzero(POSITIVE)?
        .or_lenient_env(OTEL_BSP_MAX_EXPORT_BATCH_SIZE, count)?
        .or(DEFAULT_MAX_EXPORT_BATCH_SIZE)
        // As the SDK does: a batch larger than the queue could never fill.
        .min(max_queue_size);
    let scheduled_delay = builder(settings.scheduled_delay, ".scheduled_delay()")
        .or_lenient_env(OTEL_BSP_SCHEDULE_DELAY, |var| env.millis(var))?
        .or(DEFAULT_SCHEDULED_DELAY);
    Ok(BatchSettings {
        max_queue_size,
        max_export_batch_size,
        scheduled_delay,
    })
}

const LIMIT: &str = "a whole number above 0 (at most 4294967295)";

fn resolve_attribute_limit(settings: &Settings, env: &Env<'_>) -> Result<u32, Error> {
    Ok(builder(
        settings.max_attributes_per_span,
        ".max_attributes_per_span()",
    )
    .nonzero(LIMIT)?
    .or_lenient_env(OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, |var| limit_in(env, var))?
    .or(DEFAULT_MAX_ATTRIBUTES_PER_SPAN))
}

/// A span count limit from `var`: set explicitly on the SDK, which would otherwise read the
/// process environment itself.
fn limit_in(env: &Env<'_>, var: &'static str) -> Result<Option<u32>, Error> {
    positive_number(env, var, LIMIT)
}

fn positive_number<T: std::str::FromStr + PartialEq + Default>(
    env: &Env<'_>,
    var: &'static str,
    expected: &'static str,
) -> Result<Option<T>, Error> {
    match env.number::<T>(var, expected)? {
        Some(value) if value == T::default() => Err(zero(Setting::Env(var), expected)),
        other => Ok(other),
    }
}

fn resolve_otlp(settings: &Settings, env: &Env<'_>) -> Result<Option<OtlpConfig>, Error> {
    let explicit = match &settings.endpoint {
        Some(value) => Some(Endpoint::parse(
            value,
            Setting::Builder(".endpoint()"),
            false,
        )?),
        None => None,
    };
    let endpoint_in = |var: &'static str| {
        env.string(var)?
            .map(|value| {
                // A signal-specific endpoint is used exactly as given.
                Endpoint::parse(
                    &value,
                    Setting::Env(var),
                    var == OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
                )
            })
            .transpose()
    };
    // The InsightFinder variable wins over the generic ones: setting it says where to send.
    let endpoint = builder(explicit, ".endpoint()")
        .or_env(INSIGHTFINDER_ENDPOINT, endpoint_in)?
        .or_env(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, endpoint_in)?
        .or_env(OTEL_EXPORTER_OTLP_ENDPOINT, endpoint_in)?
        .value();
    let Some(endpoint) = endpoint else {
        return Ok(None);
    };
    let protocol_in = |var: &'static str| {
        env.string(var)?
            .map(|value| Protocol::parse(&value, Setting::Env(var)))
            .transpose()
    };
    let protocol = builder(settings.protocol, ".protocol()")
        .or_lenient_env(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, protocol_in)?
        .or_lenient_env(OTEL_EXPORTER_OTLP_PROTOCOL, protocol_in)?
        .or_default()
        .check_compiled_in()?;
    let compression_in = |var: &'static str| {
        env.string(var)?
            .map(|value| Compression::parse(&value, Setting::Env(var)))
            .transpose()
    };
    let compression = builder(settings.compression, ".compression()")
        .or_lenient_env(OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, compression_in)?
        .or_lenient_env(OTEL_EXPORTER_OTLP_COMPRESSION, compression_in)?
        .or_default();
    if endpoint.uses_tls() && !cfg!(feature = "tls") {
        return Err(Error::TlsNotEnabled {
            endpoint: endpoint.grpc_url(),
        });
    }
    let headers = resolve_headers(settings, env)?;
    let insightfinder = check_insightfinder_credentials(&endpoint, &headers, env)?;
    if insightfinder && protocol == Protocol::HttpProtobuf {
        gateway::warn_http_once();
    }
    let ca_certificate = if endpoint.uses_tls() {
        resolve_ca_certificate(settings, env)?
    } else {
        None
    };
    Ok(Some(OtlpConfig {
        endpoint,
        protocol,
        compression,
        headers,
        ca_certificate,
        insightfinder,
    }))
}

/// The InsightFinder credentials: header name, builder method, environment variables.
const CREDENTIALS: [(&str, &str, &str, &[&str]); 4] = [
    ("ifuser", "user", ".user()", &[INSIGHTFINDER_USER]),
    (
        "iflicensekey",
        "license key",
        ".license_key()",
        &[INSIGHTFINDER_LICENSE_KEY],
    ),
    (
        "ifproject",
        "project",
        ".project()",
        &[INSIGHTFINDER_PROJECT_NAME, INSIGHTFINDER_PROJECT],
    ),
    (
        "ifsystem",
        "system",
        ".system()",
        &[INSIGHTFINDER_SYSTEM_NAME, INSIGHTFINDER_SYSTEM],
    ),
];

/// Headers, later sources winning per name: `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (or, when it
/// is unset, `OTEL_EXPORTER_OTLP_HEADERS`), `IFTRACER_HEADERS`, `INSIGHTFINDER_*`, builder
/// `.header()`, `.bearer_token()`, builder credentials.
fn resolve_headers(settings: &Settings, env: &Env<'_>) -> Result<Headers, Error> {
    let mut headers = Headers::default();
    // The signal-specific list replaces the generic one, as the specification says.
    let otlp = match env.string(OTEL_EXPORTER_OTLP_TRACES_HEADERS)? {
        Some(_) => OTEL_EXPORTER_OTLP_TRACES_HEADERS,
        None => OTEL_EXPORTER_OTLP_HEADERS,
    };
    for var in [otlp, IFTRACER_HEADERS] {
        if let Some(list) = env.string(var)? {
            let setting = Setting::Env(var);
            // The entry may hold a credential, so at most its key reaches the error.
            let pairs = kv_list::parse(&list).map_err(|entry| Error::InvalidHeader {
                setting,
                name: shown_header_name(&entry),
                reason: "expected `name=value` pairs separated by commas".to_owned(),
            })?;
            for (name, value) in pairs {
                headers.set(&name, &value, setting)?;
            }
        }
    }
    for (header, _, _, vars) in CREDENTIALS {
        if let Some((value, var)) = env.first(vars)? {
            headers.set(header, &value, Setting::Env(var))?;
        }
    }
    for (name, value) in &settings.headers {
        headers.set(name, value.expose(), Setting::Builder(".header()"))?;
    }
    if let Some(token) = &settings.bearer_token {
        headers.set(
            "authorization",
            &format!("Bearer {}", token.expose()),
            Setting::Builder(".bearer_token()"),
        )?;
    }
    let explicit = [
        ("ifuser", settings.user.as_deref(), ".user()"),
        (
            "iflicensekey",
            settings.license_key.as_ref().map(Secret::expose),
            ".license_key()",
        ),
        ("ifproject", settings.project.as_deref(), ".project()"),
        ("ifsystem", settings.system.as_deref(), ".system()"),
    ];
    for (header, value, method) in explicit {
        if let Some(value) = value {
            headers.set(header, value, Setting::Builder(method))?;
        }
    }
    Ok(headers)
}

/// The name of a malformed header entry as an error may show it: only a key that is a valid
/// header name, since `Authorization: Basic dXNlcjpwYXNz=` puts the credential before the `=`.
fn shown_header_name(entry: &str) -> String {
    match entry.split_once('=') {
        Some((key, _)) if http::HeaderName::from_bytes(key.trim().as_bytes()).is_ok() => {
            key.trim().to_owned()
        }
        Some(_) => "(an entry whose name is not a header name)".to_owned(),
        None => "(an entry without `=`)".to_owned(),
    }
}

/// An InsightFinder endpoint (by variable or host), or any one credential, needs all four of
/// user, license key, project and system: the gateway answers OK to a request without them and
/// drops its spans silently. `Ok(true)` when the destination is InsightFinder.
fn check_insightfinder_credentials(
    endpoint: &Endpoint,
    headers: &Headers,
    env: &Env<'_>,
) -> Result<bool, Error> {
    let why = if env.string(INSIGHTFINDER_ENDPOINT)?.is_some() {
        format!("`{INSIGHTFINDER_ENDPOINT}` is set")
    } else if endpoint.host().ends_with("insightfinder.com") {
        format!("{} is an InsightFinder trace server", endpoint.host())
    } else if let Some((header, ..)) = CREDENTIALS
        .iter()
        .find(|(header, ..)| headers.get(header).is_some())
    {
        format!("the InsightFinder header `{header}` is set")
    } else {
        return Ok(false);
    };
    for (header, credential, method, vars) in &CREDENTIALS {
        if headers.get(header).is_none() {
            return Err(Error::MissingCredential {
                credential,
                method,
                env: vars[0],
                why,
            });
        }
    }
    Ok(true)
}

fn resolve_ca_certificate(
    settings: &Settings,
    env: &Env<'_>,
) -> Result<Option<CaCertificate>, Error> {
    let (path, setting) = match &settings.ca_certificate {
        Some(path) => (path.clone(), Setting::Builder(".ca_certificate()")),
        None => match env.first(&[
            OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE,
            OTEL_EXPORTER_OTLP_CERTIFICATE,
        ])? {
            Some((path, var)) => (PathBuf::from(path), Setting::Env(var)),
            None => return Ok(None),
        },
    };
    let pem = std::fs::read(&path).map_err(|err| Error::CaCertificate {
        setting,
        path: path.clone(),
        reason: err.to_string(),
    })?;
    if !pem
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(Error::CaCertificate {
            setting,
            path,
            reason: "it holds no PEM certificate".to_owned(),
        });
    }
    Ok(Some(CaCertificate { setting, path, pem }))
}

#[cfg(test)]
mod tests;
