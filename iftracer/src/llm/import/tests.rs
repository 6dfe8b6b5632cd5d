use opentelemetry::{KeyValue, Value};

use super::{fill, parse_messages};

fn filled(attributes: Vec<KeyValue>) -> Vec<KeyValue> {
    let mut attributes = attributes;
    fill(&mut attributes, true);
    attributes
}

fn get<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    let mut found = attributes.iter().filter(|kv| kv.key.as_str() == key);
    let first = found.next().map(|kv| &kv.value);
    assert!(found.next().is_none(), "{key} set twice");
    first
}

fn text<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a str> {
    match get(attributes, key)? {
        Value::String(s) => Some(s.as_str()),
        other => panic!("{key} is not text: {other:?}"),
    }
}

#[test]
fn current_genai_parts_messages_become_the_pair() {
    let span = filled(vec![
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("gen_ai.request.model", "gpt-4o-mini"),
        KeyValue::new("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
        KeyValue::new(
            "gen_ai.system_instructions",
            r#"[{"type":"text","content":"Be brief."}]"#,
        ),
        KeyValue::new(
            "gen_ai.input.messages",
            r#"[{"role":"user","parts":[{"type":"text","content":"What is OTLP?"}]}]"#,
        ),
        KeyValue::new(
            "gen_ai.output.messages",
            r#"[{"role":"assistant","parts":[{"type":"text","content":"A protocol."}],"finish_reason":"stop"}]"#,
        ),
        KeyValue::new("gen_ai.usage.input_tokens", 12),
        KeyValue::new("gen_ai.usage.output_tokens", 3),
        KeyValue::new("gen_ai.conversation.id", "conv-1"),
        KeyValue::new("user.id", "alice"),
    ]);
    assert_eq!(
        text(&span, "chat.prompt"),
        Some("system: Be brief.\nuser: What is OTLP?")
    );
    assert_eq!(text(&span, "chat.response"), Some("A protocol."));
    assert_eq!(text(&span, "chat.model"), Some("gpt-4o-mini-2024-07-18"));
    assert_eq!(get(&span, "chat.prompt_tokens"), Some(&Value::I64(12)));
    assert_eq!(get(&span, "chat.completion_tokens"), Some(&Value::I64(3)));
    assert_eq!(get(&span, "chat.total_tokens"), Some(&Value::I64(15)));
    assert_eq!(text(&span, "x-session-id"), Some("conv-1"));
    assert_eq!(text(&span, "x-username"), Some("alice"));

    // Instructions that are also among the messages are shown once.
    let both = filled(vec![
        KeyValue::new("gen_ai.request.model", "m"),
        KeyValue::new("gen_ai.system_instructions", "Be brief."),
        KeyValue::new(
            "gen_ai.input.messages",
            r#"[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]"#,
        ),
    ]);
    assert_eq!(
        text(&both, "chat.prompt"),
        Some("system: Be brief.\nuser: Hi")
    );
}

#[test]
fn deprecated_genai_names_are_read() {
    let indexed = filled(vec![
        KeyValue::new("gen_ai.system", "openai"),
        KeyValue::new("gen_ai.request.model", "gpt-3.5-turbo"),
        KeyValue::new("gen_ai.prompt.1.role", "user"),
        KeyValue::new("gen_ai.prompt.1.content", "Hi there"),
        KeyValue::new("gen_ai.prompt.0.role", "system"),
        KeyValue::new("gen_ai.prompt.0.content", "Be kind."),
        KeyValue::new("gen_ai.completion.0.role", "assistant"),
        KeyValue::new("gen_ai.completion.0.content", "Hello!"),
        KeyValue::new("gen_ai.completion.0.finish_reason", "stop"),
        KeyValue::new("gen_ai.usage.prompt_tokens", 9),
        KeyValue::new("gen_ai.usage.completion_tokens", "2"),
        KeyValue::new("llm.usage.total_tokens", 11),
    ]);
    assert_eq!(
        text(&indexed, "chat.prompt"),
        Some("system: Be kind.\nuser: Hi there")
    );
    assert_eq!(text(&indexed, "chat.response"), Some("Hello!"));
    assert_eq!(text(&indexed, "chat.model"), Some("gpt-3.5-turbo"));
    assert_eq!(get(&indexed, "chat.prompt_tokens"), Some(&Value::I64(9)));
    assert_eq!(
        get(&indexed, "chat.completion_tokens"),
        Some(&Value::I64(2))
    );
    assert_eq!(get(&indexed, "chat.total_tokens"), Some(&Value::I64(11)));

    // `gen_ai.prompt` / `gen_ai.completion` as OpenAI-style JSON lists and as plain text.
    let listed = filled(vec![
        KeyValue::new("gen_ai.request.model", "m"),
        KeyValue::new(
            "gen_ai.prompt",
            r#"[{"role":"system","content":"Be kind."},{"role":"user","content":[{"type":"text","text":"Hi"}]}]"#,
        ),
        KeyValue::new("gen_ai.completion", "Hello!"),
    ]);
    assert_eq!(
        text(&listed, "chat.prompt"),
        Some("system: Be kind.\nuser: Hi")
    );
    assert_eq!(text(&listed, "chat.response"), Some("Hello!"));
}

#[test]
fn openinference_attributes_are_read() {
    let messages = filled(vec![
        KeyValue::new("openinference.span.kind", "LLM"),
        KeyValue::new("llm.model_name", "claude-3-5-haiku"),
        KeyValue::new("llm.input_messages.0.message.role", "user"),
        KeyValue::new("llm.input_messages.0.message.content", "Why trace?"),
        KeyValue::new("llm.output_messages.0.message.role", "assistant"),
        KeyValue::new("llm.output_messages.0.message.content", "To see."),
        KeyValue::new("llm.token_count.prompt", 4),
        KeyValue::new("llm.token_count.completion", 2),
        KeyValue::new("llm.token_count.total", 7),
        KeyValue::new("session.id", "s-9"),
        KeyValue::new("user.id", "bob"),
    ]);
    assert_eq!(text(&messages, "chat.prompt"), Some("Why trace?"));
    assert_eq!(text(&messages, "chat.response"), Some("To see."));
    assert_eq!(text(&messages, "chat.model"), Some("claude-3-5-haiku"));
    // The total as reported, not the sum.
    assert_eq!(get(&messages, "chat.total_tokens"), Some(&Value::I64(7)));
    assert_eq!(text(&messages, "x-session-id"), Some("s-9"));
    assert_eq!(text(&messages, "x-username"), Some("bob"));

    // `input.value` as a request body and `output.value` as a response body or plain text.
    let values = filled(vec![
        KeyValue::new("openinference.span.kind", "llm"),
        KeyValue::new(
            "input.value",
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":"Ping"}]}"#,
        ),
        KeyValue::new(
            "output.value",
            r#"{"choices":[{"message":{"role":"assistant","content":"Pong"}}]}"#,
        ),
    ]);
    assert_eq!(text(&values, "chat.prompt"), Some("Ping"));
    assert_eq!(text(&values, "chat.response"), Some("Pong"));
    let plain = filled(vec![
        KeyValue::new("openinference.span.kind", "LLM"),
        KeyValue::new("input.value", "Ping"),
        KeyValue::new("output.value", "{not json"),
    ]);
    assert_eq!(text(&plain, "chat.prompt"), Some("Ping"));
    assert_eq!(text(&plain, "chat.response"), Some("{not json"));
}

#[test]
fn explicit_values_are_never_replaced() {
    let span = filled(vec![
        KeyValue::new("chat.prompt", "mine"),
        KeyValue::new("chat.model", "my-model"),
        KeyValue::new("chat.prompt_tokens", 100),
        KeyValue::new("x-session-id", "my-session"),
        KeyValue::new("gen_ai.request.model", "theirs"),
        KeyValue::new(
            "gen_ai.input.messages",
            r#"[{"role":"user","content":"theirs"}]"#,
        ),
        KeyValue::new(
            "gen_ai.output.messages",
            r#"[{"role":"assistant","content":"ok"}]"#,
        ),
        KeyValue::new("gen_ai.usage.input_tokens", 1),
        KeyValue::new("gen_ai.usage.output_tokens", 2),
        KeyValue::new("gen_ai.conversation.id", "their-session"),
    ]);
    assert_eq!(text(&span, "chat.prompt"), Some("mine"));
    assert_eq!(text(&span, "chat.response"), Some("ok"));
    assert_eq!(text(&span, "chat.model"), Some("my-model"));
    assert_eq!(get(&span, "chat.prompt_tokens"), Some(&Value::I64(100)));
    assert_eq!(get(&span, "chat.completion_tokens"), Some(&Value::I64(2)));
    // The sum uses the value that stays.
    assert_eq!(get(&span, "chat.total_tokens"), Some(&Value::I64(102)));
    assert_eq!(text(&span, "x-session-id"), Some("my-session"));
}

#[test]
fn content_off_builds_no_prompt_or_response() {
    let mut span = vec![
        KeyValue::new("gen_ai.request.model", "m"),
        KeyValue::new("gen_ai.prompt", "secret question"),
        KeyValue::new("gen_ai.completion", "secret answer"),
        KeyValue::new("gen_ai.usage.input_tokens", 1),
    ];
    fill(&mut span, false);
    assert_eq!(get(&span, "chat.prompt"), None);
    assert_eq!(get(&span, "chat.response"), None);
    assert_eq!(text(&span, "chat.model"), Some("m"));
    assert_eq!(get(&span, "chat.prompt_tokens"), Some(&Value::I64(1)));
}

#[test]
fn spans_that_are_not_model_calls_get_only_session_and_user() {
    let plain = vec![
        KeyValue::new("http.request.method", "GET"),
        KeyValue::new("url.full", "http://x"),
    ];
    assert_eq!(
        filled(plain.clone()),
        plain,
        "no GenAI attribute: untouched"
    );

    let agent = filled(vec![
        KeyValue::new("gen_ai.operation.name", "invoke_agent"),
        KeyValue::new("gen_ai.agent.name", "researcher"),
        KeyValue::new("gen_ai.request.model", "gpt-4o"),
        KeyValue::new(
            "gen_ai.input.messages",
            r#"[{"role":"user","content":"go"}]"#,
        ),
        KeyValue::new(
            "gen_ai.output.messages",
            r#"[{"role":"assistant","content":"done"}]"#,
        ),
        KeyValue::new("gen_ai.conversation.id", "conv-2"),
    ]);
    assert_eq!(get(&agent, "chat.prompt"), None);
    assert_eq!(get(&agent, "chat.model"), None);
    assert_eq!(text(&agent, "x-session-id"), Some("conv-2"));

    let chain = filled(vec![
        KeyValue::new("openinference.span.kind", "CHAIN"),
        KeyValue::new("input.value", "q"),
        KeyValue::new("output.value", "a"),
    ]);
    assert_eq!(get(&chain, "chat.prompt"), None);

    // A span under a session carries only the conversation id: no pair, no model.
    let stamped = filled(vec![KeyValue::new("gen_ai.conversation.id", 42)]);
    assert_eq!(text(&stamped, "x-session-id"), Some("42"));
    assert_eq!(stamped.len(), 2);
}

#[test]
fn message_shapes_read_as_text() {
    let texts = |raw: &str| -> Vec<(String, String)> { parse_messages(raw, "user") };
    let pair = |role: &str, text: &str| (role.to_owned(), text.to_owned());
    assert_eq!(texts("plain words"), vec![pair("user", "plain words")]);
    assert_eq!(texts(r#""quoted""#), vec![pair("user", "quoted")]);
    assert_eq!(
        texts("[1, 2]"),
        vec![pair("user", "[1, 2]")],
        "not messages"
    );
    assert_eq!(
        texts(
            r#"[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"lookup","arguments":{"city":"Oslo"}}]},
                {"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"sunny"}]},
                {"role":"assistant","content":null,"tool_calls":[{"id":"c2","type":"function","function":{"name":"book","arguments":"{\"day\":1}"}}]},
                {"role":"user","parts":[{"type":"image","uri":"x"},{"type":"text","content":"thanks"}]}]"#
        ),
        vec![
            pair("assistant", r#"lookup({"city":"Oslo"})"#),
            pair("tool", "sunny"),
            pair("assistant", r#"book({"day":1})"#),
            pair("user", "thanks"),
        ]
    );
    // Anthropic-style content blocks.
    assert_eq!(
        texts(
            r#"[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]"#
        ),
        vec![pair("user", "a\nb")]
    );
}

#[test]
fn indexed_tool_calls_read_as_calls() {
    let traceloop = filled(vec![
        KeyValue::new("gen_ai.request.model", "m"),
        KeyValue::new("gen_ai.prompt.0.content", "Weather in Oslo?"),
        KeyValue::new("gen_ai.completion.0.role", "assistant"),
        KeyValue::new("gen_ai.completion.0.tool_calls.0.name", "lookup"),
        KeyValue::new(
            "gen_ai.completion.0.tool_calls.0.arguments",
            r#"{"city":"Oslo"}"#,
        ),
        KeyValue::new("gen_ai.completion.0.tool_calls.1.name", "clock"),
    ]);
    assert_eq!(
        text(&traceloop, "chat.response"),
        Some("lookup({\"city\":\"Oslo\"})\nclock()")
    );
    let openinference = filled(vec![
        KeyValue::new("openinference.span.kind", "LLM"),
        KeyValue::new("llm.input_messages.0.message.content", "Weather in Oslo?"),
        KeyValue::new("llm.output_messages.0.message.content", "Checking."),
        KeyValue::new(
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name",
            "lookup",
        ),
        KeyValue::new(
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
            "{}",
        ),
    ]);
    assert_eq!(
        text(&openinference, "chat.response"),
        Some("Checking.\nlookup({})")
    );
}

#[test]
fn hostile_values_never_panic() {
    let span = filled(vec![
        KeyValue::new("gen_ai.request.model", "m"),
        KeyValue::new("gen_ai.usage.input_tokens", i64::MAX),
        KeyValue::new("gen_ai.usage.output_tokens", i64::MAX),
        KeyValue::new("gen_ai.usage.reasoning_tokens", f64::NAN),
        KeyValue::new("gen_ai.input.messages", "[".repeat(10_000)),
        KeyValue::new("gen_ai.output.messages", r#"{"choices":[]}"#),
        KeyValue::new("gen_ai.prompt.99999999999999999999.content", "x"),
    ]);
    assert_eq!(get(&span, "chat.total_tokens"), Some(&Value::I64(i64::MAX)));
    assert_eq!(
        text(&span, "chat.prompt"),
        Some("[".repeat(10_000).as_str())
    );
    assert_eq!(text(&span, "chat.response"), Some(r#"{"choices":[]}"#));
}
