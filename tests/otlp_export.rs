//! Spans reach real OTLP receivers (gRPC, HTTP, both over TLS) with the exact headers, and a
//! refused credential is counted and reported, never a panic.

use iftracer_test_support as support;

use std::time::Duration;

use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
use iftracer::{Iftracer, IftracerBuilder, Protocol, TracerGuard};
use support::{Receiver, Reply, TestCertificates};

/// A pipeline that reads no environment and does not touch the global provider, so tests can
/// run in parallel.
fn builder(endpoint: String) -> IftracerBuilder {
    Iftracer::builder()
        .ignore_env()
        .global(false)
        .service_name("otlp-export-test")
        .endpoint(endpoint)
        .scheduled_delay(Duration::from_millis(50))
        .export_timeout(Duration::from_secs(5))
}

fn insightfinder(builder: IftracerBuilder) -> IftracerBuilder {
    builder
        .user("test-user")
        .license_key("LK-0123456789")
        .project("test-project")
        .system("test-system")
}

/// Emits a workflow span with two children and flushes.
fn emit_trace(guard: &TracerGuard) {
    let tracer = guard.provider().unwrap().tracer("otlp-export-test");
    tracer.in_span("research.workflow", |_| {
        tracer.in_span("ask_llm.task", |_| {});
        tracer.in_span("ask_llm.task", |_| {});
    });
    guard.force_flush().unwrap();
}

fn assert_insightfinder_headers(received: &support::Received) {
    assert_eq!(received.header("ifuser"), Some("test-user"));
    assert_eq!(received.header("iflicensekey"), Some("LK-0123456789"));
    assert_eq!(received.header("ifproject"), Some("test-project"));
    assert_eq!(received.header("ifsystem"), Some("test-system"));
}

fn all_span_names(received: &[support::Received]) -> Vec<String> {
    let mut names: Vec<String> = received.iter().flat_map(|r| r.span_names()).collect();
    names.sort();
    names
}

fn assert_three_spans_arrived(receiver: &Receiver, guard: TracerGuard) -> Vec<support::Received> {
    let received = receiver.wait_for_spans(3);
    assert_eq!(
        all_span_names(&received),
        ["ask_llm.task", "ask_llm.task", "research.workflow"]
    );
    let stats = guard.stats();
    assert_eq!(
        (
            stats.spans_ended,
            stats.spans_exported,
            stats.spans_failed,
            stats.spans_dropped
        ),
        (3, 3, 0, 0),
        "{stats:?}"
    );
    guard.shutdown().unwrap();
    received
}

#[test]
fn grpc_export_carries_the_insightfinder_metadata() {
    let receiver = Receiver::grpc(Reply::Accept, None);
    let guard = insightfinder(builder(receiver.endpoint()))
        .header("x-extra", "extra-value")
        .init()
        .unwrap();
    emit_trace(&guard);
    let received = assert_three_spans_arrived(&receiver, guard);
    for request in &received {
        assert_insightfinder_headers(request);
        assert_eq!(request.header("x-extra"), Some("extra-value"));
        assert_eq!(request.header("content-type"), Some("application/grpc"));
        assert_eq!(
            request.resource_attribute("service.name").as_deref(),
            Some("otlp-export-test")
        );
    }
}

#[test]
fn http_export_posts_protobuf_to_v1_traces_with_the_headers() {
    let receiver = Receiver::http(Reply::Accept, None);
    let guard = insightfinder(builder(receiver.endpoint()))
        .protocol(Protocol::HttpProtobuf)
        .init()
        .unwrap();
    emit_trace(&guard);
    let received = assert_three_spans_arrived(&receiver, guard);
    for request in &received {
        assert_eq!(request.path, "/v1/traces");
        assert_eq!(
            request.header("content-type"),
            Some("application/x-protobuf")
        );
        assert_insightfinder_headers(request);
    }
}

