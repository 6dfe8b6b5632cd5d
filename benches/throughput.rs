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
//!
//! For experiments: `IFTRACER_BENCH_BATCH` and `IFTRACER_BENCH_QUEUE` replace the batch size
//! and queue size of the `default` scenarios, for both stacks; `IFTRACER_BENCH_THREADS=1` adds
//! each thread's user and system CPU per exported span under its row.

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
            let (batch, queue) = batch_override();
            let builder = match batch {
                Some(batch) => builder.max_export_batch_size(batch),
                None => builder,
            };
            match queue {
                Some(queue) => builder.max_queue_size(queue),
                None => builder,
            }
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
    let threads_before = thread_cpu();
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
    let threads_after = thread_cpu();
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
    print_thread_cpu(&threads_before, &threads_after, exported_in_window);
}

/// `IFTRACER_BENCH_BATCH` and `IFTRACER_BENCH_QUEUE`, for experiments with batch settings.
fn batch_override() -> (Option<usize>, Option<usize>) {
    let read = |var| std::env::var(var).ok().and_then(|v| v.parse().ok());
    (read("IFTRACER_BENCH_BATCH"), read("IFTRACER_BENCH_QUEUE"))
}

/// CPU time of every thread but the application's (the main one): the batch processor, the
/// export thread and the receiver. Per exported span, it is what export costs whatever else
/// the machine runs, where a rate on two shared cores moves with the neighbours' load.
fn background_cpu() -> Duration {
    let ticks: u64 = thread_cpu()
        .values()
        .map(|(user, system)| user + system)
        .sum();
    // Linux reports these in USER_HZ, 100 per second on every architecture.
    Duration::from_millis(ticks * 10)
}

/// User and system CPU ticks of every thread but the application's, summed by thread name
/// (the receiver's threads carry the process's name).
fn thread_cpu() -> std::collections::BTreeMap<String, (u64, u64)> {
    let main = std::process::id().to_string();
    let mut by_name = std::collections::BTreeMap::new();
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
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let name = head.split_once('(').map_or("", |(_, name)| name).to_owned();
        // After the parenthesised name: state is field 3, utime and stime fields 14 and 15.
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let tick = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        let entry: &mut (u64, u64) = by_name.entry(name).or_default();
        entry.0 += tick(11);
        entry.1 += tick(12);
    }
    by_name
}

/// With `IFTRACER_BENCH_THREADS` set: each thread's user and system CPU per exported span,
/// where the combined column cannot tell export from receiver, or code from the kernel.
fn print_thread_cpu(
    before: &std::collections::BTreeMap<String, (u64, u64)>,
    after: &std::collections::BTreeMap<String, (u64, u64)>,
    exported: u64,
) {
    if std::env::var_os("IFTRACER_BENCH_THREADS").is_none() {
        return;
    }
    for (name, (user, system)) in after {
        let (user_before, system_before) = before.get(name).copied().unwrap_or_default();
        // Ticks of 10 ms, in µs per span.
        let per_span = |ticks: u64| ticks as f64 * 10_000.0 / exported.max(1) as f64;
        println!(
            "    {name:<20} user {:>6.3} µs/span  system {:>6.3} µs/span",
            per_span(user.saturating_sub(user_before)),
            per_span(system.saturating_sub(system_before)),
        );
    }
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
    use iftracer::opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor};
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
    let (batch, queue) = batch_override();
    let mut config = BatchConfigBuilder::default();
    if let Some(batch) = batch {
        config = config.with_max_export_batch_size(batch);
    }
    if let Some(queue) = queue {
        config = config.with_max_queue_size(queue);
    }
    let config = config.build();
    let ended = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let provider = SdkTracerProvider::builder()
        .with_span_processor(CountEnded(std::sync::Arc::clone(&ended)))
        .with_span_processor(
            BatchSpanProcessor::builder(exporter)
                .with_batch_config(config)
                .build(),
        )
        .build();
    Pipeline::Raw(provider, ended)
}
