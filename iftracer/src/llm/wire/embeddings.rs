//! OpenAI Embeddings (`…/embeddings`): operation `embeddings`, the model, the text inputs as the
//! prompt, and the input tokens of the response's usage (the vectors themselves are skipped).

use serde::Deserialize;
use serde_json::{Map, Value};

use super::json::{self, CappedText, Usage};
use crate::llm::LlmCall;

pub(super) fn request(object: &Map<String, Value>, capture: bool, cap: usize) -> LlmCall {
    let mut call = LlmCall::new(
        "embeddings",
        json::str_field(object, "model").unwrap_or_default(),
    );
    if capture {
        // Token-id inputs (arrays of numbers) are not text: left out.
        let mut text = CappedText::default();
        let mut add = |piece: &str| {
            if !text.is_empty() {
                text.push("\n", cap);
            }
            text.push(piece, cap);
        };
        match object.get("input") {
            Some(Value::String(input)) => add(input),
            Some(Value::Array(inputs)) => inputs.iter().filter_map(Value::as_str).for_each(add),
            _ => {}
        }
        if !text.is_empty() {
            call = call.prompt(text.take());
        }
    }
    call
}

pub(super) fn response(body: &[u8]) -> Option<LlmCall> {
    #[derive(Deserialize)]
    struct Embeddings {
        model: Option<String>,
        usage: Option<Usage>,
    }
    let embeddings: Embeddings = serde_json::from_slice(body).ok()?;
    let mut call = LlmCall::default();
    call.response_model = embeddings.model;
    if let Some(usage) = &embeddings.usage {
        call = usage.apply(call);
        // Embeddings produce no tokens: their `total_tokens` is the input again.
        call.completion_tokens = None;
        call.total_tokens = None;
    }
    Some(call)
}
