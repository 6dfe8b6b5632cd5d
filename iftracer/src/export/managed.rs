//! Wraps any `SpanExporter`: runs its exports on iftracer's export thread, bounds each export by
//! the export timeout, and counts the outcome.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::export::runtime::ExportRuntime;
use crate::stats::Counters;

#[derive(Debug)]
pub(crate) struct ManagedExporter<E> {
    inner: Arc<E>,
    runtime: Arc<ExportRuntime>,
    counters: Arc<Counters>,
    timeout: Duration,
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
        }
    }
}

impl<E: SpanExporter + 'static> SpanExporter for ManagedExporter<E> {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let count = batch.len();
        let inner = Arc::clone(&self.inner);
        let timeout = self.timeout;
        let task = self.runtime.spawn(async move {
            match tokio::time::timeout(timeout, inner.export(batch)).await {
                Ok(result) => result,
                Err(_) => Err(OTelSdkError::Timeout(timeout)),
            }
        });
        let counters = Arc::clone(&self.counters);
        async move {
            let result = match task.await {
                Ok(result) => result,
                Err(err) => Err(OTelSdkError::InternalFailure(format!(
                    "the export task did not finish: {err}"
                ))),
            };
            counters.record_export(count, result.as_ref().err().map(ToString::to_string));
            result
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
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
