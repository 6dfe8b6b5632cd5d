//! What `#[task]` costs: against the bare function, a hand-written OpenTelemetry span carrying
//! the same attributes, and `#[tracing::instrument]` through tracing-opentelemetry, sync and
//! async, with tracing on and off. Tracing on, every variant records into the same SDK provider:
//! first one whose processor discards spans (instrumentation cost alone), then one with the
//! SDK's batch processor and an exporter that drops each batch (plus the hand-off to the export
//! thread). `#[task]` and its hand-written twin run next to each other in each group.
//!
//! The first group measures the ratio the target is set on (`#[task]` ≤ 1.05× the hand-written
//! span) directly: each sample times both paths in alternating blocks, so a change of load on a
//! shared machine between two benchmarks cannot show as a difference between them.
//!
//! `cargo bench -p iftracer-macros --bench overhead`

use std::hint::black_box;
use std::time::Instant;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

/// `#[task]`'s time over its hand-written twin's, each sample timing both in alternating blocks.
fn ratios(c: &mut Criterion<Ratio>) {
    let mut group = c.benchmark_group("#[task] / hand-written span");
    for processing in [Processing::Discarding, Processing::Batch] {
        let provider = processing.install();
        let tracer = global::tracer("bench");
        group.bench_function(format!("{}/sync", processing.label()), |b| {
            b.iter_custom(|iters| {
                interleaved(
                    iters,
                    || hand_written(&tracer, black_box(7)),
                    || with_task(black_box(7)),
                )
            })
        });
        group.bench_function(format!("{}/async", processing.label()), |b| {
            b.iter_custom(|iters| {
                interleaved(
                    iters,
                    || futures_executor::block_on(hand_written_async(&tracer, black_box(7))),
                    || futures_executor::block_on(with_task_async(black_box(7))),
                )
            })
        });
        provider.shutdown().expect("the provider shuts down");
    }
    group.finish();
}

/// `iters` calls of each, in blocks that alternate which goes first. The value is `iters` times
/// the median of the blocks' ratios, so criterion's per-iteration estimate is the ratio, and a
/// block that lost the processor to another program (two cores, shared) moves it little.
fn interleaved(iters: u64, mut hand: impl FnMut() -> u64, mut task: impl FnMut() -> u64) -> f64 {
    const BLOCK: u64 = 64;
    let time = |f: &mut dyn FnMut() -> u64, n: u64| {
        let started = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        started.elapsed().as_secs_f64()
    };
    let mut ratios = Vec::with_capacity(iters.div_ceil(BLOCK) as usize);
    let mut left = iters;
    while left > 0 {
        let n = left.min(BLOCK);
        let (hand_time, task_time) = if ratios.len() % 2 == 0 {
            let hand_time = time(&mut hand, n);
            (hand_time, time(&mut task, n))
        } else {
            let task_time = time(&mut task, n);
            (time(&mut hand, n), task_time)
        };
        ratios.push(task_time / hand_time);
        left -= n;
    }
    ratios.sort_by(f64::total_cmp);
    iters as f64 * ratios[ratios.len() / 2]
}

/// A measurement whose value is a ratio (only through `iter_custom`; criterion plans the
/// iteration counts by wall time).
struct Ratio;

impl Measurement for Ratio {
    type Intermediate = ();
    type Value = f64;

    fn start(&self) {}
    fn end(&self, _: ()) -> f64 {
        unreachable!("ratios are measured with iter_custom")
    }
    fn add(&self, a: &f64, b: &f64) -> f64 {
        a + b
    }
    fn zero(&self) -> f64 {
        0.0
    }
    fn to_f64(&self, value: &f64) -> f64 {
        *value
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Ratio
    }
}

impl ValueFormatter for Ratio {
    fn scale_values(&self, _: f64, _: &mut [f64]) -> &'static str {
        "×"
    }
    fn scale_throughputs(&self, _: f64, _: &Throughput, _: &mut [f64]) -> &'static str {
        "×"
    }
    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ratio"
    }
}

criterion_group! {
    name = ratio;
    config = Criterion::default().with_measurement(Ratio);
    targets = ratios
}
criterion_group!(overhead, benches);
criterion_main!(ratio, overhead);
