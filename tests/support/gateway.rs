//! InsightFinder's trace gateway, as its public source documents it
//! (`../shared/reference/insightfinder-gateway.md`), applied to what a receiver got: which LLM
//! prompt/response pairs it would extract, with which user and session.
//!
//! - every request must carry `ifuser`, `iflicensekey`, `ifproject` and `ifsystem` (without
//!   them the gateway answers OK and drops the spans);
//! - a pair comes only from a span of kind INTERNAL carrying non-empty *string* `chat.prompt`
//!   and `chat.response`; pairs with the same response are one (the longer span wins);
//! - the first non-empty string `x-username` / `x-session-id` of a trace (by start time)
//!   applies to each of its pairs;
//! - a trace needs a root (a span without a parent) or it sends no payload;
//! - the gateway overwrites `prompt_response`, `prompt_tokens`, `response_tokens`,
//!   `total_tokens`, `unsuccessful_response`: nothing may set them.

use std::collections::BTreeMap;

use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;

use super::Received;

const CREDENTIALS: [&str; 4] = ["ifuser", "iflicensekey", "ifproject", "ifsystem"];
const RESERVED: [&str; 5] = [
    "prompt_response",
    "prompt_tokens",
    "response_tokens",
    "total_tokens",
    "unsuccessful_response",
];
const TEXT_KEYS: [&str; 4] = ["chat.prompt", "chat.response", "x-username", "x-session-id"];

/// One prompt/response pair as the gateway would store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub trace_id: Vec<u8>,
    pub span_name: String,
    pub prompt: String,
    pub response: String,
    pub user: Option<String>,
    pub session: Option<String>,
}

/// What the gateway would make of a set of export requests.
#[derive(Debug, Default)]
pub struct GatewayView {
    /// In the order of their spans' start times.
    pub pairs: Vec<Pair>,
    /// Trace id → its spans, across requests.
    pub traces: BTreeMap<Vec<u8>, Vec<Span>>,
}

impl GatewayView {
    /// The pairs' (prompt, response) texts.
    pub fn texts(&self) -> Vec<(&str, &str)> {
        self.pairs
            .iter()
            .map(|p| (p.prompt.as_str(), p.response.as_str()))
            .collect()
    }
}

fn text<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            Value::StringValue(s) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        }
    })
}

/// Applies the gateway's rules; `Err` names the first rule broken.
pub fn read(received: &[Received]) -> Result<GatewayView, String> {
    let mut view = GatewayView::default();
    if received.is_empty() {
        return Err("no export request arrived".to_owned());
    }
    for request in received {
        for header in CREDENTIALS {
            if request.header(header).is_none_or(str::is_empty) {
                return Err(format!(
                    "a request lacks `{header}`: the gateway drops its spans silently"
                ));
            }
        }
        let spans = request
            .request
            .resource_spans
            .iter()
            .flat_map(|rs| &rs.scope_spans)
            .flat_map(|ss| &ss.spans);
        for span in spans {
            for kv in &span.attributes {
                if RESERVED.contains(&kv.key.as_str()) {
                    return Err(format!(
                        "span {:?} sets `{}`, a name the gateway overwrites",
                        span.name, kv.key
                    ));
                }
                let is_text = matches!(
                    kv.value.as_ref().and_then(|v| v.value.as_ref()),
                    Some(Value::StringValue(_))
                );
                if TEXT_KEYS.contains(&kv.key.as_str()) && !is_text {
                    return Err(format!(
                        "span {:?} has a non-string `{}`: the gateway reads only text",
                        span.name, kv.key
                    ));
                }
            }
            view.traces
                .entry(span.trace_id.clone())
                .or_default()
                .push(span.clone());
        }
    }
    // (start time, duration, pair): traces are visited by id, pairs are reported by start time.
    let mut pairs: Vec<(u64, u64, Pair)> = Vec::new();
    for (trace_id, spans) in &mut view.traces {
        spans.sort_by_key(|s| s.start_time_unix_nano);
        if !spans.iter().any(|s| s.parent_span_id.is_empty()) {
            return Err(format!(
                "trace {} has no root span, so the gateway sends no trace payload; spans: {:?}",
                hex(trace_id),
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            ));
        }
        let first = |key: &str| {
            spans
                .iter()
                .find_map(|s| text(&s.attributes, key))
                .map(str::to_owned)
        };
        let (user, session) = (first("x-username"), first("x-session-id"));
        for span in spans.iter() {
            if span.kind != SpanKind::Internal as i32 {
                continue;
            }
            let (Some(prompt), Some(response)) = (
                text(&span.attributes, "chat.prompt"),
                text(&span.attributes, "chat.response"),
            ) else {
                continue;
            };
            let pair = Pair {
                trace_id: trace_id.clone(),
                span_name: span.name.clone(),
                prompt: prompt.to_owned(),
                response: response.to_owned(),
                user: user.clone(),
                session: session.clone(),
            };
            let duration = span
                .end_time_unix_nano
                .saturating_sub(span.start_time_unix_nano);
            pairs.push((span.start_time_unix_nano, duration, pair));
        }
    }
    // One pair per response text, as the gateway keys them by its md5, from the longer span.
    let mut kept: Vec<(u64, u64, Pair)> = Vec::new();
    for (start, duration, pair) in pairs {
        match kept
            .iter_mut()
            .find(|(_, _, p)| p.response == pair.response)
        {
            Some(existing) if existing.1 < duration => *existing = (start, duration, pair),
            Some(_) => {}
            None => kept.push((start, duration, pair)),
        }
    }
    kept.sort_by_key(|(start, _, _)| *start);
    view.pairs = kept.into_iter().map(|(_, _, pair)| pair).collect();
    Ok(view)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The environment of a program exporting to `endpoint` as an InsightFinder destination.
pub fn insightfinder_env(endpoint: &str) -> [(&'static str, String); 5] {
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.to_owned()),
        ("INSIGHTFINDER_USER", "if-user".to_owned()),
        ("INSIGHTFINDER_LICENSE_KEY", "if-license".to_owned()),
        ("INSIGHTFINDER_PROJECT_NAME", "if-project".to_owned()),
        ("INSIGHTFINDER_SYSTEM_NAME", "if-system".to_owned()),
    ]
}
