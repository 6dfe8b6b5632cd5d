//! Which attributes are content (prompts, responses, messages, entity input/output), removed
//! when content capture is off. Models, token counts, timings and errors are not content.

use crate::attributes::{gen_ai, iftracer, insightfinder, openinference};

const CONTENT_KEYS: &[&str] = &[
    insightfinder::CHAT_PROMPT,
    insightfinder::CHAT_RESPONSE,
    gen_ai::INPUT_MESSAGES,
    gen_ai::OUTPUT_MESSAGES,
    "gen_ai.system_instructions",
    gen_ai::TOOL_CALL_ARGUMENTS,
    gen_ai::TOOL_CALL_RESULT,
    openinference::INPUT_VALUE,
    openinference::OUTPUT_VALUE,
    iftracer::ENTITY_INPUT,
    iftracer::ENTITY_OUTPUT,
    iftracer::PROMPT_TEMPLATE,
    // Older and third-party spellings other instrumentation still emits.
    "llm.prompt",
    "llm.response",
    "gen_ai.event.content",
];

/// Prefixes of indexed content keys (`llm.input_messages.0.message.content`, Traceloop's
/// `gen_ai.prompt.0.content`).
const CONTENT_PREFIXES: &[&str] = &[
    iftracer::PROMPT_TEMPLATE_VARIABLES_PREFIX,
    "llm.input_messages.",
    "llm.output_messages.",
    "gen_ai.prompt.",
    "gen_ai.completion.",
];

pub(crate) fn is_content(key: &str) -> bool {
    CONTENT_KEYS.contains(&key) || CONTENT_PREFIXES.iter().any(|p| key.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::is_content;

    #[test]
    fn content_is_recognised_and_metadata_is_not() {
        for key in [
            "chat.prompt",
            "gen_ai.input.messages",
            "input.value",
            "iftracer.entity.output",
            "llm.input_messages.0.message.content",
            "gen_ai.completion.0.content",
            "iftracer.prompt.template",
            "iftracer.prompt.template_variables.city",
        ] {
            assert!(is_content(key), "{key}");
        }
        for key in [
            "chat.model",
            "chat.total_tokens",
            "gen_ai.request.model",
            "gen_ai.usage.input_tokens",
            "error",
            "error.type",
            "llm.token_count.prompt",
            "x-session-id",
            "iftracer.prompt.version",
        ] {
            assert!(!is_content(key), "{key}");
        }
    }
}
