//! LLM spans for [async-openai](https://docs.rs/async-openai) (0.43 or newer, feature
//! `middleware`): a tower layer for `Client::with_http_service` that records each call from its
//! HTTP exchange (Chat Completions, Responses, Embeddings; plain and streamed).
//!
//! (`no_run`: building a reqwest client needs a TLS crypto provider, which the application's
//! own reqwest or async-openai TLS feature brings.)
//!
//! ```no_run
//! use async_openai::middleware::ReqwestService;
//! use async_openai::{Client, config::OpenAIConfig};
//!
//! let service = tower::ServiceBuilder::new()
//!     .layer(iftracer::async_openai::layer())
//!     .service(ReqwestService::new(reqwest::Client::new()));
//! let client = Client::with_config(OpenAIConfig::default()).with_http_service(service);
//! # drop(client);
//! ```
//!
//! **Retries.** async-openai hands the stack a request *factory* that every attempt rebuilds.
//! Below this layer (`layer()` first in the `ServiceBuilder`, then a retry layer such as
//! `OpenAIRetryLayer`), all attempts belong to one span: the span covers them all, every
//! attempt carries the same `traceparent`, `http.request.resend_count` counts the repeats and
//! the final attempt's response is recorded. Above it (a retry layer before `layer()`), each
//! attempt is its own span, failed attempts with status Error. Put the layer first for one
//! span per logical call.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};

use ::async_openai::error::OpenAIError;
use ::async_openai::middleware::HttpRequestFactory;
use opentelemetry::Context;

use super::{record_response, start, transport_error_type};
use crate::llm::wire::{Exchange, WireOptions};

/// The tracing layer with default options: provider from the host, `traceparent` on.
///
/// ```
/// let layer = iftracer::async_openai::layer().provider("openai");
/// # drop(layer);
/// ```
pub fn layer() -> LlmTracingLayer {
    LlmTracingLayer::default()
}

/// A `tower::Layer` that records LLM calls made through async-openai; see [`layer`].
///
/// ```
/// let layer = iftracer::async_openai::LlmTracingLayer::default().traceparent(false);
/// # drop(layer);
/// ```
#[derive(Debug, Clone, Default)]
pub struct LlmTracingLayer {
    options: Arc<WireOptions>,
}

impl LlmTracingLayer {
    /// Names the provider (`gen_ai.provider.name`) of every call, instead of deriving it from
    /// the host (`api.openai.com` → `openai`, unknown hosts → the API's dialect, `openai`).
    ///
    /// ```
    /// let layer = iftracer::async_openai::layer().provider("azure.ai.openai");
    /// # drop(layer);
    /// ```
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.options).provider = Some(provider.into());
        self
    }

    /// Whether requests carry the LLM span's W3C `traceparent` (default on), so a traced
    /// gateway joins the trace.
    ///
    /// ```
    /// let layer = iftracer::async_openai::layer().traceparent(false);
    /// # drop(layer);
    /// ```
    pub fn traceparent(mut self, on: bool) -> Self {
        Arc::make_mut(&mut self.options).traceparent = on;
        self
    }
}

impl<S> tower::Layer<S> for LlmTracingLayer {
    type Service = LlmTracing<S>;

    fn layer(&self, inner: S) -> LlmTracing<S> {
        LlmTracing {
            inner,
            options: Arc::clone(&self.options),
        }
    }
}

/// The service [`LlmTracingLayer`] wraps around async-openai's HTTP service.
///
/// ```no_run
/// use async_openai::middleware::ReqwestService;
/// use tower::Layer;
/// let service = iftracer::async_openai::layer().layer(ReqwestService::new(reqwest::Client::new()));
/// # drop(service);
/// ```
#[derive(Debug, Clone)]
pub struct LlmTracing<S> {
    inner: S,
    options: Arc<WireOptions>,
}

/// What the attempts of one call share: the exchange the first one started.
#[derive(Default)]
struct Attempts {
    exchange: Option<Exchange>,
    builds: u32,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S> tower::Service<HttpRequestFactory> for LlmTracing<S>
where
    S: tower::Service<HttpRequestFactory, Response = reqwest::Response>,
    S::Future: Send + 'static,
    S::Error: Display + 'static,
{
    type Response = reqwest::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<reqwest::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        if crate::pipeline::current().is_none() {
            return Box::pin(self.inner.call(factory));
        }
        // The call's parent is the caller's context now; attempts may build later, elsewhere.
        let parent = Context::current();
        let attempts = Arc::new(Mutex::new(Attempts::default()));
        let options = Arc::clone(&self.options);
        let shared = Arc::clone(&attempts);
        let traced = HttpRequestFactory::new(move || {
            let (factory, shared, options, parent) = (
                factory.clone(),
                Arc::clone(&shared),
                Arc::clone(&options),
                parent.clone(),
            );
            async move {
                let mut request = factory.build().await?;
                let mut attempts = shared.lock().unwrap_or_else(PoisonError::into_inner);
                attempts.builds += 1;
                if attempts.builds == 1 {
                    let _parent = parent.attach();
                    attempts.exchange = start(&mut request, &options);
                } else if let Some(exchange) = &attempts.exchange
                    && options.traceparent
                {
                    super::body::inject_traceparent(exchange.context(), request.headers_mut());
                }
                Ok::<_, OpenAIError>(request)
            }
        });
        let response = self.inner.call(traced);
        Box::pin(async move {
            let result = response.await;
            let (exchange, builds) = {
                let mut attempts = attempts.lock().unwrap_or_else(PoisonError::into_inner);
                (attempts.exchange.take(), attempts.builds)
            };
            let Some(exchange) = exchange else {
                return result;
            };
            exchange.resent(builds.saturating_sub(1));
            match result {
                Ok(response) => Ok(record_response(exchange, response)),
                Err(error) => {
                    exchange.fail(error_type(&error), &error.to_string());
                    Err(error)
                }
            }
        })
    }
}

/// `error.type` of a failed call: reqwest's failure kind when the error is one, else `_OTHER`.
fn error_type<E: 'static>(error: &E) -> &'static str {
    let error: &dyn std::any::Any = error;
    let reqwest_error = match error.downcast_ref::<OpenAIError>() {
        Some(OpenAIError::Reqwest(e)) => Some(e),
        _ => error
            .downcast_ref::<tower::BoxError>()
            .and_then(|e| e.downcast_ref::<reqwest::Error>()),
    };
    reqwest_error.map_or("_OTHER", transport_error_type)
}
