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

/// Values no exported span may hold: each is passed to an argument whose name says secret.
const SECRETS: &[&str] = &[
    "pw-db-0001",
    "cs-client-0002",
    "tk-auth-0003",
    "ak-openai-0004",
    "ak-plain-0005",
    "basic-authz-0006",
    "cred-0007",
    "cookie-0008",
    "pk-0009",
];

#[iftracer::workflow]
fn deploy(service: &str, db_password: &str, client_secret: String) -> usize {
    service.len() + db_password.len() + client_secret.len()
}

#[iftracer::task]
fn call_api(url: &str, auth_token: &str, api_key: &str, apikey: &str, max_tokens: u32) -> u32 {
    (url.len() + auth_token.len() + api_key.len() + apikey.len()) as u32 + max_tokens
}

#[iftracer::agent]
async fn browse(page: u8, authorization: String, credential: String, cookie: String) -> u8 {
    page + (authorization.len() + credential.len() + cookie.len()) as u8
}

#[iftracer::tool(capture(token))]
fn sign(key: &str, token: &str, key_name: &str) -> usize {
    key.len() + token.len() + key_name.len()
}

#[tokio::test]
async fn arguments_named_secret_never_reach_the_exporter_unless_listed() {
    let harness = Harness::new();
    deploy("billing", SECRETS[0], SECRETS[1].to_owned());
    call_api(
        "https://api.example",
        SECRETS[2],
        SECRETS[3],
        SECRETS[4],
        256,
    );
    browse(
        2,
        SECRETS[5].to_owned(),
        SECRETS[6].to_owned(),
        SECRETS[7].to_owned(),
    )
    .await;
    sign(SECRETS[8], "public-page-token", "signing");

    // What a name leaves out is never serialised, so no processor or exporter can see it.
    let exported = format!("{:?}", harness.spans());
    for secret in SECRETS {
        assert!(!exported.contains(secret), "{secret} was exported");
    }
    // Compared as JSON: key order follows serde_json's features, which other crates of a
    // build may change.
    let input =
        |span: &str| attr(&harness.span(span), "iftracer.entity.input").map(|text| json(&text));
    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }
    assert_eq!(
        input("deploy.workflow"),
        Some(json(r#"{"service":"billing"}"#))
    );
    assert_eq!(
        input("call_api.task"),
        Some(json(r#"{"max_tokens":256,"url":"https://api.example"}"#))
    );
    assert_eq!(input("browse.agent"), Some(json(r#"{"page":2}"#)));
    // `capture(token)` keeps `token`; `key_name` names a key without being one.
    assert_eq!(
        input("sign.tool"),
        Some(json(
            r#"{"key_name":"signing","token":"public-page-token"}"#
        ))
    );
}

/// Counts its serialisations.
struct Counted;

static SERIALISED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl serde::Serialize for Counted {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SERIALISED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        serializer.serialize_u8(1)
    }
}

#[task]
fn counted(input: &Counted) -> Counted {
    let _ = input;
    Counted
}

#[iftracer::workflow]
async fn counted_async(input: Counted) -> Result<Counted, std::io::Error> {
    let _ = input;
    Ok(Counted)
}

fn serialised() -> usize {
    SERIALISED.swap(0, std::sync::atomic::Ordering::SeqCst)
}

#[tokio::test]
async fn only_recording_spans_serialise_arguments_and_results() {
    // Sampled out: the span records nothing, so nothing is serialised for it.
    let harness = Harness::with(|b| b.sampler(iftracer::Sampler::AlwaysOff));
    serialised();
    counted(&Counted);
    counted_async(Counted).await.unwrap();
    assert_eq!(serialised(), 0);
    assert!(harness.spans().is_empty());
    drop(harness);

    // Content capture off: nothing either.
    let harness = Harness::with(|b| b.capture_content(false));
    counted(&Counted);
    counted_async(Counted).await.unwrap();
    assert_eq!(serialised(), 0);
    assert_eq!(harness.spans().len(), 2);
    drop(harness);

    // Recorded: each argument and each result once, written as the attribute's JSON text.
    let harness = Harness::new();
    counted(&Counted);
    counted_async(Counted).await.unwrap();
    assert_eq!(serialised(), 4);
    for span in ["counted.task", "counted_async.workflow"] {
        let span = harness.span(span);
        assert_eq!(
            attr(&span, "iftracer.entity.input").as_deref(),
            Some(r#"{"input":1}"#)
        );
        assert_eq!(attr(&span, "iftracer.entity.output").as_deref(), Some("1"));
    }
}

#[task]
fn inner_value(n: u32) -> u32 {
    n + 1
}

#[task]
fn outer_value(n: u32) -> u32 {
    inner_value(n) * 10
}

#[task]
async fn outer_value_async(n: u32) -> u32 {
    inner_value(n) * 100
}

/// Returns with another context left attached (its guard forgotten).
#[task]
fn leaves_a_context_attached(n: u32) -> u32 {
    std::mem::forget(iftracer::opentelemetry::Context::new().attach());
    n
}

#[tokio::test]
async fn each_output_lands_on_its_own_span() {
    let harness = Harness::new();
    assert_eq!(outer_value(1), 20);
    assert_eq!(outer_value_async(2).await, 300);
    let outputs: Vec<(String, Option<String>)> = harness
        .spans()
        .iter()
        .map(|span| (span.name.to_string(), attr(span, "iftracer.entity.output")))
        .collect();
    let expected = [
        ("inner_value.task", Some("2")),
        ("outer_value.task", Some("20")),
        ("inner_value.task", Some("3")),
        ("outer_value_async.task", Some("300")),
    ];
    let expected: Vec<(String, Option<String>)> = expected
        .iter()
        .map(|(name, output)| ((*name).to_owned(), output.map(str::to_owned)))
        .collect();
    assert_eq!(outputs, expected);
}

/// The same, async: the output is recorded where the entity's span is current.
#[task]
async fn leaves_a_context_attached_async(n: u32) -> u32 {
    std::mem::forget(iftracer::opentelemetry::Context::new().attach());
    n
}

/// A body that leaves another context attached never gets its output put on another span: a
/// sync function records it on its own span, which its guard holds; an async one records it
/// where its span is current, so there it is lost.
#[tokio::test(flavor = "current_thread")]
async fn an_output_never_lands_on_another_span() {
    let harness = Harness::new();
    assert_eq!(leaves_a_context_attached(7), 7);
    assert_eq!(leaves_a_context_attached_async(8).await, 8);
    let spans = harness.spans();
    assert_eq!(spans.len(), 2, "{spans:?}");
    let recorded: Vec<_> = spans
        .iter()
        .map(|span| {
            (
                span.name.to_string(),
                attr(span, "iftracer.entity.input"),
                attr(span, "iftracer.entity.output"),
            )
        })
        .collect();
    assert_eq!(
        recorded,
        [
            (
                "leaves_a_context_attached.task".to_owned(),
                Some(r#"{"n":7}"#.to_owned()),
                Some("7".to_owned())
            ),
            (
                "leaves_a_context_attached_async.task".to_owned(),
                Some(r#"{"n":8}"#.to_owned()),
                None
            ),
        ]
    );
}
