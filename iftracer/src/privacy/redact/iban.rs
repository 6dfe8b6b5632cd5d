//! International bank account numbers: a country code, two check digits and the account, written
//! contiguous or in groups of four. Accepted only with the country's IBAN length and a valid
//! ISO 7064 mod-97 checksum, so random codes (`AB12 CDEF…`) are left alone.

use super::scan;

pub(super) const IBAN: &str = "[REDACTED:IBAN]";

/// IBAN lengths by country (SWIFT's IBAN registry), sorted by code for a binary search.
const LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NL", 18),
    (b"NO", 15),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"SA", 24),
    (b"SC", 31),
    (b"SD", 18),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
];

/// The IBANs of `text`, as byte ranges, in order; `codes` are its `codes()`.
pub(super) fn find<'a>(
    text: &'a str,
    codes: &'a [usize],
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let b = text.as_bytes();
    let mut at = 0;
    // Two capitals (the country) before a digit (the first check digit).
    codes
        .iter()
        .filter(move |&&start| b[start + 2].is_ascii_digit())
        .filter_map(move |&start| {
            if start < at
                || text[..start]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                return None;
            }
            let end = iban_at(b, start)?;
            at = end;
            Some((start, end))
        })
}

/// Where two ASCII capitals are followed by a digit or by a blank and a digit: the candidates
/// of IBANs (`DE89`) and UK NINOs (`AB12`, `AB 12`), found once for both passes (see `moved`).
pub(super) fn codes(b: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(i) = next_code(&b[at..], true) {
        found.push(at + i);
        at += i + 1;
    }
    found
}

/// `codes` as they are once `ibans` (the IBANs found among them) are replaced by their
/// placeholder: those inside an IBAN are gone, later ones move. No code appears next to or in a
/// placeholder (`[` before, `]` after, no digit in it), so this is what `codes()` would find.
pub(super) fn moved(codes: Vec<usize>, ibans: &[(usize, usize)]) -> Vec<usize> {
    if ibans.is_empty() {
        return codes;
    }
    let mut ibans = ibans.iter().peekable();
    let (mut grown, mut shrunk) = (0, 0);
    codes
        .into_iter()
        .filter_map(|code| {
            while let Some(&&(start, end)) = ibans.peek() {
                if code < end {
                    if code >= start {
                        return None;
                    }
                    break;
                }
                grown += IBAN.len();
                shrunk += end - start;
                ibans.next();
            }
            Some(code + grown - shrunk)
        })
        .collect()
}

/// The index of the first two ASCII capitals in `b` followed by a digit (IBANs' `DE89`, NINOs'
/// `AB12`), or with `blank`, also by a blank and a digit (NINOs' `AB 12`). Digits are frequent in
/// JSON and logs, such codes are not: this tests 13 positions of a 16-byte block at once, from
/// the block's byte classes (`scan`).
fn next_code(b: &[u8], blank: bool) -> Option<usize> {
    // 64 bytes a step while there are (bits 0 to 60: the positions whose code, up to 4 bytes,
    // lies in the chunk), then 16, then a byte at a time.
    const TESTED_64: u64 = (1 << 61) - 1;
    let mut offset = 0;
    while let Some(chunk) = b.get(offset..).and_then(<[u8]>::first_chunk::<64>) {
        let capitals = scan::wide(chunk, scan::capitals);
        let pairs = capitals & (capitals >> 1) & TESTED_64;
        if pairs != 0 {
            let digits = scan::wide(chunk, scan::digits);
            let mut next = digits >> 2;
            if blank {
                next |= (scan::wide(chunk, scan::spaces) >> 2) & (digits >> 3);
            }
            let codes = pairs & next;
            if codes != 0 {
                return Some(offset + codes.trailing_zeros() as usize);
            }
        }
        offset += 61;
    }
    // Bits 0 to 12, as above.
    const TESTED: u32 = (1 << 13) - 1;
    while let Some(block) = scan::block(b, offset) {
        let capitals = scan::capitals(block);
        let pairs = capitals & (capitals >> 1) & TESTED;
        if pairs != 0 {
            let digits = scan::digits(block);
            let mut next = digits >> 2;
            if blank {
                next |= (scan::spaces(block) >> 2) & (digits >> 3);
            }
            let codes = pairs & next;
            if codes != 0 {
                return Some(offset + codes.trailing_zeros() as usize);
            }
        }
        offset += 13;
    }
    let code = |i: usize| {
        b[i].is_ascii_uppercase()
            && b[i + 1].is_ascii_uppercase()
            && (b[i + 2].is_ascii_digit()
                || (blank && b[i + 2] == b' ' && b.get(i + 3).is_some_and(u8::is_ascii_digit)))
    };
    (offset..b.len().saturating_sub(2)).find(|&i| code(i))
}

