//! Capturing arguments, return values and errors without demanding traits of them: a value is
//! captured as JSON when it implements `Serialize` and skipped otherwise; an error is described
//! by `Display`, else `Debug`. Both use autoref specialisation, resolved at compile time per
//! call site: the by-value impl applies when its bound holds, the by-reference fallback
//! otherwise.
//!
//! Values are serialised only for a span that records (sampled, tracing on) with content
//! capture on, and straight to JSON text: no `serde_json::Value` in between, one allocation of
//! the attribute's exact size. A result that serialises as an integer, boolean or null is written
//! without the JSON writer at all ([`scalar`]).

mod scalar;

use std::cell::RefCell;
use std::io::Write as _;

use opentelemetry::trace::{SpanId, TraceContextExt};
use opentelemetry::{Context, KeyValue, StringValue};
use serde::Serialize;

use super::{Entity, EntityGuard};
use crate::attributes::iftracer;

/// Wraps a value for [`CaptureSerialize`] / [`CaptureFallback`].
pub struct Capture<'a, T: ?Sized>(pub &'a T);

/// Chosen when the value is `Serialize`.
pub trait CaptureSerialize {
    /// Appends the value as JSON to `out`; `false` (and `out` to be rolled back) if it failed.
    fn write_json(&self, out: &mut Vec<u8>) -> bool;

    /// The value's JSON text as an attribute value; `None` if it could not be written.
    fn output_json(&self) -> Option<StringValue>;
}

impl<T: Serialize + ?Sized> CaptureSerialize for Capture<'_, T> {
    #[inline]
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        serde_json::to_writer(out, self.0).is_ok()
    }

    #[inline]
    fn output_json(&self) -> Option<StringValue> {
        // For a scalar type the writer below is never reached, and compiled away.
        scalar::json(self.0).or_else(|| {
            with_buffer(|buf| {
                if self.write_json(buf) {
                    exact_string(buf)
                } else {
                    None
                }
            })
            .map(StringValue::from)
        })
    }
}

/// Chosen otherwise: nothing is captured.
pub trait CaptureFallback {
    /// Always `false`: the value cannot be written.
    fn write_json(&self, out: &mut Vec<u8>) -> bool;

    /// Always `None`: the value cannot be written.
    fn output_json(&self) -> Option<StringValue>;
}

impl<T: ?Sized> CaptureFallback for &Capture<'_, T> {
    #[inline]
    fn write_json(&self, _: &mut Vec<u8>) -> bool {
        false
    }

    #[inline]
    fn output_json(&self) -> Option<StringValue> {
        None
    }
}

/// Where an entity's captured arguments and result go: its span, when that span records and
/// content capture is on; otherwise nothing, and the generated code serialises nothing.
///
/// It holds the span's id, not a clone of its context: the clone and its release were four
/// atomic operations per call, a good part of what capturing a scalar result cost. The input
/// is recorded through the entity itself; the output where the entity's context is current (the
/// sync function's guard or the future's poll makes it so), checked by that id.
#[doc(hidden)]
#[derive(Debug)]
pub struct Content {
    span: Option<SpanId>,
}

impl Content {
    /// The entity's span if it records content: tracing on, content captured, and recording
    /// (an unsampled span drops its attributes, so serialising for it would be wasted).
    #[inline]
    pub fn of(entity: &Entity) -> Content {
        let span = match entity.context() {
            Some(cx) if entity.wants_content() => Some(cx.span().span_context().span_id()),
            _ => None,
        };
        Content { span }
    }

    /// Whether anything should be serialised.
    #[inline]
    pub fn is_on(&self) -> bool {
        self.span.is_some()
    }

    /// Records `iftracer.entity.input` on `entity`'s span: the JSON object `fields` writes.
    pub fn set_input(&self, entity: &Entity, fields: impl FnOnce(&mut JsonObject<'_>)) {
        let (Some(_), Some(cx)) = (self.span, entity.context()) else {
            return;
        };
        let json = with_buffer(|buf| {
            buf.push(b'{');
            let mut object = JsonObject { buf, empty: true };
            fields(&mut object);
            buf.push(b'}');
            exact_string(buf)
        });
        if let Some(json) = json {
            cx.span()
                .set_attribute(KeyValue::new(iftracer::ENTITY_INPUT, json));
        }
    }

    /// Records `iftracer.entity.output` on the current span if it is the entity's (it is,
    /// unless the body left another context attached): the async functions' way, whose entity
    /// the future wrapper owns.
    #[inline]
    pub fn set_output(&self, json: Option<StringValue>) {
        let (Some(id), Some(json)) = (self.span, json) else {
            return;
        };
        Context::map_current(|cx| {
            let span = cx.span();
            if span.span_context().span_id() == id {
                span.set_attribute(KeyValue::new(iftracer::ENTITY_OUTPUT, json));
            }
        });
    }

    /// Records `iftracer.entity.output` on a sync function's span, which its guard holds.
    #[inline]
    pub fn set_output_on(&self, guard: &EntityGuard, json: Option<StringValue>) {
        if let (Some(_), Some(json), Some(cx)) = (self.span, json, guard.context()) {
            cx.span()
                .set_attribute(KeyValue::new(iftracer::ENTITY_OUTPUT, json));
        }
    }
}

/// The arguments' JSON object while it is written.
#[doc(hidden)]
#[derive(Debug)]
pub struct JsonObject<'a> {
    buf: &'a mut Vec<u8>,
    empty: bool,
}

