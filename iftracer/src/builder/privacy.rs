//! Builder methods: vocabularies and the privacy controls (content capture, cap, redaction,
//! id hashing).

use super::IftracerBuilder;
use crate::config::secret::Secret;
use crate::privacy::Detector;
use crate::vocabulary::Vocabularies;

impl IftracerBuilder {
    /// Which attribute vocabularies the LLM helpers and context-carried values write
    /// (`IFTRACER_VOCABULARIES=insightfinder,genai,openinference`); InsightFinder and GenAI by
    /// default.
    ///
    /// ```
    /// use iftracer::Vocabularies;
    /// let b = iftracer::Iftracer::builder()
    ///     .vocabularies(Vocabularies::INSIGHTFINDER | Vocabularies::OPENINFERENCE);
    /// # drop(b);
    /// ```
    pub fn vocabularies(mut self, vocabularies: Vocabularies) -> Self {
        self.settings.vocabularies = Some(vocabularies);
        self
    }

    /// Whether prompts, responses, messages and entity input/output are exported
    /// (`IFTRACER_TRACE_CONTENT`, `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`); on by
    /// default. Off, they are removed before export; models, token counts, timings and errors
    /// stay.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().capture_content(false);
    /// # drop(b);
    /// ```
    pub fn capture_content(mut self, capture: bool) -> Self {
        self.settings.capture_content = Some(capture);
        self
    }

    /// Longest attribute value in bytes (`IFTRACER_MAX_VALUE_LENGTH`, default 32 KiB); longer
    /// values are cut with a visible `…[truncated: N bytes in all]` marker.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_value_length(4096);
    /// # drop(b);
    /// ```
    pub fn max_value_length(mut self, bytes: usize) -> Self {
        self.settings.max_value_length = Some(bytes);
        self
    }

    /// Redacts these kinds of sensitive values from every string of every span before export:
    /// [`Detector::DEFAULT`] (`IFTRACER_REDACT=default`: personal data and credentials),
    /// [`Detector::ALL`] (`all`: also IP and MAC addresses), or a list such as `ssn,email`.
    ///
    /// ```
    /// use iftracer::privacy::Detector;
    /// let b = iftracer::Iftracer::builder().redact(Detector::DEFAULT);
    /// let with_ips = iftracer::Iftracer::builder()
    ///     .redact(Detector::DEFAULT.into_iter().chain([Detector::IpAddress]));
    /// # drop((b, with_ips));
    /// ```
    pub fn redact(mut self, detectors: impl IntoIterator<Item = Detector>) -> Self {
        self.settings.redact = Some(detectors.into_iter().collect());
        self
    }

    /// Also replaces every match of the regular expression `pattern` with `replacement`
    /// (`IFTRACER_REDACT_PATTERNS='{"ORD-\\d{8}": "[ORDER]"}'`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().redact_pattern(r"ACME-\d{6}", "[ACCOUNT]");
    /// # drop(b);
    /// ```
    pub fn redact_pattern(
        mut self,
        pattern: impl Into<String>,
        replacement: impl Into<String>,
    ) -> Self {
        self.settings
            .redact_patterns
            .push((pattern.into(), replacement.into()));
        self
    }

    /// Replaces user and session ids (`x-username`, `x-session-id`, `user.id`, `session.id`,
    /// `gen_ai.conversation.id`) with a salted hash before export (`IFTRACER_ID_HASH_SALT`): the
    /// same id gives the same hash, so they still join, but the id itself never leaves.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().hash_ids("a-secret-salt");
    /// assert!(!format!("{b:?}").contains("a-secret-salt"));
    /// ```
    pub fn hash_ids(mut self, salt: impl Into<String>) -> Self {
        self.settings.id_hash_salt = Some(Secret::new(salt));
        self
    }
}
