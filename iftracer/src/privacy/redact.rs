//! In-process redaction of sensitive values in span attributes.
//!
//! The selected built-in patterns are compiled into three regular expressions, run one after
//! the other so that each can be found fast where nothing matches (the common case):
//!
//! 1. e-mail addresses, which the regex engine finds from their `@`;
//! 2. tokens (API keys, `Bearer` tokens, JWTs), which it finds from their literal prefixes;
//! 3. numbers (cards, SSNs, phone numbers), searched only around runs of digits that hold at
//!    least 8 digits: a plain DFA scan of all text would cost about 2 ns per byte.
//!
//! Each candidate is then checked in code (Luhn, SSN ranges, digit counts, what the value is
//! glued to), which keeps the expressions small and free of capture groups. Text with nothing
//! to redact is returned borrowed.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use regex::{NoExpand, Regex, RegexBuilder};

/// A built-in detector of sensitive values.
///
/// ```
/// use iftracer::privacy::Detector;
///
/// assert_eq!(Detector::from_name("email"), Some(Detector::Email));
/// assert_eq!(Detector::PaymentCard.name(), "card");
/// assert_eq!(Detector::from_name("passport"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Detector {
    /// US social security numbers: `123-45-6789` or `123 45 6789`, impossible ones (area 000,
    /// 666 or 900-999, group 00, serial 0000) excepted.
    Ssn,
    /// E-mail addresses such as `jane.doe+tag@mail.example.co.uk`.
    Email,
    /// Payment card numbers: 13 to 19 digits, contiguous or in groups separated by single spaces
    /// or dashes, starting with a payment network's digit (2 to 6) and passing the Luhn check.
    PaymentCard,
    /// Phone numbers: North American (`(555) 123-4567`, `555-123-4567`, `555.123.4567`,
    /// `+1 555 123 4567`) and international with a leading `+` (`+44 20 7946 0958`).
    Phone,
    /// Common API-key shapes: OpenAI and Anthropic `sk-…`, AWS `AKIA…`/`ASIA…`, GitHub `ghp_…`
    /// and `github_pat_…`, Google `AIza…`, Slack `xox?-…`, Stripe `sk_live_…`.
    ApiKey,
    /// The token after `Bearer ` (the word is kept), and JSON Web Tokens anywhere.
    BearerToken,
}

impl Detector {
    /// Every built-in detector.
    pub const ALL: [Detector; 6] = [
        Detector::Ssn,
        Detector::Email,
        Detector::PaymentCard,
        Detector::Phone,
        Detector::ApiKey,
        Detector::BearerToken,
    ];

    /// The detector's name in configuration (`IFTRACER_REDACT=ssn,email`).
    ///
    /// ```
    /// use iftracer::privacy::Detector;
    ///
    /// let names: Vec<_> = Detector::ALL.iter().map(|d| d.name()).collect();
    /// assert_eq!(names, ["ssn", "email", "card", "phone", "api_key", "bearer_token"]);
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Detector::Ssn => "ssn",
            Detector::Email => "email",
            Detector::PaymentCard => "card",
            Detector::Phone => "phone",
            Detector::ApiKey => "api_key",
            Detector::BearerToken => "bearer_token",
        }
    }

    /// The detector with this configuration name.
    ///
    /// ```
    /// use iftracer::privacy::Detector;
    ///
    /// assert_eq!(Detector::from_name("bearer_token"), Some(Detector::BearerToken));
    /// assert_eq!(Detector::from_name("Email"), None); // names are lower case
    /// ```
    pub fn from_name(name: &str) -> Option<Detector> {
        Detector::ALL.into_iter().find(|d| d.name() == name)
    }
}

const SSN: &str = "[REDACTED:SSN]";
const EMAIL: &str = "[REDACTED:EMAIL]";
const CARD: &str = "[REDACTED:CARD]";
const PHONE: &str = "[REDACTED:PHONE]";
const API_KEY: &str = "[REDACTED:API_KEY]";
const BEARER_TOKEN: &str = "[REDACTED:BEARER_TOKEN]";

