//! The wire recorder: one HTTP exchange with an LLM API (OpenAI Chat Completions, Responses,
//! Embeddings, Anthropic Messages; plain JSON or SSE streams) becomes one LLM span, recorded
//! through [`LlmCall`] so vocabularies, content capture, redaction, the length cap and id hashing
//! all apply. The HTTP adapters (async-openai, reqwest-middleware) drive an [`Exchange`]; they
//! never change a byte of the response.
//!
//! Memory: texts (response, tool arguments) are assembled up to the length cap and no further;
//! a plain JSON body is kept (as the `Bytes` the client already holds, so no copy for a body
//! that arrives in one chunk) up to [`MAX_JSON_BODY`], beyond which it is not parsed; an SSE
//! event longer than that is skipped.

// The API modules fill an update field by field from optional JSON, as the body tells them.
#![allow(clippy::field_reassign_with_default)]

mod anthropic;
mod chat_completions;
mod embeddings;
mod json;
mod provider;
mod responses;
mod sse;
#[cfg(test)]
mod tests;

use std::time::Instant;

use bytes::Bytes;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::{Context, KeyValue};

use super::{LlmCall, LlmSpan};
use crate::attributes::{gen_ai, iftracer};
use sse::SseParser;

/// Plain JSON bodies (and single SSE events) up to this size are parsed; larger ones are passed
/// through unparsed (the span keeps what the request told).
pub(crate) const MAX_JSON_BODY: usize = 4 << 20;
/// Error bodies are read up to this size for the provider's error type and message.
const MAX_ERROR_BODY: usize = 64 << 10;

/// How an adapter records.
#[derive(Debug, Clone)]
pub(crate) struct WireOptions {
    /// `gen_ai.provider.name` for every call; `None`: from the host, else the API's dialect.
    pub(crate) provider: Option<String>,
    /// Add a W3C `traceparent` for the LLM span to the outgoing request.
    pub(crate) traceparent: bool,
}

impl Default for WireOptions {
    fn default() -> Self {
        WireOptions {
            provider: None,
            traceparent: true,
        }
    }
}

/// Which API an exchange speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    ChatCompletions,
    Responses,
    Embeddings,
    AnthropicMessages,
}

impl Api {
    fn from_path(path: &str) -> Option<Api> {
        let path = path.trim_end_matches('/');
        if path.ends_with("/chat/completions") {
            Some(Api::ChatCompletions)
        } else if path.ends_with("/responses") {
            Some(Api::Responses)
        } else if path.ends_with("/embeddings") {
            Some(Api::Embeddings)
        } else if path.ends_with("/v1/messages") {
            Some(Api::AnthropicMessages)
        } else {
            None
        }
    }

    /// The provider when the host names none: the API's dialect.
    fn dialect(self) -> &'static str {
        match self {
            Api::AnthropicMessages => "anthropic",
            _ => "openai",
        }
    }
}

/// Whether a request could be an LLM API call (checked before reading its body).
pub(crate) fn is_llm_request(method: &http::Method, path: &str) -> bool {
    method == http::Method::POST && Api::from_path(path).is_some()
}

/// What the recorder reads in an SSE stream, per API.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per call, built once: boxing would only add a hop
enum StreamState {
    Chat(chat_completions::Stream),
    Responses(responses::Stream),
    Anthropic(anthropic::Stream),
}

impl StreamState {
    fn event(&mut self, event: &str, data: &[u8]) {
        match self {
            StreamState::Chat(s) => s.event(data),
            StreamState::Responses(s) => s.event(data),
            StreamState::Anthropic(s) => s.event(event, data),
        }
    }

    /// What was read, and whether the stream reached its final event.
    fn update(&mut self) -> (LlmCall, bool) {
        match self {
            StreamState::Chat(s) => s.update(),
            StreamState::Responses(s) => s.update(),
            StreamState::Anthropic(s) => s.update(),
        }
    }
}

#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per call, built once: boxing would only add a hop
enum Body {
    /// No response head yet.
    Pending,
    /// A plain JSON body, kept up to `MAX_JSON_BODY` (`None` once it went beyond).
    Json(Option<Vec<Bytes>>, usize),
    Sse(SseParser, StreamState),
    /// A 4xx/5xx answer: its first `MAX_ERROR_BODY` bytes.
    Error(http::StatusCode, Vec<u8>),
}

