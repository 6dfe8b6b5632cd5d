//! OpenAI Chat Completions (`…/chat/completions`): the request, a plain JSON completion, and an
//! SSE stream of `chat.completion.chunk` deltas (text and tool calls assembled per choice, the
//! `stream_options.include_usage` usage chunk, `[DONE]`).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::json::{self, CappedText, Usage};
use crate::llm::{Content, LlmCall, Message, Role, ToolCall};

/// More choices or tool calls than this in one stream are not recorded (a guard against
/// garbage indexes, far above what providers send).
const MAX_INDEX: usize = 64;

pub(super) fn request(object: &Map<String, Value>, capture: bool, cap: usize) -> LlmCall {
    let mut call = LlmCall::chat(json::str_field(object, "model").unwrap_or_default());
    call = json::parameters(object, call, cap);
    if capture && let Some(messages) = object.get("messages").and_then(Value::as_array) {
        let messages: Vec<Message> = messages
            .iter()
            .filter_map(Value::as_object)
            .map(|m| {
                let role = json::str_field(m, "role").unwrap_or("user");
                let mut message =
                    json::message(role, m.get("content").unwrap_or(&Value::Null), cap);
                // An assistant turn that only called tools reads as its calls.
                if message.content.is_empty()
                    && let Some(calls) = m.get("tool_calls").and_then(Value::as_array)
                {
                    message.content = calls
                        .iter()
                        .filter_map(|c| c.get("function"))
                        .map(|f| {
                            let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
                            let args = f
                                .get("arguments")
                                .and_then(Value::as_str)
                                .unwrap_or_default();
                            format!("{name}({})", json::prefix(args, cap))
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                }
                message
            })
            .collect();
        call = call.prompt(messages);
    }
    call
}

#[derive(Deserialize)]
struct Completion<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    choices: Vec<Choice<'a>>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(borrow)]
    message: Option<ChoiceMessage<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ChoiceMessage<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    refusal: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    tool_calls: Vec<ToolCallJson<'a>>,
}

#[derive(Deserialize)]
struct ToolCallJson<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    function: Option<Function<'a>>,
}

#[derive(Deserialize)]
struct Function<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    arguments: Option<Cow<'a, str>>,
}

/// A plain completion; `None` when the body is not one.
pub(super) fn response(body: &[u8], capture: bool, cap: usize) -> Option<LlmCall> {
    let completion: Completion<'_> = serde_json::from_slice(body).ok()?;
    let mut call = LlmCall::default();
    call.response_id = completion.id.map(Cow::into_owned);
    call.response_model = completion.model.map(Cow::into_owned);
    call.finish_reasons = completion
        .choices
        .iter()
        .filter_map(|c| c.finish_reason.as_deref().map(str::to_owned))
        .collect();
    if capture {
        let mut texts = Vec::new();
        for choice in &completion.choices {
            let Some(message) = &choice.message else {
                continue;
            };
            let text = message.content.as_deref().or(message.refusal.as_deref());
            texts.push(json::capped(text.unwrap_or_default(), cap));
            call.tool_calls.extend(message.tool_calls.iter().map(|t| {
                let function = t.function.as_ref();
                ToolCall::new(
                    t.id.as_deref().unwrap_or_default(),
                    function.and_then(|f| f.name.as_deref()).unwrap_or_default(),
                    json::capped(
                        function
                            .and_then(|f| f.arguments.as_deref())
                            .unwrap_or_default(),
                        cap,
                    ),
                )
            }));
        }
        call.response = choices_content(texts);
    }
    Some(match &completion.usage {
        Some(usage) => usage.apply(call),
        None => call,
    })
}

