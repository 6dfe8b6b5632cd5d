//! Anthropic Messages (`…/v1/messages`): the request (`system`, `messages`, `max_tokens`,
//! `stop_sequences`, `tools`), a plain message, and the event stream (`message_start` with the
//! input usage, `content_block_start`/`content_block_delta` with text and tool input,
//! `message_delta` with the stop reason and output usage, `message_stop`).
//!
//! Anthropic's `input_tokens` leaves out cached tokens; the GenAI input token count includes
//! them, so it is `input_tokens + cache_read_input_tokens + cache_creation_input_tokens`.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::json::{self, CappedText};
use crate::llm::{Content, LlmCall, Message, Role, ToolCall};

/// More content blocks than this in one stream are not recorded.
const MAX_BLOCKS: usize = 256;

pub(super) fn request(object: &Map<String, Value>, capture: bool, cap: usize) -> LlmCall {
    let mut call = LlmCall::chat(json::str_field(object, "model").unwrap_or_default());
    call = json::parameters(object, call, cap);
    if capture {
        let mut messages = Vec::new();
        if let Some(system) = object.get("system") {
            messages.push(Message::new(Role::System, json::content_text(system, cap)));
        }
        for message in object
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
        {
            let role = json::str_field(message, "role").unwrap_or("user");
            messages.push(json::message(
                role,
                message.get("content").unwrap_or(&Value::Null),
                cap,
            ));
        }
        if !messages.is_empty() {
            call = call.prompt(messages);
        }
    }
    call
}

#[derive(Debug, Default, Deserialize)]
struct Usage {
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cache_read_input_tokens: Option<i64>,
    cache_creation_input_tokens: Option<i64>,
}

impl Usage {
    /// Later usage (`message_delta`) completes earlier usage (`message_start`).
    fn merge(&mut self, later: Usage) {
        let Usage {
            input_tokens,
            output_tokens,
            cache_read_input_tokens,
            cache_creation_input_tokens,
        } = later;
        self.input_tokens = input_tokens.or(self.input_tokens);
        self.output_tokens = output_tokens.or(self.output_tokens);
        self.cache_read_input_tokens = cache_read_input_tokens.or(self.cache_read_input_tokens);
        self.cache_creation_input_tokens =
            cache_creation_input_tokens.or(self.cache_creation_input_tokens);
    }

    fn apply(&self, mut call: LlmCall) -> LlmCall {
        call.prompt_tokens = self.input_tokens.map(|input| {
            input
                + self.cache_read_input_tokens.unwrap_or(0)
                + self.cache_creation_input_tokens.unwrap_or(0)
        });
        call.completion_tokens = self.output_tokens;
        call.cache_read_tokens = self.cache_read_input_tokens;
        call.cache_creation_tokens = self.cache_creation_input_tokens;
        call
    }
}

#[derive(Deserialize)]
struct MessageObject<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(default)]
    content: Vec<Block>,
    #[serde(borrow)]
    stop_reason: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: Usage,
}

/// A content block; `input` is the tool input object of a `tool_use` block.
#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
    id: Option<String>,
    name: Option<String>,
    input: Option<Value>,
}

impl Block {
    fn tool_call(&self, cap: usize) -> Option<ToolCall> {
        (self.kind.as_deref() == Some("tool_use")).then(|| {
            let input = self
                .input
                .as_ref()
                .map(Value::to_string)
                .unwrap_or_default();
            ToolCall::new(
                self.id.clone().unwrap_or_default(),
                self.name.clone().unwrap_or_default(),
                json::capped(&input, cap),
            )
        })
    }
}

pub(super) fn response(body: &[u8], capture: bool, cap: usize) -> Option<LlmCall> {
    let message: MessageObject<'_> = serde_json::from_slice(body).ok()?;
    message.id.as_ref()?;
    let mut call = LlmCall::default();
    call.response_id = message.id.map(Cow::into_owned);
    call.response_model = message.model.map(Cow::into_owned);
    call.finish_reasons = message
        .stop_reason
        .map(Cow::into_owned)
        .into_iter()
        .collect();
    if capture {
        let mut text = CappedText::default();
        for block in &message.content {
            if block.kind.as_deref() == Some("text") {
                text.push(block.text.as_deref().unwrap_or_default(), cap);
            }
        }
        call.response = Some(Content::Text(text.take()));
        call.tool_calls = message
            .content
            .iter()
            .filter_map(|b| b.tool_call(cap))
            .collect();
    }
    Some(message.usage.apply(call))
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    message: Option<MessageObject<'a>>,
    #[serde(default)]
    index: usize,
    content_block: Option<Block>,
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
    usage: Option<Usage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    partial_json: Option<Cow<'a, str>>,
    #[serde(borrow)]
    stop_reason: Option<Cow<'a, str>>,
}

