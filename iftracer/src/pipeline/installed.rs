//! Which pipeline is in effect, found cheaply on instrumentation's hot path: the global one is
//! cached per thread and fetched again only after `init` installs another; a context-attached
//! one is looked up only once some pipeline was ever attached.
//!
//! One thread-local lookup answers everything the macros need at a span's start (the pipeline
//! or, before `init`, OpenTelemetry's global tracer and the default settings): measured in
//! time, each extra lookup on that path costs more than its few instructions suggest.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use opentelemetry::Context;
use opentelemetry::global::{self as otel_global, BoxedTracer};

use super::{Pipeline, Recording};

/// The pipeline `init` installed globally; `None` before `init` and after `init` with tracing
/// off.
static GLOBAL: RwLock<Option<Pipeline>> = RwLock::new(None);
/// Bumped on every install, so threads fetch the global pipeline again.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Off once `init` turned tracing off globally: one load on the fast path.
static ENABLED: AtomicBool = AtomicBool::new(true);
/// Whether a pipeline was ever attached to a context: until then the lookup is skipped.
static ATTACHED: AtomicBool = AtomicBool::new(false);

thread_local! {
    static CACHED: RefCell<Option<(u64, Rc<Global>)>> = const { RefCell::new(None) };
}

/// A thread's copy of the global state.
pub(crate) enum Global {
    /// The pipeline `init` installed.
    Pipeline(Pipeline),
    /// No `init` yet (or `.global(false)`): OpenTelemetry's global tracer (scope `iftracer`),
    /// and the default settings.
    Fallback {
        tracer: Rc<BoxedTracer>,
        recording: &'static Recording,
    },
}

/// Shows the pipeline, never the tracer (an application's provider).
impl fmt::Debug for Global {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Global::Pipeline(pipeline) => f.debug_tuple("Pipeline").field(pipeline).finish(),
            Global::Fallback { .. } => f.write_str("Fallback"),
        }
    }
}

/// The defaults recording paths use when no pipeline is in effect.
static DEFAULT_RECORDING: std::sync::LazyLock<Recording> =
    std::sync::LazyLock::new(Recording::default);

/// A context value: the pipeline attached with [`Pipeline::attach`].
#[derive(Clone)]
struct Attached(Pipeline);

/// Installs `pipeline` as the global one (tracing on).
pub(crate) fn install(pipeline: Pipeline) {
    *GLOBAL.write().unwrap_or_else(PoisonError::into_inner) = Some(pipeline);
    ENABLED.store(true, Ordering::Relaxed);
    GENERATION.fetch_add(1, Ordering::Release);
}

/// Turns tracing off globally (`init` with tracing off and `.global(true)`).
pub(crate) fn install_disabled() {
    *GLOBAL.write().unwrap_or_else(PoisonError::into_inner) = None;
    ENABLED.store(false, Ordering::Relaxed);
    GENERATION.fetch_add(1, Ordering::Release);
}

/// Makes every thread look the global pipeline and OpenTelemetry's global tracer up again.
pub(crate) fn refresh() {
    GENERATION.fetch_add(1, Ordering::Release);
}

/// OpenTelemetry's global tracer (scope `iftracer`), what instrumentation uses before `init`:
/// looked up once per thread and again after [`refresh`] or an install, not on every call (a
/// lock and an allocation). The borrow is released before use, so span creation may re-enter.
pub(crate) fn fallback_tracer() -> Rc<BoxedTracer> {
    match &*cached_global() {
        Global::Fallback { tracer, .. } => Rc::clone(tracer),
        // Only asked for without a pipeline; with one, not worth a cache.
        Global::Pipeline(_) => Rc::new(otel_global::tracer("iftracer")),
    }
}

/// The global pipeline, whatever is attached.
pub(crate) fn global() -> Option<Pipeline> {
    GLOBAL
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Whether tracing is on globally: `false` after `init` with `.enabled(false)` or
/// `IFTRACER_TRACING_ENABLED=false` (and `.global(true)`). One atomic load.
#[inline]
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

pub(super) fn context_with(pipeline: &Pipeline) -> Context {
    ATTACHED.store(true, Ordering::Relaxed);
    Context::current().with_value(Attached(pipeline.clone()))
}

/// What instrumentation records with here.
#[derive(Debug)]
pub(crate) enum Current {
    /// The thread's copy of the global state.
    Global(Rc<Global>),
    /// A pipeline attached to the current context.
    Attached(Pipeline),
}

impl Current {
    /// The pipeline, `None` when no `init` installed one (defaults apply).
    #[inline]
    pub(crate) fn pipeline(&self) -> Option<&Pipeline> {
        match self {
            Current::Global(global) => match &**global {
                Global::Pipeline(pipeline) => Some(pipeline),
                Global::Fallback { .. } => None,
            },
            Current::Attached(pipeline) => Some(pipeline),
        }
    }

    /// The settings to record with.
    #[inline]
    pub(crate) fn recording(&self) -> &Recording {
        match self {
            Current::Global(global) => match &**global {
                Global::Pipeline(pipeline) => pipeline.recording(),
                Global::Fallback { recording, .. } => recording,
            },
            Current::Attached(pipeline) => pipeline.recording(),
        }
    }

    /// OpenTelemetry's global tracer when no pipeline is in effect (before `init`).
    #[inline]
    pub(crate) fn fallback_tracer(&self) -> Option<&BoxedTracer> {
        match self {
            Current::Global(global) => match &**global {
                Global::Fallback { tracer, .. } => Some(tracer),
                Global::Pipeline(_) => None,
            },
            Current::Attached(_) => None,
        }
    }
}

/// Whether [`current`] may find a pipeline or the global tracer: `false` only when tracing is
/// off globally and no pipeline was ever attached. Two loads, for what is inlined at each
/// instrumented call.
#[inline]
pub(crate) fn may_be_on() -> bool {
    enabled() || ATTACHED.load(Ordering::Relaxed)
}

/// The pipeline in effect, `None` when tracing is off. Cheap: no lock, no atomic reference count
/// unless a pipeline was attached to a context somewhere.
#[inline]
pub(crate) fn current() -> Option<Current> {
    if ATTACHED.load(Ordering::Relaxed)
        && let Some(pipeline) = attached()
    {
        return Some(Current::Attached(pipeline));
    }
    if !enabled() {
        return None;
    }
    Some(Current::Global(cached_global()))
}

/// The pipeline attached to the current context: out of line, so what is inlined at each
/// instrumented call stays small.
fn attached() -> Option<Pipeline> {
    Context::map_current(|cx| {
        cx.get::<Attached>()
            .map(|Attached(pipeline)| pipeline.clone())
    })
}

fn cached_global() -> Rc<Global> {
    let generation = GENERATION.load(Ordering::Acquire);
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        match &*cached {
            Some((seen, global)) if *seen == generation => Rc::clone(global),
            _ => {
                let global = Rc::new(match self::global() {
                    Some(pipeline) => Global::Pipeline(pipeline),
                    None => Global::Fallback {
                        tracer: Rc::new(otel_global::tracer("iftracer")),
                        recording: &DEFAULT_RECORDING,
                    },
                });
                *cached = Some((generation, Rc::clone(&global)));
                global
            }
        }
    })
}
