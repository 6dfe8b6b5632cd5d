//! Wraps any `SpanExporter`: runs its exports on iftracer's export thread, keeps each request
//! under the size collectors accept, bounds each batch (its requests and their retries) by the
//! export timeout, the one place it is enforced (see `deadline`), and counts every span's
//! outcome.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::export::deadline;
use crate::export::in_flight::Slots;
use crate::export::runtime::ExportRuntime;
use crate::export::split::{self, MAX_REQUEST_BYTES, SPLIT_FLOOR_BYTES};
use crate::stats::Counters;

#[derive(Debug)]
pub(crate) struct ManagedExporter<E> {
    inner: Arc<E>,
    runtime: Arc<ExportRuntime>,
    counters: Arc<Counters>,
    timeout: Duration,
    /// Pipelined: `export` returns once the batch has a slot and is on its way.
    slots: Option<Arc<Slots>>,
}

impl<E> ManagedExporter<E> {
    pub(crate) fn new(
        inner: E,
        runtime: Arc<ExportRuntime>,
        counters: Arc<Counters>,
        timeout: Duration,
    ) -> Self {
        ManagedExporter {
            inner: Arc::new(inner),
            runtime,
            counters,
            timeout,
            slots: None,
        }
    }

    /// Lets the batch processor go on while up to the slots' number of exports are on their way
    /// (see `in_flight`); only for the batch processor, whose thread is its own.
    pub(crate) fn pipelined(mut self, slots: Arc<Slots>) -> Self {
        self.slots = Some(slots);
        self
    }
}

impl<E: SpanExporter + 'static> SpanExporter for ManagedExporter<E> {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        // Spans of this batch not counted yet, so a task that dies midway counts only the rest.
        let uncounted = Arc::new(AtomicUsize::new(batch.len()));
        let delivery = Delivery {
            inner: Arc::clone(&self.inner),
            counters: Arc::clone(&self.counters),
            timeout: self.timeout,
            uncounted: Arc::clone(&uncounted),
        };
        let slot = self.slots.as_ref().map(|slots| slots.take());
        let task = self.runtime.spawn(delivery.run(batch));
        let counters = Arc::clone(&self.counters);
        let outcome = async move {
            match task.await {
                Ok(result) => result,
                Err(err) => {
                    let error = format!("the export task did not finish: {err}");
                    let rest = uncounted.swap(0, Ordering::Relaxed);
                    counters.record_export(rest, Some(error.clone()));
                    Err(OTelSdkError::InternalFailure(error))
                }
            }
        };
        let waited = match slot {
            // The outcome is counted on the export thread; the slot is freed with it.
            Some(slot) => {
                // Detached: the slot, not the handle, tells when it is done.
                drop(self.runtime.spawn(async move {
                    match outcome.await {
                        Ok(()) => slot.note_success(),
                        Err(error) => slot.note_failure(error),
                    }
                }));
                None
            }
            None => Some(outcome),
        };
        async move {
            match waited {
                Some(outcome) => outcome.await,
                None => Ok(()),
            }
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let deadline = std::time::Instant::now() + timeout;
        if let Some(slots) = &self.slots
            && !slots.wait_idle(timeout)
        {
            // What is still on its way is counted as dropped when the pipeline closes.
            return Err(OTelSdkError::Timeout(timeout));
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        self.inner
            .shutdown_with_timeout(left.max(Duration::from_millis(1)))
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        // Called before the first export, while no export task holds a clone.
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.set_resource(resource);
        }
    }
}

/// One batch's way to the exporter, run on the export thread.
struct Delivery<E> {
    inner: Arc<E>,
    counters: Arc<Counters>,
    timeout: Duration,
    uncounted: Arc<AtomicUsize>,
}

