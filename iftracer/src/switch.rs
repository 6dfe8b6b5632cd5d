//! The process-wide on/off switch that instrumentation checks before doing any work.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

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

/// The pipeline's value length cap (`IFTRACER_MAX_VALUE_LENGTH`), set by `init`, so recorders
/// that assemble text (the wire recorder) keep no more than will be exported.
static MAX_VALUE_LENGTH: AtomicUsize = AtomicUsize::new(crate::privacy::DEFAULT_MAX_VALUE_LENGTH);

#[cfg_attr(not(feature = "_wire"), allow(dead_code))]
#[inline]
pub(crate) fn max_value_length() -> usize {
    MAX_VALUE_LENGTH.load(Ordering::Relaxed)
}

pub(crate) fn set_max_value_length(bytes: usize) {
    MAX_VALUE_LENGTH.store(bytes, Ordering::Relaxed);
}
