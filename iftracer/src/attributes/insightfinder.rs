//! The attributes InsightFinder's trace server reads to extract prompt/response pairs.
//!
//! ```
//! assert_eq!(iftracer::attributes::insightfinder::SESSION_ID, "x-session-id");
//! ```

/// The prompt sent to the model.
pub const CHAT_PROMPT: &str = "chat.prompt";
/// The model's response.
pub const CHAT_RESPONSE: &str = "chat.response";
/// The model that answered.
pub const CHAT_MODEL: &str = "chat.model";
/// Input tokens.
pub const CHAT_PROMPT_TOKENS: &str = "chat.prompt_tokens";
/// Output tokens.
pub const CHAT_COMPLETION_TOKENS: &str = "chat.completion_tokens";
/// Input plus output tokens.
pub const CHAT_TOTAL_TOKENS: &str = "chat.total_tokens";
/// The end user.
pub const USERNAME: &str = "x-username";
/// The session or workflow the call belongs to.
pub const SESSION_ID: &str = "x-session-id";
/// The error message of a failed call.
pub const ERROR: &str = "error";
/// The error's type: OpenTelemetry's general `error.type`.
pub use super::general::ERROR_TYPE;
/// The span kind as text (`client`, `server`, `internal`, …).
pub const SPAN_KIND: &str = "span.kind";
