//! Input/output capture: Serialize arguments by name, skip lists, non-Serialize values, and the
//! content switch.

mod common;

use common::{Harness, attr};
use iftracer::task;

#[derive(serde::Serialize)]
struct Query {
    text: String,
    top_k: u8,
}

/// Not `Serialize`: skipped silently.
struct Client;

#[task]
fn ask(client: &Client, query: Query, r#type: u8) -> Vec<String> {
    let _ = client;
    vec![format!("{}:{}", query.text, query.top_k + r#type)]
}

#[task(skip(password))]
fn login(user: &str, password: &str) -> bool {
    !user.is_empty() && !password.is_empty()
}

#[task(skip_all, skip_output)]
fn secret(token: String) -> String {
    token
}

#[test]
fn serialize_arguments_are_captured_by_name_and_others_skipped() {
    let harness = Harness::new();
    ask(
        &Client,
        Query {
            text: "otlp".to_owned(),
            top_k: 3,
        },
        1,
    );
    assert!(login("alice", "hunter2"));
    assert_eq!(secret("tk_123".to_owned()), "tk_123");

    let ask = harness.span("ask.task");
    assert_eq!(
        attr(&ask, "iftracer.entity.input").as_deref(),
        Some(r#"{"query":{"text":"otlp","top_k":3},"type":1}"#)
    );
    assert_eq!(
        attr(&ask, "iftracer.entity.output").as_deref(),
        Some(r#"["otlp:4"]"#)
    );
    let login = harness.span("login.task");
    assert_eq!(
        attr(&login, "iftracer.entity.input").as_deref(),
        Some(r#"{"user":"alice"}"#)
    );
    let secret = harness.span("secret.task");
    assert!(format!("{:?}", secret.attributes).find("tk_123").is_none());
}

#[test]
fn with_content_capture_off_nothing_is_serialised() {
    let harness = Harness::with(|b| b.capture_content(false));
    ask(
        &Client,
        Query {
            text: "private".to_owned(),
            top_k: 1,
        },
        0,
    );
    let span = harness.span("ask.task");
    assert!(attr(&span, "iftracer.entity.input").is_none());
    assert!(attr(&span, "iftracer.entity.output").is_none());
}

#[test]
fn captured_values_pass_through_the_length_cap() {
    let harness = Harness::with(|b| b.max_value_length(16));
    ask(
        &Client,
        Query {
            text: "x".repeat(100),
            top_k: 1,
        },
        0,
    );
    let input = attr(&harness.span("ask.task"), "iftracer.entity.input").unwrap();
    // {"query":{"text":"x…x","top_k":1},"type":0} is 140 bytes; the cap keeps the first 16.
    assert_eq!(input, r#"{"query":{"text"…[truncated: 140 bytes in all]"#);
}