/// The three passes, run in this order. A pass's patterns form one alternation: where two
/// match at the same position, the one listed first wins (leftmost-first).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// First, so that an address is reported whole whatever its local part looks like.
    Email,
    /// `Bearer` tokens, JWTs and API keys: all start with a literal the engine looks for.
    Token,
    /// Cards, SSNs and phone numbers, searched only in `NumberRuns`.
    Number,
}

/// The built-in patterns. They are compiled with Unicode off: `\d` and `\b` are ASCII, which
/// keeps the DFA small and lets it run on any text (with a Unicode `\b` it gives up on
/// non-ASCII input, for a slower engine).
///
/// `accept` tells the patterns of a pass apart by shape. Every pattern that starts with a word
/// character starts with `\b` (or takes all the word characters before it), and every one that
/// ends with a word character ends with `\b` or a greedy run of them: a value is never redacted
/// out of the middle of a word, and redacting twice changes nothing.
const PATTERNS: &[(Pass, Detector, &str)] = &[
    (
        Pass::Email,
        Detector::Email,
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b",
    ),
    // RFC 6750 `b64token`; the word and the blanks are kept (see `bearer`).
    (
        Pass::Token,
        Detector::BearerToken,
        r"\b[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+[A-Za-z0-9._~+/-]+=*",
    ),
    // JWT: base64url of a JSON header (`{"` encodes as `eyJ`), payload, optional signature.
    (
        Pass::Token,
        Detector::BearerToken,
        r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*",
    ),
    // OpenAI `sk-`, `sk-proj-` and Anthropic `sk-ant-` keys.
    (Pass::Token, Detector::ApiKey, r"\bsk-[A-Za-z0-9_-]{20,}"),
    (
        Pass::Token,
        Detector::ApiKey,
        r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
    ),
    (
        Pass::Token,
        Detector::ApiKey,
        r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    ),
    (
        Pass::Token,
        Detector::ApiKey,
        r"\bgithub_pat_[A-Za-z0-9_]{22,}",
    ),
    (Pass::Token, Detector::ApiKey, r"\bAIza[A-Za-z0-9_-]{35,}"),
    (
        Pass::Token,
        Detector::ApiKey,
        r"\bxox[abprs]-[A-Za-z0-9_-]{10,}",
    ),
    (
        Pass::Token,
        Detector::ApiKey,
        r"\b[rs]k_(?:live|test)_[A-Za-z0-9_]{16,}",
    ),
    // Cards: contiguous, 4-4-4-4(-3) and Amex/Diners 4-6-5/4-6-4, one separator throughout.
    // Major industry identifiers 2 to 6 are the payment networks; this also spares 13-digit
    // epoch milliseconds and 19-digit epoch nanoseconds, which start with 1.
    (Pass::Number, Detector::PaymentCard, r"\b[2-6]\d{12,18}\b"),
    (
        Pass::Number,
        Detector::PaymentCard,
        r"\b[2-6]\d{3}(?: \d{4}){2} \d{1,4}(?: \d{1,3})?\b",
    ),
    (
        Pass::Number,
        Detector::PaymentCard,
        r"\b[2-6]\d{3}(?:-\d{4}){2}-\d{1,4}(?:-\d{1,3})?\b",
    ),
    (
        Pass::Number,
        Detector::PaymentCard,
        r"\b[2-6]\d{3} \d{6} \d{4,5}\b",
    ),
    (
        Pass::Number,
        Detector::PaymentCard,
        r"\b[2-6]\d{3}-\d{6}-\d{4,5}\b",
    ),
    (Pass::Number, Detector::Ssn, r"\b\d{3}-\d{2}-\d{4}\b"),
    (Pass::Number, Detector::Ssn, r"\b\d{3} \d{2} \d{4}\b"),
    // North American: area code 2-9, one separator throughout, optional leading `1`.
    (
        Pass::Number,
        Detector::Phone,
        r"\b(?:1-)?[2-9]\d{2}-\d{3}-\d{4}\b",
    ),
    (
        Pass::Number,
        Detector::Phone,
        r"\b(?:1\.)?[2-9]\d{2}\.\d{3}\.\d{4}\b",
    ),
    (
        Pass::Number,
        Detector::Phone,
        r"\b(?:1 )?[2-9]\d{2} \d{3} \d{4}\b",
    ),
    (
        Pass::Number,
        Detector::Phone,
        r"\([2-9]\d{2}\) ?\d{3}[-. ]\d{4}\b",
    ),
    // International: `+`, country code, groups with one separator throughout (8 to 15 digits,
    // checked in `phone`), or an area code in parentheses, or 10 to 15 contiguous digits.
    (
        Pass::Number,
        Detector::Phone,
        r"\+[1-9]\d{0,2}(?: \d{1,8}){1,6}\b",
    ),
    (
        Pass::Number,
        Detector::Phone,
        r"\+[1-9]\d{0,2}(?:-\d{1,8}){1,6}\b",
    ),
    (
        Pass::Number,
        Detector::Phone,
        r"\+[1-9]\d{0,2}(?:\.\d{1,8}){1,6}\b",
    ),
    (
        Pass::Number,
        Detector::Phone,
        r"\+[1-9]\d{0,2}[ .-]?\(\d{1,4}\)[ .-]?\d{1,8}(?:[ .-]\d{1,8}){0,4}\b",
    ),
    (Pass::Number, Detector::Phone, r"\+[1-9]\d{9,14}\b"),
];

