//! The workflow interceptor: zero-duration workflow spans parented to the context of the
//! workflow's start request, never emitted while replaying.
//!
//! As in Python's `TracingInterceptor`, no workflow span is kept open or made current: each one
//! starts and ends at the deterministic workflow time, all spans of a run are siblings under the
//! start request's span (normally the client's `StartWorkflow`), and outbound requests carry the
//! new outbound span's context, so `StartActivity → RunActivity` and
//! `StartChildWorkflow → RunWorkflow` chain through headers.
//!
//! Determinism: the interceptor only reads headers and the interceptor context, writes the
//! `_tracer-data` header of outbound commands (headers are not part of Temporal's determinism
//! checks) and never changes inputs, results or the commands issued.

use std::cell::Cell;
use std::collections::HashMap;
use std::time::SystemTime;

use iftracer::{EXCEPTION_EVENT, Failure};
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{Span, SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use temporalio_common::error::{ApplicationFailure, OutgoingWorkflowError};
use temporalio_common::protos::temporal::api::common::v1::Payload;
use temporalio_sdk::WorkflowContextView;
use temporalio_sdk::WorkflowTermination;
use temporalio_sdk::workflow_interceptors::{
    CancellableWorkflowOutboundFuture, ContinueAsNewInput, ContinueAsNewResult,
    ExecuteWorkflowInput, ExecuteWorkflowResult, HandleQueryInput, HandleQueryResult,
    HandleSignalInput, HandleSignalResult, HandleUpdateInput, HandleUpdateResult,
    ScheduleActivityInput, ScheduleActivityResult, ScheduleLocalActivityInput, SignalWorkflowInput,
    SignalWorkflowResult, SignalWorkflowTarget, StartChildWorkflowInput, StartChildWorkflowResult,
    SyncWorkflowInterceptorContext, ValidateUpdateInput, ValidateUpdateResult, WorkflowInterceptor,
    WorkflowInterceptorContext, WorkflowInterceptorFuture, WorkflowNext,
};

use crate::spans::{self, SpanSpec, names};
use crate::{dedup, header};

type Headers = HashMap<String, Payload>;

/// The per-workflow interceptor. Built for each workflow instance by the constructor that
/// [`TracingInterceptor::workflow_interceptor`](crate::TracingInterceptor::workflow_interceptor)
/// returns.
#[derive(Debug)]
pub struct TracingWorkflowInterceptor {
    /// Context extracted from the start request's `_tracer-data` header (empty when absent).
    workflow_cx: Context,
    workflow_type: String,
    always_create_workflow_spans: bool,
    /// How many workflow spans this run's deterministic code paths have reached: with the run
    /// id, the key that keeps a re-executed history from emitting a span twice (see
    /// [`crate::dedup`]).
    ordinal: Cell<u64>,
}

/// The interceptor-context facts a workflow span needs.
struct Moment {
    workflow_id: String,
    run_id: String,
    time: Option<SystemTime>,
    replaying: bool,
}

impl Moment {
    fn of(ctx: &WorkflowInterceptorContext) -> Self {
        Self {
            workflow_id: ctx.workflow_id().to_owned(),
            run_id: ctx.run_id().to_owned(),
            time: ctx.workflow_time(),
            replaying: ctx.is_replaying_history_events(),
        }
    }

    fn of_sync(ctx: &SyncWorkflowInterceptorContext) -> Self {
        Self {
            workflow_id: ctx.workflow_id().to_owned(),
            run_id: ctx.run_id().to_owned(),
            time: ctx.workflow_time(),
            replaying: ctx.is_replaying_history_events(),
        }
    }

    fn attributes(&self) -> Vec<KeyValue> {
        vec![
            KeyValue::new(spans::WORKFLOW_ID, self.workflow_id.clone()),
            KeyValue::new(spans::RUN_ID, self.run_id.clone()),
        ]
    }
}

/// How a workflow run ended, in Python's terms: `None` for continue-as-new and eviction
/// (no `CompleteWorkflow` span), `Some(None)` for success.
fn completion(result: &ExecuteWorkflowResult) -> Option<Option<Failure>> {
    match result {
        Ok(_) => Some(None),
        Err(WorkflowTermination::Failed(error)) => Some(Some(workflow_failure(error))),
        Err(WorkflowTermination::Cancelled { .. }) => {
            Some(Some(spans::failure("CancelledError", "Workflow cancelled")))
        }
        Err(_) => None,
    }
}

/// A handler error that Python would report: an application failure (a plain error only fails
/// the update or the task, with no completion span).
/// (The SDK's handler error type is not nameable; its source is the handler's own error.)
fn application_failure(error: &(dyn std::error::Error + 'static)) -> Option<Failure> {
    let app = error.source()?.downcast_ref::<ApplicationFailure>()?;
    let kind = app.type_name().unwrap_or("ApplicationError").to_owned();
    Some(spans::failure(kind, app.to_string()))
}

fn workflow_failure(error: &OutgoingWorkflowError) -> Failure {
    let kind = match error {
        OutgoingWorkflowError::Application(app) => app.type_name().unwrap_or("ApplicationError"),
        OutgoingWorkflowError::ActivityExecution(_) => "ActivityError",
        OutgoingWorkflowError::ChildWorkflowExecution(_)
        | OutgoingWorkflowError::ChildWorkflowStart(_) => "ChildWorkflowError",
        _ => "ApplicationError",
    };
    spans::failure(kind.to_owned(), error.to_string())
}

impl TracingWorkflowInterceptor {
    pub(crate) fn new(view: &WorkflowContextView, always_create_workflow_spans: bool) -> Self {
        Self {
            workflow_cx: header::extract(&view.raw().headers).unwrap_or_default(),
            workflow_type: view.workflow_type().to_owned(),
            always_create_workflow_spans,
            ordinal: Cell::new(0),
        }
    }

    /// Emits a zero-duration span under `parent` for a step of the workflow's deterministic
    /// execution, unless replaying or (without `always_create_workflow_spans`) `parent` has no
    /// valid span. A step this process already emitted is not emitted again; its span is
    /// reused. Returns the context to propagate: `parent` with the step's span.
    fn emit(
        &self,
        spec: SpanSpec,
        parent: &Context,
        moment: &Moment,
        failure: Option<&Failure>,
    ) -> Option<Context> {
        let ordinal = self.ordinal.get();
        self.ordinal.set(ordinal + 1);
        if moment.replaying || !self.has_parent(parent) {
            return None;
        }
        let key = dedup::Key::new(&moment.run_id, ordinal, &spec.name);
        if let Some(span) = dedup::emitted_span(key) {
            return Some(parent.with_remote_span_context(span));
        }
        let cx = Self::build(spec, parent, moment, failure);
        dedup::record(key, cx.span().span_context().clone());
        Some(cx)
    }

    /// Emits a span for work outside the replayed history (queries, update validators), which
    /// runs once per request and takes no place in the replay ordinal.
    fn emit_outside_history(
        &self,
        spec: SpanSpec,
        parent: &Context,
        moment: &Moment,
        failure: Option<&Failure>,
    ) -> Option<Context> {
        self.has_parent(parent)
            .then(|| Self::build(spec, parent, moment, failure))
    }

    fn has_parent(&self, parent: &Context) -> bool {
        parent.span().span_context().is_valid() || self.always_create_workflow_spans
    }

    fn build(
        spec: SpanSpec,
        parent: &Context,
        moment: &Moment,
        failure: Option<&Failure>,
    ) -> Context {
        let mut span = spec.start(parent, moment.time);
        if let Some(failure) = failure {
            let attributes = failure.event_attributes();
            match moment.time {
                Some(time) => span.add_event_with_timestamp(EXCEPTION_EVENT, time, attributes),
                None => span.add_event(EXCEPTION_EVENT, attributes),
            }
        }
        let span_context = span.span_context().clone();
        match moment.time {
            Some(time) => span.end_with_timestamp(time),
            None => span.end(),
        }
        parent.with_remote_span_context(span_context)
    }

    fn complete_spec(&self, moment: &Moment) -> SpanSpec {
        SpanSpec::new(
            spans::span_name(names::COMPLETE_WORKFLOW, &self.workflow_type),
            SpanKind::Internal,
            moment.attributes(),
        )
    }

    fn complete(&self, moment: &Moment, failure: Option<&Failure>) {
        self.emit(
            self.complete_spec(moment),
            &self.workflow_cx,
            moment,
            failure,
        );
    }

    /// A SERVER handler span, linked to the request's header span.
    fn handler_spec(prefix: &str, name: &str, headers: &Headers, moment: &Moment) -> SpanSpec {
        let request = header::extract(headers);
        SpanSpec::new(
            spans::span_name(prefix, name),
            SpanKind::Server,
            moment.attributes(),
        )
        .link_to(request.as_ref())
    }

    /// A handler span under the workflow context, for a step of the replayed history.
    fn handler_span(&self, prefix: &str, name: &str, headers: &Headers, moment: &Moment) {
        let spec = Self::handler_spec(prefix, name, headers, moment);
        self.emit(spec, &self.workflow_cx, moment, None);
    }

    /// An outbound span under the workflow context; its context goes into `headers`.
    fn outbound_span(
        &self,
        ctx: &WorkflowInterceptorContext,
        name: String,
        kind: SpanKind,
        headers: &mut Headers,
    ) {
        let moment = Moment::of(ctx);
        let spec = SpanSpec::new(name, kind, moment.attributes());
        if let Some(cx) = self.emit(spec, &self.workflow_cx, &moment, None) {
            header::inject(&cx, headers);
        }
    }
}

impl WorkflowInterceptor for TracingWorkflowInterceptor {
    fn execute<'a>(
        &'a self,
        ctx: WorkflowInterceptorContext,
        input: ExecuteWorkflowInput,
        next: WorkflowNext<
            'a,
            ExecuteWorkflowInput,
            WorkflowInterceptorFuture<'a, ExecuteWorkflowResult>,
        >,
    ) -> WorkflowInterceptorFuture<'a, ExecuteWorkflowResult> {
        let moment = Moment::of(&ctx);
        let spec = SpanSpec::new(
            spans::span_name(names::RUN_WORKFLOW, &self.workflow_type),
            SpanKind::Server,
            moment.attributes(),
        );
        self.emit(spec, &self.workflow_cx, &moment, None);
        let workflow_cx = self.workflow_cx.clone();
        WorkflowInterceptorFuture::new(async move {
            let result = next.run(input).with_context(workflow_cx).await;
            if let Some(failure) = completion(&result) {
                self.complete(&Moment::of(&ctx), failure.as_ref());
            }
            result
        })
    }

    fn handle_signal<'a>(
        &'a self,
        ctx: WorkflowInterceptorContext,
        input: HandleSignalInput,
        next: WorkflowNext<
            'a,
            HandleSignalInput,
            WorkflowInterceptorFuture<'a, HandleSignalResult>,
        >,
    ) -> WorkflowInterceptorFuture<'a, HandleSignalResult> {
        self.handler_span(
            names::HANDLE_SIGNAL,
            input.name(),
            input.headers(),
            &Moment::of(&ctx),
        );
        // A failing signal handler fails the workflow task, not the workflow: no completion span
        // (Python emits one only for Temporal failures).
        let workflow_cx = self.workflow_cx.clone();
        WorkflowInterceptorFuture::new(next.run(input).with_context(workflow_cx))
    }

    fn handle_update<'a>(
        &'a self,
        ctx: WorkflowInterceptorContext,
        input: HandleUpdateInput,
        next: WorkflowNext<
            'a,
            HandleUpdateInput,
            WorkflowInterceptorFuture<'a, HandleUpdateResult>,
        >,
    ) -> WorkflowInterceptorFuture<'a, HandleUpdateResult> {
        self.handler_span(
            names::HANDLE_UPDATE,
            input.name(),
            input.headers(),
            &Moment::of(&ctx),
        );
        let workflow_cx = self.workflow_cx.clone();
        WorkflowInterceptorFuture::new(async move {
            let result = next.run(input).with_context(workflow_cx).await;
            if let Err(error) = &result
                && let Some(failure) = application_failure(error)
            {
                self.complete(&Moment::of(&ctx), Some(&failure));
            }
            result
        })
    }

    fn handle_query(
        &self,
        ctx: SyncWorkflowInterceptorContext,
        input: HandleQueryInput,
        next: WorkflowNext<'_, HandleQueryInput, HandleQueryResult>,
    ) -> HandleQueryResult {
        // Python: parent = the query's header context, link to the workflow context, and
        // created even while replaying (a query never replays).
        let request = header::extract(input.headers());
        let moment = Moment::of_sync(&ctx);
        let mut spec = SpanSpec::new(
            spans::span_name(names::HANDLE_QUERY, input.name()),
            SpanKind::Server,
            moment.attributes(),
        );
        if request.is_some() {
            spec = spec.link_to(Some(&self.workflow_cx));
        }
        let parent = request.unwrap_or_default();
        self.emit_outside_history(spec, &parent, &moment, None);
        let _attached = parent.attach();
        next.run(input)
    }

    fn validate_update(
        &self,
        ctx: SyncWorkflowInterceptorContext,
        input: ValidateUpdateInput,
        next: WorkflowNext<'_, ValidateUpdateInput, ValidateUpdateResult>,
    ) -> ValidateUpdateResult {
        // Validators never run on replay, so their spans stay out of the replay ordinal.
        let moment = Moment::of_sync(&ctx);
        let spec = Self::handler_spec(
            names::VALIDATE_UPDATE,
            input.name(),
            input.headers(),
            &moment,
        );
        self.emit_outside_history(spec, &self.workflow_cx, &moment, None);
        let result = {
            let _attached = self.workflow_cx.clone().attach();
            next.run(input)
        };
        if let Err(error) = &result
            && let Some(failure) = application_failure(error)
        {
            let moment = Moment::of_sync(&ctx);
            self.emit_outside_history(
                self.complete_spec(&moment),
                &self.workflow_cx,
                &moment,
                Some(&failure),
            );
        }
        result
    }

    fn schedule_activity(
        &self,
        ctx: WorkflowInterceptorContext,
        mut input: ScheduleActivityInput,
        next: WorkflowNext<
            'static,
            ScheduleActivityInput,
            CancellableWorkflowOutboundFuture<ScheduleActivityResult>,
        >,
    ) -> CancellableWorkflowOutboundFuture<ScheduleActivityResult> {
        let name = spans::span_name(names::START_ACTIVITY, input.activity_type());
        self.outbound_span(&ctx, name, SpanKind::Client, input.headers_mut());
        next.run(input)
    }

    fn schedule_local_activity(
        &self,
        ctx: WorkflowInterceptorContext,
        mut input: ScheduleLocalActivityInput,
        next: WorkflowNext<
            'static,
            ScheduleLocalActivityInput,
            CancellableWorkflowOutboundFuture<ScheduleActivityResult>,
        >,
    ) -> CancellableWorkflowOutboundFuture<ScheduleActivityResult> {
        let name = spans::span_name(names::START_ACTIVITY, input.activity_type());
        self.outbound_span(&ctx, name, SpanKind::Client, input.headers_mut());
        next.run(input)
    }

    fn start_child_workflow(
        &self,
        ctx: WorkflowInterceptorContext,
        mut input: StartChildWorkflowInput,
        next: WorkflowNext<
            'static,
            StartChildWorkflowInput,
            CancellableWorkflowOutboundFuture<StartChildWorkflowResult>,
        >,
    ) -> CancellableWorkflowOutboundFuture<StartChildWorkflowResult> {
        let name = spans::span_name(names::START_CHILD_WORKFLOW, input.workflow_type());
        self.outbound_span(&ctx, name, SpanKind::Client, input.headers_mut());
        next.run(input)
    }

    fn signal_workflow(
        &self,
        ctx: WorkflowInterceptorContext,
        mut input: SignalWorkflowInput,
        next: WorkflowNext<
            'static,
            SignalWorkflowInput,
            CancellableWorkflowOutboundFuture<SignalWorkflowResult>,
        >,
    ) -> CancellableWorkflowOutboundFuture<SignalWorkflowResult> {
        // Python codes the child-signal span as SERVER and the external-signal span as CLIENT.
        let (prefix, kind) = match input.target() {
            SignalWorkflowTarget::Child { .. } => (names::SIGNAL_CHILD_WORKFLOW, SpanKind::Server),
            _ => (names::SIGNAL_EXTERNAL_WORKFLOW, SpanKind::Client),
        };
        let name = spans::span_name(prefix, input.signal_name());
        self.outbound_span(&ctx, name, kind, input.headers_mut());
        next.run(input)
    }

    fn continue_as_new(
        &self,
        _ctx: SyncWorkflowInterceptorContext,
        mut input: ContinueAsNewInput,
        next: WorkflowNext<'static, ContinueAsNewInput, ContinueAsNewResult>,
    ) -> ContinueAsNewResult {
        // No span: the next run continues under the same start context. Headers the workflow
        // set itself stay when there is nothing to propagate.
        if let Some(payload) = header::encode(&self.workflow_cx) {
            input
                .headers_mut()
                .insert(header::HEADER_KEY.to_owned(), payload);
        }
        next.run(input)
    }
}
