//! LLM calls traced from the wire, end to end: real clients (async-openai through
//! `iftracer::async_openai::layer()`, reqwest through `iftracer::reqwest_middleware::LlmTracing`)
//! against the LiteLLM proxy on loopback (`tests/support/litellm.rs`), and against a scripted
//! HTTP server on a real socket for what LiteLLM cannot do offline (Responses and Anthropic
//! streams, error bodies, cut and dropped streams, the `traceparent` it received). Spans are
//! exported to the SDK's in-memory exporter through a global pipeline (the LLM span uses the
//! global tracer), so the tests take turns through one lock.

use iftracer_test_support as support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::middleware::ReqwestService;
use iftracer::opentelemetry::trace::Status;
use iftracer::opentelemetry::{StringValue, Value};
use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use iftracer::{ExportMode, Iftracer, TracerGuard};
use serde_json::json;
use support::litellm::{
    self, ANTHROPIC_MOCK_RESPONSE, ANTHROPIC_MODEL, CHAT_MODEL, EMBEDDING_MODEL, MOCK_RESPONSE,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_stream::StreamExt;

static GLOBAL_PIPELINE: Mutex<()> = Mutex::new(());

struct Harness {
    _lock: MutexGuard<'static, ()>,
    guard: Option<TracerGuard>,
    exporter: InMemorySpanExporter,
    runtime: tokio::runtime::Runtime,
}

impl Harness {
    fn new() -> Harness {
        let lock = GLOBAL_PIPELINE.lock().unwrap_or_else(|p| p.into_inner());
        // Already installed by an earlier test: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let exporter = InMemorySpanExporter::default();
        let guard = Iftracer::builder()
            .ignore_env()
            .tracing_subscriber(false)
            .exporter(exporter.clone())
            .export_mode(ExportMode::Simple)
            .init()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        Harness {
            _lock: lock,
            guard: Some(guard),
            exporter,
            runtime,
        }
    }

    /// The one span exported, and its attributes.
    fn only_span(&self) -> (SpanData, BTreeMap<String, Value>) {
        let mut spans = self.exporter.get_finished_spans().unwrap();
        assert_eq!(spans.len(), 1, "{spans:#?}");
        let span = spans.remove(0);
        let attributes = span
            .attributes
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.clone()))
            .collect();
        (span, attributes)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(guard) = self.guard.take() {
            let _ = guard.shutdown();
        }
    }
}

fn strings(items: &[&str]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|s| StringValue::from((*s).to_owned()))
            .collect::<Vec<_>>()
            .into(),
    )
}

fn expected(pairs: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Removes `key` and returns it (for values that change from run to run).
fn take(attributes: &mut BTreeMap<String, Value>, key: &str) -> Value {
    attributes
        .remove(key)
        .unwrap_or_else(|| panic!("no {key} in {attributes:#?}"))
}

fn openai_client(base: String, key: &str) -> Client<OpenAIConfig> {
    let service = tower::ServiceBuilder::new()
        .layer(iftracer::async_openai::layer())
        .service(ReqwestService::new(reqwest::Client::new()));
    Client::with_config(OpenAIConfig::new().with_api_base(base).with_api_key(key))
        .with_http_service(service)
}

fn traced_reqwest() -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(iftracer::reqwest_middleware::LlmTracing::new())
        .build()
}

/// POSTs `body` through `client`; the status and the body bytes as the application reads them.
async fn post(
    client: &reqwest_middleware::ClientWithMiddleware,
    url: &str,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
) -> Result<(u16, Vec<u8>), String> {
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.map_err(|e| format!("body: {e}"))?);
    }
    Ok((status, bytes))
}

const PROMPT_JSON: &str = r#"[{"role":"system","parts":[{"type":"text","content":"Be brief."}]},{"role":"user","parts":[{"type":"text","content":"What is OTLP?"}]}]"#;

