//! Arize OpenInference conventions (opt-in vocabulary).
//!
//! ```
//! assert_eq!(iftracer::attributes::openinference::LLM_MODEL_NAME, "llm.model_name");
//! ```

/// The span kind: `LLM`, `CHAIN`, `TOOL`, `AGENT`, …
pub const SPAN_KIND: &str = "openinference.span.kind";
/// The model.
pub const LLM_MODEL_NAME: &str = "llm.model_name";
/// Input tokens.
pub const LLM_TOKEN_COUNT_PROMPT: &str = "llm.token_count.prompt";
/// Output tokens.
pub const LLM_TOKEN_COUNT_COMPLETION: &str = "llm.token_count.completion";
/// Input plus output tokens.
pub const LLM_TOKEN_COUNT_TOTAL: &str = "llm.token_count.total";
/// The input of the span.
pub const INPUT_VALUE: &str = "input.value";
/// The output of the span.
pub const OUTPUT_VALUE: &str = "output.value";
/// The session id.
pub const SESSION_ID: &str = "session.id";
/// The user id: OpenTelemetry's general `user.id`.
pub use super::general::USER_ID;
