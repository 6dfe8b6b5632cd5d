//! With an InsightFinder destination, the spans of a trace wait for its local root and reach a
//! real gRPC receiver together, so the gateway (which processes a trace a fixed delay after its
//! first span) sees whole traces; bounded in time, exported at shutdown, and off on request.

use iftracer_test_support as support;

use std::time::{Duration, Instant};

use iftracer::opentelemetry::Context;
use iftracer::opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider};
use iftracer::{Iftracer, IftracerBuilder, TracerGuard};
use support::{Receiver, Reply};

/// An InsightFinder destination that exports a batch 50 ms after its first span.
fn insightfinder(receiver: &Receiver) -> IftracerBuilder {
    Iftracer::builder()
        .ignore_env()
        .global(false)
        .endpoint(receiver.endpoint())
        .user("u")
        .license_key("LK-1")
        .project("p")
        .system("s")
        .scheduled_delay(Duration::from_millis(50))
}

/// A workflow whose children end every `step` while it runs; returns when its root ended.
fn long_workflow(guard: &TracerGuard, children: usize, step: Duration) -> Instant {
    let tracer = guard.provider().unwrap().tracer("hold-test");
    tracer.in_span("workflow", |cx| {
        for _ in 0..children {
            std::thread::sleep(step);
            tracer.in_span_with_context("step", &cx, |_| {});
        }
    });
    Instant::now()
}

fn arrival_of_all(receiver: &Receiver, spans: usize) -> Vec<support::Received> {
    let received = receiver.wait_for_spans(spans);
    assert_eq!(
        received.iter().map(|r| r.span_count()).sum::<usize>(),
        spans
    );
    received
}

#[test]
fn a_long_workflow_arrives_as_one_request_after_its_root_ends() {
    let receiver = Receiver::grpc(Reply::Accept, None);
    let guard = insightfinder(&receiver).init().unwrap();
    let started = Instant::now();
    // Children end 300 ms apart, six batch delays each: without the hold they would arrive
    // in several requests while the root runs.
    let root_ended = long_workflow(&guard, 4, Duration::from_millis(300));
    let received = arrival_of_all(&receiver, 5);
    assert_eq!(received.len(), 1, "one request: {received:?}");
    assert!(
        received[0].at >= root_ended,
        "nothing arrived before the root ended"
    );
    assert!(root_ended - started >= Duration::from_millis(1200));
    let mut names = received[0].span_names();
    names.sort();
    assert_eq!(names, ["step", "step", "step", "step", "workflow"]);
    guard.shutdown().unwrap();
    let stats = guard.stats();
    assert_eq!((stats.spans_ended, stats.spans_exported), (5, 5));
    assert_eq!((stats.spans_held, stats.traces_released_early), (0, 0));
}

#[test]
fn a_trace_older_than_the_bound_is_exported_while_its_root_runs() {
    let receiver = Receiver::grpc(Reply::Accept, None);
    let guard = insightfinder(&receiver)
        .max_trace_hold(Duration::from_millis(300))
        .init()
        .unwrap();
    let tracer = guard.provider().unwrap().tracer("hold-test");
    let root = Context::current_with_span(tracer.start("workflow"));
    tracer.in_span_with_context("early step", &root, |_| {});
    let early = receiver.wait_for_spans(1);
    assert_eq!(early[0].span_names(), ["early step"]);
    assert_eq!(guard.stats().traces_released_early, 1);
    root.span().end();
    let received = arrival_of_all(&receiver, 2);
    assert_eq!(received[1].span_names(), ["workflow"]);
    guard.shutdown().unwrap();
}

#[test]
fn held_spans_are_exported_at_shutdown_and_the_books_balance() {
    let receiver = Receiver::grpc(Reply::Accept, None);
    let guard = insightfinder(&receiver).init().unwrap();
    let tracer = guard.provider().unwrap().tracer("hold-test");
    // The root never ends before the process shuts down.
    let root = Context::current_with_span(tracer.start("workflow"));
    for _ in 0..3 {
        tracer.in_span_with_context("step", &root, |_| {});
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(receiver.requests(), 0, "held while the root runs");
    assert_eq!(guard.stats().spans_held, 3);
    guard.shutdown().unwrap();
    let received = arrival_of_all(&receiver, 3);
    assert_eq!(received[0].span_names(), ["step", "step", "step"]);
    let stats = guard.stats();
    assert_eq!(stats.spans_ended, 3);
    assert_eq!(stats.spans_exported, 3);
    assert_eq!(
        stats.spans_ended,
        stats.spans_exported + stats.spans_dropped + stats.spans_failed
    );
    assert_eq!((stats.spans_held, stats.traces_released_early), (0, 1));
    drop(root);
}

#[test]
fn without_the_hold_children_leave_while_the_root_runs() {
    let receiver = Receiver::grpc(Reply::Accept, None);
    let guard = insightfinder(&receiver).hold_traces(false).init().unwrap();
    let tracer = guard.provider().unwrap().tracer("hold-test");
    let root = Context::current_with_span(tracer.start("workflow"));
    tracer.in_span_with_context("step", &root, |_| {});
    let received = receiver.wait_for_spans(1);
    assert_eq!(received[0].span_names(), ["step"]);
    root.span().end();
    guard.shutdown().unwrap();
}
