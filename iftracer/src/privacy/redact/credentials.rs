//! Credentials: API keys and tokens of known shapes, `Bearer`/`Basic` authorization values, JWTs
//! and PEM private keys, in one pass over the text; each candidate is then checked in `accept`.
//! (`password=`-style pairs are in `pairs`.)
//!
//! The keys, JWTs and PEM blocks start with case-sensitive literals, found by Aho-Corasick (its
//! Teddy search) and checked by the patterns' DFA from there ([`Keys`]). `Bearer` and `Basic`
//! are any case: as patterns they were 96 of that search's literals (every case of each letter)
//! and cost more than all the others together, so they are found by hand ([`scheme_at`]) and
//! merged with the keys' matches as the one leftmost-first alternation they were would have
//! ([`Candidates`]).

use std::fmt;
use std::ops::Range;

use aho_corasick::{AhoCorasick, Input, MatchKind};

use super::anchored::AnchoredDfa;
use super::{Detector, scan};

pub(super) const API_KEY: &str = "[REDACTED:API_KEY]";
pub(super) const BEARER_TOKEN: &str = "[REDACTED:BEARER_TOKEN]";
pub(super) const CREDENTIAL: &str = "[REDACTED:CREDENTIAL]";

/// The patterns of this pass but the authorization schemes, with the detector each belongs to
/// and literals one of which starts each of its matches (checked against the patterns in the
/// tests). Leftmost-first: where two match at the same position, the one listed first wins (no
/// two start with the same byte but the GitHub and GitLab ones, and no pattern starts with
/// `b`/`B` as the schemes do).
pub(super) const PATTERNS: &[(Detector, &str, &[&str])] = &[
    // PEM private keys, whole; without their END line (a cut value) up to the base64's end.
    (
        Detector::Credential,
        r"-----BEGIN[A-Z ]*PRIVATE KEY-----(?su:.*?-----END[A-Z ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s:,-]*)",
        &["-----BEGIN"],
    ),
    // (`Bearer` and `Basic`: `scheme_at`.)
    // JWT: base64url of a JSON header (`{"` encodes as `eyJ`), payload, optional signature.
    (
        Detector::BearerToken,
        r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*",
        &["eyJ"],
    ),
    // OpenAI `sk-`, `sk-proj-` and Anthropic `sk-ant-` keys.
    (Detector::ApiKey, r"\bsk-[A-Za-z0-9_-]{20,}", &["sk-"]),
    // AWS access key ids of users, roles, groups and sessions.
    (
        Detector::ApiKey,
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b",
        &[
            "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA",
        ],
    ),
    (
        Detector::ApiKey,
        r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    ),
    (
        Detector::ApiKey,
        r"\bgithub_pat_[A-Za-z0-9_]{22,}",
        &["github_pat_"],
    ),
    (
        Detector::ApiKey,
        r"\bgl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt|agent)-[A-Za-z0-9_-]{20,}",
        &[
            "glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-", "glsoat-", "glft-", "glimt-",
            "glagent-",
        ],
    ),
    (Detector::ApiKey, r"\bhf_[A-Za-z0-9]{30,}\b", &["hf_"]),
    (Detector::ApiKey, r"\bAIza[A-Za-z0-9_-]{35,}", &["AIza"]),
    (
        Detector::ApiKey,
        r"\bxox[abeoprs]-[A-Za-z0-9_-]{10,}",
        &[
            "xoxa-", "xoxb-", "xoxe-", "xoxo-", "xoxp-", "xoxr-", "xoxs-",
        ],
    ),
    (
        Detector::ApiKey,
        r"\bxapp-\d-[A-Za-z0-9_-]{10,}",
        &["xapp-"],
    ),
    (
        Detector::ApiKey,
        r"\b[rs]k_(?:live|test)_[A-Za-z0-9_]{16,}",
        &["rk_live_", "rk_test_", "sk_live_", "sk_test_"],
    ),
    (Detector::ApiKey, r"\bnpm_[A-Za-z0-9]{36}\b", &["npm_"]),
];

/// The selected patterns: their literals found by Aho-Corasick (a Teddy search where the CPU
/// allows, as the regex engine would run), then the patterns' DFA run from each literal found.
pub(super) struct Keys {
    starts: AhoCorasick,
    dfa: AnchoredDfa,
}

impl Keys {
    fn new(selected: &[Detector]) -> Option<Keys> {
        let chosen: Vec<_> = PATTERNS
            .iter()
            .filter(|(d, _, _)| selected.contains(d))
            .collect();
        if chosen.is_empty() {
            return None;
        }
        let literals = chosen.iter().flat_map(|(_, _, literals)| literals.iter());
        // `AhoCorasick`, not the packed searcher alone: that one exists only where the CPU
        // has Teddy's instructions; this one uses it as its prefilter where it can.
        let starts = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(literals)
            // A few dozen short literals, far below any limit.
            .expect("built-in credential literals build a searcher");
        let patterns: Vec<&str> = chosen.iter().map(|(_, p, _)| *p).collect();
        Some(Keys {
            starts,
            dfa: AnchoredDfa::new(&patterns),
        })
    }

