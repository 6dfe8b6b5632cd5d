//! What InsightFinder's trace gateway needs to see an LLM call: string `chat.prompt` and
//! `chat.response` on one INTERNAL span. A span of another kind that carries them (a Temporal
//! `RunActivity` SERVER span, a CLIENT span of the GenAI conventions, a `tracing` span with
//! `otel.kind`) hands them to an INTERNAL child made at export, so each call gives one pair.

use std::borrow::Cow;

use opentelemetry::trace::{SpanContext, SpanKind, Status};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator, SpanData, SpanEvents, SpanLinks};

use crate::attributes::{general, insightfinder};

/// Attributes the gateway reads as text; any other type would be ignored by it.
const STRING_KEYS: [&str; 4] = [
    insightfinder::CHAT_PROMPT,
    insightfinder::CHAT_RESPONSE,
    insightfinder::USERNAME,
    insightfinder::SESSION_ID,
];

/// What the pair span takes from its parent (the parent keeps everything else).
const MOVED: [&str; 6] = [
    insightfinder::CHAT_PROMPT,
    insightfinder::CHAT_RESPONSE,
    insightfinder::CHAT_MODEL,
    insightfinder::CHAT_PROMPT_TOKENS,
    insightfinder::CHAT_COMPLETION_TOKENS,
    insightfinder::CHAT_TOTAL_TOKENS,
];

/// What the pair span repeats from its parent: who, which session, whether it failed.
const COPIED: [&str; 4] = [
    insightfinder::USERNAME,
    insightfinder::SESSION_ID,
    insightfinder::ERROR,
    general::ERROR_TYPE,
];

/// Turns non-string values of the keys the gateway reads as text into text.
pub(crate) fn stringify_gateway_keys(attributes: &mut [KeyValue]) {
    for kv in attributes.iter_mut() {
        if !matches!(kv.value, Value::String(_)) && STRING_KEYS.contains(&kv.key.as_str()) {
            kv.value = Value::String(kv.value.to_string().into());
        }
    }
}

fn non_empty_text(span: &SpanData, key: &str) -> bool {
    span.attributes.iter().any(|kv| {
        kv.key.as_str() == key && matches!(&kv.value, Value::String(s) if !s.as_str().is_empty())
    })
}