#[test]
fn http_export_sends_a_bearer_token() {
    let receiver = Receiver::http(Reply::Accept, None);
    let guard = builder(receiver.endpoint())
        .protocol(Protocol::HttpProtobuf)
        .bearer_token("tk_test_123")
        .header("X-Temps-Project-Id", "2")
        .init()
        .unwrap();
    emit_trace(&guard);
    let received = assert_three_spans_arrived(&receiver, guard);
    for request in &received {
        assert_eq!(request.header("authorization"), Some("Bearer tk_test_123"));
        assert_eq!(request.header("x-temps-project-id"), Some("2"));
        assert_eq!(request.header("ifuser"), None);
    }
}

#[test]
fn grpc_export_over_tls_trusts_a_custom_ca() {
    let certs = TestCertificates::generate("grpc");
    let receiver = Receiver::grpc(Reply::Accept, Some(&certs));
    assert!(receiver.endpoint().starts_with("https://"));
    let guard = insightfinder(builder(receiver.endpoint()))
        .ca_certificate(&certs.ca_file)
        .init()
        .unwrap();
    emit_trace(&guard);
    let received = assert_three_spans_arrived(&receiver, guard);
    assert_insightfinder_headers(&received[0]);
}

#[test]
fn http_export_over_tls_trusts_a_custom_ca() {
    let certs = TestCertificates::generate("http");
    let receiver = Receiver::http(Reply::Accept, Some(&certs));
    let guard = insightfinder(builder(receiver.endpoint()))
        .protocol(Protocol::HttpProtobuf)
        .ca_certificate(&certs.ca_file)
        .init()
        .unwrap();
    emit_trace(&guard);
    let received = assert_three_spans_arrived(&receiver, guard);
    assert_insightfinder_headers(&received[0]);
}

#[test]
fn resource_settings_reach_the_exported_resource() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let receiver = match protocol {
            Protocol::Grpc => Receiver::grpc(Reply::Accept, None),
            _ => Receiver::http(Reply::Accept, None),
        };
        let guard = builder(receiver.endpoint())
            .protocol(protocol)
            .service_version("1.2.3")
            .deployment_environment("staging")
            .resource_attribute("team", "agents")
            .init()
            .unwrap();
        emit_trace(&guard);
        let received = assert_three_spans_arrived(&receiver, guard);
        for request in &received {
            for (key, value) in [
                ("service.name", "otlp-export-test"),
                ("service.version", "1.2.3"),
                ("deployment.environment", "staging"),
                ("deployment.environment.name", "staging"),
                ("team", "agents"),
            ] {
                assert_eq!(
                    request.resource_attribute(key).as_deref(),
                    Some(value),
                    "{protocol:?} {key}"
                );
            }
        }
    }
}

/// `OTEL_EXPORTER_OTLP_CERTIFICATE` (read through iftracer's environment source) makes a
/// private CA trusted, on both transports.
#[test]
fn tls_export_trusts_the_ca_named_by_otel_exporter_otlp_certificate() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let certs = TestCertificates::generate(&format!("env-{protocol:?}"));
        let receiver = match protocol {
            Protocol::Grpc => Receiver::grpc(Reply::Accept, Some(&certs)),
            _ => Receiver::http(Reply::Accept, Some(&certs)),
        };
        let ca = certs.ca_file.clone().into_os_string();
        let guard = builder(receiver.endpoint())
            .env_source(move |name| (name == "OTEL_EXPORTER_OTLP_CERTIFICATE").then(|| ca.clone()))
            .protocol(protocol)
            .init()
            .unwrap();
        emit_trace(&guard);
        let received = assert_three_spans_arrived(&receiver, guard);
        assert!(!received.is_empty(), "{protocol:?}");
    }
}

/// Waits until the batch outcome is counted, then checks it failed without panicking.
fn assert_export_failed(guard: TracerGuard, expected_error: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while guard.stats().spans_failed < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stats = guard.stats();
    assert_eq!(
        (stats.spans_ended, stats.spans_exported, stats.spans_failed),
        (3, 0, 3),
        "{stats:?}"
    );
    let error = guard.last_export_error().expect("the failure is reported");
    assert!(
        error.to_lowercase().contains(expected_error),
        "{expected_error:?} not in {error:?}"
    );
    assert!(!error.contains("LK-0123456789"), "{error}");
    guard.shutdown().unwrap();
}

