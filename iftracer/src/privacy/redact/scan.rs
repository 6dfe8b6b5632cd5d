//! The shared scan: one pass over the text that finds, for every selected detector at once, the
//! positions where its value could start or hinge (`@`, `=`/`:`, the first letter of a known
//! credential prefix, two capitals before a digit, …). Each detector's verifier then runs only
//! at its candidates. When a detector replaces values, the candidates of the detectors after it
//! are moved with the text and found anew only around each placeholder, so every detector sees
//! exactly the candidates a scan of its own input would give.

use std::ops::Range;

/// `@`: e-mail addresses.
const AT: u8 = 1;
/// `=` and `:`: secret pairs.
const SEP: u8 = 2;
/// `:`, `.` and `-`: IP and MAC addresses.
const NET: u8 = 4;
/// A capital: IBANs' and NINOs' `DE89`, `AB 12`.
const CAP: u8 = 8;
/// A byte that is not a word character (ASCII, as `\b` reads it): a credential may start after
/// it, and a blank may be the one in "password is".
const BOUNDARY: u8 = 16;
/// The first byte of a credential pattern after a word boundary (`Bearer`, `sk-`, `AKIA`, …),
/// and `-` (`-----BEGIN`, which needs no boundary).
const CRED_FIRST: u8 = 32;

/// What each byte may start or hinge on. Lower-case letters and digits, most of any text, are 0
/// (or only `CRED_FIRST`, looked at after a boundary), so the scan skips them in a few
/// instructions.
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if !(c.is_ascii_alphanumeric() || c == b'_') {
            table[i] = BOUNDARY;
        }
        if c.is_ascii_uppercase() {
            table[i] = CAP;
        }
        i += 1;
    }
    table[b'@' as usize] |= AT;
    table[b'=' as usize] |= SEP;
    table[b':' as usize] |= SEP | NET;
    table[b'.' as usize] |= NET;
    table[b'-' as usize] |= NET | CRED_FIRST;
    let firsts = b"ABbesrghxn";
    let mut i = 0;
    while i < firsts.len() {
        table[firsts[i] as usize] |= CRED_FIRST;
        i += 1;
    }
    table
};

/// How far a candidate test reads from its position: one byte back, up to 11 forward
/// (`github_pat_`, `assword is `). Candidates closer than this to a replaced value are found anew.
const REACH: usize = 12;

/// Which candidates the selected detectors need.
#[derive(Clone, Copy, Default)]
pub(super) struct Wants(u8);

impl Wants {
    fn has(self, bits: u8) -> bool {
        self.0 & bits == bits
    }
}

impl Wants {
    pub(super) fn new(email: bool, pairs: bool, credentials: bool, codes: bool, net: bool) -> Self {
        let bit = |on: bool, bits: u8| if on { bits } else { 0 };
        Wants(
            bit(email, AT)
                | bit(pairs, SEP | BOUNDARY)
                | bit(credentials, BOUNDARY | CRED_FIRST)
                | bit(codes, CAP)
                | bit(net, NET),
        )
    }
}

/// The candidates of each detector, as byte positions in increasing order.
#[derive(Default)]
pub(super) struct Candidates {
    /// `@` (e-mail).
    pub(super) at: Vec<usize>,
    /// `=` and `:` (secret pairs).
    pub(super) sep: Vec<usize>,
    /// The `a` of "password is " (secret pairs).
    pub(super) phrase: Vec<usize>,
    /// Where a credential pattern's literal prefix starts at a word boundary.
    pub(super) cred: Vec<usize>,
    /// Two capitals before a digit or a blank and a digit (IBAN, NINO).
    pub(super) code: Vec<usize>,
    /// `:`, `.` and `-` (IP, MAC).
    pub(super) net: Vec<usize>,
}

impl Candidates {
    /// The candidates of `b[range]` (tests may read a little around it).
    pub(super) fn scan(b: &[u8], range: Range<usize>, wants: Wants) -> Candidates {
        let mut found = Candidates::default();
        found.scan_into(b, range, wants);
        found
    }

