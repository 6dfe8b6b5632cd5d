//! Redaction throughput on realistic inputs, with the default detectors and with all of them,
//! 1 KB and 100 KB of each kind, with nothing to redact (`_clean`) and with sensitive values of
//! several kinds in every KB:
//!
//! - `prose`: English prose in the style of an agent's prompt;
//! - `json`: chat requests and tool calls as JSON (quotes, `:` and `,` everywhere);
//! - `logs`: log lines dense with candidate-looking tokens (timestamps, ids, hashes, versions,
//!   prices, `key=value` pairs, ports).
//!
//! `cargo bench -p iftracer --bench redaction -- --warm-up-time 1 --measurement-time 3`
//!
//! Instruction counts, repeatable on a loaded machine: `REDACTION_CALLGRIND=all/json_100KB_clean`
//! runs only that case, ten times, without criterion, for
//! `valgrind --tool=callgrind --toggle-collect='*Redactor*redact*' <bench binary>`
//! (instructions per KB: the collected total over 10 × 100).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use iftracer::privacy::{Detector, Redactor};

// The inputs, shared with the redaction tests (which check that the shared scan redacts them as
// the per-detector passes did).
#[path = "../src/privacy/redact/corpus.rs"]
mod corpus;

use corpus::{Piece, json, logs, prose, text};

fn redaction(c: &mut Criterion) {
    let kinds: [(&str, Piece); 3] = [("prose", prose), ("json", json), ("logs", logs)];
    for (set, detectors) in [
        ("default", &Detector::DEFAULT[..]),
        ("all", &Detector::ALL[..]),
    ] {
        let redactor = Redactor::new(detectors, Vec::new());
        let mut group = c.benchmark_group(format!("redaction_{set}"));
        for (kind, piece) in kinds {
            for size in [1, 100] {
                let sensitive = text(size * 1024, true, piece);
                let clean = text(size * 1024, false, piece);
                // The inputs hold what their names say.
                let redacted = redactor.redact(&sensitive);
                for what in [
                    "EMAIL",
                    "PHONE",
                    "SSN",
                    "CARD",
                    "API_KEY",
                    "CREDENTIAL",
                    "IBAN",
                ] {
                    let found = redacted.matches(&format!("[REDACTED:{what}]")).count();
                    assert!(
                        found >= (size * 4 / 5).max(1),
                        "{kind} {size}KB: {found} {what} in {redacted}"
                    );
                }
                // `all` takes the four-part `0.0.0.0` for an address, as it should.
                if set == "default" || kind != "logs" {
                    assert_eq!(redactor.redact(&clean), clean, "{kind} {size}KB clean");
                }
                for (name, input) in [
                    (format!("{kind}_{size}KB"), &sensitive),
                    (format!("{kind}_{size}KB_clean"), &clean),
                ] {
                    group.throughput(Throughput::Bytes(input.len() as u64));
                    group.bench_function(name, |b| {
                        b.iter(|| redactor.redact(black_box(input)).len())
                    });
                }
            }
        }
        group.finish();
    }
}

/// Redacts one case (`set/name`, as criterion names it) ten times, for callgrind.
fn callgrind(case: &str) {
    let (set, name) = case.split_once('/').expect("REDACTION_CALLGRIND is set/name");
    let detectors = match set {
        "default" => &Detector::DEFAULT[..],
        "all" => &Detector::ALL[..],
        _ => panic!("set {set}: default or all"),
    };
    let (kind, rest) = name.split_once('_').expect("name is kind_sizeKB[_clean]");
    let piece: Piece = match kind {
        "prose" => prose,
        "json" => json,
        "logs" => logs,
        _ => panic!("kind {kind}: prose, json or logs"),
    };
    let clean = rest.ends_with("_clean");
    let size: usize = rest
        .trim_end_matches("_clean")
        .trim_end_matches("KB")
        .parse()
        .expect("size in KB");
    let input = text(size * 1024, !clean, piece);
    let redactor = Redactor::new(detectors, Vec::new());
    let mut total = 0;
    for _ in 0..10 {
        total += redactor.redact(black_box(&input)).len();
    }
    println!("{case}: {} bytes in, {total} bytes out over 10 runs", input.len());
}

criterion_group!(benches, redaction);

fn main() {
    if let Ok(case) = std::env::var("REDACTION_CALLGRIND") {
        callgrind(&case);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
