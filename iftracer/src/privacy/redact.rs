//! In-process redaction of sensitive values in every string a span carries.
//!
//! One shared scan (`scan`) finds, in a single pass over the text, the candidates of every
//! selected detector: `@` for e-mail addresses, `=`/`:` and "password is" for secret pairs, the
//! literal prefixes of credentials at a word boundary, two capitals before a digit for IBANs and
//! UK NINOs, `:`/`.`/`-` for IP and MAC addresses. The detectors then run in this order, each
//! only at its candidates:
//!
//! 1. e-mail addresses (`email`);
//! 2. the values of `password=`-style pairs (`pairs`);
//! 3. credentials (API keys, `Bearer`/`Basic` values, JWTs, PEM keys): one anchored regex
//!    alternation tried at each candidate (`credentials`);
//! 4. IBANs, with their checksum (`iban`), and UK National Insurance numbers (`national_ids`);
//! 5. numbers (cards, SSNs, phone numbers): one alternation searched only around runs of at
//!    least 8 digits (`numbers`);
//! 6. IP and MAC addresses, opt-in (`network`).
//!
//! Each candidate is checked in code (Luhn, mod 97, SSN ranges, digit counts, what the value is
//! glued to), which keeps the expressions small and free of capture groups. A detector sees the
//! text as the detectors before it left it (a placeholder, not the value): when one replaces
//! values, the text is copied once with its placeholders and the later detectors' candidates
//! are moved, found anew only around each placeholder. Text with nothing to redact is never
//! copied and is returned borrowed.

mod credentials;
mod detector;
mod email;
mod iban;
mod national_ids;
mod network;
mod numbers;
mod pairs;
mod scan;
#[cfg(test)]
mod legacy;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use regex::{NoExpand, Regex, RegexBuilder};

pub use self::detector::Detector;
use self::scan::{Candidates, Wants};

/// One pass over the text (see the module documentation for the order).
enum Pass {
    Email,
    /// `password=…` values; before the other credentials, so `token=sk-…` is one pair.
    Pairs,
    /// The alternation of the selected credential patterns, anchored at its start: it is tried
    /// at each candidate of the shared scan.
    Credentials(Regex),
    Iban,
    Nino,
    /// The alternation of the selected number patterns, searched in `NumberRuns`.
    Numbers(Regex),
    Network(network::Kinds),
}

