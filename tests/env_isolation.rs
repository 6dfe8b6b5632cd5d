//! `.ignore_env()` and `.env_source()` mean it: settings that opentelemetry-otlp and the SDK
//! would read from the process environment by themselves (headers for another backend, span
//! limits, batch sizes) do not reach the pipeline; compression and the signal-specific
//! variables work on both transports.
//!
//! One test, because it changes the process environment.

use iftracer_test_support as support;

use std::ffi::OsString;
use std::time::Duration;

use iftracer::opentelemetry::trace::{Span, Tracer, TracerProvider};
use iftracer::{Iftracer, IftracerBuilder, Protocol};
use support::{Receiver, Reply};

fn receiver(protocol: Protocol) -> Receiver {
    match protocol {
        Protocol::Grpc => Receiver::grpc(Reply::Accept, None),
        _ => Receiver::http(Reply::Accept, None),
    }
}

fn encoding(received: &support::Received, protocol: Protocol) -> Option<&str> {
    match protocol {
        Protocol::Grpc => received.header("grpc-encoding"),
        _ => received.header("content-encoding"),
    }
}

/// Exports one span with three events through `builder`; returns the one request received.
fn one_request(builder: IftracerBuilder, receiver: &Receiver) -> support::Received {
    let guard = builder
        .global(false)
        .endpoint(receiver.endpoint())
        .scheduled_delay(Duration::from_millis(20))
        .init()
        .unwrap();
    let tracer = guard.provider().unwrap().tracer("env");
    let mut span = tracer.start("work");
    for name in ["one", "two", "three"] {
        span.add_event(name, vec![]);
    }
    span.end();
    guard.force_flush().unwrap();
    let mut received = receiver.wait_for_spans(1);
    guard.shutdown().unwrap();
    assert_eq!(guard.stats().spans_exported, 1);
    received.remove(0)
}

fn events(received: &support::Received) -> usize {
    received.request.resource_spans[0].scope_spans[0].spans[0]
        .events
        .len()
}

#[test]
fn only_iftracers_environment_source_configures_the_pipeline() {
    // SAFETY: the only test in this binary; no other thread reads the environment yet.
    unsafe { support::clear_tracing_env() };
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        // Compression and signal-specific headers from iftracer's environment source.
        let receiver = receiver(protocol);
        let source = |name: &str| -> Option<OsString> {
            match name {
                "OTEL_EXPORTER_OTLP_COMPRESSION" => Some("gzip".into()),
                "OTEL_EXPORTER_OTLP_HEADERS" => Some("x-generic=1".into()),
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS" => Some("x-traces=1".into()),
                _ => None,
            }
        };
        let got = one_request(
            Iftracer::builder().env_source(source).protocol(protocol),
            &receiver,
        );
        assert_eq!(encoding(&got, protocol), Some("gzip"), "{protocol:?}");
        assert_eq!(got.header("x-traces"), Some("1"));
        assert_eq!(got.header("x-generic"), None, "the traces list replaces it");

        let receiver = self::receiver(protocol);
        let got = one_request(
            Iftracer::builder().ignore_env().protocol(protocol),
            &receiver,
        );
        assert_eq!(encoding(&got, protocol), None, "{protocol:?}");
    }

    // A process environment meant for another backend and another SDK.
    unsafe {
        std::env::set_var("OTEL_EXPORTER_OTLP_HEADERS", "x-other-backend=tk_elsewhere");
        std::env::set_var("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-other-traces=1");
        std::env::set_var("OTEL_SPAN_EVENT_COUNT_LIMIT", "1");
        std::env::set_var("OTEL_EXPORTER_OTLP_TIMEOUT", "1");
        std::env::set_var("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json");
        // `init()` failed with this in the process environment, `.ignore_env()` or not. (That
        // nothing of it reaches the wire, metrics included: tests/foreign_env.rs.)
        std::env::set_var("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip");
        std::env::set_var("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip");
    }
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let receiver = receiver(protocol);
        let got = one_request(
            Iftracer::builder().ignore_env().protocol(protocol),
            &receiver,
        );
        assert_eq!(got.header("x-other-backend"), None, "{protocol:?}");
        assert_eq!(got.header("x-other-traces"), None, "{protocol:?}");
        assert_eq!(events(&got), 3, "{protocol:?}: the SDK's own event limit");
    }
}
