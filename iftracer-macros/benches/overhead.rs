//! What `#[task]` costs: against the bare function, a hand-written OpenTelemetry span carrying
//! the same attributes, and `#[tracing::instrument]` through tracing-opentelemetry, sync and
//! async, with tracing on and off. Tracing on, every variant records into the same SDK provider:
//! first one whose processor discards spans (instrumentation cost alone), then one with the
//! SDK's batch processor and an exporter that drops each batch (plus the hand-off to the export
//! thread). `#[task]` and its hand-written twin run next to each other in each group.
//!
//! `cargo bench -p iftracer-macros --bench overhead`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iftracer::opentelemetry::global;
use iftracer::opentelemetry::trace::TracerProvider;
use tracing_subscriber::layer::SubscriberExt;

mod paths;

use paths::*;

fn benches(c: &mut Criterion) {
    let provider = Processing::Discarding.install();
    // Fetched once, as hand-written instrumentation keeps its tracer.
    let tracer = global::tracer("bench");
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("tracing")));
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber");

    let mut on = c.benchmark_group("tracing on, discarding processor");
    on.bench_function("sync/bare", |b| b.iter(|| bare(black_box(7))));
    on.bench_function("sync/hand-written span", |b| {
        b.iter(|| hand_written(&tracer, black_box(7)))
    });
    on.bench_function("sync/#[task]", |b| b.iter(|| with_task(black_box(7))));
    on.bench_function("sync/#[task], u64 output captured", |b| {
        b.iter(|| with_output(black_box(7)))
    });
    on.bench_function("sync/#[instrument] + tracing-opentelemetry", |b| {
        b.iter(|| with_instrument(black_box(7)))
    });
    on.bench_function("async/bare", |b| {
        b.iter(|| futures_executor::block_on(bare_async(black_box(7))))
    });
    on.bench_function("async/hand-written span", |b| {
        b.iter(|| futures_executor::block_on(hand_written_async(&tracer, black_box(7))))
    });
    on.bench_function("async/#[task]", |b| {
        b.iter(|| futures_executor::block_on(with_task_async(black_box(7))))
    });
    on.bench_function("async/#[task], u64 output captured", |b| {
        b.iter(|| futures_executor::block_on(with_output_async(black_box(7))))
    });
    on.bench_function("async/#[instrument] + tracing-opentelemetry", |b| {
        b.iter(|| futures_executor::block_on(with_instrument_async(black_box(7))))
    });
    on.finish();

    let batch = Processing::Batch.install();
    let tracer = global::tracer("bench");
    let mut on = c.benchmark_group("tracing on, batch processor");
    on.bench_function("sync/hand-written span", |b| {
        b.iter(|| hand_written(&tracer, black_box(7)))
    });
    on.bench_function("sync/#[task]", |b| b.iter(|| with_task(black_box(7))));
    on.bench_function("async/hand-written span", |b| {
        b.iter(|| futures_executor::block_on(hand_written_async(&tracer, black_box(7))))
    });
    on.bench_function("async/#[task]", |b| {
        b.iter(|| futures_executor::block_on(with_task_async(black_box(7))))
    });
    on.finish();
    batch.shutdown().expect("the batch processor shuts down");

    // `.enabled(false)` flips the process-wide switch the macros check.
    let off = iftracer::Iftracer::builder()
        .ignore_env()
        .enabled(false)
        .init()
        .unwrap();
    let mut group = c.benchmark_group("tracing off");
    group.bench_function("sync/bare", |b| b.iter(|| bare(black_box(7))));
    group.bench_function("sync/hand-written span", |b| {
        b.iter(|| hand_written(&tracer, black_box(7)))
    });
    group.bench_function("sync/#[task]", |b| b.iter(|| with_task(black_box(7))));
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
