//! The `_tracer-data` header: how a span context crosses a Temporal request.
//!
//! Wire format shared with the Python, .NET and TypeScript `TracingInterceptor`s: the header
//! `_tracer-data` of a request holds one payload with metadata `encoding = json/plain` whose
//! data is a JSON object of strings, the carrier filled by the W3C TraceContext and W3C Baggage
//! propagators (`traceparent`, `tracestate`, `baggage`).
//!
//! Writing skips the header when the carrier would be empty (no valid span, no baggage), as
//! Python does. Reading accepts a missing header, `{}`, any key order, extra keys and a missing or
//! empty `tracestate`; a malformed header is treated as "no context" by [`extract`], so tracing
//! never fails a Temporal call.
//!
//! ```
//! use std::collections::HashMap;
//! use iftracer_temporal::header;
//! use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
//! use opentelemetry::Context;
//!
//! let span = SpanContext::new(
//!     TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
//!     SpanId::from_hex("00f067aa0ba902b7").unwrap(),
//!     TraceFlags::SAMPLED,
//!     true,
//!     TraceState::default(),
//! );
//! let mut headers = HashMap::new();
//! assert!(header::inject(&Context::new().with_remote_span_context(span), &mut headers));
//! assert_eq!(
//!     std::str::from_utf8(&headers[header::HEADER_KEY].data).unwrap(),
//!     r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#
//! );
//! let back = header::extract(&headers).unwrap();
//! assert_eq!(back.span().span_context().span_id().to_string(), "00f067aa0ba902b7");
//! assert!(header::extract(&HashMap::new()).is_none());
//! ```

use std::collections::HashMap;

use opentelemetry::Context;
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry_sdk::propagation::BaggagePropagator;
use temporalio_common::protos::temporal::api::common::v1::Payload;

/// The header key every SDK's tracing interceptor reads and writes.
pub const HEADER_KEY: &str = "_tracer-data";

/// The payload metadata key naming the encoding.
pub const ENCODING_KEY: &str = "encoding";

/// The encoding of the header payload (the default JSON payload converter's).
pub const ENCODING_JSON: &[u8] = b"json/plain";

/// Why a `_tracer-data` payload could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// The payload's `encoding` metadata is not `json/plain`.
    #[error("`_tracer-data` payload has encoding {0:?}, expected \"json/plain\"")]
    Encoding(String),
    /// The payload data is not a JSON object of strings.
    #[error("`_tracer-data` payload is not a JSON object of strings: {0}")]
    Json(#[from] serde_json::Error),
}

fn propagator() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(iftracer::propagation::BoundedTraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
}

/// The text-map carrier of `cx`: `traceparent` (and `tracestate`) when `cx` has a valid span,
/// `baggage` when it has baggage. Empty when it has neither; an empty `tracestate` is left out.
pub fn carrier(cx: &Context) -> HashMap<String, String> {
    let mut carrier = HashMap::new();
    propagator().inject_context(cx, &mut carrier);
    carrier.retain(|_, value: &mut String| !value.is_empty());
    carrier
}

/// The `_tracer-data` payload for `cx`, or `None` when there is nothing to propagate.
pub fn encode(cx: &Context) -> Option<Payload> {
    let carrier = carrier(cx);
    if carrier.is_empty() {
        return None;
    }
    // Sorted keys, no spaces: byte-for-byte what Python writes.
    let sorted: std::collections::BTreeMap<_, _> = carrier.into_iter().collect();
    let data = serde_json::to_vec(&sorted).ok()?;
    Some(Payload {
        metadata: HashMap::from([(ENCODING_KEY.to_owned(), ENCODING_JSON.to_vec())]),
        data,
        ..Default::default()
    })
}

/// The carrier held by a `_tracer-data` payload.
///
/// A payload without `encoding` metadata is read as JSON.
///
/// # Errors
///
/// [`HeaderError::Encoding`] when the payload declares another encoding,
/// [`HeaderError::Json`] when the data is not a JSON object of strings.
pub fn decode(payload: &Payload) -> Result<HashMap<String, String>, HeaderError> {
    if let Some(encoding) = payload.metadata.get(ENCODING_KEY)
        && encoding.as_slice() != ENCODING_JSON
    {
        return Err(HeaderError::Encoding(
            String::from_utf8_lossy(encoding).into_owned(),
        ));
    }
    Ok(serde_json::from_slice(&payload.data)?)
}

/// Writes the `_tracer-data` header for `cx` into `headers`; removes a stale one when there is
/// nothing to propagate. Returns whether a header was written.
pub fn inject(cx: &Context, headers: &mut HashMap<String, Payload>) -> bool {
    match encode(cx) {
        Some(payload) => {
            headers.insert(HEADER_KEY.to_owned(), payload);
            true
        }
        None => {
            headers.remove(HEADER_KEY);
            false
        }
    }
}

