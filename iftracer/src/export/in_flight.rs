//! Pipelined export: the batch processor hands a batch to the export thread and goes on
//! preparing the next while up to [`MAX_IN_FLIGHT`] requests are on their way.
//!
//! With one export at a time, every batch waits a full round trip (to the receiver and back)
//! before the next can leave: with a collector 10 ms away, 512-span batches cap export near
//! 33,000 spans/s and the default queue overflows at 50,000/s (bench `throughput`, the `10ms`
//! rows). Four in flight keep up with 50,000/s there, and on loopback they keep the queue
//! from filling while a request waits for its answer. As the OpenTelemetry Collector's
//! exporters do (several consumers of one queue). Spans being exported still count against the
//! queue bound (they stay `queued` until their outcome is known), so memory stays bounded as
//! before.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

/// Export requests of one pipeline on their way at the same time.
pub(crate) const MAX_IN_FLIGHT: usize = 4;

/// Counts the exports on their way; shared by the exporter (which takes a slot per batch) and
/// the processor (whose flush waits for all of them).
#[derive(Debug)]
pub(crate) struct Slots {
    max: usize,
    busy: Mutex<usize>,
    changed: Condvar,
    /// The first export failure since the last flush or shutdown began, for its result.
    failure: Mutex<Option<OTelSdkError>>,
    /// The last export failed: one at a time until one succeeds, so a collector that is down
    /// holds one batch in retries, not several, and the rest stay queued for its return.
    failing: AtomicBool,
}

impl Slots {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Slots {
            max: max.max(1),
            busy: Mutex::new(0),
            changed: Condvar::new(),
            failure: Mutex::new(None),
            failing: AtomicBool::new(false),
        })
    }

    fn limit(&self) -> usize {
        if self.failing.load(Ordering::Relaxed) {
            1
        } else {
            self.max
        }
    }

    /// Keeps the first failure for the next flush's or shutdown's result (each failure is
    /// counted and reported by the exporter already).
    fn note_failure(&self, error: OTelSdkError) {
        self.failing.store(true, Ordering::Relaxed);
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(error);
    }

    fn take_failure(&self) -> Option<OTelSdkError> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Waits for a free slot. Called on the batch processor's own thread, never the
    /// application's: each export ends by its export timeout, so the wait is bounded too.
    pub(crate) fn take(self: &Arc<Self>) -> Slot {
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        while *busy >= self.limit() {
            busy = self
                .changed
                .wait(busy)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *busy += 1;
        Slot(Arc::clone(self))
    }

    /// Waits until no export is on its way, at most `timeout`; true when none is.
    pub(crate) fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut busy = self.busy.lock().unwrap_or_else(PoisonError::into_inner);
        while *busy > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            busy = self
                .changed
                .wait_timeout(busy, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

/// One export on its way; frees its slot when dropped, also when the export task panics or is
/// cancelled with the export thread.
#[derive(Debug)]
pub(crate) struct Slot(Arc<Slots>);

impl Slot {
    pub(crate) fn note_failure(&self, error: OTelSdkError) {
        self.0.note_failure(error);
    }

    pub(crate) fn note_success(&self) {
        self.0.failing.store(false, Ordering::Relaxed);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut busy = self.0.busy.lock().unwrap_or_else(PoisonError::into_inner);
        *busy -= 1;
        self.0.changed.notify_all();
    }
}

/// Makes `force_flush` mean "exported": the batch processor's flush returns once its batches
/// are handed over, so this waits for the exports still on their way (at most `timeout`).
#[derive(Debug)]
pub(crate) struct FlushInFlight {
    inner: Box<dyn SpanProcessor>,
    slots: Arc<Slots>,
    timeout: Duration,
}

impl FlushInFlight {
    pub(crate) fn new(inner: Box<dyn SpanProcessor>, slots: Arc<Slots>, timeout: Duration) -> Self {
        FlushInFlight {
            inner,
            slots,
            timeout,
        }
    }
}

impl SpanProcessor for FlushInFlight {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        self.inner.on_end(span);
    }

    /// Ok when every span ended before the flush was exported, as with one export at a time.
    fn force_flush(&self) -> OTelSdkResult {
        // Failures of earlier, unflushed exports were reported then; not this flush's.
        let _ = self.slots.take_failure();
        let result = self.inner.force_flush();
        if !self.slots.wait_idle(self.timeout) {
            return Err(OTelSdkError::Timeout(self.timeout));
        }
        result.and(self.slots.take_failure().map_or(Ok(()), Err))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let _ = self.slots.take_failure();
        // The batch processor's shutdown ends with the exporter's, which waits for the
        // exports on their way within the same deadline.
        let result = self.inner.shutdown_with_timeout(timeout);
        result.and(self.slots.take_failure().map_or(Ok(()), Err))
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_given_back_when_dropped_and_idle_waits_for_all() {
        let slots = Slots::new(2);
        let first = slots.take();
        let second = slots.take();
        assert!(!slots.wait_idle(Duration::from_millis(10)));
        let waiter = {
            let slots = Arc::clone(&slots);
            std::thread::spawn(move || {
                // Blocks until one of the two is given back.
                let _third = slots.take();
            })
        };
        drop(first);
        waiter.join().unwrap();
        drop(second);
        assert!(slots.wait_idle(Duration::from_millis(10)));
    }

    #[test]
    fn after_a_failure_one_export_at_a_time_until_one_succeeds() {
        let slots = Slots::new(4);
        let first = slots.take();
        first.note_failure(OTelSdkError::InternalFailure("down".into()));
        assert_eq!(slots.limit(), 1);
        drop(first);
        let second = slots.take();
        second.note_success();
        assert_eq!(slots.limit(), 4);
        let _third = slots.take();
        drop(second);
    }
}
