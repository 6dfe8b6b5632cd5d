//! LLM spans of other instrumentation (rig, genai, Traceloop-style and OpenInference
//! instrumentation) made readable by InsightFinder: the span processor fills the `chat.*`,
//! `x-session-id` and `x-username` attributes its gateway reads from the GenAI or OpenInference
//! attributes such a span carries, before the privacy controls run, so redaction, the length
//! cap, content capture and id hashing treat them exactly as iftracer's own LLM spans.
//!
//! A value already set is never replaced. Read, first found wins:
//!
//! | filled | from |
//! | --- | --- |
//! | `chat.prompt` | `gen_ai.input.messages` (with `gen_ai.system_instructions`), `gen_ai.prompt`, `gen_ai.prompt.N.{role,content}`, `llm.input_messages.N.message.{role,content}`, `input.value` |
//! | `chat.response` | `gen_ai.output.messages`, `gen_ai.completion`, `gen_ai.completion.N.{role,content,tool_calls.M.*}`, `llm.output_messages.N.message.{role,content,tool_calls.M.*}`, `output.value` |
//! | `chat.model` | `gen_ai.response.model`, `gen_ai.request.model`, `llm.model_name` |
//! | `chat.prompt_tokens` | `gen_ai.usage.input_tokens`, `gen_ai.usage.prompt_tokens`, `llm.token_count.prompt` |
//! | `chat.completion_tokens` | `gen_ai.usage.output_tokens`, `gen_ai.usage.completion_tokens`, `llm.token_count.completion` |
//! | `chat.total_tokens` | `llm.token_count.total`, `gen_ai.usage.total_tokens`, `llm.usage.total_tokens`, else the sum |
//! | `x-session-id` | `gen_ai.conversation.id`, `session.id` |
//! | `x-username` | `user.id` |
//!
//! Message JSON may be the GenAI "parts" shape, OpenAI-style `{"role","content"}` lists (content
//! as text or as parts, tool calls), a request or response body (`messages`, `choices`) or a
//! plain string; it reads as iftracer's own prompts do (one message: its text; several: one
//! `role: text` line each). Sessions and users are filled on any span; the `chat.*` attributes
//! only on spans of a model call (not agent, workflow or tool spans).
//!
//! The gateway pairs only INTERNAL spans: a third-party CLIENT span (the GenAI conventions'
//! kind) filled here then hands its pair to an INTERNAL child, as iftracer's own CLIENT LLM
//! spans do (`export/pair.rs`).

use std::collections::BTreeMap;

use opentelemetry::{KeyValue, Value};
use serde_json::Value as Json;

use super::readable_text;
use crate::attributes::{gen_ai, general, insightfinder, openinference};

/// Names of the GenAI conventions before 1.28, and Traceloop's, which instrumentation still
/// emits.
mod deprecated {
    pub(super) const PROMPT: &str = "gen_ai.prompt";
    pub(super) const COMPLETION: &str = "gen_ai.completion";
    pub(super) const PROMPT_PREFIX: &str = "gen_ai.prompt.";
    pub(super) const COMPLETION_PREFIX: &str = "gen_ai.completion.";
    pub(super) const USAGE_PROMPT_TOKENS: &str = "gen_ai.usage.prompt_tokens";
    pub(super) const USAGE_COMPLETION_TOKENS: &str = "gen_ai.usage.completion_tokens";
    pub(super) const USAGE_TOTAL_TOKENS: &str = "gen_ai.usage.total_tokens";
    pub(super) const LLM_USAGE_TOTAL_TOKENS: &str = "llm.usage.total_tokens";
}

const SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
const OI_INPUT_PREFIX: &str = "llm.input_messages.";
const OI_OUTPUT_PREFIX: &str = "llm.output_messages.";

/// GenAI operations that are not a call to a model: their spans wrap calls that have their
/// own spans, and a pair on them would repeat one.
const NOT_MODEL_CALLS: [&str; 4] = [
    "invoke_agent",
    "create_agent",
    "invoke_workflow",
    "execute_tool",
];

/// Message JSON longer than this is shown as it is (then capped) rather than parsed: parsing
/// runs when the span ends, on the application's thread.
const PARSE_LIMIT: usize = 1024 * 1024;

/// Whether `key` may hold something this module maps: the one check every span pays.
fn is_candidate(key: &str) -> bool {
    key.starts_with("gen_ai.")
        || key.starts_with("llm.")
        || matches!(
            key,
            openinference::INPUT_VALUE
                | openinference::OUTPUT_VALUE
                | openinference::SESSION_ID
                | general::USER_ID
        )
}

