//! Which workflow spans this process has already emitted.
//!
//! Replay is detected through the SDK's `is_replaying_history_events()`, but Temporal core
//! reports a legacy query task (a query on a workflow that is not in the worker's cache) as not
//! replaying while it rebuilds the workflow from history, and a workflow task retried after a
//! failure re-runs as new. Each workflow span therefore has a deterministic key, its run id and
//! its position among the run's workflow spans. A key already emitted is not emitted again, but
//! its span context is handed back, so an outbound command issued again still carries the
//! header of the span that was exported. Bounded, so memory stays flat in a long-running worker.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

use opentelemetry::trace::SpanContext;

/// Keys remembered; older ones are forgotten first.
const CAPACITY: usize = 65_536;

/// The `ordinal`-th workflow span of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    run: u64,
    step: u64,
}

impl Key {
    pub(crate) fn new(run_id: &str, ordinal: u64, name: &str) -> Key {
        Key {
            run: hash(run_id),
            step: hash((run_id, ordinal, name)),
        }
    }
}

fn hash(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[derive(Default)]
struct Emitted {
    spans: HashMap<u64, (u64, SpanContext)>,
    order: VecDeque<u64>,
}

static EMITTED: LazyLock<Mutex<Emitted>> = LazyLock::new(Mutex::default);

fn emitted() -> MutexGuard<'static, Emitted> {
    EMITTED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The span already emitted under `key`, if any.
pub(crate) fn emitted_span(key: Key) -> Option<SpanContext> {
    emitted().spans.get(&key.step).map(|(_, span)| span.clone())
}

/// Records that `key` was emitted as `span`.
pub(crate) fn record(key: Key, span: SpanContext) {
    let mut emitted = emitted();
    if emitted.spans.insert(key.step, (key.run, span)).is_none() {
        emitted.order.push_back(key.step);
    }
    if emitted.order.len() > CAPACITY
        && let Some(oldest) = emitted.order.pop_front()
    {
        emitted.spans.remove(&oldest);
    }
}

/// Forgets the spans of run `run_id`, so a test can check replay detection on its own.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn forget_run(run_id: &str) {
    let run = hash(run_id);
    let mut emitted = emitted();
    emitted.spans.retain(|_, (r, _)| *r != run);
    let Emitted { spans, order } = &mut *emitted;
    order.retain(|step| spans.contains_key(step));
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState};

    fn span(n: u64) -> SpanContext {
        SpanContext::new(
            TraceId::from(u128::from(n) + 1),
            SpanId::from(n + 1),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        )
    }

    #[test]
    fn a_key_gives_back_its_span_until_forgotten_and_the_oldest_keys_go_first() {
        let k = Key::new("run-a", 0, "RunWorkflow:W");
        let other_run = Key::new("run-b", 0, "RunWorkflow:W");
        assert!(emitted_span(k).is_none());
        record(k, span(1));
        record(other_run, span(2));
        assert_eq!(emitted_span(k), Some(span(1)), "the span recorded, not any");
        assert_eq!(emitted_span(other_run), Some(span(2)));
        assert_ne!(k, Key::new("run-a", 1, "RunWorkflow:W"));
        assert_ne!(k, Key::new("run-a", 0, "StartActivity:a"));
        assert_ne!(k, other_run);
        forget_run("run-a");
        assert!(emitted_span(k).is_none());
        assert_eq!(emitted_span(other_run), Some(span(2)), "other runs stay");

        // Bounded: past the capacity the oldest keys are forgotten, the newest kept.
        let key = |i: u64| Key::new("run-c", i, "StartActivity:a");
        let total = CAPACITY as u64 + 10;
        for i in 0..total {
            record(key(i), span(i));
        }
        assert!(
            emitted_span(other_run).is_none(),
            "older than every run-c key"
        );
        for i in 0..10 {
            assert!(
                emitted_span(key(i)).is_none(),
                "key {i} should be forgotten"
            );
        }
        for i in [10, total / 2, total - 1] {
            assert_eq!(emitted_span(key(i)), Some(span(i)), "key {i}");
        }
        let emitted = emitted();
        assert_eq!(emitted.spans.len(), CAPACITY);
        assert_eq!(emitted.order.len(), CAPACITY, "order and map stay in step");
    }
}
