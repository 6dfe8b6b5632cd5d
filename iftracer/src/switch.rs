//! The process-wide on/off switch that instrumentation checks before doing any work.

use std::sync::atomic::{AtomicBool, Ordering};

/// On until an `init` turns tracing off, so instrumentation also works for apps that configure
/// OpenTelemetry themselves.
static ENABLED: AtomicBool = AtomicBool::new(true);

/// Whether tracing is on: `false` after `init` with `.enabled(false)` or
/// `IFTRACER_TRACING_ENABLED=false`. One atomic load, for instrumentation's fast path.
///
/// ```
/// assert!(iftracer::is_enabled());
/// ```
#[inline]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

pub(crate) fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Whether prompts, responses and entity input/output are captured (`IFTRACER_TRACE_CONTENT`);
/// set by `init`, so instrumentation can skip serialising what would be removed anyway.
static CONTENT: AtomicBool = AtomicBool::new(true);

#[inline]
pub(crate) fn content_enabled() -> bool {
    CONTENT.load(Ordering::Relaxed)
}

pub(crate) fn set_content_enabled(enabled: bool) {
    CONTENT.store(enabled, Ordering::Relaxed);
}
