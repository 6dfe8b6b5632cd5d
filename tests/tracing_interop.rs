//! Spans from `tracing`-instrumented code and iftracer's own spans nest in one trace, both ways,
//! sync and async, with fields as attributes and iftracer's processing applied to them.
//! (Needs the `tracing` feature of iftracer, which this package's dev-dependency enables.)

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use iftracer::opentelemetry::context::FutureExt;
use iftracer::opentelemetry::trace::{SpanKind, Status};
use iftracer::opentelemetry::{Context, Value};
use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use iftracer::privacy::Detector;
use iftracer::{
    AssociationsExt, ExportMode, Iftracer, IftracerBuilder, TracerGuard, task, workflow,
};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

static LOCK: Mutex<()> = Mutex::new(());

/// A global pipeline (the macros use the global provider) and, for this thread, a `tracing`
/// subscriber with iftracer's layer.
fn pipeline(
    configure: impl FnOnce(IftracerBuilder) -> IftracerBuilder,
) -> (MutexGuard<'static, ()>, InMemorySpanExporter, TracerGuard) {
    let lock = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let exporter = InMemorySpanExporter::default();
    let builder = Iftracer::builder()
        .ignore_env()
        .tracing_subscriber(false)
        .exporter(exporter.clone())
        .export_mode(ExportMode::Simple);
    let guard = configure(builder).init().unwrap();
    (lock, exporter, guard)
}

fn with_layer<R>(guard: &TracerGuard, f: impl FnOnce() -> R) -> R {
    let subscriber = tracing_subscriber::registry().with(guard.tracing_layer());
    tracing::subscriber::with_default(subscriber, f)
}

fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no {name:?} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

fn attrs(span: &SpanData) -> BTreeMap<String, Value> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

fn is_child(child: &SpanData, parent: &SpanData) {
    assert_eq!(
        child.parent_span_id,
        parent.span_context.span_id(),
        "{} is not a child of {}",
        child.name,
        parent.name
    );
    assert_eq!(
        child.span_context.trace_id(),
        parent.span_context.trace_id()
    );
}

#[tracing::instrument]
fn fetch_page(url: &str, retries: u32) -> usize {
    tracing::info!(bytes = 1024, "fetched");
    url.len() + retries as usize
}

#[task]
fn research_step() -> usize {
    fetch_page("https://example.com", 2)
}

#[tracing::instrument]
fn library_entry() -> u32 {
    iftracer_step(1)
}

#[task]
fn iftracer_step(n: u32) -> u32 {
    n + 1
}

#[test]
fn sync_spans_nest_both_ways_and_fields_become_attributes() {
    let (_lock, exporter, guard) = pipeline(|b| b);
    with_layer(&guard, || {
        research_step();
        library_entry();
    });
    let spans = exporter.get_finished_spans().unwrap();
    let fetch = span(&spans, "fetch_page");
    is_child(fetch, span(&spans, "research_step.task"));
    let fields = attrs(fetch);
    assert_eq!(fields["url"], Value::from("https://example.com"));
    // `#[tracing::instrument]` records arguments with `Debug`; typed fields stay typed (below).
    assert_eq!(fields["retries"], Value::from("2"));
    let event = fetch.events.iter().next().expect("the tracing event");
    assert_eq!(event.name, "fetched");
    assert!(
        event
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "bytes" && kv.value == Value::I64(1024)),
        "{event:?}"
    );
    is_child(
        span(&spans, "iftracer_step.task"),
        span(&spans, "library_entry"),
    );
    guard.shutdown().unwrap();
}

#[tracing::instrument]
async fn traced_call(model: &'static str) -> String {
    tokio::task::yield_now().await;
    // A task spawned from a `tracing` span keeps it as parent through `tracing`'s own
    // `in_current_span`.
    let spawned = tokio::spawn(spawned_task().in_current_span());
    spawned.await.unwrap();
    nested_task().await
}

#[task]
async fn spawned_task() {
    tokio::task::yield_now().await;
}

#[task]
async fn nested_task() -> String {
    tokio::task::yield_now().await;
    "done".to_owned()
}

#[workflow]
async fn agent_run() -> String {
    let first = traced_call("gpt-4o").await;
    let spawned = tokio::spawn(
        async {
            tracing::info_span!("spawned_http_call", http.method = "POST")
                .in_scope(|| iftracer_step(7));
        }
        .with_current_context(),
    );
    spawned.await.unwrap();
    first
}

#[test]
fn async_spans_nest_both_ways_across_await_and_spawn() {
    let (_lock, exporter, guard) = pipeline(|b| b);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    with_layer(&guard, || runtime.block_on(agent_run()));
    let spans = exporter.get_finished_spans().unwrap();
    let workflow = span(&spans, "agent_run.workflow");
    let traced = span(&spans, "traced_call");
    is_child(traced, workflow);
    is_child(span(&spans, "nested_task.task"), traced);
    is_child(span(&spans, "spawned_task.task"), traced);
    let spawned = span(&spans, "spawned_http_call");
    is_child(spawned, workflow);
    is_child(span(&spans, "iftracer_step.task"), spawned);
    assert_eq!(attrs(traced)["model"], Value::from("gpt-4o"));
    guard.shutdown().unwrap();
}

