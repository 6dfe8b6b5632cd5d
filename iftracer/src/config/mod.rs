//! Configuration: builder values over environment variables over defaults, resolved once at
//! `init` into a plain [`Config`] that the pipeline is built from.

pub(crate) mod batch;
pub(crate) mod console;
pub(crate) mod endpoint;
pub(crate) mod env;
pub(crate) mod gateway;
pub(crate) mod headers;
pub(crate) mod kv_list;
pub(crate) mod metrics;
pub(crate) mod otlp;
pub(crate) mod privacy;
pub(crate) mod resolve;
pub(crate) mod resource;
pub(crate) mod sampler;
pub(crate) mod secret;
pub(crate) mod transport;

pub(crate) use self::batch::BatchSettings;
pub(crate) use self::otlp::OtlpConfig;
pub use self::transport::{Compression, ExportMode, Protocol};

use std::path::PathBuf;
use std::time::Duration;

use opentelemetry::KeyValue;

use self::env::*;
use self::resolve::{builder, env_only};
use self::resource::ResourceSettings;
use self::sampler::Sampler;
use self::secret::Secret;
use crate::error::Error;
use crate::privacy::{Detector, Privacy};
use crate::vocabulary::Vocabularies;

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
    let export_timeout = otlp::resolve_timeout(settings, env, &otlp::TRACES)?;
    let shutdown_timeout = builder(settings.shutdown_timeout, ".shutdown_timeout()")
        .nonzero("a duration above zero")?
        .or(DEFAULT_SHUTDOWN_TIMEOUT);
    let sampler = builder(settings.sampler, ".sampler()")
        .check(Sampler::validate)?
        .or_lenient_env(OTEL_TRACES_SAMPLER, |_| Sampler::from_env(env))?
        .or_default();
    let otlp = if custom_exporter {
        None
    } else {
        otlp::resolve_otlp(settings, env)?
    };
    let batch = batch::resolve_batch(settings, env)?;
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
    let limit = |var| batch::limit_in(env, var);
    Ok(Config {
        resource: resource::resolve(&settings.resource, env)?,
        otlp,
        export_mode: settings.export_mode.unwrap_or_default(),
        batch,
        export_timeout,
        max_attributes_per_span: batch::resolve_attribute_limit(settings, env)?,
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

#[cfg(test)]
mod tests;
