//! Payment cards, SSNs and phone numbers: searched only in `NumberRuns` (runs of digits with at
//! least 8 of them), since a DFA scan of all text costs about 2 ns per byte, from the places in
//! them a number can start (`Search`), and checked in code (Luhn, SSN ranges, digit counts, what
//! the number is glued to).

use std::borrow::Cow;
use std::ops::Range;

use super::anchored::AnchoredDfa;
use super::{Detector, Scratch, replace_with, scan};

pub(super) const SSN: &str = "[REDACTED:SSN]";
pub(super) const CARD: &str = "[REDACTED:CARD]";
pub(super) const PHONE: &str = "[REDACTED:PHONE]";

/// The patterns of this pass. Every one that starts with a digit starts with `\b`, and every one
/// ends with `\b`: a number is never redacted out of the middle of a word.
pub(super) const PATTERNS: &[(Detector, &str)] = &[
    // Cards: contiguous, 4-4-4-4(-3) and Amex/Diners 4-6-5/4-6-4, one separator throughout.
    // Major industry identifiers 2 to 6 are the payment networks; this also spares 13-digit
    // epoch milliseconds and 19-digit epoch nanoseconds, which start with 1.
    (Detector::PaymentCard, r"\b[2-6]\d{12,18}\b"),
    (
        Detector::PaymentCard,
        r"\b[2-6]\d{3}(?: \d{4}){2} \d{1,4}(?: \d{1,3})?\b",
    ),
    (
        Detector::PaymentCard,
        r"\b[2-6]\d{3}(?:-\d{4}){2}-\d{1,4}(?:-\d{1,3})?\b",
    ),
    (Detector::PaymentCard, r"\b[2-6]\d{3} \d{6} \d{4,5}\b"),
    (Detector::PaymentCard, r"\b[2-6]\d{3}-\d{6}-\d{4,5}\b"),
    // SSNs with every separator InsightFinder's gateway knows, the same one twice; 9 contiguous
    // digits only after the word (checked in `number`).
    (Detector::Ssn, r"\b\d{3}-\d{2}-\d{4}\b"),
    (Detector::Ssn, r"\b\d{3} \d{2} \d{4}\b"),
    (Detector::Ssn, r"\b\d{3}\.\d{2}\.\d{4}\b"),
    (Detector::Ssn, r"\b\d{3}/\d{2}/\d{4}\b"),
    (Detector::Ssn, r"\b\d{3}_\d{2}_\d{4}\b"),
    (Detector::Ssn, r"\b\d{3},\d{2},\d{4}\b"),
    (Detector::Ssn, r"\b\d{9}\b"),
    // Canadian Social Insurance numbers: 3-3-3, one separator throughout (Luhn, in `number`).
    (Detector::NationalId, r"\b[1-79]\d{2}-\d{3}-\d{3}\b"),
    (Detector::NationalId, r"\b[1-79]\d{2} \d{3} \d{3}\b"),
    // North American: area code 2-9, one separator throughout, optional leading `1`.
    (Detector::Phone, r"\b(?:1-)?[2-9]\d{2}-\d{3}-\d{4}\b"),
    (Detector::Phone, r"\b(?:1\.)?[2-9]\d{2}\.\d{3}\.\d{4}\b"),
    (Detector::Phone, r"\b(?:1 )?[2-9]\d{2} \d{3} \d{4}\b"),
    (Detector::Phone, r"\([2-9]\d{2}\) ?\d{3}[-. ]\d{4}\b"),
    // International: `+`, country code, groups separated by blanks, dashes or dots (8 to 15
    // digits, checked in `phone`), an area code in parentheses, or 10 to 15 contiguous digits.
    (Detector::Phone, r"\+[1-9]\d{0,2}(?:[ .-]\d{1,8}){1,6}\b"),
    (
        Detector::Phone,
        r"\+[1-9]\d{0,2}[ .-]?\(\d{1,4}\)[ .-]?\d{1,8}(?:[ .-]\d{1,8}){0,4}\b",
    ),
    (Detector::Phone, r"\+[1-9]\d{9,14}\b"),
];

/// The windows of a text that can hold a number candidate: runs of digits joined by at most
/// two of ` .-()+/_,`, with at least 8 digits (no number detector takes fewer), plus a `+` or
/// `(` just before, and with a shape some pattern has (see `Shape`). No number pattern spans
/// anything else, so searching only there finds what a search of the whole text would, while
/// prose is skipped at the speed of a byte scan and timestamps or ids without a number's shape
/// never reach the regex (a search costs hundreds of instructions even on a short window).
pub(super) struct NumberRuns<'a> {
    text: &'a [u8],
    at: usize,
    /// Off in a test only: every run of 8 digits or more, whatever its shape.
    check_shape: bool,
    /// The classes of the 64 bytes from `chunk_at`, where `at` is, or a little before it.
    chunk: scan::Chunk,
    chunk_at: usize,
}