/// Compiled redaction rules: built-in detectors, then custom `(pattern, replacement)` rules.
///
/// Cheap to clone (the compiled rules are shared) and safe to use from any thread.
///
/// ```
/// use iftracer::privacy::{Detector, Redactor};
///
/// let order = regex::Regex::new(r"ORD-\d{4}-\d{6}").unwrap();
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
    /// One alternation per pass with a selected detector, in pass order.
    passes: Vec<(Pass, Regex)>,
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
        let passes = [Pass::Email, Pass::Token, Pass::Number]
            .into_iter()
            .filter_map(|pass| {
                let alternatives: Vec<&str> = PATTERNS
                    .iter()
                    .filter(|&&(p, d, _)| p == pass && selected.contains(&d))
                    .map(|&(_, _, pattern)| pattern)
                    .collect();
                if alternatives.is_empty() {
                    return None;
                }
                let re = RegexBuilder::new(&alternatives.join("|"))
                    .unicode(false)
                    .build()
                    // Fixed patterns, compiled for every detector subset by the tests.
                    .expect("built-in redaction patterns are valid");
                Some((pass, re))
            })
            .collect();
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
    /// `EMAIL`, `CARD`, `PHONE`, `API_KEY` or `BEARER_TOKEN`. Redacting twice changes nothing
    /// more than redacting once (custom rules aside).
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
        for (pass, re) in &self.inner.passes {
            let redacted = match pass {
                Pass::Number => replace(re, &out, NumberRuns::new(out.as_bytes())),
                Pass::Email | Pass::Token => replace(re, &out, std::iter::once(0..out.len())),
            };
            if let Cow::Owned(s) = redacted {
                out = Cow::Owned(s);
            }
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

/// Replaces every accepted candidate of `re` found in the `windows` of `text` (increasing and
/// disjoint, each ending where `\b` reads as it does in all of `text`), copying only once one is
/// accepted.
fn replace<'a>(
    re: &Regex,
    text: &'a str,
    windows: impl IntoIterator<Item = Range<usize>>,
) -> Cow<'a, str> {
    let mut out = String::new();
    let mut copied = 0; // `text[..copied]` is already in `out`
    for window in windows {
        // `find_at` reads the text before `at`, so `\b` works at a window's start too.
        let haystack = &text[..window.end];
        let mut at = window.start.max(copied);
        while let Some(m) = re.find_at(haystack, at) {
            match accept(text.as_bytes(), m.start(), m.end()) {
                Some((start, end, placeholder)) => {
                    out.push_str(&text[copied..start]);
                    out.push_str(placeholder);
                    copied = end;
                    at = end;
                }
                // A rejected candidate may hide a real one starting inside it; `\b` keeps that
                // from starting mid-word.
                None => at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8),
            }
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The windows of a text that can hold a number candidate: runs of digits joined by at most
/// two of ` .-()+`, with at least 8 digits (no number detector takes fewer), plus a `+` or `(`
/// just before. No number pattern spans anything else, so searching only there finds what a
/// search of the whole text would, while prose is skipped at the speed of a byte scan.
struct NumberRuns<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> NumberRuns<'a> {
    fn new(text: &'a [u8]) -> Self {
        NumberRuns { text, at: 0 }
    }
}

