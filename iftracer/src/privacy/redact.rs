//! In-process redaction of sensitive values in every string a span carries.
//!
//! The selected detectors run as six passes, each fast where nothing matches (the common case):
//!
//! 1. e-mail addresses, found from their `@` (`email`);
//! 2. the values of `password=`-style pairs, from their `=` and `:` (`pairs`);
//! 3. credentials (API keys, `Bearer`/`Basic` values, JWTs, PEM keys): their literal prefixes
//!    found by Aho-Corasick, each checked by the patterns' DFA from there (`credentials`);
//! 4. IBANs, from two capitals before two digits, with their checksum (`iban`), and UK National
//!    Insurance numbers (`national_ids`);
//! 5. numbers (cards, SSNs, phone numbers): the patterns' DFA run from the digit groups of runs
//!    of at least 8 digits (`numbers`);
//! 6. IP and MAC addresses, opt-in, around `:`, `.` and `-` (`network`).
//!
//! The patterns' DFAs (`anchored`) run only from where a pass's own scan says a match can start.
//! Each candidate is then checked in code (Luhn, mod 97, SSN ranges, digit counts, what the
//! value is glued to), which keeps the expressions small and free of capture groups. Text with
//! nothing to redact is returned borrowed. Where a replaced value was glued to more, or an SSN's
//! word may come within reach, the passes run again (`Redactor::settle`), so that redacting twice
//! changes nothing.

mod anchored;
mod credentials;
mod detector;
mod email;
mod iban;
mod national_ids;
mod network;
mod numbers;
mod pairs;
mod scan;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use regex::{NoExpand, Regex};

pub use self::detector::Detector;

/// One pass over the text (see the module documentation for the order).
enum Pass {
    Email,
    /// `password=…` values; before the other credentials, so `token=sk-…` is one pair.
    Pairs,
    /// The selected credential patterns' alternation and authorization schemes.
    Credentials(credentials::Search),
    Iban,
    Nino,
    /// The selected number patterns, searched in `NumberRuns`.
    Numbers(numbers::Search),
    Network(network::Kinds),
}

/// The alternation of the selected `patterns` as a regex, compiled with Unicode off (`\d` and
/// `\b` ASCII) as the passes' DFAs are: what the tests compare the passes' searches with.
#[cfg(test)]
fn alternation<P: AsRef<str>>(patterns: &[(Detector, P)], selected: &[Detector]) -> Option<Regex> {
    let alternatives: Vec<&str> = patterns
        .iter()
        .filter(|(d, _)| selected.contains(d))
        .map(|(_, p)| p.as_ref())
        .collect();
    if alternatives.is_empty() {
        return None;
    }
    let re = regex::RegexBuilder::new(&alternatives.join("|"))
        .unicode(false)
        .build()
        // Fixed patterns, compiled for every detector subset by the tests.
        .expect("built-in redaction patterns are valid");
    Some(re)
}

/// Compiled redaction rules: built-in detectors, then custom `(pattern, replacement)` rules.
///
/// Cheap to clone (the compiled rules are shared) and safe to use from any thread.
///
/// ```
/// use iftracer::privacy::{Detector, Redactor};
///
/// let order = iftracer::privacy::Regex::new(r"ORD-\d{4}-\d{6}").unwrap();
/// let redactor = Redactor::new(&Detector::ALL, vec![(order, "[ORDER]".to_owned())]);
///
/// assert_eq!(
///     redactor.redact("Mail jane@example.com about ORD-2024-000123, or call 555-123-4567."),
///     "Mail [REDACTED:EMAIL] about [ORDER], or call [REDACTED:PHONE]."
/// );
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The selected detectors, for `Debug`.
    detectors: Vec<Detector>,
    /// The passes with a selected detector, in order.
    passes: Vec<Pass>,
    /// Applied in order after the built-ins; replacements are literal text.
    custom: Vec<(Regex, String)>,
}

