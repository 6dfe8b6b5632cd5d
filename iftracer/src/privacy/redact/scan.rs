//! Byte classes 16 bytes at a time (64 for `numbers`), for the passes that walk long text
//! looking for rare shapes (digit runs for `numbers`, two capitals before a digit for `iban` and
//! `national_ids`, the separators of `pairs` and `network`): SSE2 on
//! x86_64 (part of every x86_64 target, so no runtime detection), and a portable version with
//! the same results on other targets, checked against it in the tests. This module holds the
//! crate's only `unsafe`: the SSE2 intrinsics, the unaligned 16-byte load among them.
#![allow(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

/// Which of the 16 bytes of a block are in a class: bit `i` for byte `i`.
type Mask = fn(&[u8; 16]) -> u32;

// The classes of this target: SSE2 on x86_64, else the portable ones.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use self::portable as classes;
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
use self::sse2 as classes;

use self::classes::digits_and_gaps;
use self::classes::{any_case, any_of};
pub(super) use self::classes::{capitals, digits, spaces, words};

/// A byte at a time: for other targets, and the reference of the tests.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
mod portable {
    fn mask(block: &[u8; 16], class: impl Fn(u8) -> bool) -> u32 {
        block
            .iter()
            .enumerate()
            .filter(|&(_, &c)| class(c))
            .fold(0, |m, (i, _)| m | 1 << i)
    }

    /// `0`–`9`.
    pub(in crate::privacy::redact) fn digits(block: &[u8; 16]) -> u32 {
        mask(block, |c| c.is_ascii_digit())
    }

    /// ASCII letters, digits and `_`: a word as `\b` reads it.
    pub(in crate::privacy::redact) fn words(block: &[u8; 16]) -> u32 {
        mask(block, |c| c.is_ascii_alphanumeric() || c == b'_')
    }

    /// `A`–`Z`.
    pub(in crate::privacy::redact) fn capitals(block: &[u8; 16]) -> u32 {
        mask(block, |c| c.is_ascii_uppercase())
    }

    /// `' '`.
    pub(in crate::privacy::redact) fn spaces(block: &[u8; 16]) -> u32 {
        mask(block, |c| c == b' ')
    }

    /// Any of `needles`.
    pub(super) fn any_of<const N: usize>(block: &[u8; 16], needles: [u8; N]) -> u32 {
        mask(block, |c| needles.contains(&c))
    }

    /// The ASCII letter `letter` (lower case) in either case.
    pub(super) fn any_case(block: &[u8; 16], letter: u8) -> u32 {
        mask(block, |c| {
            c.to_ascii_lowercase() == letter && c.is_ascii_alphabetic()
        })
    }

    /// The separators a number may hold: ` .-()+/_,`.
    pub(super) fn gaps(block: &[u8; 16]) -> u32 {
        mask(block, |c| {
            matches!(
                c,
                b' ' | b'.' | b'-' | b'(' | b')' | b'+' | b'/' | b'_' | b','
            )
        })
    }

    /// `digits` and `gaps` of one block.
    pub(super) fn digits_and_gaps(block: &[u8; 16]) -> (u32, u32) {
        (digits(block), gaps(block))
    }
}