    /// The leftmost match of the patterns' alternation at or after `at`.
    fn find_at(&self, haystack: &str, at: usize) -> Option<Range<usize>> {
        let b = haystack.as_bytes();
        let mut from = at;
        while let Some(literal) = self.starts.find(Input::new(b).span(from..b.len())) {
            let start = literal.start();
            if let Some(end) = self.dfa.end_at(b, start) {
                return Some(start..end);
            }
            // A literal may start inside one that led nowhere (`sk-` in `tsk-sk-…`).
            from = start + 1;
        }
        None
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys").finish_non_exhaustive()
    }
}

/// The authorization schemes the selected detectors look for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Schemes {
    /// `Bearer <token>` (RFC 6750 `b64token`): [`Detector::BearerToken`].
    pub(super) bearer: bool,
    /// `Basic <user:password in base64>` (RFC 7617): [`Detector::Credential`].
    pub(super) basic: bool,
}

impl Schemes {
    pub(super) fn of(selected: &[Detector]) -> Schemes {
        Schemes {
            bearer: selected.contains(&Detector::BearerToken),
            basic: selected.contains(&Detector::Credential),
        }
    }

    fn any(self) -> bool {
        self.bearer || self.basic
    }
}

/// The pass's searches: the patterns and the schemes.
#[derive(Debug)]
pub(super) struct Search {
    keys: Option<Keys>,
    schemes: Schemes,
}

impl Search {
    /// `None` when the `selected` detectors look for none of this pass's values.
    pub(super) fn new(selected: &[Detector]) -> Option<Search> {
        let keys = Keys::new(selected);
        let schemes = Schemes::of(selected);
        (keys.is_some() || schemes.any()).then_some(Search { keys, schemes })
    }

    /// Candidates in one text, leftmost first.
    pub(super) fn candidates(&self) -> Candidates<'_> {
        Candidates {
            search: self,
            key: None,
            scheme: None,
        }
    }
}

/// The next candidate at or after a position, as the alternation of the patterns and the two
/// scheme patterns (`\b[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+[A-Za-z0-9._~+/-]+=*` and
/// `\b[Bb][Aa][Ss][Ii][Cc][ \t]+[A-Za-z0-9+/]{4,}={0,2}`) would find it: the leftmost of the
/// two searches' matches (they never start at the same byte). Each search's last answer is kept
/// while it stays ahead, so neither is repeated over the same text.
pub(super) struct Candidates<'s> {
    search: &'s Search,
    /// The regex's answer from a position: its match (`None`: none after it).
    key: Option<(usize, Option<Range<usize>>)>,
    /// The same for the schemes.
    scheme: Option<(usize, Option<Range<usize>>)>,
}

impl Candidates<'_> {
    /// The leftmost candidate starting at or after `at` in `haystack` (`\b` reads the bytes
    /// before `at`).
    pub(super) fn find_at(&mut self, haystack: &str, at: usize) -> Option<Range<usize>> {
        let search = self.search;
        let key = search
            .keys
            .as_ref()
            .and_then(|keys| cached(&mut self.key, at, || keys.find_at(haystack, at)));
        let scheme = if search.schemes.any() {
            cached(&mut self.scheme, at, || {
                scheme_at(haystack.as_bytes(), at, search.schemes)
            })
        } else {
            None
        };
        match (key, scheme) {
            (Some(key), Some(scheme)) if scheme.start < key.start => Some(scheme),
            (Some(key), _) => Some(key),
            (None, scheme) => scheme,
        }
    }
}

/// `search()` from `at`, or the answer of an earlier search from at most `at` when it is still
/// ahead of `at` (the same answer a new search would give).
fn cached(
    last: &mut Option<(usize, Option<Range<usize>>)>,
    at: usize,
    search: impl FnOnce() -> Option<Range<usize>>,
) -> Option<Range<usize>> {
    if let Some((from, found)) = last
        && *from <= at
        && found.as_ref().is_none_or(|m| m.start >= at)
    {
        return found.clone();
    }
    let found = search();
    *last = Some((at, found.clone()));
    found
}

