//! Holding a trace's spans until its local root ends, so they reach the collector together.
//!
//! InsightFinder's gateway processes a trace a fixed delay after its first span arrives and
//! again for each late span: a workflow longer than the delay would arrive as several partial
//! traces. [`TraceHold`] sits between the accounting and the batch processor: held spans are
//! already counted as queued, so the accounting equation is unchanged, and a trace is released
//! when its last open local root ends, when it is older than the bound, when more spans are
//! held than the bound (oldest trace first), and at flush and shutdown.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry::trace::{Span as _, SpanId, TraceContextExt as _, TraceId};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::config::HoldSettings;
use crate::stats::Counters;

#[derive(Debug)]
pub(crate) struct TraceHold {
    shared: Arc<Shared>,
    stop: Arc<Stop>,
    /// Started with the first hold (after `set_resource`, which needs `shared` unshared);
    /// `false` if the thread could not start, so spans ending sweep instead.
    sweeper: OnceLock<bool>,
}

#[derive(Debug)]
struct Shared {
    next: Box<dyn SpanProcessor>,
    settings: HoldSettings,
    counters: Arc<Counters>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    traces: HashMap<TraceId, Held>,
    /// Spans held over all traces.
    spans: usize,
}

#[derive(Debug)]
struct Held {
    /// Local roots of this trace that started and have not ended.
    open_roots: u32,
    since: Instant,
    spans: Vec<SpanData>,
}

/// Tells the sweeping thread to end.
#[derive(Debug, Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }
}

impl TraceHold {
    pub(crate) fn new(
        next: Box<dyn SpanProcessor>,
        settings: HoldSettings,
        counters: Arc<Counters>,
    ) -> Self {
        let shared = Arc::new(Shared {
            next,
            settings,
            counters,
            state: Mutex::new(State::default()),
        });
        TraceHold {
            shared,
            stop: Arc::new(Stop::default()),
            sweeper: OnceLock::new(),
        }
    }

