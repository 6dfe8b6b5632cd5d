//! Builder methods: sampling, batching, limits and the shutdown timeout.

use std::time::Duration;

use super::IftracerBuilder;
use crate::config::ExportMode;
use crate::config::sampler::Sampler;

impl IftracerBuilder {
    /// Upper bound of the final flush at shutdown (default 5 s).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().shutdown_timeout(std::time::Duration::from_secs(2));
    /// # drop(b);
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.settings.shutdown_timeout = Some(timeout);
        self
    }

    /// Batch (default) or simple export.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().export_mode(iftracer::ExportMode::Simple);
    /// # drop(b);
    /// ```
    pub fn export_mode(mut self, mode: ExportMode) -> Self {
        self.settings.export_mode = Some(mode);
        self
    }

    /// Most spans waiting for export (`OTEL_BSP_MAX_QUEUE_SIZE`, default 2048); more are
    /// dropped and counted in [`stats`](crate::stats()).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_queue_size(8192);
    /// # drop(b);
    /// ```
    pub fn max_queue_size(mut self, size: usize) -> Self {
        self.settings.max_queue_size = Some(size);
        self
    }

    /// Most spans per export call (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, default 512).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_export_batch_size(1024);
    /// # drop(b);
    /// ```
    pub fn max_export_batch_size(mut self, size: usize) -> Self {
        self.settings.max_export_batch_size = Some(size);
        self
    }

    /// Longest wait before a partial batch is exported (`OTEL_BSP_SCHEDULE_DELAY`, default 5 s).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().scheduled_delay(std::time::Duration::from_millis(500));
    /// # drop(b);
    /// ```
    pub fn scheduled_delay(mut self, delay: Duration) -> Self {
        self.settings.scheduled_delay = Some(delay);
        self
    }

    /// Which traces to keep (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().sampler(iftracer::Sampler::AlwaysOn);
    /// # drop(b);
    /// ```
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.settings.sampler = Some(sampler);
        self
    }

    /// Most attributes one span keeps (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, default 128, as in the
    /// OpenTelemetry SDK); later ones are discarded as they are set and counted in the span's
    /// `dropped_attributes_count`, so a span with 10,000 attributes still exports.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_attributes_per_span(256);
    /// # drop(b);
    /// ```
    pub fn max_attributes_per_span(mut self, count: u32) -> Self {
        self.settings.max_attributes_per_span = Some(count);
        self
    }
}
