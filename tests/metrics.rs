//! GenAI metrics exported over OTLP to real in-process receivers (the official
//! `MetricsService` over gRPC, `/v1/metrics` over HTTP): names, units, types, bucket bounds,
//! attributes, values and headers for known calls; the on/off rules; a hung receiver at
//! shutdown.
//!
//! The instruments are process-wide, so the tests of this binary run one at a time.

use iftracer_test_support as support;

use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use iftracer::llm::LlmCall;
use iftracer::metrics::{ENTITY_DURATION, OPERATION_DURATION, TIME_TO_FIRST_CHUNK, TOKEN_USAGE};
use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
use iftracer::{Iftracer, Protocol, Sampler};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use support::metrics::{Export, MetricsReceiver, histogram_points, metrics};

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + Send + Sync + 'static {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).map(OsString::from)
}

#[iftracer::agent(name = "planner")]
fn plan() -> u32 {
    tool()
}

#[iftracer::tool(name = "lookup")]
fn tool() -> u32 {
    7
}

#[iftracer::task]
fn step() {}

/// The same calls for every transport: one plain call recorded on no span (so never sampled),
/// one streamed call on its own span that fails, and an agent calling a tool.
fn record_known_calls() {
    LlmCall::chat("gpt-4o")
        .provider("openai")
        .response_model("gpt-4o-2024-08-06")
        .server("api.openai.com", 443)
        .usage(100, 20)
        .duration(Duration::from_millis(1500))
        .record_on_current();
    let span = LlmCall::chat("gpt-4o").provider("openai").start_span();
    span.record(
        &LlmCall::default()
            .usage(7, 3)
            .time_to_first_chunk(Duration::from_millis(120))
            .error("rate_limited", "slow down"),
    );
    drop(span);
    assert_eq!(plan(), 7);
    step();
}

fn init_with(protocol: Protocol, endpoint: String) -> iftracer::TracerGuard {
    Iftracer::builder()
        .ignore_env()
        .service_name("metrics-test")
        .endpoint(endpoint)
        .protocol(protocol)
        .user("alice")
        .license_key("secret-license")
        .project("proj")
        .system("sys")
        // An InsightFinder destination has metrics off unless asked for.
        .metrics(true)
        // Spans are not sampled: metrics are recorded regardless.
        .sampler(Sampler::AlwaysOff)
        .metric_export_interval(Duration::from_secs(3600))
        .shutdown_timeout(Duration::from_secs(5))
        .init()
        .unwrap()
}

