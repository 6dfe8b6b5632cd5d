//! [`LlmCall`]: one call to a language model, its setters, and where it is recorded.

use opentelemetry::trace::TraceContextExt as _;

use super::{Content, LlmSpan, ToolCall, record};
use crate::vocabulary::Vocabularies;

/// One call to a language model. Build it with the setters, then record it with
/// [`record_on_current`](Self::record_on_current) or open a child span with
/// [`start_span`](Self::start_span). `LlmCall::default()` (a chat call with no model) serves for
/// [`LlmSpan::record`] updates.
///
/// ```
/// use iftracer::llm::LlmCall;
///
/// // Annotate the span you are in (e.g. a Temporal activity), as the InsightFinder guide does.
/// LlmCall::chat("gpt-4o")
///     .provider("openai")
///     .prompt("Summarise the incident")
///     .response("The incident was caused by …")
///     .usage(45, 120)
///     .record_on_current();
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LlmCall {
    /// `None` means `chat`.
    pub(crate) operation: Option<String>,
    pub(crate) provider: Option<String>,
    pub(crate) request_model: Option<String>,
    pub(crate) response_model: Option<String>,
    pub(crate) prompt: Option<Content>,
    pub(crate) response: Option<Content>,
    pub(crate) temperature: Option<f64>,
    pub(crate) max_tokens: Option<i64>,
    pub(crate) finish_reasons: Vec<String>,
    pub(crate) response_id: Option<String>,
    pub(crate) prompt_tokens: Option<i64>,
    pub(crate) completion_tokens: Option<i64>,
    pub(crate) total_tokens: Option<i64>,
    pub(crate) user: Option<String>,
    pub(crate) session: Option<String>,
    pub(crate) error: Option<(String, String)>,
    // Request parameters, usage details, tool calls and transport (setters in `parameters.rs`).
    pub(crate) top_p: Option<f64>,
    pub(crate) stop_sequences: Vec<String>,
    pub(crate) seed: Option<i64>,
    pub(crate) frequency_penalty: Option<f64>,
    pub(crate) presence_penalty: Option<f64>,
    pub(crate) stream: Option<bool>,
    pub(crate) tool_definitions: Option<String>,
    pub(crate) cache_read_tokens: Option<i64>,
    pub(crate) cache_creation_tokens: Option<i64>,
    pub(crate) reasoning_tokens: Option<i64>,
    pub(crate) tool_calls: Vec<ToolCall>,
    pub(crate) server_address: Option<String>,
    pub(crate) server_port: Option<i64>,
    /// Seconds.
    pub(crate) time_to_first_chunk: Option<f64>,
    /// How long the call took, for the `gen_ai.client.operation.duration` metric only.
    pub(crate) duration: Option<std::time::Duration>,
}

impl LlmCall {
    /// A call of `operation` (`chat`, `text_completion`, `embeddings`, …) to `model`.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::new("embeddings", "text-embedding-3-small");
    /// # drop(call);
    /// ```
    pub fn new(operation: impl Into<String>, model: impl Into<String>) -> Self {
        LlmCall {
            operation: Some(operation.into()),
            request_model: Some(model.into()),
            ..LlmCall::default()
        }
    }

    /// A chat completion with `model`.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o");
    /// # drop(call);
    /// ```
    pub fn chat(model: impl Into<String>) -> Self {
        LlmCall::new("chat", model)
    }

