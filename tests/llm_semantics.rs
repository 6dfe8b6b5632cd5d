//! LLM semantics and privacy end to end, with the SDK's in-memory exporter: the exact keys of
//! each vocabulary, the dedicated LLM span, context-carried values, content capture, hashing,
//! redaction and the length cap.
//!
//! The pipelines here are installed globally (the LLM span and the vocabulary switch are
//! process-wide), so the tests take turns through one lock.

use iftracer_test_support as support;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use iftracer::llm::{LlmCall, Message, Role};
use iftracer::opentelemetry::context::FutureExt;
use iftracer::opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use iftracer::opentelemetry::{Context, KeyValue, Value, global};
use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SimpleSpanProcessor, SpanData};
use iftracer::privacy::Detector;
use iftracer::{AssociationsExt, ExportMode, Iftracer, IftracerBuilder, TracerGuard, Vocabularies};

static GLOBAL_PIPELINE: Mutex<()> = Mutex::new(());

/// A global pipeline exporting each span as it ends to `exporter`.
fn pipeline(
    exporter: &InMemorySpanExporter,
    configure: impl FnOnce(IftracerBuilder) -> IftracerBuilder,
) -> (MutexGuard<'static, ()>, TracerGuard) {
    let lock = GLOBAL_PIPELINE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let builder = Iftracer::builder()
        .ignore_env()
        .exporter(exporter.clone())
        .export_mode(ExportMode::Simple);
    (lock, configure(builder).init().unwrap())
}

fn attributes(span: &SpanData) -> BTreeMap<String, Value> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

fn expected(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn only_span(exporter: &InMemorySpanExporter) -> SpanData {
    let mut spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1, "{spans:#?}");
    spans.remove(0)
}

fn a_call() -> LlmCall {
    LlmCall::chat("gpt-4o")
        .provider("openai")
        .prompt("What is OTLP?")
        .response("A protocol.")
        .response_model("gpt-4o-2024-08-06")
        .temperature(0.2)
        .max_tokens(256)
        .finish_reasons(["stop"])
        .response_id("chatcmpl-1")
        .usage(45, 120)
        .user("alice")
        .session("workflow-7f3a")
}

/// Records `a_call()` on a plain span of another instrumentation scope.
fn record_on_activity_span() {
    global::tracer("temporal").in_span("RunActivity:llm_activity", |_| {
        a_call().record_on_current();
    });
}

#[test]
fn insightfinder_vocabulary_writes_exactly_the_chat_attributes() {
    let exporter = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, |b| b.vocabularies(Vocabularies::INSIGHTFINDER));
    record_on_activity_span();
    assert_eq!(
        attributes(&only_span(&exporter)),
        expected(&[
            ("chat.prompt", "What is OTLP?".into()),
            ("chat.response", "A protocol.".into()),
            ("chat.model", "gpt-4o-2024-08-06".into()),
            ("chat.prompt_tokens", 45.into()),
            ("chat.completion_tokens", 120.into()),
            ("chat.total_tokens", 165.into()),
            ("x-username", "alice".into()),
            ("x-session-id", "workflow-7f3a".into()),
        ])
    );
    guard.shutdown().unwrap();
}

#[test]
fn genai_vocabulary_writes_exactly_the_gen_ai_attributes() {
    let exporter = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, |b| b.vocabularies(Vocabularies::GENAI));
    record_on_activity_span();
    let finish_reasons =
        Value::Array(vec![iftracer::opentelemetry::StringValue::from("stop")].into());
    assert_eq!(
        attributes(&only_span(&exporter)),
        expected(&[
            ("gen_ai.operation.name", "chat".into()),
            ("gen_ai.provider.name", "openai".into()),
            ("gen_ai.system", "openai".into()),
            ("gen_ai.request.model", "gpt-4o".into()),
            ("gen_ai.response.model", "gpt-4o-2024-08-06".into()),
            ("gen_ai.request.temperature", 0.2.into()),
            ("gen_ai.request.max_tokens", 256.into()),
            ("gen_ai.response.id", "chatcmpl-1".into()),
            ("gen_ai.response.finish_reasons", finish_reasons),
            ("gen_ai.usage.input_tokens", 45.into()),
            ("gen_ai.usage.output_tokens", 120.into()),
            (
                "gen_ai.input.messages",
                r#"[{"role":"user","parts":[{"type":"text","content":"What is OTLP?"}]}]"#.into()
            ),
            (
                "gen_ai.output.messages",
                r#"[{"role":"assistant","parts":[{"type":"text","content":"A protocol."}],"finish_reason":"stop"}]"#.into()
            ),
            ("gen_ai.conversation.id", "workflow-7f3a".into()),
            ("user.id", "alice".into()),
        ])
    );
    guard.shutdown().unwrap();
}

