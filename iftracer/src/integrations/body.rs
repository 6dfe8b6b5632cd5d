//! The reqwest side of the wire recorder: an exchange started from a `reqwest::Request`, and a
//! response whose body reports each chunk to the exchange on its way to the application,
//! unchanged and without buffering.

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll, ready};

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use opentelemetry::Context;
use opentelemetry::propagation::{Injector, TextMapPropagator};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use reqwest::ResponseBuilderExt as _;

use crate::llm::wire::{Exchange, WireOptions, is_llm_request};

/// Starts an exchange for `request` when it is a call to an LLM API with a body we can read
/// (a streaming request body is not), and adds its `traceparent` unless turned off.
pub(crate) fn start(request: &mut reqwest::Request, options: &WireOptions) -> Option<Exchange> {
    if !is_llm_request(request.method(), request.url().path()) {
        return None;
    }
    let body = request.body()?.as_bytes()?;
    let uri: http::Uri = request.url().as_str().parse().ok()?;
    let exchange = Exchange::start(request.method(), &uri, body, options)?;
    if options.traceparent {
        inject_traceparent(exchange.context(), request.headers_mut());
    }
    Some(exchange)
}

/// Writes the W3C `traceparent` of `cx` into `headers`. The trace-context propagator itself,
/// not the global one: it works when iftracer is not the global provider too.
pub(crate) fn inject_traceparent(cx: &Context, headers: &mut http::HeaderMap) {
    struct Headers<'a>(&'a mut http::HeaderMap);
    impl Injector for Headers<'_> {
        fn set(&mut self, key: &str, value: String) {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(key.as_bytes()),
                http::HeaderValue::from_str(&value),
            ) {
                self.0.insert(name, value);
            }
        }
    }
    TraceContextPropagator::new().inject_context(cx, &mut Headers(headers));
}

/// The response with its body routed through `exchange`; status, headers, extensions and
/// `url()` are kept.
pub(crate) fn record_response(
    mut exchange: Exchange,
    response: reqwest::Response,
) -> reqwest::Response {
    exchange.response_head(response.status(), response.headers());
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    // reqwest keeps `url()` in an extension only its response-builder extension can create.
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(carrier.into_parts().0.extensions);
    }
    let body = RecordedBody {
        inner: body,
        exchange: Some(exchange),
    };
    reqwest::Response::from(http::Response::from_parts(parts, reqwest::Body::wrap(body)))
}

/// A low-cardinality `error.type` for a reqwest failure.
pub(crate) fn transport_error_type(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection_error"
    } else if error.is_decode() {
        "decode_error"
    } else if error.is_body() {
        "body_error"
    } else if error.is_request() {
        "request_error"
    } else {
        "_OTHER"
    }
}

pin_project_lite::pin_project! {
    /// A response body that shows each data frame to the exchange and yields it unchanged.
    struct RecordedBody {
        #[pin]
        inner: reqwest::Body,
        exchange: Option<Exchange>,
    }
}

impl HttpBody for RecordedBody {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, reqwest::Error>>> {
        let mut this = self.project();
        let frame = ready!(this.inner.as_mut().poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if let (Some(data), Some(exchange)) = (frame.data_ref(), this.exchange.as_mut()) {
                    exchange.response_bytes(data);
                }
                // Readers that stop at `is_end_stream` never poll for the final `None`.
                if this.inner.is_end_stream()
                    && let Some(exchange) = this.exchange.take()
                {
                    exchange.finish();
                }
            }
            Some(Err(error)) => {
                if let Some(exchange) = this.exchange.take() {
                    exchange.fail(transport_error_type(error), &error.to_string());
                }
            }
            None => {
                if let Some(exchange) = this.exchange.take() {
                    exchange.finish();
                }
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