/// How far past its start a chunk is taken again: a run starting later is seldom whole in it.
const REBASE: usize = 40;

impl<'a> NumberRuns<'a> {
    pub(super) fn new(text: &'a [u8]) -> Self {
        // From the first digit: most strings a span carries have none, and then no chunk's
        // classes are worked out at all.
        let at = scan::next_digit(text, 0).unwrap_or(text.len());
        NumberRuns {
            text,
            at,
            check_shape: true,
            chunk: if at < text.len() {
                scan::Chunk::at(text, at)
            } else {
                scan::Chunk::default()
            },
            chunk_at: at,
        }
    }
}

impl Iterator for NumberRuns<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let b = self.text;
        let is = |at: usize, class: u8| {
            b.get(at)
                .is_some_and(|&c| CLASS[usize::from(c)] & class != 0)
        };
        loop {
            if self.at >= b.len() {
                return None;
            }
            // Most runs (times, ids, counts) have fewer than 8 digits: told from the classes of
            // the 64 bytes around them, without walking the run, many runs per chunk.
            let mut from = self.at - self.chunk_at;
            if from > REBASE {
                self.chunk_at = self.at;
                self.chunk = scan::Chunk::at(b, self.at);
                from = 0;
            }
            let scan::Chunk { digits, runs } = self.chunk;
            let ahead = digits >> from;
            if ahead == 0 {
                // Prose has few digits: the next one found at the speed of a byte scan.
                self.at = scan::next_digit(b, self.chunk_at + 64)?;
                continue;
            }
            let start = from + ahead.trailing_zeros() as usize;
            let first = self.chunk_at + start;
            let run_end = start + (!runs >> start).trailing_zeros() as usize;
            // The run's digits, when the chunk holds it whole.
            let run = if run_end <= 61 {
                Some(digits >> start & ((1 << (run_end - start)) - 1))
            } else {
                None
            };
            if let Some(run) = run
                && (run_end - start < 8 || run.count_ones() < 8)
            {
                // Past the word the run ends in, as below.
                let end = self.chunk_at + run_end;
                self.at = if b
                    .get(end)
                    .is_some_and(|&c| CLASS[usize::from(c)] & WORD != 0)
                {
                    scan::skip_words(b, end)
                } else {
                    end
                };
                continue;
            }
            let lead = first > 0 && matches!(b[first - 1], b'+' | b'(');
            let mut shape = Shape::new(lead);
            let (end, digits) = if let Some(run) = run {
                let len = run_end - start;
                // The groups from the bits too: digits, then one or two separators.
                let mut at = 0;
                while at < len {
                    let group = (!run >> at).trailing_zeros() as usize;
                    shape.group(group);
                    at += group;
                    if at < len {
                        let gap = (run >> at).trailing_zeros() as usize;
                        shape.separator(&b[first + at..first + at + gap]);
                        at += gap;
                    }
                }
                (first + len, run.count_ones() as usize)
            } else {
                // A run the chunk does not hold whole: a byte at a time.
                let (mut end, mut digits) = (first, 0);
                loop {
                    let group = end;
                    end = scan::skip_digits(b, end);
                    digits += end - group;
                    shape.group(end - group);
                    // One or two separators, then a digit.
                    if !is(end, GAP) {
                        break;
                    }
                    if is(end + 1, DIGIT) {
                        shape.separator(&b[end..end + 1]);
                        end += 1;
                    } else if is(end + 1, GAP) && is(end + 2, DIGIT) {
                        shape.separator(&b[end..end + 2]);
                        end += 2;
                    } else {
                        break;
                    }
                }
                (end, digits)
            };
            // Past the word the run ends in, if any, so that `\b` at the window's end reads as
            // it does in the whole text. Digits glued to letters cannot start a candidate.
            let stop = scan::skip_words(b, end);
            self.at = stop;
            if digits >= 8 && (shape.possible || !self.check_shape) {
                return Some(first - usize::from(lead)..stop);
            }
        }
    }
}

