//! The shared scan redacts exactly as the per-detector passes it replaced (`legacy`) did: on the
//! bench's inputs, the test samples in their surroundings and 100,000 generated strings that
//! mix values with separators, with the default set, all detectors, each detector alone and with
//! custom rules.

use super::corpus::{Piece, json, logs, prose, text};
use super::legacy;
use super::tests::{CONTEXTS, NEGATIVES, POSITIVES};
use super::*;

/// A redactor and its legacy twin, built from the same rules.
struct Pair {
    name: String,
    new: Redactor,
    old: legacy::Redactor,
}

fn custom() -> Vec<(Regex, String)> {
    vec![
        (Regex::new(r"ORD-\d{4}-\d{6}").unwrap(), "[ORDER]".to_owned()),
        (Regex::new(r"REDACTED:(\w+)").unwrap(), "$1 hidden".to_owned()),
    ]
}

/// The default set, all detectors and each alone, with and without custom rules.
fn pairs() -> Vec<Pair> {
    let mut sets: Vec<(String, Vec<Detector>)> = vec![
        ("default".to_owned(), Detector::DEFAULT.to_vec()),
        ("all".to_owned(), Detector::ALL.to_vec()),
    ];
    sets.extend(Detector::ALL.iter().map(|d| (d.name().to_owned(), vec![*d])));
    let mut pairs = Vec::new();
    for (name, detectors) in sets {
        for with_custom in [false, true] {
            let rules = || if with_custom { custom() } else { Vec::new() };
            pairs.push(Pair {
                name: format!("{name}{}", if with_custom { "+custom" } else { "" }),
                new: Redactor::new(&detectors, rules()),
                old: legacy::Redactor::new(&detectors, rules()),
            });
        }
    }
    pairs
}

/// Redacts `input` with both of every pair; panics naming the first difference.
fn same(pairs: &[Pair], input: &str) {
    for pair in pairs {
        let (new, old) = (pair.new.redact(input), pair.old.redact(input));
        assert_eq!(new, old, "{}: {input:?}", pair.name);
        // Borrowed exactly when nothing was found, as before.
        assert_eq!(
            matches!(new, Cow::Borrowed(_)),
            matches!(old, Cow::Borrowed(_)),
            "{}: {input:?}",
            pair.name
        );
    }
}

#[test]
fn the_bench_inputs_are_redacted_as_before() {
    let pairs = pairs();
    let kinds: [Piece; 3] = [prose, json, logs];
    for piece in kinds {
        for len in [1024, 100 * 1024] {
            for sensitive in [false, true] {
                same(&pairs[..4], &text(len, sensitive, piece));
            }
        }
        // Every shorter cut of a KB, so values are cut at every point.
        let kb = text(1024, true, piece);
        for end in (0..kb.len()).filter(|&e| kb.is_char_boundary(e)) {
            same(&pairs[..4], &kb[..end]);
        }
    }
}

#[test]
fn the_samples_in_their_surroundings_are_redacted_as_before() {
    let pairs = pairs();
    let samples = POSITIVES.iter().map(|&(_, v, _)| v).chain(NEGATIVES.iter().copied());
    for value in samples {
        for context in CONTEXTS {
            same(&pairs, &context.replace("{}", value));
        }
    }
}

/// A small deterministic generator (xorshift), so a failure names its input and reproduces.
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

/// Strings of values, their look-alikes and the bytes they hinge on, glued in every way.
fn generated(rng: &mut Rng) -> String {
    const BITS: &[&str] = &[
        " ", " ", "  ", ".", "-", ":", "=", "@", "_", "/", ",", ";", "(", ")", "+", "[", "]", "\"",
        "'", "\\\"", "\n", "\t", "é", "公司", "🎉", "x", "Z", "a", "password", "passwd", "Token",
        "api_key", "secret", "SSN ", "ssn: ", "Authorization: ", "Bearer ", "basic ", "my password is ",
        "[REDACTED:PHONE]", "[REDACTED:EMAIL]", "AB", "GB", "DE89", "0", "1", "12", "123", "4111",
        "555", "2026-11-23", "10.0.0.1", "::1", "00:1A:2B:3C:4D:5E", "sk-", "eyJ", "ghp_", "AKIA",
        "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "jane", "example.com",
    ];
    let mut s = String::new();
    for _ in 0..rng.below(12) + 1 {
        match rng.below(10) {
            0..=2 => s.push_str(POSITIVES[rng.below(POSITIVES.len())].1),
            3 => s.push_str(NEGATIVES[rng.below(NEGATIVES.len())]),
            4 => {
                for _ in 0..rng.below(8) + 1 {
                    s.push(char::from(b'0' + rng.below(10) as u8));
                }
            }
            5 => {
                // A value cut short or with its end glued on.
                let value = POSITIVES[rng.below(POSITIVES.len())].1;
                let cut = rng.below(value.len() + 1);
                if value.is_char_boundary(cut) {
                    s.push_str(&value[..cut]);
                }
            }
            _ => s.push_str(BITS[rng.below(BITS.len())]),
        }
    }
    s
}

#[test]
fn generated_strings_are_redacted_as_before() {
    let pairs = pairs();
    let (default, all) = (&pairs[0..1], &pairs[2..4]);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..100_000 {
        let input = generated(&mut rng);
        same(default, &input);
        same(all, &input);
        // Every other rule set on a share of them.
        if i % 10 == 0 {
            same(&pairs, &input);
        }
    }
}