impl Redactor {
    /// Builds a redactor from built-in detectors and custom `(pattern, replacement)` rules.
    ///
    /// Custom rules run after the built-in detectors, in order, and replace every match with
    /// their replacement text taken literally (`$1` is not expanded).
    ///
    /// ```
    /// use iftracer::privacy::{Detector, Redactor};
    ///
    /// let emails_only = Redactor::new(&[Detector::Email], Vec::new());
    /// assert_eq!(
    ///     emails_only.redact("jane@example.com, SSN 123-45-6789"),
    ///     "[REDACTED:EMAIL], SSN 123-45-6789"
    /// );
    /// ```
    pub fn new(detectors: &[Detector], custom: Vec<(Regex, String)>) -> Redactor {
        let mut selected: Vec<Detector> = Vec::new();
        for &d in detectors {
            if !selected.contains(&d) {
                selected.push(d);
            }
        }
        let has = |d: Detector| selected.contains(&d);
        let mut passes = Vec::new();
        if has(Detector::Email) {
            passes.push(Pass::Email);
        }
        if has(Detector::Credential) {
            passes.push(Pass::Pairs);
        }
        if let Some(search) = credentials::Search::new(&selected) {
            passes.push(Pass::Credentials(search));
        }
        if has(Detector::Iban) {
            passes.push(Pass::Iban);
        }
        if has(Detector::NationalId) {
            passes.push(Pass::Nino);
        }
        if let Some(search) = numbers::Search::new(&selected) {
            passes.push(Pass::Numbers(search));
        }
        // Last: what an earlier pass leaves next to an address (`[REDACTED:CARD]::1`) must not
        // change the verdict on a second run.
        let kinds = network::Kinds {
            ip: has(Detector::IpAddress),
            mac: has(Detector::MacAddress),
        };
        if kinds.ip || kinds.mac {
            passes.push(Pass::Network(kinds));
        }
        Redactor {
            inner: Arc::new(Inner {
                detectors: selected,
                passes,
                custom,
            }),
        }
    }

    /// Whether no rule is configured, so [`redact`](Redactor::redact) never changes anything.
    ///
    /// ```
    /// use iftracer::privacy::{Detector, Redactor};
    ///
    /// assert!(Redactor::default().is_empty());
    /// assert!(Redactor::new(&[], Vec::new()).is_empty());
    /// assert!(!Redactor::new(&[Detector::Ssn], Vec::new()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.passes.is_empty() && self.inner.custom.is_empty()
    }

    /// `text` with every sensitive value replaced; borrowed when nothing matched.
    ///
    /// Built-in detectors replace a value with `[REDACTED:<KIND>]`, where the kind is `SSN`,
    /// `EMAIL`, `CARD`, `PHONE`, `API_KEY`, `BEARER_TOKEN`, `CREDENTIAL`, `IBAN`, `NATIONAL_ID`, `IP` or `MAC`.
    /// Redacting twice changes nothing more than redacting once (custom rules aside).
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use iftracer::privacy::{Detector, Redactor};
    ///
    /// let redactor = Redactor::new(&Detector::ALL, Vec::new());
    /// assert_eq!(
    ///     redactor.redact("Authorization: Bearer abc123.def456; card 4111 1111 1111 1111"),
    ///     "Authorization: Bearer [REDACTED:BEARER_TOKEN]; card [REDACTED:CARD]"
    /// );
    /// // 4111 1111 1111 1112 fails the Luhn check: not a card, nothing to copy.
    /// assert!(matches!(redactor.redact("ref 4111 1111 1111 1112"), Cow::Borrowed(_)));
    /// ```
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut scratch = Scratch::default();
        let mut out = self.builtin(text, &mut scratch);
        // Nothing replaced: the same text, the same verdicts.
        if scratch.run_again
            && let Cow::Owned(redacted) = out
        {
            out = Cow::Owned(self.settle(redacted, &mut scratch));
        }
        for (re, replacement) in &self.inner.custom {
            if let Cow::Owned(s) = re.replace_all(&out, NoExpand(replacement)) {
                out = Cow::Owned(s);
            }
        }
        out
    }

    /// One run of the built-in passes.
    fn builtin<'a>(&self, text: &'a str, scratch: &mut Scratch) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        // IBAN and NINO candidates, found once for both passes.
        let mut codes: Option<Vec<usize>> = None;
        for pass in &self.inner.passes {
            let redacted = match pass {
                Pass::Email => replace_found(
                    &out,
                    email::find(&out, 0).map(|(s, e)| (s, e, email::EMAIL)),
                    scratch,
                ),
                Pass::Pairs => replace_found(
                    &out,
                    pairs::find(&out)
                        .into_iter()
                        .map(|(s, e)| (s, e, pairs::PLACEHOLDER)),
                    scratch,
                ),
                Pass::Credentials(search) => {
                    let mut candidates = search.candidates();
                    replace_with(
                        &out,
                        std::iter::once(0..out.len()),
                        |haystack, at| candidates.find_at(haystack, at),
                        credentials::accept,
                        scratch,
                    )
                }
                Pass::Iban => {
                    let found = iban::codes(out.as_bytes());
                    let ibans: Vec<(usize, usize)> = iban::find(&out, &found).collect();
                    codes = Some(iban::moved(found, &ibans));
                    replace_found(
                        &out,
                        ibans.into_iter().map(|(s, e)| (s, e, iban::IBAN)),
                        scratch,
                    )
                }
                Pass::Nino => {
                    let found = codes.take().unwrap_or_else(|| iban::codes(out.as_bytes()));
                    replace_found(
                        &out,
                        national_ids::find_nino(&out, &found)
                            .map(|(s, e)| (s, e, national_ids::NATIONAL_ID)),
                        scratch,
                    )
                }
                Pass::Network(kinds) => replace_found(&out, network::find(&out, *kinds), scratch),
                Pass::Numbers(search) => search.redact(&out, scratch),
            };
            if let Cow::Owned(s) = redacted
                && let Cow::Owned(previous) = std::mem::replace(&mut out, Cow::Owned(s))
            {
                scratch.spare = previous;
            }
        }
        out
    }

    /// `text` after the built-in passes ran again until they change nothing (at most
    /// [`SETTLE_ROUNDS`] more runs).
    ///
    /// A value is passed over while it is glued to digits (`+44 20 7946` before `044 20 7946`,
    /// an SSN; a `Basic` token before `+123-45-6789`), and once what it was glued to is replaced,
    /// a second redaction would find it; so would nine digits whose word "SSN" a shorter
    /// placeholder brings within reach. Run only when a value was replaced next to more
    /// (`next_to_more`), or such an SSN's word is just out of reach: digit and token soups, not
    /// prose, logs or JSON.
    #[cold]
    fn settle(&self, mut text: String, scratch: &mut Scratch) -> String {
        for _ in 0..SETTLE_ROUNDS {
            match self.builtin(&text, scratch) {
                Cow::Borrowed(_) => break,
                Cow::Owned(s) => scratch.spare = std::mem::replace(&mut text, s),
            }
        }
        text
    }
}

