//! The export path under faults, against real in-process receivers: transient answers are
//! retried with backoff (honouring `Retry-After` / `RetryInfo`), final ones are not; a receiver
//! that goes away and comes back costs counted spans and never blocks the application; a
//! "message too large" answer costs only the oversized span; oversized spans are cut to the
//! limits and delivered.
//!
//! `receiver_down_*` run a 1-second outage by default; `IFTRACER_OUTAGE_SECS=60` runs the long
//! variant (see the README's "Throughput" section for its command and last figures).

use iftracer_test_support as support;

use std::time::{Duration, Instant};

use iftracer::opentelemetry::KeyValue;
use iftracer::opentelemetry::trace::{Span as _, Tracer, TracerProvider};
use iftracer::{Iftracer, IftracerBuilder, Protocol, Stats};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use support::{Receiver, Reply, Setup};

fn builder(receiver: &Receiver, protocol: Protocol) -> IftracerBuilder {
    Iftracer::builder()
        .ignore_env()
        .global(false)
        .endpoint(receiver.endpoint())
        .protocol(protocol)
        // Only an explicit flush exports, so each test knows its batches.
        .scheduled_delay(Duration::from_secs(60))
}

fn receiver(protocol: Protocol, setup: Setup) -> Receiver {
    match protocol {
        Protocol::Grpc => Receiver::grpc_with(setup),
        _ => Receiver::http_with(setup),
    }
}

fn failing(reply: Reply, times: usize) -> Setup {
    Setup {
        reply,
        times: Some(times),
        ..Setup::default()
    }
}

fn assert_balanced(stats: Stats) {
    assert_eq!(stats.spans_queued, 0, "{stats:?}");
    assert_eq!(
        stats.spans_ended,
        stats.spans_exported + stats.spans_dropped + stats.spans_failed,
        "{stats:?}"
    );
}

/// Ends `count` spans and flushes them.
fn emit_and_flush(guard: &iftracer::TracerGuard, count: usize) -> Result<(), iftracer::Error> {
    let tracer = guard.provider().unwrap().tracer("faults");
    for _ in 0..count {
        tracer.in_span("work", |_| {});
    }
    guard.force_flush()
}

#[test]
fn transient_answers_are_retried_until_the_collector_takes_the_batch() {
    let cases = [
        (Protocol::Grpc, Reply::Unavailable),
        (Protocol::HttpProtobuf, Reply::Unavailable),
        (Protocol::HttpProtobuf, Reply::HttpStatus(502)),
        (Protocol::HttpProtobuf, Reply::HttpStatus(504)),
        // The OTLP specification's other retryable gRPC codes.
        (Protocol::Grpc, Reply::GrpcCode(tonic::Code::Cancelled)),
        (
            Protocol::Grpc,
            Reply::GrpcCode(tonic::Code::DeadlineExceeded),
        ),
        (Protocol::Grpc, Reply::GrpcCode(tonic::Code::Aborted)),
        (Protocol::Grpc, Reply::GrpcCode(tonic::Code::DataLoss)),
    ];
    for (protocol, reply) in cases {
        let receiver = receiver(protocol, failing(reply, 2));
        let guard = builder(&receiver, protocol).init().unwrap();
        emit_and_flush(&guard, 3).unwrap();
        let stats = guard.stats();
        assert_eq!(
            (stats.spans_exported, stats.spans_failed),
            (3, 0),
            "{protocol:?} {reply:?}"
        );
        assert_eq!(
            receiver.requests(),
            3,
            "two refusals, then the accepted retry"
        );
        assert_eq!(receiver.accepted_spans(), 3);
        // Backoff, not a busy loop: the attempts are spread out.
        let received = receiver.received();
        let gap = received[1].at - received[0].at;
        assert!(gap >= Duration::from_millis(40), "{protocol:?} {gap:?}");
        guard.shutdown().unwrap();
    }
}

/// Waits between attempts start at 100 ms and double (README "What happens to a span"), with
/// jitter: between half and all of the backoff.
#[test]
fn retry_waits_double_from_100_ms() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let receiver = receiver(protocol, failing(Reply::Unavailable, 4));
        let guard = builder(&receiver, protocol).init().unwrap();
        emit_and_flush(&guard, 1).unwrap();
        let received = receiver.received();
        assert_eq!(
            received.len(),
            5,
            "{protocol:?}: four refusals, then success"
        );
        for (k, pair) in received.windows(2).enumerate() {
            let gap = pair[1].at - pair[0].at;
            let backoff = Duration::from_millis(100 << k);
            // The lower bound is exact; the upper one allows for a loaded machine.
            assert!(
                gap >= backoff / 2,
                "{protocol:?}: wait {k} was {gap:?}, backoff {backoff:?}"
            );
            assert!(
                gap <= backoff + Duration::from_millis(50 + 500),
                "{protocol:?}: wait {k} was {gap:?}, backoff {backoff:?}"
            );
        }
        assert_eq!(guard.stats().spans_exported, 1);
        guard.shutdown().unwrap();
    }
}

