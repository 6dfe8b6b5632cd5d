//! Quickstart: with no endpoint configured, iftracer prints each finished trace as a tree.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! Set `OTEL_EXPORTER_OTLP_ENDPOINT` (and the InsightFinder credentials, see README) to send
//! the same spans to a collector instead.

use std::process::ExitCode;

use iftracer::llm::LlmCall;
use iftracer::{task, workflow};

/// The whole job: one span, with every question's span beneath it.
#[workflow(name = "research")]
fn research(questions: &[&str]) -> Vec<String> {
    questions.iter().map(|question| ask_llm(question)).collect()
}

/// One model call, recorded the way InsightFinder reads it (`chat.*`) and as `gen_ai.*`.
#[task]
fn ask_llm(question: &str) -> String {
    let answer = format!("A short answer to: {question}"); // stands in for the model
    LlmCall::chat("gpt-4o")
        .provider("openai")
        .prompt(question)
        .response(answer.as_str())
        .usage(12, 9)
        .record_on_current();
    answer
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
        .service_name("quickstart")
        .service_version("1.0.0")
        .init()?;

    research(&["What is OTLP?", "Why trace LLM calls?"]);

    // Flushes the queued spans (the tree is printed now) and stops the exporter.
    guard.shutdown()?;
    Ok(())
}