#[test]
fn openinference_vocabulary_writes_exactly_the_llm_attributes() {
    let exporter = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, |b| b.vocabularies(Vocabularies::OPENINFERENCE));
    record_on_activity_span();
    assert_eq!(
        attributes(&only_span(&exporter)),
        expected(&[
            ("openinference.span.kind", "LLM".into()),
            ("llm.model_name", "gpt-4o-2024-08-06".into()),
            ("llm.token_count.prompt", 45.into()),
            ("llm.token_count.completion", 120.into()),
            ("llm.token_count.total", 165.into()),
            ("input.value", "What is OTLP?".into()),
            ("output.value", "A protocol.".into()),
            ("session.id", "workflow-7f3a".into()),
            ("user.id", "alice".into()),
        ])
    );
    guard.shutdown().unwrap();
}

/// Starts `ask_llm.task` with a dedicated LLM span beneath it; returns what was exported.
fn dedicated_span(configure: impl FnOnce(IftracerBuilder) -> IftracerBuilder) -> Vec<SpanData> {
    let exporter = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, configure);
    global::tracer("app").in_span("ask_llm.task", |_| {
        let span = LlmCall::chat("gpt-4o")
            .provider("openai")
            .prompt(vec![
                Message::new(Role::System, "Be brief."),
                Message::new(Role::User, "Hi"),
            ])
            .start_span();
        span.record(&LlmCall::default().response("Hello").usage(3, 1));
        span.end();
    });
    // Simple export: every span is there (shutdown would clear the exporter).
    let spans = exporter.get_finished_spans().unwrap();
    guard.shutdown().unwrap();
    spans
}

#[test]
fn the_dedicated_span_is_an_internal_child_named_per_the_genai_convention() {
    let spans = dedicated_span(|b| b);
    assert_eq!(spans.len(), 2);
    let (llm, parent) = (&spans[0], &spans[1]);
    assert_eq!(llm.name, "chat gpt-4o");
    // InsightFinder's gateway pairs prompt and response only on INTERNAL spans.
    assert_eq!(llm.span_kind, SpanKind::Internal);
    assert_eq!(llm.parent_span_id, parent.span_context.span_id());
    let attrs = attributes(llm);
    assert_eq!(attrs.len(), llm.attributes.len(), "no key is written twice");
    assert_eq!(attrs["span.kind"], "internal".into());
    assert_eq!(attrs["chat.prompt"], "system: Be brief.\nuser: Hi".into());
    assert_eq!(attrs["chat.response"], "Hello".into());
    assert_eq!(attrs["chat.total_tokens"], 4.into());
    assert_eq!(attrs["gen_ai.operation.name"], "chat".into());
    assert_eq!(
        attrs["gen_ai.input.messages"],
        r#"[{"role":"system","parts":[{"type":"text","content":"Be brief."}]},{"role":"user","parts":[{"type":"text","content":"Hi"}]}]"#.into()
    );
}

#[test]
fn a_client_llm_span_hands_its_pair_to_an_internal_child() {
    let spans = dedicated_span(|b| b.llm_span_kind(SpanKind::Client));
    let names: Vec<(&str, SpanKind)> = spans
        .iter()
        .map(|s| (s.name.as_ref(), s.span_kind.clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("chat gpt-4o", SpanKind::Internal),
            ("chat gpt-4o", SpanKind::Client),
            ("ask_llm.task", SpanKind::Internal),
        ]
    );
    let (pair, client) = (&spans[0], &spans[1]);
    assert_eq!(pair.parent_span_id, client.span_context.span_id());
    assert_eq!(
        (pair.start_time, pair.end_time),
        (client.start_time, client.end_time)
    );
    assert_eq!(
        attributes(pair),
        expected(&[
            ("chat.prompt", "system: Be brief.\nuser: Hi".into()),
            ("chat.response", "Hello".into()),
            ("chat.model", "gpt-4o".into()),
            ("chat.prompt_tokens", 3.into()),
            ("chat.completion_tokens", 1.into()),
            ("chat.total_tokens", 4.into()),
            ("span.kind", "internal".into()),
        ])
    );
    let client = attributes(client);
    assert_eq!(client["span.kind"], "client".into());
    assert!(!client.contains_key("chat.prompt"), "{client:?}");
    assert_eq!(client["gen_ai.usage.input_tokens"], 3.into());
}

#[test]
fn without_the_insightfinder_vocabulary_llm_spans_are_client_spans_alone() {
    let spans = dedicated_span(|b| b.vocabularies(Vocabularies::GENAI));
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0].span_kind, SpanKind::Client);
    assert!(!attributes(&spans[0]).contains_key("chat.prompt"));
}

