//! OpenTelemetry spans for the Temporal Rust SDK (`temporalio-sdk` / `temporalio-client` 1.1),
//! wire-compatible with the `TracingInterceptor` of the Python, .NET and TypeScript SDKs.
//!
//! One [`TracingInterceptor`] gives three interceptors built on the SDK's public interceptor
//! traits:
//!
//! | where | spans |
//! |---|---|
//! | client ([`TracingInterceptor::client_interceptor`]) | `StartWorkflow:{type}`, `SignalWithStartWorkflow:{type}`, `SignalWorkflow:{signal}`, `QueryWorkflow:{query}`, `StartWorkflowUpdate:{update}`, `StartUpdateWithStartWorkflow:{type}` (CLIENT) |
//! | activity worker ([`TracingInterceptor::activity_interceptor`]) | `RunActivity:{type}` (SERVER, one per attempt, current while the activity runs, `x-session-id` = workflow id) |
//! | workflow worker ([`TracingInterceptor::workflow_interceptor`]) | `RunWorkflow:{type}`, `HandleSignal:{signal}`, `HandleQuery:{query}`, `ValidateUpdate:{update}`, `HandleUpdate:{update}` (SERVER), `StartActivity:{type}`, `StartChildWorkflow:{type}`, `SignalExternalWorkflow:{signal}` (CLIENT), `SignalChildWorkflow:{signal}` (SERVER, as Python codes it), `CompleteWorkflow:{type}` (INTERNAL) |
//!
//! Context crosses every request in the `_tracer-data` header (see [`header`]), so a trace
//! started by a Python client continues in a Rust worker and the other way round. Workflow spans
//! last zero time at the deterministic workflow clock, are siblings under the start request's
//! span, and are never emitted while a workflow replays.
//!
//! # Where to register
//!
//! The Rust SDK does not pass a client's interceptors on to the workers built from it, so
//! register **once on the client** (client spans) and **once on each worker** (activity and
//! workflow spans). Registering twice on the same client or worker duplicates spans.
//!
//! ```no_run
//! use iftracer_temporal::TracingInterceptor;
//! use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions, Url};
//! use temporalio_sdk::WorkerOptions;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let tracing = TracingInterceptor::new();
//! let target: Url = "http://127.0.0.1:7233".parse()?;
//! let connection = Connection::connect(ConnectionOptions::new(target).build()).await?;
//! let client = Client::new(
//!     connection,
//!     ClientOptions::new("default")
//!         .client_interceptors(vec![tracing.client_interceptor()]) // the client's one line
//!         .build(),
//! )?;
//! let mut worker_options = WorkerOptions::new("agents").build();
//! tracing.register_worker(&mut worker_options); // the worker's one line
//! # let _ = (client, worker_options);
//! # Ok(())
//! # }
//! ```
//!
//! Spans go to the globally registered tracer provider (`iftracer::Iftracer::builder()...init()`
//! registers one).
//!
//! # Codec caveat
//!
//! The header is written as a plain `json/plain` payload. Python clients do not pass headers
//! through a payload codec by default; the Rust SDK applies a configured codec to headers too, so
//! with a real codec both sides must agree on header encoding.

// docs.rs (`--cfg docsrs`, nightly) marks what a feature adds.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod activity;
pub mod client;
mod dedup;
pub mod header;
pub mod spans;
pub mod workflow;

use std::sync::Arc;

use temporalio_client::ClientInterceptor;
use temporalio_sdk::WorkerOptions;
use temporalio_sdk::workflow_interceptors::WorkflowInterceptorConstructor;

pub use activity::TracingActivityInterceptor;
pub use client::TracingClientInterceptor;
pub use header::HeaderError;
pub use workflow::TracingWorkflowInterceptor;

/// The Rust twin of Python's `temporalio.contrib.opentelemetry.TracingInterceptor`.
///
/// ```
/// use iftracer_temporal::TracingInterceptor;
///
/// let tracing = TracingInterceptor::new().always_create_workflow_spans(false);
/// let _client_interceptor = tracing.client_interceptor();
/// let _activity_interceptor = tracing.activity_interceptor();
/// let _workflow_interceptor = tracing.workflow_interceptor();
/// ```
#[derive(Debug, Clone, Default)]
pub struct TracingInterceptor {
    always_create_workflow_spans: bool,
}

impl TracingInterceptor {
    /// An interceptor using the globally registered tracer provider.
    pub fn new() -> Self {
        Self::default()
    }

    /// Create workflow spans even when the workflow was started without trace context (by the
    /// CLI, a schedule or an untraced client); each such span is then a root. Off by default,
    /// as in Python.
    pub fn always_create_workflow_spans(mut self, always: bool) -> Self {
        self.always_create_workflow_spans = always;
        self
    }

    /// The client interceptor, for `ClientOptions::client_interceptors`.
    pub fn client_interceptor(&self) -> Arc<dyn ClientInterceptor> {
        Arc::new(TracingClientInterceptor::new())
    }

    /// The activity interceptor, for `WorkerOptions::activity_inbound_interceptor`.
    pub fn activity_interceptor(&self) -> TracingActivityInterceptor {
        TracingActivityInterceptor::new()
    }

    /// The workflow interceptor constructor, for `WorkerOptions::workflow_interceptor`.
    pub fn workflow_interceptor(&self) -> WorkflowInterceptorConstructor {
        let always = self.always_create_workflow_spans;
        WorkflowInterceptorConstructor::new(move |view| {
            TracingWorkflowInterceptor::new(view, always)
        })
    }

    /// Registers the activity and workflow interceptors on a worker's options.
    pub fn register_worker<'a>(&self, options: &'a mut WorkerOptions) -> &'a mut WorkerOptions {
        options
            .activity_inbound_interceptor(self.activity_interceptor())
            .workflow_interceptor(self.workflow_interceptor())
    }
}

/// Forgets which workflow spans of run `run_id` this process emitted, so a test can replay that
/// run's history and check that replay detection alone emits nothing. Feature `testing`; not
/// for applications.
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
#[doc(hidden)]
pub fn __forget_emitted_spans_of_run(run_id: &str) {
    dedup::forget_run(run_id);
}
