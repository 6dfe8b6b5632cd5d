//! The instruments, their names, units and bucket boundaries, as the OpenTelemetry GenAI
//! conventions define them.

use opentelemetry::metrics::{Counter, Histogram, Meter};

/// Input and output tokens of one LLM call (`{token}`, by `gen_ai.token.type`).
pub const TOKEN_USAGE: &str = "gen_ai.client.token.usage";
/// How long one LLM call took, in seconds.
pub const OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
/// Seconds from the request to the first chunk of a streamed answer.
pub const TIME_TO_FIRST_CHUNK: &str = "gen_ai.client.operation.time_to_first_chunk";
/// How long one `#[workflow]`, `#[agent]` or `#[tool]` call took, in seconds. The GenAI
/// conventions have no histogram for workflows, and mixing agents and tools into
/// `gen_ai.client.operation.duration` would blur the per-model view of LLM calls.
pub const ENTITY_DURATION: &str = "iftracer.entity.duration";

/// LLM calls, with the duration's attributes (`error.type` on a failed call). Recorded only
/// for the console's summary, never exported: it counts the calls that carry neither tokens
/// nor a duration, which no convention instrument sees.
pub(crate) const LLM_CALLS: &str = "iftracer.client.operation.calls";

/// The conventions' advice for `gen_ai.client.token.usage`: powers of 4 up to 4^13.
pub(crate) const TOKEN_BOUNDARIES: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];
/// The conventions' advice for `gen_ai.client.operation.duration` (seconds, doubling from 10 ms).
pub(crate) const DURATION_BOUNDARIES: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/// The conventions' advice for time to first token/chunk (seconds).
pub(crate) const FIRST_CHUNK_BOUNDARIES: [f64; 16] = [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The histograms iftracer records into.
#[derive(Debug, Clone)]
pub(crate) struct Instruments {
    pub(crate) token_usage: Histogram<u64>,
    pub(crate) operation_duration: Histogram<f64>,
    pub(crate) time_to_first_chunk: Histogram<f64>,
    pub(crate) entity_duration: Histogram<f64>,
    /// Only for the console's summary.
    pub(crate) calls: Option<Counter<u64>>,
}

impl Instruments {
    /// `count_calls`: also count LLM calls, for the console's summary.
    pub(crate) fn new(meter: &Meter, count_calls: bool) -> Self {
        Instruments {
            token_usage: meter
                .u64_histogram(TOKEN_USAGE)
                .with_unit("{token}")
                .with_description("Number of input and output tokens used")
                .with_boundaries(TOKEN_BOUNDARIES.to_vec())
                .build(),
            operation_duration: meter
                .f64_histogram(OPERATION_DURATION)
                .with_unit("s")
                .with_description("GenAI operation duration")
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build(),
            time_to_first_chunk: meter
                .f64_histogram(TIME_TO_FIRST_CHUNK)
                .with_unit("s")
                .with_description("Time to receive the first chunk of a streamed response")
                .with_boundaries(FIRST_CHUNK_BOUNDARIES.to_vec())
                .build(),
            entity_duration: meter
                .f64_histogram(ENTITY_DURATION)
                .with_unit("s")
                .with_description("Duration of an instrumented workflow, agent or tool call")
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build(),
            calls: count_calls.then(|| {
                meter
                    .u64_counter(LLM_CALLS)
                    .with_unit("{call}")
                    .with_description("LLM calls recorded, with or without tokens and duration")
                    .build()
            }),
        }
    }
}
