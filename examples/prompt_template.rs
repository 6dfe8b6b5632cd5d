//! Prompt templates: the template, its variables and its version are recorded on the LLM calls
//! made beneath them (iftracer-sdk's `set_prompt`), carried in the context like the session.
//!
//! ```sh
//! cargo run --example prompt_template
//! ```
//!
//! With no endpoint configured the trace is printed as a tree; each `chat gpt-4o` span carries
//! `iftracer.prompt.template`, `iftracer.prompt.template_variables.*` and
//! `iftracer.prompt.version`.

use std::process::ExitCode;

use iftracer::llm::{LlmCall, PromptTemplate};
use iftracer::opentelemetry::Context;
use iftracer::{AssociationsExt, workflow};

const TEMPLATE: &str = "Summarise incident {incident} for the {audience} in one sentence.";

/// Fills the placeholders, as a prompt library would.
fn render(template: &str, variables: &[(&str, &str)]) -> String {
    variables
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// One summary per audience, each call recorded with the template it was rendered from.
#[workflow(name = "incident_summaries")]
fn summaries(incident: &str) -> Vec<String> {
    ["on-call engineers", "customers"]
        .into_iter()
        .map(|audience| {
            let variables = [("incident", incident), ("audience", audience)];
            let template = variables
                .iter()
                .fold(PromptTemplate::new(TEMPLATE), |t, (name, value)| {
                    t.variable(*name, *value)
                })
                .version(3);
            // Everything started while this context is attached carries the template.
            let _attached = Context::current().with_prompt_template(template).attach();
            ask_model(&render(TEMPLATE, &variables))
        })
        .collect()
}

fn ask_model(prompt: &str) -> String {
    let span = LlmCall::chat("gpt-4o")
        .provider("openai")
        .prompt(prompt)
        .start_span();
    let answer = format!("A one-line summary for: {prompt}"); // stands in for the model
    span.record(&LlmCall::default().response(answer.as_str()).usage(21, 9));
    span.end();
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
        .service_name("prompt-template")
        .init()?;
    for summary in summaries("INC-42") {
        eprintln!("{summary}");
    }
    guard.shutdown()?;
    Ok(())
}
