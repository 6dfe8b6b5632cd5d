//! The InsightFinder setup from the integration guide, configured from the environment only:
//! OTLP/gRPC with the `ifuser`, `iflicensekey`, `ifproject` and `ifsystem` metadata.
//!
//! ```sh
//! export OTEL_EXPORTER_OTLP_ENDPOINT=https://trace.insightfinder.com:4317
//! export INSIGHTFINDER_USER=your_user
//! export INSIGHTFINDER_LICENSE_KEY=your_license_key
//! export INSIGHTFINDER_PROJECT_NAME=your_project
//! export INSIGHTFINDER_SYSTEM_NAME=your_system
//! export OTEL_SERVICE_NAME=agent-service
//! cargo run --example insightfinder_grpc
//! ```
//!
//! Without an endpoint it prints the trace to the terminal instead.

use iftracer::opentelemetry::trace::{TraceContextExt, Tracer};
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
    let guard = iftracer::init_from_env()?;

    let tracer = global::tracer("insightfinder-grpc-example");
    let workflow_id = "workflow-7f3a";
    tracer.in_span("your_llm_activity", |cx| {
        let span = cx.span();
        let prompt = "Your prompt text here: summarise the incident";
        // Before the call: the prompt and who asked, grouped per workflow.
        span.set_attribute(KeyValue::new("chat.prompt", prompt));
        span.set_attribute(KeyValue::new("x-username", "workflow-user"));
        span.set_attribute(KeyValue::new("x-session-id", workflow_id));
        // After the call: the answer, the model and the token usage.
        span.set_attribute(KeyValue::new(
            "chat.response",
            "The incident was caused by …",
        ));
        span.set_attribute(KeyValue::new("chat.model", "gpt-4o"));
        span.set_attribute(KeyValue::new("chat.prompt_tokens", 45));
        span.set_attribute(KeyValue::new("chat.completion_tokens", 120));
        span.set_attribute(KeyValue::new("chat.total_tokens", 165));
    });

    guard.shutdown()?;
    // Nothing is lost silently: what could not be delivered is counted.
    let stats = guard.stats();
    eprintln!(
        "spans exported: {}, dropped: {}, failed: {}",
        stats.spans_exported, stats.spans_dropped, stats.spans_failed
    );
    Ok(())
}