#[test]
fn throttling_waits_as_long_as_the_server_asks() {
    // HTTP 429 with `Retry-After: 1`; gRPC RESOURCE_EXHAUSTED with RetryInfo of 1 s.
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let receiver = receiver(protocol, failing(Reply::Throttle { seconds: 1 }, 1));
        let guard = builder(&receiver, protocol).init().unwrap();
        emit_and_flush(&guard, 2).unwrap();
        let received = receiver.received();
        assert_eq!(received.len(), 2, "{protocol:?}");
        let gap = received[1].at - received[0].at;
        assert!(
            gap >= Duration::from_millis(950),
            "{protocol:?} waited {gap:?}"
        );
        assert_eq!(guard.stats().spans_exported, 2);
        guard.shutdown().unwrap();
    }
}

#[test]
fn final_answers_are_not_retried() {
    let cases = [
        (Protocol::Grpc, Reply::RefuseCredentials),
        (Protocol::HttpProtobuf, Reply::RefuseCredentials),
        (Protocol::HttpProtobuf, Reply::HttpStatus(400)),
        (Protocol::HttpProtobuf, Reply::HttpStatus(500)),
        (
            Protocol::Grpc,
            Reply::GrpcCode(tonic::Code::InvalidArgument),
        ),
        (Protocol::Grpc, Reply::GrpcCode(tonic::Code::Internal)),
    ];
    for (protocol, reply) in cases {
        let receiver = receiver(protocol, failing(reply, usize::MAX));
        let guard = builder(&receiver, protocol).init().unwrap();
        assert!(emit_and_flush(&guard, 2).is_err());
        assert_eq!(receiver.requests(), 1, "{protocol:?} {reply:?}");
        let stats = guard.stats();
        assert_eq!((stats.spans_failed, stats.spans_exported), (2, 0));
        guard.shutdown().unwrap();
    }
}

#[test]
fn retries_stop_at_the_export_timeout() {
    // A collector that is always unavailable: the batch fails once the budget is spent.
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let receiver = receiver(protocol, failing(Reply::Unavailable, usize::MAX));
        let guard = builder(&receiver, protocol)
            .export_timeout(Duration::from_millis(700))
            .init()
            .unwrap();
        let started = Instant::now();
        assert!(emit_and_flush(&guard, 1).is_err());
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "{protocol:?} took {took:?}");
        assert!(
            receiver.requests() >= 2,
            "{protocol:?}: retried at least once"
        );
        assert_eq!(guard.stats().spans_failed, 1);
        guard.shutdown().unwrap();
    }
}

