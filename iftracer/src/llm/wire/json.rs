//! Reading pieces of provider JSON shared by the API modules: request fields, message text,
//! usage, error bodies, and text kept to the length cap.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::llm::{LlmCall, Message, Role};

/// Text assembled from pieces, keeping at most `cap` bytes (cut on a character boundary); the
/// privacy step later marks it truncated, as it does any value over the cap.
#[derive(Debug, Default, Clone)]
pub(super) struct CappedText {
    text: String,
    full: bool,
}

impl CappedText {
    pub(super) fn push(&mut self, piece: &str, cap: usize) {
        if self.full {
            return;
        }
        let room = cap.saturating_sub(self.text.len());
        if piece.len() <= room {
            self.text.push_str(piece);
        } else {
            self.text.push_str(prefix(piece, room));
            // One byte over the cap, so the length cap notices and marks the value truncated.
            self.text.push('…');
            self.full = true;
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub(super) fn take(&mut self) -> String {
        std::mem::take(&mut self.text)
    }
}

/// At most `max` bytes of `text`, cut on a character boundary.
pub(super) fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` cut to `cap` bytes.
pub(super) fn capped(text: &str, cap: usize) -> String {
    let mut out = CappedText::default();
    out.push(text, cap);
    out.take()
}

pub(super) fn role(name: &str) -> Role {
    match name {
        "system" | "developer" => Role::System,
        "assistant" | "model" => Role::Assistant,
        "tool" | "function" => Role::Tool,
        _ => Role::User,
    }
}

/// The text of a message's `content`: a string, or the `text` of each part of an array (OpenAI
/// `text`/`input_text`/`output_text` parts, Anthropic `text` blocks and the strings inside
/// `tool_result` blocks), one per line.
pub(super) fn content_text(content: &Value, cap: usize) -> String {
    let mut text = CappedText::default();
    collect_text(content, &mut text, cap);
    text.take()
}

fn collect_text(content: &Value, out: &mut CappedText, cap: usize) {
    match content {
        Value::String(s) => push_line(out, s, cap),
        Value::Array(parts) => {
            for part in parts {
                match part {
                    Value::String(s) => push_line(out, s, cap),
                    Value::Object(part) => {
                        if let Some(text) = part.get("text").and_then(Value::as_str) {
                            push_line(out, text, cap);
                        } else if let Some(inner) = part.get("content") {
                            collect_text(inner, out, cap);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

fn push_line(out: &mut CappedText, text: &str, cap: usize) {
    if !out.is_empty() {
        out.push("\n", cap);
    }
    out.push(text, cap);
}

pub(super) fn message(role_name: &str, content: &Value, cap: usize) -> Message {
    Message::new(role(role_name), content_text(content, cap))
}

pub(super) fn str_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// Reads the request parameters shared by the OpenAI-shaped and Anthropic APIs.
pub(super) fn parameters(object: &Map<String, Value>, mut call: LlmCall, cap: usize) -> LlmCall {
    let f64_of = |key: &str| object.get(key).and_then(Value::as_f64);
    if let Some(v) = f64_of("temperature") {
        call = call.temperature(v);
    }
    if let Some(v) = f64_of("top_p") {
        call = call.top_p(v);
    }
    if let Some(v) = f64_of("frequency_penalty") {
        call = call.frequency_penalty(v);
    }
    if let Some(v) = f64_of("presence_penalty") {
        call = call.presence_penalty(v);
    }
    if let Some(v) = object.get("seed").and_then(Value::as_i64) {
        call = call.seed(v);
    }
    // Each API's name for the output limit.
    if let Some(v) = ["max_completion_tokens", "max_output_tokens", "max_tokens"]
        .iter()
        .find_map(|key| object.get(*key).and_then(Value::as_i64))
    {
        call = call.max_tokens(v);
    }
    match object.get("stop").or_else(|| object.get("stop_sequences")) {
        Some(Value::String(stop)) => call = call.stop_sequences([stop.as_str()]),
        Some(Value::Array(stops)) => {
            call = call.stop_sequences(stops.iter().filter_map(Value::as_str))
        }
        _ => {}
    }
    if let Some(stream) = object.get("stream").and_then(Value::as_bool) {
        call = call.stream(stream);
    }
    if let Some(tools) = object.get("tools").and_then(Value::as_array)
        && !tools.is_empty()
    {
        call = call.tool_definitions(capped(&Value::from(tools.clone()).to_string(), cap));
    }
    call
}

/// A 4xx/5xx body as `(error.type, message)`: OpenAI's `{"error":{"type"|"code","message"}}`,
/// Anthropic's `{"type":"error","error":{"type","message"}}`, else the status code.
pub(super) fn provider_error(status: http::StatusCode, body: &[u8]) -> (String, String) {
    #[derive(Deserialize)]
    struct Envelope {
        error: Option<Value>,
        message: Option<String>,
    }
    let fallback_type = status.as_u16().to_string();
    let fallback_message = || {
        let text = String::from_utf8_lossy(prefix_bytes(body, 512));
        match text.trim() {
            "" => format!("HTTP {status}"),
            text => format!("HTTP {status}: {text}"),
        }
    };
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        return (fallback_type, fallback_message());
    };
    match envelope.error {
        Some(Value::Object(error)) => {
            let error_type = ["type", "code"]
                .iter()
                .find_map(|key| match error.get(*key) {
                    Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
                .unwrap_or(fallback_type);
            let message = str_field(&error, "message")
                .map(str::to_owned)
                .unwrap_or_else(fallback_message);
            (error_type, message)
        }
        Some(Value::String(message)) => (fallback_type, message),
        _ => (
            fallback_type,
            envelope.message.unwrap_or_else(fallback_message),
        ),
    }
}

fn prefix_bytes(body: &[u8], max: usize) -> &[u8] {
    &body[..body.len().min(max)]
}

/// OpenAI usage (`prompt_tokens`/`completion_tokens` in Chat Completions and Embeddings,
/// `input_tokens`/`output_tokens` in Responses) with cached and reasoning details.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Usage {
    #[serde(alias = "input_tokens")]
    prompt_tokens: Option<i64>,
    #[serde(alias = "output_tokens")]
    completion_tokens: Option<i64>,
    total_tokens: Option<i64>,
    #[serde(alias = "input_tokens_details")]
    prompt_tokens_details: Option<InputDetails>,
    #[serde(alias = "output_tokens_details")]
    completion_tokens_details: Option<OutputDetails>,
}

#[derive(Debug, Default, Deserialize)]
struct InputDetails {
    cached_tokens: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
struct OutputDetails {
    reasoning_tokens: Option<i64>,
}

impl Usage {
    pub(super) fn apply(&self, mut call: LlmCall) -> LlmCall {
        call.prompt_tokens = self.prompt_tokens;
        call.completion_tokens = self.completion_tokens;
        call.total_tokens = self.total_tokens;
        call.cache_read_tokens = self
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens);
        call.reasoning_tokens = self
            .completion_tokens_details
            .as_ref()
            .and_then(|d| d.reasoning_tokens);
        call
    }
}