/// The context carried by the `_tracer-data` header of `headers`, if it has one: a remote span
/// context and baggage, on top of an empty context. `None` when the header is missing,
/// malformed or carries neither a valid span context nor baggage.
pub fn extract(headers: &HashMap<String, Payload>) -> Option<Context> {
    let payload = headers.get(HEADER_KEY)?;
    let carrier = decode(payload).ok()?;
    extract_carrier(&carrier)
}

/// The context a text-map carrier holds, or `None` when it holds neither a valid span context
/// nor baggage.
pub fn extract_carrier(carrier: &HashMap<String, String>) -> Option<Context> {
    use opentelemetry::baggage::BaggageExt;
    use opentelemetry::trace::TraceContextExt;
    let cx = propagator().extract_with_context(&Context::new(), carrier);
    let has_span = cx.span().span_context().is_valid();
    let has_baggage = !cx.baggage().is_empty();
    (has_span || has_baggage).then_some(cx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::KeyValue;
    use opentelemetry::baggage::BaggageExt;
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };

    fn remote(flags: u8) -> Context {
        Context::new().with_remote_span_context(SpanContext::new(
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
            SpanId::from_hex("00f067aa0ba902b7").unwrap(),
            TraceFlags::new(flags),
            true,
            TraceState::default(),
        ))
    }

    fn payload(json: &str) -> Payload {
        Payload {
            metadata: HashMap::from([("encoding".to_owned(), b"json/plain".to_vec())]),
            data: json.as_bytes().to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn an_oversized_tracestate_in_the_header_is_cut_to_the_w3c_limits() {
        let members: Vec<String> = (0..200).map(|i| format!("vendor{i}=value{i}")).collect();
        let json = serde_json::json!({
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "tracestate": members.join(","),
        });
        let headers = HashMap::from([("_tracer-data".to_owned(), payload(&json.to_string()))]);
        let cx = extract(&headers).unwrap();
        let state = cx.span().span_context().trace_state().header();
        assert!(state.len() <= 512, "{}", state.len());
        assert!(state.split(',').count() <= 32);
        assert!(state.starts_with("vendor0=value0,"), "{state}");
    }

    #[test]
    fn encodes_like_python() {
        let payload = encode(&remote(1)).unwrap();
        assert_eq!(payload.metadata["encoding"], b"json/plain");
        assert_eq!(
            std::str::from_utf8(&payload.data).unwrap(),
            r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#
        );
    }

    #[test]
    fn encodes_baggage_sorted_after_traceparent_order_independent() {
        let cx = remote(1).with_baggage([KeyValue::new("user.id", "u1")]);
        let payload = encode(&cx).unwrap();
        assert_eq!(
            std::str::from_utf8(&payload.data).unwrap(),
            r#"{"baggage":"user.id=u1","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#
        );
    }

    #[test]
    fn nothing_to_propagate_writes_no_header() {
        assert!(encode(&Context::new()).is_none());
        let mut headers = HashMap::from([(HEADER_KEY.to_owned(), payload("{}"))]);
        assert!(!inject(&Context::new(), &mut headers));
        assert!(headers.is_empty(), "a stale header is removed");
    }

    #[test]
    fn decodes_python_header_with_flags_03() {
        let headers = HashMap::from([(
            HEADER_KEY.to_owned(),
            payload(r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"}"#),
        )]);
        let cx = extract(&headers).unwrap();
        let sc = cx.span().span_context().clone();
        assert!(sc.is_remote() && sc.is_sampled());
        assert_eq!(
            sc.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");
    }

    #[test]
    fn decodes_any_key_order_extra_keys_and_empty_tracestate() {
        let headers = HashMap::from([(
            HEADER_KEY.to_owned(),
            payload(
                r#"{"x-extra":"1","tracestate":"","baggage":"tenant.id=acme","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#,
            ),
        )]);
        let cx = extract(&headers).unwrap();
        assert!(cx.span().span_context().is_valid());
        assert_eq!(
            cx.baggage().get("tenant.id").map(|v| v.as_str().to_owned()),
            Some("acme".to_owned())
        );
    }

    #[test]
    fn empty_missing_or_malformed_headers_carry_no_context() {
        assert!(extract(&HashMap::new()).is_none());
        for data in ["{}", "not json", "[1,2]", r#"{"traceparent":5}"#] {
            let headers = HashMap::from([(HEADER_KEY.to_owned(), payload(data))]);
            assert!(extract(&headers).is_none(), "{data}");
        }
        let mut wrong =
            payload(r#"{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#);
        wrong
            .metadata
            .insert("encoding".into(), b"binary/protobuf".to_vec());
        assert!(matches!(decode(&wrong), Err(HeaderError::Encoding(_))));
    }

    #[test]
    fn round_trips_span_and_baggage() {
        let cx = remote(1).with_baggage([KeyValue::new("user.id", "a b")]);
        let mut headers = HashMap::new();
        assert!(inject(&cx, &mut headers));
        let back = extract(&headers).unwrap();
        assert_eq!(
            back.span().span_context().span_id(),
            cx.span().span_context().span_id()
        );
        assert_eq!(
            back.baggage().get("user.id").map(|v| v.as_str().to_owned()),
            Some("a b".to_owned())
        );
    }
}
