//! The per-model table the console prints at shutdown when LLM calls were recorded, read from
//! the GenAI metrics: an in-process reader collects them once, so every call counts, sampled or
//! not.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Weak};
use std::time::Duration;

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::{
    AggregatedMetrics, ExponentialHistogramDataPoint, MetricData, ResourceMetrics,
};
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{
    Aggregation, Instrument, InstrumentKind, ManualReader, Pipeline, Stream, Temporality,
};

use super::console_view::seconds_text;
use crate::attributes::{gen_ai, insightfinder};
use crate::metrics::{
    ENTITY_DURATION, LLM_CALLS, OPERATION_DURATION, TIME_TO_FIRST_CHUNK, TOKEN_USAGE,
};

/// Most buckets of the in-process duration histogram. The SDK lowers the scale (coarser
/// buckets) until a series' spread fits: 160 buckets keep 8 per doubling (each bucket's
/// geometric middle within 4.4 % of any duration in it) up to a spread of 2^20.
const MAX_BUCKETS: u32 = 160;

/// The in-process metrics reader the console collects at shutdown, shared with the meter
/// provider it is registered with.
#[derive(Debug, Clone)]
pub(crate) struct SummaryReader(Arc<ManualReader>);

impl SummaryReader {
    pub(crate) fn new() -> Self {
        // Cumulative: one collection at shutdown sees everything since `init`.
        SummaryReader(Arc::new(
            ManualReader::builder()
                .with_temporality(Temporality::Cumulative)
                .build(),
        ))
    }

    /// What the in-process meter provider keeps: the duration as a base-2 exponential
    /// histogram (the conventions' coarse buckets would blur p50/p95 of short calls), tokens and
    /// calls as recorded, and nothing of what the table does not show.
    pub(crate) fn view(instrument: &Instrument) -> Option<Stream> {
        let aggregation = match instrument.name() {
            OPERATION_DURATION => Aggregation::Base2ExponentialHistogram {
                max_size: MAX_BUCKETS,
                max_scale: 20,
                record_min_max: true,
            },
            ENTITY_DURATION | TIME_TO_FIRST_CHUNK => Aggregation::Drop,
            _ => return None,
        };
        Stream::builder().with_aggregation(aggregation).build().ok()
    }

    /// The table's data, or `None` once the reader is shut down.
    pub(crate) fn summary(&self) -> Option<Summary> {
        let mut metrics = ResourceMetrics::default();
        self.0.collect(&mut metrics).ok()?;
        Some(Summary::from_metrics(&metrics))
    }
}

impl MetricReader for SummaryReader {
    fn register_pipeline(&self, pipeline: Weak<Pipeline>) {
        self.0.register_pipeline(pipeline);
    }

    fn collect(&self, rm: &mut ResourceMetrics) -> OTelSdkResult {
        self.0.collect(rm)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn temporality(&self, kind: InstrumentKind) -> Temporality {
        self.0.temporality(kind)
    }
}

#[derive(Default, Debug)]
pub(crate) struct Summary {
    models: BTreeMap<String, ModelTally>,
}

#[derive(Default, Debug)]
struct ModelTally {
    calls: u64,
    tokens_in: u64,
    tokens_out: u64,
    errors: u64,
    durations: Durations,
}

/// The duration histograms of one model's series, merged at the coarsest scale among them.
#[derive(Default, Debug)]
struct Durations {
    scale: i8,
    /// Bucket index at `scale` → count; bucket `i` holds durations in (2^(i·2^-scale),
    /// 2^((i+1)·2^-scale)] seconds.
    buckets: BTreeMap<i32, u64>,
    zero: u64,
    count: u64,
    min: f64,
    max: f64,
}

impl Durations {
    fn add(&mut self, point: &ExponentialHistogramDataPoint<f64>) {
        if point.count() == 0 {
            return;
        }
        let scale = point.scale();
        if self.count == 0 {
            self.scale = scale;
            self.min = f64::INFINITY;
            self.max = f64::NEG_INFINITY;
        } else if scale < self.scale {
            // Coarser: every kept bucket folds into its parent at the new scale.
            let shift = self.scale - scale;
            let old = std::mem::take(&mut self.buckets);
            for (index, count) in old {
                *self.buckets.entry(index >> shift).or_default() += count;
            }
            self.scale = scale;
        }
        let shift = scale - self.scale;
        let bucket = point.positive_bucket();
        for (i, count) in bucket.counts().enumerate() {
            if count > 0 {
                let index = bucket.offset() + i as i32;
                *self.buckets.entry(index >> shift).or_default() += count;
            }
        }
        self.zero += point.zero_count();
        self.count += point.count() as u64;
        self.min = self.min.min(point.min().unwrap_or(f64::INFINITY));
        self.max = self.max.max(point.max().unwrap_or(f64::NEG_INFINITY));
    }