/// Whether a run of digit groups has a shape some number pattern matches. A match of a pattern
/// without `+` or `(` starts at a group's start (`\b` before a digit) and ends at one's end
/// (`\b`), its groups joined by one separator each, so its groups are whole groups of the run:
/// one of 9 or 13 to 19 digits (SSN after the word, card), or three in a row whose lengths start
/// a pattern (cards 4-4-4 and 4-6-4/5, SSN 3-2-4, SIN 3-3-3, phone 3-3-4 and 1-3-3). A `+` or
/// `(` in the run may start an international or parenthesised number: always possible.
struct Shape {
    possible: bool,
    /// The lengths of the last two groups, oldest first, while joined by single separators
    /// (0: none).
    last: [usize; 2],
}

impl Shape {
    fn new(lead: bool) -> Shape {
        Shape {
            possible: lead,
            last: [0; 2],
        }
    }

    /// A group of `len` digits, joined to the previous ones as `separator` said.
    fn group(&mut self, len: usize) {
        let [a, b] = self.last;
        self.possible |= len == 9
            || (13..=19).contains(&len)
            || matches!(
                (a, b, len),
                (4, 4, 4) | (4, 6, 4 | 5) | (3, 2, 4) | (3, 3, 3 | 4) | (1, 3, 3)
            );
        self.last = [b, len];
    }

    /// The separators between two groups: one keeps the chain of groups, two break it.
    fn separator(&mut self, gap: &[u8]) {
        self.possible |= gap.iter().any(|c| matches!(c, b'+' | b'('));
        if gap.len() > 1 {
            self.last = [0; 2];
        }
    }
}

/// Byte classes of `NumberRuns`, looked up in `CLASS`.
const DIGIT: u8 = 1;
/// A separator a number may hold (at most two in a row).
const GAP: u8 = 2;
/// A byte of a word as `\b` reads it: `[0-9A-Za-z_]`.
const WORD: u8 = 4;

static CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if c.is_ascii_digit() {
            table[i] |= DIGIT;
        }
        if matches!(
            c,
            b' ' | b'.' | b'-' | b'(' | b')' | b'+' | b'/' | b'_' | b','
        ) {
            table[i] |= GAP;
        }
        if c.is_ascii_alphanumeric() || c == b'_' {
            table[i] |= WORD;
        }
        i += 1;
    }
    table
};

/// The selected number patterns, searched from each place a number can start (`anchored`).
pub(super) struct Search {
    dfa: AnchoredDfa,
}

impl Search {
    /// The search of the `selected` detectors' number patterns, if they have any.
    pub(super) fn new(selected: &[Detector]) -> Option<Search> {
        let patterns: Vec<&str> = PATTERNS
            .iter()
            .filter(|(d, _)| selected.contains(d))
            .map(|(_, p)| *p)
            .collect();
        (!patterns.is_empty()).then(|| Search {
            dfa: AnchoredDfa::new(&patterns),
        })
    }

    /// The leftmost match in `haystack` at or after `at`, as the patterns' alternation finds it
    /// (leftmost-first): every pattern starts with `+`, `(`, or a digit after `\b`, so only
    /// those places are tried.
    fn find_at(&self, haystack: &str, at: usize) -> Option<Range<usize>> {
        let b = haystack.as_bytes();
        (at..b.len()).find_map(|start| {
            let can_start = match b[start] {
                b'+' | b'(' => true,
                b'0'..=b'9' => start == 0 || CLASS[usize::from(b[start - 1])] & WORD == 0,
                _ => false,
            };
            if !can_start {
                return None;
            }
            Some(start..self.dfa.end_at(b, start)?)
        })
    }

    /// `text` with the numbers found replaced (as `replace_with` does).
    pub(super) fn redact<'a>(&self, text: &'a str, scratch: &mut Scratch) -> Cow<'a, str> {
        let mut word_out_of_reach = false;
        let redacted = replace_with(
            text,
            NumberRuns::new(text.as_bytes()),
            |haystack, at| self.find_at(haystack, at),
            |b, start, end| {
                let found = accept(b, start, end);
                word_out_of_reach |= found.is_none() && ssn_word_out_of_reach(b, start, end);
                found
            },
            scratch,
        );
        // A shorter placeholder between them (this pass's or a later one's) may bring the word
        // within reach: the passes run again (`Redactor::settle`), as a second redaction would.
        scratch.run_again |= word_out_of_reach;
        redacted
    }
}

/// What to replace for the candidate `b[start..end]`: the span and its placeholder, or `None`.
pub(super) fn accept(b: &[u8], start: usize, end: usize) -> Option<(usize, usize, &'static str)> {
    match b[start] {
        b'+' | b'(' => phone(b, start, end),
        _ => number(b, start, end),
    }
}

