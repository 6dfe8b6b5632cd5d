//! What the GenAI metrics cost per LLM call: `LlmCall::record_on_current()` (no current span,
//! so the span part is a no-op) for a call with tokens, duration and error-free attributes,
//! with metrics on and off, in one run. The difference is the recording cost README reports.
//!
//! `cargo bench -p iftracer --bench metrics -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use iftracer::llm::LlmCall;

fn call() -> LlmCall {
    LlmCall::chat("gpt-4o-mini")
        .provider("openai")
        .response_model("gpt-4o-mini-2024-07-18")
        .server("api.openai.com", 443)
        .usage(812, 164)
        .duration(Duration::from_millis(930))
}

fn init(metrics: bool) -> iftracer::TracerGuard {
    iftracer::Iftracer::builder()
        .ignore_env()
        // Nothing listens there; the interval is long enough that no export runs while
        // measuring, and shutdown gives up at once.
        .endpoint("http://127.0.0.1:9")
        .metrics(metrics)
        .metric_export_interval(Duration::from_secs(3600))
        .shutdown_timeout(Duration::from_millis(10))
        .init()
        .expect("init")
}

fn record(c: &mut Criterion) {
    let call = call();
    let mut group = c.benchmark_group("llm_call_record_on_current");
    for (name, metrics) in [("metrics_off", false), ("metrics_on", true)] {
        let guard = init(metrics);
        group.bench_function(name, |b| b.iter(|| black_box(&call).record_on_current()));
        drop(guard);
    }
    group.finish();
}

criterion_group!(benches, record);
criterion_main!(benches);
