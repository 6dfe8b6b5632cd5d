//! The metrics pipeline: a meter provider whose periodic reader exports over OTLP, with every
//! export driven by iftracer's export thread and bounded in time; or, in terminal mode, one
//! whose in-process reader the console collects for its summary at shutdown.
//!
//! The SDK's `PeriodicReader` runs exports on its own thread with a plain executor, while the
//! OTLP exporters need a tokio runtime (tonic's channel, reqwest). [`OnExportThread`] enters
//! iftracer's runtime on every poll, so their I/O and timers run there, and gives each export
//! the export timeout, or what is left of the shutdown timeout once shutdown has begun: a
//! receiver that is down or hangs never holds the application longer.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use tokio::runtime::Handle;

use super::console_summary::SummaryReader;
use crate::metrics::Recorder;

/// A running metrics pipeline, owned by the guard.
#[derive(Debug)]
pub(crate) struct MetricsPipeline {
    provider: SdkMeterProvider,
    recorder: Arc<Recorder>,
    /// When set, exports end by then (the shutdown's deadline).
    deadline: Arc<Mutex<Option<Instant>>>,
    /// `Some`: nothing is exported; the console reads this at shutdown.
    summary: Option<SummaryReader>,
}

impl MetricsPipeline {
    pub(crate) fn new<E: PushMetricExporter>(
        exporter: E,
        interval: Duration,
        timeout: Duration,
        resource: Resource,
        runtime: Handle,
    ) -> Self {
        let deadline = Arc::new(Mutex::new(None));
        let exporter = OnExportThread {
            inner: exporter,
            runtime,
            timeout,
            deadline: Arc::clone(&deadline),
        };
        let reader = PeriodicReader::builder(exporter)
            .with_interval(interval)
            .build();
        let provider = SdkMeterProvider::builder()
            .with_resource(resource)
            .with_reader(reader)
            .build();
        let recorder = Recorder::new(&provider.meter_with_scope(scope()), false);
        MetricsPipeline {
            provider,
            recorder,
            deadline,
            summary: None,
        }
    }

    /// Terminal mode: the same instruments, kept in the process for the console's summary.
    pub(crate) fn in_process(resource: Resource) -> Self {
        let reader = SummaryReader::new();
        let provider = SdkMeterProvider::builder()
            .with_resource(resource)
            .with_reader(reader.clone())
            .with_view(SummaryReader::view)
            .build();
        let recorder = Recorder::new(&provider.meter_with_scope(scope()), true);
        MetricsPipeline {
            provider,
            recorder,
            deadline: Arc::new(Mutex::new(None)),
            summary: Some(reader),
        }
    }

    /// The provider whose metrics are exported; `None` in terminal mode, whose provider only
    /// feeds the console's summary.
    pub(crate) fn provider(&self) -> Option<&SdkMeterProvider> {
        self.summary.is_none().then_some(&self.provider)
    }

    /// What the console reads its summary from, in terminal mode.
    pub(crate) fn summary_reader(&self) -> Option<&SummaryReader> {
        self.summary.as_ref()
    }

    pub(crate) fn recorder(&self) -> &Arc<Recorder> {
        &self.recorder
    }

    pub(crate) fn force_flush(&self) -> OTelSdkResult {
        self.provider.force_flush()
    }

    /// Stops recording into this pipeline, exports what was recorded and stops, within `limit`.
    pub(crate) fn shutdown(&self, limit: Duration) -> OTelSdkResult {
        *self.deadline.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Instant::now() + limit);
        self.provider.shutdown_with_timeout(limit)
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope::builder("iftracer")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build()
}

/// Runs an OTLP metrics exporter's futures in iftracer's runtime, each bounded in time.
struct OnExportThread<E> {
    inner: E,
    runtime: Handle,
    timeout: Duration,
    deadline: Arc<Mutex<Option<Instant>>>,
}

impl<E> OnExportThread<E> {
    fn limit(&self) -> Duration {
        match *self.deadline.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(deadline) => self
                .timeout
                .min(deadline.saturating_duration_since(Instant::now())),
            None => self.timeout,
        }
    }
}

impl<E: PushMetricExporter> PushMetricExporter for OnExportThread<E> {
    fn export(&self, metrics: &ResourceMetrics) -> impl Future<Output = OTelSdkResult> + Send {
        let limit = self.limit();
        let runtime = self.runtime.clone();
        let mut export = {
            let _entered = runtime.enter();
            let deadline = Instant::now() + limit;
            Box::pin(super::deadline::within(
                deadline,
                self.inner.export(metrics),
            ))
        };
        async move {
            let finished = std::future::poll_fn(move |cx| {
                let _entered = runtime.enter();
                export.as_mut().poll(cx)
            })
            .await;
            finished.unwrap_or(Err(OTelSdkError::Timeout(limit)))
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}
