//! A process environment meant for another backend never reaches the wire: with
//! `OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_}{COMPRESSION,HEADERS,TIMEOUT}` set in the process and
//! iftracer told to ignore it (`.env_source()` with a map), traces and metrics arrive over
//! both transports uncompressed, without the foreign header, and `init()` succeeds; the same
//! compression resolved from iftracer's own environment source gzips both signals, and each
//! signal's own variables (`OTEL_EXPORTER_OTLP_{TRACES,METRICS}_*`) apply to it alone.
//!
//! One test, because it changes the process environment.

use iftracer_test_support as support;

use std::collections::HashMap;
use std::ffi::OsString;
use std::time::Duration;

use iftracer::llm::LlmCall;
use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
use iftracer::{Iftracer, Protocol};
use support::metrics::MetricsReceiver;
use support::{Receiver, Reply};

/// What one pipeline delivered: the traces request and a metrics request.
struct Delivered {
    traces: support::Received,
    metrics: support::metrics::Export,
}

/// Exports one span and one LLM call's metrics to fresh receivers over `protocol`, with
/// `vars` as iftracer's whole environment (plus where metrics go).
fn deliver(protocol: Protocol, vars: &[(&str, &str)]) -> Delivered {
    let (traces, metrics) = match protocol {
        Protocol::Grpc => (Receiver::grpc(Reply::Accept, None), MetricsReceiver::grpc()),
        _ => (Receiver::http(Reply::Accept, None), MetricsReceiver::http()),
    };
    let metrics_url = match protocol {
        Protocol::Grpc => metrics.endpoint(),
        // The signal-specific URL is posted to as given.
        _ => format!("{}/v1/metrics", metrics.endpoint()),
    };
    let mut env: HashMap<String, OsString> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), OsString::from(v)))
        .collect();
    env.insert(
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT".to_owned(),
        metrics_url.into(),
    );
    let guard = Iftracer::builder()
        .env_source(move |name| env.get(name).cloned())
        // Global, so the LLM call below (on no span) records into this pipeline's metrics.
        .endpoint(traces.endpoint())
        .protocol(protocol)
        .metrics(true)
        .metric_export_interval(Duration::from_secs(3600))
        .scheduled_delay(Duration::from_millis(20))
        .init()
        .expect("init() succeeds whatever the process environment holds");
    guard
        .provider()
        .unwrap()
        .tracer("foreign-env")
        .in_span("work", |_| {});
    LlmCall::chat("gpt-4o")
        .provider("openai")
        .usage(10, 2)
        .record_on_current();
    guard.force_flush().unwrap();
    let mut received = traces.wait_for_spans(1);
    // Shutdown exports the metrics recorded so far.
    guard.shutdown().unwrap();
    assert_eq!(guard.stats().spans_exported, 1, "{protocol:?}");
    let mut exports = metrics.wait_for_exports(1, Duration::from_secs(10));
    assert!(
        !exports.is_empty(),
        "{protocol:?}: no metrics export arrived"
    );
    Delivered {
        traces: received.remove(0),
        metrics: exports.remove(0),
    }
}

/// The compression each signal's request arrived with.
fn encodings(delivered: &Delivered, protocol: Protocol) -> (Option<&str>, Option<&str>) {
    let name = match protocol {
        Protocol::Grpc => "grpc-encoding",
        _ => "content-encoding",
    };
    (
        delivered.traces.header(name),
        delivered.metrics.header(name),
    )
}

#[test]
fn only_resolved_settings_reach_the_wire_for_both_signals_over_both_transports() {
    // SAFETY: the only test in this binary; no other thread reads the environment yet.
    unsafe { support::clear_tracing_env() };

    // Compression and headers resolved from iftracer's environment source: both signals.
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let delivered = deliver(
            protocol,
            &[
                ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
                ("OTEL_EXPORTER_OTLP_HEADERS", "x-resolved=1"),
            ],
        );
        assert_eq!(
            encodings(&delivered, protocol),
            (Some("gzip"), Some("gzip")),
            "{protocol:?}"
        );
        assert_eq!(delivered.traces.header("x-resolved"), Some("1"));
        assert_eq!(delivered.metrics.header("x-resolved"), Some("1"));
        assert_eq!(delivered.traces.span_names(), ["work"], "decoded");
    }

    // Each signal's own variables apply to that signal alone, over its generic twin.
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let delivered = deliver(
            protocol,
            &[
                ("OTEL_EXPORTER_OTLP_HEADERS", "x-generic=1"),
                ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-traces=1"),
                ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-metrics=1"),
                ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
                ("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "none"),
            ],
        );
        assert_eq!(
            encodings(&delivered, protocol),
            (Some("gzip"), None),
            "{protocol:?}"
        );
        let (traces, metrics) = (&delivered.traces, &delivered.metrics);
        for name in ["x-generic", "x-traces", "x-metrics"] {
            let expected = |signal| (name == signal).then_some("1");
            assert_eq!(
                traces.header(name),
                expected("x-traces"),
                "{protocol:?} {name}"
            );
            assert_eq!(
                metrics.header(name),
                expected("x-metrics"),
                "{protocol:?} {name}"
            );
        }
    }

    // A process environment meant for another backend.
    // SAFETY: as above; iftracer's threads from the pipelines above have stopped.
    unsafe {
        for prefix in [
            "OTEL_EXPORTER_OTLP",
            "OTEL_EXPORTER_OTLP_TRACES",
            "OTEL_EXPORTER_OTLP_METRICS",
        ] {
            std::env::set_var(format!("{prefix}_COMPRESSION"), "gzip");
            std::env::set_var(format!("{prefix}_HEADERS"), "x-foreign=1");
            // One millisecond: any export held to it would fail.
            std::env::set_var(format!("{prefix}_TIMEOUT"), "1");
        }
    }
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let delivered = deliver(protocol, &[]);
        assert_eq!(
            encodings(&delivered, protocol),
            (None, None),
            "{protocol:?}"
        );
        assert_eq!(delivered.traces.header("x-foreign"), None, "{protocol:?}");
        assert_eq!(delivered.metrics.header("x-foreign"), None, "{protocol:?}");
        if protocol == Protocol::HttpProtobuf {
            // Nothing resolved, so only the framing (and what HTTP/1.1 itself needs).
            for headers in [&delivered.traces.headers, &delivered.metrics.headers] {
                let mut names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
                names.sort_unstable();
                assert_eq!(
                    names,
                    [
                        "accept",
                        "content-length",
                        "content-type",
                        "host",
                        "user-agent"
                    ]
                );
            }
            let agent = delivered.traces.header("user-agent").unwrap();
            assert!(agent.starts_with("iftracer-rs/"), "{agent}");
        }
    }
}