#[test]
fn grpc_unauthenticated_is_counted_and_reported() {
    let receiver = Receiver::grpc(Reply::RefuseCredentials, None);
    let guard = insightfinder(builder(receiver.endpoint())).init().unwrap();
    emit_trace_allowing_failure(&guard);
    assert_export_failed(guard, "unauthenticated");
    assert_eq!(
        receiver.received().len(),
        1,
        "the spans did reach the receiver"
    );
}

#[test]
fn http_401_is_counted_and_reported() {
    let receiver = Receiver::http(Reply::RefuseCredentials, None);
    let guard = insightfinder(builder(receiver.endpoint()))
        .protocol(Protocol::HttpProtobuf)
        .init()
        .unwrap();
    emit_trace_allowing_failure(&guard);
    assert_export_failed(guard, "401");
}

#[test]
fn tls_without_the_ca_fails_the_export_without_panicking() {
    let certs = TestCertificates::generate("untrusted");
    let receiver = Receiver::grpc(Reply::Accept, Some(&certs));
    // gRPC reports a refused certificate as UNAVAILABLE, which is retried until the export
    // timeout would pass; a short one keeps the test short.
    let guard = insightfinder(builder(receiver.endpoint()))
        .export_timeout(Duration::from_secs(1))
        .init()
        .unwrap();
    emit_trace_allowing_failure(&guard);
    // Retried as a connection error until the next wait would cross the export timeout; the
    // last attempt's cause is what is reported.
    assert_export_failed(guard, "invalid peer certificate: unknownissuer");
    assert!(receiver.received().is_empty());
}

/// Like [`emit_trace`], but a failing flush is expected.
fn emit_trace_allowing_failure(guard: &TracerGuard) {
    let tracer = guard.provider().unwrap().tracer("otlp-export-test");
    tracer.in_span("research.workflow", |_| {
        tracer.in_span("ask_llm.task", |_| {});
        tracer.in_span("ask_llm.task", |_| {});
    });
    assert!(guard.force_flush().is_err());
}

/// No credential shows in the guard's or the builder's `Debug`, on either transport, including
/// headers opentelemetry-otlp would take from the process environment.
#[test]
fn debug_output_never_shows_a_credential() {
    for (receiver, protocol) in [
        (Receiver::grpc(Reply::Accept, None), Protocol::Grpc),
        (Receiver::http(Reply::Accept, None), Protocol::HttpProtobuf),
    ] {
        let builder = insightfinder(builder(receiver.endpoint()))
            .protocol(protocol)
            .bearer_token("tk_DEBUG_SECRET")
            .header("x-api-key", "KEY_DEBUG_SECRET");
        let shown = format!("{builder:?}");
        let guard = builder.init().unwrap();
        let shown = format!("{shown} {guard:?}");
        for secret in ["LK-0123456789", "tk_DEBUG_SECRET", "KEY_DEBUG_SECRET"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        guard.shutdown().unwrap();
    }
}

#[test]
fn batches_overlap_on_their_way_to_a_distant_collector_and_a_flush_waits_for_all() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let setup = support::Setup {
            latency: Duration::from_millis(300),
            ..support::Setup::default()
        };
        let receiver = match protocol {
            Protocol::Grpc => Receiver::grpc_with(setup),
            _ => Receiver::http_with(setup),
        };
        let guard = builder(receiver.endpoint())
            .protocol(protocol)
            .max_export_batch_size(10)
            // Only full batches leave before the flush.
            .scheduled_delay(Duration::from_secs(60))
            .init()
            .unwrap();
        let tracer = guard.provider().unwrap().tracer("otlp-export-test");
        for _ in 0..40 {
            tracer.in_span("far", |_| {});
        }
        guard.force_flush().unwrap();
        // The flush returned only once every batch was answered.
        assert_eq!(receiver.accepted_spans(), 40, "{protocol:?}");
        assert_eq!(
            receiver.peak_concurrent_requests(),
            4,
            "{protocol:?}: four batches on their way at once, not one after another"
        );
        let stats = guard.stats();
        assert_eq!((stats.spans_exported, stats.spans_queued), (40, 0));
        guard.shutdown().unwrap();
    }
}
