//! Span names, attribute keys and the span-building helpers shared by the client, activity and
//! workflow interceptors.

use std::borrow::Cow;
use std::time::SystemTime;

use iftracer::Failure;

use opentelemetry::global::{self, BoxedSpan, BoxedTracer};
use opentelemetry::trace::{Link, SpanBuilder, SpanKind, Tracer};
use opentelemetry::{Context, InstrumentationScope, KeyValue};

/// Instrumentation scope of every span this crate creates: the scope Python's
/// `TracingInterceptor` uses, so a backend groups Rust and Python spans together.
pub const INSTRUMENTATION_SCOPE: &str = "temporalio.contrib.opentelemetry._interceptor";

/// Attribute: the workflow id (`temporalWorkflowID`).
pub const WORKFLOW_ID: &str = "temporalWorkflowID";
/// Attribute: the workflow run id (`temporalRunID`).
pub const RUN_ID: &str = "temporalRunID";
/// Attribute: the activity id (`temporalActivityID`).
pub const ACTIVITY_ID: &str = "temporalActivityID";
/// Attribute: the update id (`temporalUpdateID`).
pub const UPDATE_ID: &str = "temporalUpdateID";

/// Span-name prefixes, joined to the type or handler name with `:` (`StartWorkflow:MyWorkflow`).
pub mod names {
    /// Client: start a workflow.
    pub const START_WORKFLOW: &str = "StartWorkflow";
    /// Client: signal-with-start.
    pub const SIGNAL_WITH_START_WORKFLOW: &str = "SignalWithStartWorkflow";
    /// Client: signal a workflow.
    pub const SIGNAL_WORKFLOW: &str = "SignalWorkflow";
    /// Client: query a workflow.
    pub const QUERY_WORKFLOW: &str = "QueryWorkflow";
    /// Client: start an update.
    pub const START_WORKFLOW_UPDATE: &str = "StartWorkflowUpdate";
    /// Client: update-with-start.
    pub const START_UPDATE_WITH_START_WORKFLOW: &str = "StartUpdateWithStartWorkflow";
    /// Worker: one activity attempt.
    pub const RUN_ACTIVITY: &str = "RunActivity";
    /// Workflow: the run starts.
    pub const RUN_WORKFLOW: &str = "RunWorkflow";
    /// Workflow: a signal arrives.
    pub const HANDLE_SIGNAL: &str = "HandleSignal";
    /// Workflow: a query arrives.
    pub const HANDLE_QUERY: &str = "HandleQuery";
    /// Workflow: an update is validated.
    pub const VALIDATE_UPDATE: &str = "ValidateUpdate";
    /// Workflow: an update is handled.
    pub const HANDLE_UPDATE: &str = "HandleUpdate";
    /// Workflow: the run completes or fails.
    pub const COMPLETE_WORKFLOW: &str = "CompleteWorkflow";
    /// Workflow: an activity or local activity is scheduled.
    pub const START_ACTIVITY: &str = "StartActivity";
    /// Workflow: a child workflow is started.
    pub const START_CHILD_WORKFLOW: &str = "StartChildWorkflow";
    /// Workflow: a child workflow is signalled.
    pub const SIGNAL_CHILD_WORKFLOW: &str = "SignalChildWorkflow";
    /// Workflow: an external workflow is signalled.
    pub const SIGNAL_EXTERNAL_WORKFLOW: &str = "SignalExternalWorkflow";
}

/// `"{prefix}:{name}"`.
pub(crate) fn span_name(prefix: &str, name: &str) -> String {
    format!("{prefix}:{name}")
}

/// The tracer of the iftracer pipeline in effect (attached to the context, else installed
/// globally), else of OpenTelemetry's global provider, under [`INSTRUMENTATION_SCOPE`]. Looked
/// up on each use, so a pipeline installed after the interceptor was built is still used.
pub(crate) fn tracer() -> BoxedTracer {
    let scope = InstrumentationScope::builder(INSTRUMENTATION_SCOPE)
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    match iftracer::Pipeline::current() {
        Some(pipeline) => BoxedTracer::new(Box::new(pipeline.tracer(scope))),
        None => global::tracer_with_scope(scope),
    }
}

/// What went wrong, recorded as Python's `TracingInterceptor` does: an `exception` event with
/// `exception.escaped=false`, and (where Python sets one) status `"{kind}: {message}"`.
pub(crate) fn failure(kind: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Failure {
    Failure::new(kind, message)
        .escaped(false)
        .status_with_type()
}

/// [`failure`] named after the Rust type of `error` (last path segment).
pub(crate) fn failure_of<E: std::fmt::Display>(error: &E) -> Failure {
    Failure::of(error).escaped(false).status_with_type()
}

/// A span to create.
pub(crate) struct SpanSpec {
    pub name: String,
    pub kind: SpanKind,
    pub attributes: Vec<KeyValue>,
    pub links: Vec<Link>,
}

impl SpanSpec {
    pub(crate) fn new(name: String, kind: SpanKind, attributes: Vec<KeyValue>) -> Self {
        Self {
            name,
            kind,
            attributes,
            links: Vec::new(),
        }
    }

    /// Adds a link to the span of `cx`, when it has a valid one.
    pub(crate) fn link_to(mut self, cx: Option<&Context>) -> Self {
        use opentelemetry::trace::TraceContextExt;
        if let Some(cx) = cx {
            let sc = cx.span().span_context().clone();
            if sc.is_valid() {
                self.links.push(Link::with_context(sc));
            }
        }
        self
    }

    /// Starts the span under `parent` (at `start`, or now).
    pub(crate) fn start(self, parent: &Context, start: Option<SystemTime>) -> BoxedSpan {
        let mut builder = SpanBuilder::from_name(self.name)
            .with_kind(self.kind)
            .with_attributes(self.attributes);
        if !self.links.is_empty() {
            builder = builder.with_links(self.links);
        }
        if let Some(start) = start {
            builder = builder.with_start_time(start);
        }
        tracer().build_with_context(builder, parent)
    }
}