/// One exchange in flight. Dropped without [`finish`](Self::finish) or [`fail`](Self::fail)
/// (the application dropped the response or its stream), the span ends with
/// `iftracer.llm.cancelled=true`, what was read so far, and status Unset: the application chose
/// to stop, the call itself did not fail.
#[derive(Debug)]
pub(crate) struct Exchange {
    cx: Context,
    active: Option<Active>,
}

#[derive(Debug)]
struct Active {
    span: LlmSpan,
    api: Api,
    started: Instant,
    cap: usize,
    capture: bool,
    streamed: bool,
    first_chunk: bool,
    body: Body,
}

impl Exchange {
    /// Starts the LLM span (a child of the current context) for a request to an LLM API.
    /// `None` when the URL path is not an LLM API, the request body is not what we expect, or
    /// tracing is off: the caller passes the request through untouched.
    pub(crate) fn start(
        method: &http::Method,
        uri: &http::Uri,
        request_body: &[u8],
        options: &WireOptions,
    ) -> Option<Exchange> {
        if method != http::Method::POST {
            return None;
        }
        let current = crate::pipeline::current()?;
        let api = Api::from_path(uri.path())?;
        let request: serde_json::Value = serde_json::from_slice(request_body).ok()?;
        let request = request.as_object()?;
        let privacy = &current.recording().privacy;
        let (cap, capture) = (privacy.max_value_length, privacy.capture_content);
        let mut call = match api {
            Api::ChatCompletions => chat_completions::request(request, capture, cap),
            Api::Responses => responses::request(request, capture, cap),
            Api::Embeddings => embeddings::request(request, capture, cap),
            Api::AnthropicMessages => anthropic::request(request, capture, cap),
        };
        let host = uri.host().unwrap_or_default();
        call.provider = Some(match &options.provider {
            Some(provider) => provider.clone(),
            None => provider::from_host(host)
                .unwrap_or(api.dialect())
                .to_owned(),
        });
        if !host.is_empty() {
            let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
                Some("http") => 80,
                _ => 443,
            });
            call = call.server(host, port);
        }
        let streamed = call.stream == Some(true);
        let span = LlmSpan::start_in(&call, Some(&current));
        Some(Exchange {
            cx: span.context().clone(),
            active: Some(Active {
                span,
                api,
                started: Instant::now(),
                cap,
                capture,
                streamed,
                first_chunk: true,
                body: Body::Pending,
            }),
        })
    }

    /// The LLM span's context, to inject a W3C `traceparent` into the request.
    pub(crate) fn context(&self) -> &Context {
        &self.cx
    }

    /// The request was sent `count` more times after the first attempt (retries below the
    /// adapter that reuse this exchange).
    #[cfg_attr(not(feature = "async-openai"), allow(dead_code))] // async-openai's retries only
    pub(crate) fn resent(&self, count: u32) {
        if count > 0 {
            self.cx.span().set_attribute(KeyValue::new(
                gen_ai::HTTP_REQUEST_RESEND_COUNT,
                i64::from(count),
            ));
        }
    }

    /// The response status and headers arrived.
    pub(crate) fn response_head(&mut self, status: http::StatusCode, headers: &http::HeaderMap) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        let content_type = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        active.body = if status.is_client_error() || status.is_server_error() {
            Body::Error(status, Vec::new())
        } else if content_type.starts_with("text/event-stream")
            || (content_type.is_empty() && active.streamed)
        {
            let (capture, cap) = (active.capture, active.cap);
            let state = match active.api {
                Api::ChatCompletions => {
                    StreamState::Chat(chat_completions::Stream::new(capture, cap))
                }
                Api::Responses => StreamState::Responses(responses::Stream::new(capture, cap)),
                Api::AnthropicMessages => {
                    StreamState::Anthropic(anthropic::Stream::new(capture, cap))
                }
                // Embeddings never stream: read it as JSON.
                Api::Embeddings => {
                    active.body = Body::Json(Some(Vec::new()), 0);
                    return;
                }
            };
            Body::Sse(SseParser::new(MAX_JSON_BODY), state)
        } else {
            Body::Json(Some(Vec::new()), 0)
        };
    }

    /// A piece of the response body (copied only where it must be kept).
    #[cfg_attr(not(test), allow(dead_code))] // the adapters hand over `Bytes`
    pub(crate) fn response_chunk(&mut self, chunk: &[u8]) {
        self.chunk(chunk, None);
    }

    /// A piece of the response body the client holds as `Bytes`: a plain JSON body is kept by
    /// reference, not copied.
    pub(crate) fn response_bytes(&mut self, chunk: &Bytes) {
        self.chunk(chunk, Some(chunk));
    }

    fn chunk(&mut self, chunk: &[u8], shared: Option<&Bytes>) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        if chunk.is_empty() {
            return;
        }
        match &mut active.body {
            Body::Pending => {}
            Body::Json(kept, len) => {
                *len += chunk.len();
                if *len > MAX_JSON_BODY {
                    *kept = None;
                } else if let Some(kept) = kept {
                    kept.push(match shared {
                        Some(bytes) => bytes.clone(),
                        None => Bytes::copy_from_slice(chunk),
                    });
                }
            }
            Body::Sse(parser, state) => {
                if active.first_chunk {
                    active.first_chunk = false;
                    let elapsed = active.started.elapsed();
                    active
                        .span
                        .record(&LlmCall::default().time_to_first_chunk(elapsed));
                }
                parser.feed(chunk, &mut |event, data| state.event(event, data));
            }
            Body::Error(_, kept) => {
                let room = MAX_ERROR_BODY.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
        }
    }

    /// The body was read to its end.
    pub(crate) fn finish(mut self) {
        if let Some(active) = self.active.take() {
            active.end(Ending::Complete);
        }
    }

    /// The exchange failed: a transport error, or the stream was cut mid-way.
    pub(crate) fn fail(mut self, error_type: &str, message: &str) {
        if let Some(active) = self.active.take() {
            active.end(Ending::Failed(error_type, message));
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        if let Some(active) = self.active.take() {
            active.end(Ending::Dropped);
        }
    }
}