    /// Nearest-rank percentile: the geometric middle of the bucket holding that rank, kept
    /// within the fastest and slowest duration seen.
    fn percentile(&self, p: u64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (p * self.count).div_ceil(100).max(1);
        if rank <= self.zero {
            return Some(0.0);
        }
        let mut seen = self.zero;
        let width = (-f64::from(self.scale)).exp2();
        for (&index, &count) in &self.buckets {
            seen += count;
            if seen >= rank {
                let middle = ((f64::from(index) + 0.5) * width).exp2();
                return Some(middle.clamp(self.min.min(self.max), self.max));
            }
        }
        Some(self.max)
    }
}

impl Summary {
    /// Per model (the response model, else the request model): calls and errors from the call
    /// counter, tokens from `gen_ai.client.token.usage`, durations from
    /// `gen_ai.client.operation.duration`.
    pub(crate) fn from_metrics(metrics: &ResourceMetrics) -> Self {
        let mut summary = Summary::default();
        for scope in metrics.scope_metrics() {
            for metric in scope.metrics() {
                match (metric.name(), metric.data()) {
                    (LLM_CALLS, AggregatedMetrics::U64(MetricData::Sum(sum))) => {
                        for point in sum.data_points() {
                            let tally = summary.tally(point.attributes());
                            tally.calls += point.value();
                            if has(point.attributes(), insightfinder::ERROR_TYPE) {
                                tally.errors += point.value();
                            }
                        }
                    }
                    (TOKEN_USAGE, AggregatedMetrics::U64(MetricData::Histogram(histogram))) => {
                        for point in histogram.data_points() {
                            let input = point.attributes().any(|kv| {
                                kv.key.as_str() == gen_ai::TOKEN_TYPE
                                    && kv.value.as_str() == "input"
                            });
                            let tally = summary.tally(point.attributes());
                            if input {
                                tally.tokens_in += point.sum();
                            } else {
                                tally.tokens_out += point.sum();
                            }
                        }
                    }
                    (
                        OPERATION_DURATION,
                        AggregatedMetrics::F64(MetricData::ExponentialHistogram(histogram)),
                    ) => {
                        for point in histogram.data_points() {
                            summary.tally(point.attributes()).durations.add(point);
                        }
                    }
                    _ => {}
                }
            }
        }
        summary
    }

    fn tally<'a>(&mut self, attributes: impl Iterator<Item = &'a KeyValue>) -> &mut ModelTally {
        let attributes: Vec<&KeyValue> = attributes.collect();
        let find = |key: &str| {
            attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| &kv.value)
        };
        let model = match (find(gen_ai::RESPONSE_MODEL), find(gen_ai::REQUEST_MODEL)) {
            (Some(model), _) | (None, Some(model)) => model.as_str().into_owned(),
            // Past the cardinality limit, the recorder's overflow set.
            _ if find("otel.metric.overflow") == Some(&Value::Bool(true)) => "(other)".to_owned(),
            _ => "(unknown)".to_owned(),
        };
        self.models.entry(model).or_default()
    }

    /// The table, or nothing when no LLM call was recorded. `-`: no call of that model had a
    /// duration.
    pub(crate) fn render(&self, out: &mut String) {
        if self.models.is_empty() {
            return;
        }
        let width = self
            .models
            .keys()
            .map(|m| m.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let _ = writeln!(
            out,
            "{:<width$}  {:>6}  {:>10}  {:>10}  {:>6}  {:>8}  {:>8}",
            "model", "calls", "tokens in", "tokens out", "errors", "p50", "p95"
        );
        for (model, tally) in &self.models {
            let quantile = |p| {
                tally
                    .durations
                    .percentile(p)
                    .map_or_else(|| "-".to_owned(), seconds_text)
            };
            let _ = writeln!(
                out,
                "{model:<width$}  {:>6}  {:>10}  {:>10}  {:>6}  {:>8}  {:>8}",
                tally.calls,
                tally.tokens_in,
                tally.tokens_out,
                tally.errors,
                quantile(50),
                quantile(95),
            );
        }
    }
}

fn has<'a>(mut attributes: impl Iterator<Item = &'a KeyValue>, key: &str) -> bool {
    attributes.any(|kv| kv.key.as_str() == key)
}
