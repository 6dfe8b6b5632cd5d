//! iftracer's one span processor: stamps context-carried values when a span starts, applies
//! the privacy controls once when it ends, then hands the span to every destination (the
//! accounted exporter and the user's extra processors), so no destination sees raw data.

use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::associations;
use crate::privacy::Privacy;
use crate::vocabulary::Vocabularies;

#[derive(Debug)]
pub(crate) struct IftracerProcessor {
    vocabularies: Vocabularies,
    privacy: Privacy,
    destinations: Vec<Box<dyn SpanProcessor>>,
}

impl IftracerProcessor {
    pub(crate) fn new(
        vocabularies: Vocabularies,
        privacy: Privacy,
        destinations: Vec<Box<dyn SpanProcessor>>,
    ) -> Self {
        IftracerProcessor {
            vocabularies,
            privacy,
            destinations,
        }
    }
}

impl SpanProcessor for IftracerProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        associations::stamp(span, cx, self.vocabularies);
        for destination in &self.destinations {
            destination.on_start(span, cx);
        }
    }

    fn on_end(&self, mut span: SpanData) {
        if span.span_context.is_sampled() {
            self.privacy.apply(&mut span);
        }
        if let Some((last, others)) = self.destinations.split_last() {
            for destination in others {
                destination.on_end(span.clone());
            }
            last.on_end(span);
        }
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