#[test]
fn async_openai_plain_chat_against_litellm() {
    let h = Harness::new();
    let proxy = litellm::proxy();
    let client = openai_client(proxy.openai_base_url(), proxy.master_key());
    let request = serde_json::from_value(json!({
        "model": CHAT_MODEL,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is OTLP?"},
        ],
        "temperature": 0.5,
        "max_completion_tokens": 100,
        "seed": 3,
    }))
    .unwrap();
    let response = h.runtime.block_on(client.chat().create(request)).unwrap();
    assert_eq!(
        response.choices[0].message.content.as_deref(),
        Some(MOCK_RESPONSE)
    );

    let (span, mut attributes) = h.only_span();
    assert_eq!(span.name, "chat gpt-4o-mini");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(
        take(&mut attributes, "gen_ai.response.id"),
        response.id.clone().into()
    );
    assert_eq!(
        take(&mut attributes, "server.port"),
        i64::from(proxy.addr().port()).into()
    );
    let output = format!(
        r#"[{{"role":"assistant","parts":[{{"type":"text","content":"{MOCK_RESPONSE}"}}],"finish_reason":"stop"}}]"#
    );
    assert_eq!(
        attributes,
        expected(vec![
            ("span.kind", "internal".into()),
            (
                "chat.prompt",
                "system: Be brief.\nuser: What is OTLP?".into()
            ),
            ("chat.response", MOCK_RESPONSE.into()),
            ("chat.model", "gpt-4o-mini".into()),
            ("chat.prompt_tokens", 10.into()),
            ("chat.completion_tokens", 20.into()),
            ("chat.total_tokens", 30.into()),
            ("gen_ai.operation.name", "chat".into()),
            ("gen_ai.provider.name", "openai".into()),
            ("gen_ai.system", "openai".into()),
            ("gen_ai.request.model", "gpt-4o-mini".into()),
            ("gen_ai.response.model", "gpt-4o-mini".into()),
            ("gen_ai.request.temperature", 0.5.into()),
            ("gen_ai.request.max_tokens", 100.into()),
            ("gen_ai.request.seed", 3.into()),
            ("gen_ai.response.finish_reasons", strings(&["stop"])),
            ("gen_ai.usage.input_tokens", 10.into()),
            ("gen_ai.usage.output_tokens", 20.into()),
            ("gen_ai.input.messages", PROMPT_JSON.into()),
            ("gen_ai.output.messages", output.into()),
            ("server.address", "127.0.0.1".into()),
        ])
    );
}

#[test]
fn async_openai_streamed_chat_with_usage_against_litellm() {
    let h = Harness::new();
    let proxy = litellm::proxy();
    let client = openai_client(proxy.openai_base_url(), proxy.master_key());
    let request = serde_json::from_value(json!({
        "model": CHAT_MODEL,
        "messages": [{"role": "user", "content": "What is OTLP?"}],
        "stream": true,
        "stream_options": {"include_usage": true},
    }))
    .unwrap();
    let text = h.runtime.block_on(async {
        let mut stream = client.chat().create_stream(request).await.unwrap();
        let mut text = String::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            if let Some(choice) = chunk.choices.first() {
                text.push_str(choice.delta.content.as_deref().unwrap_or_default());
            }
        }
        text
    });
    assert_eq!(text, MOCK_RESPONSE);

    let (span, mut attributes) = h.only_span();
    assert_eq!(span.status, Status::Unset);
    let Value::F64(ttfc) = take(&mut attributes, "gen_ai.response.time_to_first_chunk") else {
        panic!("time to first chunk is not a float")
    };
    assert!(ttfc > 0.0 && ttfc < 30.0, "{ttfc}");
    let Value::String(id) = take(&mut attributes, "gen_ai.response.id") else {
        panic!("no response id")
    };
    assert!(id.as_str().starts_with("chatcmpl-"), "{id}");
    take(&mut attributes, "server.port");
    take(&mut attributes, "gen_ai.input.messages");
    take(&mut attributes, "gen_ai.output.messages");
    assert_eq!(
        attributes,
        expected(vec![
            ("span.kind", "internal".into()),
            ("chat.prompt", "What is OTLP?".into()),
            ("chat.response", MOCK_RESPONSE.into()),
            ("chat.model", "gpt-4o-mini".into()),
            ("chat.prompt_tokens", 12.into()),
            ("chat.completion_tokens", 14.into()),
            ("chat.total_tokens", 26.into()),
            ("gen_ai.operation.name", "chat".into()),
            ("gen_ai.provider.name", "openai".into()),
            ("gen_ai.system", "openai".into()),
            ("gen_ai.request.model", "gpt-4o-mini".into()),
            ("gen_ai.response.model", "gpt-4o-mini".into()),
            ("gen_ai.request.stream", true.into()),
            ("gen_ai.response.finish_reasons", strings(&["stop"])),
            ("gen_ai.usage.input_tokens", 12.into()),
            ("gen_ai.usage.output_tokens", 14.into()),
            ("gen_ai.usage.reasoning.output_tokens", 0.into()),
            ("server.address", "127.0.0.1".into()),
        ])
    );
}

