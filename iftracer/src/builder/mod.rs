//! `Iftracer::builder()`: the one call that sets tracing up. The builder's methods are grouped
//! by what they configure, one module each; `init` is here.

mod console;
mod destination;
mod gateway;
mod metrics;
mod privacy;
mod processing;
mod resource;

use std::ffi::OsString;
use std::fmt;
use std::sync::Arc;

use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry_sdk::propagation::BaggagePropagator;
use opentelemetry_sdk::trace::{SpanExporter, SpanProcessor};

use crate::config::env::{Env, Lookup};
use crate::config::{self, Settings};
use crate::error::Error;
use crate::export::runtime::ExportRuntime;
use crate::export::{self, ExporterFactory, ProcessorHook};
use crate::guard::TracerGuard;
use crate::pipeline::{self, Pipeline, Recording};
use crate::stats::Counters;

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
