//! What ending a span costs the application's thread: the SDK's span, iftracer's accounting
//! (the counters behind `stats()`) and the hand-off to the batch queue, with an exporter that
//! discards, on one thread and on two threads at once (the accounting's shared lock).
//!
//! `cargo bench -p iftracer --bench spans -- --warm-up-time 1 --measurement-time 3`

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
use iftracer::opentelemetry_sdk::error::OTelSdkResult;
use iftracer::opentelemetry_sdk::trace::{SdkTracer, SpanData, SpanExporter};

/// Accepts every batch and keeps nothing, so the queue never fills.
#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        Ok(())
    }
}

/// Ends `iters` spans on each of `threads` threads at once; the mean time per span end.
fn end_spans(tracer: &SdkTracer, threads: u64, iters: u64) -> Duration {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..iters {
                    tracer.in_span("step", |_| {});
                }
            });
        }
    });
    start.elapsed()
}

fn spans(c: &mut Criterion) {
    let guard = iftracer::Iftracer::builder()
        .ignore_env()
        .global(false)
        .exporter(Discard)
        .max_queue_size(65_536)
        .init()
        .expect("init");
    let tracer = guard.provider().expect("enabled").tracer("bench");
    let mut group = c.benchmark_group("span end");
    for threads in [1, 2] {
        group.bench_function(format!("{threads} thread(s)"), |b| {
            b.iter_custom(|iters| end_spans(&tracer, threads, iters))
        });
    }
    group.finish();
    let stats = guard.stats();
    assert_eq!(stats.spans_failed, 0, "{stats:?}");
}

criterion_group!(benches, spans);
criterion_main!(benches);
