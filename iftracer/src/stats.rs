//! Span accounting: how many spans ended, were exported, dropped or failed to export.
//!
//! The SDK's batch processor drops spans on a full queue and only keeps a private count. So
//! iftracer bounds the queue itself: [`AccountingProcessor`] admits a span only while fewer than
//! `capacity` spans are in flight (queued or being exported) and counts every refusal, and the
//! exporter wrapper reports each batch's outcome. The batch processor's own queue is as large as
//! the bound, so it never drops behind our back and
//! `ended == exported + dropped + failed + queued` holds in every snapshot, even one taken while
//! spans end on other threads or the pipeline shuts down: span ends take a shared gate, and
//! snapshots, batch outcomes and closing take it exclusively.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

/// A snapshot of the span counters.
///
/// ```
/// use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
///
/// // No endpoint: spans are printed on stdout.
/// let guard = iftracer::Iftracer::builder().ignore_env().global(false).init().unwrap();
/// let tracer = guard.provider().unwrap().tracer("app");
/// tracer.in_span("step", |_| {});
/// tracer.in_span("step", |_| {});
/// guard.force_flush().unwrap();
/// let stats = guard.stats();
/// assert_eq!(stats.spans_ended, 2);
/// assert_eq!(stats.spans_ended, stats.spans_exported + stats.spans_dropped
///     + stats.spans_failed + stats.spans_queued);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Sampled spans that ended.
    pub spans_ended: u64,
    /// Spans the exporter accepted.
    pub spans_exported: u64,
    /// Spans dropped before export: the queue was full, or the pipeline was shut down.
    pub spans_dropped: u64,
    /// Spans in batches the exporter rejected or that timed out.
    pub spans_failed: u64,
    /// Spans waiting for export or being exported right now (the held ones included).
    pub spans_queued: u64,
    /// Of the queued spans, those held until their trace's local root ends
    /// ([`hold_traces`](crate::IftracerBuilder::hold_traces)).
    pub spans_held: u64,
    /// Held traces exported before their root ended: older than the hold bound, beyond the
    /// held-span bound, or flushed.
    pub traces_released_early: u64,
}

