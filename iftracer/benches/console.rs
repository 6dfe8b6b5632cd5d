//! Cost of the console exporter per span, in the default `compact` format: a batch of traces
//! shaped like the quickstart's (a workflow and two LLM tasks with prompt, response, model and
//! tokens) rendered to a sink. The exporter runs on the batch path, off the application's
//! thread; this keeps its per-span cost in view.
//!
//! `cargo bench -p iftracer --bench console -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iftracer::ConsoleExporter;
use iftracer::opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use iftracer::opentelemetry::{InstrumentationScope, KeyValue};
use iftracer::opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanExporter, SpanLinks};

/// Traces per batch; three spans each.
const TRACES: u64 = 170;

fn span(trace: u64, id: u64, parent: u64, name: &str, llm: bool) -> SpanData {
    let start = SystemTime::UNIX_EPOCH + Duration::from_micros(id);
    let mut attributes = vec![
        KeyValue::new("iftracer.span.kind", if llm { "task" } else { "workflow" }),
        KeyValue::new("iftracer.workflow.name", "research"),
    ];
    if llm {
        attributes.extend([
            KeyValue::new("chat.prompt", "What is OTLP and why would an agent use it?"),
            KeyValue::new(
                "chat.response",
                "A short answer to: What is OTLP? ".repeat(4),
            ),
            KeyValue::new("chat.model", "gpt-4o"),
            KeyValue::new("gen_ai.usage.input_tokens", 12),
            KeyValue::new("gen_ai.usage.output_tokens", 9),
        ]);
    }
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(u128::from(trace) + 1),
            SpanId::from(id),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id: SpanId::from(parent),
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: name.to_owned().into(),
        start_time: start,
        end_time: start + Duration::from_micros(250),
        attributes,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status: Status::Unset,
        instrumentation_scope: InstrumentationScope::builder("bench").build(),
    }
}

/// Children end before their root, as they do.
fn batch() -> Vec<SpanData> {
    let mut spans = Vec::new();
    for t in 0..TRACES {
        let root = t * 3 + 1;
        spans.push(span(t, root + 1, root, "ask_llm.task", true));
        spans.push(span(t, root + 2, root, "ask_llm.task", true));
        spans.push(span(t, root, 0, "research.workflow", false));
    }
    spans
}

fn console(c: &mut Criterion) {
    let exporter = ConsoleExporter::with_writer(std::io::sink());
    let spans = batch();
    let mut group = c.benchmark_group("console");
    group.throughput(Throughput::Elements(spans.len() as u64));
    group.bench_function("compact_batch_of_510_spans", |b| {
        b.iter_batched(
            || spans.clone(),
            |batch| {
                // The export future is ready at once: one poll completes it.
                let mut cx = Context::from_waker(Waker::noop());
                let poll = pin!(exporter.export(black_box(batch))).poll(&mut cx);
                assert!(matches!(poll, Poll::Ready(Ok(()))));
            },
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, console);
criterion_main!(benches);
