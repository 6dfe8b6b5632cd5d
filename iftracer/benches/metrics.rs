//! What the GenAI metrics cost per LLM call, in one run:
//!
//! - `caller`: `LlmCall::record_on_current()` (no current span, so the span part is a no-op) for
//!   a call with tokens, duration and five string attributes, with metrics off and on. The
//!   difference is what recording adds on the application's thread.
//! - `collection`: handing those measurements to the SDK histograms, which the reader's thread
//!   does at each collection (or a caller, when 4,096 measurements wait).
//! - `…_terminal`: the same without an endpoint, where the metrics feed the console's summary
//!   (an exponential duration histogram and a call counter, kept in the process).
//!
//! `cargo bench -p iftracer --bench metrics -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use iftracer::llm::LlmCall;

/// Below the buffer's 4,096, so no caller hands measurements over while timed.
const CHUNK: u64 = 2_000;

fn call() -> LlmCall {
    LlmCall::chat("gpt-4o-mini")
        .provider("openai")
        .response_model("gpt-4o-mini-2024-07-18")
        .server("api.openai.com", 443)
        .usage(812, 164)
        .duration(Duration::from_millis(930))
}

/// Terminal mode: no endpoint, the metrics kept in the process for the console's summary
/// (`json`, so no table is printed at shutdown).
fn init_terminal() -> iftracer::TracerGuard {
    iftracer::Iftracer::builder()
        .ignore_env()
        .console_format(iftracer::ConsoleFormat::Json)
        .init()
        .expect("init")
}

fn init(metrics: bool) -> iftracer::TracerGuard {
    iftracer::Iftracer::builder()
        .ignore_env()
        // Nothing listens there; the interval is long enough that no collection runs while
        // measuring, and shutdown gives up at once.
        .endpoint("http://127.0.0.1:9")
        .metrics(metrics)
        .metric_export_interval(Duration::from_secs(3600))
        .shutdown_timeout(Duration::from_millis(10))
        .init()
        .expect("init")
}

/// Times `iters` recordings in chunks, handing the measurements over between chunks, untimed.
fn time_calls(call: &LlmCall, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        let start = Instant::now();
        for _ in 0..n {
            black_box(call).record_on_current();
        }
        total += start.elapsed();
        iftracer::__bench::drain_metrics();
        left -= n;
    }
    total
}

fn record(c: &mut Criterion) {
    let call = call();
    let mut group = c.benchmark_group("metrics");
    for (name, metrics) in [("caller_metrics_off", false), ("caller_metrics_on", true)] {
        let guard = init(metrics);
        group.bench_function(name, |b| b.iter_custom(|iters| time_calls(&call, iters)));
        drop(guard);
    }
    let guard = init_terminal();
    group.bench_function("caller_terminal", |b| {
        b.iter_custom(|iters| time_calls(&call, iters))
    });
    group.bench_function("collection_per_call_terminal", |b| {
        b.iter_custom(|iters| time_collections(&call, iters))
    });
    drop(guard);
    let guard = init(true);
    group.bench_function("collection_per_call", |b| {
        b.iter_custom(|iters| time_collections(&call, iters))
    });
    drop(guard);
    group.finish();
}

/// Times handing `iters` recordings to the SDK, in chunks recorded untimed.
fn time_collections(call: &LlmCall, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        for _ in 0..n {
            black_box(call).record_on_current();
        }
        let start = Instant::now();
        iftracer::__bench::drain_metrics();
        total += start.elapsed();
        left -= n;
    }
    total
}

criterion_group!(benches, record);
criterion_main!(benches);