/// The live counters of one pipeline.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    ended: AtomicU64,
    exported: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
    in_flight: AtomicU64,
    held: AtomicU64,
    released_early: AtomicU64,
    closed: AtomicBool,
    /// Span ends share it (their counters only grow, so they need not exclude each other);
    /// snapshots, batch outcomes and closing hold it alone. So a snapshot never sees a span
    /// counted as ended but not yet as queued or dropped, a span ending during shutdown is
    /// either dropped by `close` or sees `closed`, and no batch is counted twice.
    gate: RwLock<()>,
    last_error: Mutex<Option<String>>,
    warned: AtomicBool,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Stats {
        let _gate = self.gate.write().unwrap_or_else(PoisonError::into_inner);
        Stats {
            spans_ended: self.ended.load(Ordering::Relaxed),
            spans_exported: self.exported.load(Ordering::Relaxed),
            spans_dropped: self.dropped.load(Ordering::Relaxed),
            spans_failed: self.failed.load(Ordering::Relaxed),
            spans_queued: self.in_flight.load(Ordering::Relaxed),
            spans_held: self.held.load(Ordering::Relaxed),
            traces_released_early: self.released_early.load(Ordering::Relaxed),
        }
    }

    /// `count` admitted spans wait for their trace's root.
    pub(crate) fn hold(&self, count: u64) {
        self.held.fetch_add(count, Ordering::Relaxed);
    }

    /// `count` held spans go on to export; `early`: their root had not ended.
    pub(crate) fn release_held(&self, count: u64, early: bool) {
        self.held.fetch_sub(count, Ordering::Relaxed);
        if early {
            self.released_early.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records one exported batch of `count` spans.
    pub(crate) fn record_export(&self, count: usize, error: Option<String>) {
        let count = count as u64;
        {
            let _gate = self.gate.write().unwrap_or_else(PoisonError::into_inner);
            if self.closed.load(Ordering::Relaxed) {
                // Counted as dropped when the pipeline closed.
                return;
            }
            self.in_flight.fetch_sub(count, Ordering::Relaxed);
            match &error {
                None => self.exported.fetch_add(count, Ordering::Relaxed),
                Some(_) => self.failed.fetch_add(count, Ordering::Relaxed),
            };
        }
        if let Some(error) = error {
            self.report_failure(error);
        }
    }

    /// Counts one span as ended and in flight, as [`AccountingProcessor`] does on admission.
    #[cfg(test)]
    pub(crate) fn admit_for_test(&self) {
        assert_eq!(self.admit(u64::MAX), Admission::Admitted);
    }

    /// Counts one sampled span as ended, and as in flight if fewer than `capacity` are and the
    /// pipeline is open, or else as dropped.
    fn admit(&self, capacity: u64) -> Admission {
        let _gate = self.gate.read().unwrap_or_else(PoisonError::into_inner);
        self.ended.fetch_add(1, Ordering::Relaxed);
        if self.closed.load(Ordering::Relaxed) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return Admission::Dropped;
        }
        if self.in_flight.fetch_add(1, Ordering::Relaxed) >= capacity {
            self.in_flight.fetch_sub(1, Ordering::Relaxed);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return Admission::Dropped;
        }
        Admission::Admitted
    }

    /// After shutdown: whatever is still in flight will never be exported.
    fn close(&self) {
        let _gate = self.gate.write().unwrap_or_else(PoisonError::into_inner);
        self.closed.store(true, Ordering::Relaxed);
        let lost = self.in_flight.swap(0, Ordering::Relaxed);
        self.dropped.fetch_add(lost, Ordering::Relaxed);
    }

    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps the error for [`last_export_error`] and says so once on stderr: a refused credential
    /// must not go unnoticed, and repeating it per batch would flood the app's output.
    fn report_failure(&self, error: String) {
        if !self.warned.swap(true, Ordering::Relaxed) {
            eprintln!(
                "iftracer: span export failed: {error} (later failures are counted in iftracer::stats())"
            );
        }
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(error);
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Admission {
    Admitted,
    Dropped,
}

/// Admits spans to the inner processor up to `capacity` in flight; counts the rest as dropped.
#[derive(Debug)]
pub(crate) struct AccountingProcessor {
    inner: Box<dyn SpanProcessor>,
    counters: Arc<Counters>,
    capacity: u64,
}

impl AccountingProcessor {
    pub(crate) fn new(
        inner: Box<dyn SpanProcessor>,
        counters: Arc<Counters>,
        capacity: usize,
    ) -> Self {
        AccountingProcessor {
            inner,
            counters,
            capacity: capacity as u64,
        }
    }
}

impl SpanProcessor for AccountingProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        // Unsampled spans are never exported, so they are not part of the accounting.
        if !span.span_context.is_sampled() {
            return;
        }
        // Handed on outside the gate: if the pipeline closes meanwhile, `close` has counted
        // the span as dropped and the shut-down inner processor discards it.
        if self.counters.admit(self.capacity) == Admission::Admitted {
            self.inner.on_end(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let result = self.inner.shutdown_with_timeout(timeout);
        self.counters.close();
        result
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource);
    }
}

/// The counters of the pipeline installed globally.
fn global() -> Option<Arc<Counters>> {
    crate::pipeline::global().map(|pipeline| Arc::clone(pipeline.counters()))
}

/// Span counters of the globally installed pipeline (all zero before `init`).
///
/// A dropped span is always counted here, never lost silently.
///
/// ```
/// use iftracer::opentelemetry::{global, trace::Tracer};
///
/// let guard = iftracer::Iftracer::builder().ignore_env().init().unwrap();
/// global::tracer("app").in_span("step", |_| {});
/// guard.force_flush().unwrap();
/// assert_eq!(iftracer::stats().spans_ended, 1);
/// assert_eq!(iftracer::stats(), guard.stats());
/// # drop(guard);
/// ```
pub fn stats() -> Stats {
    global().map(|c| c.snapshot()).unwrap_or_default()
}

/// The most recent export error of the globally installed pipeline, if any.
///
/// ```
/// assert!(iftracer::last_export_error().is_none());
/// ```
pub fn last_export_error() -> Option<String> {
    global().and_then(|c| c.last_error())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{Tracer, TracerProvider};
    use opentelemetry_sdk::trace::SdkTracerProvider;

    /// Holds every span it receives, exporting nothing, so the bound can be observed.
    #[derive(Debug, Default)]
    struct Holding;

    impl SpanProcessor for Holding {
        fn on_start(&self, _: &mut Span, _: &Context) {}
        fn on_end(&self, _: SpanData) {}
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
            Ok(())
        }
    }

    fn provider(counters: &Arc<Counters>, capacity: usize) -> SdkTracerProvider {
        SdkTracerProvider::builder()
            .with_span_processor(AccountingProcessor::new(
                Box::new(Holding),
                counters.clone(),
                capacity,
            ))
            .build()
    }

    #[test]
    fn spans_beyond_the_bound_are_counted_as_dropped() {
        let counters = Arc::new(Counters::default());
        let provider = provider(&counters, 3);
        let tracer = provider.tracer("t");
        for _ in 0..5 {
            tracer.in_span("s", |_| {});
        }
        let stats = counters.snapshot();
        assert_eq!(stats.spans_ended, 5);
        assert_eq!(stats.spans_queued, 3);
        assert_eq!(stats.spans_dropped, 2);

        counters.record_export(2, None);
        counters.record_export(1, Some("UNAUTHENTICATED".to_owned()));
        let stats = counters.snapshot();
        assert_eq!(
            (stats.spans_exported, stats.spans_failed, stats.spans_queued),
            (2, 1, 0)
        );
        assert_eq!(counters.last_error().as_deref(), Some("UNAUTHENTICATED"));

        tracer.in_span("after-export", |_| {});
        assert_eq!(counters.snapshot().spans_queued, 1);
    }

    #[test]
    fn shutdown_turns_the_unexported_rest_into_drops() {
        let counters = Arc::new(Counters::default());
        let provider = provider(&counters, 10);
        let tracer = provider.tracer("t");
        tracer.in_span("queued", |_| {});
        provider.shutdown().unwrap();
        // A late batch outcome after close does not count twice.
        counters.record_export(1, None);
        tracer.in_span("after-shutdown", |_| {});
        let stats = counters.snapshot();
        assert_eq!(stats.spans_dropped, 1, "{stats:?}");
        assert_eq!(stats.spans_exported, 0);
        assert_eq!(
            stats.spans_ended,
            stats.spans_exported + stats.spans_dropped + stats.spans_failed + stats.spans_queued
        );
    }

    /// Hands each span to an "exporter" thread that reports it exported, as the batch
    /// processor's worker does, so outcomes race with span ends and snapshots.
    #[derive(Debug)]
    struct Relay(std::sync::mpsc::SyncSender<()>);

    impl SpanProcessor for Relay {
        fn on_start(&self, _: &mut Span, _: &Context) {}
        fn on_end(&self, _: SpanData) {
            let _ = self.0.send(());
        }
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
            Ok(())
        }
    }

    fn balanced(stats: &Stats) -> bool {
        stats.spans_ended
            == stats.spans_exported + stats.spans_dropped + stats.spans_failed + stats.spans_queued
    }

    /// Span ends on several threads while an exporter reports batches, snapshots are taken
    /// and the pipeline closes halfway: every snapshot balances, and at the end nothing is
    /// left queued and every span the threads ended is counted.
    #[test]
    fn accounting_holds_under_concurrent_ends_snapshots_and_shutdown() {
        const THREADS: usize = 4;
        const SPANS: usize = 20_000;
        for round in 0..5 {
            let counters = Arc::new(Counters::default());
            let (send, receive) = std::sync::mpsc::sync_channel(1024);
            let exporter = {
                let counters = Arc::clone(&counters);
                std::thread::spawn(move || {
                    for (i, ()) in receive.into_iter().enumerate() {
                        let error = (i % 7 == 0).then(|| "refused".to_owned());
                        counters.record_export(1, error);
                    }
                })
            };
            let provider = SdkTracerProvider::builder()
                .with_span_processor(AccountingProcessor::new(
                    Box::new(Relay(send)),
                    counters.clone(),
                    512,
                ))
                .build();
            let ended = std::sync::atomic::AtomicU64::new(0);
            std::thread::scope(|scope| {
                for _ in 0..THREADS {
                    scope.spawn(|| {
                        let tracer = provider.tracer("stress");
                        for _ in 0..SPANS {
                            tracer.in_span("s", |_| {});
                            ended.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
                let mut closed = false;
                loop {
                    let done = ended.load(Ordering::Relaxed);
                    if done == (THREADS * SPANS) as u64 {
                        break;
                    }
                    let stats = counters.snapshot();
                    assert!(balanced(&stats), "round {round}: {stats:?}");
                    if !closed && done >= (THREADS * SPANS / 2) as u64 {
                        // What the processor's shutdown does once the inner one returned (the
                        // SDK's own shutdown would stop calling `on_end`, hiding the race).
                        counters.close();
                        closed = true;
                    }
                }
                assert!(closed, "round {round}: closed while spans were ending");
            });
            drop(provider);
            exporter.join().unwrap();
            let stats = counters.snapshot();
            assert!(balanced(&stats), "round {round}: {stats:?}");
            assert_eq!(stats.spans_ended, (THREADS * SPANS) as u64, "round {round}");
            assert_eq!(stats.spans_queued, 0, "round {round}: {stats:?}");
        }
    }

    #[test]
    fn unsampled_spans_are_not_counted() {
        let counters = Arc::new(Counters::default());
        let provider = SdkTracerProvider::builder()
            .with_sampler(opentelemetry_sdk::trace::Sampler::AlwaysOff)
            .with_span_processor(AccountingProcessor::new(
                Box::new(Holding),
                counters.clone(),
                10,
            ))
            .build();
        provider.tracer("t").in_span("s", |_| {});
        assert_eq!(counters.snapshot(), Stats::default());
    }
}