/// Adds the InsightFinder attributes `attributes` lacks and can be read from its GenAI or
/// OpenInference attributes. With `capture_content` off, prompts and responses are not built
/// (the pipeline would remove them anyway).
pub(crate) fn fill(attributes: &mut Vec<KeyValue>, capture_content: bool) {
    if !attributes.iter().any(|kv| is_candidate(kv.key.as_str())) {
        return;
    }
    let span = Attributes(attributes);
    let mut added: Vec<KeyValue> = Vec::new();
    let mut add_text = |key: &'static str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty())
            && span.missing(key)
        {
            added.push(KeyValue::new(key, value));
        }
    };
    if span.missing(insightfinder::SESSION_ID) {
        add_text(
            insightfinder::SESSION_ID,
            span.first_text(&[gen_ai::CONVERSATION_ID, openinference::SESSION_ID]),
        );
    }
    if span.missing(insightfinder::USERNAME) {
        add_text(
            insightfinder::USERNAME,
            span.first_text(&[general::USER_ID]),
        );
    }
    if span.is_model_call() {
        if span.missing(insightfinder::CHAT_MODEL) {
            add_text(
                insightfinder::CHAT_MODEL,
                span.first_text(&[
                    gen_ai::RESPONSE_MODEL,
                    gen_ai::REQUEST_MODEL,
                    openinference::LLM_MODEL_NAME,
                ]),
            );
        }
        if capture_content {
            if span.missing(insightfinder::CHAT_PROMPT) {
                add_text(insightfinder::CHAT_PROMPT, span.prompt());
            }
            if span.missing(insightfinder::CHAT_RESPONSE) {
                add_text(insightfinder::CHAT_RESPONSE, span.response());
            }
        }
        added.extend(span.tokens());
    }
    attributes.extend(added);
}

/// Read-only lookups over a span's attributes.
struct Attributes<'a>(&'a [KeyValue]);

