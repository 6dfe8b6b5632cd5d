//! An agent whose model calls are traced automatically: async-openai with iftracer's tower
//! layer, so every call becomes an LLM span with no recording code. A workflow runs an agent
//! that asks the model, calls a tool, then asks again with a streamed answer:
//!
//! ```text
//! support.workflow
//! └─ triage.agent
//!    ├─ chat gpt-4o-mini          (plain)
//!    ├─ lookup_order.tool
//!    └─ chat gpt-4o-mini          (streamed: time to first chunk, usage)
//! ```
//!
//! ```sh
//! OPENAI_API_KEY=sk-… cargo run --example openai_agent
//! # Any OpenAI-compatible server, e.g. the LiteLLM proxy the tests use (README, "Trace LLM
//! # calls automatically"):
//! OPENAI_BASE_URL=http://127.0.0.1:4000/v1 OPENAI_API_KEY=sk-local OPENAI_MODEL=gpt-4o-mini \
//!     cargo run --example openai_agent
//! ```

use std::process::ExitCode;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::middleware::ReqwestService;
use iftracer::{agent, tool, workflow};
use serde_json::json;
use tokio_stream::StreamExt;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// async-openai with iftracer's layer first, so one logical call is one span.
fn openai_client(base_url: String, api_key: String) -> Client<OpenAIConfig> {
    let service = tower::ServiceBuilder::new()
        .layer(iftracer::async_openai::layer())
        .service(ReqwestService::new(reqwest::Client::new()));
    let config = OpenAIConfig::new()
        .with_api_base(base_url)
        .with_api_key(api_key);
    Client::with_config(config).with_http_service(service)
}

#[workflow(name = "support", skip(client))]
async fn support(client: &Client<OpenAIConfig>, model: &str, question: &str) -> String {
    match triage(client, model, question).await {
        Ok(answer) => answer,
        Err(err) => format!("the agent failed: {err}"),
    }
}

#[agent(name = "triage", skip(client))]
async fn triage(
    client: &Client<OpenAIConfig>,
    model: &str,
    question: &str,
) -> Result<String, Error> {
    // First call: which order is this about? (Plain JSON answer.)
    let request = serde_json::from_value(json!({
        "model": model,
        "messages": [
            {"role": "system", "content": "Name the order id the customer means."},
            {"role": "user", "content": question},
        ],
    }))?;
    let first = client.chat().create(request).await?;
    let hint = first
        .choices
        .first()
        .and_then(|choice| choice.message.content.clone())
        .unwrap_or_default();

    let order = lookup_order("ORD-1042".to_owned()).await;

    // Second call: the answer, streamed to the user as it arrives.
    let request = serde_json::from_value(json!({
        "model": model,
        "stream": true,
        "stream_options": {"include_usage": true},
        "messages": [
            {"role": "system", "content": format!("Order: {order}. Model note: {hint}")},
            {"role": "user", "content": question},
        ],
    }))?;
    let mut stream = client.chat().create_stream(request).await?;
    let mut answer = String::new();
    while let Some(chunk) = stream.next().await {
        if let Some(choice) = chunk?.choices.first() {
            answer.push_str(choice.delta.content.as_deref().unwrap_or_default());
        }
    }
    Ok(answer)
}

#[tool]
async fn lookup_order(order_id: String) -> String {
    format!("{order_id}: shipped on 2026-11-30, arriving Friday")
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let api_key = std::env::var("OPENAI_API_KEY")
        .map_err(|_| "set OPENAI_API_KEY (and OPENAI_BASE_URL for a server other than OpenAI)")?;
    let base_url =
        std::env::var("OPENAI_BASE_URL").unwrap_or_else(|_| "https://api.openai.com/v1".to_owned());
    let model = std::env::var("OPENAI_MODEL").unwrap_or_else(|_| "gpt-4o-mini".to_owned());
    // reqwest needs a TLS crypto provider for https:// (iftracer's own uses ring).
    let _ = rustls::crypto::ring::default_provider().install_default();

    let guard = iftracer::Iftracer::builder()
        .service_name("openai-agent")
        .init()?;
    let client = openai_client(base_url, api_key);
    let answer = support(&client, &model, "Where is my order ORD-1042?").await;
    eprintln!("answer: {answer}");
    guard.shutdown()?;
    Ok(())
}
