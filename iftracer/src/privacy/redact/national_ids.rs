//! National insurance numbers outside the US that InsightFinder's gateway masks and that have a
//! shape specific enough to find without a keyword: UK National Insurance numbers (`AB 12 34
//! 56 C`, here) and Canadian Social Insurance numbers (`130 692 544`, 3-3-3 with the Luhn
//! check, in `numbers`).

pub(super) const NATIONAL_ID: &str = "[REDACTED:NATIONAL_ID]";

/// The UK National Insurance numbers of `text`, as byte ranges, in order; `codes` are its
/// `iban::codes()` (the prefix letters before a digit or a blank and a digit).
pub(super) fn find_nino<'a>(
    text: &'a str,
    codes: &'a [usize],
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let mut at = 0;
    codes.iter().filter_map(move |&start| {
        if start < at {
            return None;
        }
        let end = nino_at(text, start)?;
        at = end;
        Some((start, end))
    })
}

/// The end of the NINO starting at `start`: two prefix letters (not D, F, I, Q, U, V; the
/// second not O; not BG, GB, KN, NK, NT, TN, ZZ), three pairs of digits, a suffix A to D, with
/// one blank throughout or none.
fn nino_at(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let (first, second) = (b[start], b[start + 1]);
    let letter_ok = |c: u8| c.is_ascii_uppercase() && !b"DFIQUV".contains(&c);
    if !letter_ok(first)
        || !letter_ok(second)
        || second == b'O'
        || [b"BG", b"GB", b"KN", b"NK", b"NT", b"TN", b"ZZ"].contains(&&[first, second])
    {
        return None;
    }
    // `start` is a character boundary: `first` is ASCII.
    if text[..start].chars().next_back().is_some_and(word) {
        return None;
    }
    let spaced = b.get(start + 2) == Some(&b' ');
    let mut i = start + 2;
    for _ in 0..3 {
        if spaced {
            (b.get(i) == Some(&b' ')).then_some(())?;
            i += 1;
        }
        let pair = b.get(i..i + 2)?;
        pair.iter().all(u8::is_ascii_digit).then_some(())?;
        i += 2;
    }
    if spaced {
        (b.get(i) == Some(&b' ')).then_some(())?;
        i += 1;
    }
    matches!(b.get(i), Some(b'A'..=b'D')).then_some(())?;
    i += 1;
    if text[i..].chars().next().is_some_and(word) {
        return None;
    }
    Some(i)
}
