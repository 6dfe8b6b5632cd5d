//! iftracer's one span processor: stamps context-carried values when a span starts, applies
//! the privacy controls once when it ends, makes LLM calls (its own and other instrumentation's)
//! readable by InsightFinder's gateway, then hands the span to every destination (the accounted
//! exporter and the user's extra processors), so no destination sees raw data.

use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use super::pair;
use crate::associations;
use crate::llm::import;
use crate::pipeline::Recording;
use crate::vocabulary::Vocabularies;

#[derive(Debug)]
pub(crate) struct IftracerProcessor {
    /// The settings the pipeline's recording helpers use too.
    recording: Arc<Recording>,
    /// Give a non-INTERNAL span's `chat.*` pair its own INTERNAL span.
    pair_spans: bool,
    destinations: Vec<Box<dyn SpanProcessor>>,
}

impl IftracerProcessor {
    pub(crate) fn new(
        recording: Arc<Recording>,
        pair_spans: bool,
        destinations: Vec<Box<dyn SpanProcessor>>,
    ) -> Self {
        IftracerProcessor {
            recording,
            pair_spans,
            destinations,
        }
    }

    fn deliver(&self, span: SpanData) {
        if let Some((last, others)) = self.destinations.split_last() {
            for destination in others {
                destination.on_end(span.clone());
            }
            last.on_end(span);
        }
    }
}

impl SpanProcessor for IftracerProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        associations::stamp(span, cx, self.recording.vocabularies);
        for destination in &self.destinations {
            destination.on_start(span, cx);
        }
    }

    fn on_end(&self, mut span: SpanData) {
        if !span.span_context.is_sampled() {
            return self.deliver(span);
        }
        let Recording {
            vocabularies,
            privacy,
            ..
        } = &*self.recording;
        if vocabularies.contains(Vocabularies::INSIGHTFINDER) {
            // Other instrumentation's LLM spans get the `chat.*` pair; before privacy, so the
            // pair is redacted, capped and hashed like iftracer's own.
            import::fill(&mut span.attributes, privacy.capture_content);
            // Before privacy, so ids made text are hashed like the others.
            pair::stringify_gateway_keys(&mut span.attributes);
        }
        privacy.apply(&mut span);
        if self.pair_spans
            && let Some(pair_span) = pair::split_pair(&mut span)
        {
            // The child first: a trace held until its root ends must already hold it.
            self.deliver(pair_span);
        }
        self.deliver(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        combine(self.destinations.iter().map(|d| d.force_flush()))
    }

    /// Shares one deadline among the destinations, so the whole shutdown stays within `timeout`.
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let deadline = Instant::now() + timeout;
        combine(self.destinations.iter().map(|d| {
            let left = deadline.saturating_duration_since(Instant::now());
            d.shutdown_with_timeout(left.max(Duration::from_millis(1)))
        }))
    }

    fn set_resource(&mut self, resource: &Resource) {
        for destination in &mut self.destinations {
            destination.set_resource(resource);
        }
    }
}

/// Runs every operation and reports the first failure.
fn combine(results: impl Iterator<Item = OTelSdkResult>) -> OTelSdkResult {
    let failures: Vec<OTelSdkError> = results.filter_map(Result::err).collect();
    match failures.into_iter().next() {
        None => Ok(()),
        Some(first) => Err(first),
    }
}
