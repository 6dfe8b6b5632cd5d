//! The privacy controls on finished spans.

use std::borrow::Cow;

use opentelemetry::trace::{Event, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use super::*;

fn span(attributes: Vec<KeyValue>, event_attributes: Vec<KeyValue>) -> SpanData {
    let mut events = SpanEvents::default();
    events.events.push(Event::new(
        "gen_ai.client.inference.operation.details",
        std::time::SystemTime::now(),
        event_attributes,
        0,
    ));
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(1),
            SpanId::from(1),
            TraceFlags::SAMPLED,
            false,
            Default::default(),
        ),
        parent_span_id: SpanId::INVALID,
        parent_span_is_remote: false,
        span_kind: SpanKind::Client,
        name: Cow::Borrowed("chat gpt-4o"),
        start_time: std::time::SystemTime::now(),
        end_time: std::time::SystemTime::now(),
        attributes,
        dropped_attributes_count: 0,
        events,
        links: SpanLinks::default(),
        status: Status::Unset,
        instrumentation_scope: InstrumentationScope::builder("test").build(),
    }
}

fn get<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

#[test]
fn content_off_removes_content_and_keeps_metadata() {
    let privacy = Privacy {
        capture_content: false,
        ..Privacy::default()
    };
    let mut data = span(
        vec![
            KeyValue::new("chat.prompt", "secret prompt"),
            KeyValue::new("gen_ai.input.messages", "[secret]"),
            KeyValue::new("chat.model", "gpt-4o"),
            KeyValue::new("chat.total_tokens", 21),
            KeyValue::new("error", "timeout"),
        ],
        vec![KeyValue::new("gen_ai.output.messages", "[secret answer]")],
    );
    privacy.apply(&mut data);
    let keys: Vec<&str> = data.attributes.iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(keys, ["chat.model", "chat.total_tokens", "error"]);
    assert!(data.events.events[0].attributes.is_empty());
}

#[test]
fn long_values_are_capped_with_a_marker_and_short_ones_are_untouched() {
    let privacy = Privacy {
        max_value_length: 8,
        ..Privacy::default()
    };
    let mut data = span(
        vec![
            KeyValue::new("chat.prompt", "0123456789"),
            KeyValue::new("chat.model", "gpt-4o"),
            KeyValue::new(
                "gen_ai.response.finish_reasons",
                Value::Array(Array::String(vec![StringValue::from("a".repeat(20))])),
            ),
        ],
        vec![],
    );
    privacy.apply(&mut data);
    assert_eq!(
        get(&data.attributes, "chat.prompt"),
        Some(&Value::from("01234567…[truncated: 10 bytes in all]"))
    );
    assert_eq!(
        get(&data.attributes, "chat.model"),
        Some(&Value::from("gpt-4o"))
    );
    assert_eq!(
        get(&data.attributes, "gen_ai.response.finish_reasons"),
        Some(&Value::Array(Array::String(vec![StringValue::from(
            "aaaaaaaa…[truncated: 20 bytes in all]"
        )])))
    );
}

#[test]
fn a_ten_megabyte_value_becomes_small() {
    let privacy = Privacy::default();
    let mut data = span(
        vec![KeyValue::new("chat.prompt", "x".repeat(10 << 20))],
        vec![],
    );
    privacy.apply(&mut data);
    let Some(Value::String(value)) = get(&data.attributes, "chat.prompt") else {
        panic!("the prompt is still there");
    };
    assert!(value.as_str().len() < DEFAULT_MAX_VALUE_LENGTH + 64);
    assert!(
        value
            .as_str()
            .ends_with("…[truncated: 10485760 bytes in all]")
    );
}

#[test]
fn ids_are_hashed_with_the_salt() {
    let privacy = Privacy {
        id_hasher: Some(IdHasher::new("salt")),
        ..Privacy::default()
    };
    let mut data = span(
        vec![
            KeyValue::new("x-username", "alice"),
            KeyValue::new("gen_ai.conversation.id", "chat-42"),
            KeyValue::new("chat.model", "gpt-4o"),
        ],
        vec![],
    );
    privacy.apply(&mut data);
    let hasher = IdHasher::new("salt");
    assert_eq!(
        get(&data.attributes, "x-username"),
        Some(&Value::from(hasher.hash("alice")))
    );
    assert_eq!(
        get(&data.attributes, "gen_ai.conversation.id"),
        Some(&Value::from(hasher.hash("chat-42")))
    );
    assert_eq!(
        get(&data.attributes, "chat.model"),
        Some(&Value::from("gpt-4o"))
    );
}