    /// Without this thread, a trace whose root never ends would wait for the next span.
    fn start_sweeper(&self) -> bool {
        let max_age = self.shared.settings.max_age;
        let tick = (max_age / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let (weak, stop) = (Arc::downgrade(&self.shared), Arc::clone(&self.stop));
        std::thread::Builder::new()
            .name("iftracer-hold".to_owned())
            .spawn(move || sweep_until_stopped(&weak, &stop, tick))
            .is_ok()
    }
}

fn sweep_until_stopped(shared: &Weak<Shared>, stop: &Stop, tick: Duration) {
    let mut stopped = stop.stopped.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        stopped = stop
            .wake
            .wait_timeout(stopped, tick)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        if *stopped {
            return;
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        shared.release_expired(Instant::now());
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands spans on, outside the lock: the next processor may export on this thread.
    fn forward(&self, spans: Vec<SpanData>, early: bool) {
        if spans.is_empty() {
            return;
        }
        self.counters.release_held(spans.len() as u64, early);
        for span in spans {
            self.next.on_end(span);
        }
    }

    fn release_expired(&self, now: Instant) {
        let max_age = self.settings.max_age;
        let expired: Vec<Held> = {
            let mut state = self.lock();
            let ids: Vec<TraceId> = state
                .traces
                .iter()
                .filter(|(_, held)| now.duration_since(held.since) >= max_age)
                .map(|(id, _)| *id)
                .collect();
            ids.iter().filter_map(|id| state.remove(id)).collect()
        };
        for held in expired {
            self.forward(held.spans, true);
        }
    }

    fn release_all(&self) {
        let all: Vec<Held> = {
            let mut state = self.lock();
            state.spans = 0;
            state.traces.drain().map(|(_, held)| held).collect()
        };
        for held in all {
            let early = held.open_roots > 0;
            self.forward(held.spans, early);
        }
    }
}

impl State {
    fn remove(&mut self, id: &TraceId) -> Option<Held> {
        let held = self.traces.remove(id)?;
        self.spans -= held.spans.len();
        Some(held)
    }

    fn oldest(&self) -> Option<TraceId> {
        self.traces
            .iter()
            .filter(|(_, held)| !held.spans.is_empty())
            .min_by_key(|(_, held)| held.since)
            .map(|(id, _)| *id)
    }
}

impl SpanProcessor for TraceHold {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        let context = span.span_context();
        let parent = cx.span();
        let parent = parent.span_context();
        // Only a local root opens a hold: its children end before it, in this process.
        let local_root = !parent.is_valid() || parent.is_remote();
        if context.is_sampled() && local_root {
            let trace_id = context.trace_id();
            let mut state = self.shared.lock();
            // The trace map is bounded like the spans, so roots that never end cannot grow it.
            if state.traces.len() < self.shared.settings.max_spans
                || state.traces.contains_key(&trace_id)
            {
                self.sweeper.get_or_init(|| self.start_sweeper());
                state
                    .traces
                    .entry(trace_id)
                    .or_insert_with(|| Held {
                        open_roots: 0,
                        since: Instant::now(),
                        spans: Vec::new(),
                    })
                    .open_roots += 1;
            }
        }
        self.shared.next.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        let shared = &self.shared;
        let local_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
        let trace_id = span.span_context.trace_id();
        let (release, early) = {
            let mut state = shared.lock();
            let Some(held) = state.traces.get_mut(&trace_id) else {
                drop(state);
                return shared.next.on_end(span);
            };
            held.spans.push(span);
            let root_done = if local_root {
                held.open_roots = held.open_roots.saturating_sub(1);
                held.open_roots == 0
            } else {
                false
            };
            state.spans += 1;
            shared.counters.hold(1);
            if root_done {
                (state.remove(&trace_id), false)
            } else if state.spans > shared.settings.max_spans {
                let oldest = state.oldest();
                (oldest.and_then(|id| state.remove(&id)), true)
            } else {
                (None, false)
            }
        };
        if let Some(held) = release {
            shared.forward(held.spans, early);
        }
        if self.sweeper.get() == Some(&false) {
            shared.release_expired(Instant::now());
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.shared.release_all();
        self.shared.next.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.stop.stop();
        self.shared.release_all();
        self.shared.next.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        // Set while building the provider, before any span started the sweeper.
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.next.set_resource(resource);
        }
    }
}

impl Drop for TraceHold {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::AccountingProcessor;
    use opentelemetry::trace::{
        SpanContext, TraceContextExt, TraceFlags, TraceState, Tracer, TracerProvider,
    };
    use opentelemetry_sdk::trace::SdkTracerProvider;

    /// Keeps what reaches it, in order.
    #[derive(Debug, Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<SpanData>>>);

    impl Recorder {
        fn names(&self) -> Vec<String> {
            let spans = self.0.lock().unwrap();
            spans.iter().map(|s| s.name.to_string()).collect()
        }
    }

    impl SpanProcessor for Recorder {
        fn on_start(&self, _: &mut Span, _: &Context) {}
        fn on_end(&self, span: SpanData) {
            self.0.lock().unwrap().push(span);
        }
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
            Ok(())
        }
    }

    fn pipeline(
        max_age: Duration,
        max_spans: usize,
    ) -> (SdkTracerProvider, Recorder, Arc<Counters>) {
        let recorder = Recorder::default();
        let counters = Arc::new(Counters::default());
        let hold = TraceHold::new(
            Box::new(recorder.clone()),
            HoldSettings { max_age, max_spans },
            Arc::clone(&counters),
        );
        let provider = SdkTracerProvider::builder()
            .with_span_processor(AccountingProcessor::new(
                Box::new(hold),
                Arc::clone(&counters),
                100,
            ))
            .build();
        (provider, recorder, counters)
    }

