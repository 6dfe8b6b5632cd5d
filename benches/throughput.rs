//! Sustained export throughput to a loopback OTLP receiver, over gRPC and HTTP, with the default
//! batch settings and with the documented high-volume ones.
//!
//! ```sh
//! cargo bench --bench throughput                        # 5 s per scenario
//! IFTRACER_BENCH_SECS=30 cargo bench --bench throughput # longer runs
//! ```
//!
//! Each scenario runs in its own process (this binary started again with `--scenario`), so the
//! peak resident memory it reports (`VmHWM`) is that scenario's alone. The receiver is the one
//! the integration tests use (tests/support), running in the same process: it decodes every
//! request, so its CPU time and memory are part of the figures.
//!
//! Stacks: iftracer (`iftracer::Iftracer` with its defaults or the high-volume settings), and
//! the anchor it wraps, `raw`: opentelemetry_sdk's own `BatchSpanProcessor` (same queue, batch
//! and delay) over opentelemetry-otlp's exporter, same receiver, same process layout. `tls`:
//! gRPC over TLS (a local certificate authority) with InsightFinder's four headers, as
//! production runs.
//!
//! Two kinds of run per configuration:
//! - `paced-50k`, `paced-100k`: one application thread ends spans at a steady 50,000 (the
//!   target) or 100,000 per second; what matters is that nothing is dropped and export keeps up.
//! - `flat-out`: the thread ends spans as fast as it can; the export rate is the ceiling, and
//!   what the queue cannot hold is dropped (and counted).

use iftracer_test_support as support;

use std::process::Command;
use std::time::{Duration, Instant};

use iftracer::opentelemetry::trace::{Span as _, Tracer, TracerProvider};
use iftracer::opentelemetry::{Context, KeyValue};
use iftracer::opentelemetry_sdk::error::OTelSdkResult;
use iftracer::opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanProcessor};
use iftracer::{Iftracer, IftracerBuilder, Protocol};
use support::{Receiver, Setup};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stack {
    Iftracer,
    /// The SDK's batch processor over opentelemetry-otlp's exporter, without iftracer.
    Raw,
}

#[derive(Debug, Clone, Copy)]
struct Scenario {
    stack: Stack,
    protocol: Protocol,
    /// gRPC over TLS with InsightFinder's headers.
    tls: bool,
    high_volume: bool,
    /// The receiver answers this many milliseconds late: a collector across a network.
    latency_ms: u64,
    /// Spans per second, or `None` for as fast as one thread can.
    paced: Option<u64>,
}

impl Scenario {
    fn name(self) -> String {
        format!(
            "{}{}-{}-{}{}",
            match self.stack {
                Stack::Iftracer => "",
                Stack::Raw => "raw-",
            },
            match (self.protocol, self.tls) {
                (Protocol::Grpc, false) => "grpc",
                (Protocol::Grpc, true) => "grpc-tls",
                _ => "http",
            },
            if self.high_volume {
                "high-volume"
            } else {
                "default"
            },
            match self.latency_ms {
                0 => String::new(),
                ms => format!("{ms}ms-"),
            },
            match self.paced {
                Some(rate) => format!("paced-{}k", rate / 1000),
                None => "flat-out".to_owned(),
            },
        )
    }