#[derive(Debug, Default)]
struct ToolSlot {
    id: String,
    name: String,
    input: CappedText,
}

/// What an Anthropic stream told so far.
#[derive(Debug)]
pub(super) struct Stream {
    capture: bool,
    cap: usize,
    id: Option<String>,
    model: Option<String>,
    text: CappedText,
    /// Tool-use blocks by content-block index.
    tools: Vec<(usize, ToolSlot)>,
    stop_reason: Option<String>,
    usage: Usage,
    error: Option<(String, String)>,
    done: bool,
}

impl Stream {
    pub(super) fn new(capture: bool, cap: usize) -> Self {
        Stream {
            capture,
            cap,
            id: None,
            model: None,
            text: CappedText::default(),
            tools: Vec::new(),
            stop_reason: None,
            usage: Usage::default(),
            error: None,
            done: false,
        }
    }

    pub(super) fn event(&mut self, _event: &str, data: &[u8]) {
        // The `type` inside the data repeats the SSE event name and is always there.
        let Ok(event) = serde_json::from_slice::<Event<'_>>(data) else {
            return;
        };
        match event.kind.as_ref() {
            "message_start" => {
                if let Some(message) = event.message {
                    self.id = message.id.map(Cow::into_owned);
                    self.model = message.model.map(Cow::into_owned);
                    self.usage.merge(message.usage);
                }
            }
            "content_block_start" if self.capture => {
                if let Some(block) = event.content_block
                    && block.kind.as_deref() == Some("tool_use")
                    && self.tools.len() < MAX_BLOCKS
                {
                    self.tools.push((
                        event.index,
                        ToolSlot {
                            id: block.id.unwrap_or_default(),
                            name: block.name.unwrap_or_default(),
                            input: CappedText::default(),
                        },
                    ));
                }
            }
            "content_block_delta" if self.capture => {
                let Some(delta) = event.delta else {
                    return;
                };
                if let Some(text) = delta.text {
                    self.text.push(&text, self.cap);
                } else if let Some(json) = delta.partial_json
                    && let Some((_, slot)) = self.tools.iter_mut().find(|(i, _)| *i == event.index)
                {
                    slot.input.push(&json, self.cap);
                }
            }
            "message_delta" => {
                if let Some(reason) = event.delta.and_then(|d| d.stop_reason) {
                    self.stop_reason = Some(reason.into_owned());
                }
                if let Some(usage) = event.usage {
                    self.usage.merge(usage);
                }
            }
            "message_stop" => self.done = true,
            "error" => {
                let error = event.error.unwrap_or_default();
                let field = |key: &str| error.get(key).and_then(Value::as_str);
                self.error = Some((
                    field("type").unwrap_or("stream_error").to_owned(),
                    field("message")
                        .unwrap_or("error event in the stream")
                        .to_owned(),
                ));
            }
            _ => {}
        }
    }

    pub(super) fn update(&mut self) -> (LlmCall, bool) {
        let mut call = LlmCall::default();
        call.response_id = self.id.take();
        call.response_model = self.model.take();
        call.finish_reasons = self.stop_reason.take().into_iter().collect();
        if self.capture {
            call.response = Some(Content::Text(self.text.take()));
            call.tool_calls = self
                .tools
                .iter_mut()
                .map(|(_, t)| {
                    let input = match t.input.take() {
                        input if input.is_empty() => "{}".to_owned(),
                        input => input,
                    };
                    ToolCall::new(t.id.clone(), t.name.clone(), input)
                })
                .collect();
        }
        call.error = self.error.take();
        (self.usage.apply(call), self.done)
    }
}