#[test]
fn reqwest_middleware_embeddings_responses_and_anthropic_against_litellm() {
    let h = Harness::new();
    let proxy = litellm::proxy();
    let client = traced_reqwest();
    let auth = format!("Bearer {}", proxy.master_key());
    let base = proxy.openai_base_url();
    let headers = [("authorization", auth.as_str())];

    let (status, body) = h
        .runtime
        .block_on(post(
            &client,
            &format!("{base}/embeddings"),
            &headers,
            &json!({"model": EMBEDDING_MODEL, "input": ["alpha", "beta"]}),
        ))
        .unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (span, attributes) = h.only_span();
    assert_eq!(span.name, "embeddings text-embedding-3-small");
    assert_eq!(attributes["gen_ai.operation.name"], "embeddings".into());
    assert_eq!(attributes["chat.prompt"], "alpha\nbeta".into());
    assert_eq!(attributes["gen_ai.usage.input_tokens"], 10.into());
    assert!(!attributes.contains_key("gen_ai.usage.output_tokens"));
    h.exporter.reset();

    let (status, _) = h
        .runtime
        .block_on(post(
            &client,
            &format!("{base}/responses"),
            &headers,
            &json!({"model": CHAT_MODEL, "instructions": "Be brief.", "input": "What is OTLP?", "max_output_tokens": 64}),
        ))
        .unwrap();
    assert_eq!(status, 200);
    let (span, attributes) = h.only_span();
    assert_eq!(span.name, "chat gpt-4o-mini");
    assert_eq!(
        attributes["chat.prompt"],
        "system: Be brief.\nuser: What is OTLP?".into()
    );
    assert_eq!(attributes["chat.response"], MOCK_RESPONSE.into());
    assert_eq!(attributes["gen_ai.request.max_tokens"], 64.into());
    assert_eq!(
        attributes["gen_ai.response.finish_reasons"],
        strings(&["stop"])
    );
    assert_eq!(
        (
            &attributes["chat.prompt_tokens"],
            &attributes["chat.completion_tokens"],
            &attributes["chat.total_tokens"]
        ),
        (&36.into(), &87.into(), &123.into())
    );
    h.exporter.reset();

    let (status, _) = h
        .runtime
        .block_on(post(
            &client,
            &format!("{}/v1/messages", proxy.base_url()),
            &[
                ("x-api-key", proxy.master_key()),
                ("anthropic-version", "2023-06-01"),
            ],
            &json!({"model": ANTHROPIC_MODEL, "max_tokens": 50, "system": "Be brief.",
                    "messages": [{"role": "user", "content": "Why trace?"}]}),
        ))
        .unwrap();
    assert_eq!(status, 200);
    let (span, attributes) = h.only_span();
    assert_eq!(span.name, "chat claude-3-5-haiku");
    // An unknown host: the provider is the API's dialect.
    assert_eq!(attributes["gen_ai.provider.name"], "anthropic".into());
    assert_eq!(
        attributes["chat.prompt"],
        "system: Be brief.\nuser: Why trace?".into()
    );
    assert_eq!(attributes["chat.response"], ANTHROPIC_MOCK_RESPONSE.into());
    assert_eq!(
        attributes["gen_ai.response.id"],
        "msg_013Zva2CMHLNnXjNJJKqJ2EF".into()
    );
    assert_eq!(
        attributes["gen_ai.response.finish_reasons"],
        strings(&["end_turn"])
    );
    assert_eq!(attributes["gen_ai.request.max_tokens"], 50.into());
    assert_eq!(
        (
            &attributes["chat.prompt_tokens"],
            &attributes["chat.completion_tokens"]
        ),
        (&2095.into(), &503.into())
    );
}

// A scripted HTTP/1.1 server on a real loopback socket: it records each request's head and
// answers with the given steps.

#[derive(Clone)]
enum Step {
    Send(Vec<u8>),
    Pause(Duration),
    /// Keep the connection open until the client closes it.
    Hold,
}