fn check_known_calls(exports: &[Export], expected_path: &str) {
    assert!(!exports.is_empty(), "no metrics export arrived");
    for export in exports {
        assert_eq!(export.path, expected_path);
        assert_eq!(export.header("ifuser"), Some("alice"));
        assert_eq!(export.header("iflicensekey"), Some("secret-license"));
        assert_eq!(export.header("ifproject"), Some("proj"));
        assert_eq!(export.header("ifsystem"), Some("sys"));
        let resource = export.request.resource_metrics[0]
            .resource
            .as_ref()
            .unwrap();
        assert!(resource.attributes.iter().any(
            |kv| kv.key == "service.name" && format!("{:?}", kv.value).contains("metrics-test")
        ));
    }
    let all = metrics(exports);
    let unit = |name: &str| {
        let metric = all.iter().find(|m| m.name == name).unwrap();
        assert!(
            matches!(metric.data, Some(Data::Histogram(_))),
            "{name} is not a histogram"
        );
        metric.unit.clone()
    };
    assert_eq!(unit(TOKEN_USAGE), "{token}");
    assert_eq!(unit(OPERATION_DURATION), "s");
    assert_eq!(unit(TIME_TO_FIRST_CHUNK), "s");
    assert_eq!(unit(ENTITY_DURATION), "s");

    let mut tokens = histogram_points(exports, TOKEN_USAGE);
    tokens.sort_by(|a, b| a.sum.total_cmp(&b.sum));
    let summary: Vec<(Option<&str>, Option<&str>, u64, f64)> = tokens
        .iter()
        .map(|p| {
            (
                p.attribute("gen_ai.token.type"),
                p.attribute("gen_ai.response.model"),
                p.count,
                p.sum,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Some("output"), None, 1, 3.0),
            (Some("input"), None, 1, 7.0),
            (Some("output"), Some("gpt-4o-2024-08-06"), 1, 20.0),
            (Some("input"), Some("gpt-4o-2024-08-06"), 1, 100.0),
        ]
    );
    let plain = &tokens[3];
    let mut attributes = plain.attributes.clone();
    attributes.sort();
    assert_eq!(
        attributes,
        [
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.request.model", "gpt-4o"),
            ("gen_ai.response.model", "gpt-4o-2024-08-06"),
            ("gen_ai.token.type", "input"),
            ("server.address", "api.openai.com"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(
        plain.bounds,
        [
            1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0,
            4194304.0, 16777216.0, 67108864.0
        ]
    );
    // Tokens of the failed call carry no error.type (the conventions put it on durations).
    assert!(tokens.iter().all(|p| p.attribute("error.type").is_none()));

    let mut durations = histogram_points(exports, OPERATION_DURATION);
    durations.sort_by(|a, b| a.sum.total_cmp(&b.sum));
    assert_eq!(durations.len(), 2, "{durations:?}");
    // The span measured itself (it ended at once); the plain call gave its duration.
    assert!(durations[0].sum < 1.0, "{durations:?}");
    assert_eq!(durations[0].attribute("error.type"), Some("rate_limited"));
    assert_eq!(durations[1].sum, 1.5);
    assert_eq!(durations[1].attribute("error.type"), None);
    assert_eq!(
        durations[1].bounds,
        [
            0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
        ]
    );

    let first_chunk = histogram_points(exports, TIME_TO_FIRST_CHUNK);
    assert_eq!(first_chunk.len(), 1);
    assert_eq!((first_chunk[0].count, first_chunk[0].sum), (1, 0.12));

    let mut entities: Vec<(String, String, String, u64)> =
        histogram_points(exports, ENTITY_DURATION)
            .iter()
            .map(|p| {
                (
                    p.attribute("iftracer.span.kind").unwrap().to_owned(),
                    p.attribute("iftracer.entity.name").unwrap().to_owned(),
                    p.attribute("gen_ai.operation.name").unwrap().to_owned(),
                    p.count,
                )
            })
            .collect();
    entities.sort();
    // The task is not recorded.
    assert_eq!(
        entities,
        [
            ("agent", "planner", "invoke_agent", 1),
            ("tool", "lookup", "execute_tool", 1),
        ]
        .map(|(a, b, c, n)| (a.to_owned(), b.to_owned(), c.to_owned(), n))
    );
}

#[test]
fn llm_calls_and_entities_are_exported_as_genai_histograms_over_grpc() {
    let _serial = serial();
    let receiver = MetricsReceiver::grpc();
    let guard = init_with(Protocol::Grpc, receiver.endpoint());
    record_known_calls();
    guard.shutdown().unwrap();
    check_known_calls(
        &receiver.exports(),
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    );
}

#[test]
fn llm_calls_and_entities_are_exported_as_genai_histograms_over_http() {
    let _serial = serial();
    let receiver = MetricsReceiver::http();
    let guard = init_with(Protocol::HttpProtobuf, receiver.endpoint());
    record_known_calls();
    guard.shutdown().unwrap();
    check_known_calls(&receiver.exports(), "/v1/metrics");
}

#[test]
fn metrics_use_the_traces_tls_settings() {
    let _serial = serial();
    let certs = support::TestCertificates::generate("metrics");
    let receiver = MetricsReceiver::grpc_tls(&certs);
    let guard = Iftracer::builder()
        .ignore_env()
        .endpoint(receiver.endpoint())
        .ca_certificate(&certs.ca_file)
        .header("x-team", "agents")
        .metric_export_interval(Duration::from_secs(3600))
        .init()
        .unwrap();
    LlmCall::chat("tls-model").usage(4, 5).record_on_current();
    guard.shutdown().unwrap();
    let exports = receiver.exports();
    assert_eq!(exports.len(), 1, "{exports:?}");
    assert_eq!(exports[0].header("x-team"), Some("agents"));
    let points = histogram_points(&exports, TOKEN_USAGE);
    assert_eq!(points.len(), 2);
    assert!(
        points
            .iter()
            .all(|p| p.attribute("gen_ai.request.model") == Some("tls-model"))
    );
}

#[test]
fn the_interval_and_temporality_come_from_the_otel_variables() {
    let _serial = serial();
    let receiver = MetricsReceiver::grpc();
    let guard = Iftracer::builder()
        .env_source(env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint()),
            ("OTEL_METRIC_EXPORT_INTERVAL", "100"),
            ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"),
        ]))
        .init()
        .unwrap();
    LlmCall::chat("m").usage(1, 2).record_on_current();
    // Exported by the periodic reader, before any shutdown.
    let exports = receiver.wait_for_exports(1, Duration::from_secs(10));
    let with_tokens: Vec<_> = metrics(&exports)
        .into_iter()
        .filter(|m| m.name == TOKEN_USAGE)
        .collect();
    assert!(!with_tokens.is_empty(), "no periodic export within 10 s");
    match &with_tokens[0].data {
        // 1 = AGGREGATION_TEMPORALITY_DELTA
        Some(Data::Histogram(h)) => assert_eq!(h.aggregation_temporality, 1),
        other => panic!("not a histogram: {other:?}"),
    }
    guard.shutdown().unwrap();
}