impl Attributes<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    fn missing(&self, key: &str) -> bool {
        self.get(key).is_none()
    }

    fn text(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.as_str().to_owned()),
            Value::I64(n) => Some(n.to_string()),
            Value::F64(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn first_text(&self, keys: &[&str]) -> Option<String> {
        keys.iter()
            .filter_map(|key| self.text(key))
            .find(|t| !t.is_empty())
    }

    fn count(&self, keys: &[&str]) -> Option<i64> {
        keys.iter().find_map(|key| match self.get(key)? {
            Value::I64(n) => Some(*n),
            // Whole numbers only: a token count is never fractional.
            Value::F64(n) if n.is_finite() && n.fract() == 0.0 => Some(*n as i64),
            Value::String(s) => s.as_str().trim().parse().ok(),
            _ => None,
        })
    }

    /// A model call, not the agent, workflow or tool span around one.
    fn is_model_call(&self) -> bool {
        if let Some(operation) = self.text(gen_ai::OPERATION_NAME) {
            return !NOT_MODEL_CALLS.contains(&operation.as_str());
        }
        if let Some(kind) = self.text(openinference::SPAN_KIND) {
            return kind.eq_ignore_ascii_case("LLM");
        }
        self.0.iter().any(|kv| {
            let key = kv.key.as_str();
            (key.starts_with("gen_ai.") && key != gen_ai::CONVERSATION_ID)
                || key.starts_with("llm.")
        })
    }

    fn tokens(&self) -> Vec<KeyValue> {
        let mut tokens = Vec::new();
        let prompt = self
            .count(&[insightfinder::CHAT_PROMPT_TOKENS])
            .or_else(|| {
                self.count(&[
                    gen_ai::USAGE_INPUT_TOKENS,
                    deprecated::USAGE_PROMPT_TOKENS,
                    openinference::LLM_TOKEN_COUNT_PROMPT,
                ])
                .inspect(|n| tokens.push(KeyValue::new(insightfinder::CHAT_PROMPT_TOKENS, *n)))
            });
        let completion = self
            .count(&[insightfinder::CHAT_COMPLETION_TOKENS])
            .or_else(|| {
                self.count(&[
                    gen_ai::USAGE_OUTPUT_TOKENS,
                    deprecated::USAGE_COMPLETION_TOKENS,
                    openinference::LLM_TOKEN_COUNT_COMPLETION,
                ])
                .inspect(|n| tokens.push(KeyValue::new(insightfinder::CHAT_COMPLETION_TOKENS, *n)))
            });
        if self.missing(insightfinder::CHAT_TOTAL_TOKENS) {
            let total = self
                .count(&[
                    openinference::LLM_TOKEN_COUNT_TOTAL,
                    deprecated::USAGE_TOTAL_TOKENS,
                    deprecated::LLM_USAGE_TOTAL_TOKENS,
                ])
                .or(match (prompt, completion) {
                    (Some(p), Some(c)) => Some(p.saturating_add(c)),
                    _ => None,
                });
            if let Some(total) = total {
                tokens.push(KeyValue::new(insightfinder::CHAT_TOTAL_TOKENS, total));
            }
        }
        tokens
    }

    fn prompt(&self) -> Option<String> {
        if let Some(input) = self.text(gen_ai::INPUT_MESSAGES) {
            let input = parse_messages(&input, "user");
            // Instructions sent apart from the messages come first, unless the messages
            // already hold them (rig records both).
            let mut messages = match self.text(SYSTEM_INSTRUCTIONS) {
                Some(system) if !input.iter().any(|(role, _)| role == "system") => {
                    parse_messages(&system, "system")
                }
                _ => Vec::new(),
            };
            messages.extend(input);
            return render(&messages);
        }
        self.text(deprecated::PROMPT)
            .and_then(|prompt| render(&parse_messages(&prompt, "user")))
            .or_else(|| render(&self.indexed(deprecated::PROMPT_PREFIX, "", "user")))
            .or_else(|| render(&self.indexed(OI_INPUT_PREFIX, "message.", "user")))
            .or_else(|| {
                let input = self.text(openinference::INPUT_VALUE)?;
                render(&parse_messages(&input, "user"))
            })
    }

    fn response(&self) -> Option<String> {
        self.text(gen_ai::OUTPUT_MESSAGES)
            .and_then(|output| render(&parse_messages(&output, "assistant")))
            .or_else(|| {
                let completion = self.text(deprecated::COMPLETION)?;
                render(&parse_messages(&completion, "assistant"))
            })
            .or_else(|| render(&self.indexed(deprecated::COMPLETION_PREFIX, "", "assistant")))
            .or_else(|| render(&self.indexed(OI_OUTPUT_PREFIX, "message.", "assistant")))
            .or_else(|| {
                let output = self.text(openinference::OUTPUT_VALUE)?;
                render(&parse_messages(&output, "assistant"))
            })
    }

    /// Messages spread over indexed keys: `{prefix}N.{infix}role`, `{prefix}N.{infix}content`
    /// and tool calls `{prefix}N.{infix}tool_calls.M.name` / `.arguments` (OpenInference:
    /// `tool_calls.M.tool_call.function.name` / `.arguments`), as `gen_ai.prompt.0.content` and
    /// `llm.input_messages.0.message.content` spell them; in index order.
    fn indexed(&self, prefix: &str, infix: &str, default_role: &str) -> Vec<(String, String)> {
        #[derive(Default)]
        struct Slot {
            role: Option<String>,
            content: Option<String>,
            calls: BTreeMap<usize, (Option<String>, Option<String>)>,
        }
        let mut slots: BTreeMap<usize, Slot> = BTreeMap::new();
        for kv in self.0 {
            let Some(rest) = kv.key.as_str().strip_prefix(prefix) else {
                continue;
            };
            let Some((index, field)) = rest.split_once('.') else {
                continue;
            };
            let (Ok(index), Some(field)) = (index.parse::<usize>(), field.strip_prefix(infix))
            else {
                continue;
            };
            let Value::String(value) = &kv.value else {
                continue;
            };
            let value = value.as_str().to_owned();
            let slot = slots.entry(index).or_default();
            match field {
                "role" => slot.role = Some(value),
                "content" => slot.content = Some(value),
                _ => {
                    let Some((call, part)) = field
                        .strip_prefix("tool_calls.")
                        .and_then(|call| call.split_once('.'))
                    else {
                        continue;
                    };
                    let Ok(call) = call.parse::<usize>() else {
                        continue;
                    };
                    let entry = slot.calls.entry(call).or_default();
                    match part.strip_prefix("tool_call.function.").unwrap_or(part) {
                        "name" => entry.0 = Some(value),
                        "arguments" => entry.1 = Some(value),
                        _ => {}
                    }
                }
            }
        }
        slots
            .into_values()
            .filter_map(|slot| {
                let calls = slot.calls.into_values().filter_map(|(name, arguments)| {
                    Some(format!("{}({})", name?, arguments.unwrap_or_default()))
                });
                let text: Vec<String> = slot
                    .content
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .chain(calls)
                    .collect();
                if text.is_empty() {
                    return None;
                }
                let role = slot.role.unwrap_or_else(|| default_role.to_owned());
                Some((role, text.join("\n")))
            })
            .collect()
    }
}