struct Scripted {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Scripted {
    fn header(&self, name: &str) -> Option<String> {
        let heads = self.heads.lock().unwrap();
        let head = heads.last()?;
        head.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

async fn scripted(path: &str, steps: Vec<Step>) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&heads);
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (seen, steps) = (Arc::clone(&seen), steps.clone());
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                let head_end = loop {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        break at + 4;
                    }
                };
                let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                while request.len() < head_end + length {
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                seen.lock().unwrap().push(head);
                for step in steps {
                    match step {
                        Step::Send(bytes) => {
                            if socket.write_all(&bytes).await.is_err() {
                                return;
                            }
                        }
                        Step::Pause(d) => tokio::time::sleep(d).await,
                        Step::Hold => {
                            let _ = socket.read(&mut buf).await;
                            return;
                        }
                    }
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    Scripted { url, heads, task }
}

fn chunked_head(status: &str, content_type: &str) -> Step {
    Step::Send(
        format!("HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n")
            .into_bytes(),
    )
}

fn chunk(data: &str) -> Step {
    Step::Send(format!("{:x}\r\n{data}\r\n", data.len()).into_bytes())
}

fn last_chunk() -> Step {
    Step::Send(b"0\r\n\r\n".to_vec())
}

fn plain(status: &str, content_type: &str, body: &str) -> Vec<Step> {
    vec![Step::Send(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )]
}

const CHAT: &str =
    r#"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":true}"#;

fn chat_events() -> [String; 3] {
    [
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n".to_owned(),
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n".to_owned(),
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\ndata: [DONE]\n\n".to_owned(),
    ]
}

#[test]
fn a_stream_reaches_the_application_byte_for_byte_and_the_server_gets_the_traceparent() {
    let h = Harness::new();
    let events = chat_events();
    let mut steps = vec![chunked_head("200 OK", "text/event-stream")];
    for event in &events {
        steps.push(chunk(event));
        steps.push(Step::Pause(Duration::from_millis(20)));
    }
    steps.push(last_chunk());
    let body: Vec<u8> = events.concat().into_bytes();
    let request: serde_json::Value = serde_json::from_str(CHAT).unwrap();

    let (traced, untraced, traceparent) = h.runtime.block_on(async {
        let server = scripted("/v1/chat/completions", steps).await;
        let traced = post(&traced_reqwest(), &server.url, &[], &request)
            .await
            .unwrap();
        let traceparent = server.header("traceparent");
        let plain_client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new()).build();
        let untraced = post(&plain_client, &server.url, &[], &request)
            .await
            .unwrap();
        (traced, untraced, traceparent)
    });
    assert_eq!(traced, (200, body.clone()));
    assert_eq!(untraced, (200, body));

    let (span, attributes) = h.only_span();
    let cx = &span.span_context;
    assert_eq!(
        traceparent.as_deref(),
        Some(format!("00-{}-{}-01", cx.trace_id(), cx.span_id()).as_str())
    );
    assert_eq!(attributes["chat.response"], "Hello".into());
    assert_eq!(attributes["chat.total_tokens"], 7.into());
    assert_eq!(span.status, Status::Unset);
}

#[test]
fn traceparent_can_be_turned_off() {
    let h = Harness::new();
    let request: serde_json::Value = serde_json::from_str(CHAT).unwrap();
    let traceparent = h.runtime.block_on(async {
        let server = scripted(
            "/v1/chat/completions",
            plain("200 OK", "application/json", "{}"),
        )
        .await;
        let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(
                iftracer::reqwest_middleware::LlmTracing::new()
                    .traceparent(false)
                    .provider("acme"),
            )
            .build();
        post(&client, &server.url, &[], &request).await.unwrap();
        server.header("traceparent")
    });
    assert_eq!(traceparent, None);
    let (_, attributes) = h.only_span();
    assert_eq!(attributes["gen_ai.provider.name"], "acme".into());
}

#[test]
fn http_errors_set_status_error_with_the_provider_error_type() {
    let h = Harness::new();
    let request: serde_json::Value = serde_json::from_str(CHAT).unwrap();
    let rate_limited = r#"{"error":{"message":"Rate limit reached for gpt-4o","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#;
    let (first, second) = h.runtime.block_on(async {
        let server = scripted(
            "/v1/chat/completions",
            plain("429 Too Many Requests", "application/json", rate_limited),
        )
        .await;
        let first = post(&traced_reqwest(), &server.url, &[], &request)
            .await
            .unwrap();
        let server = scripted(
            "/v1/messages",
            plain(
                "500 Internal Server Error",
                "text/plain",
                "Internal Server Error",
            ),
        )
        .await;
        let second = post(&traced_reqwest(), &server.url, &[], &request)
            .await
            .unwrap();
        (first, second)
    });
    assert_eq!(first, (429, rate_limited.as_bytes().to_vec()));
    assert_eq!(second, (500, b"Internal Server Error".to_vec()));

    let spans = h.exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 2);
    let error_type = |span: &SpanData| {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == "error.type")
            .map(|kv| kv.value.clone())
    };
    assert_eq!(
        spans[0].status,
        Status::error("Rate limit reached for gpt-4o")
    );
    assert_eq!(error_type(&spans[0]), Some("requests".into()));
    assert_eq!(
        spans[1].status,
        Status::error("HTTP 500 Internal Server Error: Internal Server Error")
    );
    assert_eq!(error_type(&spans[1]), Some("500".into()));
}

