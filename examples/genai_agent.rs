//! An agent traced with the OpenTelemetry GenAI conventions: `invoke_agent` with a model call,
//! a tool call and a final model call beneath it.
//!
//! ```text
//! invoke_agent research-assistant
//! ├─ chat gpt-4o            (initial request)
//! ├─ execute_tool search_web
//! └─ chat gpt-4o            (final response)
//! ```
//!
//! ```sh
//! cargo run --example genai_agent                        # prints the tree
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
//!     cargo run --example genai_agent                    # exports it
//! ```

use std::process::ExitCode;

use iftracer::attributes::gen_ai;
use iftracer::llm::LlmCall;
use iftracer::opentelemetry::trace::{TraceContextExt, Tracer};
use iftracer::opentelemetry::{KeyValue, global};

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
        .service_name("research-assistant")
        .init()?;

    let tracer = global::tracer("genai-agent");
    tracer.in_span("invoke_agent research-assistant", |cx| {
        cx.span().set_attributes([
            KeyValue::new(gen_ai::OPERATION_NAME, "invoke_agent"),
            KeyValue::new(gen_ai::AGENT_NAME, "research-assistant"),
        ]);
        let question = "What is the weather in Paris?";

        let first = LlmCall::chat("gpt-4o").provider("openai").prompt(question);
        let span = first.start_span();
        span.record(
            &LlmCall::default()
                .response("I will search the web.")
                .finish_reasons(["tool_calls"])
                .usage(25, 8),
        );
        span.end();

        let arguments = r#"{"query":"weather Paris"}"#;
        tracer.in_span("execute_tool search_web", |cx| {
            cx.span().set_attributes([
                KeyValue::new(gen_ai::OPERATION_NAME, "execute_tool"),
                KeyValue::new(gen_ai::TOOL_NAME, "search_web"),
                KeyValue::new(gen_ai::TOOL_CALL_ARGUMENTS, arguments),
                KeyValue::new(gen_ai::TOOL_CALL_RESULT, "18°C, light rain"),
            ]);
        });

        let last = LlmCall::chat("gpt-4o").provider("openai").prompt(question);
        let span = last.start_span();
        span.record(
            &LlmCall::default()
                .response("It is 18°C with light rain in Paris.")
                .finish_reasons(["stop"])
                .usage(60, 12),
        );
        span.end();
    });

    guard.shutdown()?;
    Ok(())
}
