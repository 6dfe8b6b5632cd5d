//! The workflows and activities of the Rust-only scenarios, served by the harness's worker.
//! Names are explicit, like a cross-language deployment would set them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use temporalio_common::HasWorkflowDefinition;
use temporalio_common::error::{ApplicationErrorCategory, ApplicationFailure};
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{
    ActivityCancellationType, ActivityOptions, CancellableFuture, ChildWorkflowOptions,
    ContinueAsNewOptions, LocalActivityOptions, SignalWorkflowOptions, SyncWorkflowContext,
    WorkflowContext, WorkflowContextView, WorkflowResult,
};

pub struct TestActivities;

#[activities]
impl TestActivities {
    /// Fails its first attempt (benignly when the input is `benign`), succeeds on the retry.
    #[activity(name = "flaky_activity")]
    pub async fn flaky(ctx: ActivityContext, input: String) -> Result<String, ActivityError> {
        if ctx.info().attempt == 1 {
            let category = if input == "benign" {
                ApplicationErrorCategory::Benign
            } else {
                ApplicationErrorCategory::Unspecified
            };
            let failure = ApplicationFailure::builder("first attempt fails")
                .type_name("FlakyError".to_owned())
                .next_retry_delay(Duration::from_millis(50))
                .category(category)
                .build();
            return Err(ActivityError::application(failure));
        }
        Ok(format!("{input} on attempt {}", ctx.info().attempt))
    }

    #[activity(name = "echo_activity")]
    pub async fn echo(_ctx: ActivityContext, input: String) -> Result<String, ActivityError> {
        Ok(input)
    }

    /// Heartbeats until it is cancelled, then reports the cancellation (as an async Python
    /// activity's `asyncio.CancelledError` does).
    #[activity(name = "cancellable_activity")]
    pub async fn until_cancelled(
        ctx: ActivityContext,
        _input: String,
    ) -> Result<String, ActivityError> {
        for _ in 0..600 {
            let _ = ctx.record_heartbeat(()).await;
            tokio::select! {
                _ = ctx.cancelled() => return Err(ActivityError::cancelled()),
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
        Ok("never cancelled".to_owned())
    }
}

fn activity_options() -> ActivityOptions {
    ActivityOptions::start_to_close_timeout(Duration::from_secs(10))
}

/// An activity that needs a retry.
#[workflow]
#[derive(Default)]
pub struct RetryWorkflow;

#[workflow_methods]
impl RetryWorkflow {
    #[run(name = "RetryWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        Ok(ctx
            .execute_activity(TestActivities::flaky, input, activity_options())
            .await?)
    }
}

/// Waits for a signal and an update; answers a query.
/// A handle of a [`MessageWorkflow`] run, from `start_workflow` or by id.
type MessageHandle<W> = temporalio_client::WorkflowHandle<temporalio_client::Client, W>;
/// What the message methods below are defined on.
type MessageRun = <MessageWorkflow as HasWorkflowDefinition>::Run;

/// Sends the signal `one`.
pub async fn signal_one<W>(handle: &MessageHandle<W>) -> Result<(), String>
where
    W: HasWorkflowDefinition<Run = MessageRun>,
{
    handle
        .signal(
            MessageWorkflow::signal,
            "one".to_owned(),
            temporalio_client::WorkflowSignalOptions::default(),
        )
        .await
        .map_err(|e| e.to_string())
}

/// How many signals the run has seen, by query.
pub async fn signals_seen<W>(handle: &MessageHandle<W>) -> Result<u32, String>
where
    W: HasWorkflowDefinition<Run = MessageRun>,
{
    handle
        .query(
            MessageWorkflow::query,
            (),
            temporalio_client::WorkflowQueryOptions::default(),
        )
        .await
        .map_err(|e| e.to_string())
}

/// Ends the run with the `finish` update; its result: how many signals it saw.
pub async fn finish<W>(handle: &MessageHandle<W>) -> Result<u32, String>
where
    W: HasWorkflowDefinition<Run = MessageRun, Output = u32>,
{
    handle
        .execute_update(
            MessageWorkflow::update,
            "finish".to_owned(),
            temporalio_client::WorkflowExecuteUpdateOptions::default(),
        )
        .await
        .map_err(|e| e.to_string())?;
    handle
        .get_result(temporalio_client::WorkflowGetResultOptions::default())
        .await
        .map_err(|e| e.to_string())
}

#[workflow]
#[derive(Default)]
pub struct MessageWorkflow {
    signals: u32,
    finished: bool,
}

