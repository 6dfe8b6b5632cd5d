//! OpenAI Responses (`…/responses`): the request (`instructions`, `input` as text or items), a
//! plain response object, and a stream of typed events up to `response.completed` (or
//! `response.incomplete` / `response.failed`), whose response object carries the usage.
//!
//! Finish reasons: Responses has none per choice, so the status is mapped: `completed` →
//! `stop` (`tool_calls` when the output calls functions), `incomplete` → its reason
//! (`max_output_tokens`, `content_filter`), `failed` → `error`.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::json::{self, CappedText, Usage};
use crate::llm::{Content, LlmCall, Message, Role, ToolCall};

pub(super) fn request(object: &Map<String, Value>, capture: bool, cap: usize) -> LlmCall {
    let mut call = LlmCall::chat(json::str_field(object, "model").unwrap_or_default());
    call = json::parameters(object, call, cap);
    if capture {
        let mut messages = Vec::new();
        if let Some(instructions) = json::str_field(object, "instructions") {
            messages.push(Message::new(Role::System, json::capped(instructions, cap)));
        }
        match object.get("input") {
            Some(Value::String(text)) => {
                messages.push(Message::new(Role::User, json::capped(text, cap)))
            }
            Some(Value::Array(items)) => {
                for item in items.iter().filter_map(Value::as_object) {
                    if let Some(role) = json::str_field(item, "role") {
                        let content = item.get("content").unwrap_or(&Value::Null);
                        messages.push(json::message(role, content, cap));
                    } else if let Some(output) = json::str_field(item, "output") {
                        // A function_call_output item: the tool's result.
                        messages.push(Message::new(Role::Tool, json::capped(output, cap)));
                    }
                }
            }
            _ => {}
        }
        if !messages.is_empty() {
            call = call.prompt(messages);
        }
    }
    call
}

#[derive(Deserialize)]
struct ResponseObject<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    output: Vec<Item<'a>>,
    usage: Option<Usage>,
    incomplete_details: Option<Value>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    content: Vec<Value>,
    #[serde(borrow)]
    call_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    arguments: Option<Cow<'a, str>>,
}

impl Item<'_> {
    fn tool_call(&self, cap: usize) -> Option<ToolCall> {
        (self.kind.as_deref() == Some("function_call")).then(|| {
            ToolCall::new(
                self.call_id.as_deref().unwrap_or_default(),
                self.name.as_deref().unwrap_or_default(),
                json::capped(self.arguments.as_deref().unwrap_or_default(), cap),
            )
        })
    }
}

impl ResponseObject<'_> {
    /// Everything but the text (which streams assemble from deltas).
    fn apply(&self, mut call: LlmCall, cap: usize) -> LlmCall {
        call.response_id = self.id.as_deref().map(str::to_owned);
        call.response_model = self.model.as_deref().map(str::to_owned);
        if call.tool_calls.is_empty() {
            call.tool_calls = self
                .output
                .iter()
                .filter_map(|i| i.tool_call(cap))
                .collect();
        }
        let reason = match self.status.as_deref() {
            Some("completed") if !call.tool_calls.is_empty() => Some("tool_calls".to_owned()),
            Some("completed") => Some("stop".to_owned()),
            Some("incomplete") => Some(
                self.incomplete_details
                    .as_ref()
                    .and_then(|d| d.get("reason"))
                    .and_then(Value::as_str)
                    .unwrap_or("incomplete")
                    .to_owned(),
            ),
            Some("failed") => Some("error".to_owned()),
            _ => None,
        };
        call.finish_reasons = reason.into_iter().collect();
        if let Some(Value::Object(error)) = &self.error {
            let error_type = json::str_field(error, "code").unwrap_or("response_failed");
            let message = json::str_field(error, "message").unwrap_or("the response failed");
            call = call.error(error_type, message);
        }
        match &self.usage {
            Some(usage) => usage.apply(call),
            None => call,
        }
    }

    fn text(&self, cap: usize) -> String {
        let mut text = CappedText::default();
        for item in &self.output {
            if item.kind.as_deref() == Some("message") {
                for part in &item.content {
                    if let Some(piece) = part.get("text").and_then(Value::as_str) {
                        text.push(piece, cap);
                    }
                }
            }
        }
        text.take()
    }
}

pub(super) fn response(body: &[u8], capture: bool, cap: usize) -> Option<LlmCall> {
    let object: ResponseObject<'_> = serde_json::from_slice(body).ok()?;
    // Any JSON object would do for the all-optional fields: ask for a response's id.
    object.id.as_ref()?;
    let mut call = LlmCall::default();
    if capture {
        call.response = Some(Content::Text(object.text(cap)));
    }
    let call = object.apply(call, cap);
    Some(if capture {
        call
    } else {
        LlmCall {
            tool_calls: Vec::new(),
            ..call
        }
    })
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    delta: Option<Cow<'a, str>>,
    #[serde(borrow)]
    response: Option<ResponseObject<'a>>,
    #[serde(borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
}

/// What a Responses stream told so far.
#[derive(Debug)]
pub(super) struct Stream {
    capture: bool,
    cap: usize,
    text: CappedText,
    /// The final (or first) response object's fields, applied at the end.
    summary: LlmCall,
    error: Option<(String, String)>,
    done: bool,
}

impl Stream {
    pub(super) fn new(capture: bool, cap: usize) -> Self {
        Stream {
            capture,
            cap,
            text: CappedText::default(),
            summary: LlmCall::default(),
            error: None,
            done: false,
        }
    }

    pub(super) fn event(&mut self, data: &[u8]) {
        let Ok(event) = serde_json::from_slice::<Event<'_>>(data) else {
            return;
        };
        match event.kind.as_ref() {
            "response.output_text.delta" => {
                if self.capture
                    && let Some(delta) = &event.delta
                {
                    self.text.push(delta, self.cap);
                }
            }
            "response.created" | "response.in_progress" => {
                if let Some(response) = &event.response {
                    self.summary.response_id = response.id.as_deref().map(str::to_owned);
                    self.summary.response_model = response.model.as_deref().map(str::to_owned);
                }
            }
            "response.completed" | "response.incomplete" | "response.failed" => {
                if let Some(response) = &event.response {
                    let mut summary = response.apply(LlmCall::default(), self.cap);
                    if !self.capture {
                        summary.tool_calls.clear();
                    }
                    if self.text.is_empty() && self.capture {
                        self.text.push(&response.text(self.cap), self.cap);
                    }
                    self.summary = summary;
                }
                self.done = true;
            }
            "error" => {
                self.error = Some((
                    event.code.as_deref().unwrap_or("stream_error").to_owned(),
                    event
                        .message
                        .as_deref()
                        .unwrap_or("error event in the stream")
                        .to_owned(),
                ));
            }
            _ => {}
        }
    }

    pub(super) fn update(&mut self) -> (LlmCall, bool) {
        let mut call = std::mem::take(&mut self.summary);
        if self.capture {
            call.response = Some(Content::Text(self.text.take()));
        }
        if let Some(error) = self.error.take() {
            call.error = Some(error);
        }
        (call, self.done)
    }
}
