//! GenAI metrics: token usage and durations of every LLM call iftracer records, and durations of
//! workflows, agents and tools, recorded whether or not their span is sampled.
//!
//! `init` installs the instruments process-wide (with `.global(true)`, the default) when metrics
//! are on; until then, and after the guard shuts down, recording is one lock read.
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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
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

/// The recorder of the pipeline `init` installed globally, if metrics are on.
static INSTALLED: RwLock<Option<Arc<Recorder>>> = RwLock::new(None);
/// Whether [`INSTALLED`] holds a recorder: one load on the macros' hot path.
static ON: AtomicBool = AtomicBool::new(false);

pub(crate) fn install(recorder: Option<Arc<Recorder>>) {
    let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
    ON.store(recorder.is_some(), Ordering::Relaxed);
    *installed = recorder;
}

/// Whether metrics are recorded (a recorder installed).
#[inline]
pub(crate) fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Removes `recorder` if it is still the installed one (a later `init` may have replaced it).
pub(crate) fn uninstall(recorder: &Arc<Recorder>) {
    let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
    if installed
        .as_ref()
        .is_some_and(|current| Arc::ptr_eq(current, recorder))
    {
        ON.store(false, Ordering::Relaxed);
        *installed = None;
    }
}

fn with_installed(record: impl FnOnce(&Recorder)) {
    if !on() {
        return;
    }
    let installed = INSTALLED.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(recorder) = installed.as_ref() {
        record(recorder);
    }
}

/// Hands the installed recorder's waiting measurements to the SDK (benchmarks).
pub(crate) fn drain_installed() {
    with_installed(Recorder::drain);
}

/// Records one LLM call: its tokens, and its duration (set on the call, else `measured`) and
/// time to first chunk when known.
pub(crate) fn record_llm_call(call: &LlmCall, measured: Option<Duration>) {
    with_installed(|recorder| {
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
    });
}

/// Records how long a workflow, agent or tool call took (tasks are not recorded: they are the
/// fine-grained steps a histogram per name would multiply).
pub(crate) fn record_entity(kind: Kind, name: &'static str, duration: Duration) {
    if kind == Kind::Task {
        return;
    }
    with_installed(|recorder| recorder.entity(kind, name, duration.as_secs_f64()));
}