// Every x86_64 target enables SSE2; the `cfg` says so to the reader too. The classes are
// those of `portable`, documented there.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };

    // The intrinsics are `unsafe` only because the CPU must have SSE2, which the `cfg` above
    // guarantees (Rust does not count a target's baseline features as enabled in the caller);
    // `load` is the only one that touches memory.

    #[inline]
    fn load(block: &[u8; 16]) -> __m128i {
        // SAFETY: `block` is 16 readable bytes, all that `_mm_loadu_si128` reads, and the load
        // needs no alignment; SSE2 is enabled (the module's `cfg`).
        unsafe { _mm_loadu_si128(block.as_ptr().cast::<__m128i>()) }
    }

    /// The bytes of `v` in `low..=high` as 0xFF, others 0: one add and one compare. Adding
    /// `0x80 - low` (wrapping) moves the range to the bottom of the signed bytes, `-128` up,
    /// where one signed comparison tells it from every other byte.
    #[inline]
    fn within(v: __m128i, low: u8, high: u8) -> __m128i {
        let shift = 0x80u8.wrapping_sub(low) as i8;
        let limit = (0x80u8 + (high - low) + 1) as i8;
        // SAFETY: register operations only; SSE2 is enabled (the module's `cfg`).
        unsafe { _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(shift)), _mm_set1_epi8(limit)) }
    }

    /// The bytes of `v` equal to `c` as 0xFF, others 0.
    #[inline]
    fn equal(v: __m128i, c: u8) -> __m128i {
        // SAFETY: register operations only; SSE2 is enabled (the module's `cfg`).
        unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8)) }
    }

    #[inline]
    fn or(a: __m128i, b: __m128i) -> __m128i {
        // SAFETY: register operations only; SSE2 is enabled (the module's `cfg`).
        unsafe { _mm_or_si128(a, b) }
    }

    /// The top bit of each byte of `v`: bit `i` for byte `i`.
    #[inline]
    fn bits(v: __m128i) -> u32 {
        // SAFETY: register operations only; SSE2 is enabled (the module's `cfg`).
        (unsafe { _mm_movemask_epi8(v) }) as u32
    }

    #[inline]
    pub(in crate::privacy::redact) fn digits(block: &[u8; 16]) -> u32 {
        bits(within(load(block), b'0', b'9'))
    }

    #[inline]
    pub(in crate::privacy::redact) fn words(block: &[u8; 16]) -> u32 {
        let v = load(block);
        let letters = or(within(v, b'A', b'Z'), within(v, b'a', b'z'));
        bits(or(or(within(v, b'0', b'9'), letters), equal(v, b'_')))
    }

    #[inline]
    pub(in crate::privacy::redact) fn capitals(block: &[u8; 16]) -> u32 {
        bits(within(load(block), b'A', b'Z'))
    }

    #[inline]
    pub(in crate::privacy::redact) fn spaces(block: &[u8; 16]) -> u32 {
        bits(equal(load(block), b' '))
    }

    /// `| 0x20` lower-cases an ASCII capital and turns no other byte into a lower-case letter.
    #[inline]
    pub(super) fn any_case(block: &[u8; 16], letter: u8) -> u32 {
        // SAFETY: register operations only; SSE2 is enabled (the module's `cfg`).
        let folded = unsafe { _mm_or_si128(load(block), _mm_set1_epi8(0x20)) };
        bits(equal(folded, letter))
    }

    #[inline]
    pub(super) fn any_of<const N: usize>(block: &[u8; 16], needles: [u8; N]) -> u32 {
        let v = load(block);
        let mut any = equal(v, needles[0]);
        for &c in &needles[1..] {
            any = or(any, equal(v, c));
        }
        bits(any)
    }

    #[inline]
    fn gaps(v: __m128i) -> u32 {
        // `(` to `/` but `*`, then ` ` and `_`.
        // SAFETY: register operations only; SSE2 is enabled (the module's `cfg`).
        let punctuation = unsafe { _mm_andnot_si128(equal(v, b'*'), within(v, b'(', b'/')) };
        bits(or(punctuation, or(equal(v, b' '), equal(v, b'_'))))
    }

    /// One load for both classes.
    #[inline]
    pub(super) fn digits_and_gaps(block: &[u8; 16]) -> (u32, u32) {
        let v = load(block);
        (bits(within(v, b'0', b'9')), gaps(v))
    }
}

/// What `numbers` reads of 64 bytes of text: bit `i` for byte `i`.
#[derive(Clone, Copy, Default)]
pub(super) struct Chunk {
    /// `0`–`9`.
    pub(super) digits: u64,
    /// The bytes of runs of digits: digits, and the one or two separators (`gaps`) between two
    /// digits. Exact from a digit on, up to bit 61 (bit `i` reads the bytes up to `i + 2`).
    pub(super) runs: u64,
}

impl Chunk {
    /// The 64 bytes of `b` from `at`; bytes past its end are in no class.
    #[inline]
    pub(super) fn at(b: &[u8], at: usize) -> Chunk {
        let rest = b.get(at..).unwrap_or_default();
        let (digits, gaps) = match rest.first_chunk::<64>() {
            Some(bytes) => digits_and_gaps_64(bytes),
            None => {
                let mut padded = [0; 64];
                padded[..rest.len()].copy_from_slice(rest);
                digits_and_gaps_64(&padded)
            }
        };
        let joins = gaps
            & ((digits << 1 & digits >> 1)
                | (digits << 1 & gaps >> 1 & digits >> 2)
                | (gaps << 1 & digits << 2 & digits >> 1));
        Chunk {
            digits,
            runs: digits | joins,
        }
    }
}

/// A class of 64 bytes: bit `i` for byte `i`.
#[inline]
pub(super) fn wide(bytes: &[u8; 64], mask: Mask) -> u64 {
    let (blocks, _) = bytes.as_chunks::<16>();
    blocks
        .iter()
        .enumerate()
        .fold(0, |m, (i, block)| m | u64::from(mask(block)) << (16 * i))
}

