//! An alternation of patterns as one dense DFA, run only from the places a pass's own scan says a
//! match can start (a digit run's groups, a credential's literal prefix). A regex finds the
//! leftmost match with a forward search for its end, then a reverse one for its start; here the
//! start is known, so one anchored forward search gives the same match. The DFA is built whole
//! up front, so searches share it between threads without a cache.

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};

pub(super) struct AnchoredDfa {
    dfa: dense::DFA<Vec<u32>>,
}

impl AnchoredDfa {
    /// The leftmost-first alternation of `patterns`, with Unicode off as in the other passes
    /// (`\d` and `\b` are ASCII, so the DFA never gives up on a byte) unless a pattern turns it on
    /// for a part (`(?u:…)`).
    pub(super) fn new(patterns: &[&str]) -> AnchoredDfa {
        let dfa = dense::Builder::new()
            .configure(dense::Config::new().start_kind(StartKind::Anchored))
            .syntax(syntax::Config::new().unicode(false))
            .build(&patterns.join("|"))
            // Fixed patterns, compiled for every detector subset by the tests.
            .expect("built-in redaction patterns are valid");
        AnchoredDfa { dfa }
    }

    /// The end of the match starting at `start` (the one the alternation prefers there), if one
    /// does; look-behind (`\b`) reads the byte before `start`.
    #[inline]
    pub(super) fn end_at(&self, haystack: &[u8], start: usize) -> Option<usize> {
        let input = Input::new(haystack).range(start..).anchored(Anchored::Yes);
        // A search errs only on a byte the DFA quits on (none: no Unicode word boundary) or on
        // an unsupported start (it has the anchored ones).
        Some(self.dfa.try_search_fwd(&input).ok()??.offset())
    }
}
