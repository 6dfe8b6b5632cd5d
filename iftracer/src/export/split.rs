//! Keeping export requests under the size collectors accept.
//!
//! gRPC servers refuse messages over 4 MiB by default (the OpenTelemetry Collector, grpc-go and
//! tonic alike), and a batch of 512 LLM spans with 32 KiB prompts is far larger. So a batch is
//! cut into requests whose estimated encoded size stays under [`MAX_REQUEST_BYTES`]; a span
//! bigger than that on its own travels alone. The estimate errs on the large side (it counts
//! every field's worst-case protobuf framing), and costs one pass over the attribute lengths.

use opentelemetry::Value;
use opentelemetry::trace::{Event, TraceState};
use opentelemetry_sdk::trace::SpanData;

/// Estimated request size above which a batch is split: 3 MiB, leaving a quarter of the common
/// 4 MiB limit for the resource, the scope and the estimate's own error.
pub(crate) const MAX_REQUEST_BYTES: usize = 3 * 1024 * 1024;

/// Requests estimated below this size are not split again when a receiver says "too large",
/// and are not copied in case it does: no common receiver refuses a request this small (gRPC
/// servers take 4 MiB, nginx's default body limit is 1 MiB, the Collector's HTTP receiver 20
/// MiB), and the copy cost every default batch of 512 small spans about a tenth of its export
/// CPU (measured with callgrind, bench `throughput`).
pub(crate) const SPLIT_FLOOR_BYTES: usize = 1024 * 1024;

/// An upper estimate of one span's protobuf size.
pub(crate) fn estimate_span(span: &SpanData) -> usize {
    // Ids, timestamps, kind, flags, status and framing.
    const FIXED: usize = 96;
    FIXED
        + span.name.len()
        + trace_state_size(span.span_context.trace_state())
        + attributes_size(&span.attributes)
        + span.events.iter().map(event_size).sum::<usize>()
        + span
            .links
            .iter()
            .map(|link| {
                48 + trace_state_size(link.span_context.trace_state())
                    + attributes_size(&link.attributes)
            })
            .sum::<usize>()
        + match &span.status {
            opentelemetry::trace::Status::Error { description } => description.len(),
            _ => 0,
        }
}

pub(crate) fn estimate_batch(batch: &[SpanData]) -> usize {
    batch.iter().map(estimate_span).sum()
}

/// The header's length; most spans have no trace state, and building the header allocates.
fn trace_state_size(state: &TraceState) -> usize {
    if *state == TraceState::NONE {
        0
    } else {
        state.header().len()
    }
}

fn event_size(event: &Event) -> usize {
    24 + event.name.len() + attributes_size(&event.attributes)
}

fn attributes_size(attributes: &[opentelemetry::KeyValue]) -> usize {
    attributes
        .iter()
        // Key, value and three levels of tag + length framing.
        .map(|kv| 16 + kv.key.as_str().len() + value_size(&kv.value))
        .sum()
}

fn value_size(value: &Value) -> usize {
    match value {
        Value::String(s) => s.as_str().len(),
        Value::Array(array) => {
            use opentelemetry::Array;
            match array {
                Array::String(items) => items.iter().map(|s| 4 + s.as_str().len()).sum(),
                Array::Bool(items) => items.len() * 4,
                Array::I64(items) => items.len() * 12,
                Array::F64(items) => items.len() * 12,
                _ => 64,
            }
        }
        _ => 12,
    }
}

/// Cuts `batch` into consecutive requests of at most `max_bytes` (estimated) each, keeping the
/// spans' order; each request holds at least one span. Returns each request with its estimate.
pub(crate) fn into_requests(batch: Vec<SpanData>, max_bytes: usize) -> Vec<(Vec<SpanData>, usize)> {
    let sizes: Vec<usize> = batch.iter().map(estimate_span).collect();
    let total: usize = sizes.iter().sum();
    if total <= max_bytes {
        return vec![(batch, total)];
    }
    let mut requests = Vec::new();
    let mut current = Vec::new();
    let mut current_size = 0;
    for (span, size) in batch.into_iter().zip(sizes) {
        if !current.is_empty() && current_size + size > max_bytes {
            requests.push((std::mem::take(&mut current), current_size));
            current_size = 0;
        }
        current.push(span);
        current_size += size;
    }
    if !current.is_empty() {
        requests.push((current, current_size));
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::KeyValue;
    use opentelemetry::trace::{Span as _, Tracer, TracerProvider};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

    fn spans(values: &[usize]) -> Vec<SpanData> {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        let tracer = provider.tracer("t");
        for (i, len) in values.iter().enumerate() {
            let mut span = tracer.start(format!("s{i}"));
            span.set_attribute(KeyValue::new("v", "x".repeat(*len)));
            span.end();
        }
        exporter.get_finished_spans().unwrap()
    }

    #[test]
    fn the_estimate_covers_the_values() {
        let batch = spans(&[1000]);
        let size = estimate_span(&batch[0]);
        assert!((1000..1300).contains(&size), "{size}");
    }

    /// An untrusted `tracestate` (up to 512 bytes after the W3C cut) travels with the span and
    /// with each link, so the estimate counts it in both places.
    #[test]
    fn the_estimate_counts_trace_states() {
        use opentelemetry::trace::{Link, SpanContext, SpanId, TraceFlags, TraceId, TraceState};
        let state =
            TraceState::from_key_value((0..20).map(|i| (format!("vendor{i}"), "v".repeat(16))))
                .unwrap();
        let context = |state: TraceState| {
            SpanContext::new(
                TraceId::from(1),
                SpanId::from(1),
                TraceFlags::SAMPLED,
                true,
                state,
            )
        };
        let plain = spans(&[10]).remove(0);
        let mut stated = plain.clone();
        stated.span_context = context(state.clone());
        stated
            .links
            .links
            .push(Link::new(context(state.clone()), vec![], 0));
        let mut linked = plain.clone();
        linked
            .links
            .links
            .push(Link::new(context(TraceState::default()), vec![], 0));
        let len = state.header().len();
        assert!(len > 400, "{len}");
        assert_eq!(estimate_span(&stated), estimate_span(&linked) + 2 * len);
    }

    #[test]
    fn a_small_batch_stays_one_request() {
        let requests = into_requests(spans(&[10, 10, 10]), MAX_REQUEST_BYTES);
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].0.len(), 3);
    }

    #[test]
    fn a_large_batch_is_cut_in_order_and_an_oversized_span_travels_alone() {
        let requests = into_requests(spans(&[300, 300, 300, 5000, 300]), 1000);
        let names: Vec<Vec<String>> = requests
            .iter()
            .map(|(spans, _)| spans.iter().map(|s| s.name.to_string()).collect())
            .collect();
        assert_eq!(
            names,
            [vec!["s0", "s1"], vec!["s2"], vec!["s3"], vec!["s4"]]
        );
        assert!(requests.iter().all(|(_, size)| *size > 0));
    }
}
