//! GenAI metrics: token usage and durations of every LLM call iftracer records, and durations of
//! workflows, agents and tools, recorded whether or not their span is sampled.
//!
//! The [`Pipeline`](crate::Pipeline) in effect records them when its metrics are on; before
//! `init`, and after the guard shut it down, nothing is recorded.
//!
//! ```
//! let guard = iftracer::Iftracer::builder()
//!     .ignore_env()
//!     .endpoint("http://127.0.0.1:4317")
//!     .metrics(true) // the default when traces go to an OTLP endpoint
//!     .init()
//!     .unwrap();
//! // Recorded as `gen_ai.client.token.usage` and, with `.duration()`,
//! // `gen_ai.client.operation.duration`.
//! iftracer::llm::LlmCall::chat("gpt-4o")
//!     .usage(12, 40)
//!     .duration(std::time::Duration::from_millis(850))
//!     .record_on_current();
//! # drop(guard);
//! ```

mod buffer;
mod instruments;

use std::time::Duration;

pub(crate) use self::buffer::{LlmFields, LlmNumbers, Recorder};
pub(crate) use self::instruments::LLM_CALLS;
pub use self::instruments::{
    ENTITY_DURATION, OPERATION_DURATION, TIME_TO_FIRST_CHUNK, TOKEN_USAGE,
};
use crate::instrument::Kind;
use crate::llm::LlmCall;

/// The temporality of exported metrics (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`).
pub use opentelemetry_sdk::metrics::Temporality;

/// Hands the global pipeline's waiting measurements to the SDK (benchmarks).
pub(crate) fn drain_installed() {
    if let Some(recorder) = crate::pipeline::global().as_ref().and_then(|p| p.metrics()) {
        recorder.drain();
    }
}

/// Records one LLM call: its tokens, and its duration (set on the call, else `measured`) and
/// time to first chunk when known.
pub(crate) fn record_llm_call(recorder: &Recorder, call: &LlmCall, measured: Option<Duration>) {
    let fields = LlmFields {
        operation: call.operation(),
        provider: call.provider.as_deref(),
        request_model: call.request_model.as_deref(),
        response_model: call.response_model.as_deref(),
        server_address: call.server_address.as_deref(),
        error_type: call
            .error
            .as_ref()
            .map(|(error_type, _)| error_type.as_str()),
    };
    let numbers = LlmNumbers {
        input_tokens: call.prompt_tokens.and_then(|t| u64::try_from(t).ok()),
        output_tokens: call.completion_tokens.and_then(|t| u64::try_from(t).ok()),
        duration: call.duration.or(measured).map(|d| d.as_secs_f64()),
        first_chunk: call.time_to_first_chunk,
    };
    recorder.llm_call(&fields, numbers);
}

/// Records how long a workflow, agent or tool call took (tasks are not recorded: they are the
/// fine-grained steps a histogram per name would multiply).
pub(crate) fn record_entity(
    recorder: &Recorder,
    kind: Kind,
    name: &'static str,
    duration: Duration,
) {
    if kind == Kind::Task {
        return;
    }
    recorder.entity(kind, name, duration.as_secs_f64());
}