/// When `span` is not INTERNAL and carries a prompt/response pair, moves the pair to a new
/// INTERNAL child span covering the same time, and returns that child.
pub(crate) fn split_pair(span: &mut SpanData) -> Option<SpanData> {
    if span.span_kind == SpanKind::Internal
        || !non_empty_text(span, insightfinder::CHAT_PROMPT)
        || !non_empty_text(span, insightfinder::CHAT_RESPONSE)
    {
        return None;
    }
    let mut attributes = Vec::with_capacity(MOVED.len() + COPIED.len() + 1);
    span.attributes.retain(|kv| {
        if MOVED.contains(&kv.key.as_str()) {
            attributes.push(kv.clone());
            return false;
        }
        if COPIED.contains(&kv.key.as_str()) {
            attributes.push(kv.clone());
        }
        true
    });
    attributes.push(KeyValue::new(insightfinder::SPAN_KIND, "internal"));
    let model = attributes.iter().find_map(|kv| match &kv.value {
        Value::String(model) if kv.key.as_str() == insightfinder::CHAT_MODEL => {
            Some(model.as_str().to_owned())
        }
        _ => None,
    });
    let name: Cow<'static, str> = match model {
        Some(model) if !model.is_empty() => format!("chat {model}").into(),
        _ => "chat".into(),
    };
    let parent = &span.span_context;
    let span_context = SpanContext::new(
        parent.trace_id(),
        RandomIdGenerator::default().new_span_id(),
        parent.trace_flags(),
        false,
        parent.trace_state().clone(),
    );
    let status = match &span.status {
        Status::Error { description } => Status::Error {
            description: description.clone(),
        },
        _ => Status::Unset,
    };
    Some(SpanData {
        span_context,
        parent_span_id: parent.span_id(),
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name,
        start_time: span.start_time,
        end_time: span.end_time,
        attributes,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status,
        instrumentation_scope: span.instrumentation_scope.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::InstrumentationScope;
    use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState};
    use std::time::{Duration, SystemTime};

    fn span(kind: SpanKind, attributes: Vec<KeyValue>) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(7),
                SpanId::from(9),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from(3),
            parent_span_is_remote: true,
            span_kind: kind,
            name: "RunActivity:llm_activity".into(),
            start_time: SystemTime::UNIX_EPOCH,
            end_time: SystemTime::UNIX_EPOCH + Duration::from_millis(40),
            attributes,
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::error("boom"),
            instrumentation_scope: InstrumentationScope::builder("t").build(),
        }
    }

    fn find<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    #[test]
    fn a_server_span_hands_its_pair_to_an_internal_child() {
        let mut parent = span(
            SpanKind::Server,
            vec![
                KeyValue::new("chat.prompt", "Summarise"),
                KeyValue::new("chat.response", "Done"),
                KeyValue::new("chat.model", "gpt-4o"),
                KeyValue::new("chat.total_tokens", 12),
                KeyValue::new("x-session-id", "wf-1"),
                KeyValue::new("temporalWorkflowID", "wf-1"),
            ],
        );
        let child = split_pair(&mut parent).expect("a pair span");
        assert_eq!(child.span_kind, SpanKind::Internal);
        assert_eq!(child.name, "chat gpt-4o");
        assert_eq!(child.parent_span_id, SpanId::from(9));
        assert_eq!(child.span_context.trace_id(), TraceId::from(7));
        assert_ne!(child.span_context.span_id(), SpanId::from(9));
        assert_eq!(
            (child.start_time, child.end_time),
            (parent.start_time, parent.end_time)
        );
        assert_eq!(child.status, Status::error("boom"));
        assert_eq!(find(&child, "chat.prompt"), Some(&Value::from("Summarise")));
        assert_eq!(find(&child, "chat.total_tokens"), Some(&Value::I64(12)));
        assert_eq!(find(&child, "x-session-id"), Some(&Value::from("wf-1")));
        assert_eq!(find(&child, "span.kind"), Some(&Value::from("internal")));
        assert_eq!(find(&child, "temporalWorkflowID"), None);
        // The parent keeps its own attributes and the session, not the pair.
        assert_eq!(find(&parent, "chat.prompt"), None);
        assert_eq!(find(&parent, "chat.model"), None);
        assert_eq!(find(&parent, "x-session-id"), Some(&Value::from("wf-1")));
        assert_eq!(
            find(&parent, "temporalWorkflowID"),
            Some(&Value::from("wf-1"))
        );
    }

    #[test]
    fn internal_spans_and_half_pairs_stay_as_they_are() {
        let pair = || {
            vec![
                KeyValue::new("chat.prompt", "p"),
                KeyValue::new("chat.response", "r"),
            ]
        };
        assert!(split_pair(&mut span(SpanKind::Internal, pair())).is_none());
        let half = vec![KeyValue::new("chat.prompt", "p")];
        assert!(split_pair(&mut span(SpanKind::Client, half)).is_none());
        let empty = vec![
            KeyValue::new("chat.prompt", "p"),
            KeyValue::new("chat.response", ""),
        ];
        assert!(split_pair(&mut span(SpanKind::Client, empty)).is_none());
        let mut unnamed = span(SpanKind::Client, pair());
        assert_eq!(split_pair(&mut unnamed).unwrap().name, "chat");
    }

    #[test]
    fn gateway_keys_become_text() {
        let mut attributes = vec![
            KeyValue::new("x-session-id", 42),
            KeyValue::new("x-username", true),
            KeyValue::new("chat.prompt_tokens", 5),
        ];
        stringify_gateway_keys(&mut attributes);
        assert_eq!(attributes[0].value, Value::from("42"));
        assert_eq!(attributes[1].value, Value::from("true"));
        assert_eq!(attributes[2].value, Value::I64(5));
    }
}
