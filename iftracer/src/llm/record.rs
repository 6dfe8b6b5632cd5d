//! Turns an [`LlmCall`] into attributes of each active vocabulary.

use opentelemetry::trace::{SpanRef, Status};
use opentelemetry::{Array, KeyValue, StringValue, Value};

use super::{LlmCall, Role};
use crate::attributes::{gen_ai, insightfinder, openinference};
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
    let response_text = call.response.as_ref().map(|c| c.text());

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
            let reasons: Vec<StringValue> = call
                .finish_reasons
                .iter()
                .map(|r| StringValue::from(r.clone()))
                .collect();
            emit(KeyValue::new(
                gen_ai::RESPONSE_FINISH_REASONS,
                Value::Array(Array::String(reasons)),
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
        if let Some(response) = &call.response {
            let finish = call.finish_reasons.first().map(String::as_str);
            emit(KeyValue::new(
                gen_ai::OUTPUT_MESSAGES,
                response.messages_json(Role::Assistant, finish),
            ));
        }
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
        emit_opt(&mut emit, openinference::USER_ID, call.user.clone());
    }
    // `error.type` is shared by InsightFinder and the OpenTelemetry conventions.
    if let Some((error_type, _)) = &call.error
        && (vocabularies.contains(Vocabularies::INSIGHTFINDER)
            || vocabularies.contains(Vocabularies::GENAI))
    {
        emit(KeyValue::new(insightfinder::ERROR_TYPE, error_type.clone()));
    }
}

fn emit_opt<V: Into<Value>>(emit: &mut impl FnMut(KeyValue), key: &'static str, value: Option<V>) {
    if let Some(value) = value {
        emit(KeyValue::new(key, value));
    }
}

/// Marks the span failed with an exception event, as the Python SDKs record errors.
pub(super) fn record_error_status(span: &SpanRef<'_>, error_type: &str, message: &str) {
    span.add_event(
        "exception",
        vec![
            KeyValue::new("exception.type", error_type.to_owned()),
            KeyValue::new("exception.message", message.to_owned()),
        ],
    );
    span.set_status(Status::error(message.to_owned()));
}