impl Iterator for NumberRuns<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let b = self.text;
        loop {
            let first = self.at + next_digit(&b[self.at..])?;
            let (mut end, mut digits) = (first, 0);
            loop {
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                    digits += 1;
                }
                let gap = b[end..]
                    .iter()
                    .take(3)
                    .take_while(|c| matches!(c, b' ' | b'.' | b'-' | b'(' | b')' | b'+'))
                    .count();
                match b.get(end + gap) {
                    Some(c) if (1..=2).contains(&gap) && c.is_ascii_digit() => end += gap,
                    _ => break,
                }
            }
            // Past the word the run ends in, if any, so that `\b` at the window's end reads as
            // it does in the whole text. Digits glued to letters cannot start a candidate.
            let mut stop = end;
            while stop < b.len() && (b[stop].is_ascii_alphanumeric() || b[stop] == b'_') {
                stop += 1;
            }
            self.at = stop;
            if digits >= 8 {
                let lead = first > 0 && matches!(b[first - 1], b'+' | b'(');
                return Some(first - usize::from(lead)..stop);
            }
        }
    }
}

/// The index of the first ASCII digit in `b`. Looks at 16 bytes at a time, a loop the compiler
/// vectorises: most of a prompt is letters.
fn next_digit(b: &[u8]) -> Option<usize> {
    let mut chunks = b.chunks_exact(16);
    let mut offset = 0;
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |any, c| any | c.is_ascii_digit()) {
            break;
        }
        offset += 16;
    }
    b[offset..]
        .iter()
        .position(u8::is_ascii_digit)
        .map(|i| offset + i)
}

/// What to replace for the candidate `b[start..end]`, told apart by shape (see `PATTERNS`):
/// the span to replace and its placeholder, or `None` when it is not a sensitive value.
fn accept(b: &[u8], start: usize, end: usize) -> Option<(usize, usize, &'static str)> {
    let s = &b[start..end];
    if s.contains(&b'@') {
        return Some((start, end, EMAIL));
    }
    match s[0] {
        b'+' | b'(' => phone(b, start, end),
        b'0'..=b'9' => number(b, start, end),
        _ if s.len() > 6
            && s[..6].eq_ignore_ascii_case(b"bearer")
            && matches!(s[6], b' ' | b'\t') =>
        {
            bearer(b, start, end)
        }
        _ if s.starts_with(b"eyJ") => Some((start, end, BEARER_TOKEN)),
        _ => Some((start, end, API_KEY)),
    }
}

/// The token of `Bearer <token>`: at least 8 characters and a digit, or 20 characters, so that
/// prose ("bearer bonds", "Bearer authentication.") is left alone.
fn bearer(b: &[u8], start: usize, end: usize) -> Option<(usize, usize, &'static str)> {
    let token_start = start
        + 6
        + b[start + 6..end]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count();
    // A full stop after the token ends the sentence.
    let mut token_end = end;
    while token_end > token_start && b[token_end - 1] == b'.' {
        token_end -= 1;
    }
    let token = &b[token_start..token_end];
    let looks_random =
        token.len() >= 20 || (token.len() >= 8 && token.iter().any(u8::is_ascii_digit));
    looks_random.then_some((token_start, token_end, BEARER_TOKEN))
}

