//! LLM spans of other instrumentation reach InsightFinder: the span processor fills `chat.*`,
//! `x-session-id` and `x-username` from their GenAI or OpenInference attributes. Real rig-core
//! calls (its own `tracing` spans with `gen_ai.*` fields, through iftracer's `tracing` layer)
//! against the LiteLLM proxy on loopback, read by the gateway contract helper; and in-process
//! spans written as OpenInference and deprecated-GenAI instrumentation write them, through the
//! privacy controls.

use iftracer_test_support as support;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use iftracer::opentelemetry::trace::{Span as _, SpanKind, TraceContextExt, Tracer};
use iftracer::opentelemetry::{Context, KeyValue, Value, global};
use iftracer::opentelemetry_sdk::trace::InMemorySpanExporter;
use iftracer::privacy::Detector;
use iftracer::{AssociationsExt, ExportMode, Iftracer, IftracerBuilder, TracerGuard};
use opentelemetry_proto::tonic::common::v1::any_value::Value as ProtoValue;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind as ProtoKind;
use rig_core::Model;
use rig_core::completion::CompletionRequest;
use rig_core::providers::openai::OpenAIConfig;
use rig_core::providers::openai::wire::Chat;
use rig_core::telemetry::{record_model_input, record_model_output};
use support::gateway::{self, Pair};
use support::litellm::{self, ANTHROPIC_MOCK_RESPONSE, ANTHROPIC_MODEL, CHAT_MODEL, MOCK_RESPONSE};
use support::{Receiver, Reply};
use tracing::Instrument as _;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

/// The tests install global pipelines: one at a time.
static LOCK: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// A pipeline exporting to `receiver` as an InsightFinder destination (all four credentials).
fn insightfinder(receiver: &Receiver) -> TracerGuard {
    Iftracer::builder()
        .ignore_env()
        .tracing_subscriber(false)
        .endpoint(receiver.endpoint())
        .user("if-user")
        .license_key("if-license")
        .project("if-project")
        .system("if-system")
        .init()
        .unwrap()
}

/// The pairs sorted by prompt: traces reach the helper in no fixed order.
fn sorted(mut pairs: Vec<Pair>) -> Vec<Pair> {
    pairs.sort_by(|a, b| a.prompt.cmp(&b.prompt));
    pairs
}

fn proto_attributes(
    attributes: &[opentelemetry_proto::tonic::common::v1::KeyValue],
) -> BTreeMap<String, ProtoValue> {
    attributes
        .iter()
        .filter_map(|kv| Some((kv.key.clone(), kv.value.clone()?.value?)))
        .collect()
}

/// A rig-core chat request as an application writes it, content telemetry on (rig's opt-in).
fn rig_request(question: &str) -> CompletionRequest {
    CompletionRequest::new(question)
        .preamble("Be brief.")
        .record_content_telemetry(true)
}

/// One model call as an agent runtime on rig-core makes it: a completion-parent span that
/// rig's call adopts (and fills with provider, model, usage), with the conversation and the
/// reply recorded on it by rig's own `record_model_input` / `record_model_output`.
async fn rig_turn(model: &Model<Chat>, question: &str, streamed: bool) {
    let span = rig_core::telemetry::completion_parent_span!(
        target: "support_agent",
        name: "chat",
        operation: "chat",
        system_instructions: Option::<&str>::None,
    );
    let request = rig_request(question);
    record_model_input(&span, &request.chat_history, true);
    let response = if streamed {
        let stream = span.in_scope(|| model.stream(request).unwrap());
        stream.finish().instrument(span.clone()).await
    } else {
        model.call(request).instrument(span.clone()).await
    }
    .unwrap();
    record_model_output(&span, &response.choice, true);
}