/// A candidate starting with a digit: 9 digits are an SSN or a SIN, 10 or 11 a North American phone
/// number, 13 to 19 a card.
fn number(b: &[u8], start: usize, end: usize) -> Option<(usize, usize, &'static str)> {
    if glued(b, start, end) || next_to_letter(b, start, end) {
        return None;
    }
    let s = &b[start..end];
    match digits(s).count() {
        // Nine digits in a row are an order or account number unless the text says SSN.
        9 if s.iter().all(u8::is_ascii_digit) => {
            (valid_ssn(s) && ssn_keyword_before(b, start)).then_some((start, end, SSN))
        }
        // 3-3-3 is a Canadian SIN, 3-2-4 an SSN.
        9 if s.len() == 11 && !s[7].is_ascii_digit() => {
            luhn(s).then_some((start, end, super::national_ids::NATIONAL_ID))
        }
        9 => valid_ssn(s).then_some((start, end, SSN)),
        10 | 11 => Some((start, end, PHONE)),
        // A trailing group may be something else (`4111 1111 1111 1111 123`): take the longest
        // prefix that is a card.
        _ => longest_prefix(s, 13, 19, luhn).map(|len| (start, start + len, CARD)),
    }
}

/// `SSN` or `social security` (any case) within a few words before `start`.
fn ssn_keyword_before(b: &[u8], start: usize) -> bool {
    ssn_keyword_within(b, start, 32)
}

/// Nine digits that would be an SSN but that the word is not within reach of (see
/// `ssn_keyword_before`) while it is 128 bytes before them at most: placeholders replacing what
/// is between them, each at most 26 bytes shorter than its value (an IPv6 address), can bring
/// the word within reach.
fn ssn_word_out_of_reach(b: &[u8], start: usize, end: usize) -> bool {
    let s = &b[start..end];
    s.len() == 9
        && s.iter().all(u8::is_ascii_digit)
        && valid_ssn(s)
        && !glued(b, start, end)
        && !next_to_letter(b, start, end)
        && ssn_keyword_within(b, start, 128)
}

/// Whether "SSN" or "social security" (any case) is in the `window` bytes before `start`.
fn ssn_keyword_within(b: &[u8], start: usize, window: usize) -> bool {
    let from = start.saturating_sub(window);
    let before = &b[from..start];
    // A few dozen bytes: the words' first letters found, then compared in place, not with a
    // searcher built for each number.
    memchr::memchr2_iter(b's', b'S', before).any(|i| {
        let word = &before[i..];
        // A placeholder an earlier SSN left is not the word (the verdict must not change on a
        // second run), even where the window starts at its `SSN`.
        (word.len() >= 3
            && word[..3].eq_ignore_ascii_case(b"ssn")
            && (from + i == 0 || b[from + i - 1] != b':')
            && word.get(3) != Some(&b']'))
            || (word.len() >= 15 && word[..15].eq_ignore_ascii_case(b"social security"))
    })
}

/// A candidate starting with `+` or `(`: a phone number of 8 to 15 digits (E.164 allows 15),
/// dropping trailing groups the pattern took from what follows.
fn phone(b: &[u8], start: usize, end: usize) -> Option<(usize, usize, &'static str)> {
    // `x+1 555 123 4567` or `f(555) 123-4567` is code or an identifier, not a phone number.
    // `]` counts as a word so that a placeholder left by an earlier pass gives the same verdict.
    if (start > 0 && is_tokenish(b[start - 1]))
        || glued(b, start, end)
        || next_to_letter(b, start, end)
    {
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

/// Whether a non-ASCII letter touches the number (`公司4111…`): `\b` is ASCII here, so the
/// patterns let such numbers through, but they are part of a word as `x4111…` is.
fn next_to_letter(b: &[u8], start: usize, end: usize) -> bool {
    // ASCII on both sides, the common case: `\b` has read them.
    if (start == 0 || b[start - 1].is_ascii()) && b.get(end).is_none_or(u8::is_ascii) {
        return false;
    }
    let before = b[..start]
        .iter()
        .rposition(|&c| c & 0xC0 != 0x80)
        .map(|i| &b[i..start]);
    let after_len = b.get(end).map_or(0, |&c| match c {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 0,
    });
    let after = b.get(end..end + after_len);
    [before, after].into_iter().flatten().any(|bytes| {
        std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.chars().next())
            .is_some_and(|c| !c.is_ascii() && c.is_alphanumeric())
    })
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
pub(super) fn luhn(s: &[u8]) -> bool {
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
pub(super) fn valid_ssn(s: &[u8]) -> bool {
    let mut d = digits(s);
    let mut take = |n: usize| d.by_ref().take(n).fold(0, |acc, x| acc * 10 + x);
    let (area, group, serial) = (take(3), take(2), take(4));
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

#[cfg(test)]
mod tests;
