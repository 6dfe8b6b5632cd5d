//! Configuration from the real process environment. `opentelemetry-otlp` reads
//! `OTEL_EXPORTER_OTLP_HEADERS` by itself and merges it over programmatic headers; iftracer's
//! precedence (builder over environment) must still hold on the wire, over gRPC and HTTP.
//!
//! This binary has a single test because it changes the process environment.

mod support;

use std::time::Duration;

use iftracer::opentelemetry::global;
use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
use iftracer::{Iftracer, Protocol};
use support::{Receiver, Reply};

#[test]
fn builder_values_beat_the_process_environment_on_the_wire() {
    let grpc = Receiver::grpc(Reply::Accept, None);
    // SAFETY: this is the only test in this binary and no other thread reads the environment.
    unsafe {
        std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", grpc.endpoint());
        std::env::set_var(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "ifuser=from-otel-headers,x-from-env=1",
        );
        std::env::set_var("INSIGHTFINDER_USER", "from-insightfinder-user");
        std::env::set_var("INSIGHTFINDER_LICENSE_KEY", "env-license");
        std::env::set_var("INSIGHTFINDER_PROJECT", "env-project");
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
    assert_eq!(iftracer::stats().spans_exported, 1);
    guard.shutdown().unwrap();

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

    // 3. The off switch from the environment: nothing is exported, instrumentation is told.
    unsafe {
        std::env::set_var("IFTRACER_TRACING_ENABLED", "false");
    }
    let guard = iftracer::init_from_env().unwrap();
    assert!(!guard.is_enabled());
    assert!(!iftracer::is_enabled());
    assert!(guard.provider().is_none());
    drop(guard);
    assert_eq!(grpc.received().len(), 1, "nothing more was exported");
}
