//! The "pure OpenTelemetry" flow of the InsightFinder docs: a workflow span with one child
//! `ask_llm` span per question, each carrying the `chat.*` attributes, written by hand with
//! the OpenTelemetry API and recorded with iftracer's `LlmCall`.
//!
//! ```sh
//! cargo run --example manual_otel                       # prints the tree
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 \
//!     cargo run --example manual_otel                   # exports it
//! ```

use std::process::ExitCode;

use iftracer::AssociationsExt;
use iftracer::llm::LlmCall;
use iftracer::opentelemetry::trace::Tracer;
use iftracer::opentelemetry::{Context, global};

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
        .service_name("agent-service")
        .service_version("1.0.0")
        .init()?;

    let tracer = global::tracer("manual-otel");
    // User and session ride in the context: every span below carries x-username / x-session-id.
    let _session = Context::current()
        .with_user("workflow-user")
        .with_session("session-1234")
        .attach();
    tracer.in_span("research_workflow", |_| {
        for question in ["What changed in the last deploy?", "Which alerts fired?"] {
            tracer.in_span("ask_llm", |_| {
                let answer = format!("(simulated) answer to: {question}");
                LlmCall::chat("gpt-4o")
                    .provider("openai")
                    .prompt(question)
                    .response(answer)
                    .usage(18, 9)
                    .record_on_current();
            });
        }
    });

    guard.shutdown()?;
    Ok(())
}