impl<E: SpanExporter> Delivery<E> {
    /// Sends the batch as requests of acceptable size, one after the other. A request the
    /// receiver refuses as too large is halved and resent, so one oversized span costs only
    /// itself, not the spans that shared its batch. The whole batch, every request and retry
    /// included, gets one export timeout: after it the rest is not tried, so a receiver that
    /// hangs or fails slowly never makes a batch of many requests wait many timeouts.
    async fn run(self, batch: Vec<SpanData>) -> OTelSdkResult {
        let deadline = Instant::now() + self.timeout;
        let mut pending: VecDeque<(Vec<SpanData>, usize)> =
            split::into_requests(batch, MAX_REQUEST_BYTES).into();
        let mut first_error: Option<OTelSdkError> = None;
        let mut gave_up: Option<String> = None;
        while let Some((spans, size)) = pending.pop_front() {
            let count = spans.len();
            if gave_up.is_none() && Instant::now() >= deadline {
                gave_up = Some(OTelSdkError::Timeout(self.timeout).to_string());
            }
            if let Some(error) = &gave_up {
                self.count(count, Some(error.clone()));
                continue;
            }
            // Copied only when large enough to be refused for size, to halve it if it is.
            let spare = (count > 1 && size >= SPLIT_FLOOR_BYTES).then(|| spans.clone());
            // The one place the export timeout is enforced; the exporter's retries read it.
            let result = deadline::within(deadline, self.inner.export(spans))
                .await
                .unwrap_or(Err(OTelSdkError::Timeout(self.timeout)));
            match (result, spare) {
                (Err(err), Some(mut front)) if is_too_large(&err, size) => {
                    let back = front.split_off(count / 2);
                    let back_size = split::estimate_batch(&back);
                    pending.push_front((back, back_size));
                    pending.push_front((front, size.saturating_sub(back_size)));
                }
                (Ok(()), _) => self.count(count, None),
                (Err(err), _) => {
                    let message = err.to_string();
                    if matches!(err, OTelSdkError::Timeout(_)) {
                        gave_up = Some(message.clone());
                    }
                    self.count(count, Some(message));
                    first_error.get_or_insert(err);
                }
            }
        }
        match first_error {
            None => Ok(()),
            Some(err) => Err(err),
        }
    }

    fn count(&self, spans: usize, error: Option<String>) {
        self.uncounted.fetch_sub(spans, Ordering::Relaxed);
        self.counters.record_export(spans, error);
    }
}

/// A gRPC `RESOURCE_EXHAUSTED` on a request of at least this size is read as "too large" (a
/// Collector or Jaeger refusing a message over its 4 MiB limit); on a smaller one it is a quota,
/// and halving would only multiply requests to a receiver asking for fewer.
pub(crate) const EXHAUSTED_MEANS_TOO_LARGE_FROM: usize = 1024 * 1024;

/// A receiver's "message too large": HTTP 413, gRPC `OUT_OF_RANGE` (tonic), or gRPC
/// `RESOURCE_EXHAUSTED` (grpc-go, and so the OpenTelemetry Collector) on a request of
/// [`EXHAUSTED_MEANS_TOO_LARGE_FROM`] or more: iftracer's gRPC client keeps only the gRPC code of
/// a failure (not the server's message), so the request's size tells size limits from quotas.
fn is_too_large(err: &OTelSdkError, request_bytes: usize) -> bool {
    let text = err.to_string();
    text.contains("status code: 413")
        || text.contains("gRPC code: OutOfRange")
        || (text.contains("gRPC code: ResourceExhausted")
            && request_bytes >= EXHAUSTED_MEANS_TOO_LARGE_FROM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{Tracer, TracerProvider};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

    /// Panics on every export, as a buggy user exporter might.
    #[derive(Debug)]
    struct Panicking;

    impl SpanExporter for Panicking {
        async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
            panic!("exporter bug");
        }
    }

    fn spans(count: usize) -> Vec<SpanData> {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        for _ in 0..count {
            provider.tracer("t").in_span("s", |_| {});
        }
        exporter.get_finished_spans().unwrap()
    }

    #[test]
    fn a_panicking_exporter_fails_its_batch_without_reaching_the_caller() {
        let runtime = Arc::new(ExportRuntime::start().unwrap());
        let counters = Arc::new(Counters::default());
        let managed = ManagedExporter::new(
            Panicking,
            runtime,
            Arc::clone(&counters),
            Duration::from_secs(1),
        );
        // As the batch processor does: the spans are in flight before the export.
        for _ in 0..3 {
            counters.admit_for_test();
        }
        let result = block_on(managed.export(spans(3)));
        assert!(result.is_err());
        let stats = counters.snapshot();
        assert_eq!(
            (stats.spans_failed, stats.spans_queued),
            (3, 0),
            "{stats:?}"
        );
    }

    /// Drives a future on a throwaway current-thread runtime, as the SDK's batch thread does.
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }
}