#[test]
fn rig_calls_reach_insightfinder_as_one_pair_each_with_user_and_session() {
    let _lock = lock();
    // rig's shared reqwest client needs a process-wide crypto provider (iftracer's `tls` builds
    // reqwest without one); already installed by an earlier test: fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let proxy = litellm::proxy();
    let receiver = Receiver::grpc(Reply::Accept, None);
    let guard = insightfinder(&receiver);
    let openai = OpenAIConfig::new(proxy.master_key())
        .with_base_url(proxy.openai_base_url())
        .client();
    // Two models, so the two calls' responses differ (the gateway keeps one pair per response).
    let (gpt, claude) = (openai.chat(CHAT_MODEL), openai.chat(ANTHROPIC_MODEL));
    // INFO, as an application filters: rig's spans are INFO, its HTTP stack's are DEBUG/TRACE.
    let subscriber =
        tracing_subscriber::registry().with(guard.tracing_layer().with_filter(LevelFilter::INFO));
    // A current-thread runtime keeps rig's spans on this thread's subscriber.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        // Only `tracing`: the session and user are fields of the application's own span.
        let turn = tracing::info_span!(
            "support_turn",
            gen_ai.conversation.id = "conv-a",
            user.id = "alice"
        );
        runtime.block_on(rig_turn(&gpt, "What is OTLP?", false).instrument(turn));

        // iftracer's context-carried session and user, and a streamed call.
        let tracer = global::tracer("agent");
        let root = tracer.start("support.agent");
        let cx = Context::current_with_span(root)
            .with_session("conv-b")
            .with_user("bob");
        // rig roots its span at the current `tracing` span (not the OpenTelemetry context):
        // the application's span, started in the context, links the two.
        let turn = {
            let _attached = cx.clone().attach();
            tracing::info_span!("agent_turn")
        };
        runtime.block_on(rig_turn(&claude, "Why trace agents?", true).instrument(turn));
        cx.span().end();
    });
    guard.shutdown().unwrap();

    let received = receiver.received();
    let view = gateway::read(&received).unwrap();
    let pairs = sorted(view.pairs.clone());
    let summary: Vec<_> = pairs
        .iter()
        .map(|p| {
            (
                p.prompt.as_str(),
                p.response.as_str(),
                p.user.as_deref(),
                p.session.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "system: Be brief.\nuser: What is OTLP?",
                MOCK_RESPONSE,
                Some("alice"),
                Some("conv-a")
            ),
            (
                "system: Be brief.\nuser: Why trace agents?",
                ANTHROPIC_MOCK_RESPONSE,
                Some("bob"),
                Some("conv-b")
            ),
        ],
        "{:#?}",
        view.traces
            .values()
            .flatten()
            .map(|s| (&s.name, proto_attributes(&s.attributes)))
            .collect::<Vec<_>>()
    );
    assert_ne!(pairs[0].trace_id, pairs[1].trace_id);
    // The pairs sit on rig's own spans, with the model and its token counts.
    for spans in view.traces.values() {
        let chat = spans
            .iter()
            .find(|s| s.name == "chat")
            .unwrap_or_else(|| panic!("no rig chat span in {spans:#?}"));
        assert_eq!(chat.kind, ProtoKind::Internal as i32);
        let attributes = proto_attributes(&chat.attributes);
        assert!(
            matches!(attributes.get("chat.model"), Some(ProtoValue::StringValue(m)) if m == CHAT_MODEL || m == ANTHROPIC_MODEL),
            "{attributes:#?}"
        );
        for key in [
            "chat.prompt_tokens",
            "chat.completion_tokens",
            "chat.total_tokens",
        ] {
            assert!(
                matches!(attributes.get(key), Some(ProtoValue::IntValue(n)) if *n > 0),
                "{key}: {attributes:#?}"
            );
        }
    }
}

/// A global pipeline exporting to memory, one span at a time (read the spans before shutdown,
/// which empties the exporter).
fn in_memory(
    configure: impl FnOnce(IftracerBuilder) -> IftracerBuilder,
) -> (InMemorySpanExporter, TracerGuard) {
    let exporter = InMemorySpanExporter::default();
    let builder = Iftracer::builder()
        .ignore_env()
        .tracing_subscriber(false)
        .exporter(exporter.clone())
        .export_mode(ExportMode::Simple);
    (exporter, configure(builder).init().unwrap())
}

/// A span as an OpenInference instrumentation (Phoenix, OpenLLMetry in OpenInference mode)
/// writes it: kind INTERNAL, no `chat.*`.
fn openinference_span(prompt: &str) {
    let tracer = global::tracer("openinference.instrumentation.openai");
    let mut span = tracer
        .span_builder("ChatCompletion")
        .with_kind(SpanKind::Internal)
        .start(&tracer);
    span.set_attributes([
        KeyValue::new("openinference.span.kind", "LLM"),
        KeyValue::new("llm.model_name", "gpt-4o"),
        KeyValue::new("llm.input_messages.0.message.role", "system"),
        KeyValue::new("llm.input_messages.0.message.content", "Be brief."),
        KeyValue::new("llm.input_messages.1.message.role", "user"),
        KeyValue::new("llm.input_messages.1.message.content", prompt.to_owned()),
        KeyValue::new("llm.output_messages.0.message.role", "assistant"),
        KeyValue::new("llm.output_messages.0.message.content", "Sure."),
        KeyValue::new("llm.token_count.prompt", 11),
        KeyValue::new("llm.token_count.completion", 2),
        KeyValue::new("llm.token_count.total", 13),
        KeyValue::new("session.id", "oi-session"),
        KeyValue::new("user.id", "carol"),
    ]);
    span.end();
}

/// A span as Traceloop-era GenAI instrumentation writes it: kind CLIENT, deprecated names.
fn deprecated_genai_span() {
    let tracer = global::tracer("opentelemetry.instrumentation.openai");
    let mut span = tracer
        .span_builder("openai.chat")
        .with_kind(SpanKind::Client)
        .start(&tracer);
    span.set_attributes([
        KeyValue::new("gen_ai.system", "openai"),
        KeyValue::new("gen_ai.request.model", "gpt-3.5-turbo"),
        KeyValue::new("gen_ai.response.model", "gpt-3.5-turbo-0125"),
        KeyValue::new("gen_ai.prompt.0.role", "user"),
        KeyValue::new("gen_ai.prompt.0.content", "Name a colour."),
        KeyValue::new("gen_ai.completion.0.role", "assistant"),
        KeyValue::new("gen_ai.completion.0.content", "Teal."),
        KeyValue::new("gen_ai.usage.prompt_tokens", 4),
        KeyValue::new("gen_ai.usage.completion_tokens", 1),
        KeyValue::new("gen_ai.conversation.id", "legacy-session"),
    ]);
    span.end();
}

