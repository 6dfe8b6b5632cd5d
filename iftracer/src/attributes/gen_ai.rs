//! OpenTelemetry GenAI semantic conventions (current names, as of the GenAI conventions
//! repository).
//!
//! ```
//! assert_eq!(iftracer::attributes::gen_ai::PROVIDER_NAME, "gen_ai.provider.name");
//! ```

/// The operation: `chat`, `text_completion`, `embeddings`, `invoke_agent`, `execute_tool`, …
pub const OPERATION_NAME: &str = "gen_ai.operation.name";
/// The provider (`openai`, `anthropic`, …).
pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
/// The provider under its pre-1.37 name, still read by many backends.
pub const SYSTEM: &str = "gen_ai.system";
/// The model requested.
pub const REQUEST_MODEL: &str = "gen_ai.request.model";
/// The model that answered.
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
/// The response id given by the provider.
pub const RESPONSE_ID: &str = "gen_ai.response.id";
/// Why generation stopped, one entry per choice.
pub const RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// Sampling temperature.
pub const REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// Most tokens to generate.
pub const REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// Input tokens.
pub const USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// Output tokens.
pub const USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// The input messages as JSON: `[{"role":"user","parts":[{"type":"text","content":"…"}]}]`.
pub const INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// The output messages as JSON, like [`INPUT_MESSAGES`].
pub const OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// The conversation (session) id.
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// The agent's name.
pub const AGENT_NAME: &str = "gen_ai.agent.name";
/// The workflow's name.
pub const WORKFLOW_NAME: &str = "gen_ai.workflow.name";
/// The tool's name.
pub const TOOL_NAME: &str = "gen_ai.tool.name";
/// The tool call's arguments (JSON).
pub const TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// The tool call's result.
pub const TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
/// Nucleus sampling (`top_p`).
pub const REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// Sequences that stop generation (string array).
pub const REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// The sampling seed.
pub const REQUEST_SEED: &str = "gen_ai.request.seed";
/// Frequency penalty.
pub const REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
/// Presence penalty.
pub const REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
/// Whether the response was requested as a stream.
pub const REQUEST_STREAM: &str = "gen_ai.request.stream";
/// The tools offered to the model (JSON array, as the request sent them).
pub const TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";
/// Input tokens served from the provider's prompt cache (included in the input tokens).
pub const USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// Input tokens written to the provider's prompt cache.
pub const USAGE_CACHE_CREATION_INPUT_TOKENS: &str = "gen_ai.usage.cache_creation.input_tokens";
/// Output tokens spent on reasoning (included in the output tokens).
pub const USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// Seconds from sending the request to the first chunk of a streamed response.
pub const RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
/// The API server's host name (general OpenTelemetry attribute the GenAI client span carries).
pub const SERVER_ADDRESS: &str = "server.address";
/// The API server's port.
pub const SERVER_PORT: &str = "server.port";
/// How many times the request was sent again after the first attempt (HTTP conventions).
pub const HTTP_REQUEST_RESEND_COUNT: &str = "http.request.resend_count";

/// Metric attribute: which tokens a `gen_ai.client.token.usage` measurement counts (`input` or
/// `output`).
pub const TOKEN_TYPE: &str = "gen_ai.token.type";
