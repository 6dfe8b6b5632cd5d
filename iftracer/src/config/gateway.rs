//! Settings that make spans readable by InsightFinder's trace gateway: the kind of LLM spans
//! and holding a trace until its local root ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::trace::SpanKind;

use super::env::{Env, parse_bool};
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
    let kind = match &settings.llm_span_kind {
        Some(kind) => check_kind(kind.clone(), Setting::Builder(".llm_span_kind()"))?,
        None => match env.string(IFTRACER_LLM_SPAN_KIND)? {
            Some(value) => parse_kind(&value, Setting::Env(IFTRACER_LLM_SPAN_KIND))?,
            None if insightfinder => SpanKind::Internal,
            None => SpanKind::Client,
        },
    };
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
    let enabled = match settings.hold_traces {
        Some(hold) => hold,
        None => match env.string(IFTRACER_HOLD_TRACES)? {
            Some(value) => parse_bool(&value, Setting::Env(IFTRACER_HOLD_TRACES))?,
            None => insightfinder,
        },
    };
    let (max_age, setting) = match settings.max_trace_hold {
        Some(age) => (age, Setting::Builder(".max_trace_hold()")),
        None => match env.millis(IFTRACER_MAX_TRACE_HOLD)? {
            Some(age) => (age, Setting::Env(IFTRACER_MAX_TRACE_HOLD)),
            None => (
                DEFAULT_MAX_TRACE_HOLD,
                Setting::Builder(".max_trace_hold()"),
            ),
        },
    };
    if max_age.is_zero() {
        return Err(Error::InvalidNumber {
            setting,
            value: "0".to_owned(),
            expected: "a duration above zero",
        });
    }
    const POSITIVE: &str = "a whole number above 0";
    let (max_spans, setting) = match settings.max_held_spans {
        Some(n) => (n, Setting::Builder(".max_held_spans()")),
        None => match env.number::<usize>(IFTRACER_MAX_HELD_SPANS, POSITIVE)? {
            Some(n) => (n, Setting::Env(IFTRACER_MAX_HELD_SPANS)),
            // Half the queue, so a held trace never fills the queue on its own.
            None => (
                (batch.max_queue_size / 2).max(1),
                Setting::Builder(".max_held_spans()"),
            ),
        },
    };
    if max_spans == 0 {
        return Err(Error::InvalidNumber {
            setting,
            value: "0".to_owned(),
            expected: POSITIVE,
        });
    }
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
