//! Recording LLM calls: on the span you are in (a Temporal activity, a `#[task]`), or on a
//! dedicated child span named per the GenAI conventions (`chat gpt-4o`; kind INTERNAL with the
//! InsightFinder vocabulary, whose gateway pairs prompt and response only on INTERNAL spans,
//! CLIENT without it).
//!
//! Recorded on a span InsightFinder cannot pair (a Temporal `RunActivity` SERVER span, a
//! CLIENT span), the `chat.*` pair moves at export to an INTERNAL child `chat {model}` of that
//! span, so every call still gives exactly one pair.
//!
//! The attributes written follow the active [`Vocabularies`](crate::Vocabularies). Prompts and
//! responses are always handed to the pipeline; with content capture off, the pipeline removes
//! them before export.

mod call;
mod content;
pub(crate) mod import;
mod parameters;
mod record;
mod span;
mod template;
#[cfg(feature = "_wire")]
pub(crate) mod wire;

pub use call::LlmCall;
pub(crate) use content::readable_text;
pub use content::{Content, Message, Role};
pub use parameters::ToolCall;
pub use span::LlmSpan;
pub use template::PromptTemplate;
