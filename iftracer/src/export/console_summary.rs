//! The per-model table the console prints at shutdown when LLM calls were seen.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;

use super::console_view::seconds_text;

/// Durations kept per model for the percentiles; past it the oldest are overwritten, so a
/// long-running process keeps a bounded, recent sample.
const MAX_SAMPLES: usize = 10_000;

#[derive(Default)]
pub(crate) struct Summary {
    models: BTreeMap<String, ModelTally>,
}

#[derive(Default)]
struct ModelTally {
    calls: u64,
    tokens_in: u64,
    tokens_out: u64,
    errors: u64,
    durations: Vec<Duration>,
    next: usize,
}

impl Summary {
    /// Counts `span` if it is an LLM call (it names a model).
    pub(crate) fn add(&mut self, span: &SpanData) {
        let attr = |keys: &[&str]| {
            keys.iter()
                .find_map(|key| span.attributes.iter().find(|kv| kv.key.as_str() == *key))
                .map(|kv| &kv.value)
        };
        let Some(model) = attr(&[
            "gen_ai.response.model",
            "gen_ai.request.model",
            "chat.model",
        ]) else {
            return;
        };
        let number = |value: Option<&Value>| match value {
            Some(Value::I64(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let tally = self.models.entry(model.as_str().into_owned()).or_default();
        tally.calls += 1;
        tally.tokens_in += number(attr(&["gen_ai.usage.input_tokens", "chat.prompt_tokens"]));
        tally.tokens_out += number(attr(&[
            "gen_ai.usage.output_tokens",
            "chat.completion_tokens",
        ]));
        if matches!(span.status, Status::Error { .. }) || attr(&["error.type"]).is_some() {
            tally.errors += 1;
        }
        let took = span
            .end_time
            .duration_since(span.start_time)
            .unwrap_or_default();
        if tally.durations.len() < MAX_SAMPLES {
            tally.durations.push(took);
        } else {
            tally.durations[tally.next] = took;
            tally.next = (tally.next + 1) % MAX_SAMPLES;
        }
    }

    /// The table, or nothing when no LLM call was seen.
    pub(crate) fn render(&self, out: &mut String) {
        if self.models.is_empty() {
            return;
        }
        let width = self
            .models
            .keys()
            .map(|m| m.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let _ = writeln!(
            out,
            "{:<width$}  {:>6}  {:>10}  {:>10}  {:>6}  {:>8}  {:>8}",
            "model", "calls", "tokens in", "tokens out", "errors", "p50", "p95"
        );
        for (model, tally) in &self.models {
            let mut sorted = tally.durations.clone();
            sorted.sort_unstable();
            let _ = writeln!(
                out,
                "{model:<width$}  {:>6}  {:>10}  {:>10}  {:>6}  {:>8}  {:>8}",
                tally.calls,
                tally.tokens_in,
                tally.tokens_out,
                tally.errors,
                percentile(&sorted, 50),
                percentile(&sorted, 95),
            );
        }
    }
}

/// Nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], p: usize) -> String {
    if sorted.is_empty() {
        return "-".to_owned();
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    seconds_text(sorted[rank - 1].as_secs_f64())
}