    fn scan_into(&mut self, b: &[u8], range: Range<usize>, wants: Wants) {
        let (lo, hi) = (range.start, range.end);
        let mask = wants.0 & !CRED_FIRST;
        let creds = wants.has(BOUNDARY | CRED_FIRST);
        let phrases = wants.has(SEP | BOUNDARY);
        // A credential at the very start of the range has its boundary before the range.
        if creds
            && lo < hi
            && b[lo] != b'-'
            && (lo == 0 || CLASS[usize::from(b[lo - 1])] & BOUNDARY != 0)
            && is_credential_start(b, lo)
        {
            self.cred.push(lo);
        }
        for x in lo..hi {
            let c = CLASS[usize::from(b[x])] & mask;
            if c == 0 {
                continue;
            }
            if c & AT != 0 {
                self.at.push(x);
            }
            if c & SEP != 0 {
                self.sep.push(x);
            }
            if c & NET != 0 {
                self.net.push(x);
            }
            if c & CAP != 0 && is_code(b, x) {
                self.code.push(x);
            }
            if c & BOUNDARY != 0 {
                // The PEM header starts with `-` itself; the other patterns after a boundary.
                if creds && b[x] == b'-' && b[x..].starts_with(b"-----BEGIN") {
                    self.cred.push(x);
                }
                if creds
                    && x + 1 < hi
                    && CLASS[usize::from(b[x + 1])] & CRED_FIRST != 0
                    && b[x + 1] != b'-'
                    && is_credential_start(b, x + 1)
                {
                    self.cred.push(x + 1);
                }
                if phrases && b[x] == b' ' && x >= lo + 7 {
                    self.phrase_at(b, x);
                }
            }
        }
        // "password is " ending past the range but starting in it.
        if phrases {
            for x in hi.max(lo + 7)..(hi + 7).min(b.len()) {
                if b[x] == b' ' {
                    self.phrase_at(b, x);
                }
            }
        }
    }

    /// Records "password is " whose first blank is at `x`, by the position of its `a`.
    fn phrase_at(&mut self, b: &[u8], x: usize) {
        if x >= 8
            && b[x + 1..].starts_with(b"is ")
            && b[x - 7..x] == *b"assword"
            && matches!(b[x - 8], b'p' | b'P')
        {
            self.phrase.push(x - 7);
        }
    }

    /// Moves the candidates past `edits` (the `(start, end, placeholder)` replacements, increasing
    /// and disjoint, that made `new` from the text scanned) and finds them anew around each
    /// placeholder.
    pub(super) fn remap(&mut self, new: &[u8], edits: &[(usize, usize, &str)], wants: Wants) {
        // Zones around the edits, merged where they touch: (old range, new range).
        let mut zones: Vec<(Range<usize>, Range<usize>)> = Vec::new();
        let mut delta: isize = 0;
        let old_len = (new.len() as isize - edits_growth(edits)) as usize;
        for &(start, end, placeholder) in edits {
            let new_start = (start as isize + delta) as usize;
            delta += placeholder.len() as isize - (end - start) as isize;
            let old = start.saturating_sub(REACH)..(end + REACH).min(old_len);
            let fresh = new_start.saturating_sub(REACH)
                ..(new_start + placeholder.len() + REACH).min(new.len());
            match zones.last_mut() {
                Some((o, n)) if old.start <= o.end => {
                    o.end = old.end;
                    n.end = fresh.end;
                }
                _ => zones.push((old, fresh)),
            }
        }
        // The zones' fresh candidates, in one set of lists; `ends[z][k]` is where zone `z`'s
        // part of list `k` ends.
        let mut fresh = Candidates::default();
        let mut ends: Vec<[usize; 6]> = Vec::with_capacity(zones.len());
        for (_, zone) in &zones {
            fresh.scan_into(new, zone.clone(), wants);
            ends.push(fresh.lists().map(Vec::len));
        }
        let fresh = fresh.lists();
        for (k, list) in self.lists_mut().into_iter().enumerate() {
            if list.is_empty() && fresh[k].is_empty() {
                continue;
            }
            let old = std::mem::take(list);
            let mut from = 0;
            let parts = ends.iter().map(|end| {
                let part = &fresh[k][from..end[k]];
                from = end[k];
                part
            });
            *list = merge(&old, &zones, parts);
        }
    }

