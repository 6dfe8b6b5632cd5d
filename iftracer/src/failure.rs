//! How every iftracer instrumentation records a failure on a span (the macros, `LlmCall`,
//! `iftracer-temporal`): OpenTelemetry's exception conventions, with the status and extra
//! attributes each caller's peers expect.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanRef, Status};

use crate::attributes::{general, insightfinder};
use crate::vocabulary::Vocabularies;

/// Name of the span event a failure adds.
pub const EXCEPTION_EVENT: &str = "exception";

/// A failed operation, recorded on a span as OpenTelemetry's exception conventions say: an
/// `exception` event (`exception.type`, `exception.message`) and status Error.
///
/// ```
/// use iftracer::Failure;
/// use iftracer::opentelemetry::trace::{TraceContextExt, Tracer};
///
/// let tracer = iftracer::opentelemetry::global::tracer("docs");
/// tracer.in_span("fetch", |cx| {
///     let error = std::io::Error::other("connection reset");
///     Failure::of(&error).record(&cx.span());
/// });
/// assert_eq!(Failure::of(&std::io::Error::other("x")).error_type(), "Error");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    error_type: Cow<'static, str>,
    message: String,
    escaped: Option<bool>,
    status_with_type: bool,
}

impl Failure {
    /// A failure of type `error_type` (`exception.type`, `error.type`) with `message`.
    ///
    /// ```
    /// let failure = iftracer::Failure::new("Timeout", "no answer in 30 s");
    /// assert_eq!(failure.message(), "no answer in 30 s");
    /// ```
    pub fn new(error_type: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Failure {
        Failure {
            error_type: error_type.into(),
            message: message.into(),
            escaped: None,
            status_with_type: false,
        }
    }

    /// A failure named after the Rust type of `error` (without module path or generics), with
    /// its `Display` text as the message.
    ///
    /// ```
    /// let failure = iftracer::Failure::of(&std::fmt::Error);
    /// assert_eq!(failure.error_type(), "Error");
    /// ```
    pub fn of<E: fmt::Display + ?Sized>(error: &E) -> Failure {
        Failure::new(
            short_type_name(std::any::type_name::<E>()),
            error.to_string(),
        )
    }

    /// Adds `exception.escaped` to the event.
    ///
    /// ```
    /// let failure = iftracer::Failure::new("Timeout", "late").escaped(false);
    /// # drop(failure);
    /// ```
    pub fn escaped(mut self, escaped: bool) -> Failure {
        self.escaped = Some(escaped);
        self
    }

    /// Makes the status description `"{type}: {message}"` (what Python's Temporal
    /// `TracingInterceptor` writes) instead of the message alone.
    ///
    /// ```
    /// let failure = iftracer::Failure::new("ApplicationError", "bad input").status_with_type();
    /// assert_eq!(failure.status_description(), "ApplicationError: bad input");
    /// ```
    pub fn status_with_type(mut self) -> Failure {
        self.status_with_type = true;
        self
    }

    /// The type (`exception.type`).
    ///
    /// ```
    /// assert_eq!(iftracer::Failure::new("Timeout", "late").error_type(), "Timeout");
    /// ```
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// The message (`exception.message`).
    ///
    /// ```
    /// assert_eq!(iftracer::Failure::new("Timeout", "late").message(), "late");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The status description [`record`](Self::record) sets.
    ///
    /// ```
    /// assert_eq!(iftracer::Failure::new("Timeout", "late").status_description(), "late");
    /// ```
    pub fn status_description(&self) -> String {
        if self.status_with_type {
            format!("{}: {}", self.error_type, self.message)
        } else {
            self.message.clone()
        }
    }

    /// The attributes of the `exception` event.
    ///
    /// ```
    /// let attributes = iftracer::Failure::new("Timeout", "late").event_attributes();
    /// assert_eq!(attributes[0].key.as_str(), "exception.type");
    /// ```
    pub fn event_attributes(&self) -> Vec<KeyValue> {
        let mut attributes = Vec::with_capacity(3);
        attributes.push(KeyValue::new(
            general::EXCEPTION_TYPE,
            self.error_type.to_string(),
        ));
        attributes.push(KeyValue::new(
            general::EXCEPTION_MESSAGE,
            self.message.clone(),
        ));
        if let Some(escaped) = self.escaped {
            attributes.push(KeyValue::new(general::EXCEPTION_ESCAPED, escaped));
        }
        attributes
    }

    /// Adds the `exception` event only (a failure the operation survived), at `time` or now.
    ///
    /// ```
    /// use iftracer::opentelemetry::trace::{TraceContextExt, Tracer};
    /// let tracer = iftracer::opentelemetry::global::tracer("docs");
    /// tracer.in_span("retry", |cx| {
    ///     iftracer::Failure::new("Timeout", "first attempt").record_event(&cx.span(), None);
    /// });
    /// ```
    pub fn record_event(&self, span: &SpanRef<'_>, time: Option<SystemTime>) {
        match time {
            Some(time) => {
                span.add_event_with_timestamp(EXCEPTION_EVENT, time, self.event_attributes())
            }
            None => span.add_event(EXCEPTION_EVENT, self.event_attributes()),
        }
    }

    /// Adds the `exception` event and sets status Error.
    ///
    /// ```
    /// use iftracer::opentelemetry::trace::{TraceContextExt, Tracer};
    /// let tracer = iftracer::opentelemetry::global::tracer("docs");
    /// tracer.in_span("fetch", |cx| iftracer::Failure::new("Timeout", "late").record(&cx.span()));
    /// ```
    pub fn record(&self, span: &SpanRef<'_>) {
        self.record_event(span, None);
        span.set_status(Status::error(self.status_description()));
    }

    /// [`record`](Self::record), plus `error.type` and, with the InsightFinder vocabulary,
    /// `error` (the message): what iftracer's entity spans carry.
    pub(crate) fn record_with_attributes(&self, span: &SpanRef<'_>, vocabularies: Vocabularies) {
        self.record(span);
        if vocabularies.contains(Vocabularies::INSIGHTFINDER) {
            span.set_attribute(KeyValue::new(insightfinder::ERROR, self.message.clone()));
        }
        span.set_attribute(KeyValue::new(
            general::ERROR_TYPE,
            self.error_type.to_string(),
        ));
    }
}

/// The type's name without its module path or generics: `MyError` for `app::errors::MyError`.
pub(crate) fn short_type_name(full: &'static str) -> &'static str {
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(short_type_name("app::errors::MyError"), "MyError");
        assert_eq!(short_type_name("alloc::string::String"), "String");
        assert_eq!(short_type_name("app::Wrapper<app::Inner>"), "Wrapper");
        assert_eq!(short_type_name("i32"), "i32");
    }
}