    /// The provider (`openai`, `anthropic`, `aws.bedrock`, …).
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("claude-sonnet").provider("anthropic");
    /// # drop(call);
    /// ```
    pub fn provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// The prompt: text or role-tagged messages.
    ///
    /// ```
    /// use iftracer::llm::{LlmCall, Message, Role};
    /// let call = LlmCall::chat("gpt-4o").prompt(vec![
    ///     Message::new(Role::System, "Be brief."),
    ///     Message::new(Role::User, "What is OTLP?"),
    /// ]);
    /// # drop(call);
    /// ```
    pub fn prompt(mut self, prompt: impl Into<Content>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// The response: text or role-tagged messages.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").response("OTLP is …");
    /// # drop(call);
    /// ```
    pub fn response(mut self, response: impl Into<Content>) -> Self {
        self.response = Some(response.into());
        self
    }

    /// The model that answered, when it differs from the one requested.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").response_model("gpt-4o-2024-08-06");
    /// # drop(call);
    /// ```
    pub fn response_model(mut self, model: impl Into<String>) -> Self {
        self.response_model = Some(model.into());
        self
    }

    /// Sampling temperature.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").temperature(0.2);
    /// # drop(call);
    /// ```
    pub fn temperature(mut self, temperature: f64) -> Self {
        self.temperature = Some(temperature);
        self
    }

    /// Most tokens to generate.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").max_tokens(512);
    /// # drop(call);
    /// ```
    pub fn max_tokens(mut self, max_tokens: i64) -> Self {
        self.max_tokens = Some(max_tokens);
        self
    }

    /// Why generation stopped, one entry per choice (`stop`, `length`, `tool_calls`, …).
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").finish_reasons(["stop"]);
    /// # drop(call);
    /// ```
    pub fn finish_reasons<I, S>(mut self, reasons: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.finish_reasons = reasons.into_iter().map(Into::into).collect();
        self
    }

    /// The provider's response id.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").response_id("chatcmpl-123");
    /// # drop(call);
    /// ```
    pub fn response_id(mut self, id: impl Into<String>) -> Self {
        self.response_id = Some(id.into());
        self
    }

    /// Input and output tokens; the total is their sum unless set with
    /// [`total_tokens`](Self::total_tokens).
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").usage(45, 120);
    /// # drop(call);
    /// ```
    pub fn usage(mut self, prompt_tokens: i64, completion_tokens: i64) -> Self {
        self.prompt_tokens = Some(prompt_tokens);
        self.completion_tokens = Some(completion_tokens);
        self
    }

    /// Total tokens as the provider reports them.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").usage(45, 120).total_tokens(170);
    /// # drop(call);
    /// ```
    pub fn total_tokens(mut self, total: i64) -> Self {
        self.total_tokens = Some(total);
        self
    }

    /// The end user of this call.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").user("alice");
    /// # drop(call);
    /// ```
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// The session (conversation, workflow) of this call.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").session("workflow-7f3a");
    /// # drop(call);
    /// ```
    pub fn session(mut self, session: impl Into<String>) -> Self {
        self.session = Some(session.into());
        self
    }

    /// The call failed: `error_type` (e.g. `rate_limited`, `timeout`) and a message. The span's
    /// status becomes Error and an exception event is added.
    ///
    /// ```
    /// let call = iftracer::llm::LlmCall::chat("gpt-4o").error("rate_limited", "429 from provider");
    /// # drop(call);
    /// ```
    pub fn error(mut self, error_type: impl Into<String>, message: impl Into<String>) -> Self {
        self.error = Some((error_type.into(), message.into()));
        self
    }

    /// How long the call took: recorded in the `gen_ai.client.operation.duration` metric (no span
    /// attribute: a span has its own duration). [`LlmSpan`] measures it by itself; set it when
    /// recording with [`record_on_current`](Self::record_on_current) on a span that lasted longer
    /// than the call.
    ///
    /// ```
    /// iftracer::llm::LlmCall::chat("gpt-4o")
    ///     .duration(std::time::Duration::from_millis(850))
    ///     .record_on_current();
    /// ```
    pub fn duration(mut self, duration: std::time::Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// The operation name, `chat` unless set.
    pub(crate) fn operation(&self) -> &str {
        self.operation.as_deref().unwrap_or("chat")
    }

    /// Takes every field `update` sets.
    pub(super) fn merge(&mut self, update: &LlmCall) {
        fn take<T: Clone>(slot: &mut Option<T>, update: &Option<T>) {
            if update.is_some() {
                slot.clone_from(update);
            }
        }
        take(&mut self.operation, &update.operation);
        take(&mut self.provider, &update.provider);
        take(&mut self.request_model, &update.request_model);
        take(&mut self.response_model, &update.response_model);
        take(&mut self.prompt, &update.prompt);
        take(&mut self.response, &update.response);
        take(&mut self.temperature, &update.temperature);
        take(&mut self.max_tokens, &update.max_tokens);
        take(&mut self.response_id, &update.response_id);
        take(&mut self.prompt_tokens, &update.prompt_tokens);
        take(&mut self.completion_tokens, &update.completion_tokens);
        take(&mut self.total_tokens, &update.total_tokens);
        take(&mut self.user, &update.user);
        take(&mut self.session, &update.session);
        take(&mut self.error, &update.error);
        if !update.finish_reasons.is_empty() {
            self.finish_reasons.clone_from(&update.finish_reasons);
        }
        take(&mut self.top_p, &update.top_p);
        take(&mut self.seed, &update.seed);
        take(&mut self.frequency_penalty, &update.frequency_penalty);
        take(&mut self.presence_penalty, &update.presence_penalty);
        take(&mut self.stream, &update.stream);
        take(&mut self.tool_definitions, &update.tool_definitions);
        take(&mut self.cache_read_tokens, &update.cache_read_tokens);
        take(
            &mut self.cache_creation_tokens,
            &update.cache_creation_tokens,
        );
        take(&mut self.reasoning_tokens, &update.reasoning_tokens);
        take(&mut self.server_address, &update.server_address);
        take(&mut self.server_port, &update.server_port);
        take(&mut self.time_to_first_chunk, &update.time_to_first_chunk);
        take(&mut self.duration, &update.duration);
        if !update.stop_sequences.is_empty() {
            self.stop_sequences.clone_from(&update.stop_sequences);
        }
        if !update.tool_calls.is_empty() {
            self.tool_calls.clone_from(&update.tool_calls);
        }
    }

    /// Records this call on the current span. Record a call once per span: OpenTelemetry keeps
    /// every value set, so a second recording would repeat the keys (for two steps, use
    /// [`start_span`](Self::start_span)).
    ///
    /// ```
    /// iftracer::llm::LlmCall::chat("gpt-4o").prompt("hi").response("hello").record_on_current();
    /// ```
    pub fn record_on_current(&self) {
        opentelemetry::Context::map_current(|cx| self.record_on(&cx.span()));
    }

    /// Records this call on `span`.
    ///
    /// ```
    /// use iftracer::opentelemetry::trace::{TraceContextExt, Tracer};
    /// let tracer = iftracer::opentelemetry::global::tracer("docs");
    /// tracer.in_span("ask_llm", |cx| {
    ///     iftracer::llm::LlmCall::chat("gpt-4o").prompt("hi").record_on(&cx.span());
    /// });
    /// ```
    ///
    /// The call's tokens (and [`duration`](Self::duration), when set) also go to the GenAI
    /// metrics, whether or not the span is sampled.
    pub fn record_on(&self, span: &opentelemetry::trace::SpanRef<'_>) {
        let Some(current) = crate::pipeline::current() else {
            return;
        };
        self.write_on(span, current.recording().vocabularies);
        if let Some(recorder) = current.pipeline().and_then(|p| p.metrics()) {
            crate::metrics::record_llm_call(recorder, self, None);
        }
    }

    /// The span attributes and status only, in `vocabularies`.
    pub(super) fn write_on(
        &self,
        span: &opentelemetry::trace::SpanRef<'_>,
        vocabularies: Vocabularies,
    ) {
        // A span that is not recorded (not sampled, no current span, tracing off) keeps
        // nothing: skip formatting prompts and responses for it.
        if !span.is_recording() {
            return;
        }
        record::record(self, vocabularies, |kv| span.set_attribute(kv));
        if let Some((error_type, message)) = &self.error {
            crate::Failure::new(error_type.clone(), message.clone()).record(span);
        }
    }

    /// Opens a child of the current span for this call, named `"{operation} {model}"` (kind
    /// INTERNAL or CLIENT, see [`LlmSpan`]); add the response with [`LlmSpan::record`], then end
    /// it.
    ///
    /// ```
    /// use iftracer::llm::LlmCall;
    /// let span = LlmCall::chat("gpt-4o").provider("openai").prompt("What is OTLP?").start_span();
    /// // … call the model …
    /// span.record(&LlmCall::default().response("OTLP is …").usage(12, 9));
    /// span.end();
    /// ```
    pub fn start_span(&self) -> LlmSpan {
        LlmSpan::start(self)
    }
}
