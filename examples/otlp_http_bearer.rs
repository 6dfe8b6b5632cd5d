//! OTLP/HTTP (protobuf) with a bearer token, as OpenTelemetry backends that take API keys want.
//!
//! ```sh
//! export OTEL_EXPORTER_OTLP_ENDPOINT=https://your-backend.example.com/api   # /v1/traces is appended
//! export OTLP_BEARER_TOKEN=tk_your_api_key
//! cargo run --example otlp_http_bearer
//! ```
//!
//! Without an endpoint it prints the trace to the terminal instead.

use iftracer::opentelemetry::trace::{SpanKind, TraceContextExt, Tracer};
use iftracer::opentelemetry::{KeyValue, global};
use iftracer::{Iftracer, Protocol};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Print the error's message: it names the setting to fix.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Iftracer::builder()
        .service_name("my-ai-app")
        .protocol(Protocol::HttpProtobuf);
    if let Ok(token) = std::env::var("OTLP_BEARER_TOKEN") {
        builder = builder.bearer_token(token);
    }
    let guard = builder.init()?;

    // An agent invocation with one model call, named per the GenAI semantic conventions.
    let tracer = global::tracer("otlp-http-bearer-example");
    tracer.in_span("invoke_agent support-bot", |_| {
        let chat = tracer
            .span_builder("chat gpt-4o")
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("gen_ai.operation.name", "chat"),
                KeyValue::new("gen_ai.provider.name", "openai"),
                KeyValue::new("gen_ai.request.model", "gpt-4o"),
                KeyValue::new("gen_ai.usage.input_tokens", 42),
                KeyValue::new("gen_ai.usage.output_tokens", 17),
            ])
            .start(&tracer);
        let cx = iftracer::opentelemetry::Context::current_with_span(chat);
        cx.span().end();
    });

    guard.shutdown()?;
    Ok(())
}