    #[test]
    fn children_wait_for_their_root_and_other_traces_do_not() {
        let (provider, recorder, counters) = pipeline(Duration::from_secs(60), 50);
        let tracer = provider.tracer("t");
        tracer.in_span("workflow", |_| {
            tracer.in_span("step 1", |_| {});
            tracer.in_span("step 2", |_| {});
            assert!(recorder.names().is_empty(), "{:?}", recorder.names());
            assert_eq!(counters.snapshot().spans_held, 2);
            assert_eq!(counters.snapshot().spans_queued, 2);
            // A trace of its own, started outside this one, is never delayed.
            let other = Context::new();
            tracer.in_span_with_context("lone", &other, |_| {});
            assert_eq!(recorder.names(), ["lone"]);
        });
        assert_eq!(recorder.names(), ["lone", "step 1", "step 2", "workflow"]);
        let stats = counters.snapshot();
        assert_eq!((stats.spans_held, stats.traces_released_early), (0, 0));
        assert_eq!(stats.spans_ended, 4);
    }

    /// An activity run under a remote parent (a Temporal `RunActivity`) is a local root too.
    #[test]
    fn a_span_with_a_remote_parent_is_a_local_root() {
        let (provider, recorder, _) = pipeline(Duration::from_secs(60), 50);
        let tracer = provider.tracer("t");
        let remote = SpanContext::new(
            opentelemetry::trace::TraceId::from(5),
            SpanId::from(6),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        let cx = Context::new().with_remote_span_context(remote);
        tracer.in_span_with_context("RunActivity", &cx, |_| {
            tracer.in_span("chat gpt-4o", |_| {});
            assert!(recorder.names().is_empty());
        });
        assert_eq!(recorder.names(), ["chat gpt-4o", "RunActivity"]);
    }

    #[test]
    fn a_trace_older_than_the_bound_is_released_without_its_root() {
        let (provider, recorder, counters) = pipeline(Duration::from_millis(100), 50);
        let tracer = provider.tracer("t");
        let root = tracer.start("long workflow");
        let cx = Context::current_with_span(root);
        tracer.in_span_with_context("early step", &cx, |_| {});
        let deadline = Instant::now() + Duration::from_secs(5);
        while recorder.names().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(recorder.names(), ["early step"]);
        assert_eq!(counters.snapshot().traces_released_early, 1);
        // Later spans of that trace are no longer held.
        tracer.in_span_with_context("late step", &cx, |_| {});
        cx.span().end();
        assert_eq!(
            recorder.names(),
            ["early step", "late step", "long workflow"]
        );
        assert_eq!(counters.snapshot().spans_held, 0);
    }

    #[test]
    fn beyond_the_span_bound_the_oldest_trace_goes_first() {
        let (provider, recorder, counters) = pipeline(Duration::from_secs(60), 3);
        let tracer = provider.tracer("t");
        let first = Context::current_with_span(tracer.start_with_context("first", &Context::new()));
        let second =
            Context::current_with_span(tracer.start_with_context("second", &Context::new()));
        tracer.in_span_with_context("a1", &first, |_| {});
        tracer.in_span_with_context("a2", &first, |_| {});
        tracer.in_span_with_context("b1", &second, |_| {});
        assert!(recorder.names().is_empty());
        tracer.in_span_with_context("b2", &second, |_| {});
        assert_eq!(recorder.names(), ["a1", "a2"]);
        assert_eq!(counters.snapshot().traces_released_early, 1);
        assert_eq!(counters.snapshot().spans_held, 2);
        second.span().end();
        assert_eq!(recorder.names(), ["a1", "a2", "b1", "b2", "second"]);
        first.span().end();
        assert_eq!(recorder.names().last().map(String::as_str), Some("first"));
    }

    #[test]
    fn shutdown_exports_what_is_held_and_the_books_balance() {
        let (provider, recorder, counters) = pipeline(Duration::from_secs(60), 50);
        let tracer = provider.tracer("t");
        let root = Context::current_with_span(tracer.start("unfinished"));
        for _ in 0..3 {
            tracer.in_span_with_context("step", &root, |_| {});
        }
        provider.shutdown().unwrap();
        assert_eq!(recorder.names(), ["step", "step", "step"]);
        let stats = counters.snapshot();
        assert_eq!((stats.spans_held, stats.traces_released_early), (0, 1));
        // The recorder "exports" nothing, so the rest counts as dropped at close.
        assert_eq!(stats.spans_ended, 3);
        assert_eq!(
            stats.spans_ended,
            stats.spans_exported + stats.spans_dropped + stats.spans_failed + stats.spans_queued
        );
    }
}
