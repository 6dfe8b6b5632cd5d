//! Configuration from the real process environment. `opentelemetry-otlp` reads
//! `OTEL_EXPORTER_OTLP_HEADERS` by itself and merges it over programmatic headers; iftracer's
//! precedence (builder over environment) must still hold on the wire, over gRPC and HTTP.
//!
//! This binary has a single test because it changes the process environment.

use iftracer_test_support as support;

use std::time::Duration;

use iftracer::opentelemetry::global;
use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
use iftracer::{Iftracer, Protocol};
use support::{Receiver, Reply};

#[test]
fn builder_values_beat_the_process_environment_on_the_wire() {
    // SAFETY: this is the only test in this binary and no other thread reads the environment.
    unsafe { support::clear_tracing_env() };
    let grpc = Receiver::grpc(Reply::Accept, None);
    // SAFETY: as above.
    unsafe {
        std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", grpc.endpoint());
        std::env::set_var(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "ifuser=from-otel-headers,x-from-env=1",
        );
        std::env::set_var("INSIGHTFINDER_USER", "from-insightfinder-user");
        std::env::set_var("INSIGHTFINDER_LICENSE_KEY", "env-license");
        std::env::set_var("INSIGHTFINDER_PROJECT", "env-project");
        std::env::set_var("INSIGHTFINDER_SYSTEM", "env-system");
        std::env::set_var("OTEL_SERVICE_NAME", "process-env-service");
        std::env::set_var("OTEL_BSP_SCHEDULE_DELAY", "20");
    }

    // 1. Environment only, installed globally: `init_from_env`, the global tracer, `stats()`.
    let guard = iftracer::init_from_env().unwrap();
    global::tracer("process-env").in_span("from-env", |_| {});
    guard.force_flush().unwrap();
    let received = grpc.wait_for_spans(1);
    assert_eq!(received[0].span_names(), ["from-env"]);
    assert_eq!(
        received[0].header("ifuser"),
        Some("from-insightfinder-user")
    );
    assert_eq!(received[0].header("x-from-env"), Some("1"));
    assert_eq!(received[0].header("ifproject"), Some("env-project"));
    assert_eq!(
        received[0].resource_attribute("service.name").as_deref(),
        Some("process-env-service")
    );
    assert_eq!(iftracer::stats(), guard.stats());
    assert_w3c_propagators_are_global();
    assert_eq!(iftracer::stats().spans_exported, 1);
    guard.shutdown().unwrap();
    let exported_by_env_pipeline = grpc.received().len();

    // 2. Builder values over the same environment, on both transports.
    for (receiver, protocol) in [
        (Receiver::grpc(Reply::Accept, None), Protocol::Grpc),
        (Receiver::http(Reply::Accept, None), Protocol::HttpProtobuf),
    ] {
        let guard = Iftracer::builder()
            .global(false)
            .endpoint(receiver.endpoint())
            .protocol(protocol)
            .user("from-builder")
            .scheduled_delay(Duration::from_millis(20))
            .init()
            .unwrap();
        guard
            .provider()
            .unwrap()
            .tracer("process-env")
            .in_span("from-builder", |_| {});
        guard.force_flush().unwrap();
        let received = receiver.wait_for_spans(1);
        assert_eq!(received.len(), 1, "{protocol:?}");
        let request = &received[0];
        assert_eq!(
            request.header("ifuser"),
            Some("from-builder"),
            "{protocol:?}"
        );
        assert_eq!(
            request
                .headers
                .iter()
                .filter(|(k, _)| k == "ifuser")
                .count(),
            1,
            "{protocol:?}: one value, not the builder's and the environment's"
        );
        assert_eq!(request.header("x-from-env"), Some("1"), "{protocol:?}");
        guard.shutdown().unwrap();
    }

    // 3. The off switch from the environment: instrumentation is told and records nothing,
    // while a pipeline that would export it is still installed.
    let live = iftracer::init_from_env().unwrap();
    instrumented_step();
    live.force_flush().unwrap();
    let before = grpc.wait_for_spans(exported_by_env_pipeline + 1).len();
    assert!(
        before > exported_by_env_pipeline,
        "the instrumented step is exported while tracing is on"
    );
    unsafe {
        std::env::set_var("IFTRACER_TRACING_ENABLED", "false");
    }
    let guard = iftracer::init_from_env().unwrap();
    assert!(!guard.is_enabled());
    assert!(!iftracer::is_enabled());
    assert!(guard.provider().is_none());
    instrumented_step();
    live.force_flush().unwrap();
    drop(guard);
    live.shutdown().unwrap();
    assert_eq!(grpc.received().len(), before, "nothing more was exported");
    assert_eq!(live.stats().spans_ended, 1, "{:?}", live.stats());
}

#[iftracer::task]
fn instrumented_step() {}

/// `init` registers the W3C trace-context and baggage propagators globally.
fn assert_w3c_propagators_are_global() {
    use iftracer::opentelemetry::baggage::BaggageExt;
    use iftracer::opentelemetry::trace::TraceContextExt;
    use iftracer::opentelemetry::{Context, KeyValue};
    use std::collections::HashMap;

    let tracer = global::tracer("process-env");
    let span = tracer.start("propagated");
    let cx = Context::current_with_span(span).with_baggage(vec![KeyValue::new("user.id", "alice")]);
    let mut carrier: HashMap<String, String> = HashMap::new();
    global::get_text_map_propagator(|p| p.inject_context(&cx, &mut carrier));
    let span_id = cx.span().span_context().span_id();
    let trace_id = cx.span().span_context().trace_id();
    assert_eq!(
        carrier.get("traceparent").map(String::as_str),
        Some(format!("00-{trace_id}-{span_id}-01").as_str())
    );
    assert_eq!(
        carrier.get("baggage").map(String::as_str),
        Some("user.id=alice")
    );
    // And back: a remote parent with Python's flags `03` is accepted.
    let incoming: HashMap<String, String> = [(
        "traceparent".to_owned(),
        format!("00-{trace_id}-{span_id}-03"),
    )]
    .into();
    let extracted = global::get_text_map_propagator(|p| p.extract(&incoming));
    assert_eq!(extracted.span().span_context().trace_id(), trace_id);
    assert!(extracted.span().span_context().is_sampled());
    cx.span().end();
}