#[test]
fn metrics_are_on_for_otlp_endpoints_and_off_for_insightfinder_unless_asked() {
    let _serial = serial();
    let receiver = MetricsReceiver::grpc();
    let endpoint = receiver.endpoint();
    let guard = |vars: &[(&str, &str)]| Iftracer::builder().env_source(env(vars)).init().unwrap();
    let credentials = [
        ("INSIGHTFINDER_USER", "u"),
        ("INSIGHTFINDER_LICENSE_KEY", "k"),
        ("INSIGHTFINDER_PROJECT", "p"),
        ("INSIGHTFINDER_SYSTEM", "s"),
    ];

    let plain = guard(&[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    assert!(plain.meter_provider().is_some());
    drop(plain);
    let off = guard(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("IFTRACER_METRICS_ENABLED", "false"),
    ]);
    assert!(off.meter_provider().is_none());
    drop(off);
    let mut insightfinder = credentials.to_vec();
    insightfinder.push(("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint));
    let gateway = guard(&insightfinder);
    assert!(gateway.meter_provider().is_none());
    drop(gateway);
    insightfinder.push(("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &endpoint));
    let with_metrics_url = guard(&insightfinder);
    assert!(with_metrics_url.meter_provider().is_some());
    drop(with_metrics_url);
    let console = guard(&[]);
    assert!(console.meter_provider().is_none());
    drop(console);
    // Nothing recorded with metrics off reached the receiver.
    let before = receiver.exports().len();
    let off = Iftracer::builder()
        .ignore_env()
        .endpoint(endpoint.clone())
        .metrics(false)
        .init()
        .unwrap();
    LlmCall::chat("m").usage(1, 2).record_on_current();
    off.shutdown().unwrap();
    assert_eq!(receiver.exports().len(), before);

    // Without an endpoint `.metrics(true)` feeds the console's summary; with the
    // application's own exporter there is nowhere to put them.
    let console = Iftracer::builder()
        .ignore_env()
        .metrics(true)
        .init()
        .unwrap();
    assert!(console.meter_provider().is_none(), "nothing is exported");
    drop(console);
    let error = Iftracer::builder()
        .ignore_env()
        .exporter(iftracer::opentelemetry_sdk::trace::InMemorySpanExporter::default())
        .metrics(true)
        .init()
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("`.metrics()`") && error.contains("no OTLP endpoint"),
        "{error}"
    );
}

/// Set in the copy of this binary that [`the_console_summary_counts_every_call_sampled_or_not`]
/// runs, whose standard output is the console.
const SUMMARY_CHILD: &str = "IFTRACER_TEST_SUMMARY_CHILD";

#[test]
fn the_console_summary_counts_every_call_sampled_or_not() {
    if std::env::var_os(SUMMARY_CHILD).is_some() {
        return calls_that_no_span_shows();
    }
    let _serial = serial();
    let output = support::clean_command(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_console_summary_counts_every_call_sampled_or_not",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SUMMARY_CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !stdout.contains("trace "),
        "no span is sampled, none printed\n{stdout}"
    );
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("model "))
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .take_while(|row| row.len() == 7)
        .collect();
    // 20 timed calls of 100 ms, 2 of 1 s, one failed LlmSpan (measured, well under 1 s), one
    // without a duration: 24 calls, 24 × (100 in, 10 out) tokens.
    assert_eq!(rows.len(), 1, "{stdout}");
    assert_eq!(
        rows[0][..5],
        ["gpt-4o", "24", "2400", "240", "1"],
        "{stdout}"
    );
    // Nearest rank over the 23 durations: the 12th is 100 ms, the 22nd 1 s; the exponential
    // histogram's estimate is within 4.4 % at this spread (the LlmSpan took microseconds).
    let seconds = |text: &str| match text.strip_suffix("ms") {
        Some(ms) => ms.parse::<f64>().unwrap() / 1e3,
        None => text.strip_suffix('s').unwrap().parse().unwrap(),
    };
    let (p50, p95) = (seconds(rows[0][5]), seconds(rows[0][6]));
    assert!((p50 - 0.1).abs() <= 0.1 * 0.044, "p50 {p50}\n{stdout}");
    assert!((p95 - 1.0).abs() <= 0.044, "p95 {p95}\n{stdout}");
}

/// The child's calls: every one on an unsampled span or on none.
fn calls_that_no_span_shows() {
    let guard = Iftracer::builder()
        .ignore_env()
        .sampler(Sampler::AlwaysOff)
        .init()
        .unwrap();
    let call = |millis| {
        LlmCall::chat("gpt-4o")
            .provider("openai")
            .usage(100, 10)
            .duration(Duration::from_millis(millis))
    };
    for _ in 0..20 {
        call(100).record_on_current();
    }
    for _ in 0..2 {
        call(1000).record_on_current();
    }
    let span = LlmCall::chat("gpt-4o").provider("openai").start_span();
    span.record(
        &LlmCall::default()
            .usage(100, 10)
            .error("timeout", "no answer"),
    );
    drop(span);
    LlmCall::chat("gpt-4o")
        .provider("openai")
        .usage(100, 10)
        .record_on_current();
    guard.shutdown().unwrap();
}

#[test]
fn a_hung_receiver_does_not_hold_shutdown_longer_than_its_timeout() {
    let _serial = serial();
    for grpc in [true, false] {
        let receiver = MetricsReceiver::hung(grpc);
        let guard = Iftracer::builder()
            .ignore_env()
            .endpoint(receiver.endpoint())
            .protocol(if grpc {
                Protocol::Grpc
            } else {
                Protocol::HttpProtobuf
            })
            .metric_export_interval(Duration::from_secs(3600))
            .shutdown_timeout(Duration::from_millis(400))
            .init()
            .unwrap();
        LlmCall::chat("m").usage(1, 2).record_on_current();
        let provider = guard.provider().unwrap().clone();
        provider.tracer("t").in_span("s", |_| {});
        let started = Instant::now();
        let _ = guard.shutdown();
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(1400),
            "shutdown took {took:?} with a hung {} receiver",
            if grpc { "gRPC" } else { "HTTP" }
        );
        // The export was attempted: the receiver got it and never answered.
        assert_eq!(
            receiver.wait_for_exports(1, Duration::from_secs(2)).len(),
            1
        );
    }
}

#[test]
fn calls_beyond_the_buffer_between_two_collections_are_all_counted() {
    let _serial = serial();
    let receiver = MetricsReceiver::grpc();
    let guard = Iftracer::builder()
        .ignore_env()
        .endpoint(receiver.endpoint())
        .metric_export_interval(Duration::from_secs(3600))
        .init()
        .unwrap();
    // More than twice the 4,096 measurements held between collections.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                for _ in 0..2_500 {
                    LlmCall::chat("bulk").usage(2, 3).record_on_current();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    guard.shutdown().unwrap();
    let mut points: Vec<(String, u64, f64)> = histogram_points(&receiver.exports(), TOKEN_USAGE)
        .into_iter()
        .map(|p| {
            (
                p.attribute("gen_ai.token.type").unwrap().to_owned(),
                p.count,
                p.sum,
            )
        })
        .collect();
    points.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        points,
        [
            ("input".to_owned(), 10_000, 20_000.0),
            ("output".to_owned(), 10_000, 30_000.0)
        ]
    );
}
