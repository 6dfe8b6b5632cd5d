//! Credentials: API keys and tokens of known shapes, `Bearer`/`Basic` authorization values, JWTs
//! and PEM private keys. All start with a literal the regex engine looks for, so the whole text
//! is one pass; each candidate is then checked in `accept`. (`password=`-style pairs are in
//! `pairs`.)

use super::Detector;

pub(super) const API_KEY: &str = "[REDACTED:API_KEY]";
pub(super) const BEARER_TOKEN: &str = "[REDACTED:BEARER_TOKEN]";
pub(super) const CREDENTIAL: &str = "[REDACTED:CREDENTIAL]";

/// The patterns of this pass, with the detector each belongs to. Leftmost-first: where two
/// match at the same position, the one listed first wins.
pub(super) fn patterns() -> Vec<(Detector, String)> {
    let fixed: &[(Detector, &str)] = &[
        // PEM private keys, whole; without their END line (a cut value) up to the base64's end.
        (
            Detector::Credential,
            r"-----BEGIN[A-Z ]*PRIVATE KEY-----(?su:.*?-----END[A-Z ]*PRIVATE KEY-----|[A-Za-z0-9+/=\s:,-]*)",
        ),
        // RFC 6750 `b64token`; the word and the blanks are kept (see `bearer`).
        (
            Detector::BearerToken,
            r"\b[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+[A-Za-z0-9._~+/-]+=*",
        ),
        // RFC 7617 `user:password` in base64; the word is kept (see `basic`).
        (
            Detector::Credential,
            r"\b[Bb][Aa][Ss][Ii][Cc][ \t]+[A-Za-z0-9+/]{4,}={0,2}",
        ),
        // JWT: base64url of a JSON header (`{"` encodes as `eyJ`), payload, optional signature.
        (
            Detector::BearerToken,
            r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*",
        ),
        // OpenAI `sk-`, `sk-proj-` and Anthropic `sk-ant-` keys.
        (Detector::ApiKey, r"\bsk-[A-Za-z0-9_-]{20,}"),
        // AWS access key ids of users, roles, groups and sessions.
        (
            Detector::ApiKey,
            r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b",
        ),
        (Detector::ApiKey, r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
        (Detector::ApiKey, r"\bgithub_pat_[A-Za-z0-9_]{22,}"),
        (
            Detector::ApiKey,
            r"\bgl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt|agent)-[A-Za-z0-9_-]{20,}",
        ),
        (Detector::ApiKey, r"\bhf_[A-Za-z0-9]{30,}\b"),
        (Detector::ApiKey, r"\bAIza[A-Za-z0-9_-]{35,}"),
        (Detector::ApiKey, r"\bxox[abeoprs]-[A-Za-z0-9_-]{10,}"),
        (Detector::ApiKey, r"\bxapp-\d-[A-Za-z0-9_-]{10,}"),
        (Detector::ApiKey, r"\b[rs]k_(?:live|test)_[A-Za-z0-9_]{16,}"),
        (Detector::ApiKey, r"\bnpm_[A-Za-z0-9]{36}\b"),
    ];
    let mut all: Vec<(Detector, String)> = Vec::with_capacity(fixed.len());
    all.extend(fixed.iter().map(|&(d, p)| (d, p.to_owned())));
    all
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