enum Ending<'a> {
    Complete,
    Failed(&'a str, &'a str),
    Dropped,
}

impl Active {
    fn end(self, mut ending: Ending<'_>) {
        let Active {
            span,
            api,
            cap,
            capture,
            body,
            ..
        } = self;
        let mut update = match body {
            Body::Pending => LlmCall::default(),
            Body::Json(kept, _) => kept
                .and_then(|chunks| {
                    let body = join(chunks);
                    match api {
                        Api::ChatCompletions => chat_completions::response(&body, capture, cap),
                        Api::Responses => responses::response(&body, capture, cap),
                        Api::Embeddings => embeddings::response(&body),
                        Api::AnthropicMessages => anthropic::response(&body, capture, cap),
                    }
                })
                .unwrap_or_default(),
            Body::Sse(mut parser, mut state) => {
                parser.finish(&mut |event, data| state.event(event, data));
                let (update, complete) = state.update();
                // Clients stop reading at the final event (async-openai drops the body at
                // `[DONE]`): a stream that got there is complete, not cancelled.
                if complete && matches!(ending, Ending::Dropped) {
                    ending = Ending::Complete;
                }
                if matches!(ending, Ending::Complete) && !complete && update.error.is_none() {
                    update.error(
                        "incomplete_stream",
                        "the stream ended before its final event",
                    )
                } else {
                    update
                }
            }
            Body::Error(status, body) => {
                let (error_type, message) = json::provider_error(status, &body);
                LlmCall::default().error(error_type, message)
            }
        };
        match ending {
            Ending::Complete => {}
            Ending::Failed(error_type, message) => {
                if update.error.is_none() {
                    update = update.error(error_type, message);
                }
            }
            Ending::Dropped => {
                span.context()
                    .span()
                    .set_attribute(KeyValue::new(iftracer::LLM_CANCELLED, true));
            }
        }
        span.record(&update);
        span.end();
    }
}

/// One contiguous body: the chunk itself when there is one (no copy).
fn join(mut chunks: Vec<Bytes>) -> Bytes {
    if chunks.len() == 1 {
        return chunks.pop().unwrap_or_default();
    }
    let mut body = Vec::with_capacity(chunks.iter().map(Bytes::len).sum());
    for chunk in &chunks {
        body.extend_from_slice(chunk);
    }
    Bytes::from(body)
}