#[workflow_methods]
impl MessageWorkflow {
    #[run(name = "MessageWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, _input: String) -> WorkflowResult<u32> {
        ctx.wait_condition(|s| s.signals >= 1 && s.finished).await?;
        Ok(ctx.state(|s| s.signals))
    }

    #[signal(name = "signal")]
    pub fn signal(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _input: String) {
        self.signals += 1;
    }

    #[query(name = "query")]
    pub fn query(&self, _ctx: &WorkflowContextView) -> u32 {
        self.signals
    }

    // The SDK passes a validator `&Input`.
    #[allow(clippy::ptr_arg)]
    #[update_validator(update)]
    fn validate_update(
        &self,
        _ctx: &WorkflowContextView,
        input: &String,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if input.is_empty() {
            Err("empty update".into())
        } else {
            Ok(())
        }
    }

    #[update(name = "update")]
    pub fn update(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _input: String) -> u32 {
        self.finished = true;
        self.signals
    }
}

/// Starts a child, signals it through its handle and as an external workflow.
#[workflow]
#[derive(Default)]
pub struct ParentWorkflow;

#[workflow_methods]
impl ParentWorkflow {
    #[run(name = "ParentWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        let child_id = format!("{}-child", ctx.workflow_id());
        let child = ctx
            .start_child_workflow(
                ChildWorkflow::run,
                input,
                ChildWorkflowOptions::workflow_id(child_id.clone()),
            )
            .await?;
        child
            .signal(
                ChildWorkflow::greet,
                "from the handle".to_owned(),
                SignalWorkflowOptions::default(),
            )
            .await?;
        ctx.external_workflow(child_id, None)
            .signal(
                ChildWorkflow::greet,
                "as an external workflow".to_owned(),
                SignalWorkflowOptions::default(),
            )
            .await?;
        Ok(child.result().await?)
    }
}

/// Waits for two signals, then runs a local activity.
#[workflow]
#[derive(Default)]
pub struct ChildWorkflow {
    greetings: u32,
}

#[workflow_methods]
impl ChildWorkflow {
    #[run(name = "ChildWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        ctx.wait_condition(|s| s.greetings >= 2).await?;
        Ok(ctx
            .execute_local_activity(TestActivities::echo, input, LocalActivityOptions::default())
            .await?)
    }

    #[signal(name = "greet")]
    pub fn greet(&mut self, _ctx: &mut SyncWorkflowContext<Self>, _input: String) {
        self.greetings += 1;
    }
}

/// Runs an activity, continues as new once, runs it again.
#[workflow]
#[derive(Default)]
pub struct ContinueWorkflow;

#[workflow_methods]
impl ContinueWorkflow {
    #[run(name = "ContinueWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, run: u32) -> WorkflowResult<u32> {
        ctx.execute_activity(
            TestActivities::echo,
            format!("run {run}"),
            activity_options(),
        )
        .await?;
        if run == 0 {
            ctx.continue_as_new(1, ContinueAsNewOptions::default())?;
        }
        Ok(run)
    }
}

/// Fails the workflow with a non-retryable application error.
#[workflow]
#[derive(Default)]
pub struct FailingWorkflow;

#[workflow_methods]
impl FailingWorkflow {
    #[run(name = "FailingWorkflow")]
    pub async fn run(_ctx: &mut WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        Err(ApplicationFailure::builder(format!("refused: {input}"))
            .type_name("RefusedError".to_owned())
            .non_retryable(true)
            .build()
            .into())
    }
}

/// Starts a heartbeating activity, cancels it once it runs and waits for the cancellation.
#[workflow]
#[derive(Default)]
pub struct CancelActivityWorkflow;

#[workflow_methods]
impl CancelActivityWorkflow {
    #[run(name = "CancelActivityWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        let options = ActivityOptions::with_start_to_close_timeout(Duration::from_secs(60))
            .heartbeat_timeout(Duration::from_secs(5))
            .cancellation_type(ActivityCancellationType::WaitCancellationCompleted)
            .build();
        let activity = ctx.execute_activity(TestActivities::until_cancelled, input, options);
        ctx.timer(Duration::from_millis(300)).await;
        activity.cancel();
        Ok(match activity.await {
            Ok(_) => "completed".to_owned(),
            Err(_) => "cancelled".to_owned(),
        })
    }
}

/// Whether `TaskFailureWorkflow` has failed its task yet (once per test process).
static TASK_FAILED: AtomicBool = AtomicBool::new(false);

/// Schedules an activity, then fails its first workflow task once: the retried task issues the
/// activity again, as new work rather than replay.
#[workflow]
#[derive(Default)]
pub struct TaskFailureWorkflow;

#[workflow_methods]
impl TaskFailureWorkflow {
    #[run(name = "TaskFailureWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, input: String) -> WorkflowResult<String> {
        let echoed = ctx.execute_activity(TestActivities::echo, input, activity_options());
        if !TASK_FAILED.swap(true, Ordering::SeqCst) {
            ctx.force_task_fail("failing the first workflow task on purpose");
        }
        Ok(echoed.await?)
    }
}