/// A candidate starting with a digit: 9 digits are an SSN, 10 or 11 a North American phone
/// number, 13 to 19 a card.
fn number(b: &[u8], start: usize, end: usize) -> Option<(usize, usize, &'static str)> {
    if glued(b, start, end) {
        return None;
    }
    let s = &b[start..end];
    match digits(s).count() {
        9 => valid_ssn(s).then_some((start, end, SSN)),
        10 | 11 => Some((start, end, PHONE)),
        // A trailing group may be something else (`4111 1111 1111 1111 123`): take the longest
        // prefix that is a card.
        _ => longest_prefix(s, 13, 19, luhn).map(|len| (start, start + len, CARD)),
    }
}

/// A candidate starting with `+` or `(`: a phone number of 8 to 15 digits (E.164 allows 15),
/// dropping trailing groups the pattern took from what follows.
fn phone(b: &[u8], start: usize, end: usize) -> Option<(usize, usize, &'static str)> {
    // `x+1 555 123 4567` or `f(555) 123-4567` is code or an identifier, not a phone number.
    // `]` counts as a word so that a placeholder left by an earlier pass gives the same verdict.
    if (start > 0 && is_tokenish(b[start - 1])) || glued(b, start, end) {
        return None;
    }
    longest_prefix(&b[start..end], 8, 15, |_| true).map(|len| (start, start + len, PHONE))
}

/// Whether a number is glued by `-` or `.` to a longer token on either side (`ORD-555-123-4567`,
/// a group of `1234-5678-9012-3456-7890`), which makes it part of an identifier. Placeholders'
/// brackets count as token characters, for the same verdict on a second pass.
fn glued(b: &[u8], start: usize, end: usize) -> bool {
    let left = start >= 2 && matches!(b[start - 1], b'-' | b'.') && is_tokenish(b[start - 2]);
    let right = end + 1 < b.len() && matches!(b[end], b'-' | b'.') && is_tokenish(b[end + 1]);
    left || right
}

fn is_tokenish(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'[' | b']')
}

/// The ASCII digits of `s` as numbers.
fn digits(s: &[u8]) -> impl DoubleEndedIterator<Item = u32> + '_ {
    s.iter()
        .filter(|c| c.is_ascii_digit())
        .map(|c| u32::from(c - b'0'))
}

/// The length of the longest prefix of `s` that ends a digit group (at the end or before a
/// separator), holds `min..=max` digits and satisfies `ok`.
fn longest_prefix(s: &[u8], min: usize, max: usize, ok: impl Fn(&[u8]) -> bool) -> Option<usize> {
    let mut count = digits(s).count(); // digits in `s[..len]` as `len` walks back
    let mut len = s.len();
    loop {
        if (min..=max).contains(&count) && ok(&s[..len]) {
            return Some(len);
        }
        // Step back to the previous group end.
        loop {
            if len == 0 || count < min {
                return None;
            }
            len -= 1;
            if s[len].is_ascii_digit() {
                count -= 1;
            } else if matches!(s[len], b' ' | b'-' | b'.') && len > 0 && s[len - 1].is_ascii_digit()
            {
                break;
            }
        }
    }
}

/// The Luhn checksum of the digits of `s`.
fn luhn(s: &[u8]) -> bool {
    let sum: u32 = digits(s)
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d > 4 { 2 * d - 9 } else { 2 * d }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// An SSN that could have been issued: area not 000, 666 or 900-999, group not 00, serial not
/// 0000. `s` holds exactly 9 digits.
fn valid_ssn(s: &[u8]) -> bool {
    let mut d = digits(s);
    let mut take = |n: usize| d.by_ref().take(n).fold(0, |acc, x| acc * 10 + x);
    let (area, group, serial) = (take(3), take(2), take(4));
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

#[cfg(test)]
mod tests;
