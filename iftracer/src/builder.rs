//! `Iftracer::builder()`: the one call that sets tracing up.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry_sdk::propagation::BaggagePropagator;
use opentelemetry_sdk::trace::{SpanExporter, SpanProcessor};

use crate::config::env::{Env, Lookup};
use crate::config::sampler::Sampler;
use crate::config::secret::Secret;
use crate::config::{self, ExportMode, Protocol, Settings};
use crate::error::Error;
use crate::export::runtime::ExportRuntime;
use crate::export::{self, ExporterFactory, ProcessorHook};
use crate::guard::TracerGuard;
use crate::pipeline::{self, Pipeline, Recording};
use crate::privacy::Detector;
use crate::stats::Counters;
use crate::vocabulary::Vocabularies;

/// Entry point: `Iftracer::builder() … .init()`.
///
/// ```
/// let guard = iftracer::Iftracer::builder()
///     .service_name("research-agent")
///     .init()
///     .expect("valid tracing configuration");
/// // … run the agent; dropping `guard` flushes and shuts down.
/// # drop(guard);
/// ```
#[derive(Debug)]
pub struct Iftracer;

impl Iftracer {
    /// Starts a configuration. Every value left unset comes from the environment, then from
    /// the defaults (see the README's configuration table).
    ///
    /// ```
    /// let builder = iftracer::Iftracer::builder();
    /// # drop(builder);
    /// ```
    pub fn builder() -> IftracerBuilder {
        IftracerBuilder::default()
    }
}

/// Sets tracing up from the environment alone: `Iftracer::builder().init()`.
///
/// ```
/// let guard = iftracer::init_from_env().expect("valid tracing environment");
/// # drop(guard);
/// ```
pub fn init_from_env() -> Result<TracerGuard, Error> {
    Iftracer::builder().init()
}

/// Configuration of the tracing pipeline. Explicit values win over environment variables,
/// which win over defaults.
///
/// ```no_run
/// // The InsightFinder setup: OTLP/gRPC over TLS with the four credential headers.
/// let guard = iftracer::Iftracer::builder()
///     .service_name("agent-service-name")
///     .service_version("1.0.0")
///     .endpoint("https://trace.insightfinder.com:4317")
///     .user("alice")
///     .license_key("LICENSE-KEY")
///     .project("agent-traces")
///     .system("agents")
///     .init()?;
/// # Ok::<(), iftracer::Error>(())
/// ```
#[must_use = "call `.init()` to set tracing up"]
#[derive(Default)]
pub struct IftracerBuilder {
    settings: Settings,
    env: Option<Box<Lookup>>,
    global: Option<bool>,
    tracing_subscriber: Option<bool>,
    #[cfg(feature = "tracing")]
    tracing_level: Option<tracing::Level>,
    exporter: Option<ExporterFactory>,
    processors: Vec<ProcessorHook>,
}

impl fmt::Debug for IftracerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IftracerBuilder")
            .field("settings", &self.settings)
            .field("custom_env", &self.env.is_some())
            .field("global", &self.global)
            .field("tracing_subscriber", &self.tracing_subscriber)
            .field("tracing_level", &self.tracing_level_name())
            .field("custom_exporter", &self.exporter.is_some())
            .field("extra_processors", &self.processors.len())
            .finish()
    }
}

