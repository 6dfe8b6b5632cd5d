//! LLM spans for code that calls an OpenAI-compatible or Anthropic API with its own reqwest
//! client, through [reqwest-middleware](https://docs.rs/reqwest-middleware) (0.5): each request
//! to `…/chat/completions`, `…/responses`, `…/embeddings` or `…/v1/messages` becomes an LLM span
//! recorded from the HTTP exchange; other requests pass through untouched.
//!
//! ```no_run
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(iftracer::reqwest_middleware::LlmTracing::new())
//!     .build();
//! # drop(client);
//! ```
//!
//! Middleware attached after this one (a retry middleware, say) runs inside its span: retries
//! there resend the request under one span, whose `traceparent` they carry, and the last
//! response is recorded. Middleware attached before it sees one span per attempt.

use ::reqwest_middleware::{Middleware, Next, Result};
use http::Extensions;

use super::{record_response, start, transport_error_type};
use crate::llm::wire::WireOptions;

/// The recording middleware: provider from the host, `traceparent` on unless turned off.
///
/// ```
/// let tracing = iftracer::reqwest_middleware::LlmTracing::new().provider("groq");
/// # drop(tracing);
/// ```
#[derive(Debug, Clone, Default)]
pub struct LlmTracing {
    options: WireOptions,
}

impl LlmTracing {
    /// The middleware with default options.
    ///
    /// ```
    /// let tracing = iftracer::reqwest_middleware::LlmTracing::new();
    /// # drop(tracing);
    /// ```
    pub fn new() -> Self {
        LlmTracing::default()
    }

    /// Names the provider (`gen_ai.provider.name`) of every call, instead of deriving it from
    /// the host (`api.anthropic.com` → `anthropic`; unknown hosts → the API's dialect).
    ///
    /// ```
    /// let tracing = iftracer::reqwest_middleware::LlmTracing::new().provider("openai");
    /// # drop(tracing);
    /// ```
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.options.provider = Some(provider.into());
        self
    }

    /// Whether requests carry the LLM span's W3C `traceparent` (default on).
    ///
    /// ```
    /// let tracing = iftracer::reqwest_middleware::LlmTracing::new().traceparent(false);
    /// # drop(tracing);
    /// ```
    pub fn traceparent(mut self, on: bool) -> Self {
        self.options.traceparent = on;
        self
    }
}

#[async_trait::async_trait]
impl Middleware for LlmTracing {
    async fn handle(
        &self,
        mut request: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> Result<reqwest::Response> {
        let Some(exchange) = start(&mut request, &self.options) else {
            return next.run(request, extensions).await;
        };
        match next.run(request, extensions).await {
            Ok(response) => Ok(record_response(exchange, response)),
            Err(error) => {
                let error_type = match &error {
                    ::reqwest_middleware::Error::Reqwest(e) => transport_error_type(e),
                    ::reqwest_middleware::Error::Middleware(_) => "_OTHER",
                };
                exchange.fail(error_type, &error.to_string());
                Err(error)
            }
        }
    }
}
