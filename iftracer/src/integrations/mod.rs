//! Adapters that put the wire recorder (`crate::llm::wire`) on an HTTP client: what they share
//! is here (starting an exchange from a `reqwest::Request`, the `traceparent` header, the
//! response body that reports to the exchange as the application reads it).

#[cfg(feature = "async-openai")]
pub mod async_openai;
mod body;
#[cfg(feature = "reqwest-middleware")]
pub mod reqwest_middleware;

pub(crate) use body::{record_response, start, transport_error_type};
