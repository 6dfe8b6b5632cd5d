//! Builder methods: how LLM calls reach InsightFinder's gateway (LLM span kind, holding traces).

use std::time::Duration;

use super::IftracerBuilder;

impl IftracerBuilder {
    /// The kind of the spans iftracer opens for LLM calls (`IFTRACER_LLM_SPAN_KIND=internal|client`):
    /// INTERNAL by default with the InsightFinder vocabulary, since InsightFinder's gateway turns
    /// only INTERNAL spans into prompt/response pairs; CLIENT (the GenAI conventions' choice) by
    /// default without it. With CLIENT and the InsightFinder vocabulary, each LLM span gets an
    /// INTERNAL child `chat {model}` carrying the pair (one more span per call). Only
    /// [`SpanKind::Client`](opentelemetry::trace::SpanKind::Client) and
    /// [`SpanKind::Internal`](opentelemetry::trace::SpanKind::Internal) are accepted.
    ///
    /// ```
    /// use iftracer::opentelemetry::trace::SpanKind;
    /// let b = iftracer::Iftracer::builder().llm_span_kind(SpanKind::Client);
    /// # drop(b);
    /// ```
    pub fn llm_span_kind(mut self, kind: opentelemetry::trace::SpanKind) -> Self {
        self.settings.llm_span_kind = Some(kind);
        self
    }

    /// Whether the spans of a trace wait until the trace's local root ends and are exported
    /// together (`IFTRACER_HOLD_TRACES`); on by default for an InsightFinder destination, whose
    /// gateway processes a trace a fixed delay after its first span arrives. Spans of traces
    /// without an open root in this process are never delayed.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().hold_traces(false);
    /// # drop(b);
    /// ```
    pub fn hold_traces(mut self, hold: bool) -> Self {
        self.settings.hold_traces = Some(hold);
        self
    }

    /// Longest a trace is held, from its local root's start (`IFTRACER_MAX_TRACE_HOLD` in
    /// milliseconds, default 60 s); then what ended so far is exported.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_trace_hold(std::time::Duration::from_secs(20));
    /// # drop(b);
    /// ```
    pub fn max_trace_hold(mut self, longest: Duration) -> Self {
        self.settings.max_trace_hold = Some(longest);
        self
    }

    /// Most spans held at once over all traces (`IFTRACER_MAX_HELD_SPANS`, default half the
    /// queue, at most the queue); beyond it the oldest trace is exported as it is.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().max_held_spans(512);
    /// # drop(b);
    /// ```
    pub fn max_held_spans(mut self, spans: usize) -> Self {
        self.settings.max_held_spans = Some(spans);
        self
    }
}
