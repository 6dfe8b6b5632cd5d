//! W3C trace-context propagation with `tracestate` bounded to the W3C limits, so a caller (an
//! HTTP client, a Temporal `_tracer-data` header) cannot make every span of a trace carry an
//! arbitrarily large string.

use std::str::FromStr;

use opentelemetry::Context;
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceState};
use opentelemetry_sdk::propagation::TraceContextPropagator;

/// Most list members a `tracestate` keeps (W3C Trace Context, "tracestate Limits").
pub const MAX_TRACE_STATE_ENTRIES: usize = 32;
/// Longest `tracestate` header kept, in bytes (the W3C minimum a vendor propagates).
pub const MAX_TRACE_STATE_BYTES: usize = 512;
/// Entries longer than this are dropped first when the header is too long (W3C advice).
const LONG_ENTRY_BYTES: usize = 128;

/// The SDK's W3C `traceparent`/`tracestate` propagator, with an extracted `tracestate` cut to
/// [`MAX_TRACE_STATE_ENTRIES`] entries and [`MAX_TRACE_STATE_BYTES`] bytes as the W3C says:
/// entries beyond the 32nd go, then entries over 128 bytes, then entries from the end. `init`
/// registers it globally.
///
/// ```
/// use std::collections::HashMap;
/// use iftracer::opentelemetry::propagation::TextMapPropagator;
/// use iftracer::opentelemetry::trace::TraceContextExt;
/// use iftracer::propagation::BoundedTraceContextPropagator;
///
/// let mut headers = HashMap::new();
/// headers.insert(
///     "traceparent".to_owned(),
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
/// );
/// let members: Vec<String> = (0..100).map(|i| format!("k{i}=v{i}")).collect();
/// headers.insert("tracestate".to_owned(), members.join(","));
/// let cx = BoundedTraceContextPropagator::new().extract(&headers);
/// let state = cx.span().span_context().trace_state().header();
/// assert_eq!(state.split(',').count(), 32);
/// ```
#[derive(Debug, Default)]
pub struct BoundedTraceContextPropagator {
    inner: TraceContextPropagator,
}

impl BoundedTraceContextPropagator {
    /// A propagator with the W3C bounds.
    pub fn new() -> Self {
        BoundedTraceContextPropagator::default()
    }
}

impl TextMapPropagator for BoundedTraceContextPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        self.inner.inject_context(cx, injector);
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let extracted = self.inner.extract_with_context(cx, extractor);
        let span = extracted.span();
        let context = span.span_context();
        match bounded(context.trace_state()) {
            None => extracted.clone(),
            Some(state) => {
                let context = SpanContext::new(
                    context.trace_id(),
                    context.span_id(),
                    context.trace_flags(),
                    context.is_remote(),
                    state,
                );
                cx.with_remote_span_context(context)
            }
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        self.inner.fields()
    }
}

/// `state` within the W3C bounds, or `None` when it already is.
pub(crate) fn bounded(state: &TraceState) -> Option<TraceState> {
    let header = state.header();
    let count = header.split(',').filter(|e| !e.is_empty()).count();
    if count <= MAX_TRACE_STATE_ENTRIES && header.len() <= MAX_TRACE_STATE_BYTES {
        return None;
    }
    let mut entries: Vec<&str> = header
        .split(',')
        .filter(|e| !e.is_empty())
        .take(MAX_TRACE_STATE_ENTRIES)
        .collect();
    let length = |entries: &[&str]| {
        entries.iter().map(|e| e.len()).sum::<usize>() + entries.len().saturating_sub(1)
    };
    while length(&entries) > MAX_TRACE_STATE_BYTES {
        match entries.iter().rposition(|e| e.len() > LONG_ENTRY_BYTES) {
            Some(long) => entries.remove(long),
            None => entries.pop().unwrap_or_default(),
        };
    }
    Some(TraceState::from_str(&entries.join(",")).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(entries: &[String]) -> TraceState {
        TraceState::from_str(&entries.join(",")).unwrap()
    }

    #[test]
    fn small_states_stay_as_they_are() {
        let small = state(&["a=1".to_owned(), "b=2".to_owned()]);
        assert!(bounded(&small).is_none());
    }

    #[test]
    fn long_entries_go_first_then_the_last_ones() {
        let mut entries: Vec<String> = (0..10)
            .map(|i| format!("k{i}={}", "v".repeat(40)))
            .collect();
        entries.insert(3, format!("big={}", "x".repeat(200)));
        let cut = bounded(&state(&entries)).unwrap().header();
        assert!(cut.len() <= MAX_TRACE_STATE_BYTES, "{}", cut.len());
        assert!(!cut.contains("big="), "{cut}");
        assert!(cut.starts_with("k0="), "{cut}");
        // 10 entries of 43 bytes and 9 commas: 439 bytes fit once the big one is gone.
        assert_eq!(cut.split(',').count(), 10);
    }
}
