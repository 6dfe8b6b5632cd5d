//! Redaction throughput with every detector on realistic prompts: 1 KB and 100 KB of English
//! prose with one e-mail address and one phone number per KB, and 1 KB with nothing to redact.
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

/// A prompt of about `len` bytes; with `sensitive`, one e-mail address and one phone number
/// (different ones each time) per KB.
fn prompt(len: usize, sensitive: bool) -> String {
    let mut text = String::with_capacity(len + 256);
    let mut i = 0;
    while text.len() < len {
        text.push_str(PROSE[i % PROSE.len()]);
        if sensitive && i % PROSE.len() == 3 {
            let kb = text.len() / 1024;
            text.push_str(&format!(
                "The customer can be reached at jane.doe{kb}@example.com or on \
                 +1 555 {:03} {:04}. ",
                100 + kb % 900,
                kb % 10_000,
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
    let redactor = Redactor::new(&Detector::ALL, Vec::new());
    let cases = [
        ("1KB", prompt(1024, true)),
        ("100KB", prompt(100 * 1024, true)),
        ("1KB_clean", prompt(1024, false)),
    ];
    // The inputs hold what the names say.
    assert!(redactor.redact(&cases[0].1).contains("[REDACTED:PHONE]"));
    assert!(
        redactor
            .redact(&cases[1].1)
            .matches("[REDACTED:EMAIL]")
            .count()
            >= 90
    );
    assert_eq!(redactor.redact(&cases[2].1), cases[2].1);

    let mut group = c.benchmark_group("redaction");
    for (name, text) in &cases {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(*name, |b| b.iter(|| redactor.redact(black_box(text)).len()));
    }
    group.finish();
}

criterion_group!(benches, redaction);
criterion_main!(benches);
