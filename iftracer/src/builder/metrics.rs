//! Builder methods: the GenAI metrics.

use std::time::Duration;

use super::IftracerBuilder;

impl IftracerBuilder {
    /// Records GenAI metrics (token usage and durations of LLM calls, durations of workflows,
    /// agents and tools) and exports them over OTLP next to the traces, with the same headers,
    /// TLS settings and timeout (`IFTRACER_METRICS_ENABLED`). On by default when traces go to an
    /// OTLP endpoint other than InsightFinder's trace gateway, which serves traces only.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .endpoint("http://127.0.0.1:4317")
    ///     .metrics(false)
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn metrics(mut self, on: bool) -> Self {
        self.settings.metrics = Some(on);
        self
    }

    /// How often metrics are exported (`OTEL_METRIC_EXPORT_INTERVAL`, default 60 s); the guard's
    /// shutdown exports what is left.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .endpoint("http://127.0.0.1:4317")
    ///     .metric_export_interval(std::time::Duration::from_secs(10))
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.settings.metric_export_interval = Some(interval);
        self
    }

    /// Cumulative (the default), delta or low-memory temporality of exported metrics
    /// (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`).
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .endpoint("http://127.0.0.1:4317")
    ///     .metrics_temporality(iftracer::metrics::Temporality::Delta)
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn metrics_temporality(mut self, temporality: crate::metrics::Temporality) -> Self {
        self.settings.metrics_temporality = Some(temporality);
        self
    }
}