/// The InsightFinder guide's flow: the call recorded on the activity's own span, which a
/// Temporal worker opens as SERVER.
#[test]
fn a_call_recorded_on_a_server_span_still_gives_one_internal_pair() {
    let exporter = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, |b| b);
    let tracer = global::tracer("temporal");
    let span = tracer
        .span_builder("RunActivity:llm_activity")
        .with_kind(SpanKind::Server)
        .start(&tracer);
    let cx = Context::current_with_span(span).with_session("workflow-7f3a");
    {
        let _attached = cx.clone().attach();
        a_call().record_on_current();
        // Set as the guide does, as a number: the gateway reads only text.
        Context::current()
            .span()
            .set_attribute(KeyValue::new("x-username", 42));
    }
    cx.span().end();
    let spans = exporter.get_finished_spans().unwrap();
    guard.shutdown().unwrap();
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let (pair, activity) = (&spans[0], &spans[1]);
    assert_eq!(pair.span_kind, SpanKind::Internal);
    assert_eq!(pair.name, "chat gpt-4o-2024-08-06");
    assert_eq!(pair.parent_span_id, activity.span_context.span_id());
    let attrs = attributes(pair);
    assert_eq!(attrs["chat.prompt"], "What is OTLP?".into());
    assert_eq!(attrs["chat.response"], "A protocol.".into());
    assert_eq!(attrs["x-session-id"], "workflow-7f3a".into());
    assert_eq!(attrs["x-username"], "42".into());
    let activity = attributes(activity);
    assert_eq!(activity.get("chat.prompt"), None);
    assert_eq!(activity["gen_ai.request.model"], "gpt-4o".into());
}

#[test]
fn a_failed_call_sets_error_status_event_and_attributes() {
    let exporter = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, |b| b);
    let span = LlmCall::chat("gpt-4o")
        .prompt("Hi")
        .error("rate_limited", "429 Too Many Requests")
        .start_span();
    span.end();
    let llm = only_span(&exporter);
    assert_eq!(llm.status, Status::error("429 Too Many Requests"));
    let attrs = attributes(&llm);
    assert_eq!(attrs["error"], "429 Too Many Requests".into());
    assert_eq!(attrs["error.type"], "rate_limited".into());
    let event = &llm.events.events[0];
    assert_eq!(event.name, "exception");
    assert!(
        event
            .attributes
            .contains(&KeyValue::new("exception.type", "rate_limited"))
    );
    guard.shutdown().unwrap();
}

#[test]
fn with_content_capture_off_no_prompt_text_reaches_the_exporter() {
    let exporter = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, |b| {
        b.capture_content(false).vocabularies(
            Vocabularies::INSIGHTFINDER | Vocabularies::GENAI | Vocabularies::OPENINFERENCE,
        )
    });
    global::tracer("app").in_span("ask_llm.task", |cx| {
        cx.span().set_attribute(KeyValue::new(
            "iftracer.entity.input",
            "{\"q\":\"TOP-SECRET\"}",
        ));
        cx.span().add_event(
            "gen_ai.client.inference.operation.details",
            vec![KeyValue::new("gen_ai.input.messages", "TOP-SECRET")],
        );
        LlmCall::chat("gpt-4o")
            .prompt("TOP-SECRET prompt")
            .response("TOP-SECRET answer")
            .usage(5, 6)
            .start_span()
            .end();
    });
    let spans = exporter.get_finished_spans().unwrap();
    let everything = format!("{spans:?}");
    assert!(!everything.contains("TOP-SECRET"), "{everything}");
    let attrs = attributes(&spans[0]);
    assert_eq!(attrs["chat.model"], "gpt-4o".into());
    assert_eq!(attrs["chat.total_tokens"], 11.into());
    assert_eq!(attrs["gen_ai.usage.output_tokens"], 6.into());
    assert_eq!(attrs["llm.token_count.total"], 11.into());
    guard.shutdown().unwrap();
}

#[test]
fn context_carried_values_stamp_every_span_beneath_them() {
    let exporter = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, |b| {
        b.vocabularies(
            Vocabularies::INSIGHTFINDER | Vocabularies::GENAI | Vocabularies::OPENINFERENCE,
        )
    });
    let cx = Context::current()
        .with_workflow_name("research")
        .with_entity_path("plan.search")
        .with_user("alice")
        .with_session("chat-42")
        .with_association_property("tenant", "acme");
    {
        let _attached = cx.clone().attach();
        // A span of other instrumentation, started by its own tracer.
        global::tracer("reqwest").in_span("POST", |_| {});
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(
        async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            global::tracer("app").in_span("after-await", |_| {});
            tokio::spawn(
                async {
                    tokio::task::yield_now().await;
                    global::tracer("app").in_span("spawned", |_| {});
                }
                .with_current_context(),
            )
            .await
            .unwrap();
        }
        .with_context(cx),
    );
    global::tracer("app").in_span("outside", |_| {});

    let spans = exporter.get_finished_spans().unwrap();
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(names, ["POST", "after-await", "spawned", "outside"]);
    for span in &spans[..3] {
        let attrs = attributes(span);
        for (key, value) in [
            ("iftracer.workflow.name", "research"),
            ("iftracer.entity.path", "plan.search"),
            ("x-username", "alice"),
            ("user.id", "alice"),
            ("x-session-id", "chat-42"),
            ("gen_ai.conversation.id", "chat-42"),
            ("session.id", "chat-42"),
            ("iftracer.association.properties.tenant", "acme"),
        ] {
            assert_eq!(
                attrs.get(key),
                Some(&Value::from(value)),
                "{} {key}",
                span.name
            );
        }
    }
    assert!(spans[3].attributes.is_empty(), "{:?}", spans[3].attributes);
    guard.shutdown().unwrap();
}

