//! What `#[task]` costs: against the bare function, a hand-written OpenTelemetry span carrying
//! the same attributes, and `#[tracing::instrument]` through tracing-opentelemetry, sync and
//! async, with tracing on and off. Every variant records into the same SDK provider, whose one
//! processor discards spans, so the numbers are instrumentation cost, not export cost.
//!
//! `cargo bench -p iftracer-macros --bench overhead`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iftracer::AssociationsExt;
use iftracer::opentelemetry::context::FutureExt;
use iftracer::opentelemetry::trace::{SpanBuilder, TraceContextExt, Tracer, TracerProvider};
use iftracer::opentelemetry::{Context, KeyValue, global};
use iftracer::opentelemetry_sdk::error::OTelSdkResult;
use iftracer::opentelemetry_sdk::trace::{SdkTracerProvider, Span, SpanData, SpanProcessor};
use tracing_subscriber::layer::SubscriberExt;

/// Keeps nothing: the benchmark measures the instrumentation, not an exporter.
#[derive(Debug)]
struct Discard;

impl SpanProcessor for Discard {
    fn on_start(&self, _: &mut Span, _: &Context) {}
    fn on_end(&self, span: SpanData) {
        black_box(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn work(n: u64) -> u64 {
    black_box(n).wrapping_mul(31).rotate_left(7)
}

fn bare(n: u64) -> u64 {
    work(n)
}

#[iftracer::task(skip_all, skip_output)]
fn with_task(n: u64) -> u64 {
    work(n)
}

/// The same with its `u64` result captured as `iftracer.entity.output` (content capture is on
/// by default): the cost of capturing a scalar result is the difference to `with_task`.
#[iftracer::task(skip_all)]
fn with_output(n: u64) -> u64 {
    work(n)
}

/// What `#[task]` does, written by hand against the global provider (as `#[task]` must, so it
/// works with an app's own OpenTelemetry setup): same name, attributes and context.
fn hand_written(tracer: &global::BoxedTracer, n: u64) -> u64 {
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

#[tracing::instrument(skip_all, fields(iftracer.span.kind = "task", iftracer.entity.name = "with_task"))]
fn with_instrument(n: u64) -> u64 {
    work(n)
}

#[iftracer::task(skip_all, skip_output)]
async fn with_task_async(n: u64) -> u64 {
    work(n)
}

async fn bare_async(n: u64) -> u64 {
    work(n)
}

/// The async twin of [`hand_written`]: the context rides on the future.
async fn hand_written_async(tracer: &global::BoxedTracer, n: u64) -> u64 {
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
async fn with_output_async(n: u64) -> u64 {
    work(n)
}

#[tracing::instrument(skip_all, fields(iftracer.span.kind = "task", iftracer.entity.name = "with_task"))]
async fn with_instrument_async(n: u64) -> u64 {
    work(n)
}

fn benches(c: &mut Criterion) {
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Discard)
        .build();
    global::set_tracer_provider(provider.clone());
    // Fetched once, as hand-written instrumentation keeps its tracer.
    let tracer = global::tracer("bench");
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("tracing")));
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber");

    let mut on = c.benchmark_group("tracing on");
    on.bench_function("sync/bare", |b| b.iter(|| bare(black_box(7))));
    on.bench_function("sync/#[task]", |b| b.iter(|| with_task(black_box(7))));
    on.bench_function("sync/#[task], u64 output captured", |b| {
        b.iter(|| with_output(black_box(7)))
    });
    on.bench_function("sync/hand-written span", |b| {
        b.iter(|| hand_written(&tracer, black_box(7)))
    });
    on.bench_function("sync/#[instrument] + tracing-opentelemetry", |b| {
        b.iter(|| with_instrument(black_box(7)))
    });
    on.bench_function("async/bare", |b| {
        b.iter(|| futures_executor::block_on(bare_async(black_box(7))))
    });
    on.bench_function("async/#[task]", |b| {
        b.iter(|| futures_executor::block_on(with_task_async(black_box(7))))
    });
    on.bench_function("async/#[task], u64 output captured", |b| {
        b.iter(|| futures_executor::block_on(with_output_async(black_box(7))))
    });
    on.bench_function("async/hand-written span", |b| {
        b.iter(|| futures_executor::block_on(hand_written_async(&tracer, black_box(7))))
    });
    on.bench_function("async/#[instrument] + tracing-opentelemetry", |b| {
        b.iter(|| futures_executor::block_on(with_instrument_async(black_box(7))))
    });
    on.finish();

    // `.enabled(false)` flips the process-wide switch the macros check.
    let off = iftracer::Iftracer::builder()
        .ignore_env()
        .enabled(false)
        .init()
        .unwrap();
    let mut group = c.benchmark_group("tracing off");
    group.bench_function("sync/bare", |b| b.iter(|| bare(black_box(7))));
    group.bench_function("sync/#[task]", |b| b.iter(|| with_task(black_box(7))));
    group.bench_function("sync/hand-written span", |b| {
        b.iter(|| hand_written(&tracer, black_box(7)))
    });
    group.bench_function("async/bare", |b| {
        b.iter(|| futures_executor::block_on(bare_async(black_box(7))))
    });
    group.bench_function("async/hand-written span", |b| {
        b.iter(|| futures_executor::block_on(hand_written_async(&tracer, black_box(7))))
    });
    group.bench_function("async/#[task]", |b| {
        b.iter(|| futures_executor::block_on(with_task_async(black_box(7))))
    });
    group.finish();
    drop(off);
}

criterion_group!(overhead, benches);
criterion_main!(overhead);