/// `digits` and `gaps` of 64 bytes.
#[inline]
fn digits_and_gaps_64(bytes: &[u8; 64]) -> (u64, u64) {
    let (blocks, _) = bytes.as_chunks::<16>();
    let mut masks = (0, 0);
    for (i, block) in blocks.iter().enumerate() {
        let (digits, gaps) = digits_and_gaps(block);
        masks.0 |= u64::from(digits) << (16 * i);
        masks.1 |= u64::from(gaps) << (16 * i);
    }
    masks
}

/// The 16-byte block of `b` at `at`, if `b` holds one there.
#[inline]
pub(super) fn block(b: &[u8], at: usize) -> Option<&[u8; 16]> {
    b.get(at..at.checked_add(16)?)?.try_into().ok()
}

/// The first index at or after `at` whose byte is in `mask`'s class (`is`) or not in it
/// (`!is`). The last bytes are looked at in a zero-padded copy, whose padding is cut off.
#[inline]
fn first(b: &[u8], mut at: usize, mask: Mask, is: bool) -> Option<usize> {
    while at < b.len() {
        let (m, len) = match block(b, at) {
            Some(block) => (mask(block), 16),
            None => {
                let rest = &b[at..];
                let mut padded = [0; 16];
                padded[..rest.len()].copy_from_slice(rest);
                (mask(&padded), rest.len())
            }
        };
        let hits = (if is { m } else { !m }) & ((1 << len) - 1);
        if hits != 0 {
            return Some(at + hits.trailing_zeros() as usize);
        }
        at += len;
    }
    None
}

/// The first ASCII digit at or after `at`.
#[inline]
pub(super) fn next_digit(b: &[u8], at: usize) -> Option<usize> {
    first(b, at, digits, true)
}

/// The end of the run of ASCII digits at `at` (`at` itself when there is none).
#[inline]
pub(super) fn skip_digits(b: &[u8], at: usize) -> usize {
    first(b, at, digits, false).unwrap_or(b.len().max(at))
}

/// The end of the run of word bytes (`[0-9A-Za-z_]`) at `at`.
#[inline]
pub(super) fn skip_words(b: &[u8], at: usize) -> usize {
    first(b, at, words, false).unwrap_or(b.len().max(at))
}

/// The first index at or after `from` where `b` holds the ASCII letter `first` followed by one
/// of `seconds` (lower-case letters, matched in either case): where `Bearer` or `basic` may
/// start, without stopping at every `b` of a hex hash as a search for `b`/`B` does.
pub(super) fn next_pair_any_case(
    b: &[u8],
    mut from: usize,
    first: u8,
    seconds: [u8; 2],
) -> Option<usize> {
    // 32 positions a step (16 when fewer bytes are left), the second bytes looked at only in a
    // step with a first one: prose and JSON have few.
    let second = |at: usize| {
        block(b, at).map_or(0, |next| {
            any_case(next, seconds[0]) | any_case(next, seconds[1])
        })
    };
    while let (Some(low), Some(high)) =
        (block(b, from), block(b, from + 17).and(block(b, from + 16)))
    {
        let firsts = any_case(low, first) | any_case(high, first) << 16;
        if firsts != 0 {
            let hits = firsts & (second(from + 1) | second(from + 17) << 16);
            if hits != 0 {
                return Some(from + hits.trailing_zeros() as usize);
            }
        }
        from += 32;
    }
    while let (Some(low), Some(_)) = (block(b, from), block(b, from + 1)) {
        let hits = any_case(low, first) & second(from + 1);
        if hits != 0 {
            return Some(from + hits.trailing_zeros() as usize);
        }
        from += 16;
    }
    let folded = |c: u8| c.is_ascii_alphabetic().then(|| c.to_ascii_lowercase());
    (from..b.len().saturating_sub(1))
        .find(|&i| folded(b[i]) == Some(first) && seconds.map(Some).contains(&folded(b[i + 1])))
}

/// The positions of any of `N` bytes in a text, in order, as `memchr2_iter`/`memchr3_iter`
/// give them, without a call per position: separators are frequent in JSON and logs.
pub(super) struct Positions<'a, const N: usize> {
    b: &'a [u8],
    needles: [u8; N],
    /// Where the next block starts.
    next: usize,
    /// Where the block of `bits` starts.
    at: usize,
    /// The positions of the current block not yet given.
    bits: u32,
}

impl<'a, const N: usize> Positions<'a, N> {
    pub(super) fn new(b: &'a [u8], needles: [u8; N]) -> Self {
        Positions {
            b,
            needles,
            next: 0,
            at: 0,
            bits: 0,
        }
    }
}

