//! What the wire recorder costs (`cargo bench -p iftracer --features async-openai --bench wire`):
//! async-openai's HTTP service stack answering from memory (no network, so only the recorder's
//! work differs), with and without `iftracer::async_openai::layer()`, recording into an SDK
//! provider with a discarding span processor.
//! - a plain Chat Completions call with a 4 KB response, read to the end;
//! - a streamed call of 100 SSE chunks, read chunk by chunk (per-chunk cost = difference / 100).

use std::convert::Infallible;
use std::hint::black_box;

use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, Span, SpanData, SpanProcessor};
use tower::{Layer, Service, ServiceExt, service_fn};

const CHUNKS: usize = 100;

/// Ends spans into nothing, so only recording is measured.
#[derive(Debug)]
struct Discard;

impl SpanProcessor for Discard {
    fn on_start(&self, _: &mut Span, _: &Context) {}
    fn on_end(&self, span: SpanData) {
        black_box(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn request_factory() -> HttpRequestFactory {
    let body = Bytes::from_static(
        br#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"What is OTLP?"}],"temperature":0.2}"#,
    );
    HttpRequestFactory::new(move || {
        let body = body.clone();
        async move {
            let url = "http://127.0.0.1:9/v1/chat/completions".parse().unwrap();
            let mut request = reqwest::Request::new(reqwest::Method::POST, url);
            *request.body_mut() = Some(body.into());
            Ok(request)
        }
    })
}

fn plain_body() -> Bytes {
    let text = "OTLP carries traces. ".repeat(180);
    Bytes::from(format!(
        r#"{{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{{"index":0,"message":{{"role":"assistant","content":"{text}"}},"finish_reason":"stop"}}],"usage":{{"prompt_tokens":12,"completion_tokens":800,"total_tokens":812}}}}"#
    ))
}

fn sse_chunks() -> Vec<Bytes> {
    let mut chunks: Vec<Bytes> = (0..CHUNKS - 1)
        .map(|i| Bytes::from(format!(
            "data: {{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"piece {i} \"}},\"finish_reason\":null}}]}}\n\n"
        )))
        .collect();
    chunks.push(Bytes::from_static(b"data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":99,\"total_tokens\":100}}\n\ndata: [DONE]\n\n"));
    chunks
}

fn response(content_type: &str, body: reqwest::Body) -> reqwest::Response {
    http::Response::builder()
        .status(200)
        .header("content-type", content_type)
        .body(body)
        .unwrap()
        .into()
}

/// One call through `service`: build the request, answer, read the body chunk by chunk.
async fn call<S>(mut service: S) -> usize
where
    S: Service<HttpRequestFactory, Response = reqwest::Response, Error = OpenAIError>,
{
    let mut response = service
        .ready()
        .await
        .unwrap()
        .call(request_factory())
        .await
        .unwrap();
    let mut read = 0;
    while let Some(chunk) = response.chunk().await.unwrap() {
        read += chunk.len();
    }
    read
}

fn bench(c: &mut Criterion) {
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Discard)
        .build();
    opentelemetry::global::set_tracer_provider(provider);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (plain, chunks) = (plain_body(), sse_chunks());
    let plain_service = service_fn(move |factory: HttpRequestFactory| {
        let plain = plain.clone();
        async move {
            let _request = factory.build().await?;
            Ok::<_, OpenAIError>(response("application/json", plain.into()))
        }
    });
    let sse_service = service_fn(move |factory: HttpRequestFactory| {
        let chunks = chunks.clone();
        async move {
            let _request = factory.build().await?;
            let stream = tokio_stream::iter(chunks.into_iter().map(Ok::<_, Infallible>));
            Ok::<_, OpenAIError>(response(
                "text/event-stream",
                reqwest::Body::wrap_stream(stream),
            ))
        }
    });
    let layer = iftracer::async_openai::layer();

    let mut group = c.benchmark_group("plain call, 4 KB response");
    group.bench_function("without recorder", |b| {
        b.iter(|| black_box(runtime.block_on(call(plain_service.clone()))))
    });
    group.bench_function("with recorder", |b| {
        b.iter(|| black_box(runtime.block_on(call(layer.layer(plain_service.clone())))))
    });
    group.finish();

    let mut group = c.benchmark_group("stream of 100 chunks");
    group.bench_function("without recorder", |b| {
        b.iter(|| black_box(runtime.block_on(call(sse_service.clone()))))
    });
    group.bench_function("with recorder", |b| {
        b.iter(|| black_box(runtime.block_on(call(layer.layer(sse_service.clone())))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
