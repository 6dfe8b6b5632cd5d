//! Libraries instrumented with `tracing` (HTTP clients, LLM client crates, databases) in the
//! same trace as `#[workflow]` / `#[task]`: with iftracer's `tracing` feature, `init` installs
//! a `tracing` subscriber bound to iftracer's provider.
//!
//! ```text
//! answer.workflow
//! └─ call_model            (from #[tracing::instrument], its arguments as attributes)
//!    └─ parse_reply.task
//! ```
//!
//! ```sh
//! cargo run --example tracing_interop
//! ```
//!
//! An application with its own `tracing` subscriber adds `guard.tracing_layer()` to its registry
//! instead; `init` never replaces a subscriber that is already set.

use std::process::ExitCode;

use iftracer::{task, workflow};

#[workflow(name = "answer")]
fn answer(question: &str) -> String {
    call_model("gpt-4o", question)
}

/// Stands in for a library function that only knows `tracing`.
#[tracing::instrument(skip(prompt), fields(otel.kind = "client", prompt.len = prompt.len()))]
fn call_model(model: &str, prompt: &str) -> String {
    tracing::info!("sending request");
    parse_reply(r#"{"text":"OTLP is the OpenTelemetry protocol."}"#)
}

#[task]
fn parse_reply(body: &str) -> String {
    body.trim_start_matches(r#"{"text":""#)
        .trim_end_matches(r#""}"#)
        .to_owned()
}

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
        .service_name("tracing-interop")
        .init()?;
    eprintln!(
        "tracing subscriber installed: {}",
        guard.installed_tracing_subscriber()
    );

    let reply = answer("What is OTLP?");
    eprintln!("reply: {reply}");

    guard.shutdown()?;
    Ok(())
}