#[test]
fn connection_refused_fails_the_span_and_the_call_alike() {
    let h = Harness::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // the listener is dropped: nothing listens there now
    let request: serde_json::Value = serde_json::from_str(CHAT).unwrap();
    let url = format!("http://127.0.0.1:{port}/v1/chat/completions");
    let result = h
        .runtime
        .block_on(post(&traced_reqwest(), &url, &[], &request));
    assert!(result.is_err());
    let (span, attributes) = h.only_span();
    assert!(
        matches!(span.status, Status::Error { .. }),
        "{:?}",
        span.status
    );
    assert_eq!(attributes["error.type"], "connection_error".into());
}

#[test]
fn a_stream_cut_mid_way_fails_with_what_arrived() {
    let h = Harness::new();
    let events = chat_events();
    let steps = vec![
        chunked_head("200 OK", "text/event-stream"),
        chunk(&events[0]),
        Step::Pause(Duration::from_millis(20)),
        // The connection closes without the final chunk.
    ];
    let request: serde_json::Value = serde_json::from_str(CHAT).unwrap();
    let result = h.runtime.block_on(async {
        let server = scripted("/v1/chat/completions", steps).await;
        post(&traced_reqwest(), &server.url, &[], &request).await
    });
    assert!(result.unwrap_err().starts_with("body:"));
    let (span, attributes) = h.only_span();
    assert!(
        matches!(span.status, Status::Error { .. }),
        "{:?}",
        span.status
    );
    assert_eq!(attributes["error.type"], "body_error".into());
    assert_eq!(attributes["chat.response"], "Hel".into());
}

#[test]
fn a_dropped_stream_ends_the_span_marked_cancelled() {
    let h = Harness::new();
    let events = chat_events();
    let steps = vec![
        chunked_head("200 OK", "text/event-stream"),
        chunk(&events[0]),
        Step::Hold,
    ];
    let exporter = h.exporter.clone();
    let first = h.runtime.block_on(async {
        let server = scripted("/v1/chat/completions", steps).await;
        let base = server.url.trim_end_matches("/chat/completions").to_owned();
        let client = openai_client(base, "sk-test");
        let request = serde_json::from_value(serde_json::from_str(CHAT).unwrap()).unwrap();
        let mut stream = client.chat().create_stream(request).await.unwrap();
        let first = stream.next().await.unwrap().unwrap();
        drop(stream); // the application stops reading
        // async-openai reads the body on a task of its own, which notices the drop and drops
        // the response right after.
        for _ in 0..500 {
            if !exporter.get_finished_spans().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        first.choices[0].delta.content.clone()
    });
    assert_eq!(first.as_deref(), Some("Hel"));
    let (span, attributes) = h.only_span();
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attributes["iftracer.llm.cancelled"], true.into());
    assert_eq!(attributes["chat.response"], "Hel".into());
}