    fn lists(&self) -> [&Vec<usize>; 6] {
        [&self.at, &self.sep, &self.phrase, &self.cred, &self.code, &self.net]
    }

    fn lists_mut(&mut self) -> [&mut Vec<usize>; 6] {
        [
            &mut self.at,
            &mut self.sep,
            &mut self.phrase,
            &mut self.cred,
            &mut self.code,
            &mut self.net,
        ]
    }
}

/// How much longer the edited text is than the original.
fn edits_growth(edits: &[(usize, usize, &str)]) -> isize {
    edits
        .iter()
        .map(|&(start, end, placeholder)| placeholder.len() as isize - (end - start) as isize)
        .sum()
}

/// `old` positions moved to the edited text: those outside the zones shifted, those inside
/// replaced by the zone's fresh ones.
fn merge<'a>(
    old: &[usize],
    zones: &[(Range<usize>, Range<usize>)],
    fresh: impl Iterator<Item = &'a [usize]>,
) -> Vec<usize> {
    let mut out = Vec::with_capacity(old.len() + 4);
    let mut i = 0;
    let mut delta: isize = 0; // new minus old position between zones
    for ((o, n), fresh) in zones.iter().zip(fresh) {
        while i < old.len() && old[i] < o.start {
            out.push((old[i] as isize + delta) as usize);
            i += 1;
        }
        while i < old.len() && old[i] < o.end {
            i += 1;
        }
        out.extend_from_slice(fresh);
        delta = n.end as isize - o.end as isize;
    }
    out.extend(old[i..].iter().map(|&p| (p as isize + delta) as usize));
    out
}

/// Two capitals at `x` before a digit, or before a blank and a digit.
fn is_code(b: &[u8], x: usize) -> bool {
    x + 2 < b.len()
        && b[x + 1].is_ascii_uppercase()
        && (b[x + 2].is_ascii_digit()
            || (b[x + 2] == b' ' && b.get(x + 3).is_some_and(u8::is_ascii_digit)))
}

/// Whether a credential pattern (see `credentials::patterns`) can start at `x`: its literal
/// prefix, and the word boundary each pattern but the PEM one starts with.
fn is_credential_start(b: &[u8], x: usize) -> bool {
    let s = &b[x..];
    if s[0] == b'-' {
        return s.starts_with(b"-----BEGIN");
    }
    // `\b` before a word character (ASCII, as the patterns are compiled).
    if x > 0 && (b[x - 1].is_ascii_alphanumeric() || b[x - 1] == b'_') {
        return false;
    }
    let starts = |prefixes: &[&[u8]]| prefixes.iter().any(|p| s.starts_with(p));
    match s[0] {
        b'B' | b'b' => {
            s.len() > 5 && (s[..6].eq_ignore_ascii_case(b"bearer") || s[..5].eq_ignore_ascii_case(b"basic"))
        }
        b'e' => s.starts_with(b"eyJ"),
        b's' => starts(&[b"sk-", b"sk_"]),
        b'r' => s.starts_with(b"rk_"),
        b'A' => starts(&[
            b"AKIA", b"ASIA", b"AGPA", b"AIDA", b"AROA", b"AIPA", b"ANPA", b"ANVA", b"ABIA",
            b"ACCA", b"AIza",
        ]),
        b'g' => starts(&[b"gh", b"github_pat_", b"gl"]),
        b'h' => s.starts_with(b"hf_"),
        b'x' => starts(&[b"xox", b"xapp-"]),
        b'n' => s.starts_with(b"npm_"),
        _ => false,
    }
}