/// How long `receiver_down_*` keep the receiver stopped.
fn outage() -> Duration {
    let secs = std::env::var("IFTRACER_OUTAGE_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(1.0);
    Duration::from_secs_f64(secs)
}

/// Stops the receiver while the application keeps ending spans, then starts it again.
fn receiver_down_and_back(protocol: Protocol) {
    const QUEUE: usize = 512;
    let mut receiver = receiver(
        protocol,
        Setup {
            keep: false,
            ..Setup::default()
        },
    );
    let guard = builder(&receiver, protocol)
        .max_queue_size(QUEUE)
        .max_export_batch_size(128)
        .scheduled_delay(Duration::from_millis(20))
        .export_timeout(Duration::from_millis(500))
        .init()
        .unwrap();
    let tracer = guard.provider().unwrap().tracer("faults");

    for _ in 0..200 {
        tracer.in_span("before", |_| {});
    }
    assert_eq!(
        receiver.wait_for_accepted(200, Duration::from_secs(10)),
        200
    );

    receiver.stop();
    let outage = outage();
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut peak_queued = 0;
    let mut ended_while_down = 0u64;
    while started.elapsed() < outage {
        for _ in 0..50 {
            let t = Instant::now();
            tracer.in_span("during", |_| {});
            slowest = slowest.max(t.elapsed());
            ended_while_down += 1;
        }
        peak_queued = peak_queued.max(guard.stats().spans_queued);
        std::thread::sleep(Duration::from_millis(1));
    }
    let during = guard.stats();
    // Never waits for the exporter: a span's end is a counter and a channel send. An end that
    // waited for the exporter would wait for its retries, which run to the export timeout
    // (500 ms); scheduler noise on a loaded 2-core machine stays well under that.
    assert!(
        slowest < Duration::from_millis(500),
        "slowest span end {slowest:?}"
    );
    assert!(
        peak_queued <= QUEUE as u64,
        "queue bound broken: {peak_queued}"
    );
    assert!(
        during.spans_dropped > 0,
        "the queue filled while down: {during:?}"
    );

    receiver.restart();
    let accepted_before = receiver.accepted_spans();
    for _ in 0..200 {
        tracer.in_span("after", |_| {});
    }
    // Export resumes: at least the 200 new spans arrive.
    let accepted = receiver.wait_for_accepted(accepted_before + 200, Duration::from_secs(10));
    assert!(
        accepted >= accepted_before + 200,
        "export did not resume: {accepted}"
    );
    let _ = guard.force_flush();
    let deadline = Instant::now() + Duration::from_secs(10);
    while guard.stats().spans_queued > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let stats = guard.stats();
    assert_balanced(stats);
    // Every span the test ended is counted, once.
    assert_eq!(stats.spans_ended, 200 + ended_while_down + 200, "{stats:?}");
    // The receiver holds exactly the spans counted as exported (README "What happens to a
    // span"): none counted as exported went missing, none arrived uncounted.
    let accepted = receiver.accepted_spans() as u64;
    assert_eq!(
        accepted, stats.spans_exported,
        "received {accepted}, {stats:?}"
    );
    eprintln!(
        "receiver_down {protocol:?}: outage {:.1} s, {ended_while_down} spans ended while down, \
         slowest end {slowest:?}, peak queued {peak_queued}, final {stats:?}, received {accepted}, \
         peak RSS {:.1} MiB",
        outage.as_secs_f64(),
        support::peak_rss_mib()
    );
    guard.shutdown().unwrap();
}

#[test]
fn receiver_down_over_grpc_blocks_nothing_and_counts_every_span() {
    receiver_down_and_back(Protocol::Grpc);
}

#[test]
fn receiver_down_over_http_blocks_nothing_and_counts_every_span() {
    receiver_down_and_back(Protocol::HttpProtobuf);
}

fn string_attribute(received: &[support::Received], span: &str, key: &str) -> Option<String> {
    received
        .iter()
        .flat_map(|r| &r.request.resource_spans)
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans)
        .filter(|s| s.name == span)
        .flat_map(|s| &s.attributes)
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Value::StringValue(s) => Some(s.clone()),
            _ => None,
        })
}

#[test]
fn a_10_mb_attribute_and_10_000_attributes_are_cut_and_delivered() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let receiver = receiver(protocol, Setup::default());
        let guard = builder(&receiver, protocol)
            .max_attributes_per_span(200)
            .init()
            .unwrap();
        let tracer = guard.provider().unwrap().tracer("faults");
        let mut huge = tracer.start("huge-value");
        huge.set_attribute(KeyValue::new("chat.prompt", "x".repeat(10 * 1024 * 1024)));
        huge.end();
        let mut many = tracer.start("many-attributes");
        for i in 0..10_000 {
            many.set_attribute(KeyValue::new(format!("attr.{i}"), i as i64));
        }
        many.end();
        tracer.in_span("neighbour", |_| {});
        guard.force_flush().unwrap();

        let received = receiver.received();
        let prompt = string_attribute(&received, "huge-value", "chat.prompt").unwrap();
        assert!(prompt.len() <= 32 * 1024 + 64, "{}", prompt.len());
        assert!(prompt.contains("[truncated: 10485760 bytes in all]"));
        let many = received
            .iter()
            .flat_map(|r| &r.request.resource_spans)
            .flat_map(|rs| &rs.scope_spans)
            .flat_map(|ss| &ss.spans)
            .find(|s| s.name == "many-attributes")
            .unwrap();
        assert_eq!(many.attributes.len(), 200, "{protocol:?}");
        assert_eq!(many.dropped_attributes_count, 10_000 - 200);
        let stats = guard.stats();
        assert_eq!((stats.spans_exported, stats.spans_failed), (3, 0));
        guard.shutdown().unwrap();
    }
}