#[test]
fn custom_redaction_applies_to_attributes_and_events() {
    let privacy = Privacy {
        redactor: Redactor::new(
            &[],
            vec![(
                regex::Regex::new(r"ACME-\d{6}").unwrap(),
                "[ACCOUNT]".to_owned(),
            )],
        ),
        ..Privacy::default()
    };
    let mut data = span(
        vec![KeyValue::new("chat.prompt", "account ACME-123456 is late")],
        vec![KeyValue::new("gen_ai.input.messages", "ACME-654321")],
    );
    privacy.apply(&mut data);
    assert_eq!(
        get(&data.attributes, "chat.prompt"),
        Some(&Value::from("account [ACCOUNT] is late"))
    );
    assert_eq!(
        get(&data.events.events[0].attributes, "gen_ai.input.messages"),
        Some(&Value::from("[ACCOUNT]"))
    );
}

#[test]
fn a_secret_cut_by_the_cap_is_still_redacted() {
    let privacy = Privacy {
        max_value_length: 12,
        redactor: Redactor::new(
            &[],
            vec![(
                regex::Regex::new(r"SECRET-\d{4}").unwrap(),
                "[X]".to_owned(),
            )],
        ),
        ..Privacy::default()
    };
    let mut data = span(
        vec![KeyValue::new("chat.prompt", "hello SECRET-1234 tail")],
        vec![],
    );
    privacy.apply(&mut data);
    let Some(Value::String(value)) = get(&data.attributes, "chat.prompt") else {
        panic!("missing");
    };
    assert!(!value.as_str().contains("SECRET"), "{value}");
    assert!(value.as_str().starts_with("hello [X]"), "{value}");
}

#[test]
fn every_string_of_a_span_is_redacted_and_capped() {
    let privacy = Privacy {
        max_value_length: 64,
        redactor: Redactor::new(&Detector::ALL, Vec::new()),
        ..Privacy::default()
    };
    let mut data = span(vec![], vec![]);
    data.name = "lookup for alice@example.com".into();
    data.events.events[0].name = "user bob@example.com paid".into();
    data.status = Status::error("card 4111 1111 1111 1111 declined for carol@example.com");
    data.links.links.push(opentelemetry::trace::Link::new(
        SpanContext::new(
            TraceId::from(2),
            SpanId::from(2),
            TraceFlags::SAMPLED,
            true,
            Default::default(),
        ),
        vec![
            KeyValue::new("caller", "dave@example.com"),
            KeyValue::new(
                "tags",
                Value::Array(Array::String(vec!["erin@example.com".into()])),
            ),
        ],
        0,
    ));
    data.events.events.push(Event::new(
        "x".repeat(500),
        std::time::SystemTime::now(),
        vec![],
        0,
    ));
    privacy.apply(&mut data);
    assert_eq!(data.name, "lookup for [REDACTED:EMAIL]");
    assert_eq!(data.events.events[0].name, "user [REDACTED:EMAIL] paid");
    assert_eq!(
        data.status,
        Status::error("card [REDACTED:CARD] declined for [REDACTED:EMAIL]")
    );
    let link = &data.links.links[0].attributes;
    assert_eq!(get(link, "caller"), Some(&Value::from("[REDACTED:EMAIL]")));
    assert_eq!(
        get(link, "tags"),
        Some(&Value::Array(Array::String(vec![
            "[REDACTED:EMAIL]".into()
        ])))
    );
    let long = &data.events.events[1].name;
    assert!(
        long.starts_with(&"x".repeat(64)) && long.ends_with("…[truncated: 500 bytes in all]"),
        "{long}"
    );
}

