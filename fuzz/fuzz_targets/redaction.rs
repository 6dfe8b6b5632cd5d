//! Redaction of arbitrary text, with the default detectors, all of them, or one alone (picked by
//! the first byte): never a panic, a copy only when something was replaced, and a second pass
//! that changes nothing (what `Redactor::redact` documents), but for its one known exception.

#![no_main]

use std::borrow::Cow;
use std::sync::LazyLock;

use iftracer::privacy::{Detector, Redactor};
use libfuzzer_sys::fuzz_target;

/// Built once: a redactor compiles its patterns' DFAs when it is made.
static REDACTORS: LazyLock<Vec<Redactor>> = LazyLock::new(|| {
    let mut redactors = vec![
        Redactor::new(&Detector::DEFAULT, Vec::new()),
        Redactor::new(&Detector::ALL, Vec::new()),
    ];
    redactors.extend(Detector::ALL.map(|d| Redactor::new(&[d], Vec::new())));
    redactors
});

const SSN: &str = "[REDACTED:SSN]";

/// Whether `twice` is `once` with some runs of nine digits replaced by the SSN placeholder: the
/// known exception (README "Privacy"), nine digits whose word "SSN" a first pass finds just out
/// of reach, until a value between them is replaced by a shorter placeholder.
fn only_ssns_added(once: &str, twice: &str) -> bool {
    let (mut a, mut b) = (once.as_bytes(), twice.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        (a, b) = (&a[same..], &b[same..]);
        if a.is_empty() && b.is_empty() {
            return true;
        }
        let nine_digits = a.len() >= 9 && a[..9].iter().all(u8::is_ascii_digit);
        if !nine_digits || !b.starts_with(SSN.as_bytes()) {
            return false;
        }
        (a, b) = (&a[9..], &b[SSN.len()..]);
    }
    true
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let redactor = &REDACTORS[usize::from(pick) % REDACTORS.len()];
    let text = String::from_utf8_lossy(text);
    let once = redactor.redact(&text);
    if let Cow::Owned(copy) = &once {
        assert_ne!(copy, &*text, "a copy although nothing was replaced");
    }
    let twice = redactor.redact(&once);
    assert!(
        once == twice || only_ssns_added(&once, &twice),
        "a second pass changed the text ({redactor:?}): {text:?} -> {once:?} -> {twice:?}"
    );
});