impl IftracerBuilder {
    /// Turns tracing on or off (`IFTRACER_TRACING_ENABLED`). Off: nothing is exported and
    /// instrumentation only checks a flag.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().enabled(false).init().unwrap();
    /// assert!(!guard.is_enabled());
    /// ```
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.settings.enabled = Some(enabled);
        self
    }

    /// `service.name` of the resource (`OTEL_SERVICE_NAME`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().service_name("research-agent");
    /// # drop(b);
    /// ```
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.settings.resource.service_name = Some(name.into());
        self
    }

    /// `service.version` of the resource (`OTEL_SERVICE_VERSION`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().service_version(env!("CARGO_PKG_VERSION"));
    /// # drop(b);
    /// ```
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.settings.resource.service_version = Some(version.into());
        self
    }

    /// `deployment.environment` (and `deployment.environment.name`) of the resource.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().deployment_environment("staging");
    /// # drop(b);
    /// ```
    pub fn deployment_environment(mut self, environment: impl Into<String>) -> Self {
        self.settings.resource.environment = Some(environment.into());
        self
    }

    /// Adds a resource attribute (over `OTEL_RESOURCE_ATTRIBUTES`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().resource_attribute("team", "agents");
    /// # drop(b);
    /// ```
    pub fn resource_attribute(
        mut self,
        key: impl Into<opentelemetry::Key>,
        value: impl Into<opentelemetry::Value>,
    ) -> Self {
        self.settings
            .resource
            .attributes
            .push(KeyValue::new(key, value));
        self
    }

    /// The collector URL (over `INSIGHTFINDER_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`). `https://` uses TLS; no scheme means `https://`. With no
    /// endpoint anywhere, spans are printed to the terminal.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().endpoint("http://127.0.0.1:4317");
    /// # drop(b);
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.settings.endpoint = Some(url.into());
        self
    }

    /// The OTLP protocol (`OTEL_EXPORTER_OTLP_PROTOCOL`); gRPC by default.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().protocol(iftracer::Protocol::HttpProtobuf);
    /// # drop(b);
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.settings.protocol = Some(protocol);
        self
    }

    /// Compresses OTLP requests (`OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`,
    /// `OTEL_EXPORTER_OTLP_COMPRESSION`: `gzip` or `none`); none by default.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().compression(iftracer::Compression::Gzip);
    /// # drop(b);
    /// ```
    pub fn compression(mut self, compression: crate::Compression) -> Self {
        self.settings.compression = Some(compression);
        self
    }

    /// Adds a header sent with every export (over `IFTRACER_HEADERS` and
    /// `OTEL_EXPORTER_OTLP_HEADERS`). Values of credential-like names never appear in `Debug`.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().header("x-tenant", "acme");
    /// # drop(b);
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings
            .headers
            .push((name.into(), Secret::new(value)));
        self
    }

    /// Sends `Authorization: Bearer <token>`.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().bearer_token("tk_live_123");
    /// assert!(!format!("{b:?}").contains("tk_live_123"));
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.settings.bearer_token = Some(Secret::new(token));
        self
    }

    /// InsightFinder user, sent as `ifuser` (`INSIGHTFINDER_USER`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().user("alice");
    /// # drop(b);
    /// ```
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.settings.user = Some(user.into());
        self
    }

    /// InsightFinder license key, sent as `iflicensekey` (`INSIGHTFINDER_LICENSE_KEY`). It never
    /// appears in `Debug`, `Display` or logs.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().license_key("LK-secret");
    /// assert!(!format!("{b:?}").contains("LK-secret"));
    /// ```
    pub fn license_key(mut self, key: impl Into<String>) -> Self {
        self.settings.license_key = Some(Secret::new(key));
        self
    }

    /// InsightFinder project, sent as `ifproject` (`INSIGHTFINDER_PROJECT_NAME`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().project("agent-traces");
    /// # drop(b);
    /// ```
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.settings.project = Some(project.into());
        self
    }

    /// InsightFinder system, sent as `ifsystem` (`INSIGHTFINDER_SYSTEM_NAME`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().system("agents");
    /// # drop(b);
    /// ```
    pub fn system(mut self, system: impl Into<String>) -> Self {
        self.settings.system = Some(system.into());
        self
    }

    /// A PEM file of extra trusted CA certificates for `https://` endpoints
    /// (`OTEL_EXPORTER_OTLP_CERTIFICATE`); the system's roots stay trusted.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().ca_certificate("/etc/ssl/private-ca.pem");
    /// # drop(b);
    /// ```
    pub fn ca_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.ca_certificate = Some(path.into());
        self
    }

    /// Upper bound of one export call (`OTEL_EXPORTER_OTLP_TIMEOUT`, default 10 s).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().export_timeout(std::time::Duration::from_secs(3));
    /// # drop(b);
    /// ```
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.settings.export_timeout = Some(timeout);
        self
    }

    /// Upper bound of the final flush at shutdown (default 5 s).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().shutdown_timeout(std::time::Duration::from_secs(2));
    /// # drop(b);
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.settings.shutdown_timeout = Some(timeout);
        self
    }

    /// Batch (default) or simple export.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().export_mode(iftracer::ExportMode::Simple);
    /// # drop(b);
    /// ```
    pub fn export_mode(mut self, mode: ExportMode) -> Self {
        self.settings.export_mode = Some(mode);
        self
    }

    /// Most spans waiting for export (`OTEL_BSP_MAX_QUEUE_SIZE`, default 2048); more are
    /// dropped and counted in [`stats`](crate::stats).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_queue_size(8192);
    /// # drop(b);
    /// ```
    pub fn max_queue_size(mut self, size: usize) -> Self {
        self.settings.max_queue_size = Some(size);
        self
    }

    /// Most spans per export call (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, default 512).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_export_batch_size(1024);
    /// # drop(b);
    /// ```
    pub fn max_export_batch_size(mut self, size: usize) -> Self {
        self.settings.max_export_batch_size = Some(size);
        self
    }

    /// Longest wait before a partial batch is exported (`OTEL_BSP_SCHEDULE_DELAY`, default 5 s).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().scheduled_delay(std::time::Duration::from_millis(500));
    /// # drop(b);
    /// ```
    pub fn scheduled_delay(mut self, delay: Duration) -> Self {
        self.settings.scheduled_delay = Some(delay);
        self
    }

    /// Which traces to keep (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().sampler(iftracer::Sampler::AlwaysOn);
    /// # drop(b);
    /// ```
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.settings.sampler = Some(sampler);
        self
    }

    /// Which attribute vocabularies the LLM helpers and context-carried values write
    /// (`IFTRACER_VOCABULARIES=insightfinder,genai,openinference`); InsightFinder and GenAI by
    /// default.
    ///
    /// ```
    /// use iftracer::Vocabularies;
    /// let b = iftracer::Iftracer::builder()
    ///     .vocabularies(Vocabularies::INSIGHTFINDER | Vocabularies::OPENINFERENCE);
    /// # drop(b);
    /// ```
    pub fn vocabularies(mut self, vocabularies: Vocabularies) -> Self {
        self.settings.vocabularies = Some(vocabularies);
        self
    }

    /// Whether prompts, responses, messages and entity input/output are exported
    /// (`IFTRACER_TRACE_CONTENT`, `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`); on by
    /// default. Off, they are removed before export; models, token counts, timings and errors
    /// stay.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().capture_content(false);
    /// # drop(b);
    /// ```
    pub fn capture_content(mut self, capture: bool) -> Self {
        self.settings.capture_content = Some(capture);
        self
    }

    /// Longest attribute value in bytes (`IFTRACER_MAX_VALUE_LENGTH`, default 32 KiB); longer
    /// values are cut with a visible `…[truncated: N bytes in all]` marker.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_value_length(4096);
    /// # drop(b);
    /// ```
    pub fn max_value_length(mut self, bytes: usize) -> Self {
        self.settings.max_value_length = Some(bytes);
        self
    }

    /// Most attributes one span keeps (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, default 128, as in the
    /// OpenTelemetry SDK); later ones are discarded as they are set and counted in the span's
    /// `dropped_attributes_count`, so a span with 10,000 attributes still exports.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_attributes_per_span(256);
    /// # drop(b);
    /// ```
    pub fn max_attributes_per_span(mut self, count: u32) -> Self {
        self.settings.max_attributes_per_span = Some(count);
        self
    }

    /// Redacts these kinds of sensitive values from every string of every span before export:
    /// [`Detector::DEFAULT`] (`IFTRACER_REDACT=default`: personal data and credentials),
    /// [`Detector::ALL`] (`all`: also IP and MAC addresses), or a list such as `ssn,email`.
    ///
    /// ```
    /// use iftracer::privacy::Detector;
    /// let b = iftracer::Iftracer::builder().redact(Detector::DEFAULT);
    /// let with_ips = iftracer::Iftracer::builder()
    ///     .redact(Detector::DEFAULT.into_iter().chain([Detector::IpAddress]));
    /// # drop((b, with_ips));
    /// ```
    pub fn redact(mut self, detectors: impl IntoIterator<Item = Detector>) -> Self {
        self.settings.redact = Some(detectors.into_iter().collect());
        self
    }

    /// Also replaces every match of the regular expression `pattern` with `replacement`
    /// (`IFTRACER_REDACT_PATTERNS='{"ORD-\\d{8}": "[ORDER]"}'`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().redact_pattern(r"ACME-\d{6}", "[ACCOUNT]");
    /// # drop(b);
    /// ```
    pub fn redact_pattern(
        mut self,
        pattern: impl Into<String>,
        replacement: impl Into<String>,
    ) -> Self {
        self.settings
            .redact_patterns
            .push((pattern.into(), replacement.into()));
        self
    }

    /// Replaces user and session ids (`x-username`, `x-session-id`, `user.id`, `session.id`,
    /// `gen_ai.conversation.id`) with a salted hash before export (`IFTRACER_ID_HASH_SALT`): the
    /// same id gives the same hash, so they still join, but the id itself never leaves.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().hash_ids("a-secret-salt");
    /// assert!(!format!("{b:?}").contains("a-secret-salt"));
    /// ```
    pub fn hash_ids(mut self, salt: impl Into<String>) -> Self {
        self.settings.id_hash_salt = Some(Secret::new(salt));
        self
    }

    /// The kind of the spans iftracer opens for LLM calls (`IFTRACER_LLM_SPAN_KIND=internal|client`):
    /// INTERNAL by default with the InsightFinder vocabulary, since InsightFinder's gateway turns
    /// only INTERNAL spans into prompt/response pairs; CLIENT (the GenAI conventions' choice) by
    /// default without it. With CLIENT and the InsightFinder vocabulary, each LLM span gets an
    /// INTERNAL child `chat {model}` carrying the pair (one more span per call). Only
    /// [`SpanKind::Client`](opentelemetry::trace::SpanKind::Client) and
    /// [`SpanKind::Internal`](opentelemetry::trace::SpanKind::Internal) are accepted.
    ///
    /// ```
    /// use iftracer::opentelemetry::trace::SpanKind;
    /// let b = iftracer::Iftracer::builder().llm_span_kind(SpanKind::Client);
    /// # drop(b);
    /// ```
    pub fn llm_span_kind(mut self, kind: opentelemetry::trace::SpanKind) -> Self {
        self.settings.llm_span_kind = Some(kind);
        self
    }

    /// Whether the spans of a trace wait until the trace's local root ends and are exported
    /// together (`IFTRACER_HOLD_TRACES`); on by default for an InsightFinder destination, whose
    /// gateway processes a trace a fixed delay after its first span arrives. Spans of traces
    /// without an open root in this process are never delayed.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().hold_traces(false);
    /// # drop(b);
    /// ```
    pub fn hold_traces(mut self, hold: bool) -> Self {
        self.settings.hold_traces = Some(hold);
        self
    }

    /// Longest a trace is held, from its local root's start (`IFTRACER_MAX_TRACE_HOLD` in
    /// milliseconds, default 60 s); then what ended so far is exported.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_trace_hold(std::time::Duration::from_secs(20));
    /// # drop(b);
    /// ```
    pub fn max_trace_hold(mut self, longest: std::time::Duration) -> Self {
        self.settings.max_trace_hold = Some(longest);
        self
    }

    /// Most spans held at once over all traces (`IFTRACER_MAX_HELD_SPANS`, default half the
    /// queue, at most the queue); beyond it the oldest trace is exported as it is.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_held_spans(512);
    /// # drop(b);
    /// ```
    pub fn max_held_spans(mut self, spans: usize) -> Self {
        self.settings.max_held_spans = Some(spans);
        self
    }

    /// Records GenAI metrics (token usage and durations of LLM calls, durations of workflows,
    /// agents and tools) and exports them over OTLP next to the traces, with the same headers,
    /// TLS settings and timeout (`IFTRACER_METRICS_ENABLED`). On by default when traces go to an
    /// OTLP endpoint other than InsightFinder's trace gateway, which serves traces only.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .endpoint("http://127.0.0.1:4317")
    ///     .metrics(false)
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn metrics(mut self, on: bool) -> Self {
        self.settings.metrics = Some(on);
        self
    }

    /// How often metrics are exported (`OTEL_METRIC_EXPORT_INTERVAL`, default 60 s); the guard's
    /// shutdown exports what is left.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .endpoint("http://127.0.0.1:4317")
    ///     .metric_export_interval(std::time::Duration::from_secs(10))
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.settings.metric_export_interval = Some(interval);
        self
    }

    /// Cumulative (the default), delta or low-memory temporality of exported metrics
    /// (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`).
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .endpoint("http://127.0.0.1:4317")
    ///     .metrics_temporality(iftracer::metrics::Temporality::Delta)
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn metrics_temporality(mut self, temporality: crate::metrics::Temporality) -> Self {
        self.settings.metrics_temporality = Some(temporality);
        self
    }

    /// How spans print when no endpoint is configured (`IFTRACER_CONSOLE=compact|full|json`):
    /// a compact tree (the default), every attribute, or one JSON object per span per line.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .console_format(iftracer::ConsoleFormat::Full)
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn console_format(mut self, format: crate::ConsoleFormat) -> Self {
        self.settings.console_format = Some(format);
        self
    }

    /// Sends spans to this exporter instead of OTLP or the console, with iftracer's batching,
    /// timeout and counting. Endpoint settings are then not used.
    ///
    /// ```
    /// use iftracer::opentelemetry_sdk::trace::InMemorySpanExporter;
    /// let spans = InMemorySpanExporter::default();
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .global(false)
    ///     .exporter(spans.clone())
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn exporter<E: SpanExporter + 'static>(mut self, exporter: E) -> Self {
        self.exporter = Some(export::exporter_factory(exporter));
        self
    }

    /// Adds a span processor beside the exporter, e.g. a second destination. It is used as
    /// given: iftracer neither batches nor counts for it.
    ///
    /// ```
    /// use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
    /// let copy = InMemorySpanExporter::default();
    /// let b = iftracer::Iftracer::builder().span_processor(SimpleSpanProcessor::new(copy));
    /// # drop(b);
    /// ```
    pub fn span_processor<P: SpanProcessor + 'static>(mut self, processor: P) -> Self {
        self.processors.push(export::processor_hook(processor));
        self
    }

    /// Whether `init` registers the provider, the W3C propagators and the counters globally
    /// (default `true`). Off, use [`TracerGuard::provider`].
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// assert!(guard.provider().is_some());
    /// ```
    pub fn global(mut self, global: bool) -> Self {
        self.global = Some(global);
        self
    }

    /// With the `tracing` feature and `.global(true)`, whether `init` installs a global
    /// `tracing` subscriber that sends `tracing` spans to this pipeline (default `true`; never
    /// replaces a subscriber the application already set: add
    /// [`TracerGuard::tracing_layer`] to yours instead).
    ///
    // The method exists with the `tracing` feature only; docs of other builds link the guard.
    #[cfg_attr(
        feature = "tracing",
        doc = "[`TracerGuard::tracing_layer`]: crate::TracerGuard::tracing_layer"
    )]
    #[cfg_attr(
        not(feature = "tracing"),
        doc = "[`TracerGuard::tracing_layer`]: crate::TracerGuard"
    )]
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().tracing_subscriber(false);
    /// # drop(b);
    /// ```
    pub fn tracing_subscriber(mut self, install: bool) -> Self {
        self.tracing_subscriber = Some(install);
        self
    }

    /// The most verbose `tracing` level whose spans the installed subscriber sends to this
    /// pipeline (default `INFO`, so the `DEBUG` / `TRACE` spans of HTTP and gRPC stacks stay
    /// out). Feature `tracing`.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().tracing_level(tracing::Level::DEBUG);
    /// # drop(b);
    /// ```
    #[cfg(feature = "tracing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
    pub fn tracing_level(mut self, level: tracing::Level) -> Self {
        self.tracing_level = Some(level);
        self
    }

    fn tracing_level_name(&self) -> Option<&'static str> {
        #[cfg(feature = "tracing")]
        return self.tracing_level.map(|level| level.as_str());
        #[cfg(not(feature = "tracing"))]
        None
    }

    /// Reads configuration variables from `lookup` instead of the process environment, e.g.
    /// from a config file already loaded into a map.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .env_source(|name| (name == "OTEL_SERVICE_NAME").then(|| "from-map".into()))
    ///     .global(false)
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn env_source(
        mut self,
        lookup: impl Fn(&str) -> Option<OsString> + Send + Sync + 'static,
    ) -> Self {
        self.env = Some(Box::new(lookup));
        self
    }

    /// Ignores every environment variable: only builder values and defaults apply.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// # drop(guard);
    /// ```
    pub fn ignore_env(self) -> Self {
        self.env_source(|_| None)
    }

    /// Validates the configuration, builds the pipeline and (unless `.global(false)`) installs
    /// it globally with the W3C trace-context and baggage propagators.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().init().unwrap();
    /// # drop(guard);
    /// ```
    pub fn init(self) -> Result<TracerGuard, Error> {
        let process_env = |name: &str| std::env::var_os(name);
        let lookup: &Lookup = match &self.env {
            Some(lookup) => lookup.as_ref(),
            None => &process_env,
        };
        let env = Env::new(lookup);
        let global = self.global.unwrap_or(true);
        if !config::resolve_enabled(&self.settings, &env)? {
            if global {
                pipeline::install_disabled();
            }
            return Ok(TracerGuard::disabled());
        }
        let config = config::resolve(&self.settings, &env, self.exporter.is_some())?;
        let runtime = Arc::new(ExportRuntime::start()?);
        let counters = Arc::new(Counters::default());
        let metrics = export::build_metrics(&config, &runtime)?;
        let recording = Arc::new(Recording {
            vocabularies: config.vocabularies,
            privacy: config.privacy.clone(),
            llm_span_kind: config.llm_spans.kind.clone(),
        });
        let provider = export::build_provider(
            &config,
            self.exporter,
            self.processors,
            &runtime,
            &counters,
            &recording,
            metrics.as_ref(),
        )?;
        let pipeline = Pipeline::new(
            provider.clone(),
            recording,
            counters,
            metrics.as_ref().map(|m| Arc::clone(m.recorder())),
        );
        #[cfg(feature = "tracing")]
        let installed_tracing_subscriber = global
            && self.tracing_subscriber.unwrap_or(true)
            && crate::tracing_bridge::install_global(
                &provider,
                self.tracing_level.unwrap_or(tracing::Level::INFO),
            );
        #[cfg(not(feature = "tracing"))]
        let installed_tracing_subscriber = false;
        if global {
            opentelemetry::global::set_tracer_provider(provider);
            opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
                Box::new(crate::propagation::BoundedTraceContextPropagator::new()),
                Box::new(BaggagePropagator::new()),
            ]));
            if let Some(provider) = metrics.as_ref().and_then(|m| m.provider()) {
                opentelemetry::global::set_meter_provider(provider.clone());
            }
            pipeline::install(pipeline.clone());
        }
        Ok(TracerGuard::new(
            pipeline,
            metrics,
            config.shutdown_timeout,
            installed_tracing_subscriber,
            runtime,
        ))
    }
}