/// The first `Bearer`/`Basic` (any case) authorization at or after `at`: the word at a word
/// boundary, blanks, and the token as its pattern above takes it (greedy; no class holds the
/// next one's bytes, so the longest run is the match).
pub(super) fn scheme_at(b: &[u8], at: usize, schemes: Schemes) -> Option<Range<usize>> {
    let mut from = at;
    while let Some(start) = scan::next_pair_any_case(b, from, b'b', [b'e', b'a']) {
        from = start + 1;
        // `\b` in ASCII mode: the byte before is not `[0-9A-Za-z_]`.
        if start > 0 && is_word(b[start - 1]) {
            continue;
        }
        let rest = &b[start..];
        let (word, token_byte, min, max_pad): (usize, fn(u8) -> bool, usize, usize) =
            if schemes.bearer && has_word(rest, b"bearer") {
                (6, is_b64token, 1, usize::MAX)
            } else if schemes.basic && has_word(rest, b"basic") {
                (5, is_base64, 4, 2)
            } else {
                continue;
            };
        let blanks = run(&rest[word..], |c| matches!(c, b' ' | b'\t'));
        if blanks == 0 {
            continue;
        }
        let token_start = word + blanks;
        let token = run(&rest[token_start..], token_byte);
        if token < min {
            continue;
        }
        let padding = run(&rest[token_start + token..], |c| c == b'=').min(max_pad);
        return Some(start..start + token_start + token + padding);
    }
    None
}

fn has_word(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// The length of the run of bytes `ok` takes at the start of `s`.
fn run(s: &[u8], ok: impl Fn(u8) -> bool) -> usize {
    s.iter().take_while(|&&c| ok(c)).count()
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// RFC 6750's `b64token` characters but the trailing `=`.
fn is_b64token(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'~' | b'+' | b'/' | b'-')
}

fn is_base64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/')
}

/// What to replace for the candidate `b[start..end]`, told apart by shape: the span and its
/// placeholder, or `None` when it is not a credential.
pub(super) fn accept(b: &[u8], start: usize, end: usize) -> Option<(usize, usize, &'static str)> {
    let s = &b[start..end];
    if s.starts_with(b"-----BEGIN") {
        return Some((start, end, CREDENTIAL));
    }
    if starts_with_word(s, b"bearer") {
        return authorization(b, start + 6, end, BEARER_TOKEN, |token| {
            token.len() >= 20 || (token.len() >= 8 && token.iter().any(u8::is_ascii_digit))
        });
    }
    if starts_with_word(s, b"basic") {
        let header = preceded_by_authorization(b, start);
        // `user:password` in base64; prose after "basic" decodes to bytes, rarely all printable.
        let user_password = |token: &[u8]| {
            base64_decode(token).is_some_and(|text| {
                text.contains(&b':') && text.iter().all(|c| (b' '..=b'~').contains(c))
            })
        };
        // Whole base64 quanta too: the token may be glued to what follows (`…W1l+1 555…`), and
        // a second redaction, which sees the token cut from it, must find it as the first did.
        return authorization(b, start + 5, end, CREDENTIAL, |token| {
            header || user_password(token) || user_password(&token[..token.len() / 4 * 4])
        });
    }
    if s.starts_with(b"eyJ") {
        return Some((start, end, BEARER_TOKEN));
    }
    Some((start, end, API_KEY))
}

/// Whether `s` starts with `word` (any case) and a blank.
fn starts_with_word(s: &[u8], word: &[u8]) -> bool {
    s.len() > word.len()
        && s[..word.len()].eq_ignore_ascii_case(word)
        && matches!(s[word.len()], b' ' | b'\t')
}

/// The token of `Bearer <token>` or `Basic <token>` (the word and blanks before `from`), when
/// `ok` says it is one; a full stop after it ends a sentence.
fn authorization(
    b: &[u8],
    from: usize,
    end: usize,
    placeholder: &'static str,
    ok: impl Fn(&[u8]) -> bool,
) -> Option<(usize, usize, &'static str)> {
    let token_start = from
        + b[from..end]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count();
    let mut token_end = end;
    while token_end > token_start && b[token_end - 1] == b'.' {
        token_end -= 1;
    }
    ok(&b[token_start..token_end]).then_some((token_start, token_end, placeholder))
}

/// `Authorization:` (any case, optional quotes) just before `start`.
fn preceded_by_authorization(b: &[u8], start: usize) -> bool {
    let before = &b[start.saturating_sub(24)..start];
    let trimmed = before
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t' | b'"' | b'\'' | b':' | b'='))
        .map_or(&before[..0], |i| &before[..=i]);
    trimmed.len() >= 13 && trimmed[trimmed.len() - 13..].eq_ignore_ascii_case(b"authorization")
}