#[test]
fn otel_fields_set_name_kind_and_status() {
    let (_lock, exporter, guard) = pipeline(|b| b);
    with_layer(&guard, || {
        let span = tracing::info_span!(
            "ignored",
            otel.name = "POST /v1/chat/completions",
            otel.kind = "client",
            otel.status_code = "error",
            otel.status_description = "rate limited",
            http.response.status_code = 429
        );
        span.in_scope(|| {});
    });
    let spans = exporter.get_finished_spans().unwrap();
    let call = span(&spans, "POST /v1/chat/completions");
    assert_eq!(call.span_kind, SpanKind::Client);
    assert_eq!(call.status, Status::error("rate limited"));
    assert_eq!(attrs(call)["http.response.status_code"], Value::I64(429));
    guard.shutdown().unwrap();
}

#[test]
fn context_carried_values_and_redaction_apply_to_tracing_spans() {
    let (_lock, exporter, guard) = pipeline(|b| b.redact([Detector::Email]));
    with_layer(&guard, || {
        let _session = Context::current()
            .with_user("alice")
            .with_session("chat-42")
            .attach();
        tracing::info_span!("send_mail", to = "jane.doe@example.com").in_scope(|| {});
    });
    let spans = exporter.get_finished_spans().unwrap();
    let mail = attrs(span(&spans, "send_mail"));
    assert_eq!(mail["to"], Value::from("[REDACTED:EMAIL]"));
    assert_eq!(mail["x-username"], Value::from("alice"));
    assert_eq!(mail["x-session-id"], Value::from("chat-42"));
    assert_eq!(mail["gen_ai.conversation.id"], Value::from("chat-42"));
    guard.shutdown().unwrap();
}

#[test]
fn init_installs_a_global_subscriber_once_and_then_coexists() {
    let _lock = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let exporter = InMemorySpanExporter::default();
    let guard = Iftracer::builder()
        .ignore_env()
        .exporter(exporter.clone())
        .export_mode(ExportMode::Simple)
        .init()
        .unwrap();
    assert!(guard.installed_tracing_subscriber());
    // No thread-local subscriber here: the global one carries the span. Its default level
    // filter (INFO) keeps DEBUG and TRACE spans, like those of h2 and hyper, out.
    tracing::info_span!("through_the_global_subscriber").in_scope(|| {
        tracing::debug_span!("debug_detail").in_scope(|| {});
        tracing::trace_span!("trace_detail").in_scope(|| {});
    });
    let names: Vec<_> = exporter
        .get_finished_spans()
        .unwrap()
        .into_iter()
        .map(|s| s.name.into_owned())
        .collect();
    assert_eq!(names, ["through_the_global_subscriber"]);
    guard.shutdown().unwrap();

    // A subscriber is now set, so the next init leaves it alone.
    let again = Iftracer::builder()
        .ignore_env()
        .exporter(InMemorySpanExporter::default())
        .init()
        .unwrap();
    assert!(!again.installed_tracing_subscriber());
    again.shutdown().unwrap();
}

/// A call recorded with `record_on_current()` inside a `tracing` span of kind CLIENT (as an
/// HTTP client instrumentation makes) still gives InsightFinder one INTERNAL pair span.
#[test]
fn a_call_recorded_in_a_client_tracing_span_gets_an_internal_pair_span() {
    let (_lock, exporter, guard) = pipeline(|b| b);
    with_layer(&guard, || {
        let span = tracing::info_span!("POST /v1/chat/completions", otel.kind = "client");
        span.in_scope(|| {
            iftracer::llm::LlmCall::chat("gpt-4o")
                .prompt("What is OTLP?")
                .response("A protocol.")
                .record_on_current();
        });
    });
    let spans = exporter.get_finished_spans().unwrap();
    guard.shutdown().unwrap();
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let http = span(&spans, "POST /v1/chat/completions");
    let pair = span(&spans, "chat gpt-4o");
    assert_eq!(http.span_kind, SpanKind::Client);
    assert_eq!(pair.span_kind, SpanKind::Internal);
    is_child(pair, http);
    let pair = attrs(pair);
    assert_eq!(pair["chat.prompt"], "What is OTLP?".into());
    assert_eq!(pair["chat.response"], "A protocol.".into());
    assert!(!attrs(http).contains_key("chat.prompt"));
}

/// Redaction reaches the span name (`otel.name`), event messages and the status description
/// of `tracing` spans, also with content capture off.
#[test]
fn redaction_reaches_names_events_and_status_of_tracing_spans() {
    let (_lock, exporter, guard) = pipeline(|b| b.redact([Detector::Email]).capture_content(false));
    with_layer(&guard, || {
        let span = tracing::info_span!(
            "ignored",
            otel.name = "mailbox of jane.doe@example.com",
            otel.status_code = "error",
            otel.status_description = "no quota for jane.doe@example.com"
        );
        span.in_scope(|| tracing::info!("sent to john@example.com"));
    });
    let spans = exporter.get_finished_spans().unwrap();
    guard.shutdown().unwrap();
    let mailbox = span(&spans, "mailbox of [REDACTED:EMAIL]");
    assert_eq!(
        mailbox.status,
        Status::error("no quota for [REDACTED:EMAIL]")
    );
    let events: Vec<&str> = mailbox.events.iter().map(|e| e.name.as_ref()).collect();
    assert_eq!(events, ["sent to [REDACTED:EMAIL]"]);
}