#[test]
fn resource_values_are_redacted_but_kept() {
    let privacy = Privacy {
        redactor: Redactor::new(&Detector::ALL, Vec::new()),
        ..Privacy::default()
    };
    let mut resource = vec![
        KeyValue::new("service.name", "agent"),
        KeyValue::new("owner", "ops@example.com"),
    ];
    privacy.scrub_resource(&mut resource);
    assert_eq!(get(&resource, "service.name"), Some(&Value::from("agent")));
    assert_eq!(
        get(&resource, "owner"),
        Some(&Value::from("[REDACTED:EMAIL]"))
    );
}

#[test]
fn an_id_is_hashed_under_every_key_that_carries_it() {
    let privacy = Privacy {
        id_hasher: Some(IdHasher::new("salt")),
        ..Privacy::default()
    };
    let hashed = IdHasher::new("salt").hash("wf-42");
    let mut data = span(
        vec![
            KeyValue::new("x-session-id", "wf-42"),
            KeyValue::new("temporalWorkflowID", "wf-42"),
            KeyValue::new("order.workflow", "wf-42"),
            KeyValue::new("temporalRunID", "run-1"),
        ],
        vec![KeyValue::new("echo", "wf-42")],
    );
    privacy.apply(&mut data);
    for key in ["x-session-id", "temporalWorkflowID", "order.workflow"] {
        assert_eq!(
            get(&data.attributes, key),
            Some(&Value::from(hashed.clone())),
            "{key}"
        );
    }
    assert_eq!(
        get(&data.attributes, "temporalRunID"),
        Some(&Value::from("run-1"))
    );
    assert_eq!(
        get(&data.events.events[0].attributes, "echo"),
        Some(&Value::from(hashed.clone()))
    );
    // A workflow span carries the id without a session key: hashed all the same.
    let mut workflow = span(vec![KeyValue::new("temporalWorkflowID", "wf-42")], vec![]);
    privacy.apply(&mut workflow);
    assert_eq!(
        get(&workflow.attributes, "temporalWorkflowID"),
        Some(&Value::from(hashed))
    );
}

/// Secrets placed across the cap at every offset: redaction runs before the cut, so no start of
/// a secret is left behind, whether the secret ends before the cap, straddles it or starts at it.
#[test]
fn no_secret_straddling_the_cap_leaves_its_start_behind() {
    let pem_body: String = (0..40)
        .map(|i| format!("MIIE{i:02}QIBAAKCAQEA1cXk2abcdefghijklmnopqrstuvwxyz0123\n"))
        .collect();
    let pem = format!("-----BEGIN PRIVATE KEY-----\n{pem_body}-----END PRIVATE KEY-----");
    // (text placed, the part that must never show: 8-byte windows of it are checked)
    let secrets: Vec<(String, String)> = vec![
        (pem.clone(), pem_body.replace('\n', "")),
        ("jane.doe@example.com".into(), "jane.doe@example.com".into()),
        ("4111 1111 1111 1111".into(), "4111 1111 1111 1111".into()),
        (
            "DE89 3704 0044 0532 0130 00".into(),
            "DE89 3704 0044 0532 0130 00".into(),
        ),
        (
            "sk-proj-abc123DEF456ghi789JKL012mno".into(),
            "sk-proj-abc123DEF456ghi789JKL012mno".into(),
        ),
        ("password=Tr0ub4dor3xyzzy".into(), "Tr0ub4dor3xyzzy".into()),
        (
            "Authorization: Bearer abc123def456ghi789jkl".into(),
            "abc123def456ghi789jkl".into(),
        ),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6y"
                .into(),
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6y"
                .into(),
        ),
    ];
    let max = 64;
    let privacy = Privacy {
        max_value_length: max,
        redactor: Redactor::new(&Detector::DEFAULT, Vec::new()),
        ..Privacy::default()
    };
    let mut leaks = Vec::new();
    for (secret, sensitive) in &secrets {
        for pad in 0..max + 8 {
            let text = format!("{} {secret} tail of the value", "x".repeat(pad));
            let Some(clean) = privacy.clean(&text) else {
                leaks.push(format!("unchanged: {text:?}"));
                continue;
            };
            let shown = clean.split('…').next().unwrap_or_default();
            let sensitive = sensitive.as_bytes();
            if sensitive
                .windows(8.min(sensitive.len()))
                .any(|w| shown.contains(std::str::from_utf8(w).unwrap_or("\u{0}")))
            {
                leaks.push(format!("pad {pad}: {clean:?}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