#[test]
fn ids_are_hashed_before_they_leave_the_process() {
    let exporter = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, |b| b.hash_ids("pepper"));
    let _attached = Context::current().with_user("alice").attach();
    record_on_activity_span();
    let attrs = attributes(&only_span(&exporter));
    let hashed = attrs["x-username"].as_str().into_owned();
    // Computed independently (README: SHA-256 of salt, a zero byte and the id, first 32 hex
    // digits): python3 -c "import hashlib; print(hashlib.sha256(b'pepper\0alice').hexdigest()[:32])"
    assert_eq!(hashed, "4f69ec537ef117ae0c79dc6e4b5701e0");
    assert_eq!(attrs["user.id"].as_str(), hashed, "same id, same hash");
    assert!(!format!("{attrs:?}").contains("alice"));
    assert!(!format!("{attrs:?}").contains("workflow-7f3a"));
    guard.shutdown().unwrap();
}

#[test]
fn redaction_covers_other_instrumentation_and_every_destination() {
    let exporter = InMemorySpanExporter::default();
    let copy = InMemorySpanExporter::default();
    let (_lock, guard) = pipeline(&exporter, |b| {
        b.redact([Detector::Email])
            .redact_pattern(r"ACME-\d{6}", "[ACCOUNT]")
            .span_processor(SimpleSpanProcessor::new(copy.clone()))
    });
    global::tracer("some-http-client").in_span("POST /v1/chat", |cx| {
        cx.span().set_attribute(KeyValue::new(
            "http.request.body",
            "mail jane.doe@example.com about ACME-123456",
        ));
    });
    for spans in [
        exporter.get_finished_spans().unwrap(),
        copy.get_finished_spans().unwrap(),
    ] {
        assert_eq!(
            attributes(&spans[0])["http.request.body"],
            "mail [REDACTED:EMAIL] about [ACCOUNT]".into()
        );
    }
    guard.shutdown().unwrap();
}

#[test]
fn a_ten_megabyte_prompt_is_capped_and_its_batch_is_delivered() {
    let receiver = support::Receiver::grpc(support::Reply::Accept, None);
    let _lock = GLOBAL_PIPELINE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let guard = Iftracer::builder()
        .ignore_env()
        .global(false)
        .endpoint(receiver.endpoint())
        .init()
        .unwrap();
    use iftracer::opentelemetry::trace::TracerProvider;
    let tracer = guard.provider().unwrap().tracer("app");
    for i in 0..3 {
        tracer.in_span(format!("ask_llm.task {i}"), |cx| {
            cx.span()
                .set_attribute(KeyValue::new("chat.prompt", "x".repeat(10 << 20)));
        });
    }
    guard.force_flush().unwrap();
    let received = receiver.wait_for_spans(3);
    assert_eq!(
        received.iter().map(|r| r.span_names().len()).sum::<usize>(),
        3
    );
    // The 32 KiB cap (README "What happens to a span") and its marker, as exported.
    let expected = format!(
        "{}…[truncated: {} bytes in all]",
        "x".repeat(32 * 1024),
        10 << 20
    );
    let prompts: Vec<&str> = received
        .iter()
        .flat_map(|r| &r.request.resource_spans)
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans)
        .flat_map(|span| &span.attributes)
        .filter(|kv| kv.key == "chat.prompt")
        .filter_map(|kv| match kv.value.as_ref()?.value.as_ref()? {
            opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(s) => {
                Some(s.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(prompts.len(), 3);
    for prompt in prompts {
        assert_eq!(prompt.len(), expected.len());
        assert!(
            prompt == expected,
            "the exported prompt is not the capped one"
        );
    }
    let stats = guard.stats();
    assert_eq!(
        (stats.spans_exported, stats.spans_failed),
        (3, 0),
        "{stats:?}"
    );
    guard.shutdown().unwrap();
}