#[test]
fn a_too_large_answer_costs_only_the_oversized_span() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        // Over 1 MiB, so a gRPC RESOURCE_EXHAUSTED reads as "too large", not as a quota.
        let limit = 1024 * 1024;
        let receiver = receiver(
            protocol,
            Setup {
                reply: Reply::TooLarge { limit },
                ..Setup::default()
            },
        );
        let guard = builder(&receiver, protocol)
            // Allows one span larger than this receiver takes.
            .max_value_length(2 * 1024 * 1024)
            .init()
            .unwrap();
        let tracer = guard.provider().unwrap().tracer("faults");
        for _ in 0..20 {
            tracer.in_span("small", |_| {});
        }
        let mut big = tracer.start("oversized");
        big.set_attribute(KeyValue::new("chat.prompt", "x".repeat(10 * 1024 * 1024)));
        big.end();
        for _ in 0..20 {
            tracer.in_span("small", |_| {});
        }
        assert!(
            guard.force_flush().is_err(),
            "one span could not be delivered"
        );

        let stats = guard.stats();
        assert_eq!(
            (stats.spans_exported, stats.spans_failed),
            (40, 1),
            "{protocol:?} {stats:?}"
        );
        assert_balanced(stats);
        assert_eq!(receiver.accepted_spans(), 40);
        let error = guard.last_export_error().unwrap();
        assert!(
            error.contains("413") || error.contains("ResourceExhausted"),
            "{error}"
        );
        // Later batches are unaffected.
        emit_and_flush(&guard, 5).unwrap();
        assert_eq!(receiver.accepted_spans(), 45);
        guard.shutdown().unwrap();
    }
}

#[test]
fn a_batch_larger_than_a_request_may_be_is_sent_in_parts() {
    // 200 spans of 32 KiB: 6.4 MiB in one batch, over the common 4 MiB request limit; iftracer
    // cuts requests at 3 MiB.
    let limit = 4 * 1024 * 1024;
    let cap = 3 * 1024 * 1024;
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let receiver = receiver(
            protocol,
            Setup {
                reply: Reply::TooLarge { limit },
                ..Setup::default()
            },
        );
        let guard = builder(&receiver, protocol).init().unwrap();
        let tracer = guard.provider().unwrap().tracer("faults");
        for _ in 0..200 {
            let mut span = tracer.start("llm");
            span.set_attribute(KeyValue::new("chat.prompt", "p".repeat(32 * 1024)));
            span.end();
        }
        guard.force_flush().unwrap();
        let received = receiver.received();
        assert!(
            received.len() >= 3,
            "{protocol:?}: {} requests",
            received.len()
        );
        let sizes: Vec<usize> = received.iter().map(|r| r.size).collect();
        assert!(
            received.iter().all(|r| r.accepted),
            "{protocol:?} {sizes:?}"
        );
        assert!(sizes.iter().all(|&s| s <= cap), "{protocol:?} {sizes:?}");
        assert_eq!(receiver.accepted_spans(), 200);
        assert_eq!(guard.stats().spans_exported, 200);
        guard.shutdown().unwrap();
    }
}

/// `grpc-timeout` ("4999872u") as a duration.
fn grpc_timeout(value: &str) -> Duration {
    let (digits, unit) = value.split_at(value.len() - 1);
    let n: u64 = digits.parse().unwrap();
    match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => panic!("grpc-timeout {value:?}"),
    }
}

#[test]
fn each_grpc_attempt_tells_the_server_what_is_left_of_the_export_timeout() {
    let receiver = receiver(Protocol::Grpc, failing(Reply::Unavailable, 1));
    let timeout = Duration::from_secs(5);
    let guard = builder(&receiver, Protocol::Grpc)
        .export_timeout(timeout)
        .init()
        .unwrap();
    emit_and_flush(&guard, 2).unwrap();
    let received = receiver.received();
    assert_eq!(received.len(), 2, "one refusal, then the accepted retry");
    let left: Vec<Duration> = received
        .iter()
        .map(|request| grpc_timeout(request.header("grpc-timeout").expect("grpc-timeout sent")))
        .collect();
    assert!(
        left[0] <= timeout && left[0] > timeout - Duration::from_secs(1),
        "{left:?}"
    );
    // The retry came after a backoff of at least 50 ms, taken from the same deadline.
    assert!(left[1] <= left[0] - Duration::from_millis(50), "{left:?}");
    guard.shutdown().unwrap();
}
