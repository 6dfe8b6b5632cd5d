//! Shutdown flushes when the receiver is alive, returns within its timeout when the receiver is
//! dead or hangs, and works in a plain `fn`, a current-thread and a multi-thread tokio runtime.

use iftracer_test_support as support;

use std::time::{Duration, Instant};

use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
use iftracer::{Iftracer, IftracerBuilder};
use support::{Receiver, Reply};

fn builder(endpoint: String) -> IftracerBuilder {
    Iftracer::builder()
        .ignore_env()
        .global(false)
        .endpoint(endpoint)
        // Long enough that only the shutdown flush can deliver the spans.
        .scheduled_delay(Duration::from_secs(60))
}

/// Ends `count` spans, then drops the guard: the drop must deliver them.
fn emit_and_drop(endpoint: String, count: usize) {
    let guard = builder(endpoint).init().unwrap();
    let tracer = guard.provider().unwrap().tracer("shutdown-test");
    for _ in 0..count {
        tracer.in_span("work", |_| {});
    }
    drop(guard);
}

fn delivered(receiver: &Receiver) -> usize {
    receiver
        .received()
        .iter()
        .map(|r| r.span_names().len())
        .sum()
}

#[test]
fn drop_flushes_in_a_plain_fn() {
    let receiver = Receiver::grpc(Reply::Accept, None);
    emit_and_drop(receiver.endpoint(), 5);
    assert_eq!(delivered(&receiver), 5);
}

