//! Redaction throughput on realistic prompts, with the default detectors and with all of them:
//! 1 KB and 100 KB of English prose with sensitive values of several kinds in every KB, and
//! 1 KB and 100 KB with nothing to redact.
//!
//! `cargo bench -p iftracer --bench redaction -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

/// A prompt of about `len` bytes; with `sensitive`, per KB (different ones each time) an
/// e-mail address, a phone number, an SSN, a card, an API key, a `password=` pair and an IBAN.
fn prompt(len: usize, sensitive: bool) -> String {
    let mut text = String::with_capacity(len + 256);
    let mut i = 0;
    while text.len() < len {
        text.push_str(PROSE[i % PROSE.len()]);
        if sensitive && i % PROSE.len() == 3 {
            let kb = text.len() / 1024;
            text.push_str(&format!(
                "The customer can be reached at jane.doe{kb}@example.com or on \
                 +1 555 {:03} {:04}; SSN 123-45-{:04}, card 4111 1111 1111 1111, key \
                 sk-proj-abc123DEF456ghi789JKL{kb:04}, db password=Hunter{kb}!, IBAN \
                 DE89 3704 0044 0532 0130 00. ",
                100 + kb % 900,
                kb % 10_000,
                1000 + kb % 9000,
            ));
        }
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
    let cases = [
        ("1KB", prompt(1024, true)),
        ("100KB", prompt(100 * 1024, true)),
        ("1KB_clean", prompt(1024, false)),
        ("100KB_clean", prompt(100 * 1024, false)),
    ];
    for (set, detectors) in [
        ("default", &Detector::DEFAULT[..]),
        ("all", &Detector::ALL[..]),
    ] {
        let redactor = Redactor::new(detectors, Vec::new());
        // The inputs hold what the names say.
        let one = redactor.redact(&cases[0].1);
        for kind in [
            "EMAIL",
            "PHONE",
            "SSN",
            "CARD",
            "API_KEY",
            "CREDENTIAL",
            "IBAN",
        ] {
            assert!(
                one.contains(&format!("[REDACTED:{kind}]")),
                "{kind} in {one}"
            );
        }
        assert!(
            redactor
                .redact(&cases[1].1)
                .matches("[REDACTED:EMAIL]")
                .count()
                >= 80
        );
        assert_eq!(redactor.redact(&cases[2].1), cases[2].1);
        assert_eq!(redactor.redact(&cases[3].1), cases[3].1);

        let mut group = c.benchmark_group(format!("redaction_{set}"));
        for (name, text) in &cases {
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_function(*name, |b| b.iter(|| redactor.redact(black_box(text)).len()));
        }
        group.finish();
    }
}

criterion_group!(benches, redaction);
criterion_main!(benches);
