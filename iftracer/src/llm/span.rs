//! A dedicated child span for one LLM call.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use opentelemetry::trace::{SpanKind, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue, global};

use super::LlmCall;
use crate::attributes::insightfinder;
use crate::vocabulary::{Vocabularies, vocabularies};

/// The kind `init` chose (`IFTRACER_LLM_SPAN_KIND`); until then, the vocabularies decide.
static SPAN_KIND: AtomicU8 = AtomicU8::new(KIND_FROM_VOCABULARIES);
const KIND_FROM_VOCABULARIES: u8 = 0;
const KIND_INTERNAL: u8 = 1;
const KIND_CLIENT: u8 = 2;

pub(crate) fn set_span_kind(kind: SpanKind) {
    let code = match kind {
        SpanKind::Client => KIND_CLIENT,
        _ => KIND_INTERNAL,
    };
    SPAN_KIND.store(code, Ordering::Relaxed);
}

/// INTERNAL when InsightFinder reads the span (its gateway pairs prompt and response only on
/// INTERNAL spans), CLIENT as the GenAI conventions say otherwise, unless `init` set one.
fn span_kind(vocabularies: Vocabularies) -> SpanKind {
    match SPAN_KIND.load(Ordering::Relaxed) {
        KIND_INTERNAL => SpanKind::Internal,
        KIND_CLIENT => SpanKind::Client,
        _ if vocabularies.contains(Vocabularies::INSIGHTFINDER) => SpanKind::Internal,
        _ => SpanKind::Client,
    }
}

/// The span of one LLM call, a child of the span that was current when it started: INTERNAL
/// with the InsightFinder vocabulary (the default), CLIENT without it or when
/// [`llm_span_kind`](crate::IftracerBuilder::llm_span_kind) asks.
///
/// What [`record`](Self::record) adds is merged with the call the span started with, and the
/// attributes are written once, when the span ends ([`end`](Self::end) or drop): OpenTelemetry
/// keeps every value set, so writing as we go would repeat keys.
///
/// ```
/// use iftracer::llm::LlmCall;
/// let span = LlmCall::chat("gpt-4o").prompt("hi").start_span();
/// span.record(&LlmCall::default().response("hello").usage(1, 1));
/// drop(span); // ends the span
/// ```
#[derive(Debug)]
pub struct LlmSpan {
    cx: Context,
    call: Mutex<LlmCall>,
    started: Instant,
}

impl LlmSpan {
    pub(super) fn start(call: &LlmCall) -> LlmSpan {
        let model = call.request_model.as_deref().unwrap_or_default();
        let name = if model.is_empty() {
            call.operation().to_owned()
        } else {
            format!("{} {model}", call.operation())
        };
        let tracer = global::tracer("iftracer");
        let vocabularies = vocabularies();
        let kind = span_kind(vocabularies);
        let mut attributes = Vec::with_capacity(1);
        if vocabularies.contains(Vocabularies::INSIGHTFINDER) {
            let text = if kind == SpanKind::Client {
                "client"
            } else {
                "internal"
            };
            attributes.push(KeyValue::new(insightfinder::SPAN_KIND, text));
        }
        let span = tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(attributes)
            .start(&tracer);
        LlmSpan {
            cx: Context::current_with_span(span),
            call: Mutex::new(call.clone()),
            started: Instant::now(),
        }
    }

    /// Adds what `update` sets (typically the response and usage) to the call.
    ///
    /// ```
    /// use iftracer::llm::LlmCall;
    /// let span = LlmCall::chat("gpt-4o").start_span();
    /// span.record(&LlmCall::default().response("hello").finish_reasons(["stop"]));
    /// ```
    pub fn record(&self, update: &LlmCall) {
        self.call
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .merge(update);
    }

    /// The context holding this span, to make it the parent of work done for the call.
    ///
    /// ```
    /// let span = iftracer::llm::LlmCall::chat("gpt-4o").start_span();
    /// let _attached = span.context().clone().attach();
    /// ```
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Writes the call's attributes and ends the span.
    ///
    /// ```
    /// iftracer::llm::LlmCall::chat("gpt-4o").start_span().end();
    /// ```
    pub fn end(self) {
        // Dropping does it.
    }
}

impl Drop for LlmSpan {
    fn drop(&mut self) {
        let span = self.cx.span();
        let call = self.call.get_mut().unwrap_or_else(PoisonError::into_inner);
        call.write_on(&span);
        crate::metrics::record_llm_call(call, Some(self.started.elapsed()));
        span.end();
    }
}
