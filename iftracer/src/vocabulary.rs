//! Which attribute vocabularies iftracer writes: InsightFinder's `chat.*`, OpenTelemetry's
//! `gen_ai.*`, Arize OpenInference's `llm.*`.

use std::fmt;
use std::ops::BitOr;

use crate::error::{Error, Setting};

/// A set of attribute vocabularies. Default: InsightFinder and GenAI.
///
/// ```
/// use iftracer::Vocabularies;
/// let all = Vocabularies::INSIGHTFINDER | Vocabularies::GENAI | Vocabularies::OPENINFERENCE;
/// assert!(all.contains(Vocabularies::OPENINFERENCE));
/// assert!(!Vocabularies::default().contains(Vocabularies::OPENINFERENCE));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vocabularies(u8);

impl Vocabularies {
    /// InsightFinder: `chat.prompt`, `chat.response`, `chat.model`, token counts,
    /// `x-username`, `x-session-id`, `error`.
    pub const INSIGHTFINDER: Vocabularies = Vocabularies(1);
    /// OpenTelemetry GenAI semantic conventions: `gen_ai.*`.
    pub const GENAI: Vocabularies = Vocabularies(2);
    /// Arize OpenInference: `openinference.span.kind`, `llm.*`, `input.value`, `output.value`.
    pub const OPENINFERENCE: Vocabularies = Vocabularies(4);
    /// No vocabulary.
    pub const NONE: Vocabularies = Vocabularies(0);

    const NAMES: [(&'static str, Vocabularies); 3] = [
        ("insightfinder", Vocabularies::INSIGHTFINDER),
        ("genai", Vocabularies::GENAI),
        ("openinference", Vocabularies::OPENINFERENCE),
    ];

    /// Whether every vocabulary of `other` is in `self`.
    ///
    /// ```
    /// use iftracer::Vocabularies;
    /// assert!(Vocabularies::default().contains(Vocabularies::GENAI));
    /// ```
    pub const fn contains(self, other: Vocabularies) -> bool {
        self.0 & other.0 == other.0
    }

    /// Parses `insightfinder,genai,openinference` (any subset, or `all`).
    pub(crate) fn parse(list: &str, setting: Setting) -> Result<Vocabularies, Error> {
        let mut set = Vocabularies::NONE;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let name = name.to_ascii_lowercase();
            if name == "all" {
                set = set | Vocabularies::INSIGHTFINDER | Vocabularies::GENAI;
                set = set | Vocabularies::OPENINFERENCE;
                continue;
            }
            match Vocabularies::NAMES.iter().find(|(n, _)| *n == name) {
                Some((_, v)) => set = set | *v,
                None => {
                    return Err(Error::UnknownVocabulary {
                        setting,
                        value: name,
                    });
                }
            }
        }
        Ok(set)
    }
}

impl Default for Vocabularies {
    fn default() -> Self {
        Vocabularies::INSIGHTFINDER | Vocabularies::GENAI
    }
}

impl BitOr for Vocabularies {
    type Output = Vocabularies;
    fn bitor(self, rhs: Vocabularies) -> Vocabularies {
        Vocabularies(self.0 | rhs.0)
    }
}

impl fmt::Debug for Vocabularies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = Vocabularies::NAMES
            .iter()
            .filter(|(_, v)| self.contains(*v))
            .map(|(n, _)| *n);
        f.debug_set().entries(names).finish()
    }
}

/// The vocabularies iftracer's recording helpers write here: those of the
/// [`Pipeline`](crate::Pipeline) in effect, the defaults before `init`.
///
/// ```
/// assert_eq!(iftracer::vocabularies(), iftracer::Vocabularies::default());
/// ```
pub fn vocabularies() -> Vocabularies {
    crate::pipeline::current().map_or_else(Vocabularies::default, |current| {
        current.recording().vocabularies
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_rejects_unknown_names() {
        let from = Setting::Env("IFTRACER_VOCABULARIES");
        assert_eq!(
            Vocabularies::parse("GenAI, openinference", from).unwrap(),
            Vocabularies::GENAI | Vocabularies::OPENINFERENCE
        );
        assert_eq!(
            Vocabularies::parse("all", from).unwrap(),
            Vocabularies::INSIGHTFINDER | Vocabularies::GENAI | Vocabularies::OPENINFERENCE
        );
        assert_eq!(
            Vocabularies::parse("datadog", from)
                .unwrap_err()
                .to_string(),
            "unknown vocabulary \"datadog\" in environment variable `IFTRACER_VOCABULARIES`; fix: \
             list any of insightfinder, genai, openinference (or all), separated by commas"
        );
        assert_eq!(
            format!("{:?}", Vocabularies::default()),
            "{\"insightfinder\", \"genai\"}"
        );
    }
}