#[test]
fn anthropic_and_responses_streams_are_assembled() {
    let h = Harness::new();
    let anthropic = [
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"usage\":{\"input_tokens\":11,\"cache_read_input_tokens\":4,\"output_tokens\":1}}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Spans \"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"help.\"}}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":6}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    ];
    let responses = [
        "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-4.1\",\"status\":\"in_progress\",\"output\":[]}}\n\n",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hi!\"}\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-4.1\",\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":2,\"total_tokens\":5}}}\n\n",
    ];
    let script = |events: &[&str]| {
        let mut steps = vec![chunked_head("200 OK", "text/event-stream")];
        steps.extend(events.iter().map(|e| chunk(e)));
        steps.push(last_chunk());
        steps
    };
    h.runtime.block_on(async {
        let server = scripted("/v1/messages", script(&anthropic)).await;
        let request = json!({"model": "claude-sonnet-4-5", "max_tokens": 20, "stream": true,
                             "messages": [{"role": "user", "content": "Why?"}]});
        let (status, body) = post(&traced_reqwest(), &server.url, &[], &request)
            .await
            .unwrap();
        assert_eq!((status, body), (200, anthropic.concat().into_bytes()));
        let server = scripted("/v1/responses", script(&responses)).await;
        let request = json!({"model": "gpt-4.1", "input": "Hi", "stream": true});
        let (status, body) = post(&traced_reqwest(), &server.url, &[], &request)
            .await
            .unwrap();
        assert_eq!((status, body), (200, responses.concat().into_bytes()));
    });
    let spans = h.exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 2);
    let attributes = |span: &SpanData| -> BTreeMap<String, Value> {
        span.attributes
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.clone()))
            .collect()
    };
    let a = attributes(&spans[0]);
    assert_eq!(a["chat.response"], "Spans help.".into());
    assert_eq!(a["gen_ai.response.id"], "msg_1".into());
    assert_eq!(a["gen_ai.response.finish_reasons"], strings(&["end_turn"]));
    assert_eq!(a["chat.prompt_tokens"], 15.into());
    assert_eq!(a["gen_ai.usage.cache_read.input_tokens"], 4.into());
    assert_eq!(a["chat.completion_tokens"], 6.into());
    assert_eq!(spans[0].status, Status::Unset);
    let r = attributes(&spans[1]);
    assert_eq!(r["chat.response"], "Hi!".into());
    assert_eq!(r["gen_ai.response.id"], "resp_1".into());
    assert_eq!(r["chat.total_tokens"], 5.into());
    assert_eq!(r["gen_ai.response.finish_reasons"], strings(&["stop"]));
    assert_eq!(spans[1].status, Status::Unset);
}

/// Traced automatically and exported to an InsightFinder destination, each call gives the
/// gateway one pair with the session of the agent run.
#[test]
fn insightfinder_reads_one_pair_per_automatically_traced_call() {
    use iftracer::AssociationsExt;
    use iftracer::opentelemetry::Context;
    use iftracer::opentelemetry::context::FutureExt as _;
    use iftracer::opentelemetry::trace::{TraceContextExt, Tracer};

    let _lock = GLOBAL_PIPELINE.lock().unwrap_or_else(|p| p.into_inner());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let receiver = support::Receiver::grpc(support::Reply::Accept, None);
    let guard = Iftracer::builder()
        .ignore_env()
        .tracing_subscriber(false)
        .endpoint(receiver.endpoint())
        .user("u")
        .license_key("LK-1")
        .project("p")
        .system("s")
        .init()
        .unwrap();
    let proxy = litellm::proxy();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let openai = openai_client(proxy.openai_base_url(), proxy.master_key());
    let anthropic = traced_reqwest();
    let tracer = iftracer::opentelemetry::global::tracer("agent");
    let root = tracer.start("support.agent");
    let cx = Context::current_with_span(root).with_session("ticket-7");
    runtime.block_on(
        async {
            let request = serde_json::from_value(json!({
                "model": CHAT_MODEL,
                "messages": [{"role": "user", "content": "What is OTLP?"}],
            }))
            .unwrap();
            openai.chat().create(request).await.unwrap();
            let (status, _) = post(
                &anthropic,
                &format!("{}/v1/messages", proxy.base_url()),
                &[
                    ("x-api-key", proxy.master_key()),
                    ("anthropic-version", "2023-06-01"),
                ],
                &json!({"model": ANTHROPIC_MODEL, "max_tokens": 50,
                        "messages": [{"role": "user", "content": "Why trace?"}]}),
            )
            .await
            .unwrap();
            assert_eq!(status, 200);
        }
        .with_context(cx.clone()),
    );
    cx.span().end();
    guard.shutdown().unwrap();
    let view = support::gateway::read(&receiver.received()).unwrap();
    assert_eq!(
        view.texts(),
        [
            ("What is OTLP?", MOCK_RESPONSE),
            ("Why trace?", ANTHROPIC_MOCK_RESPONSE)
        ]
    );
    for pair in &view.pairs {
        assert_eq!(pair.session.as_deref(), Some("ticket-7"), "{pair:?}");
    }
}