/// The alternation of the selected `patterns`, compiled with Unicode off: `\d` and `\b` are
/// ASCII, which keeps the DFA small and lets it run on any text (with a Unicode `\b` it gives
/// up on non-ASCII input, for a slower engine).
fn alternation<P: AsRef<str>>(
    patterns: &[(Detector, P)],
    selected: &[Detector],
    anchored: bool,
) -> Option<Regex> {
    let alternatives: Vec<&str> = patterns
        .iter()
        .filter(|(d, _)| selected.contains(d))
        .map(|(_, p)| p.as_ref())
        .collect();
    if alternatives.is_empty() {
        return None;
    }
    let joined = alternatives.join("|");
    let pattern = if anchored {
        format!("^(?:{joined})")
    } else {
        joined
    };
    let re = RegexBuilder::new(&pattern)
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
    /// The candidates the passes need from the shared scan.
    wants: Wants,
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
        if let Some(re) = alternation(&credentials::patterns(), &selected, true) {
            passes.push(Pass::Credentials(re));
        }
        if has(Detector::Iban) {
            passes.push(Pass::Iban);
        }
        if has(Detector::NationalId) {
            passes.push(Pass::Nino);
        }
        if let Some(re) = alternation(numbers::PATTERNS, &selected, false) {
            passes.push(Pass::Numbers(re));
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
        let wants = Wants::new(
            has(Detector::Email),
            has(Detector::Credential),
            passes.iter().any(|p| matches!(p, Pass::Credentials(_))),
            has(Detector::Iban) || has(Detector::NationalId),
            kinds.ip || kinds.mac,
        );
        Redactor {
            inner: Arc::new(Inner {
                detectors: selected,
                passes,
                wants,
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
        let mut out = Cow::Borrowed(text);
        let wants = self.inner.wants;
        let mut found = Candidates::scan(text.as_bytes(), 0..text.len(), wants);
        for pass in &self.inner.passes {
            let edits: Vec<(usize, usize, &'static str)> = match pass {
                Pass::Email => email::find(&out, &found.at)
                    .map(|(s, e)| (s, e, email::EMAIL))
                    .collect(),
                Pass::Pairs => pairs::find(&out, &found.sep, &found.phrase)
                    .into_iter()
                    .map(|(s, e)| (s, e, pairs::PLACEHOLDER))
                    .collect(),
                Pass::Credentials(re) => credentials(re, &out, &found.cred),
                Pass::Iban => iban::find(&out, &found.code)
                    .map(|(s, e)| (s, e, iban::IBAN))
                    .collect(),
                Pass::Nino => national_ids::find_nino(&out, &found.code)
                    .map(|(s, e)| (s, e, national_ids::NATIONAL_ID))
                    .collect(),
                Pass::Network(kinds) => network::find(&out, &found.net, *kinds).collect(),
                Pass::Numbers(re) => search(
                    re,
                    &out,
                    numbers::NumberRuns::new(out.as_bytes()),
                    numbers::accept,
                ),
            };
            if edits.is_empty() {
                continue;
            }
            let redacted = apply(&out, &edits);
            found.remap(redacted.as_bytes(), &edits, wants);
            out = Cow::Owned(redacted);
        }
        for (re, replacement) in &self.inner.custom {
            if let Cow::Owned(s) = re.replace_all(&out, NoExpand(replacement)) {
                out = Cow::Owned(s);
            }
        }
        out
    }
}

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
/// `None` when it is not a sensitive value.
type Accept = fn(&[u8], usize, usize) -> Option<(usize, usize, &'static str)>;

/// A replacement: the span of the text and its placeholder.
type Edit = (usize, usize, &'static str);

/// Every accepted candidate of `re` found in the `windows` of `text` (increasing and disjoint,
/// each ending where `\b` reads as it does in all of `text`).
fn search(
    re: &Regex,
    text: &str,
    windows: impl IntoIterator<Item = Range<usize>>,
    accept: Accept,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut done = 0; // the end of the last accepted value
    for window in windows {
        // `find_at` reads the text before `at`, so `\b` works at a window's start too.
        let haystack = &text[..window.end];
        let mut at = window.start.max(done);
        while let Some(m) = re.find_at(haystack, at) {
            match accept(text.as_bytes(), m.start(), m.end()) {
                Some(edit) => {
                    edits.push(edit);
                    done = edit.1;
                    at = edit.1;
                }
                // A rejected candidate may hide a real one starting inside it; `\b` keeps that
                // from starting mid-word.
                None => at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8),
            }
        }
    }
    edits
}

/// The credentials of `text`: the anchored alternation `re` tried at each candidate `starts`
/// (increasing; every position where a pattern can match is one), so the matches are those an
/// unanchored search of the whole text finds, leftmost first.
fn credentials(re: &Regex, text: &str, starts: &[usize]) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut done = 0;
    for &start in starts {
        if start < done {
            continue;
        }
        // Candidates are ASCII, so `start` is a character boundary. `^` anchors the search at
        // the slice's start; the word boundary before it was checked by the scan.
        if let Some(m) = re.find(&text[start..])
            && let Some(edit) = credentials::accept(text.as_bytes(), start, start + m.end())
        {
            edits.push(edit);
            done = edit.1;
        }
    }
    edits
}

/// `text` with the `edits` (increasing and disjoint) applied, in one copy.
fn apply(text: &str, edits: &[Edit]) -> String {
    let grown: usize = edits.iter().map(|(_, _, p)| p.len()).sum();
    let mut out = String::with_capacity(text.len() + grown);
    let mut copied = 0;
    for &(start, end, placeholder) in edits {
        out.push_str(&text[copied..start]);
        out.push_str(placeholder);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod differential;
#[cfg(test)]
mod tests;
