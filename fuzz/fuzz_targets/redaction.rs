//! Redaction of arbitrary text, with the default detectors, all of them, or one alone (picked by
//! the first byte): never a panic, a copy only when something was replaced, and a second pass
//! that changes nothing (what `Redactor::redact` documents).

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
    assert_eq!(
        once, twice,
        "a second pass changed the text ({redactor:?}, input {text:?})"
    );
});