/// Standard base64 (padding optional), or `None` when `s` is not base64.
fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let s = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use regex::{Regex, RegexBuilder};

    use super::*;

    /// The pass's alternation as it was with the schemes as patterns: what `Candidates` must
    /// find, position for position.
    fn alternation_with_schemes() -> Regex {
        let mut patterns: Vec<String> = PATTERNS.iter().map(|(_, p, _)| p.to_string()).collect();
        patterns.insert(
            1,
            r"\b[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+[A-Za-z0-9._~+/-]+=*".into(),
        );
        patterns.insert(
            2,
            r"\b[Bb][Aa][Ss][Ii][Cc][ \t]+[A-Za-z0-9+/]{4,}={0,2}".into(),
        );
        RegexBuilder::new(&patterns.join("|"))
            .unicode(false)
            .build()
            .unwrap()
    }

    const PIECES: &[&str] = &[
        "Bearer ",
        "bEaReR\t",
        "BEARER",
        "bearer",
        "Basic ",
        "bASIC  ",
        "basic",
        "abearer ",
        "_Basic ",
        "bearers ",
        "abc123.def456",
        "YWxh",
        "ZGRpbjpvcGVu",
        "c2VzYW1l",
        "==",
        "=",
        "~+/-.",
        " ",
        "\t",
        "\n",
        "x",
        "_",
        ".",
        "é",
        "sk-abcdefghijklmnopqrstuvwxyz",
        "-----BEGIN RSA PRIVATE KEY-----",
        "MIIBOgIBAAJBAK",
        "-----END RSA PRIVATE KEY-----",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "AKIAABCDEFGHIJKLMNOP",
        "b",
        "B",
        "sk-",
        "tsk-",
        "sk_live_abcdefghijklmnop",
        "xoxb-1234567890",
        "glpat-abcdefghijklmnopqrst",
        "gl",
        "hf_abcdefghijklmnopqrstuvwxyz0123",
        "AIzaabcdefghijklmnopqrstuvwxyz0123456789",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "xapp-1-abcdefghij",
        "github_pat_abcdefghijklmnopqrstuv",
    ];

    #[test]
    fn candidates_are_the_alternations_matches() {
        let combined = alternation_with_schemes();
        let search = Search::new(&Detector::ALL).unwrap();
        candidates_match(&search, &combined);
        // Each detector of the pass alone: its patterns only.
        for detector in [
            Detector::ApiKey,
            Detector::BearerToken,
            Detector::Credential,
        ] {
            let mut patterns: Vec<String> = PATTERNS
                .iter()
                .filter(|(d, _, _)| *d == detector)
                .map(|(_, p, _)| p.to_string())
                .collect();
            match detector {
                Detector::BearerToken => patterns.insert(
                    1,
                    r"\b[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+[A-Za-z0-9._~+/-]+=*".into(),
                ),
                Detector::Credential => patterns.insert(
                    1,
                    r"\b[Bb][Aa][Ss][Ii][Cc][ \t]+[A-Za-z0-9+/]{4,}={0,2}".into(),
                ),
                _ => {}
            }
            let alone = RegexBuilder::new(&patterns.join("|"))
                .unicode(false)
                .build()
                .unwrap();
            candidates_match(&Search::new(&[detector]).unwrap(), &alone);
        }
    }

    /// `search`'s candidates are `combined`'s matches at every position of generated text.
    fn candidates_match(search: &Search, combined: &Regex) {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..20_000 {
            let text: String = (0..1 + next(10))
                .map(|_| PIECES[next(PIECES.len())])
                .collect();
            let mut candidates = search.candidates();
            for at in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                let expected = combined.find_at(&text, at).map(|m| m.range());
                assert_eq!(candidates.find_at(&text, at), expected, "{text:?} at {at}");
            }
        }
    }

    /// Every match of each pattern starts with one of its literals: each literal the regex
    /// engine's own prefix extraction finds for the pattern (a finite set) starts with one.
    #[test]
    fn every_match_starts_with_one_of_its_patterns_literals() {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        for (_, pattern, literals) in PATTERNS {
            let hir = regex_syntax::ParserBuilder::new()
                .unicode(false)
                .utf8(false)
                .build()
                .parse(pattern)
                .unwrap();
            let prefixes = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
            let prefixes = prefixes.literals().expect("a finite set of prefixes");
            assert!(!prefixes.is_empty(), "{pattern}");
            for prefix in prefixes {
                assert!(
                    literals
                        .iter()
                        .any(|l| prefix.as_bytes().starts_with(l.as_bytes())),
                    "{pattern}: {prefix:?}"
                );
            }
        }
    }

    #[test]
    fn each_scheme_only_when_its_detector_is_selected() {
        let text = "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l, bearer abc123.def456";
        let bearer = Schemes {
            bearer: true,
            basic: false,
        };
        let basic = Schemes {
            bearer: false,
            basic: true,
        };
        assert_eq!(scheme_at(text.as_bytes(), 0, bearer), Some(47..67));
        assert_eq!(scheme_at(text.as_bytes(), 0, basic), Some(15..45));
        assert_eq!(scheme_at(text.as_bytes(), 16, basic), None);
    }
}