/// A bound on [`Redactor::settle`]'s runs, which only a pass matching its own placeholders
/// could reach (none does; each run replaces digits or letters with placeholders): tracing
/// never loops on a string.
const SETTLE_ROUNDS: usize = 8;

/// What the passes of one [`Redactor::redact`] call share.
#[derive(Default)]
struct Scratch {
    /// The copy before the last one, for the next pass that replaces something to write into
    /// (see `reserve_once`): one allocation less per pass after the second.
    spare: String,
    /// Whether a second run of the passes may find more (a value replaced `next_to_more`, an
    /// SSN's word just out of reach), so that [`Redactor::settle`] runs.
    run_again: bool,
}

/// Whether the value `b[start..end]` is glued to what can continue a value, on either side: a
/// digit directly or past one or two of ` .-()+/_,` (as a number's run joins digits), or a
/// letter past some of them but no space (as a token's characters run on). A value next to
/// it may have been passed over for being glued to this one.
fn next_to_more(b: &[u8], start: usize, end: usize) -> bool {
    // Most values end at a quote, `=`, a line break or a word after a space: decided on the
    // first byte or two.
    fn continues<'a>(mut near: impl Iterator<Item = &'a u8>) -> bool {
        let mut spaced = false;
        for _ in 0..3 {
            let Some(&c) = near.next() else { return false };
            match GLUE[usize::from(c)] {
                DIGIT => return true,
                LETTER => return !spaced,
                SPACE => spaced = true,
                JOINER => {}
                _ => return false,
            }
        }
        false
    }
    continues(b[..start].iter().rev()) || continues(b[end..].iter())
}

/// Byte classes for [`next_to_more`].
const STOP: u8 = 0;
const DIGIT: u8 = 1;
const LETTER: u8 = 2;
const SPACE: u8 = 3;
const JOINER: u8 = 4;
static GLUE: [u8; 256] = {
    let mut classes = [STOP; 256];
    let mut c = 0;
    while c < 256 {
        classes[c] = match c as u8 {
            b'0'..=b'9' => DIGIT,
            b'a'..=b'z' | b'A'..=b'Z' => LETTER,
            b' ' => SPACE,
            b'.' | b'-' | b'(' | b')' | b'+' | b'/' | b'_' | b',' => JOINER,
            _ => STOP,
        };
        c += 1;
    }
    classes
};