#[tokio::test(flavor = "current_thread")]
async fn drop_flushes_inside_a_current_thread_runtime() {
    let receiver = Receiver::grpc(Reply::Accept, None);
    emit_and_drop(receiver.endpoint(), 5);
    assert_eq!(delivered(&receiver), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_flushes_inside_a_multi_thread_runtime() {
    let receiver = Receiver::http(Reply::Accept, None);
    let guard = builder(receiver.endpoint())
        .protocol(iftracer::Protocol::HttpProtobuf)
        .init()
        .unwrap();
    let tracer = guard.provider().unwrap().tracer("shutdown-test");
    // Spans ended on runtime workers, then shutdown called from async code.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let tracer = tracer.clone();
            tokio::spawn(async move { tracer.in_span("work", |_| {}) })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    guard.shutdown().unwrap();
    assert_eq!(delivered(&receiver), 4);
}

/// The shutdown timeout of the bounded-shutdown tests.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_millis(300);

/// How long a shutdown may take: its timeout, plus a second of slack for a loaded machine
/// (the export timeout it must not wait for is 30 s).
fn shutdown_bound(timeout: Duration) -> Duration {
    timeout + Duration::from_secs(1)
}

/// `(ended, exported, dropped, failed, queued)`.
fn counts(stats: iftracer::Stats) -> (u64, u64, u64, u64, u64) {
    (
        stats.spans_ended,
        stats.spans_exported,
        stats.spans_dropped,
        stats.spans_failed,
        stats.spans_queued,
    )
}

/// Shutdown against a receiver that never delivers: returns soon after its timeout, and the
/// spans it could not deliver are counted as dropped.
fn assert_bounded_shutdown(endpoint: String) {
    assert_bounded_shutdown_of(builder(endpoint));
}

/// Ends one span that cannot be delivered, then checks that a 300 ms shutdown returns an
/// error within its bound, well before the 30 s export timeout, and counts the span as
/// dropped.
fn assert_bounded_shutdown_of(builder: IftracerBuilder) {
    let guard = builder
        .shutdown_timeout(SHUTDOWN_TIMEOUT)
        .export_timeout(Duration::from_secs(30))
        .init()
        .unwrap();
    let provider = guard.provider().unwrap().clone();
    provider.tracer("shutdown-test").in_span("lost", |_| {});
    let started = Instant::now();
    let result = guard.shutdown();
    let took = started.elapsed();
    assert!(result.is_err(), "a shutdown that could not deliver says so");
    assert!(
        took < shutdown_bound(SHUTDOWN_TIMEOUT),
        "shutdown took {took:?}"
    );
    assert_eq!(
        counts(guard.stats()),
        (1, 0, 1, 0, 0),
        "{:?}",
        guard.stats()
    );
    drop(provider);
}

#[test]
fn shutdown_is_bounded_when_the_receiver_hangs() {
    let (_hanging, endpoint) = hanging_endpoint();
    assert_bounded_shutdown(endpoint);
}

#[test]
fn shutdown_is_bounded_when_the_receiver_is_down() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    // Refused connections are retried until the 500 ms export timeout, inside the 2 s
    // shutdown timeout: the span is counted as failed (it was tried), not dropped.
    let timeout = Duration::from_secs(2);
    let guard = builder(format!("http://127.0.0.1:{port}"))
        .shutdown_timeout(timeout)
        .export_timeout(Duration::from_millis(500))
        .init()
        .unwrap();
    let tracer = guard.provider().unwrap().tracer("shutdown-test");
    tracer.in_span("lost", |_| {});
    let started = Instant::now();
    let _ = guard.shutdown();
    let took = started.elapsed();
    assert!(took < shutdown_bound(timeout), "shutdown took {took:?}");
    assert_eq!(
        counts(guard.stats()),
        (1, 0, 0, 1, 0),
        "{:?}",
        guard.stats()
    );
}

#[test]
fn dropping_the_guard_is_bounded_when_the_receiver_hangs() {
    let (_hanging, endpoint) = hanging_endpoint();
    // Installed globally (the only global pipeline of this binary) so that its counters stay
    // readable through `iftracer::stats()` once the guard is gone.
    let guard = builder(endpoint)
        .global(true)
        .shutdown_timeout(SHUTDOWN_TIMEOUT)
        .export_timeout(Duration::from_secs(30))
        .init()
        .unwrap();
    iftracer::opentelemetry::global::tracer("shutdown-test").in_span("lost", |_| {});
    let started = Instant::now();
    drop(guard);
    let took = started.elapsed();
    assert!(
        took < shutdown_bound(SHUTDOWN_TIMEOUT),
        "dropping the guard took {took:?}"
    );
    assert_eq!(
        counts(iftracer::stats()),
        (1, 0, 1, 0, 0),
        "{:?}",
        iftracer::stats()
    );
}

#[test]
fn spans_lost_at_a_timed_out_shutdown_are_counted_as_dropped() {
    let hanging = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let guard = builder(format!("http://{}", hanging.local_addr().unwrap()))
        .shutdown_timeout(Duration::from_millis(200))
        .export_timeout(Duration::from_secs(30))
        .init()
        .unwrap();
    let provider = guard.provider().unwrap().clone();
    let tracer = provider.tracer("shutdown-test");
    for _ in 0..3 {
        tracer.in_span("lost", |_| {});
    }
    assert_eq!(guard.stats().spans_queued, 3);
    let started = Instant::now();
    assert!(guard.shutdown().is_err(), "the receiver never answered");
    let took = started.elapsed();
    assert!(
        took < shutdown_bound(Duration::from_millis(200)),
        "shutdown took {took:?}"
    );
    assert_eq!(
        counts(guard.stats()),
        (3, 0, 3, 0, 0),
        "{:?}",
        guard.stats()
    );
    drop(provider);
}

/// A listener that completes TCP handshakes (kernel backlog) and never answers.
fn hanging_endpoint() -> (std::net::TcpListener, String) {
    let hanging = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", hanging.local_addr().unwrap());
    (hanging, endpoint)
}

#[test]
fn shutdown_is_bounded_when_the_receiver_hangs_over_http() {
    let (_hanging, endpoint) = hanging_endpoint();
    assert_bounded_shutdown_of(builder(endpoint).protocol(iftracer::Protocol::HttpProtobuf));
}

#[tokio::test(flavor = "current_thread")]
async fn shutdown_is_bounded_inside_a_current_thread_runtime() {
    let (_hanging, endpoint) = hanging_endpoint();
    assert_bounded_shutdown(endpoint);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_bounded_inside_a_multi_thread_runtime() {
    let (_hanging, endpoint) = hanging_endpoint();
    assert_bounded_shutdown(endpoint);
}

#[test]
fn retries_do_not_stretch_shutdown_past_its_timeout() {
    // Always UNAVAILABLE: the exporter keeps retrying with backoff until the export timeout.
    for protocol in [iftracer::Protocol::Grpc, iftracer::Protocol::HttpProtobuf] {
        let setup = support::Setup {
            reply: Reply::Unavailable,
            ..support::Setup::default()
        };
        let receiver = match protocol {
            iftracer::Protocol::Grpc => Receiver::grpc_with(setup),
            _ => Receiver::http_with(setup),
        };
        assert_bounded_shutdown_of(builder(receiver.endpoint()).protocol(protocol));
        assert!(receiver.requests() >= 1);
    }
}

/// A full queue of several batches is delivered by shutdown alone.
fn assert_shutdown_flushes_a_full_queue(protocol: iftracer::Protocol) {
    let setup = support::Setup {
        keep: false,
        ..support::Setup::default()
    };
    let receiver = match protocol {
        iftracer::Protocol::Grpc => Receiver::grpc_with(setup),
        _ => Receiver::http_with(setup),
    };
    let guard = builder(receiver.endpoint())
        .protocol(protocol)
        .max_queue_size(2048)
        .max_export_batch_size(256)
        .init()
        .unwrap();
    let tracer = guard.provider().unwrap().tracer("shutdown-test");
    for _ in 0..2048 {
        tracer.in_span("queued", |_| {});
    }
    guard.shutdown().unwrap();
    let stats = guard.stats();
    assert_eq!(
        (stats.spans_ended, stats.spans_exported, stats.spans_dropped),
        (2048, 2048, 0),
        "{protocol:?} {stats:?}"
    );
    assert_eq!(receiver.accepted_spans(), 2048);
}

#[test]
fn shutdown_flushes_a_full_queue_in_a_plain_fn() {
    assert_shutdown_flushes_a_full_queue(iftracer::Protocol::Grpc);
}

#[tokio::test(flavor = "current_thread")]
async fn shutdown_flushes_a_full_queue_inside_a_current_thread_runtime() {
    assert_shutdown_flushes_a_full_queue(iftracer::Protocol::HttpProtobuf);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_flushes_a_full_queue_inside_a_multi_thread_runtime() {
    assert_shutdown_flushes_a_full_queue(iftracer::Protocol::Grpc);
}
