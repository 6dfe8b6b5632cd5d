//! A workflow calling an agent, which runs a tool on another tokio task and then a task that
//! calls the model: one trace, with user and session carried to every span.
//!
//! ```text
//! support.workflow
//! └─ triage.agent
//!    ├─ search_docs.tool      (ran on a spawned tokio task)
//!    └─ draft_reply.task
//!       └─ chat gpt-4o
//! ```
//!
//! ```sh
//! cargo run --example nested_agent
//! ```

use std::process::ExitCode;

use iftracer::AssociationsExt;
use iftracer::llm::LlmCall;
use iftracer::opentelemetry::Context;
use iftracer::opentelemetry::context::FutureExt;
use iftracer::{agent, task, tool, workflow};

#[workflow(name = "support")]
async fn support(ticket: String) -> String {
    triage(ticket).await
}

#[agent(name = "triage")]
async fn triage(ticket: String) -> String {
    // The spawned task carries the current context, so its span stays in this trace.
    let docs = tokio::spawn(search_docs(ticket.clone()).with_current_context())
        .await
        .expect("the search task ran");
    draft_reply(ticket, docs).await
}

#[tool]
async fn search_docs(query: String) -> Vec<String> {
    tokio::task::yield_now().await;
    vec![format!("FAQ entry matching {query:?}")]
}

#[task]
async fn draft_reply(ticket: String, docs: Vec<String>) -> String {
    let span = LlmCall::chat("gpt-4o")
        .provider("openai")
        .prompt(format!("Ticket: {ticket}\nDocs: {docs:?}"))
        .start_span();
    let reply = "Thanks! Here is how to reset your password …".to_owned(); // the model's answer
    span.record(&LlmCall::default().response(reply.as_str()).usage(42, 11));
    span.end();
    reply
}

#[tokio::main]
async fn main() -> ExitCode {
    // Print the error's message: it names the setting to fix.
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let guard = iftracer::Iftracer::builder()
        .service_name("support-bot")
        .init()?;

    // Who and which conversation: stamped on every span of the run.
    let session = Context::current()
        .with_user("alice")
        .with_session("ticket-42");
    let reply = support("I forgot my password".to_owned())
        .with_context(session)
        .await;
    eprintln!("reply: {reply}");

    guard.shutdown()?;
    Ok(())
}