fn render(messages: &[(String, String)]) -> Option<String> {
    let text = readable_text(
        messages
            .iter()
            .filter(|(_, text)| !text.is_empty())
            .map(|(role, text)| (role.as_str(), text.as_str())),
    );
    (!text.is_empty()).then_some(text)
}

/// Role-tagged texts from message JSON in any of the shapes instrumentation writes; text that
/// is not such JSON is one message of `default_role`.
pub(crate) fn parse_messages(raw: &str, default_role: &str) -> Vec<(String, String)> {
    let trimmed = raw.trim_start();
    if raw.len() <= PARSE_LIMIT
        && (trimmed.starts_with('[') || trimmed.starts_with('{') || trimmed.starts_with('"'))
        && let Ok(json) = serde_json::from_str::<Json>(raw)
        && let Some(messages) = from_json(&json, default_role)
        && !messages.is_empty()
    {
        return messages;
    }
    vec![(default_role.to_owned(), raw.to_owned())]
}

fn from_json(json: &Json, default_role: &str) -> Option<Vec<(String, String)>> {
    match json {
        Json::String(text) => Some(vec![(default_role.to_owned(), text.clone())]),
        Json::Array(items) => Some(
            items
                .iter()
                .filter_map(|item| match item {
                    Json::String(text) => Some((default_role.to_owned(), text.clone())),
                    Json::Object(_) => message(item, default_role),
                    _ => None,
                })
                .collect(),
        ),
        Json::Object(object) => {
            // A request body (`messages`), a response body (`choices`), or one message.
            if let Some(messages) = object.get("messages") {
                return from_json(messages, default_role);
            }
            if let Some(Json::Array(choices)) = object.get("choices") {
                let first = choices.first()?;
                return match first.get("message") {
                    Some(message) => from_json(message, default_role),
                    None => first
                        .get("text")
                        .and_then(Json::as_str)
                        .map(|text| vec![(default_role.to_owned(), text.to_owned())]),
                };
            }
            message(json, default_role).map(|m| vec![m])
        }
        _ => None,
    }
}

/// One message object: GenAI `{"role","parts"}`, OpenAI `{"role","content","tool_calls"}`
/// (content as text or as `{"type":"text","text"}` parts), or a lone part.
fn message(json: &Json, default_role: &str) -> Option<(String, String)> {
    let role = json
        .get("role")
        .and_then(Json::as_str)
        .unwrap_or(default_role);
    let mut texts: Vec<String> = Vec::new();
    if let Some(Json::Array(parts)) = json.get("parts") {
        texts.extend(parts.iter().filter_map(part_text));
    }
    match json.get("content") {
        Some(Json::String(text)) => texts.push(text.clone()),
        Some(Json::Array(parts)) => texts.extend(parts.iter().filter_map(part_text)),
        _ => {}
    }
    if let Some(Json::Array(calls)) = json.get("tool_calls") {
        texts.extend(calls.iter().filter_map(|call| {
            let function = call.get("function").unwrap_or(call);
            let name = function.get("name")?.as_str()?;
            Some(tool_call(name, function.get("arguments")))
        }));
    }
    let texts: Vec<String> = texts.into_iter().filter(|t| !t.is_empty()).collect();
    if texts.is_empty() {
        return None;
    }
    Some((role.to_owned(), texts.join("\n")))
}

/// The readable text of one part: text as it is, a tool call as `name(arguments)` (as
/// iftracer's own responses show them), a tool result as its text.
fn part_text(part: &Json) -> Option<String> {
    match part {
        Json::String(text) => Some(text.clone()),
        Json::Object(object) => match object.get("type").and_then(Json::as_str) {
            Some("tool_call") => {
                let name = object.get("name")?.as_str()?;
                Some(tool_call(name, object.get("arguments")))
            }
            Some("tool_call_response") => object.get("response").map(json_text),
            Some("text") | None => object
                .get("content")
                .or_else(|| object.get("text"))
                .and_then(Json::as_str)
                .map(str::to_owned),
            // Images, audio, reasoning and the like have no text for the pair.
            Some(_) => None,
        },
        _ => None,
    }
}

fn tool_call(name: &str, arguments: Option<&Json>) -> String {
    format!("{name}({})", arguments.map(json_text).unwrap_or_default())
}

fn json_text(json: &Json) -> String {
    match json {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
