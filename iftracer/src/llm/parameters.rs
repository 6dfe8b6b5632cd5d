//! [`LlmCall`] setters for request parameters, usage details, tool calls and transport: what
//! the wire recorder reads off an HTTP exchange, also open to hand-written recording.

use std::time::Duration;

use super::LlmCall;

/// A tool call the model asked for.
///
/// ```
/// use iftracer::llm::ToolCall;
/// let call = ToolCall::new("call_1", "get_weather", r#"{"city":"Paris"}"#);
/// assert_eq!(call.name, "get_weather");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The provider's id for the call (`call_…`, `toolu_…`); empty when it gave none.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments as the model wrote them (usually JSON text).
    pub arguments: String,
}

impl ToolCall {
    /// A call of tool `name` with `arguments`.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> Self {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
        }
    }
}

impl LlmCall {
    /// Nucleus sampling (`top_p`).
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").top_p(0.9);
    /// # drop(call);
    /// ```
    pub fn top_p(mut self, top_p: f64) -> Self {
        self.top_p = Some(top_p);
        self
    }

    /// Sequences that stop generation.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").stop_sequences(["\n\n", "END"]);
    /// # drop(call);
    /// ```
    pub fn stop_sequences<I, S>(mut self, stop: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.stop_sequences = stop.into_iter().map(Into::into).collect();
        self
    }

    /// The sampling seed.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").seed(42);
    /// # drop(call);
    /// ```
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Frequency penalty.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").frequency_penalty(0.5);
    /// # drop(call);
    /// ```
    pub fn frequency_penalty(mut self, penalty: f64) -> Self {
        self.frequency_penalty = Some(penalty);
        self
    }

    /// Presence penalty.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").presence_penalty(0.5);
    /// # drop(call);
    /// ```
    pub fn presence_penalty(mut self, penalty: f64) -> Self {
        self.presence_penalty = Some(penalty);
        self
    }

    /// Whether the response was requested as a stream.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").stream(true);
    /// # drop(call);
    /// ```
    pub fn stream(mut self, stream: bool) -> Self {
        self.stream = Some(stream);
        self
    }

    /// The tools offered to the model, as a JSON array (recorded as `gen_ai.tool.definitions`).
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o")
    ///     .tool_definitions(r#"[{"type":"function","function":{"name":"get_weather"}}]"#);
    /// # drop(call);
    /// ```
    pub fn tool_definitions(mut self, json: impl Into<String>) -> Self {
        self.tool_definitions = Some(json.into());
        self
    }

    /// Input tokens served from the provider's prompt cache (part of the input tokens).
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").usage(1200, 80).cache_read_tokens(1024);
    /// # drop(call);
    /// ```
    pub fn cache_read_tokens(mut self, tokens: i64) -> Self {
        self.cache_read_tokens = Some(tokens);
        self
    }

    /// Input tokens written to the provider's prompt cache (Anthropic's
    /// `cache_creation_input_tokens`).
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("claude-sonnet").cache_creation_tokens(2048);
    /// # drop(call);
    /// ```
    pub fn cache_creation_tokens(mut self, tokens: i64) -> Self {
        self.cache_creation_tokens = Some(tokens);
        self
    }

    /// Output tokens spent on reasoning (part of the output tokens).
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("o3").usage(50, 900).reasoning_tokens(640);
    /// # drop(call);
    /// ```
    pub fn reasoning_tokens(mut self, tokens: i64) -> Self {
        self.reasoning_tokens = Some(tokens);
        self
    }

    /// The tool calls the model asked for; they join the response in `gen_ai.output.messages`
    /// (as `tool_call` parts) and in `chat.response` (one `name(arguments)` line each).
    ///
    /// ```
    /// use iftracer::llm::{LlmCall, ToolCall};
    /// let call = LlmCall::chat("gpt-4o")
    ///     .tool_calls([ToolCall::new("call_1", "get_weather", r#"{"city":"Paris"}"#)]);
    /// # drop(call);
    /// ```
    pub fn tool_calls(mut self, calls: impl IntoIterator<Item = ToolCall>) -> Self {
        self.tool_calls = calls.into_iter().collect();
        self
    }

    /// The API server's host name and port (`server.address`, `server.port`).
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").server("api.openai.com", 443);
    /// # drop(call);
    /// ```
    pub fn server(mut self, address: impl Into<String>, port: u16) -> Self {
        self.server_address = Some(address.into());
        self.server_port = Some(i64::from(port));
        self
    }

    /// Time from sending the request to the first chunk of a streamed response
    /// (`gen_ai.response.time_to_first_chunk`, in seconds).
    ///
    /// ```
    /// use std::time::Duration;
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o")
    ///     .time_to_first_chunk(Duration::from_millis(250));
    /// # drop(call);
    /// ```
    pub fn time_to_first_chunk(mut self, elapsed: Duration) -> Self {
        self.time_to_first_chunk = Some(elapsed.as_secs_f64());
        self
    }
}