impl JsonObject<'_> {
    /// Adds `"name": value` if `write` writes the value; otherwise leaves the object as it was.
    /// `name` is a Rust identifier (no quote, backslash or control character to escape).
    pub fn field(&mut self, name: &str, write: impl FnOnce(&mut Vec<u8>) -> bool) {
        let mark = self.buf.len();
        if !self.empty {
            self.buf.push(b',');
        }
        // Writing to a Vec cannot fail.
        let _ = write!(self.buf, "\"{name}\":");
        if write(self.buf) {
            self.empty = false;
        } else {
            self.buf.truncate(mark);
        }
    }
}

thread_local! {
    /// One reusable buffer per thread: JSON is written here, then copied once into a string of
    /// its exact size (what the span attribute keeps).
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A buffer larger than this is not kept for the next call.
const KEPT_CAPACITY: usize = 16 * 1024;

/// Runs `write` on the thread's buffer, emptied; on a fresh one if that is in use (a
/// `Serialize` impl that calls an instrumented function) or gone (thread exit).
fn with_buffer(write: impl FnOnce(&mut Vec<u8>) -> Option<String>) -> Option<String> {
    let mut write = Some(write);
    let kept = BUFFER.try_with(|cell| {
        let mut buf = cell.try_borrow_mut().ok()?;
        buf.clear();
        let json = (write.take()?)(&mut buf);
        if buf.capacity() > KEPT_CAPACITY {
            *buf = Vec::new();
        }
        Some(json)
    });
    match (kept, write) {
        (Ok(Some(json)), _) => json,
        (_, Some(write)) => write(&mut Vec::new()),
        (_, None) => None,
    }
}

/// The buffer's JSON as a string of its exact size (serde_json writes UTF-8 only).
fn exact_string(buf: &[u8]) -> Option<String> {
    std::str::from_utf8(buf).ok().map(str::to_owned)
}

/// Wraps an error for [`ErrorDisplay`] / [`ErrorDebug`].
pub struct CaptureError<'a, T: ?Sized>(pub &'a T);

/// Chosen when the error is `Display`.
pub trait ErrorDisplay {
    /// The error's message.
    fn error_message(&self) -> String;
}

impl<T: std::fmt::Display + ?Sized> ErrorDisplay for CaptureError<'_, T> {
    fn error_message(&self) -> String {
        self.0.to_string()
    }
}

/// Chosen otherwise: `Debug`.
pub trait ErrorDebug {
    /// The error's `Debug` text.
    fn error_message(&self) -> String;
}

impl<T: std::fmt::Debug + ?Sized> ErrorDebug for &CaptureError<'_, T> {
    fn error_message(&self) -> String {
        format!("{:?}", self.0)
    }
}

#[cfg(test)]
// The explicit `&` selects the implementation; it is the mechanism under test.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;

    struct Opaque;

    #[derive(Debug)]
    struct OnlyDebug;

    fn json(write: impl FnOnce(&mut Vec<u8>) -> bool) -> Option<String> {
        let mut buf = Vec::new();
        write(&mut buf).then(|| String::from_utf8(buf).unwrap())
    }

    #[test]
    fn serialize_values_are_written_and_others_skipped() {
        assert_eq!(
            json(|out| (&Capture(&vec![1, 2])).write_json(out)).as_deref(),
            Some("[1,2]")
        );
        assert_eq!(
            json(|out| (&Capture("te\"xt")).write_json(out)).as_deref(),
            Some(r#""te\"xt""#)
        );
        assert_eq!(json(|out| (&Capture(&Opaque)).write_json(out)), None);
    }

    #[test]
    fn an_object_keeps_the_fields_that_could_be_written() {
        let mut buf = b"{".to_vec();
        let mut object = JsonObject {
            buf: &mut buf,
            empty: true,
        };
        object.field("opaque", |out| (&Capture(&Opaque)).write_json(out));
        object.field("n", |out| (&Capture(&7u64)).write_json(out));
        object.field("opaque", |out| (&Capture(&Opaque)).write_json(out));
        object.field("failed", |out| {
            // A map with non-string keys fails half-way: nothing of it stays.
            let map = std::collections::BTreeMap::from([(vec![1], 2)]);
            (&Capture(&map)).write_json(out)
        });
        object.field("text", |out| (&Capture("a")).write_json(out));
        buf.push(b'}');
        assert_eq!(String::from_utf8(buf).unwrap(), r#"{"n":7,"text":"a"}"#);
    }

    #[test]
    fn the_buffer_is_reused_and_a_nested_use_gets_its_own() {
        let outer = with_buffer(|buf| {
            buf.extend_from_slice(b"outer:");
            let inner = with_buffer(|nested| {
                assert!(nested.is_empty());
                nested.extend_from_slice(b"inner");
                exact_string(nested)
            });
            buf.extend_from_slice(inner?.as_bytes());
            exact_string(buf)
        });
        assert_eq!(outer.as_deref(), Some("outer:inner"));
        assert_eq!(
            with_buffer(|buf| Some(buf.len().to_string())).as_deref(),
            Some("0")
        );
    }

    #[test]
    fn errors_prefer_display_then_debug() {
        let io = std::io::Error::other("disk full");
        assert_eq!((&CaptureError(&io)).error_message(), "disk full");
        assert_eq!((&CaptureError(&OnlyDebug)).error_message(), "OnlyDebug");
    }
}