/// The end of the IBAN starting at `start`, if one does.
fn iban_at(b: &[u8], start: usize) -> Option<usize> {
    let country = [b[start], b[start + 1]];
    let at = LENGTHS
        .binary_search_by(|(code, _)| code.cmp(&&country))
        .ok()?;
    let len = LENGTHS[at].1;
    // The checksum (below) is taken as the characters are read, allowing one blank between
    // groups of four.
    let mut check = Mod97::default();
    let mut count = 0;
    let mut i = start;
    while count < len && i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || c.is_ascii_uppercase() {
            // The country and check digits count last; the check digits must be digits.
            if count >= 4 {
                check.push(c);
            } else if count >= 2 && !c.is_ascii_digit() {
                return None;
            }
            count += 1;
            i += 1;
        } else if c == b' '
            && count.is_multiple_of(4)
            && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
        {
            i += 1;
        } else {
            break;
        }
    }
    let glued = b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    if count != len || glued {
        return None;
    }
    for &c in &b[start..start + 4] {
        check.push(c);
    }
    check.is_valid().then_some(i)
}

/// ISO 7064 MOD 97-10 of an IBAN read with its first four characters moved to the end, letters
/// as 10..35: valid when the number modulo 97 is 1. Reduced only when the sum could overflow.
#[derive(Default)]
struct Mod97(u64);

impl Mod97 {
    /// Appends a digit or an upper-case letter.
    fn push(&mut self, c: u8) {
        if self.0 >= 1 << 56 {
            self.0 %= 97;
        }
        self.0 = if c.is_ascii_digit() {
            self.0 * 10 + u64::from(c - b'0')
        } else {
            self.0 * 100 + u64::from(c - b'A') + 10
        };
    }

    fn is_valid(&self) -> bool {
        self.0 % 97 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes left for the NINO pass are those `codes()` finds in the redacted text.
    #[test]
    fn codes_move_with_the_replaced_ibans() {
        let text = "AB 12 34 56 C, DE89 3704 0044 0532 0130 00 then GB 99 88 77 D, DE89370400440532013000 AB123456C";
        let found = codes(text.as_bytes());
        let ibans: Vec<(usize, usize)> = find(text, &found).collect();
        assert_eq!(ibans.len(), 2);
        let mut redacted = text.to_owned();
        for &(start, end) in ibans.iter().rev() {
            redacted.replace_range(start..end, IBAN);
        }
        assert_eq!(moved(found, &ibans), codes(redacted.as_bytes()));
    }

    /// The running checksum is the remainder of the whole number, written out in decimal.
    #[test]
    fn the_checksum_is_the_remainder_of_the_whole_number() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for len in 1..=40 {
            for _ in 0..200 {
                let mut check = Mod97::default();
                let mut decimal = String::new();
                for _ in 0..len {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let c = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(x % 36) as usize];
                    check.push(c);
                    let value = if c.is_ascii_digit() {
                        c - b'0'
                    } else {
                        c - b'A' + 10
                    };
                    decimal.push_str(&value.to_string());
                }
                let remainder = decimal
                    .bytes()
                    .fold(0, |rem, d| (rem * 10 + u64::from(d - b'0')) % 97);
                assert_eq!(check.0 % 97, remainder, "{decimal}");
            }
        }
    }

    /// `codes` finds what testing every position finds.
    #[test]
    fn codes_are_every_position_of_two_capitals_before_a_digit() {
        let plain = |b: &[u8]| -> Vec<usize> {
            (0..b.len().saturating_sub(2))
                .filter(|&i| {
                    b[i].is_ascii_uppercase()
                        && b[i + 1].is_ascii_uppercase()
                        && (b[i + 2].is_ascii_digit()
                            || (b[i + 2] == b' ' && b.get(i + 3).is_some_and(u8::is_ascii_digit)))
                })
                .collect()
        };
        // Every string of up to 6 bytes over the bytes that matter, then longer mixed ones.
        let alphabet = b"AZa 09-";
        let mut inputs: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..6 {
            let longer: Vec<Vec<u8>> = inputs
                .iter()
                .filter(|s| s.len() == inputs.last().map_or(0, Vec::len))
                .flat_map(|s| {
                    alphabet.iter().map(move |&c| {
                        let mut t = s.clone();
                        t.push(c);
                        t
                    })
                })
                .collect();
            inputs.extend(longer);
        }
        // The four-byte ones at every offset of the 64-byte chunks and 16-byte blocks
        // `next_code` tests (a chunk step is 61 bytes: 0 to 130 covers two).
        let padded: Vec<Vec<u8>> = inputs
            .iter()
            .filter(|s| s.len() == 4)
            .flat_map(|s| {
                (0..130).map(move |offset| {
                    let mut t = vec![b'a'; offset];
                    t.extend_from_slice(s);
                    t.resize(150, b'a');
                    t
                })
            })
            .collect();
        inputs.extend(padded);
        inputs.push(
            b"DE89 3704 0044 0532 0130 00, AB 12 34 56 C and GB 99 AB123456C 12AB34 A".repeat(9),
        );
        inputs.push("é AB1 \u{1F389}CD 2 XY99999999 ".repeat(40).into_bytes());
        for input in &inputs {
            assert_eq!(
                codes(input),
                plain(input),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn lengths_are_sorted_for_the_binary_search() {
        assert!(LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
