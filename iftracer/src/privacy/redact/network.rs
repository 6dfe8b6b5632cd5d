//! IP (v4 and v6) and MAC addresses (opt-in detectors: logs and tool calls hold many addresses
//! of servers, not of people). Candidates are the runs of hex digits, `:`, `.` and `-` around
//! each `:`/`.`/`-` (a SIMD scan, `scan::Positions`), parsed by the standard library or checked
//! in code.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::scan;

pub(super) const IP: &str = "[REDACTED:IP]";
pub(super) const MAC: &str = "[REDACTED:MAC]";

/// What the caller wants found.
#[derive(Clone, Copy)]
pub(super) struct Kinds {
    pub(super) ip: bool,
    pub(super) mac: bool,
}

/// The addresses of `text`, as byte ranges with their placeholder, in order.
pub(super) fn find(
    text: &str,
    kinds: Kinds,
) -> impl Iterator<Item = (usize, usize, &'static str)> + '_ {
    let b = text.as_bytes();
    let mut done = 0;
    scan::Positions::new(b, [b':', b'.', b'-'])
        .filter_map(move |hit| {
            if hit < done {
                return None;
            }
            let is_run = |c: &u8| c.is_ascii_hexdigit() || matches!(c, b':' | b'.' | b'-');
            let start = b[..hit]
                .iter()
                .rposition(|c| !is_run(c))
                .map_or(0, |i| i + 1);
            let end = b[hit..]
                .iter()
                .position(|c| !is_run(c))
                .map_or(b.len(), |i| hit + i);
            done = end;
            // Glued to a word (`v1.2.3.4`, `sha256:…`) is an identifier.
            let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
            if (start > 0 && word(b[start - 1])) || b.get(end).is_some_and(|&c| word(c)) {
                return None;
            }
            // Most runs are a lone `:` or `.` of JSON or prose: skipped without parsing.
            if !could_hold_address(&b[start..end]) {
                return None;
            }
            Some(classify(text, start, end, kinds))
        })
        .flatten()
}

/// Whether the run may hold an address, as `classify` reads it: every address it accepts (a
/// part of the run at most) has a hex digit and 3 bytes or more (`::1`; `::` has no digit), and
/// a `.` or `:` unless it is a MAC address with dashes, which is the whole run but the dashes
/// `classify` trims off its end (a part between dashes holds none).
fn could_hold_address(run: &[u8]) -> bool {
    let trimmed = run.len() - run.iter().rev().take_while(|&&c| c == b'-').count();
    run.len() >= 3
        && run.iter().any(u8::is_ascii_hexdigit)
        && (trimmed == 17 || run.iter().any(|c| matches!(c, b'.' | b':')))
}

/// The addresses in the run `text[start..end]`: the whole run, or else its parts between dashes
/// (`10.0.0.1-10.0.0.9`), each read as a run of its own (see [`piece`]), and then what is left
/// between the parts found, as the runs a second redaction would read there: a verdict must not
/// change once a neighbour is replaced, or a second pass would find what the first one missed
/// (`2::2.-2::`; `00-1A-2B-3C-4D-5E-10.0.0.1`, where the MAC address is left once the IP
/// address is replaced).
fn classify(
    text: &str,
    start: usize,
    end: usize,
    kinds: Kinds,
) -> Vec<(usize, usize, &'static str)> {
    if let Some(found) = piece(text, start, end, kinds) {
        return vec![found];
    }
    let run = &text[start..end];
    if !run.contains('-') {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let mut at = start;
    for part in run.split('-') {
        parts.extend(piece(text, at, at + part.len(), kinds));
        at += part.len() + 1;
    }
    if parts.is_empty() {
        return parts;
    }
    // What is left between them holds only parts already read, so only its whole can be new.
    let mut found = Vec::with_capacity(parts.len() + 1);
    let mut from = start;
    for part in parts {
        if part.0 > from {
            found.extend(piece(text, from, part.0, kinds));
        }
        from = part.1;
        found.push(part);
    }
    if end > from {
        found.extend(piece(text, from, end, kinds));
    }
    found
}

/// The address `text[start..end]` is, once a full stop or a label's colon after it is trimmed
/// off (they end a sentence or a label), or the IPv4 address before a `:port`.
fn piece(
    text: &str,
    start: usize,
    end: usize,
    kinds: Kinds,
) -> Option<(usize, usize, &'static str)> {
    let b = text.as_bytes();
    let mut end = end;
    while end > start && matches!(b[end - 1], b'.' | b'-') {
        end -= 1;
    }
    if end > start + 1 && b[end - 1] == b':' && b[end - 2] != b':' {
        end -= 1;
    }
    let run = &text[start..end];
    if let Some(kind) = address(run, kinds) {
        return Some((start, end, kind));
    }
    if kinds.ip
        && let Some((host, port)) = run.rsplit_once(':')
        && !port.is_empty()
        && port.bytes().all(|c| c.is_ascii_digit())
        && host.parse::<Ipv4Addr>().is_ok()
    {
        return Some((start, start + host.len(), IP));
    }
    None
}

fn address(s: &str, kinds: Kinds) -> Option<&'static str> {
    if kinds.mac && is_mac(s) {
        return Some(MAC);
    }
    if !kinds.ip || !s.bytes().any(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    if s.contains('.') && !s.contains(':') {
        return s.parse::<Ipv4Addr>().ok().map(|_| IP);
    }
    // Two colons at least: `11:36` and `12:30:00` are times, not addresses (they do not parse
    // as IPv6 either, which wants eight groups or a `::`).
    // A digit at least: `a::b` is a Rust path.
    (s.bytes().filter(|&c| c == b':').count() >= 2
        && s.bytes().any(|c| c.is_ascii_digit())
        && s.parse::<Ipv6Addr>().is_ok())
    .then_some(IP)
}

/// Six pairs of hex digits, one separator (`:` or `-`) throughout.
fn is_mac(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 17 || !matches!(b[2], b':' | b'-') {
        return false;
    }
    let sep = b[2];
    b.chunks(3).all(|group| {
        group[0].is_ascii_hexdigit()
            && group[1].is_ascii_hexdigit()
            && group.get(2).is_none_or(|&c| c == sep)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every run `could_hold_address` rejects is one where `classify` finds nothing: all
    /// strings of up to 4 bytes over the run alphabet, then 100k generated longer ones.
    #[test]
    fn runs_skipped_without_parsing_hold_no_address() {
        let kinds = Kinds {
            ip: true,
            mac: true,
        };
        let alphabet = b"0f:.-";
        let mut runs: Vec<Vec<u8>> = vec![Vec::new()];
        let mut last = runs.clone();
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|r| {
                    alphabet.iter().map(move |&c| {
                        let mut r = r.clone();
                        r.push(c);
                        r
                    })
                })
                .collect();
            runs.extend(last.iter().cloned());
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 40) as usize;
            let run: Vec<u8> = (0..len)
                .map(|i| b":.-.::aF019-"[((x >> (i * 2 % 60)) % 12) as usize])
                .collect();
            runs.push(run);
        }
        for sample in [
            "00-1A-2B-3C-4D-5E",
            "00-1A-2B-3C-4D-5E--",
            "00-1a-2b-3c-4d-5e-",
            "00:1A:2B:3C:4D:5E",
            "550e8400-e29b-41d4-a716-446655440000",
            "10.0.0.1-10.0.0.9",
            "2026-11-23",
        ] {
            runs.push(sample.as_bytes().to_vec());
        }
        let mut skipped = 0;
        for run in &runs {
            if !could_hold_address(run) {
                skipped += 1;
                let text = std::str::from_utf8(run).unwrap();
                assert!(classify(text, 0, run.len(), kinds).is_empty(), "{text:?}");
            }
        }
        assert!(skipped > 1_000, "{skipped}");
    }
}
