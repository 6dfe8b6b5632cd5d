//! Settings that make spans readable by InsightFinder's trace gateway: the kind of LLM spans
//! and holding a trace until its local root ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::trace::SpanKind;

use super::env::Env;
use super::resolve::builder;
use super::{BatchSettings, HoldSettings, LlmSpans, Settings};
use crate::error::{Error, Setting};
use crate::vocabulary::Vocabularies;

pub(crate) const IFTRACER_LLM_SPAN_KIND: &str = "IFTRACER_LLM_SPAN_KIND";
pub(crate) const IFTRACER_HOLD_TRACES: &str = "IFTRACER_HOLD_TRACES";
pub(crate) const IFTRACER_MAX_TRACE_HOLD: &str = "IFTRACER_MAX_TRACE_HOLD";
pub(crate) const IFTRACER_MAX_HELD_SPANS: &str = "IFTRACER_MAX_HELD_SPANS";

/// The gateway processes a trace 10 s after its first span; a minute covers a long agent turn
/// while keeping memory bounded when a root never ends.
pub(crate) const DEFAULT_MAX_TRACE_HOLD: Duration = Duration::from_secs(60);

/// LLM spans are INTERNAL with the InsightFinder vocabulary (the gateway pairs only those),
/// CLIENT (the GenAI conventions' kind) without it, unless set.
pub(crate) fn resolve_llm_spans(
    settings: &Settings,
    env: &Env<'_>,
    vocabularies: Vocabularies,
) -> Result<LlmSpans, Error> {
    let insightfinder = vocabularies.contains(Vocabularies::INSIGHTFINDER);
    let kind = builder(settings.llm_span_kind.clone(), ".llm_span_kind()")
        .check(check_kind)?
        .or_env(IFTRACER_LLM_SPAN_KIND, |var| env.parsed(var, parse_kind))?
        .or(if insightfinder {
            SpanKind::Internal
        } else {
            SpanKind::Client
        });
    Ok(LlmSpans {
        kind,
        pair_spans: insightfinder,
    })
}

fn check_kind(kind: SpanKind, setting: Setting) -> Result<SpanKind, Error> {
    match kind {
        SpanKind::Client | SpanKind::Internal => Ok(kind),
        other => Err(Error::InvalidLlmSpanKind {
            setting,
            value: format!("{other:?}").to_ascii_lowercase(),
        }),
    }
}

fn parse_kind(value: &str, setting: Setting) -> Result<SpanKind, Error> {
    match value.to_ascii_lowercase().as_str() {
        "client" => Ok(SpanKind::Client),
        "internal" => Ok(SpanKind::Internal),
        _ => Err(Error::InvalidLlmSpanKind {
            setting,
            value: value.to_owned(),
        }),
    }
}

/// On by default for an InsightFinder destination only: other backends assemble traces
/// themselves, and holding costs memory.
pub(crate) fn resolve_hold(
    settings: &Settings,
    env: &Env<'_>,
    insightfinder: bool,
    batch: &BatchSettings,
) -> Result<Option<HoldSettings>, Error> {
    let enabled = builder(settings.hold_traces, ".hold_traces()")
        .or_env(IFTRACER_HOLD_TRACES, |var| env.bool(var))?
        .or(insightfinder);
    let max_age = builder(settings.max_trace_hold, ".max_trace_hold()")
        .or_env(IFTRACER_MAX_TRACE_HOLD, |var| env.millis(var))?
        .nonzero("a duration above zero")?
        .or(DEFAULT_MAX_TRACE_HOLD);
    const POSITIVE: &str = "a whole number above 0";
    let max_spans = builder(settings.max_held_spans, ".max_held_spans()")
        .or_env(IFTRACER_MAX_HELD_SPANS, |var| {
            env.number::<usize>(var, POSITIVE)
        })?
        .nonzero(POSITIVE)?
        // Half the queue, so a held trace never fills the queue on its own.
        .or_else(|| (batch.max_queue_size / 2).max(1));
    Ok(enabled.then_some(HoldSettings {
        max_age,
        // Held spans are queued spans: they count against the queue bound.
        max_spans: max_spans.min(batch.max_queue_size),
    }))
}

/// The gateway has no OTLP/HTTP server: HTTP works only through a collector that forwards it.
pub(crate) fn warn_http_once() {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        eprintln!(
            "iftracer: warning: OTLP/HTTP chosen for an InsightFinder destination; InsightFinder's \
             trace gateway speaks OTLP/gRPC only, so this works only through a collector that \
             forwards to it (fix: unset OTEL_EXPORTER_OTLP_PROTOCOL or use Protocol::Grpc)"
        );
    }
}
