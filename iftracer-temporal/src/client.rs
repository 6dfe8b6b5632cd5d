//! The client interceptor: `StartWorkflow`, `SignalWithStartWorkflow`, `SignalWorkflow`,
//! `QueryWorkflow`, `StartWorkflowUpdate` and `StartUpdateWithStartWorkflow` spans.

use std::fmt::Display;
use std::future::Future;

use futures_util::future::BoxFuture;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use temporalio_client::errors::{
    WorkflowInteractionError, WorkflowQueryError, WorkflowStartError, WorkflowUpdateError,
    WorkflowUpdateWithStartError,
};
use temporalio_client::interceptors::{
    ClientInterceptor, Next, QueryWorkflowInput, QueryWorkflowOutput, SignalWithStartWorkflowInput,
    SignalWorkflowInput, StartWorkflowInput, StartWorkflowOutput, StartWorkflowUpdateInput,
    StartWorkflowUpdateOutput, UpdateWithStartWorkflowInput, UpdateWithStartWorkflowOutput,
};
use temporalio_common::protos::temporal::api::common::v1::Header;

use crate::header;
use crate::spans::{self, SpanSpec, names};

/// Client spans, kind CLIENT, children of the caller's current context, ended when the RPC
/// answers. Each request carries the new span's context in its `_tracer-data` header.
///
/// Built by [`TracingInterceptor::client_interceptor`](crate::TracingInterceptor::client_interceptor).
#[derive(Debug, Clone, Default)]
pub struct TracingClientInterceptor {
    _private: (),
}

impl TracingClientInterceptor {
    /// A client interceptor using the globally registered tracer provider.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Writes the header of `cx` into `header`, creating the header only when there is something to
/// write.
fn inject_header(cx: &Context, header: &mut Option<Header>) {
    if let Some(payload) = header::encode(cx) {
        header
            .get_or_insert_with(Header::default)
            .fields
            .insert(header::HEADER_KEY.to_owned(), payload);
    }
}

/// Starts the CLIENT span `"{prefix}:{name}"` under the current context and writes its context
/// into the request's `header`; returns the context holding the span.
fn start(
    prefix: &str,
    name: &str,
    attributes: Vec<KeyValue>,
    header: &mut Option<Header>,
) -> Context {
    let parent = Context::current();
    let spec = SpanSpec::new(spans::span_name(prefix, name), SpanKind::Client, attributes);
    let cx = parent.with_span(spec.start(&parent, None));
    inject_header(&cx, header);
    cx
}

/// Runs `call` with `cx` current, records an error on the span, ends it.
async fn traced<T, E: Display>(
    cx: Context,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let result = call.with_context(cx.clone()).await;
    let span = cx.span();
    if let Err(error) = &result {
        spans::failure_of(error).record(&span);
    }
    span.end();
    result
}

fn workflow_id(id: &str) -> KeyValue {
    KeyValue::new(spans::WORKFLOW_ID, id.to_owned())
}

impl ClientInterceptor for TracingClientInterceptor {
    fn start_workflow<'a>(
        &'a self,
        mut input: StartWorkflowInput,
        next: Next<
            'a,
            StartWorkflowInput,
            BoxFuture<'a, Result<StartWorkflowOutput, WorkflowStartError>>,
        >,
    ) -> BoxFuture<'a, Result<StartWorkflowOutput, WorkflowStartError>> {
        let cx = start(
            names::START_WORKFLOW,
            &input.workflow_type,
            vec![workflow_id(&input.options.workflow_id)],
            &mut input.options.header,
        );
        Box::pin(traced(cx, next.run(input)))
    }

    fn signal_with_start_workflow<'a>(
        &'a self,
        mut input: SignalWithStartWorkflowInput,
        next: Next<
            'a,
            SignalWithStartWorkflowInput,
            BoxFuture<'a, Result<StartWorkflowOutput, WorkflowStartError>>,
        >,
    ) -> BoxFuture<'a, Result<StartWorkflowOutput, WorkflowStartError>> {
        let cx = start(
            names::SIGNAL_WITH_START_WORKFLOW,
            &input.workflow_type,
            vec![workflow_id(&input.options.workflow_id)],
            &mut input.options.header,
        );
        Box::pin(traced(cx, next.run(input)))
    }

    fn signal_workflow<'a>(
        &'a self,
        mut input: SignalWorkflowInput,
        next: Next<'a, SignalWorkflowInput, BoxFuture<'a, Result<(), WorkflowInteractionError>>>,
    ) -> BoxFuture<'a, Result<(), WorkflowInteractionError>> {
        let cx = start(
            names::SIGNAL_WORKFLOW,
            &input.signal_name,
            vec![workflow_id(&input.workflow_id)],
            &mut input.options.header,
        );
        Box::pin(traced(cx, next.run(input)))
    }

    fn query_workflow<'a>(
        &'a self,
        mut input: QueryWorkflowInput,
        next: Next<
            'a,
            QueryWorkflowInput,
            BoxFuture<'a, Result<QueryWorkflowOutput, WorkflowQueryError>>,
        >,
    ) -> BoxFuture<'a, Result<QueryWorkflowOutput, WorkflowQueryError>> {
        let cx = start(
            names::QUERY_WORKFLOW,
            &input.query_name,
            vec![workflow_id(&input.workflow_id)],
            &mut input.options.header,
        );
        Box::pin(traced(cx, next.run(input)))
    }

    fn start_workflow_update<'a>(
        &'a self,
        mut input: StartWorkflowUpdateInput,
        next: Next<
            'a,
            StartWorkflowUpdateInput,
            BoxFuture<'a, Result<StartWorkflowUpdateOutput, WorkflowUpdateError>>,
        >,
    ) -> BoxFuture<'a, Result<StartWorkflowUpdateOutput, WorkflowUpdateError>> {
        let cx = start(
            names::START_WORKFLOW_UPDATE,
            &input.update_name,
            vec![workflow_id(&input.workflow_id)],
            &mut input.options.header,
        );
        Box::pin(traced(cx, next.run(input)))
    }

    fn update_with_start_workflow<'a>(
        &'a self,
        mut input: UpdateWithStartWorkflowInput,
        next: Next<
            'a,
            UpdateWithStartWorkflowInput,
            BoxFuture<'a, Result<UpdateWithStartWorkflowOutput, WorkflowUpdateWithStartError>>,
        >,
    ) -> BoxFuture<'a, Result<UpdateWithStartWorkflowOutput, WorkflowUpdateWithStartError>> {
        let mut attributes = vec![workflow_id(&input.options.workflow_id)];
        if let Some(update_id) = input.options.update_id.as_ref().filter(|id| !id.is_empty()) {
            attributes.push(KeyValue::new(spans::UPDATE_ID, update_id.clone()));
        }
        let cx = start(
            names::START_UPDATE_WITH_START_WORKFLOW,
            &input.workflow_type,
            attributes,
            &mut input.options.start_header,
        );
        // The same context on the update: it reaches the workflow as its own request.
        inject_header(&cx, &mut input.options.update_header);
        Box::pin(traced(cx, next.run(input)))
    }
}
