//! Attribute names, one module per vocabulary, and [`general`] for OpenTelemetry's general
//! conventions they share. iftracer keeps its own copies: the upstream Rust
//! GenAI constants are deprecated (they moved to the GenAI semantic-conventions repository).
//!
//! ```
//! use iftracer::attributes::insightfinder;
//! assert_eq!(insightfinder::CHAT_PROMPT, "chat.prompt");
//! ```

pub mod gen_ai;
pub mod general;
pub mod iftracer;
pub mod insightfinder;
pub mod openinference;
