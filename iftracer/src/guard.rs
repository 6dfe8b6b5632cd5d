//! The handle `init` returns: flushes and shuts the pipeline down, bounded by a timeout.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::trace::SdkTracerProvider;

use crate::error::Error;
use crate::export::metrics::MetricsPipeline;
use crate::export::runtime::ExportRuntime;
use crate::pipeline::Pipeline;
use crate::stats::Stats;

/// Keeps the tracing pipeline alive; dropping it (or [`shutdown`](Self::shutdown)) exports what
/// is queued and stops, within the shutdown timeout.
///
/// Shutdown never depends on the application's async runtime: it is safe in `fn main`, in a
/// multi-thread and in a current-thread tokio runtime.
///
/// ```
/// use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
///
/// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
/// let tracer = guard.provider().unwrap().tracer("docs");
/// tracer.in_span("work", |_| {});
/// guard.shutdown().unwrap();
/// ```
#[must_use = "dropping the guard shuts tracing down"]
pub struct TracerGuard {
    pipeline: Option<Running>,
}

#[derive(Debug)]
struct Running {
    pipeline: Pipeline,
    metrics: Option<MetricsPipeline>,
    shutdown_timeout: Duration,
    installed_tracing_subscriber: bool,
    // Held so the export thread outlives every exporter that runs on it.
    _runtime: Arc<ExportRuntime>,
}

/// Shows the pipeline's state, never its exporter: the exporters' own `Debug` may print headers
/// they took from the environment.
impl std::fmt::Debug for TracerGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = f.debug_struct("TracerGuard");
        match &self.pipeline {
            None => shown.field("enabled", &false),
            Some(pipeline) => shown
                .field("enabled", &true)
                .field("shutdown_timeout", &pipeline.shutdown_timeout)
                .field(
                    "installed_tracing_subscriber",
                    &pipeline.installed_tracing_subscriber,
                )
                .field("stats", &pipeline.pipeline.stats()),
        };
        shown.finish_non_exhaustive()
    }
}

impl TracerGuard {
    pub(crate) fn new(
        pipeline: Pipeline,
        metrics: Option<MetricsPipeline>,
        shutdown_timeout: Duration,
        installed_tracing_subscriber: bool,
        runtime: Arc<ExportRuntime>,
    ) -> Self {
        TracerGuard {
            pipeline: Some(Running {
                pipeline,
                metrics,
                shutdown_timeout,
                installed_tracing_subscriber,
                _runtime: runtime,
            }),
        }
    }

    pub(crate) fn disabled() -> Self {
        TracerGuard { pipeline: None }
    }