/// One choice reads as its text; several as one assistant message each.
fn choices_content(mut texts: Vec<String>) -> Option<Content> {
    match texts.len() {
        0 => None,
        1 => texts.pop().map(Content::Text),
        _ => Some(Content::Messages(
            texts
                .into_iter()
                .map(|t| Message::new(Role::Assistant, t))
                .collect(),
        )),
    }
}

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    choices: Vec<ChunkChoice<'a>>,
    usage: Option<Usage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct ChunkChoice<'a> {
    #[serde(default)]
    index: usize,
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    tool_calls: Vec<ToolDelta<'a>>,
}

#[derive(Deserialize)]
struct ToolDelta<'a> {
    #[serde(default)]
    index: usize,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    function: Option<Function<'a>>,
}

#[derive(Debug, Default)]
struct ToolSlot {
    id: String,
    name: String,
    arguments: CappedText,
}

/// What a chat stream told so far.
#[derive(Debug)]
pub(super) struct Stream {
    capture: bool,
    cap: usize,
    id: Option<String>,
    model: Option<String>,
    texts: Vec<CappedText>,
    finish_reasons: Vec<Option<String>>,
    tools: Vec<ToolSlot>,
    usage: Option<Usage>,
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
            texts: Vec::new(),
            finish_reasons: Vec::new(),
            tools: Vec::new(),
            usage: None,
            error: None,
            done: false,
        }
    }

    pub(super) fn event(&mut self, data: &[u8]) {
        if data == b"[DONE]" {
            self.done = true;
            return;
        }
        let Ok(chunk) = serde_json::from_slice::<Chunk<'_>>(data) else {
            return;
        };
        if let Some(Value::Object(error)) = &chunk.error {
            let error_type = json::str_field(error, "type")
                .or_else(|| json::str_field(error, "code"))
                .unwrap_or("stream_error");
            let message = json::str_field(error, "message").unwrap_or("error event in the stream");
            self.error = Some((error_type.to_owned(), message.to_owned()));
        }
        if self.id.is_none() {
            self.id = chunk.id.map(Cow::into_owned);
        }
        if self.model.is_none() {
            self.model = chunk.model.map(Cow::into_owned);
        }
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        for choice in chunk.choices {
            if choice.index >= MAX_INDEX {
                continue;
            }
            if let Some(reason) = choice.finish_reason {
                grow(&mut self.finish_reasons, choice.index);
                self.finish_reasons[choice.index] = Some(reason.into_owned());
            }
            let Some(delta) = choice.delta else {
                continue;
            };
            if !self.capture {
                continue;
            }
            if let Some(content) = delta.content {
                grow(&mut self.texts, choice.index);
                self.texts[choice.index].push(&content, self.cap);
            }
            for tool in delta.tool_calls {
                if tool.index >= MAX_INDEX {
                    continue;
                }
                grow(&mut self.tools, tool.index);
                let slot = &mut self.tools[tool.index];
                if let Some(id) = tool.id {
                    slot.id = id.into_owned();
                }
                if let Some(function) = tool.function {
                    if let Some(name) = function.name {
                        slot.name.push_str(&name);
                    }
                    if let Some(arguments) = function.arguments {
                        slot.arguments.push(&arguments, self.cap);
                    }
                }
            }
        }
    }

    pub(super) fn update(&mut self) -> (LlmCall, bool) {
        let mut call = LlmCall::default();
        call.response_id = self.id.take();
        call.response_model = self.model.take();
        call.finish_reasons = self.finish_reasons.drain(..).flatten().collect();
        call.response = choices_content(self.texts.iter_mut().map(CappedText::take).collect());
        call.tool_calls = self
            .tools
            .iter_mut()
            .filter(|t| !t.name.is_empty() || !t.arguments.is_empty())
            .map(|t| ToolCall::new(t.id.clone(), t.name.clone(), t.arguments.take()))
            .collect();
        call.error = self.error.take();
        if let Some(usage) = &self.usage {
            call = usage.apply(call);
        }
        (call, self.done)
    }
}

fn grow<T: Default>(items: &mut Vec<T>, index: usize) {
    if items.len() <= index {
        items.resize_with(index + 1, T::default);
    }
}