impl<const N: usize> Iterator for Positions<'_, N> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            if self.next >= self.b.len() {
                return None;
            }
            self.at = self.next;
            // 32 bytes a step while there are (two blocks' bits in one mask), then 16, then the
            // rest: prose has few separators, and each step costs a loop turn.
            self.bits = match (block(self.b, self.at), block(self.b, self.at + 16)) {
                (Some(low), Some(high)) => {
                    self.next += 32;
                    any_of(low, self.needles) | any_of(high, self.needles) << 16
                }
                (Some(block), None) => {
                    self.next += 16;
                    any_of(block, self.needles)
                }
                // The last bytes, zero-padded; the padding is cut off.
                (None, _) => {
                    let rest = &self.b[self.at..];
                    let mut padded = [0; 16];
                    padded[..rest.len()].copy_from_slice(rest);
                    self.next = self.b.len();
                    any_of(&padded, self.needles) & ((1 << rest.len()) - 1)
                }
            };
        }
        let i = self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(self.at + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSES: [(Mask, Mask); 8] = [
        (digits, portable::digits),
        (|block| digits_and_gaps(block).0, portable::digits),
        (|block| digits_and_gaps(block).1, portable::gaps),
        (
            |block| any_case(block, b'b'),
            |block| portable::any_case(block, b'b'),
        ),
        (
            |block| any_case(block, b'z'),
            |block| portable::any_case(block, b'z'),
        ),
        (words, portable::words),
        (capitals, portable::capitals),
        (spaces, portable::spaces),
    ];

    /// Every byte value at every position of a block, among neighbours of each class and
    /// around its limits, gives the portable masks.
    #[test]
    fn masks_are_the_portable_ones_for_every_byte_at_every_position() {
        let fillers = [
            0u8, b' ', b'(', b'*', b'/', b'0', b'9', b':', b'@', b'A', b'Z', b'[', b'_', b'`',
            b'a', b'z', b'{', 0x7F, 0x80, 0xC3, 0xFF,
        ];
        for (simd, scalar) in CLASSES {
            for filler in fillers {
                for at in 0..16 {
                    for c in 0..=255u8 {
                        let mut block = [filler; 16];
                        block[at] = c;
                        assert_eq!(simd(&block), scalar(&block), "{block:?}");
                    }
                }
            }
        }
    }

    /// Text of every length 0..=200 (every offset around the 16-byte blocks), ASCII and UTF-8
    /// mixed, 100k strings: the searches find what a byte-by-byte search (or `memchr`) finds.
    #[test]
    fn searches_are_the_byte_by_byte_ones_on_generated_text() {
        const PIECES: &[&str] = &[
            "0", "9", "42", "a", "Z", "_", " ", "-", ".", "é", "公司", "🎉", "b", "B", "E", "A",
            "\u{e2}",
        ];
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut rng = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
        for len in 0..=200 {
            for _ in 0..500 {
                let mut text = String::new();
                while text.len() < len {
                    text.push_str(PIECES[(rng() % PIECES.len() as u64) as usize]);
                }
                let b = text.as_bytes();
                assert!(Positions::new(b, [b'-', b'.']).eq(memchr::memchr2_iter(b'-', b'.', b)));
                assert!(
                    Positions::new(b, [b' ', b'_', 0xA9])
                        .eq(memchr::memchr3_iter(b' ', b'_', 0xA9, b))
                );
                for at in [0, b.len() / 3, b.len().saturating_sub(1), b.len()] {
                    let rest = &b[at..];
                    assert_eq!(
                        next_digit(b, at),
                        rest.iter().position(u8::is_ascii_digit).map(|i| at + i)
                    );
                    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
                    assert_eq!(skip_digits(b, at), at + digits, "{text:?} at {at}");
                    let words = rest.iter().take_while(|c| word(c)).count();
                    assert_eq!(skip_words(b, at), at + words, "{text:?} at {at}");
                    let pair = rest.windows(2).position(|w| {
                        matches!(w[0], b'b' | b'B') && matches!(w[1], b'e' | b'E' | b'a' | b'A')
                    });
                    assert_eq!(
                        next_pair_any_case(b, at, b'b', [b'e', b'a']),
                        pair.map(|i| at + i),
                        "{text:?} at {at}"
                    );
                }
            }
        }
    }

    #[test]
    fn blocks_are_whole() {
        let b = [7u8; 40];
        assert!(block(&b, 24).is_some());
        assert!(block(&b, 25).is_none());
        assert!(block(&b, usize::MAX).is_none());
    }
}
