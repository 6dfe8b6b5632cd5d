//! The recorder on realistic provider bodies: what each API module reads (as `LlmCall`s), and
//! what an `Exchange` makes of whole exchanges (as exported spans): plain, streamed, cut,
//! dropped, errors and garbage.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use opentelemetry::trace::Status;
use opentelemetry::{Value, global};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};

use super::*;
use crate::llm::{Content, Message, Role, ToolCall};

const CAP: usize = 32 * 1024;

fn object(json: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(json).unwrap()
}

fn sse(events: &[&str]) -> Vec<u8> {
    events
        .iter()
        .map(|e| format!("data: {e}\n\n"))
        .collect::<String>()
        .into_bytes()
}

fn stream_chat(body: &[u8]) -> (LlmCall, bool) {
    let mut parser = SseParser::new(MAX_JSON_BODY);
    let mut state = chat_completions::Stream::new(true, CAP);
    parser.feed(body, &mut |_, data| state.event(data));
    parser.finish(&mut |_, data| state.event(data));
    state.update()
}

const CHAT_REQUEST: &str = r#"{"model":"gpt-4o-mini","messages":[
    {"role":"system","content":"Be brief."},
    {"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]}],
    "temperature":0.2,"top_p":0.9,"max_completion_tokens":64,"stop":["END"],"seed":7,
    "stream":true,"stream_options":{"include_usage":true},
    "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}"#;

#[test]
fn chat_request_reads_model_parameters_prompt_and_tools() {
    let call = chat_completions::request(&object(CHAT_REQUEST), true, CAP);
    assert_eq!(call.operation(), "chat");
    assert_eq!(call.request_model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(call.temperature, Some(0.2));
    assert_eq!(call.top_p, Some(0.9));
    assert_eq!(call.max_tokens, Some(64));
    assert_eq!(call.stop_sequences, ["END"]);
    assert_eq!(call.seed, Some(7));
    assert_eq!(call.stream, Some(true));
    // Compared as JSON: the key order depends on whether serde_json's `preserve_order` is on
    // in the build (a dependency of the application, or rig-core in this workspace's tests).
    let tools: serde_json::Value =
        serde_json::from_str(call.tool_definitions.as_deref().unwrap()).unwrap();
    assert_eq!(
        tools,
        serde_json::json!([{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}])
    );
    assert_eq!(
        call.prompt,
        Some(Content::Messages(vec![
            Message::new(Role::System, "Be brief."),
            Message::new(Role::User, "Weather in Paris?"),
        ]))
    );
    // Content capture off: no prompt at all.
    assert_eq!(
        chat_completions::request(&object(CHAT_REQUEST), false, CAP).prompt,
        None
    );
}

#[test]
fn chat_plain_completion_reads_text_tool_calls_usage_and_details() {
    let body = br#"{"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024-07-18",
        "choices":[{"index":0,"message":{"role":"assistant","content":"Sunny.","tool_calls":[
            {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
            "finish_reason":"tool_calls","logprobs":null}],
        "usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25,
            "prompt_tokens_details":{"cached_tokens":16,"audio_tokens":0},
            "completion_tokens_details":{"reasoning_tokens":2}},"system_fingerprint":"fp_1"}"#;
    let call = chat_completions::response(body, true, CAP).unwrap();
    assert_eq!(call.response_id.as_deref(), Some("chatcmpl-9"));
    assert_eq!(
        call.response_model.as_deref(),
        Some("gpt-4o-mini-2024-07-18")
    );
    assert_eq!(call.response, Some(Content::Text("Sunny.".into())));
    assert_eq!(call.finish_reasons, ["tool_calls"]);
    assert_eq!(
        call.tool_calls,
        [ToolCall::new(
            "call_1",
            "get_weather",
            r#"{"city":"Paris"}"#
        )]
    );
    assert_eq!(
        (
            call.prompt_tokens,
            call.completion_tokens,
            call.total_tokens
        ),
        (Some(20), Some(5), Some(25))
    );
    assert_eq!(
        (call.cache_read_tokens, call.reasoning_tokens),
        (Some(16), Some(2))
    );
}

#[test]
fn chat_stream_assembles_text_tool_calls_finish_reason_and_usage_chunk() {
    let body = sse(&[
        r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
        r#"{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#,
        r#"{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"lo \"you\""},"finish_reason":null}]}"#,
        r#"{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_7","type":"function","function":{"name":"lookup","arguments":""}}]},"finish_reason":null}]}"#,
        r#"{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":"}}]},"finish_reason":null}]}"#,
        r#"{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]},"finish_reason":null}]}"#,
        r#"{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        r#"{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}"#,
        "[DONE]",
    ]);
    let (call, complete) = stream_chat(&body);
    assert!(complete);
    assert_eq!(call.response_id.as_deref(), Some("chatcmpl-1"));
    assert_eq!(call.response, Some(Content::Text("Hello \"you\"".into())));
    assert_eq!(
        call.tool_calls,
        [ToolCall::new("call_7", "lookup", r#"{"q":1}"#)]
    );
    assert_eq!(call.finish_reasons, ["tool_calls"]);
    assert_eq!(
        (
            call.prompt_tokens,
            call.completion_tokens,
            call.total_tokens
        ),
        (Some(9), Some(4), Some(13))
    );
}

#[test]
fn assembled_text_stops_at_the_length_cap() {
    let piece = r#"{"choices":[{"index":0,"delta":{"content":"abcdefghij"}}]}"#;
    let body = sse(&[piece; 1000]);
    let mut parser = SseParser::new(MAX_JSON_BODY);
    let mut state = chat_completions::Stream::new(true, 25);
    parser.feed(&body, &mut |_, data| state.event(data));
    let (call, complete) = state.update();
    assert!(!complete);
    assert_eq!(
        call.response,
        Some(Content::Text("abcdefghijabcdefghijabcde…".into()))
    );
}

#[test]
fn responses_request_plain_and_stream() {
    let request = object(
        r#"{"model":"gpt-4.1","instructions":"Be brief.","input":[{"role":"user","content":[{"type":"input_text","text":"Hi"}]}],"max_output_tokens":50,"temperature":1.0,"stream":true}"#,
    );
    let call = responses::request(&request, true, CAP);
    assert_eq!(call.request_model.as_deref(), Some("gpt-4.1"));
    assert_eq!(call.max_tokens, Some(50));
    assert_eq!(
        call.prompt,
        Some(Content::Messages(vec![
            Message::new(Role::System, "Be brief."),
            Message::new(Role::User, "Hi"),
        ]))
    );
    let object_json = r#"{"id":"resp_1","object":"response","status":"completed","model":"gpt-4.1-2025-04-14",
        "output":[{"type":"reasoning","id":"rs_1","summary":[]},
                  {"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Hello!","annotations":[]}]}],
        "usage":{"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":8,"output_tokens_details":{"reasoning_tokens":3},"total_tokens":20}}"#;
    let call = responses::response(object_json.as_bytes(), true, CAP).unwrap();
    assert_eq!(call.response_id.as_deref(), Some("resp_1"));
    assert_eq!(call.response, Some(Content::Text("Hello!".into())));
    assert_eq!(call.finish_reasons, ["stop"]);
    assert_eq!(
        (call.prompt_tokens, call.completion_tokens),
        (Some(12), Some(8))
    );
    assert_eq!(
        (call.cache_read_tokens, call.reasoning_tokens),
        (Some(0), Some(3))
    );

    let events = [
        r#"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","model":"gpt-4.1-2025-04-14","status":"in_progress","output":[],"usage":null}}"#.to_owned(),
        r#"{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hel"}"#.to_owned(),
        r#"{"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"lo!"}"#.to_owned(),
        format!(r#"{{"type":"response.completed","sequence_number":9,"response":{object_json}}}"#),
    ];
    let mut body = String::new();
    for event in &events {
        let name = event.split('"').nth(3).unwrap();
        body.push_str(&format!(
            "event: {name}\ndata: {}\n\n",
            event.replace('\n', "")
        ));
    }
    let mut parser = SseParser::new(MAX_JSON_BODY);
    let mut state = responses::Stream::new(true, CAP);
    parser.feed(body.as_bytes(), &mut |_, data| state.event(data));
    let (call, complete) = state.update();
    assert!(complete);
    assert_eq!(call.response, Some(Content::Text("Hello!".into())));
    assert_eq!(call.response_model.as_deref(), Some("gpt-4.1-2025-04-14"));
    assert_eq!(
        (
            call.prompt_tokens,
            call.completion_tokens,
            call.total_tokens
        ),
        (Some(12), Some(8), Some(20))
    );
}

#[test]
fn responses_function_calls_read_as_tool_calls() {
    let body = br#"{"id":"resp_2","status":"completed","model":"m","output":[{"type":"function_call","id":"fc_1","call_id":"call_9","name":"get_weather","arguments":"{\"city\":\"Oslo\"}","status":"completed"}],"usage":{"input_tokens":5,"output_tokens":7,"total_tokens":12}}"#;
    let call = responses::response(body, true, CAP).unwrap();
    assert_eq!(
        call.tool_calls,
        [ToolCall::new("call_9", "get_weather", r#"{"city":"Oslo"}"#)]
    );
    assert_eq!(call.finish_reasons, ["tool_calls"]);
}

#[test]
fn embeddings_read_inputs_and_input_tokens() {
    let call = embeddings::request(
        &object(
            r#"{"model":"text-embedding-3-small","input":["alpha","beta"],"encoding_format":"float"}"#,
        ),
        true,
        CAP,
    );
    assert_eq!(call.operation(), "embeddings");
    assert_eq!(call.prompt, Some(Content::Text("alpha\nbeta".into())));
    let body = br#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.2]},{"object":"embedding","index":1,"embedding":[0.3,0.4]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":4,"total_tokens":4}}"#;
    let call = embeddings::response(body).unwrap();
    assert_eq!(
        call.response_model.as_deref(),
        Some("text-embedding-3-small")
    );
    assert_eq!(
        (
            call.prompt_tokens,
            call.completion_tokens,
            call.total_tokens
        ),
        (Some(4), None, None)
    );
}

#[test]
fn anthropic_request_plain_and_stream() {
    let request = object(
        r#"{"model":"claude-sonnet-4-5","max_tokens":1024,"system":[{"type":"text","text":"Be brief."}],"stop_sequences":["STOP"],"messages":[{"role":"user","content":"Hi"}],"stream":true}"#,
    );
    let call = anthropic::request(&request, true, CAP);
    assert_eq!(call.max_tokens, Some(1024));
    assert_eq!(call.stop_sequences, ["STOP"]);
    assert_eq!(
        call.prompt,
        Some(Content::Messages(vec![
            Message::new(Role::System, "Be brief."),
            Message::new(Role::User, "Hi"),
        ]))
    );
    let body = br#"{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
        "content":[{"type":"text","text":"Let me check."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Rome"}}],
        "stop_reason":"tool_use","stop_sequence":null,
        "usage":{"input_tokens":10,"cache_creation_input_tokens":100,"cache_read_input_tokens":50,"output_tokens":30}}"#;
    let call = anthropic::response(body, true, CAP).unwrap();
    assert_eq!(call.response_id.as_deref(), Some("msg_01"));
    assert_eq!(call.response, Some(Content::Text("Let me check.".into())));
    assert_eq!(
        call.tool_calls,
        [ToolCall::new(
            "toolu_1",
            "get_weather",
            r#"{"city":"Rome"}"#
        )]
    );
    assert_eq!(call.finish_reasons, ["tool_use"]);
    assert_eq!(
        (call.prompt_tokens, call.completion_tokens),
        (Some(160), Some(30))
    );
    assert_eq!(
        (call.cache_read_tokens, call.cache_creation_tokens),
        (Some(50), Some(100))
    );

    let stream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_02\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n\
        event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
        event: ping\ndata: {\"type\": \"ping\"}\n\n\
        event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi \"}}\n\n\
        event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"there\"}}\n\n\
        event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"search\",\"input\":{}}}\n\n\
        event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"q\\\": \"}}\n\n\
        event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"x\\\"}\"}}\n\n\
        event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n\
        event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    let mut parser = SseParser::new(MAX_JSON_BODY);
    let mut state = anthropic::Stream::new(true, CAP);
    parser.feed(stream.as_bytes(), &mut |event, data| {
        state.event(event, data)
    });
    let (call, complete) = state.update();
    assert!(complete);
    assert_eq!(call.response_id.as_deref(), Some("msg_02"));
    assert_eq!(call.response, Some(Content::Text("Hi there".into())));
    assert_eq!(
        call.tool_calls,
        [ToolCall::new("toolu_2", "search", r#"{"q": "x"}"#)]
    );
    assert_eq!(call.finish_reasons, ["end_turn"]);
    assert_eq!(
        (call.prompt_tokens, call.completion_tokens),
        (Some(25), Some(15))
    );
}

#[test]
fn provider_errors_give_type_and_message() {
    let status = http::StatusCode::TOO_MANY_REQUESTS;
    assert_eq!(
        json::provider_error(status, br#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#),
        ("requests".into(), "Rate limit reached".into())
    );
    assert_eq!(
        json::provider_error(
            status,
            br#"{"error":{"message":"quota","type":null,"code":"insufficient_quota"}}"#
        ),
        ("insufficient_quota".into(), "quota".into())
    );
    assert_eq!(
        json::provider_error(
            http::StatusCode::from_u16(529).unwrap(),
            br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
        ),
        ("overloaded_error".into(), "Overloaded".into())
    );
    assert_eq!(
        json::provider_error(http::StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>"),
        (
            "502".into(),
            "HTTP 502 Bad Gateway: <html>bad gateway</html>".into()
        )
    );
    assert_eq!(
        json::provider_error(http::StatusCode::INTERNAL_SERVER_ERROR, b""),
        ("500".into(), "HTTP 500 Internal Server Error".into())
    );
}

#[test]
fn garbage_bodies_are_not_recorded_and_never_panic() {
    for body in [
        &b""[..],
        b"not json",
        b"[1,2,3]",
        b"{\"choices\":17}",
        b"\xff\xfe{",
    ] {
        assert!(chat_completions::response(body, true, CAP).is_none());
        assert!(responses::response(body, true, CAP).is_none());
        assert!(anthropic::response(body, true, CAP).is_none());
        let mut parser = SseParser::new(64);
        let mut state = chat_completions::Stream::new(true, CAP);
        parser.feed(body, &mut |_, data| state.event(data));
        parser.finish(&mut |_, data| state.event(data));
        let (call, complete) = state.update();
        assert!(!complete);
        assert_eq!(call.response, None);
    }
    let uri: http::Uri = "https://api.openai.com/v1/chat/completions"
        .parse()
        .unwrap();
    let options = WireOptions::default();
    assert!(Exchange::start(&http::Method::POST, &uri, b"not json", &options).is_none());
    assert!(Exchange::start(&http::Method::POST, &uri, b"[]", &options).is_none());
    let models: http::Uri = "https://api.openai.com/v1/models".parse().unwrap();
    assert!(Exchange::start(&http::Method::POST, &models, b"{}", &options).is_none());
    assert!(Exchange::start(&http::Method::GET, &uri, b"{}", &options).is_none());
}

// Whole exchanges, exported through a process-wide in-memory pipeline (the LLM span uses the
// global tracer), one test at a time.

fn exporter() -> (MutexGuard<'static, ()>, &'static InMemorySpanExporter) {
    static LOCK: Mutex<()> = Mutex::new(());
    static EXPORTER: OnceLock<InMemorySpanExporter> = OnceLock::new();
    let lock = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let exporter = EXPORTER.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        global::set_tracer_provider(provider);
        exporter
    });
    exporter.reset();
    (lock, exporter)
}

fn only_span(exporter: &InMemorySpanExporter) -> (SpanData, BTreeMap<String, Value>) {
    let mut spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1, "{spans:#?}");
    let span = spans.remove(0);
    let attributes = span
        .attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect();
    (span, attributes)
}

fn start(url: &str, request: &str) -> Exchange {
    let uri: http::Uri = url.parse().unwrap();
    Exchange::start(
        &http::Method::POST,
        &uri,
        request.as_bytes(),
        &WireOptions::default(),
    )
    .unwrap()
}

fn head(exchange: &mut Exchange, status: u16, content_type: &str) {
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, content_type.parse().unwrap());
    exchange.response_head(http::StatusCode::from_u16(status).unwrap(), &headers);
}

const SIMPLE_CHAT: &str =
    r#"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":true}"#;

#[test]
fn a_streamed_chat_exchange_records_the_span() {
    let (_lock, exporter) = exporter();
    let mut exchange = start("https://api.openai.com/v1/chat/completions", SIMPLE_CHAT);
    head(&mut exchange, 200, "text/event-stream; charset=utf-8");
    let body = sse(&[
        r#"{"id":"c1","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#,
        "[DONE]",
    ]);
    // Cut mid-line, as the network may.
    exchange.response_chunk(&body[..17]);
    exchange.response_chunk(&body[17..]);
    exchange.finish();
    let (span, attributes) = only_span(exporter);
    assert_eq!(span.name, "chat gpt-4o");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attributes["chat.prompt"], "Hi".into());
    assert_eq!(attributes["chat.response"], "Hello".into());
    assert_eq!(attributes["chat.total_tokens"], 4.into());
    assert_eq!(attributes["gen_ai.provider.name"], "openai".into());
    assert_eq!(attributes["gen_ai.request.stream"], true.into());
    assert_eq!(attributes["server.address"], "api.openai.com".into());
    assert_eq!(attributes["server.port"], 443.into());
    assert_eq!(attributes["gen_ai.response.id"], "c1".into());
    let Value::F64(ttfc) = attributes["gen_ai.response.time_to_first_chunk"] else {
        panic!("{attributes:?}")
    };
    assert!((0.0..1.0).contains(&ttfc), "{ttfc}");
}

#[test]
fn an_http_error_sets_status_error_with_the_provider_type() {
    let (_lock, exporter) = exporter();
    let mut exchange = start("http://127.0.0.1:4000/v1/chat/completions", SIMPLE_CHAT);
    head(&mut exchange, 429, "application/json");
    exchange.response_chunk(br#"{"error":{"message":"Slow down","type":"rate_limit_error"}}"#);
    exchange.finish();
    let (span, attributes) = only_span(exporter);
    assert_eq!(span.status, Status::error("Slow down"));
    assert_eq!(attributes["error.type"], "rate_limit_error".into());
    assert_eq!(attributes["error"], "Slow down".into());
    assert_eq!(attributes["server.port"], 4000.into());
    assert_eq!(attributes["gen_ai.provider.name"], "openai".into());
}

#[test]
fn a_cut_stream_keeps_what_arrived_and_fails() {
    let (_lock, exporter) = exporter();
    let mut exchange = start("https://api.openai.com/v1/chat/completions", SIMPLE_CHAT);
    head(&mut exchange, 200, "text/event-stream");
    exchange.response_chunk(&sse(&[
        r#"{"choices":[{"index":0,"delta":{"content":"Par"}}]}"#,
    ]));
    exchange.fail("body_error", "connection reset");
    let (span, attributes) = only_span(exporter);
    assert_eq!(span.status, Status::error("connection reset"));
    assert_eq!(attributes["error.type"], "body_error".into());
    assert_eq!(attributes["chat.response"], "Par".into());
}

#[test]
fn a_stream_ending_without_its_final_event_is_incomplete() {
    let (_lock, exporter) = exporter();
    let mut exchange = start("https://api.openai.com/v1/chat/completions", SIMPLE_CHAT);
    head(&mut exchange, 200, "text/event-stream");
    exchange.response_chunk(&sse(&[
        r#"{"choices":[{"index":0,"delta":{"content":"Par"}}]}"#,
    ]));
    exchange.finish();
    let (span, attributes) = only_span(exporter);
    assert_eq!(
        span.status,
        Status::error("the stream ended before its final event")
    );
    assert_eq!(attributes["error.type"], "incomplete_stream".into());
}

#[test]
fn a_dropped_exchange_is_marked_cancelled_with_status_unset() {
    let (_lock, exporter) = exporter();
    let mut exchange = start(
        "https://api.anthropic.com/v1/messages",
        r#"{"model":"claude","max_tokens":5,"messages":[{"role":"user","content":"Hi"}],"stream":true}"#,
    );
    head(&mut exchange, 200, "text/event-stream");
    exchange.response_chunk(b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n");
    drop(exchange);
    let (span, attributes) = only_span(exporter);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attributes["iftracer.llm.cancelled"], true.into());
    assert_eq!(attributes["chat.response"], "Hel".into());
    assert_eq!(attributes["gen_ai.provider.name"], "anthropic".into());
}

#[test]
fn a_plain_json_body_over_the_bound_is_passed_over() {
    let (_lock, exporter) = exporter();
    let mut exchange = start(
        "https://api.openai.com/v1/embeddings",
        r#"{"model":"e","input":"x"}"#,
    );
    head(&mut exchange, 200, "application/json");
    let filler = vec![b' '; 1 << 20];
    for _ in 0..5 {
        exchange.response_chunk(&filler);
    }
    exchange.response_chunk(br#"{"model":"e","usage":{"prompt_tokens":1,"total_tokens":1}}"#);
    exchange.finish();
    let (span, attributes) = only_span(exporter);
    assert_eq!(span.name, "embeddings e");
    assert_eq!(span.status, Status::Unset);
    assert!(
        !attributes.contains_key("chat.prompt_tokens"),
        "{attributes:?}"
    );
}
