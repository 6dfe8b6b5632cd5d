//! The tracer the macros use: the global provider's, looked up once per thread and again after
//! `init` installs a new provider, instead of on every call (a lock and an allocation).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::global::{self, BoxedTracer};

static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static CACHED: RefCell<Option<(u64, Rc<BoxedTracer>)>> = const { RefCell::new(None) };
}

/// Makes every thread fetch the global tracer again (after the global provider changed).
///
/// ```
/// // After replacing the global provider yourself, once spans were already created:
/// iftracer::refresh_global_tracer();
/// ```
pub fn refresh_global_tracer() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// The cached tracer; the borrow is released before use, so span creation may re-enter.
pub(crate) fn tracer() -> Rc<BoxedTracer> {
    let generation = GENERATION.load(Ordering::Relaxed);
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        match &*cached {
            Some((seen, tracer)) if *seen == generation => Rc::clone(tracer),
            _ => {
                let tracer = Rc::new(global::tracer("iftracer"));
                *cached = Some((generation, Rc::clone(&tracer)));
                tracer
            }
        }
    })
}
