//! Which pipeline is in effect, found cheaply on instrumentation's hot path: the global one is
//! cached per thread and fetched again only after `init` installs another; a context-attached
//! one is looked up only once some pipeline was ever attached.

use std::cell::RefCell;
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
    static CACHED: RefCell<Option<(u64, Rc<Option<Pipeline>>)>> = const { RefCell::new(None) };
    /// OpenTelemetry's global tracer, for instrumentation before `init`.
    static FALLBACK: RefCell<Option<(u64, Rc<BoxedTracer>)>> = const { RefCell::new(None) };
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
    let generation = GENERATION.load(Ordering::Acquire);
    FALLBACK.with(|cached| {
        let mut cached = cached.borrow_mut();
        match &*cached {
            Some((seen, tracer)) if *seen == generation => Rc::clone(tracer),
            _ => {
                let tracer = Rc::new(otel_global::tracer("iftracer"));
                *cached = Some((generation, Rc::clone(&tracer)));
                tracer
            }
        }
    })
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
    /// The thread's copy of the global state (`None` inside: not initialised, defaults).
    Global(Rc<Option<Pipeline>>),
    /// A pipeline attached to the current context.
    Attached(Pipeline),
}

impl Current {
    /// The pipeline, `None` when no `init` installed one (defaults apply).
    #[inline]
    pub(crate) fn pipeline(&self) -> Option<&Pipeline> {
        match self {
            Current::Global(global) => global.as_ref().as_ref(),
            Current::Attached(pipeline) => Some(pipeline),
        }
    }

    /// The settings to record with.
    #[inline]
    pub(crate) fn recording(&self) -> &Recording {
        match self.pipeline() {
            Some(pipeline) => pipeline.recording(),
            None => &DEFAULT_RECORDING,
        }
    }
}

/// The pipeline in effect, `None` when tracing is off. Cheap: no lock, no atomic reference count
/// unless a pipeline was attached to a context somewhere.
#[inline]
pub(crate) fn current() -> Option<Current> {
    if ATTACHED.load(Ordering::Relaxed)
        && let Some(Attached(pipeline)) = Context::map_current(|cx| cx.get::<Attached>().cloned())
    {
        return Some(Current::Attached(pipeline));
    }
    if !enabled() {
        return None;
    }
    Some(Current::Global(cached_global()))
}

fn cached_global() -> Rc<Option<Pipeline>> {
    let generation = GENERATION.load(Ordering::Acquire);
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        match &*cached {
            Some((seen, global)) if *seen == generation => Rc::clone(global),
            _ => {
                let global = Rc::new(self::global());
                *cached = Some((generation, Rc::clone(&global)));
                global
            }
        }
    })
}
