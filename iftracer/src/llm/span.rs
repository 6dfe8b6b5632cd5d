//! A dedicated child span for one LLM call.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use opentelemetry::trace::{SpanBuilder, SpanKind, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

use super::LlmCall;
use crate::attributes::insightfinder;
use crate::metrics::Recorder;
use crate::pipeline;
use crate::vocabulary::Vocabularies;

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
    /// The vocabularies of the pipeline the span was started in, for its attributes at the end.
    vocabularies: Vocabularies,
    metrics: Option<Arc<Recorder>>,
}

impl LlmSpan {
    /// Starts the span in the pipeline in effect.
    pub(super) fn start(call: &LlmCall) -> LlmSpan {
        LlmSpan::start_in(call, pipeline::current().as_ref())
    }

    /// Starts the span in `current` (`None`: tracing is off).
    pub(crate) fn start_in(call: &LlmCall, current: Option<&pipeline::Current>) -> LlmSpan {
        let model = call.request_model.as_deref().unwrap_or_default();
        let name = if model.is_empty() {
            call.operation().to_owned()
        } else {
            format!("{} {model}", call.operation())
        };
        let recording = current.map(pipeline::Current::recording);
        let vocabularies = recording.map_or_else(Vocabularies::default, |r| r.vocabularies);
        let kind = recording.map_or(SpanKind::Internal, |r| r.llm_span_kind.clone());
        let mut attributes = Vec::with_capacity(1);
        if vocabularies.contains(Vocabularies::INSIGHTFINDER) {
            let text = if kind == SpanKind::Client {
                "client"
            } else {
                "internal"
            };
            attributes.push(KeyValue::new(insightfinder::SPAN_KIND, text));
        }
        let builder = SpanBuilder::from_name(name)
            .with_kind(kind)
            .with_attributes(attributes);
        let pipeline = current.and_then(pipeline::Current::pipeline);
        let cx = match pipeline {
            Some(pipeline) => Context::current_with_span(
                pipeline
                    .sdk_tracer()
                    .build_with_context(builder, &Context::current()),
            ),
            // Before `init` (or with tracing off): OpenTelemetry's global provider.
            None => Context::current_with_span(builder.start(&*pipeline::fallback_tracer())),
        };
        LlmSpan {
            cx,
            call: Mutex::new(call.clone()),
            started: Instant::now(),
            vocabularies,
            metrics: pipeline.and_then(|p| p.metrics().cloned()),
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
        call.write_on(&span, self.vocabularies);
        if let Some(recorder) = &self.metrics {
            crate::metrics::record_llm_call(recorder, call, Some(self.started.elapsed()));
        }
        span.end();
    }
}