    /// Whether this guard runs a pipeline (`false` when tracing was switched off).
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().enabled(false).init().unwrap();
    /// assert!(!guard.is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.pipeline.is_some()
    }

    /// The tracer provider, e.g. to get a tracer without the global registry.
    ///
    /// ```
    /// use iftracer::opentelemetry::trace::TracerProvider;
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// let _tracer = guard.provider().unwrap().tracer("my-component");
    /// ```
    pub fn provider(&self) -> Option<&SdkTracerProvider> {
        self.pipeline.as_ref().map(|p| p.pipeline.provider())
    }

    /// The pipeline, to use it explicitly with `.global(false)`: attach it where the macros,
    /// [`LlmCall`](crate::llm::LlmCall) and the LLM client integrations should record into it
    /// (`None` when tracing is off).
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// let pipeline = guard.pipeline().unwrap();
    /// let _in_effect = pipeline.attach();
    /// // `#[task]` functions called here record into this pipeline.
    /// ```
    pub fn pipeline(&self) -> Option<&Pipeline> {
        self.pipeline.as_ref().map(|p| &p.pipeline)
    }

    /// A layer that sends `tracing` spans to this pipeline, for an application that has its own
    /// `tracing` subscriber: add it to the registry (`None` when tracing is off). Unfiltered:
    /// give it your own filter, e.g. `.with_filter(LevelFilter::INFO)`, to keep the `DEBUG` /
    /// `TRACE` spans of HTTP and gRPC stacks out. Feature `tracing`.
    ///
    /// ```
    /// use tracing_subscriber::layer::SubscriberExt;
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// let subscriber = tracing_subscriber::registry().with(guard.tracing_layer());
    /// tracing::subscriber::with_default(subscriber, || {
    ///     tracing::info_span!("from tracing").in_scope(|| {});
    /// });
    /// ```
    #[cfg(feature = "tracing")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
    pub fn tracing_layer<S>(&self) -> Option<crate::TracingLayer<S>>
    where
        S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    {
        self.provider().map(crate::tracing_bridge::layer)
    }

    /// Whether `init` installed iftracer's `tracing` subscriber globally (feature `tracing`; not
    /// when the application had already set one).
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// assert!(!guard.installed_tracing_subscriber());
    /// ```
    pub fn installed_tracing_subscriber(&self) -> bool {
        self.pipeline
            .as_ref()
            .is_some_and(|p| p.installed_tracing_subscriber)
    }

    /// This pipeline's span counters.
    ///
    /// ```
    /// use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
    ///
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// guard.provider().unwrap().tracer("app").in_span("step", |_| {});
    /// guard.force_flush().unwrap();
    /// let stats = guard.stats();
    /// assert_eq!((stats.spans_ended, stats.spans_exported, stats.spans_dropped), (1, 1, 0));
    /// ```
    pub fn stats(&self) -> Stats {
        self.pipeline
            .as_ref()
            .map(|p| p.pipeline.stats())
            .unwrap_or_default()
    }

    /// This pipeline's most recent export error, e.g. a refused credential.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// assert_eq!(guard.last_export_error(), None);
    /// ```
    pub fn last_export_error(&self) -> Option<String> {
        self.pipeline
            .as_ref()
            .and_then(|p| p.pipeline.counters().last_error())
    }

    /// Exports everything queued now.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// guard.force_flush().unwrap();
    /// ```
    pub fn force_flush(&self) -> Result<(), Error> {
        let Some(p) = &self.pipeline else {
            return Ok(());
        };
        let traces = p.pipeline.provider().force_flush();
        let metrics = p
            .metrics
            .as_ref()
            .map_or(Ok(()), MetricsPipeline::force_flush);
        traces.and(metrics).map_err(Error::Flush)
    }

    /// The meter provider of the GenAI metrics, when metrics are on: with `.global(false)`,
    /// record your own instruments through it.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// assert!(guard.meter_provider().is_none()); // no OTLP endpoint, so none exported
    /// ```
    pub fn meter_provider(&self) -> Option<&opentelemetry_sdk::metrics::SdkMeterProvider> {
        self.pipeline
            .as_ref()
            .and_then(|p| p.metrics.as_ref())
            .and_then(MetricsPipeline::provider)
    }

    /// Exports what is queued and stops, within the shutdown timeout. Spans that could not be
    /// exported by then are counted as dropped; [`stats`](Self::stats) stays readable. Metrics
    /// are exported once more in what is left of the same timeout.
    /// A second call returns [`Error::Shutdown`] and changes nothing.
    ///
    /// ```
    /// use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
    ///
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// guard.provider().unwrap().tracer("app").in_span("step", |_| {});
    /// guard.shutdown().unwrap();
    /// let stats = guard.stats();
    /// assert_eq!((stats.spans_ended, stats.spans_queued), (1, 0));
    /// assert_eq!(stats.spans_ended, stats.spans_exported + stats.spans_dropped + stats.spans_failed);
    /// assert!(guard.shutdown().is_err());
    /// ```
    pub fn shutdown(&self) -> Result<(), Error> {
        let Some(p) = &self.pipeline else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        p.pipeline.close_metrics();
        let traces = p
            .pipeline
            .provider()
            .shutdown_with_timeout(p.shutdown_timeout);
        let metrics = p.metrics.as_ref().map_or(Ok(()), |metrics| {
            metrics.shutdown(p.shutdown_timeout.saturating_sub(started.elapsed()))
        });
        traces.and(metrics).map_err(Error::Shutdown)
    }
}

impl Drop for TracerGuard {
    fn drop(&mut self) {
        // After an explicit shutdown this is a no-op that reports "already shut down".
        let _ = self.shutdown();
    }
}
