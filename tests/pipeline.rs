//! The pipeline with user-supplied parts: the SDK's in-memory exporter, an extra span processor,
//! samplers, the simple export mode, and the queue bound.

use std::time::Duration;

use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor};
use iftracer::{ExportMode, Iftracer, IftracerBuilder, Sampler};

fn builder() -> IftracerBuilder {
    Iftracer::builder()
        .ignore_env()
        .global(false)
        .service_name("pipeline-test")
}

#[test]
fn the_in_memory_exporter_receives_spans_with_the_resource() {
    let exporter = InMemorySpanExporter::default();
    let guard = builder()
        .exporter(exporter.clone())
        .export_mode(ExportMode::Simple)
        .init()
        .unwrap();
    let tracer = guard.provider().unwrap().tracer("pipeline");
    tracer.in_span("parent", |_| tracer.in_span("child", |_| {}));
    let spans = exporter.get_finished_spans().unwrap();
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(
        names,
        ["child", "parent"],
        "simple mode exports as spans end"
    );
    assert_eq!(spans[0].parent_span_id, spans[1].span_context.span_id());
    let stats = guard.stats();
    assert_eq!((stats.spans_ended, stats.spans_exported), (2, 2));
    guard.shutdown().unwrap();
}

#[test]
fn an_extra_span_processor_sees_spans_beside_the_exporter() {
    let main = InMemorySpanExporter::default();
    let copy = InMemorySpanExporter::default();
    let guard = builder()
        .exporter(main.clone())
        .span_processor(SimpleSpanProcessor::new(copy.clone()))
        .init()
        .unwrap();
    guard
        .provider()
        .unwrap()
        .tracer("pipeline")
        .in_span("both", |_| {});
    // Read before shutdown: the SDK's in-memory exporter clears itself when shut down.
    guard.force_flush().unwrap();
    assert_eq!(main.get_finished_spans().unwrap().len(), 1);
    assert_eq!(copy.get_finished_spans().unwrap().len(), 1);
    guard.shutdown().unwrap();
}

#[test]
fn samplers_decide_what_is_exported() {
    for (sampler, expected) in [
        (Sampler::AlwaysOn, 10),
        (Sampler::AlwaysOff, 0),
        (Sampler::TraceIdRatio(0.0), 0),
        (Sampler::ParentBasedAlwaysOff, 0),
        (Sampler::ParentBasedTraceIdRatio(1.0), 10),
    ] {
        let exporter = InMemorySpanExporter::default();
        let guard = builder()
            .exporter(exporter.clone())
            .sampler(sampler)
            .init()
            .unwrap();
        let tracer = guard.provider().unwrap().tracer("pipeline");
        for _ in 0..10 {
            tracer.in_span("sampled?", |_| {});
        }
        guard.force_flush().unwrap();
        assert_eq!(
            exporter.get_finished_spans().unwrap().len(),
            expected,
            "{sampler:?}"
        );
        assert_eq!(guard.stats().spans_ended, expected as u64, "{sampler:?}");
        guard.shutdown().unwrap();
    }
}

/// Whether a span started under a remote parent (`trace_id`, sampled or not) is exported.
fn exported_under_remote_parent(sampler: Sampler, trace_id: u128, parent_sampled: bool) -> bool {
    use iftracer::opentelemetry::Context;
    use iftracer::opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    let exporter = InMemorySpanExporter::default();
    let guard = builder()
        .exporter(exporter.clone())
        .sampler(sampler)
        .init()
        .unwrap();
    let flags = if parent_sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    let parent = SpanContext::new(
        TraceId::from(trace_id),
        SpanId::from(7),
        flags,
        true,
        TraceState::default(),
    );
    let cx = Context::new().with_remote_span_context(parent);
    let tracer = guard.provider().unwrap().tracer("pipeline");
    drop(tracer.start_with_context("child", &cx));
    guard.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();
    assert_eq!(guard.stats().spans_ended, spans.len() as u64, "{sampler:?}");
    guard.shutdown().unwrap();
    !spans.is_empty()
}

#[test]
fn parent_based_samplers_follow_the_parent_and_ratios_split_by_trace_id() {
    // The ratio sampler compares the trace id's low 63 bits with ratio * 2^63 (the
    // OpenTelemetry SDK's rule): low bits 0 are under any ratio > 0, all ones over any < 1.
    let (low, high) = (0x1234_0000_0000_0000_0000_0000_0000_0000, u128::MAX);
    for (sampler, trace_id, parent_sampled, expected) in [
        // Parent-based: the remote parent's decision wins over the root rule.
        (Sampler::ParentBasedAlwaysOff, high, true, true),
        (Sampler::ParentBasedAlwaysOn, low, false, false),
        (Sampler::ParentBasedTraceIdRatio(0.0), high, true, true),
        (Sampler::ParentBasedTraceIdRatio(1.0), low, false, false),
        // Not parent-based: the trace id decides, whatever the parent says.
        (Sampler::TraceIdRatio(0.5), low, false, true),
        (Sampler::TraceIdRatio(0.5), high, true, false),
        (Sampler::AlwaysOff, low, true, false),
    ] {
        assert_eq!(
            exported_under_remote_parent(sampler, trace_id, parent_sampled),
            expected,
            "{sampler:?}, trace id {trace_id:032x}, parent sampled: {parent_sampled}"
        );
    }
}

#[test]
fn spans_beyond_the_queue_bound_are_dropped_and_counted() {
    // A receiver that accepts connections and never answers keeps the queue full.
    let hanging = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let guard = builder()
        .endpoint(format!("http://{}", hanging.local_addr().unwrap()))
        .max_queue_size(4)
        .max_export_batch_size(2)
        .scheduled_delay(Duration::from_millis(10))
        .export_timeout(Duration::from_secs(30))
        .shutdown_timeout(Duration::from_millis(200))
        .init()
        .unwrap();
    let tracer = guard.provider().unwrap().tracer("pipeline");
    for _ in 0..10 {
        tracer.in_span("burst", |_| {});
    }
    let stats = guard.stats();
    assert_eq!(stats.spans_ended, 10);
    assert_eq!(stats.spans_queued, 4, "{stats:?}");
    assert_eq!(stats.spans_dropped, 6, "{stats:?}");
    let _ = guard.shutdown();
    let stats = guard.stats();
    assert_eq!(
        stats.spans_ended,
        stats.spans_exported + stats.spans_dropped + stats.spans_failed,
        "{stats:?}"
    );
    assert_eq!(stats.spans_queued, 0);
}

#[test]
fn tracing_switched_off_builds_nothing() {
    let exporter = InMemorySpanExporter::default();
    let guard = builder()
        .enabled(false)
        .exporter(exporter.clone())
        .init()
        .unwrap();
    assert!(!guard.is_enabled());
    assert!(guard.provider().is_none());
    assert_eq!(guard.stats(), iftracer::Stats::default());
    guard.shutdown().unwrap();
}
