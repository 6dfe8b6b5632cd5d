//! The instrumented paths the overhead benches compare, and the two SDK providers they record
//! into: one whose processor discards spans (instrumentation cost alone) and one with the
//! SDK's batch processor and an exporter that drops each batch (what an application runs,
//! with the hand-off to the export thread, but no export cost).

// Each bench uses the paths it compares.
#![allow(dead_code)]

use std::hint::black_box;
use std::time::Duration;

use iftracer::AssociationsExt;
use iftracer::opentelemetry::context::FutureExt;
use iftracer::opentelemetry::trace::{SpanBuilder, TraceContextExt, Tracer};
use iftracer::opentelemetry::{Context, KeyValue, global};
use iftracer::opentelemetry_sdk::error::OTelSdkResult;
use iftracer::opentelemetry_sdk::trace::{
    BatchSpanProcessor, SdkTracerProvider, Span, SpanData, SpanExporter, SpanProcessor,
};

/// Keeps nothing: the benchmark measures the instrumentation, not an exporter.
#[derive(Debug)]
pub struct Discard;

impl SpanProcessor for Discard {
    fn on_start(&self, _: &mut Span, _: &Context) {}
    fn on_end(&self, span: SpanData) {
        black_box(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// Drops each batch: the batch processor's export thread does no export work.
#[derive(Debug)]
pub struct DropBatches;

impl SpanExporter for DropBatches {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        black_box(batch);
        Ok(())
    }
}

/// The processor a provider of the benches uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processing {
    /// [`Discard`].
    Discarding,
    /// The SDK's `BatchSpanProcessor` (its defaults) with [`DropBatches`].
    Batch,
}

impl Processing {
    pub fn label(self) -> &'static str {
        match self {
            Processing::Discarding => "discarding processor",
            Processing::Batch => "batch processor",
        }
    }

    /// Makes a provider with this processor OpenTelemetry's global one, and has the macros
    /// (which cache the global tracer per thread) pick it up.
    pub fn install(self) -> SdkTracerProvider {
        let builder = SdkTracerProvider::builder();
        let provider = match self {
            Processing::Discarding => builder.with_span_processor(Discard).build(),
            Processing::Batch => builder
                .with_span_processor(BatchSpanProcessor::builder(DropBatches).build())
                .build(),
        };
        global::set_tracer_provider(provider.clone());
        iftracer::refresh_global_tracer();
        provider
    }
}

pub fn work(n: u64) -> u64 {
    black_box(n).wrapping_mul(31).rotate_left(7)
}

pub fn bare(n: u64) -> u64 {
    work(n)
}

#[iftracer::task(skip_all, skip_output)]
pub fn with_task(n: u64) -> u64 {
    work(n)
}

/// The same with its `u64` result captured as `iftracer.entity.output` (content capture is on
/// by default): the cost of capturing a scalar result is the difference to `with_task`.
#[iftracer::task(skip_all)]
pub fn with_output(n: u64) -> u64 {
    work(n)
}

/// What `#[task]` does, written by hand against the global provider (as `#[task]` must, so it
/// works with an app's own OpenTelemetry setup): same name, attributes and context.
pub fn hand_written(tracer: &global::BoxedTracer, n: u64) -> u64 {
    if !iftracer::is_enabled() {
        return work(n);
    }
    let parent = Context::current();
    let span = tracer.build_with_context(
        SpanBuilder::from_name("with_task.task").with_attributes([
            KeyValue::new("iftracer.span.kind", "task"),
            KeyValue::new("iftracer.entity.name", "with_task"),
        ]),
        &parent,
    );
    let cx = parent.with_span(span).with_entity_path("with_task");
    let _attached = cx.clone().attach();
    let result = work(n);
    cx.span().end();
    result
}

/// `hand_written` that also records the result as `#[task]` does (its JSON text, an integer's
/// digits): the twin of `with_output`.
pub fn hand_written_output(tracer: &global::BoxedTracer, n: u64) -> u64 {
    if !iftracer::is_enabled() {
        return work(n);
    }
    let parent = Context::current();
    let span = tracer.build_with_context(
        SpanBuilder::from_name("with_output.task").with_attributes([
            KeyValue::new("iftracer.span.kind", "task"),
            KeyValue::new("iftracer.entity.name", "with_output"),
        ]),
        &parent,
    );
    let cx = parent.with_span(span).with_entity_path("with_output");
    let _attached = cx.clone().attach();
    let result = work(n);
    cx.span()
        .set_attribute(KeyValue::new("iftracer.entity.output", result.to_string()));
    cx.span().end();
    result
}

#[tracing::instrument(skip_all, fields(iftracer.span.kind = "task", iftracer.entity.name = "with_task"))]
pub fn with_instrument(n: u64) -> u64 {
    work(n)
}

#[iftracer::task(skip_all, skip_output)]
pub async fn with_task_async(n: u64) -> u64 {
    work(n)
}

pub async fn bare_async(n: u64) -> u64 {
    work(n)
}

/// The async twin of [`hand_written`]: the context rides on the future.
pub async fn hand_written_async(tracer: &global::BoxedTracer, n: u64) -> u64 {
    if !iftracer::is_enabled() {
        return bare_async(n).await;
    }
    let parent = Context::current();
    let span = tracer.build_with_context(
        SpanBuilder::from_name("with_task_async.task").with_attributes([
            KeyValue::new("iftracer.span.kind", "task"),
            KeyValue::new("iftracer.entity.name", "with_task_async"),
        ]),
        &parent,
    );
    let cx = parent.with_span(span).with_entity_path("with_task_async");
    let result = bare_async(n).with_context(cx.clone()).await;
    cx.span().end();
    result
}

#[iftracer::task(skip_all)]
pub async fn with_output_async(n: u64) -> u64 {
    work(n)
}

#[tracing::instrument(skip_all, fields(iftracer.span.kind = "task", iftracer.entity.name = "with_task"))]
pub async fn with_instrument_async(n: u64) -> u64 {
    work(n)
}
