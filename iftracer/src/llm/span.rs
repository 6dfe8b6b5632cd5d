//! A dedicated child span for one LLM call.

use opentelemetry::trace::{SpanKind, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue, global};

use super::LlmCall;
use crate::attributes::insightfinder;
use crate::vocabulary::{Vocabularies, vocabularies};

/// The span of one LLM call, a CLIENT child of the span that was current when it started.
/// It ends when [`end`](Self::end) is called or when it is dropped.
///
/// ```
/// use iftracer::llm::LlmCall;
/// let span = LlmCall::chat("gpt-4o").prompt("hi").start_span();
/// span.record(&LlmCall::chat("gpt-4o").response("hello").usage(1, 1));
/// drop(span); // ends the span
/// ```
#[derive(Debug)]
pub struct LlmSpan {
    cx: Context,
}

impl LlmSpan {
    pub(super) fn start(call: &LlmCall) -> LlmSpan {
        let model = call.request_model.as_deref().unwrap_or_default();
        let name = if model.is_empty() {
            call.operation.clone()
        } else {
            format!("{} {model}", call.operation)
        };
        let tracer = global::tracer("iftracer");
        let mut attributes = Vec::with_capacity(16);
        if vocabularies().contains(Vocabularies::INSIGHTFINDER) {
            attributes.push(KeyValue::new(insightfinder::SPAN_KIND, "client"));
        }
        let span = tracer
            .span_builder(name)
            .with_kind(SpanKind::Client)
            .with_attributes(attributes)
            .start(&tracer);
        let llm = LlmSpan {
            cx: Context::current_with_span(span),
        };
        llm.record(call);
        llm
    }

    /// Records more of the call (typically the response and usage).
    ///
    /// ```
    /// use iftracer::llm::LlmCall;
    /// let span = LlmCall::chat("gpt-4o").start_span();
    /// span.record(&LlmCall::chat("gpt-4o").response("hello"));
    /// ```
    pub fn record(&self, call: &LlmCall) {
        call.record_on(&self.cx.span());
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

    /// Ends the span.
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
        self.cx.span().end();
    }
}
