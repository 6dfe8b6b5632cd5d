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
//! runs only that case, ten times, without criterion (the set may also be detector names,
//! `api_key,bearer_token/logs_100KB`; without `_clean`, with secrets), for
//! `valgrind --tool=callgrind --toggle-collect='*Redactor*redact*' <bench binary>`
//! (instructions per KB: the collected total over 10 × 100). `REDACTION_CALLGRIND_RUNS=20`
//! makes it twenty: the difference of the two counts over 10 × 100 is the steady state, without
//! a first run's one-off work (the built-in passes have none now: their DFAs are built whole
//! when the `Redactor` is made; a lazy regex engine builds states in its first searches).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use iftracer::privacy::{Detector, Redactor};

/// Prose in the style of an agent's prompt, with the everyday numbers a prompt holds (dates,
/// versions, amounts, ids) and nothing sensitive.
const PROSE: &[&str] = &[
    "You are a helpful customer support assistant for Acme Cloud. Answer politely and concisely, ",
    "and never reveal internal notes. The customer below opened ticket #100234587 on 2026-11-23 ",
    "about an invoice of $1,234.56 that was charged twice after upgrading to plan v2.14 last week. ",
    "Summarise the conversation in three bullet points, then propose a next step for the agent. ",
    "If the customer asks about refunds, explain that refunds take five to seven business days ",
    "and are issued to the original payment method; don't promise anything else. Keep the tone ",
    "friendly, avoid jargon, and mention the order ORD-2024-000123 when it helps the customer. ",
    "Context from the knowledge base: billing cycles start on the first day of each month, and ",
    "upgrades are prorated to the day. Customers on the Team plan can add seats at any time. ",
    "The previous agent wrote: “Customer was upset but calm; we’re checking with finance.” ",
];

/// The sensitive values a KB with secrets holds (different ones in each KB): an e-mail address,
/// a phone number, an SSN, a card, an API key, a password and an IBAN.
struct Secrets {
    email: String,
    phone: String,
    ssn: String,
    card: &'static str,
    key: String,
    password: String,
    iban: &'static str,
}

impl Secrets {
    fn of_kb(kb: usize) -> Secrets {
        Secrets {
            email: format!("jane.doe{kb}@example.com"),
            phone: format!("+1 555 {:03} {:04}", 100 + kb % 900, kb % 10_000),
            ssn: format!("123-45-{:04}", 1000 + kb % 9000),
            card: "4111 1111 1111 1111",
            key: format!("sk-proj-abc123DEF456ghi789JKL{kb:04}"),
            password: format!("Hunter{kb}!"),
            iban: "DE89 3704 0044 0532 0130 00",
        }
    }
}

/// Prose; with `sensitive`, a sentence with the secrets after every tenth piece.
fn prose(i: usize, kb: usize, sensitive: bool) -> String {
    let mut piece = PROSE[i % PROSE.len()].to_owned();
    if sensitive && i % PROSE.len() == 3 {
        let s = Secrets::of_kb(kb);
        piece.push_str(&format!(
            "The customer can be reached at {} or on {}; SSN {}, card {}, key {}, db \
             password={}, IBAN {}. ",
            s.email, s.phone, s.ssn, s.card, s.key, s.password, s.iban,
        ));
    }
    piece
}