#[test]
fn openinference_and_deprecated_genai_spans_give_pairs_client_ones_through_an_internal_child() {
    let _lock = lock();
    let receiver = Receiver::grpc(Reply::Accept, None);
    let guard = insightfinder(&receiver);
    let tracer = global::tracer("app");
    for make in [
        (|| openinference_span("What is OTLP?")) as fn(),
        deprecated_genai_span,
    ] {
        tracer.in_span("app.turn", |_| make());
    }
    guard.shutdown().unwrap();

    let received = receiver.received();
    let view = gateway::read(&received).unwrap();
    let pairs = sorted(view.pairs.clone());
    let summary: Vec<_> = pairs
        .iter()
        .map(|p| {
            (
                p.span_name.as_str(),
                p.prompt.as_str(),
                p.response.as_str(),
                p.user.as_deref(),
                p.session.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "chat gpt-3.5-turbo-0125",
                "Name a colour.",
                "Teal.",
                None,
                Some("legacy-session")
            ),
            (
                "ChatCompletion",
                "system: Be brief.\nuser: What is OTLP?",
                "Sure.",
                Some("carol"),
                Some("oi-session")
            ),
        ]
    );
    // The CLIENT span keeps its own attributes; its pair moved to the INTERNAL child.
    let spans: Vec<_> = view.traces.values().flatten().collect();
    let client = spans.iter().find(|s| s.name == "openai.chat").unwrap();
    let child = spans
        .iter()
        .find(|s| s.name == "chat gpt-3.5-turbo-0125")
        .unwrap();
    assert_eq!(client.kind, ProtoKind::Client as i32);
    assert_eq!(child.parent_span_id, client.span_id);
    let client_attributes = proto_attributes(&client.attributes);
    assert!(!client_attributes.contains_key("chat.prompt"));
    assert!(client_attributes.contains_key("gen_ai.prompt.0.content"));
    let child_attributes = proto_attributes(&child.attributes);
    assert_eq!(
        child_attributes.get("chat.total_tokens"),
        Some(&ProtoValue::IntValue(5))
    );
}

fn attributes_of(exporter: &InMemorySpanExporter, name: &str) -> BTreeMap<String, Value> {
    let spans = exporter.get_finished_spans().unwrap();
    let span = spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no {name}"));
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

#[test]
fn imported_pairs_are_redacted_capped_and_hashed_like_iftracers_own() {
    let _lock = lock();
    let (exporter, guard) = in_memory(|b| {
        b.redact([Detector::Email])
            .max_value_length(40)
            .hash_ids("salt")
    });
    openinference_span("Mail jane.doe@example.com the incident report, then close the ticket.");
    let attributes = attributes_of(&exporter, "ChatCompletion");
    guard.shutdown().unwrap();
    assert_eq!(
        attributes["chat.prompt"],
        Value::from("system: Be brief.\nuser: Mail [REDACTED:E…[truncated: 93 bytes in all]"),
        "{attributes:#?}"
    );
    // The session and user are hashed, the same under every key.
    let session = &attributes["x-session-id"];
    assert_ne!(session, &Value::from("oi-session"));
    assert_eq!(session, &attributes["session.id"]);
    assert_eq!(attributes["x-username"], attributes["user.id"]);
    assert_ne!(attributes["x-username"], Value::from("carol"));
}

#[test]
fn content_capture_off_keeps_imported_prompts_and_responses_out() {
    let _lock = lock();
    let (exporter, guard) = in_memory(|b| b.capture_content(false));
    openinference_span("A private question");
    deprecated_genai_span();
    let spans: Vec<_> = ["ChatCompletion", "openai.chat"]
        .map(|name| (name, attributes_of(&exporter, name)))
        .into();
    guard.shutdown().unwrap();
    for (name, attributes) in spans {
        for key in attributes.keys() {
            assert!(
                !key.starts_with("chat.prompt") || key == "chat.prompt_tokens",
                "{name}: {key} kept"
            );
            assert_ne!(key, "chat.response", "{name}");
            assert!(
                !key.contains("messages") && !key.contains(".content"),
                "{name}: {key}"
            );
        }
        assert!(
            attributes.contains_key("chat.model"),
            "{name}: {attributes:#?}"
        );
        assert!(attributes.contains_key("chat.total_tokens"), "{name}");
    }
}

#[test]
fn without_the_insightfinder_vocabulary_nothing_is_added() {
    let _lock = lock();
    let (exporter, guard) = in_memory(|b| b.vocabularies(iftracer::Vocabularies::GENAI));
    openinference_span("q");
    let attributes = attributes_of(&exporter, "ChatCompletion");
    guard.shutdown().unwrap();
    assert!(
        attributes
            .keys()
            .all(|k| !k.starts_with("chat.") && !k.starts_with("x-")),
        "{attributes:#?}"
    );
}
