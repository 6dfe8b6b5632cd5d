//! Finished spans from every source (the in-process SDK exporter, the OTLP receiver, the Python
//! SDK's JSON dump) in one shape, and the canonical tree the tests compare.

use std::collections::{BTreeMap, HashMap};

use iftracer::opentelemetry::trace::{SpanKind, Status};
use iftracer::opentelemetry_sdk::trace::SpanData;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as ProtoValue;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct SpanRec {
    pub name: String,
    /// `CLIENT`, `SERVER`, `INTERNAL`, `PRODUCER` or `CONSUMER`.
    pub kind: String,
    pub trace_id: String,
    pub span_id: String,
    pub parent_id: Option<String>,
    pub links: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    /// `UNSET`, `OK` or `ERROR`.
    pub status: String,
    /// The status description (set with `ERROR`).
    #[serde(default)]
    pub status_text: String,
    pub events: Vec<String>,
    pub start_ns: u64,
    pub end_ns: u64,
}

impl SpanRec {
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }

    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

fn nanos(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

pub fn from_sdk(span: &SpanData) -> SpanRec {
    let parent = span.parent_span_id;
    SpanRec {
        name: span.name.to_string(),
        kind: match span.span_kind {
            SpanKind::Client => "CLIENT",
            SpanKind::Server => "SERVER",
            SpanKind::Producer => "PRODUCER",
            SpanKind::Consumer => "CONSUMER",
            SpanKind::Internal => "INTERNAL",
        }
        .to_owned(),
        trace_id: span.span_context.trace_id().to_string(),
        span_id: span.span_context.span_id().to_string(),
        parent_id: (parent != iftracer::opentelemetry::trace::SpanId::INVALID)
            .then(|| parent.to_string()),
        links: span
            .links
            .iter()
            .map(|l| l.span_context.span_id().to_string())
            .collect(),
        attributes: span
            .attributes
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.to_string()))
            .collect(),
        status: match &span.status {
            Status::Unset => "UNSET",
            Status::Ok => "OK",
            Status::Error { .. } => "ERROR",
        }
        .to_owned(),
        status_text: match &span.status {
            Status::Error { description } => description.to_string(),
            _ => String::new(),
        },
        events: span.events.iter().map(|e| e.name.to_string()).collect(),
        start_ns: nanos(span.start_time),
        end_ns: nanos(span.end_time),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn proto_value(value: Option<&ProtoValue>) -> String {
    match value {
        Some(ProtoValue::StringValue(s)) => s.clone(),
        Some(ProtoValue::BoolValue(b)) => b.to_string(),
        Some(ProtoValue::IntValue(i)) => i.to_string(),
        Some(ProtoValue::DoubleValue(d)) => d.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

pub fn from_otlp(request: &ExportTraceServiceRequest) -> Vec<SpanRec> {
    let spans = request
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans);
    spans
        .map(|span| SpanRec {
            name: span.name.clone(),
            kind: match span.kind {
                2 => "SERVER",
                3 => "CLIENT",
                4 => "PRODUCER",
                5 => "CONSUMER",
                _ => "INTERNAL",
            }
            .to_owned(),
            trace_id: hex(&span.trace_id),
            span_id: hex(&span.span_id),
            parent_id: (!span.parent_span_id.is_empty()).then(|| hex(&span.parent_span_id)),
            links: span.links.iter().map(|l| hex(&l.span_id)).collect(),
            attributes: span
                .attributes
                .iter()
                .map(|kv| {
                    let value = kv.value.as_ref().and_then(|v| v.value.as_ref());
                    (kv.key.clone(), proto_value(value))
                })
                .collect(),
            status: match span.status.as_ref().map(|s| s.code) {
                Some(1) => "OK",
                Some(2) => "ERROR",
                _ => "UNSET",
            }
            .to_owned(),
            status_text: span
                .status
                .as_ref()
                .map(|s| s.message.clone())
                .unwrap_or_default(),
            events: span.events.iter().map(|e| e.name.clone()).collect(),
            start_ns: span.start_time_unix_nano,
            end_ns: span.end_time_unix_nano,
        })
        .collect()
}

pub fn from_python_json(json: &str) -> Result<Vec<SpanRec>, String> {
    let line = json
        .lines()
        .rev()
        .find(|l| l.starts_with('['))
        .unwrap_or("");
    serde_json::from_str(line).map_err(|e| format!("bad span JSON from Python ({e}): {json}"))
}

/// The spans of `trace_id`.
pub fn of_trace(spans: &[SpanRec], trace_id: &str) -> Vec<SpanRec> {
    spans
        .iter()
        .filter(|s| s.trace_id == trace_id)
        .cloned()
        .collect()
}

/// The trace as an indented tree, one span per line, `name [KIND]`, ` ERROR "description"` for
/// a span with status Error, plus `(links: …)` by linked span name. Siblings are sorted, so equal traces render equally whatever the timing.
pub fn tree(spans: &[SpanRec]) -> String {
    let by_id: HashMap<&str, &SpanRec> = spans.iter().map(|s| (s.span_id.as_str(), s)).collect();
    let mut children: HashMap<Option<&str>, Vec<&SpanRec>> = HashMap::new();
    for span in spans {
        let parent = span.parent_id.as_deref().filter(|p| by_id.contains_key(p));
        children.entry(parent).or_default().push(span);
    }
    fn render(
        span: &SpanRec,
        depth: usize,
        by_id: &HashMap<&str, &SpanRec>,
        children: &HashMap<Option<&str>, Vec<&SpanRec>>,
    ) -> String {
        let mut line = format!("{}{} [{}]", "  ".repeat(depth), span.name, span.kind);
        if span.status == "ERROR" {
            line.push_str(&format!(" ERROR {:?}", span.status_text));
        }
        if !span.links.is_empty() {
            let names: Vec<&str> = span
                .links
                .iter()
                .map(|l| by_id.get(l.as_str()).map_or("?", |s| s.name.as_str()))
                .collect();
            line.push_str(&format!(" (links: {})", names.join(", ")));
        }
        let mut kids: Vec<String> = children
            .get(&Some(span.span_id.as_str()))
            .map(|kids| {
                kids.iter()
                    .map(|k| render(k, depth + 1, by_id, children))
                    .collect()
            })
            .unwrap_or_default();
        kids.sort();
        std::iter::once(line)
            .chain(kids)
            .collect::<Vec<_>>()
            .join("\n")
    }
    let mut roots: Vec<String> = children
        .get(&None)
        .map(|roots| {
            roots
                .iter()
                .map(|r| render(r, 0, &by_id, &children))
                .collect()
        })
        .unwrap_or_default();
    roots.sort();
    roots.join("\n")
}

/// Spans named `name`.
pub fn named<'a>(spans: &'a [SpanRec], name: &str) -> Vec<&'a SpanRec> {
    spans.iter().filter(|s| s.name == name).collect()
}
