//! `NumberRuns` finds the runs it found before `scan` and the shape check (a copy below), and
//! skips only runs where no number pattern matches: on generated text and text like the bench's.

use std::ops::Range;

use super::super::{Detector, Scratch, alternation, replace};
use super::{CLASS, DIGIT, GAP, NumberRuns, PATTERNS, Search, accept};

/// `NumberRuns` as it was before `Shape` and `scan`: every run with at least 8 digits, a byte
/// at a time.
fn runs_without_shape_check(b: &[u8]) -> Vec<Range<usize>> {
    let is = |at: usize, class: u8| {
        b.get(at)
            .is_some_and(|&c| CLASS[usize::from(c)] & class != 0)
    };
    let mut runs = Vec::new();
    let mut at = 0;
    while let Some(i) = b[at..].iter().position(u8::is_ascii_digit) {
        let first = at + i;
        let (mut end, mut digits) = (first, 0);
        loop {
            while is(end, DIGIT) {
                end += 1;
                digits += 1;
            }
            if !is(end, GAP) {
                break;
            }
            if is(end + 1, DIGIT) {
                end += 1;
            } else if is(end + 1, GAP) && is(end + 2, DIGIT) {
                end += 2;
            } else {
                break;
            }
        }
        let mut stop = end;
        while b
            .get(stop)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            stop += 1;
        }
        at = stop;
        if digits >= 8 {
            let lead = first > 0 && matches!(b[first - 1], b'+' | b'(');
            runs.push(first - usize::from(lead)..stop);
        }
    }
    runs
}

/// A small deterministic generator (xorshift), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Text of up to `max` bytes made of digit groups, number separators, letters, non-ASCII
/// letters, keywords and real numbers of every detector of this pass.
fn generated(rng: &mut Rng, max: usize) -> String {
    const PIECES: &[&str] = &[
        " ",
        ".",
        "-",
        "(",
        ")",
        "+",
        "/",
        "_",
        ",",
        ":",
        "x",
        "ab",
        "é",
        "公司",
        "SSN ",
        "social security ",
        "\n",
        "1-",
        "+1 ",
        "+44 ",
        "(0)",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "378282246310005",
        "3782 822463 10005",
        "123-45-6789",
        "123 45 6789",
        "123.45.6789",
        "123/45/6789",
        "123_45_6789",
        "123,45,6789",
        "123456789",
        "130 692 544",
        "130-692-544",
        "555-123-4567",
        "1-555-123-4567",
        "555.123.4567",
        "(555) 123-4567",
        "+1 555 123 4567",
        "+44 20 7946 0958",
        "+33 1.23.45.67.89",
        "+49 (0)30 123456",
        "+4915123456789",
        "2026-11-23T11:36:23Z",
        "ORD-2024-000123",
        "[REDACTED:PHONE]",
    ];
    let mut s = String::new();
    while s.len() < max {
        if rng.below(3) == 0 {
            let len = 1 + rng.below(20);
            for _ in 0..len {
                s.push(char::from(b'0' + rng.below(10) as u8));
            }
        } else {
            s.push_str(PIECES[rng.below(PIECES.len())]);
        }
    }
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s
}

/// Log lines and JSON like the bench's, with and without numbers to redact.
fn bench_like() -> Vec<String> {
    let mut texts = Vec::new();
    let mut logs = String::new();
    let mut json = String::new();
    for i in 0..400 {
        logs.push_str(&format!(
            "2026-11-23T11:36:{:02}.{:03}Z INFO http{{method=GET path=/v1/orders/ORD-2024-{:06} \
             status=200}} trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 \
             latency_ms={}.{} total=$1,234.56 build=v2.14.{} pid=48213 listening on 0.0.0.0:8080 \
             ratio 16:9 id 550e8400-e29b-41d4-a716-44665544{:04}\n",
            i % 60,
            i % 1000,
            i,
            i * 3,
            i % 10,
            100 + i,
            i % 10_000,
        ));
        logs.push_str(&format!(
            "2026-11-23T11:36:{:02}.123Z WARN signup phone=\"+1 555 {:03} {:04}\" ssn=123-45-{:04} \
             card=\"4111 1111 1111 1111\" iban=\"DE89 3704 0044 0532 0130 00\"\n",
            i % 60,
            100 + i % 900,
            i,
            1000 + i,
        ));
        json.push_str(&format!(
            r#"{{"id":"chatcmpl-9f86d081884c7d65","created":1732361783,"usage":{{"prompt_tokens":{}}}}}{{"tool_call_id":"call_{i:08}","arguments":"{{\"order_id\":\"ORD-2024-{:06}\",\"amount\":\"$1,234.56\",\"date\":\"2026-11-23T11:36:23Z\"}}"}}"#,
            1000 + i,
            i,
        ));
    }
    texts.push(logs);
    texts.push(json);
    texts
}

/// Every run the shape check drops holds no match of the pass's alternation (for the default and
/// all sets: the same number patterns), the runs kept are the same ranges, and the pass's output
/// is the same.
fn check(text: &str, regexes: &[(regex::Regex, Search)]) {
    let b = text.as_bytes();
    let before = runs_without_shape_check(b);
    // The walk itself (the chunk-at-a-time fast path included) finds exactly the old runs.
    let unshaped = NumberRuns {
        check_shape: false,
        ..NumberRuns::new(b)
    };
    assert_eq!(unshaped.collect::<Vec<_>>(), before, "{text:?}");
    let after: Vec<Range<usize>> = NumberRuns::new(b).collect();
    let mut kept = after.iter().peekable();
    for run in &before {
        if kept.peek() == Some(&run) {
            kept.next();
            continue;
        }
        for (re, _) in regexes {
            assert_eq!(
                re.find_at(&text[..run.end], run.start),
                None,
                "{:?} dropped in {text:?}",
                &text[run.clone()]
            );
        }
    }
    assert_eq!(
        kept.next(),
        None,
        "a run that was not one before, in {text:?}"
    );
    for (re, search) in regexes {
        assert_eq!(
            search.redact(text, &mut Scratch::default()),
            replace(re, text, before.iter().cloned(), accept),
            "{text:?}"
        );
    }
}

#[test]
fn the_shape_check_drops_only_runs_without_a_match() {
    let regexes: Vec<(regex::Regex, Search)> = [&Detector::DEFAULT[..], &Detector::ALL[..]]
        .into_iter()
        .map(|set| {
            (
                alternation(PATTERNS, set).unwrap(),
                Search::new(set).unwrap(),
            )
        })
        .collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut dropped = 0;
    // Every length up to 200, 500 strings each (100k in all), then longer ones.
    for len in 0..=200 {
        for _ in 0..500 {
            let text = generated(&mut rng, len);
            dropped += runs_without_shape_check(text.as_bytes()).len()
                - NumberRuns::new(text.as_bytes()).count();
            check(&text, &regexes);
        }
    }
    for _ in 0..200 {
        let len = 200 + rng.below(4000);
        check(&generated(&mut rng, len), &regexes);
    }
    for text in bench_like() {
        check(&text, &regexes);
    }
    // Dense digits and separators, where runs cross the 64-byte chunks with single and double
    // separators: 100k strings of up to 160 bytes.
    for _ in 0..100_000 {
        let len = rng.below(161);
        let text: String = (0..len)
            .map(|_| char::from(b"1234 -.(+x_"[rng.below(11)]))
            .collect();
        check(&text, &regexes);
    }
    // The check does drop runs (else this test proves nothing).
    assert!(dropped > 10_000, "{dropped} runs dropped");
}
