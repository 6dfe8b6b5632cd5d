//! The values of `key=value` pairs whose key says secret (`password=…`, `"client_secret": "…"`,
//! `X-Api-Key: …`, `AWS_SECRET_ACCESS_KEY=…`) and of "my password is …". Found from their `=`
//! and `:` (a SIMD scan, `scan::Positions`), the key read backwards from there.

use std::sync::LazyLock;

use memchr::memmem;

use super::credentials::CREDENTIAL;
use super::scan;

/// Key endings that say the value is a secret, lower case, `-` read as `_`: `db_password`,
/// `client_secret`, `aws_secret_access_key`, `x-api-key`.
/// (Every one ends in one of `ENDINGS`: `key_before` relies on it.)
const KEYS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"passphrase",
    b"pwd",
    b"secret",
    b"token",
    b"apikey",
    b"api_key",
    b"accesskey",
    b"access_key",
    b"privatekey",
    b"private_key",
];

/// The last three letters of `KEYS`, lower case.
const ENDINGS: [&[u8; 3]; 7] = [b"ord", b"swd", b"ase", b"pwd", b"ret", b"ken", b"key"];

/// `ENDINGS` as numbers, compared at once.
const ENDING_WORDS: [u32; 7] = {
    let mut words = [0; 7];
    let mut i = 0;
    while i < ENDINGS.len() {
        let [x, y, z] = *ENDINGS[i];
        words[i] = u32::from_le_bytes([x, y, z, 0]);
        i += 1;
    }
    words
};

/// The bytes that may stand just before a secret key's separator: a last letter of `ENDINGS`
/// in either case, or a quote or blank between the key and the separator. Most separators
/// (`latency_ms=`, `11:36`) are rejected on this one byte.
static BEFORE_SEPARATOR: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < ENDINGS.len() {
        let last = ENDINGS[i][2];
        table[last as usize] = true;
        table[last.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    table[b' ' as usize] = true;
    table[b'\t' as usize] = true;
    table[b'"' as usize] = true;
    table[b'\'' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Every secret value of `text`, as byte ranges, in order.
pub(super) fn find(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut found: Vec<(usize, usize)> = Vec::new();
    let mut done = 0;
    for sep in scan::Positions::new(b, [b'=', b':']) {
        if sep < done || !key_before(b, sep) {
            continue;
        }
        if let Some((start, end)) = value_after(text, sep + 1, b[sep] == b'=' || quoted(b, sep)) {
            found.push((start, end));
            done = end;
        }
    }
    // "my password is …", in the two spellings prose uses; one search for both, with a searcher
    // built once (building one costs as much as searching a KB).
    static PHRASE: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"assword is "));
    for at in PHRASE.find_iter(b) {
        if at > 0
            && matches!(b[at - 1], b'p' | b'P')
            && let Some(range) = value_after(text, at + PHRASE.needle().len(), false)
        {
            found.push(range);
        }
    }
    found.sort_unstable();
    found.dedup_by(|later, earlier| later.0 < earlier.1);
    found
}

/// Whether a secret key ends just before the separator at `sep` (quotes and blanks between).
fn key_before(b: &[u8], sep: usize) -> bool {
    if sep == 0 || !BEFORE_SEPARATOR[usize::from(b[sep - 1])] {
        return false;
    }
    let mut end = sep;
    // `\"` too: JSON inside a JSON string (tool-call arguments) escapes its quotes.
    while end > 0 && matches!(b[end - 1], b' ' | b'\t' | b'"' | b'\'' | b'\\') && sep - end < 4 {
        end -= 1;
    }
    // Compared in place (no lower-case copy of the key): `=` and `:` are frequent in JSON and
    // logs, and most keys are rejected by their last three letters. (`| 0x20` lower-cases an
    // ASCII letter and makes no letter of another byte.)
    let Some(&[x, y, z]) = b[..end].last_chunk::<3>() else {
        return false;
    };
    if !ENDING_WORDS.contains(&u32::from_le_bytes([x | 0x20, y | 0x20, z | 0x20, 0])) {
        return false;
    }
    let folded = |c: u8| {
        if c == b'-' {
            b'_'
        } else {
            c.to_ascii_lowercase()
        }
    };
    KEYS.iter().any(|k| {
        end >= k.len()
            && b[end - k.len()..end]
                .iter()
                .zip(*k)
                .all(|(&c, &want)| folded(c) == want)
    })
}

/// Whether the key before `sep` or the value after it is in quotes (`"password": "…"`).
fn quoted(b: &[u8], sep: usize) -> bool {
    let near = |range: std::ops::Range<usize>| b[range].iter().any(|c| matches!(c, b'"' | b'\''));
    near(sep.saturating_sub(2)..sep) || near(sep + 1..(sep + 3).min(b.len()))
}

/// The value starting after `from` (blanks, quotes and a second separator skipped). After `=`
/// or in quotes (`assigned`) it is always a secret; after `:` or "is" in prose
/// ("password: required") a lower-case word is not.
fn value_after(text: &str, from: usize, assigned: bool) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let start = from
        + b[from..]
            .iter()
            .take(8)
            .take_while(|c| matches!(c, b' ' | b'\t' | b'"' | b'\'' | b'\\' | b'=' | b':'))
            .count();
    let len: usize = text[start..]
        .chars()
        .take_while(|c| {
            !c.is_whitespace() && !matches!(c, '"' | '\'' | ',' | ';' | '&' | '<' | '>')
        })
        .map(char::len_utf8)
        .sum();
    let mut end = start + len;
    // The escape of a closing quote (`\"`) belongs to the quote, not to the value.
    if end > start && b[end - 1] == b'\\' && b.get(end) == Some(&b'"') {
        end -= 1;
    }
    // A full stop ends the sentence; a closing bracket without its opening one closes the text's.
    loop {
        let value = &b[start..end];
        let unbalanced =
            |open: u8, close: u8| value.last() == Some(&close) && !value.contains(&open);
        if value.len() > 1
            && (value.last() == Some(&b'.')
                || unbalanced(b'(', b')')
                || unbalanced(b'[', b']')
                || unbalanced(b'{', b'}'))
        {
            end -= 1;
        } else {
            break;
        }
    }
    let value = &b[start..end];
    // Nothing, already redacted, or an authorization scheme whose token the credentials pass
    // takes.
    if value.is_empty()
        || value.starts_with(b"[REDACTED")
        || value.eq_ignore_ascii_case(b"bearer")
        || value.eq_ignore_ascii_case(b"basic")
    {
        return None;
    }
    let prose_word = value.iter().all(u8::is_ascii_lowercase);
    (assigned || !prose_word).then_some((start, end))
}

/// The placeholder of this detector's values.
pub(super) const PLACEHOLDER: &str = CREDENTIAL;

#[cfg(test)]
mod tests {
    use super::*;

    /// `key_before` rejects a key by its ending before comparing it with every key.
    #[test]
    fn every_key_ends_in_one_of_the_endings() {
        for key in KEYS {
            let ending = key.last_chunk::<3>().unwrap();
            assert!(
                ENDINGS.contains(&ending),
                "{}",
                String::from_utf8_lossy(key)
            );
        }
        for text in ["x-API-KEY=abc", "DB_PassWord: abc", "my_TOKEN = abc"] {
            let sep = text.find(['=', ':']).unwrap();
            assert!(key_before(text.as_bytes(), sep), "{text}");
        }
        for text in ["method=GET", "trace_id=4bf9", "k=1", "=1", "secrets=1"] {
            let sep = text.find('=').unwrap();
            assert!(!key_before(text.as_bytes(), sep), "{text}");
        }
    }
}
