//! Quickstart: with no endpoint configured, iftracer prints each finished trace as a tree.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! Set `OTEL_EXPORTER_OTLP_ENDPOINT` (and the InsightFinder credentials, see README) to send
//! the same spans to a collector instead.

use iftracer::opentelemetry::trace::{SpanRef, TraceContextExt, Tracer};
use iftracer::opentelemetry::{KeyValue, global};
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
    let guard = iftracer::Iftracer::builder()
        .service_name("quickstart")
        .service_version("1.0.0")
        .init()?;

    let tracer = global::tracer("quickstart");
    tracer.in_span("research.workflow", |cx| {
        cx.span()
            .set_attribute(KeyValue::new("x-session-id", "session-42"));
        for question in ["What is OTLP?", "Why trace LLM calls?"] {
            tracer.in_span("ask_llm.task", |cx| ask_llm(&cx.span(), question));
        }
    });

    // Flushes the queued spans (the tree is printed now) and stops the exporter.
    guard.shutdown()?;
    Ok(())
}

/// Stands in for a real model call and records it the way InsightFinder reads it.
fn ask_llm(span: &SpanRef<'_>, question: &str) {
    span.set_attribute(KeyValue::new("chat.prompt", question.to_owned()));
    let answer = format!("A short answer to: {question}");
    span.set_attribute(KeyValue::new("chat.response", answer));
    span.set_attribute(KeyValue::new("chat.model", "gpt-4o"));
    span.set_attribute(KeyValue::new("chat.prompt_tokens", 12));
    span.set_attribute(KeyValue::new("chat.completion_tokens", 9));
    span.set_attribute(KeyValue::new("chat.total_tokens", 21));
}
