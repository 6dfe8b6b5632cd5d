//! Receivers that throttle or fail never make the exporter multiply requests or stretch an
//! export past its timeout (real sockets, in-process receivers).

mod support;

use std::time::{Duration, Instant};

use iftracer::opentelemetry::KeyValue;
use iftracer::opentelemetry::trace::{Span, Tracer, TracerProvider};
use iftracer::{Iftracer, IftracerBuilder, Protocol, TracerGuard};
use support::{Receiver, Reply};

fn builder(receiver: &Receiver, protocol: Protocol) -> IftracerBuilder {
    Iftracer::builder()
        .ignore_env()
        .global(false)
        .endpoint(receiver.endpoint())
        .protocol(protocol)
        .export_timeout(Duration::from_secs(1))
        .scheduled_delay(Duration::from_millis(20))
}

/// Ends `count` spans, each with an attribute of `bytes` bytes, then flushes; returns how long
/// the flush took.
fn export(guard: &TracerGuard, count: usize, bytes: usize) -> Duration {
    let tracer = guard.provider().unwrap().tracer("hostile");
    for _ in 0..count {
        let mut span = tracer.start("payload");
        span.set_attribute(KeyValue::new("blob", "x".repeat(bytes)));
        span.end();
    }
    let started = Instant::now();
    let _ = guard.force_flush();
    started.elapsed()
}

#[test]
fn retry_after_zero_does_not_make_a_tight_loop() {
    let receiver = Receiver::http(Reply::Throttle { seconds: 0 }, None);
    let guard = builder(&receiver, Protocol::HttpProtobuf).init().unwrap();
    export(&guard, 1, 10);
    // Backoff waits of at least 50, 100, 200, 400 ms fit in the 1 s export timeout.
    let requests = receiver.requests();
    assert!(
        (2..=6).contains(&requests),
        "{requests} requests in one export timeout"
    );
    assert_eq!(guard.stats().spans_failed, 1);
    guard.shutdown().unwrap();
}

#[test]
fn a_quota_refusal_over_grpc_is_not_mistaken_for_a_too_large_request() {
    let receiver = Receiver::grpc(Reply::Exhausted, None);
    let guard = builder(&receiver, Protocol::Grpc)
        .max_value_length(8 * 1024)
        .init()
        .unwrap();
    // 31 spans of 8 KiB: large enough to be halved if the refusal were read as "too large".
    export(&guard, 31, 8 * 1024);
    // Without RetryInfo, RESOURCE_EXHAUSTED is final (OTLP specification): one request.
    assert_eq!(receiver.requests(), 1);
    assert_eq!(guard.stats().spans_failed, 31);
    guard.shutdown().unwrap();
}

#[test]
fn a_batch_of_several_requests_takes_one_export_timeout_in_all() {
    // 503 is retried until the deadline: each request of the batch could take a whole timeout.
    let receiver = Receiver::http(Reply::Unavailable, None);
    let guard = builder(&receiver, Protocol::HttpProtobuf)
        .max_value_length(2 * 1024 * 1024)
        .init()
        .unwrap();
    // 4 spans of 1.5 MiB: cut into requests of at most 3 MiB, so at least two requests.
    let took = export(&guard, 4, 1536 * 1024);
    assert!(
        took < Duration::from_millis(1900),
        "the batch took {took:?} for a 1 s export timeout"
    );
    let stats = guard.stats();
    assert_eq!((stats.spans_failed, stats.spans_exported), (4, 0));
    guard.shutdown().unwrap();
}