impl fmt::Debug for Redactor {
    // The compiled patterns are long and say little; names and custom patterns say it all.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let detectors: Vec<&str> = self.inner.detectors.iter().map(|d| d.name()).collect();
        let custom: Vec<&str> = self
            .inner
            .custom
            .iter()
            .map(|(re, _)| re.as_str())
            .collect();
        f.debug_struct("Redactor")
            .field("detectors", &detectors)
            .field("custom", &custom)
            .finish()
    }
}

/// Checks a pass's candidate `text[start..end]`: the span to replace and its placeholder, or
/// `None` when it is not a sensitive value (what `replace_with`'s `accept` does).
#[cfg(test)]
type Accept = fn(&[u8], usize, usize) -> Option<(usize, usize, &'static str)>;

/// Replaces every accepted candidate of `re` found in the `windows` of `text`: [`replace_with`].
#[cfg(test)]
fn replace<'a>(
    re: &Regex,
    text: &'a str,
    windows: impl IntoIterator<Item = Range<usize>>,
    accept: Accept,
) -> Cow<'a, str> {
    replace_with(
        text,
        windows,
        |haystack, at| re.find_at(haystack, at).map(|m| m.range()),
        accept,
        &mut Scratch::default(),
    )
}

/// Replaces every accepted candidate `find_at` finds in the `windows` of `text` (increasing and
/// disjoint, each ending where `\b` reads as it does in all of `text`), copying only once one is
/// accepted (into the scratch's spare buffer, see `reserve_once`), and noting in `scratch` a
/// value replaced where it was glued to more (`next_to_more`).
fn replace_with<'a>(
    text: &'a str,
    windows: impl IntoIterator<Item = Range<usize>>,
    mut find_at: impl FnMut(&str, usize) -> Option<Range<usize>>,
    mut accept: impl FnMut(&[u8], usize, usize) -> Option<(usize, usize, &'static str)>,
    scratch: &mut Scratch,
) -> Cow<'a, str> {
    let mut out = String::new();
    let mut copied = 0; // `text[..copied]` is already in `out`
    for window in windows {
        // `find_at` reads the text before `at`, so `\b` works at a window's start too.
        let haystack = &text[..window.end];
        let mut at = window.start.max(copied);
        while let Some(m) = find_at(haystack, at) {
            match accept(text.as_bytes(), m.start, m.end) {
                Some((start, end, placeholder)) => {
                    reserve_once(&mut out, text, &mut scratch.spare);
                    scratch.run_again |= next_to_more(text.as_bytes(), start, end);
                    out.push_str(&text[copied..start]);
                    out.push_str(placeholder);
                    copied = end;
                    at = end;
                }
                // A rejected candidate may hide a real one starting inside it; `\b` keeps that
                // from starting mid-word.
                None => at = m.start + text[m.start..].chars().next().map_or(1, char::len_utf8),
            }
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Replaces the `(start, end, placeholder)` spans of `text` (increasing and disjoint), copying
/// only once there is one, as [`replace_with`] does.
fn replace_found<'a>(
    text: &'a str,
    found: impl Iterator<Item = (usize, usize, &'static str)>,
    scratch: &mut Scratch,
) -> Cow<'a, str> {
    let mut out = String::new();
    let mut copied = 0;
    for (start, end, placeholder) in found {
        reserve_once(&mut out, text, &mut scratch.spare);
        scratch.run_again |= next_to_more(text.as_bytes(), start, end);
        out.push_str(&text[copied..start]);
        out.push_str(placeholder);
        copied = end;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Makes `out` the buffer for a redacted copy of `text` when the first value is replaced, sized
/// for the whole copy (growing a long copy step by step costs more than redacting it):
/// the `spare` buffer an earlier pass's copy left when it has the room (an allocation costs as
/// much as redacting a few hundred bytes), else a new one. Placeholders are a little longer
/// than most values they replace (`[REDACTED:SSN]` for `123-45-6789`), hence the room.
fn reserve_once(out: &mut String, text: &str, spare: &mut String) {
    if out.capacity() == 0 {
        let enough = text.len() + text.len() / 16 + 64;
        if spare.capacity() >= enough {
            *out = std::mem::take(spare);
            out.clear();
        } else {
            // Not `reserve` on the spare: growing it would copy its old contents.
            *out = String::with_capacity(text.len() + text.len() / 8 + 64);
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod equivalence;
