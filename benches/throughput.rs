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
//! Two kinds of run per configuration:
//! - `paced-50k`, `paced-100k`: one application thread ends spans at a steady 50,000 (the
//!   target) or 100,000 per second; what matters is that nothing is dropped and export keeps up.
//! - `flat-out`: the thread ends spans as fast as it can; the export rate is the ceiling, and
//!   what the queue cannot hold is dropped (and counted).

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use iftracer::opentelemetry::KeyValue;
use iftracer::opentelemetry::trace::{Span as _, Tracer, TracerProvider};
use iftracer::{Iftracer, IftracerBuilder, Protocol};
use support::{Receiver, Setup};

#[derive(Debug, Clone, Copy)]
struct Scenario {
    protocol: Protocol,
    high_volume: bool,
    /// Spans per second, or `None` for as fast as one thread can.
    paced: Option<u64>,
}

impl Scenario {
    fn name(self) -> String {
        format!(
            "{}-{}-{}",
            match self.protocol {
                Protocol::Grpc => "grpc",
                _ => "http",
            },
            if self.high_volume {
                "high-volume"
            } else {
                "default"
            },
            match self.paced {
                Some(rate) => format!("paced-{}k", rate / 1000),
                None => "flat-out".to_owned(),
            },
        )
    }

    fn all() -> Vec<Scenario> {
        let mut all = Vec::new();
        for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
            for high_volume in [false, true] {
                for paced in [Some(50_000), Some(100_000), None] {
                    all.push(Scenario {
                        protocol,
                        high_volume,
                        paced,
                    });
                }
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
        "{:<28} {:>10} {:>12} {:>10} {:>10} {:>12}",
        "scenario", "ended", "exported/s", "dropped", "failed", "peak RSS"
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
    let receiver = match scenario.protocol {
        Protocol::Grpc => Receiver::grpc_with(Setup {
            keep: false,
            ..Setup::default()
        }),
        _ => Receiver::http_with(Setup {
            keep: false,
            ..Setup::default()
        }),
    };
    let guard = scenario
        .configure(
            Iftracer::builder()
                .ignore_env()
                .global(false)
                .endpoint(receiver.endpoint())
                .protocol(scenario.protocol),
        )
        .init()
        .unwrap();
    let tracer = guard.provider().unwrap().tracer("throughput");
    let span = || {
        let mut span = tracer.start("ask_llm.task");
        span.set_attribute(KeyValue::new("chat.model", "gpt-4o"));
        span.set_attribute(KeyValue::new("chat.total_tokens", 165));
        span.end();
    };

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
    let at_end = guard.stats();
    guard.shutdown().unwrap();
    let stats = guard.stats();
    assert_eq!(
        receiver.accepted_spans() as u64,
        stats.spans_exported,
        "every exported span arrived"
    );
    println!(
        "{:<28} {:>10} {:>12.0} {:>10} {:>10} {:>9.1} MiB",
        scenario.name(),
        stats.spans_ended,
        at_end.spans_exported as f64 / window.as_secs_f64(),
        stats.spans_dropped,
        stats.spans_failed,
        support::peak_rss_mib(),
    );
}
