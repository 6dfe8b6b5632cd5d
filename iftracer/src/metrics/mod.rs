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

mod instruments;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use opentelemetry::KeyValue;

pub(crate) use self::instruments::Instruments;
pub use self::instruments::{
    ENTITY_DURATION, OPERATION_DURATION, TIME_TO_FIRST_CHUNK, TOKEN_USAGE,
};
use crate::attributes::{gen_ai, iftracer, insightfinder};
use crate::instrument::Kind;
use crate::llm::LlmCall;

/// The temporality of exported metrics (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`).
pub use opentelemetry_sdk::metrics::Temporality;

/// The instruments of the pipeline `init` installed globally, if metrics are on.
static INSTALLED: RwLock<Option<Arc<Instruments>>> = RwLock::new(None);
/// Whether [`INSTALLED`] holds instruments: one load on the macros' hot path.
static ON: AtomicBool = AtomicBool::new(false);

pub(crate) fn install(instruments: Option<Arc<Instruments>>) {
    let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
    ON.store(instruments.is_some(), Ordering::Relaxed);
    *installed = instruments;
}

/// Whether metrics are recorded (instruments installed).
#[inline]
pub(crate) fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Removes `instruments` if they are still the installed ones (a later `init` may have
/// replaced them).
pub(crate) fn uninstall(instruments: &Arc<Instruments>) {
    let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
    if installed
        .as_ref()
        .is_some_and(|current| Arc::ptr_eq(current, instruments))
    {
        ON.store(false, Ordering::Relaxed);
        *installed = None;
    }
}

fn with_installed(record: impl FnOnce(&Instruments)) {
    let installed = INSTALLED.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(instruments) = installed.as_ref() {
        record(instruments);
    }
}

/// Records one LLM call: its tokens, and its duration (set on the call, else `measured`) and
/// time to first chunk when known.
pub(crate) fn record_llm_call(call: &LlmCall, measured: Option<Duration>) {
    with_installed(|instruments| {
        let mut attributes = Vec::with_capacity(7);
        attributes.push(KeyValue::new(
            gen_ai::OPERATION_NAME,
            call.operation().to_owned(),
        ));
        if let Some(provider) = &call.provider {
            attributes.push(KeyValue::new(gen_ai::PROVIDER_NAME, provider.clone()));
        }
        if let Some(model) = &call.request_model {
            attributes.push(KeyValue::new(gen_ai::REQUEST_MODEL, model.clone()));
        }
        if let Some(model) = &call.response_model {
            attributes.push(KeyValue::new(gen_ai::RESPONSE_MODEL, model.clone()));
        }
        if let Some(address) = &call.server_address {
            attributes.push(KeyValue::new(gen_ai::SERVER_ADDRESS, address.clone()));
        }
        // The conventions put `error.type` on the duration only; tokens of a failed call are
        // still tokens.
        for (tokens, kind) in [
            (call.prompt_tokens, "input"),
            (call.completion_tokens, "output"),
        ] {
            if let Some(tokens) = tokens.and_then(|t| u64::try_from(t).ok()) {
                attributes.push(KeyValue::new(gen_ai::TOKEN_TYPE, kind));
                instruments.token_usage.record(tokens, &attributes);
                attributes.pop();
            }
        }
        if let Some(seconds) = call.time_to_first_chunk {
            instruments.time_to_first_chunk.record(seconds, &attributes);
        }
        if let Some(duration) = call.duration.or(measured) {
            if let Some((error_type, _)) = &call.error {
                attributes.push(KeyValue::new(insightfinder::ERROR_TYPE, error_type.clone()));
            }
            instruments
                .operation_duration
                .record(duration.as_secs_f64(), &attributes);
        }
    });
}

/// Records how long a workflow, agent or tool call took (tasks are not recorded: they are the
/// fine-grained steps a histogram per name would multiply).
pub(crate) fn record_entity(kind: Kind, name: &'static str, duration: Duration, panicked: bool) {
    let operation = match kind {
        Kind::Workflow => "invoke_workflow",
        Kind::Agent => "invoke_agent",
        Kind::Tool => "execute_tool",
        Kind::Task => return,
    };
    with_installed(|instruments| {
        let attributes = [
            KeyValue::new(iftracer::SPAN_KIND, kind.as_str()),
            KeyValue::new(iftracer::ENTITY_NAME, name),
            KeyValue::new(gen_ai::OPERATION_NAME, operation),
            KeyValue::new(insightfinder::ERROR_TYPE, "panic"),
        ];
        let used = if panicked { 4 } else { 3 };
        instruments
            .entity_duration
            .record(duration.as_secs_f64(), &attributes[..used]);
    });
}