    fn all() -> Vec<Scenario> {
        let mut all = Vec::new();
        let paces = [Some(50_000), Some(100_000), None];
        for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
            for high_volume in [false, true] {
                for paced in paces {
                    all.push(Scenario {
                        stack: Stack::Iftracer,
                        protocol,
                        tls: false,
                        high_volume,
                        latency_ms: 0,
                        paced,
                    });
                }
            }
        }
        for paced in paces {
            all.push(Scenario {
                stack: Stack::Iftracer,
                protocol: Protocol::Grpc,
                tls: true,
                high_volume: false,
                latency_ms: 0,
                paced,
            });
        }
        for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
            for paced in paces {
                all.push(Scenario {
                    stack: Stack::Raw,
                    protocol,
                    tls: false,
                    high_volume: false,
                    latency_ms: 0,
                    paced,
                });
            }
        }
        // A collector 10 ms away (InsightFinder's gateway is across the internet): what a
        // round trip per batch costs.
        for stack in [Stack::Iftracer, Stack::Raw] {
            for paced in [Some(50_000), Some(100_000)] {
                all.push(Scenario {
                    stack,
                    protocol: Protocol::Grpc,
                    tls: false,
                    high_volume: false,
                    latency_ms: 10,
                    paced,
                });
            }
        }
        all
    }

    /// The settings the README documents for high volume.
    fn configure(self, builder: IftracerBuilder) -> IftracerBuilder {
        if self.high_volume {
            builder
                .max_queue_size(65_536)
                .max_export_batch_size(4_096)
                .scheduled_delay(Duration::from_millis(200))
        } else {
            builder
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: f64 = std::env::var("IFTRACER_BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5.0);
    if let Some(i) = args.iter().position(|a| a == "--scenario") {
        let name = &args[i + 1];
        let scenario = Scenario::all()
            .into_iter()
            .find(|s| &s.name() == name)
            .expect("a known scenario");
        run(scenario, Duration::from_secs_f64(seconds));
        return;
    }
    // `cargo bench` passes `--bench`; a filter argument picks scenarios by name.
    let filter = args.iter().skip(1).find(|a| !a.starts_with("--"));
    println!(
        "{:<34} {:>10} {:>12} {:>10} {:>10} {:>12} {:>10}",
        "scenario", "ended", "exported/s", "dropped", "failed", "peak RSS", "CPU µs/span"
    );
    for scenario in Scenario::all() {
        if filter.is_some_and(|f| !scenario.name().contains(f.as_str())) {
            continue;
        }
        let output = Command::new(std::env::current_exe().unwrap())
            .args(["--scenario", &scenario.name()])
            .output()
            .expect("the scenario process starts");
        print!("{}", String::from_utf8_lossy(&output.stdout));
        if !output.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        }
    }
}

fn run(scenario: Scenario, duration: Duration) {
    let setup = Setup {
        keep: false,
        latency: Duration::from_millis(scenario.latency_ms),
        ..Setup::default()
    };
    let certs = scenario
        .tls
        .then(|| support::TestCertificates::generate("throughput"));
    let receiver = match (scenario.protocol, &certs) {
        (Protocol::Grpc, Some(certs)) => Receiver::grpc_tls_with(setup, certs),
        (Protocol::Grpc, None) => Receiver::grpc_with(setup),
        _ => Receiver::http_with(setup),
    };
    let pipeline = match scenario.stack {
        Stack::Iftracer => {
            let mut builder = Iftracer::builder()
                .ignore_env()
                .global(false)
                .endpoint(receiver.endpoint())
                .protocol(scenario.protocol);
            if let Some(certs) = &certs {
                builder = builder
                    .ca_certificate(&certs.ca_file)
                    .user("bench-user")
                    .license_key("0123456789abcdef0123456789abcdef")
                    .project("bench-project")
                    .system("bench-system");
            }
            Pipeline::Iftracer(scenario.configure(builder).init().unwrap())
        }
        Stack::Raw => raw_provider(scenario.protocol, &receiver.endpoint()),
    };
    let tracer = pipeline.provider().tracer("throughput");
    let span = || {
        let mut span = tracer.start("ask_llm.task");
        span.set_attribute(KeyValue::new("chat.model", "gpt-4o"));
        span.set_attribute(KeyValue::new("chat.total_tokens", 165));
        span.end();
    };

    let cpu_before = background_cpu();
    let started = Instant::now();
    if let Some(rate) = scenario.paced {
        // rate / 1000 spans every millisecond, catching up if a tick was late.
        let per_tick = rate / 1000;
        let mut tick = 0u64;
        while started.elapsed() < duration {
            for _ in 0..per_tick {
                span();
            }
            tick += 1;
            let next = started + Duration::from_millis(tick);
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    } else {
        while started.elapsed() < duration {
            for _ in 0..100 {
                span();
            }
        }
    }
    // Export rate while the application was producing: the sustained figure.
    let window = started.elapsed();
    let cpu = background_cpu().saturating_sub(cpu_before);
    let (ended, exported_in_window, dropped, failed) = match &pipeline {
        Pipeline::Iftracer(guard) => {
            let at_end = guard.stats();
            guard.shutdown().unwrap();
            let stats = guard.stats();
            assert_eq!(
                receiver.accepted_spans() as u64,
                stats.spans_exported,
                "every exported span arrived"
            );
            (
                stats.spans_ended,
                at_end.spans_exported,
                stats.spans_dropped,
                stats.spans_failed,
            )
        }
        Pipeline::Raw(provider, ended) => {
            // The SDK counts nothing: what the receiver holds is what was exported, the rest
            // of the spans ended was dropped.
            let at_end = receiver.accepted_spans() as u64;
            provider.shutdown().unwrap();
            let ended = ended.load(std::sync::atomic::Ordering::Relaxed);
            let exported = receiver.accepted_spans() as u64;
            (ended, at_end, ended - exported, 0)
        }
    };
    println!(
        "{:<34} {:>10} {:>12.0} {:>10} {:>10} {:>9.1} MiB {:>10.2}",
        scenario.name(),
        ended,
        exported_in_window as f64 / window.as_secs_f64(),
        dropped,
        failed,
        support::peak_rss_mib(),
        cpu.as_secs_f64() * 1e6 / exported_in_window.max(1) as f64,
    );
}

/// CPU time of every thread but the application's (the main one): the batch processor, the
/// export thread and the receiver. Per exported span, it is what export costs whatever else
/// the machine runs, where a rate on two shared cores moves with the neighbours' load.
fn background_cpu() -> Duration {
    let main = std::process::id().to_string();
    let mut ticks = 0u64;
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        if task.file_name() == main.as_str() {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // After the parenthesised name: state is field 3, utime and stime fields 14 and 15.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        ticks += fields
            .get(11)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
        ticks += fields
            .get(12)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
    }
    // Linux reports these in USER_HZ, 100 per second on every architecture.
    Duration::from_millis(ticks * 10)
}

enum Pipeline {
    Iftracer(iftracer::TracerGuard),
    /// The provider and the number of spans ended (the SDK does not count them).
    Raw(
        SdkTracerProvider,
        std::sync::Arc<std::sync::atomic::AtomicU64>,
    ),
}

impl Pipeline {
    fn provider(&self) -> SdkTracerProvider {
        match self {
            Pipeline::Iftracer(guard) => guard.provider().unwrap().clone(),
            Pipeline::Raw(provider, _) => provider.clone(),
        }
    }
}

/// Counts ended spans for the raw stack, which has no counters of its own.
#[derive(Debug)]
struct CountEnded(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl SpanProcessor for CountEnded {
    fn on_start(&self, _: &mut iftracer::opentelemetry_sdk::trace::Span, _: &Context) {}
    fn on_end(&self, _: SpanData) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// opentelemetry-otlp's exporter under the SDK's batch processor, at iftracer's default batch
/// settings (which are the SDK's: queue 2048, batches of 512, 5 s delay).
fn raw_provider(protocol: Protocol, endpoint: &str) -> Pipeline {
    use iftracer::opentelemetry_sdk::trace::BatchSpanProcessor;
    use opentelemetry_otlp::{SpanExporter, WithExportConfig, WithHttpConfig};
    // As opentelemetry-otlp documents: tonic's channel is built inside a tokio runtime, which
    // drives its connection while the SDK's batch thread awaits each export.
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    });
    let _entered = runtime.enter();
    // The workspace builds reqwest without a default crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let exporter = match protocol {
        Protocol::Grpc => SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build()
            .unwrap(),
        _ => SpanExporter::builder()
            .with_http()
            .with_endpoint(format!("{endpoint}/v1/traces"))
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            // The SDK's batch thread has no tokio reactor: the blocking client brings its own.
            .with_http_client(reqwest::blocking::Client::new())
            .build()
            .unwrap(),
    };
    let ended = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let provider = SdkTracerProvider::builder()
        .with_span_processor(CountEnded(std::sync::Arc::clone(&ended)))
        .with_span_processor(BatchSpanProcessor::builder(exporter).build())
        .build();
    Pipeline::Raw(provider, ended)
}
