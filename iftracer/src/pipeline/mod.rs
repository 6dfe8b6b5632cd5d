//! The pipeline `init` builds, as the one source of truth every recording path reads: the macros,
//! `LlmCall`/`LlmSpan`, the LLM client integrations, the `tracing` layer and
//! `iftracer-temporal` take their tracer, vocabularies, content capture, value cap, LLM span
//! kind, counters and metrics from the [`Pipeline`] in effect where they run, and the span
//! processor reads the same settings.
//!
//! Which pipeline is in effect: one [attached](Pipeline::attach) to the current context, else
//! the one `init` installed globally (`.global(true)`, the default), else none: before `init`,
//! instrumentation writes with the defaults to OpenTelemetry's global tracer provider, so it
//! also serves applications that configure OpenTelemetry themselves.

mod installed;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::{SpanKind, TracerProvider as _};
use opentelemetry::{Context, ContextGuard, InstrumentationScope};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

pub(crate) use installed::{
    Current, current, fallback_tracer, global, install, install_disabled, may_be_on,
};

use crate::metrics::Recorder;
use crate::privacy::Privacy;
use crate::stats::{Counters, Stats};
use crate::vocabulary::Vocabularies;

/// The settings every recording path and the span processor share.
#[derive(Debug, Clone)]
pub(crate) struct Recording {
    pub(crate) vocabularies: Vocabularies,
    pub(crate) privacy: Privacy,
    /// The kind of the spans iftracer opens for LLM calls.
    pub(crate) llm_span_kind: SpanKind,
}

impl Default for Recording {
    /// What applies before `init`: the default vocabularies (InsightFinder's included, so LLM
    /// spans are INTERNAL) and privacy settings.
    fn default() -> Self {
        Recording {
            vocabularies: Vocabularies::default(),
            privacy: Privacy::default(),
            llm_span_kind: SpanKind::Internal,
        }
    }
}

/// One configured tracing pipeline: its tracer provider, the settings its recording helpers use,
/// its counters and metrics. Cheap to clone.
///
/// With `.global(false)`, [`TracerGuard::pipeline`](crate::TracerGuard::pipeline) hands it out:
/// [`attach`](Self::attach) it (or run futures in [`context`](Self::context)) and
/// `#[task]`-style macros, [`LlmCall`](crate::llm::LlmCall) and the LLM client integrations use it
/// instead of the global one.
///
/// ```
/// use iftracer::opentelemetry_sdk::trace::InMemorySpanExporter;
///
/// let spans = InMemorySpanExporter::default();
/// let guard = iftracer::Iftracer::builder()
///     .ignore_env()
///     .global(false)
///     .vocabularies(iftracer::Vocabularies::GENAI)
///     .exporter(spans.clone())
///     .init()?;
/// let pipeline = guard.pipeline().expect("tracing is on");
/// {
///     let _in_effect = pipeline.attach();
///     iftracer::llm::LlmCall::chat("gpt-4o").prompt("hi").start_span().end();
/// }
/// guard.force_flush()?;
/// let span = &spans.get_finished_spans()?[0];
/// // The pipeline's vocabularies: GenAI only, so no InsightFinder `chat.*`.
/// assert!(span.attributes.iter().all(|kv| !kv.key.as_str().starts_with("chat.")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<Inner>,
}

struct Inner {
    provider: SdkTracerProvider,
    /// The tracer of iftracer's own spans (macros, LLM spans), made once.
    tracer: SdkTracer,
    recording: Arc<Recording>,
    counters: Arc<Counters>,
    metrics: Option<Arc<Recorder>>,
    /// Cleared when the guard shuts the pipeline down: later calls record no metrics.
    metrics_open: AtomicBool,
}

/// Shows the settings, never the provider: exporters' own `Debug` may print headers.
impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("vocabularies", &self.inner.recording.vocabularies)
            .field(
                "capture_content",
                &self.inner.recording.privacy.capture_content,
            )
            .field("llm_span_kind", &self.inner.recording.llm_span_kind)
            .field("metrics", &self.inner.metrics.is_some())
            .finish_non_exhaustive()
    }
}

/// Whether tracing is on: `false` after `init` with `.enabled(false)` or
/// `IFTRACER_TRACING_ENABLED=false`. One atomic load, for instrumentation's fast path.
///
/// ```
/// assert!(iftracer::is_enabled());
/// ```
#[inline]
pub fn is_enabled() -> bool {
    installed::enabled()
}

