//! OpenTelemetry tracing for LLM agents, exporting to InsightFinder or any OTLP backend.
//!
//! One builder call at startup configures a [`TracerProvider`](opentelemetry_sdk::trace::SdkTracerProvider)
//! that exports over OTLP/gRPC or OTLP/HTTP with the InsightFinder headers (`ifuser`,
//! `iflicensekey`, `ifproject`, `ifsystem`) or any others, from code or from the standard
//! environment variables. With no endpoint configured, finished traces are printed to the
//! terminal as trees.
//!
//! ```
//! use iftracer::opentelemetry::{global, trace::Tracer};
//!
//! let guard = iftracer::Iftracer::builder()
//!     .service_name("research-agent")
//!     .init()?;
//!
//! let tracer = global::tracer("research-agent");
//! tracer.in_span("research.workflow", |_| {
//!     tracer.in_span("ask_llm.task", |_| { /* call the model */ });
//! });
//!
//! guard.shutdown()?; // or let it drop: flushes within the shutdown timeout
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Tracing never crashes or blocks the application: exports run on iftracer's own thread with
//! a timeout, the queue is bounded, and every span that cannot be exported is counted in
//! [`stats()`].

#![warn(missing_docs)]
// SIMD intrinsics are allowed in `privacy::redact::scan` only.
#![deny(unsafe_code)]
// docs.rs (`--cfg docsrs`, nightly) marks what a feature adds.
#![cfg_attr(docsrs, feature(doc_cfg))]
// Configuration is resolved and validated the same way whatever transports are compiled in, so
// builds without some of them leave parts of it unused.
#![cfg_attr(
    not(all(feature = "grpc-tonic", feature = "http-proto", feature = "tls")),
    allow(dead_code, unused_mut)
)]

mod associations;
pub mod attributes;
mod builder;
mod config;
mod error;
mod export;
mod failure;
mod guard;
mod instrument;
#[cfg(feature = "_wire")]
mod integrations;
pub mod llm;
pub mod metrics;
mod pipeline;
pub mod privacy;
pub mod propagation;
mod stats;
#[cfg(feature = "tracing")]
mod tracing_bridge;
mod vocabulary;

#[cfg(feature = "async-openai")]
#[cfg_attr(docsrs, doc(cfg(feature = "async-openai")))]
pub use integrations::async_openai;
#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub use integrations::reqwest_middleware;

/// The `opentelemetry` API crate iftracer is built on, so users never have to match versions.
pub use opentelemetry;
/// The `opentelemetry_sdk` crate iftracer is built on (in-memory exporter, span processors).
pub use opentelemetry_sdk;

pub use associations::AssociationsExt;
pub use builder::{Iftracer, IftracerBuilder, init_from_env};
pub use config::console::ConsoleFormat;
pub use config::sampler::Sampler;
pub use config::{Compression, ExportMode, Protocol};
pub use error::{Error, Setting};
pub use export::console::ConsoleExporter;
pub use failure::{EXCEPTION_EVENT, Failure};
pub use guard::TracerGuard;
pub use pipeline::{Pipeline, is_enabled, refresh_global_tracer};
pub use stats::{Stats, last_export_error, stats};
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use tracing_bridge::TracingLayer;
pub use vocabulary::{Vocabularies, vocabularies};

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use iftracer_macros::{agent, task, tool, workflow};

/// Entry points for the fuzz targets in `fuzz/`. Not a public API: it changes without notice.
#[doc(hidden)]
#[path = "fuzz_api.rs"]
pub mod __fuzz;

/// Hooks for the benchmarks in `benches/`. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __bench {
    /// Hands the metrics measurements waiting for the next collection to the SDK histograms,
    /// as the collection does on the reader's thread.
    pub fn drain_metrics() {
        crate::metrics::drain_installed();
    }

    /// The span processor's mapping of other instrumentation's GenAI and OpenInference
    /// attributes to InsightFinder's `chat.*`, run on a span's attributes.
    pub fn import_genai(attributes: &mut Vec<opentelemetry::KeyValue>, capture_content: bool) {
        crate::llm::import::fill(attributes, capture_content);
    }
}

/// What the attribute macros expand to call. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::instrument::entity_type_name as type_name_of;
    pub use crate::instrument::*;
}
