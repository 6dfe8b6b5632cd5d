//! Turns an [`LlmCall`] into attributes of each active vocabulary.

use opentelemetry::{Array, KeyValue, StringValue, Value};

use super::{LlmCall, Role};
use crate::attributes::{gen_ai, general, insightfinder, openinference};
use crate::vocabulary::Vocabularies;

/// Emits every attribute the call knows, in each vocabulary of `vocabularies`.
pub(super) fn record(call: &LlmCall, vocabularies: Vocabularies, mut emit: impl FnMut(KeyValue)) {
    let model = call.response_model.as_ref().or(call.request_model.as_ref());
    let total = call
        .total_tokens
        .or(match (call.prompt_tokens, call.completion_tokens) {
            (Some(p), Some(c)) => Some(p + c),
            _ => None,
        });
    let prompt_text = call.prompt.as_ref().map(|c| c.text());
    let response_text = response_text(call);

    if vocabularies.contains(Vocabularies::INSIGHTFINDER) {
        emit_opt(&mut emit, insightfinder::CHAT_PROMPT, prompt_text.clone());
        emit_opt(
            &mut emit,
            insightfinder::CHAT_RESPONSE,
            response_text.clone(),
        );
        emit_opt(&mut emit, insightfinder::CHAT_MODEL, model.cloned());
        emit_opt(
            &mut emit,
            insightfinder::CHAT_PROMPT_TOKENS,
            call.prompt_tokens,
        );
        emit_opt(
            &mut emit,
            insightfinder::CHAT_COMPLETION_TOKENS,
            call.completion_tokens,
        );
        emit_opt(&mut emit, insightfinder::CHAT_TOTAL_TOKENS, total);
        emit_opt(&mut emit, insightfinder::USERNAME, call.user.clone());
        emit_opt(&mut emit, insightfinder::SESSION_ID, call.session.clone());
        if let Some((_, message)) = &call.error {
            emit(KeyValue::new(insightfinder::ERROR, message.clone()));
        }
    }
    if vocabularies.contains(Vocabularies::GENAI) {
        emit(KeyValue::new(
            gen_ai::OPERATION_NAME,
            call.operation().to_owned(),
        ));
        if let Some(provider) = &call.provider {
            emit(KeyValue::new(gen_ai::PROVIDER_NAME, provider.clone()));
            emit(KeyValue::new(gen_ai::SYSTEM, provider.clone()));
        }
        emit_opt(&mut emit, gen_ai::REQUEST_MODEL, call.request_model.clone());
        emit_opt(
            &mut emit,
            gen_ai::RESPONSE_MODEL,
            call.response_model.clone(),
        );
        emit_opt(&mut emit, gen_ai::REQUEST_TEMPERATURE, call.temperature);
        emit_opt(&mut emit, gen_ai::REQUEST_MAX_TOKENS, call.max_tokens);
        emit_opt(&mut emit, gen_ai::RESPONSE_ID, call.response_id.clone());
        if !call.finish_reasons.is_empty() {
            emit(KeyValue::new(
                gen_ai::RESPONSE_FINISH_REASONS,
                string_array(&call.finish_reasons),
            ));
        }
        emit_opt(&mut emit, gen_ai::USAGE_INPUT_TOKENS, call.prompt_tokens);
        emit_opt(
            &mut emit,
            gen_ai::USAGE_OUTPUT_TOKENS,
            call.completion_tokens,
        );
        if let Some(prompt) = &call.prompt {
            emit(KeyValue::new(
                gen_ai::INPUT_MESSAGES,
                prompt.messages_json(Role::User, None),
            ));
        }
        let finish = call.finish_reasons.first().map(String::as_str);
        if !call.tool_calls.is_empty() {
            emit(KeyValue::new(
                gen_ai::OUTPUT_MESSAGES,
                output_with_tool_calls(call, finish),
            ));
        } else if let Some(response) = &call.response {
            emit(KeyValue::new(
                gen_ai::OUTPUT_MESSAGES,
                response.messages_json(Role::Assistant, finish),
            ));
        }
        emit_opt(&mut emit, gen_ai::REQUEST_TOP_P, call.top_p);
        if !call.stop_sequences.is_empty() {
            emit(KeyValue::new(
                gen_ai::REQUEST_STOP_SEQUENCES,
                string_array(&call.stop_sequences),
            ));
        }
        emit_opt(&mut emit, gen_ai::REQUEST_SEED, call.seed);
        emit_opt(
            &mut emit,
            gen_ai::REQUEST_FREQUENCY_PENALTY,
            call.frequency_penalty,
        );
        emit_opt(
            &mut emit,
            gen_ai::REQUEST_PRESENCE_PENALTY,
            call.presence_penalty,
        );
        emit_opt(&mut emit, gen_ai::REQUEST_STREAM, call.stream);
        emit_opt(
            &mut emit,
            gen_ai::TOOL_DEFINITIONS,
            call.tool_definitions.clone(),
        );
        emit_opt(
            &mut emit,
            gen_ai::USAGE_CACHE_READ_INPUT_TOKENS,
            call.cache_read_tokens,
        );
        emit_opt(
            &mut emit,
            gen_ai::USAGE_CACHE_CREATION_INPUT_TOKENS,
            call.cache_creation_tokens,
        );
        emit_opt(
            &mut emit,
            gen_ai::USAGE_REASONING_OUTPUT_TOKENS,
            call.reasoning_tokens,
        );
        emit_opt(
            &mut emit,
            gen_ai::RESPONSE_TIME_TO_FIRST_CHUNK,
            call.time_to_first_chunk,
        );
        emit_opt(&mut emit, gen_ai::CONVERSATION_ID, call.session.clone());
    }
    if vocabularies.contains(Vocabularies::OPENINFERENCE) {
        emit(KeyValue::new(openinference::SPAN_KIND, "LLM"));
        emit_opt(&mut emit, openinference::LLM_MODEL_NAME, model.cloned());
        emit_opt(
            &mut emit,
            openinference::LLM_TOKEN_COUNT_PROMPT,
            call.prompt_tokens,
        );
        emit_opt(
            &mut emit,
            openinference::LLM_TOKEN_COUNT_COMPLETION,
            call.completion_tokens,
        );
        emit_opt(&mut emit, openinference::LLM_TOKEN_COUNT_TOTAL, total);
        emit_opt(&mut emit, openinference::INPUT_VALUE, prompt_text);
        emit_opt(&mut emit, openinference::OUTPUT_VALUE, response_text);
        emit_opt(&mut emit, openinference::SESSION_ID, call.session.clone());
    }
    if vocabularies.contains(Vocabularies::GENAI)
        || vocabularies.contains(Vocabularies::OPENINFERENCE)
    {
        emit_opt(&mut emit, general::USER_ID, call.user.clone());
    }
    // Transport attributes of the general conventions, whatever the vocabulary.
    emit_opt(
        &mut emit,
        gen_ai::SERVER_ADDRESS,
        call.server_address.clone(),
    );
    emit_opt(&mut emit, gen_ai::SERVER_PORT, call.server_port);
    // `error.type` is shared by InsightFinder and the OpenTelemetry conventions.
    if let Some((error_type, _)) = &call.error
        && (vocabularies.contains(Vocabularies::INSIGHTFINDER)
            || vocabularies.contains(Vocabularies::GENAI))
    {
        emit(KeyValue::new(general::ERROR_TYPE, error_type.clone()));
    }
}