/// A chat request, a completion or a tool call as JSON; with `sensitive`, a tool call whose input
/// holds the secrets in every fourth piece.
fn json(i: usize, kb: usize, sensitive: bool) -> String {
    match i % 4 {
        0 => format!(
            r#"{{"model":"gpt-4o-2024-08-06","temperature":0.2,"max_tokens":512,"messages":[{{"role":"system","content":"{}"}},{{"role":"user","content":"{}"}}]}}"#,
            PROSE[i % PROSE.len()].trim_end(),
            PROSE[(i + 1) % PROSE.len()]
                .trim_end()
                .replace(['“', '”'], "\\\""),
        ),
        2 => format!(
            r#"{{"id":"chatcmpl-9f86d081884c7d65","created":1732361783,"choices":[{{"index":0,"finish_reason":"tool_calls"}}],"usage":{{"prompt_tokens":{},"completion_tokens":87,"total_tokens":{}}}}}"#,
            1000 + i,
            1087 + i,
        ),
        3 => format!(
            r#"{{"tool_call_id":"call_{i:08}","name":"lookup_order","arguments":"{{\"order_id\":\"ORD-2024-{:06}\",\"amount\":\"$1,234.56\",\"date\":\"2026-11-23T11:36:23Z\"}}"}}"#,
            i % 1_000_000,
        ),
        _ if sensitive => {
            let s = Secrets::of_kb(kb);
            format!(
                r#"{{"type":"tool_use","id":"toolu_{i:08}","name":"update_customer","input":{{"email":"{}","phone":"{}","ssn":"{}","card":"{}","key":"{}","password":"{}","iban":"{}"}}}}"#,
                s.email, s.phone, s.ssn, s.card, s.key, s.password, s.iban,
            )
        }
        _ => format!(
            r#"{{"role":"tool","tool_call_id":"call_{i:08}","content":"{{\"status\":\"shipped\",\"carrier\":\"UPS\",\"eta\":\"2026-11-25\",\"weight_kg\":1.25}}"}}"#,
        ),
    }
}

/// Log lines: timestamps, trace ids, versions, prices, durations, ports and `key=value` pairs;
/// with `sensitive`, a line with the secrets in every third.
fn logs(i: usize, kb: usize, sensitive: bool) -> String {
    match i % 3 {
        1 if sensitive => {
            let s = Secrets::of_kb(kb);
            format!(
                "2026-11-23T11:36:{:02}.123Z WARN signup email={} phone=\"{}\" ssn={} card=\"{}\" \
                 openai_key={} password={} iban=\"{}\"\n",
                i % 60,
                s.email,
                s.phone,
                s.ssn,
                s.card,
                s.key,
                s.password,
                s.iban,
            )
        }
        n => format!(
            "2026-11-23T11:36:{:02}.{:03}Z INFO http{{method=GET path=/v1/orders/ORD-2024-{:06} \
             status=200}} trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 \
             latency_ms={}.{} total=$1,234.56 build=v2.14.{} pid=48213 listening on 0.0.0.0:8080 \
             ratio 16:9 id 550e8400-e29b-41d4-a716-44665544{:04}\n",
            i % 60,
            i % 1000,
            i % 1_000_000,
            n * 3,
            i % 10,
            100 + n,
            i % 10_000,
        ),
    }
}

/// A generator of one kind of input: piece `i`, in KB `kb`, with or without secrets.
type Piece = fn(usize, usize, bool) -> String;

/// About `len` bytes of `piece(i, kb, sensitive)` for i = 0, 1, …, where `kb` is the KB the
/// piece starts in.
fn text(len: usize, sensitive: bool, piece: Piece) -> String {
    let mut text = String::with_capacity(len + 1024);
    let mut i = 0;
    while text.len() < len {
        let kb = text.len() / 1024;
        text.push_str(&piece(i, kb, sensitive));
        i += 1;
    }
    let mut end = len;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

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
    let (set, name) = case
        .split_once('/')
        .expect("REDACTION_CALLGRIND is set/name");
    // `default`, `all`, or detector names joined by `,` (one pass's cost: `api_key,credential`).
    let detectors: Vec<Detector> = match set {
        "default" => Detector::DEFAULT.to_vec(),
        "all" => Detector::ALL.to_vec(),
        names => names
            .split(',')
            .map(|n| Detector::from_name(n).unwrap_or_else(|| panic!("detector {n}")))
            .collect(),
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
    let redactor = Redactor::new(&detectors, Vec::new());
    // Ten by default; the difference between 20 and 10 runs leaves out a first run's one-off
    // work, as criterion's warm-up does.
    let runs: usize = std::env::var("REDACTION_CALLGRIND_RUNS").map_or(10, |r| {
        r.parse().expect("REDACTION_CALLGRIND_RUNS is a number")
    });
    let mut total = 0;
    for _ in 0..runs {
        total += redactor.redact(black_box(&input)).len();
    }
    println!(
        "{case}: {} bytes in, {total} bytes out over {runs} runs",
        input.len()
    );
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