/// Makes instrumentation look OpenTelemetry's global tracer up again: call it after replacing
/// the global tracer provider yourself (without iftracer's `init`) once instrumented code
/// already ran, since that lookup is cached per thread.
///
/// ```
/// use iftracer::opentelemetry::global;
/// use iftracer::opentelemetry_sdk::trace::SdkTracerProvider;
///
/// global::set_tracer_provider(SdkTracerProvider::builder().build());
/// iftracer::refresh_global_tracer();
/// ```
pub fn refresh_global_tracer() {
    installed::refresh();
}

/// Instrumentation scope of the spans iftracer itself opens.
const SCOPE: &str = "iftracer";

impl Pipeline {
    pub(crate) fn new(
        provider: SdkTracerProvider,
        recording: Arc<Recording>,
        counters: Arc<Counters>,
        metrics: Option<Arc<Recorder>>,
    ) -> Pipeline {
        let tracer = provider.tracer_with_scope(
            InstrumentationScope::builder(SCOPE)
                .with_version(env!("CARGO_PKG_VERSION"))
                .build(),
        );
        Pipeline {
            inner: Arc::new(Inner {
                provider,
                tracer,
                recording,
                counters,
                metrics,
                metrics_open: AtomicBool::new(true),
            }),
        }
    }

    /// The pipeline in effect here: the one attached to the current context, else the one
    /// installed globally; `None` before `init`, after `init` with tracing off, or with
    /// `.global(false)` and nothing attached.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().init().unwrap();
    /// assert!(iftracer::Pipeline::current().is_some());
    /// # drop(guard);
    /// ```
    pub fn current() -> Option<Pipeline> {
        current().and_then(|current| current.pipeline().cloned())
    }

    /// The tracer provider.
    ///
    /// ```
    /// use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// guard.pipeline().unwrap().provider().tracer("app").in_span("step", |_| {});
    /// ```
    pub fn provider(&self) -> &SdkTracerProvider {
        &self.inner.provider
    }

    /// A tracer of this pipeline for an instrumentation scope (what `iftracer-temporal` uses).
    ///
    /// ```
    /// use iftracer::opentelemetry::InstrumentationScope;
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// let _tracer = guard.pipeline().unwrap().tracer(InstrumentationScope::builder("my-lib").build());
    /// ```
    pub fn tracer(&self, scope: InstrumentationScope) -> SdkTracer {
        self.inner.provider.tracer_with_scope(scope)
    }

    /// The attribute vocabularies this pipeline writes.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// assert_eq!(guard.pipeline().unwrap().vocabularies(), iftracer::Vocabularies::default());
    /// ```
    pub fn vocabularies(&self) -> Vocabularies {
        self.inner.recording.vocabularies
    }

    /// Whether prompts, responses and entity input/output are captured.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .global(false)
    ///     .capture_content(false)
    ///     .init()
    ///     .unwrap();
    /// assert!(!guard.pipeline().unwrap().captures_content());
    /// ```
    pub fn captures_content(&self) -> bool {
        self.inner.recording.privacy.capture_content
    }

    /// This pipeline's span counters.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// assert_eq!(guard.pipeline().unwrap().stats(), guard.stats());
    /// ```
    pub fn stats(&self) -> Stats {
        self.inner.counters.snapshot()
    }

    /// Makes this pipeline the one in effect on this thread until the guard drops (it is
    /// carried by the current OpenTelemetry context, so spans started inside inherit it).
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// let pipeline = guard.pipeline().unwrap();
    /// let _in_effect = pipeline.attach();
    /// assert!(iftracer::Pipeline::current().is_some());
    /// ```
    pub fn attach(&self) -> ContextGuard {
        self.context().attach()
    }

    /// The current context with this pipeline in effect, e.g. for a future:
    /// `future.with_context(pipeline.context())` (`opentelemetry::trace::FutureExt`).
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
    /// let cx = guard.pipeline().unwrap().context();
    /// let _in_effect = cx.attach();
    /// assert!(iftracer::Pipeline::current().is_some());
    /// ```
    pub fn context(&self) -> Context {
        installed::context_with(self)
    }

    pub(crate) fn sdk_tracer(&self) -> &SdkTracer {
        &self.inner.tracer
    }

    pub(crate) fn recording(&self) -> &Recording {
        &self.inner.recording
    }

    pub(crate) fn counters(&self) -> &Arc<Counters> {
        &self.inner.counters
    }

    /// The metrics recorder, while metrics are on and the pipeline runs.
    #[inline]
    pub(crate) fn metrics(&self) -> Option<&Arc<Recorder>> {
        match &self.inner.metrics {
            Some(recorder) if self.inner.metrics_open.load(Ordering::Relaxed) => Some(recorder),
            _ => None,
        }
    }

    /// Stops metrics recording (the guard shuts down).
    pub(crate) fn close_metrics(&self) {
        self.inner.metrics_open.store(false, Ordering::Relaxed);
    }
}