fn string_array(items: &[String]) -> Value {
    let items: Vec<StringValue> = items.iter().map(|r| StringValue::from(r.clone())).collect();
    Value::Array(Array::String(items))
}

/// The response as text, with one `name(arguments)` line per tool call so a response that is
/// only tool calls still reads as something in `chat.response`.
fn response_text(call: &LlmCall) -> Option<String> {
    let text = call.response.as_ref().map(|c| c.text());
    if call.tool_calls.is_empty() {
        return text;
    }
    let calls = call
        .tool_calls
        .iter()
        .map(|t| format!("{}({})", t.name, t.arguments));
    let lines: Vec<String> = text
        .into_iter()
        .filter(|t| !t.is_empty())
        .chain(calls)
        .collect();
    Some(lines.join("\n"))
}

/// One assistant message whose parts are the response text and a `tool_call` part per call
/// (arguments as JSON when they parse, as text otherwise).
fn output_with_tool_calls(call: &LlmCall, finish_reason: Option<&str>) -> String {
    let mut parts = Vec::with_capacity(call.tool_calls.len() + 1);
    if let Some(text) = call.response.as_ref().map(|c| c.text())
        && !text.is_empty()
    {
        parts.push(serde_json::json!({"type": "text", "content": text}));
    }
    for tool in &call.tool_calls {
        let arguments = serde_json::from_str::<serde_json::Value>(&tool.arguments)
            .unwrap_or_else(|_| serde_json::Value::String(tool.arguments.clone()));
        parts.push(serde_json::json!({
            "type": "tool_call",
            "id": tool.id,
            "name": tool.name,
            "arguments": arguments,
        }));
    }
    let mut message = serde_json::json!({"role": "assistant", "parts": parts});
    if let Some(reason) = finish_reason {
        message["finish_reason"] = reason.into();
    }
    serde_json::Value::Array(vec![message]).to_string()
}

fn emit_opt<V: Into<Value>>(emit: &mut impl FnMut(KeyValue), key: &'static str, value: Option<V>) {
    if let Some(value) = value {
        emit(KeyValue::new(key, value));
    }
}
