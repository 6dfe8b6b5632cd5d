//! What the span processor's mapping of other crates' GenAI spans to InsightFinder's `chat.*`
//! costs when a span ends: a span without GenAI attributes (the common case, one scan of its
//! keys), a rig-style `chat` span with GenAI "parts" messages, an OpenInference span with
//! indexed messages, and one of iftracer's own LLM spans (everything already set).
//!
//! `cargo bench -p iftracer --bench import -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use iftracer::__bench::import_genai;
use iftracer::opentelemetry::KeyValue;

fn http_span() -> Vec<KeyValue> {
    vec![
        KeyValue::new("http.request.method", "POST"),
        KeyValue::new("url.full", "https://api.example.com/v1/orders/42"),
        KeyValue::new("server.address", "api.example.com"),
        KeyValue::new("server.port", 443),
        KeyValue::new("http.response.status_code", 200),
        KeyValue::new("x-session-id", "chat-42"),
        KeyValue::new("x-username", "alice"),
        KeyValue::new("iftracer.workflow.name", "support"),
    ]
}

fn rig_span() -> Vec<KeyValue> {
    let question =
        "Summarise the customer's last three tickets and propose a next step. ".repeat(8);
    let answer = "The customer reported a double charge; finance is checking. ".repeat(8);
    vec![
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("gen_ai.provider.name", "openai"),
        KeyValue::new("gen_ai.request.model", "gpt-4o-mini"),
        KeyValue::new("gen_ai.response.model", "gpt-4o-mini"),
        KeyValue::new(
            "gen_ai.system_instructions",
            r#"[{"type":"text","content":"Be brief."}]"#,
        ),
        KeyValue::new(
            "gen_ai.input.messages",
            format!(
                r#"[{{"role":"system","parts":[{{"type":"text","content":"Be brief."}}]}},{{"role":"user","parts":[{{"type":"text","content":"{question}"}}]}}]"#
            ),
        ),
        KeyValue::new(
            "gen_ai.output.messages",
            format!(
                r#"[{{"role":"assistant","parts":[{{"type":"text","content":"{answer}"}}],"finish_reason":"stop"}}]"#
            ),
        ),
        KeyValue::new("gen_ai.usage.input_tokens", "120"),
        KeyValue::new("gen_ai.usage.output_tokens", "96"),
        KeyValue::new("gen_ai.conversation.id", "chat-42"),
    ]
}

fn openinference_span() -> Vec<KeyValue> {
    vec![
        KeyValue::new("openinference.span.kind", "LLM"),
        KeyValue::new("llm.model_name", "gpt-4o"),
        KeyValue::new("llm.input_messages.0.message.role", "system"),
        KeyValue::new("llm.input_messages.0.message.content", "Be brief."),
        KeyValue::new("llm.input_messages.1.message.role", "user"),
        KeyValue::new("llm.input_messages.1.message.content", "What is OTLP?"),
        KeyValue::new("llm.output_messages.0.message.role", "assistant"),
        KeyValue::new("llm.output_messages.0.message.content", "A protocol."),
        KeyValue::new("llm.token_count.prompt", 11),
        KeyValue::new("llm.token_count.completion", 2),
        KeyValue::new("session.id", "chat-42"),
    ]
}

fn own_llm_span() -> Vec<KeyValue> {
    let mut span = rig_span();
    span.extend([
        KeyValue::new("chat.prompt", "What is OTLP?"),
        KeyValue::new("chat.response", "A protocol."),
        KeyValue::new("chat.model", "gpt-4o-mini"),
        KeyValue::new("chat.prompt_tokens", 120),
        KeyValue::new("chat.completion_tokens", 96),
        KeyValue::new("chat.total_tokens", 216),
        KeyValue::new("x-session-id", "chat-42"),
    ]);
    span
}

fn import(c: &mut Criterion) {
    let mut group = c.benchmark_group("import");
    let mut plain = http_span();
    group.bench_function("span without GenAI attributes", |b| {
        b.iter(|| import_genai(black_box(&mut plain), true))
    });
    for (name, span) in [
        ("rig chat span, parts JSON", rig_span()),
        ("OpenInference span, indexed messages", openinference_span()),
        ("iftracer's own LLM span", own_llm_span()),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || span.clone(),
                |mut attributes| {
                    import_genai(&mut attributes, true);
                    attributes
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
