//! The activity interceptor: one `RunActivity:{type}` span per attempt.

use iftracer::{AssociationsExt, Failure};
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use temporalio_common::error::ApplicationErrorCategory;
use temporalio_sdk::activities::ActivityError;
use temporalio_sdk::interceptors::{
    ActivityInboundInterceptor, ExecuteActivityInput, ExecuteActivityOutput, Next,
};

use crate::header;
use crate::spans::{self, SpanSpec, names};

/// `RunActivity:{activity_type}` spans, kind SERVER, children of the context in the activity's
/// `_tracer-data` header (the workflow's `StartActivity` span), current while the activity runs
/// so that spans and LLM calls recorded in activity code land beneath them.
///
/// For activities of a workflow the span carries `temporalWorkflowID`, `temporalRunID` and
/// `temporalActivityID`, and its context carries the workflow id as the iftracer session: with an
/// iftracer provider, `x-session-id` (and `gen_ai.conversation.id` when the GenAI vocabulary is on)
/// is stamped on `RunActivity` and on every span beneath it, so LLM calls group per workflow.
///
/// Built by [`TracingInterceptor::activity_interceptor`](crate::TracingInterceptor::activity_interceptor).
#[derive(Debug, Clone, Default)]
pub struct TracingActivityInterceptor {
    _private: (),
}

impl TracingActivityInterceptor {
    /// An activity interceptor using the globally registered tracer provider.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Python's view of an activity error: what to record, and whether it sets status Error.
/// Benign application failures get the `exception` event but keep status Unset; cancellation
/// and async completion record nothing (an async Python activity is cancelled with
/// `asyncio.CancelledError`, a `BaseException` that neither OpenTelemetry's `use_span` nor the
/// interceptor records).
fn failure(error: &ActivityError) -> Option<(Failure, bool)> {
    match error {
        ActivityError::Application(app) => {
            let kind = app.type_name().unwrap_or("ApplicationError").to_owned();
            let benign = app.category() == ApplicationErrorCategory::Benign;
            Some((spans::failure(kind, app.to_string()), !benign))
        }
        ActivityError::Cancelled { .. } | ActivityError::WillCompleteAsync => None,
        _ => Some((spans::failure("ActivityError", format!("{error:?}")), true)),
    }
}

impl ActivityInboundInterceptor for TracingActivityInterceptor {
    fn execute_activity<'a>(
        &'a self,
        input: ExecuteActivityInput,
        next: Next<'a, ExecuteActivityInput, ExecuteActivityOutput<'a>>,
    ) -> ExecuteActivityOutput<'a> {
        let info = input.activity_info();
        let mut parent = header::extract(input.headers()).unwrap_or_else(Context::current);
        let mut attributes = Vec::with_capacity(3);
        if let Some(workflow_id) = info.workflow_id.as_deref().filter(|id| !id.is_empty()) {
            attributes.push(KeyValue::new(spans::WORKFLOW_ID, workflow_id.to_owned()));
            parent = parent.with_session(workflow_id);
        }
        if let Some(run_id) = info.workflow_run_id.as_deref().filter(|id| !id.is_empty()) {
            attributes.push(KeyValue::new(spans::RUN_ID, run_id.to_owned()));
        }
        attributes.push(KeyValue::new(spans::ACTIVITY_ID, info.activity_id.clone()));
        let name = spans::span_name(names::RUN_ACTIVITY, &info.activity_type);
        let span = SpanSpec::new(name, SpanKind::Server, attributes).start(&parent, None);
        let cx = parent.with_span(span);
        Box::pin(async move {
            let result = next.run(input).with_context(cx.clone()).await;
            let span = cx.span();
            if let Err(error) = &result
                && let Some((failure, sets_status)) = failure(error)
            {
                if sets_status {
                    failure.record(&span);
                } else {
                    failure.record_event(&span, None);
                }
            }
            span.end();
            result
        })
    }
}
