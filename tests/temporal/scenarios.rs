//! Rust client and Rust worker: the whole span tree of each Temporal feature, as Python's
//! `TracingInterceptor` produces it (sdk-python `tests/contrib/opentelemetry`).

use std::collections::HashSet;

use temporalio_client::{
    Client, UntypedWorkflow, WorkflowExecuteUpdateOptions, WorkflowFetchHistoryOptions,
    WorkflowGetResultOptions, WorkflowIdConflictPolicy, WorkflowSignalOptions,
    WorkflowStartOptions, WorkflowUpdateWithStartOptions,
};
use temporalio_common::{HasWorkflowDefinition, WorkflowDefinition};
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

use crate::harness::{
    ALWAYS_TASK_QUEUE, CACHED_TASK_QUEUE, Harness, TASK_QUEUE, check, connect, expect_tree, unique,
};
use crate::spans::{SpanRec, named};
use crate::workflows::{
    CancelActivityWorkflow, ChildWorkflow, ContinueWorkflow, FailingWorkflow, MessageWorkflow,
    ParentWorkflow, RetryWorkflow, TaskFailureWorkflow, finish, signal_one, signals_seen,
};

type Scenario = (&'static str, fn(&Harness) -> Result<(), String>);

pub const ALL: &[Scenario] = &[
    (
        "workflow_and_activity_with_a_retry",
        workflow_and_activity_with_a_retry,
    ),
    ("signal_query_and_update", signal_query_and_update),
    (
        "signal_query_and_update_on_a_caching_worker",
        signal_query_and_update_on_a_caching_worker,
    ),
    (
        "untraced_start_emits_no_workflow_spans",
        untraced_start_emits_no_workflow_spans,
    ),
    (
        "retried_workflow_task_keeps_the_activity_in_the_trace",
        retried_workflow_task_keeps_the_activity_in_the_trace,
    ),
    (
        "benign_activity_failure_keeps_status_unset",
        benign_activity_failure_keeps_status_unset,
    ),
    (
        "failed_workflow_completes_with_an_exception",
        failed_workflow_completes_with_an_exception,
    ),
    (
        "signal_with_start_and_update_with_start",
        signal_with_start_and_update_with_start,
    ),
    (
        "child_workflow_and_its_signals",
        child_workflow_and_its_signals,
    ),
    ("continue_as_new", continue_as_new),
    (
        "replaying_a_history_emits_no_span",
        replaying_a_history_emits_no_span,
    ),
    (
        "always_create_workflow_spans_makes_roots_without_a_traced_start",
        always_create_workflow_spans_makes_roots_without_a_traced_start,
    ),
    (
        "cancelled_activity_records_no_error",
        cancelled_activity_records_no_error,
    ),
    (
        "rejected_update_and_failing_client_calls",
        rejected_update_and_failing_client_calls,
    ),
];

/// Starts `workflow` and waits for its result.
async fn execute<W>(
    client: &Client,
    workflow: W,
    input: <W as WorkflowDefinition>::Input,
    options: WorkflowStartOptions,
) -> Result<<W as WorkflowDefinition>::Output, String>
where
    W: HasWorkflowDefinition,
    <W as WorkflowDefinition>::Input: Send,
{
    let handle = client
        .start_workflow(workflow, input, options)
        .await
        .map_err(|e| e.to_string())?;
    handle
        .get_result(WorkflowGetResultOptions::default())
        .await
        .map_err(|e| e.to_string())
}

fn start_options(workflow_id: &str) -> WorkflowStartOptions {
    WorkflowStartOptions::new(TASK_QUEUE, workflow_id).build()
}

/// Workflow-side spans: zero duration (deterministic workflow time), the workflow id and a run
/// id, no status.
fn check_workflow_spans(spans: &[SpanRec], workflow_id: &str) -> Result<(), String> {
    let prefixes = [
        "RunWorkflow:",
        "CompleteWorkflow:",
        "StartActivity:",
        "StartChildWorkflow:",
        "SignalChildWorkflow:",
        "SignalExternalWorkflow:",
        "HandleSignal:",
        "ValidateUpdate:",
        "HandleUpdate:",
        "HandleQuery:",
    ];
    for span in spans {
        if !prefixes.iter().any(|p| span.name.starts_with(p)) {
            continue;
        }
        let is_child_workflow_span = span.attr("temporalWorkflowID") != Some(workflow_id);
        check(
            span.attr("temporalWorkflowID")
                .is_some_and(|id| id.starts_with(workflow_id)),
            || {
                format!(
                    "{} has temporalWorkflowID {:?}",
                    span.name,
                    span.attr("temporalWorkflowID")
                )
            },
        )?;
        check(
            span.attr("temporalRunID").is_some_and(|id| !id.is_empty()),
            || {
                format!(
                    "{} lacks temporalRunID ({is_child_workflow_span})",
                    span.name
                )
            },
        )?;
        check(span.status == "UNSET", || {
            format!("{} has status {}", span.name, span.status)
        })?;
        check(span.duration_ns() == 0, || {
            format!("{} lasts {} ns, not zero", span.name, span.duration_ns())
        })?;
    }
    Ok(())
}

fn workflow_and_activity_with_a_retry(h: &Harness) -> Result<(), String> {
    let id = unique("retry");
    let (result, trace) = h.traced(async {
        execute(
            &h.client,
            RetryWorkflow::run,
            "hello".to_owned(),
            start_options(&id),
        )
        .await
    });
    check(result? == "hello on attempt 2", || {
        "unexpected result".into()
    })?;
    let spans = h.trace(&trace);
    expect_tree(
        &spans,
        r#"
        scenario [INTERNAL]
          StartWorkflow:RetryWorkflow [CLIENT]
            CompleteWorkflow:RetryWorkflow [INTERNAL]
            RunWorkflow:RetryWorkflow [SERVER]
            StartActivity:flaky_activity [CLIENT]
              RunActivity:flaky_activity [SERVER]
              RunActivity:flaky_activity [SERVER] ERROR "FlakyError: first attempt fails"
        "#,
    )?;
    check_workflow_spans(&spans, &id)?;
    let start = &named(&spans, "StartWorkflow:RetryWorkflow")[0];
    check(
        start.attr("temporalWorkflowID") == Some(id.as_str()),
        || format!("StartWorkflow attributes {:?}", start.attributes),
    )?;
    check(start.attr("temporalRunID").is_none(), || {
        "client spans carry no run id (as in Python)".into()
    })?;
    let attempts = named(&spans, "RunActivity:flaky_activity");
    let failed: Vec<_> = attempts.iter().filter(|s| s.status == "ERROR").collect();
    check(failed.len() == 1, || {
        format!("one failed attempt expected: {attempts:#?}")
    })?;
    check(failed[0].events.contains(&"exception".to_owned()), || {
        "the failed attempt has an exception event".into()
    })?;
    for attempt in attempts {
        for (key, value) in [
            ("temporalWorkflowID", id.as_str()),
            ("x-session-id", id.as_str()),
            ("gen_ai.conversation.id", id.as_str()),
            ("temporalActivityID", "1"),
        ] {
            check(attempt.attr(key) == Some(value), || {
                format!(
                    "RunActivity {key} = {:?}, expected {value}",
                    attempt.attr(key)
                )
            })?;
        }
        check(attempt.attr("temporalActivityType").is_none(), || {
            "Python puts no activity type on RunActivity".into()
        })?;
    }
    Ok(())
}

/// Signal, query and update of `MessageWorkflow` under a `scenario` span, as Python's
/// `TracingInterceptor` traces them (checked against Python itself in `interop.rs`).
pub const MESSAGES_TREE: &str = "
    scenario [INTERNAL]
      QueryWorkflow:query [CLIENT]
        HandleQuery:query [SERVER] (links: StartWorkflow:MessageWorkflow)
      SignalWorkflow:signal [CLIENT]
      StartWorkflow:MessageWorkflow [CLIENT]
        CompleteWorkflow:MessageWorkflow [INTERNAL]
        HandleSignal:signal [SERVER] (links: SignalWorkflow:signal)
        HandleUpdate:update [SERVER] (links: StartWorkflowUpdate:update)
        RunWorkflow:MessageWorkflow [SERVER]
        ValidateUpdate:update [SERVER] (links: StartWorkflowUpdate:update)
      StartWorkflowUpdate:update [CLIENT]
";

fn signal_query_and_update(h: &Harness) -> Result<(), String> {
    signal_query_and_update_on(h, TASK_QUEUE)
}

/// The same with the workflow cached between tasks: nothing is replayed, queries included.
fn signal_query_and_update_on_a_caching_worker(h: &Harness) -> Result<(), String> {
    signal_query_and_update_on(h, CACHED_TASK_QUEUE)
}

fn signal_query_and_update_on(h: &Harness, queue: &str) -> Result<(), String> {
    let id = unique("messages");
    let (result, trace) = h.traced(async {
        let handle = h
            .client
            .start_workflow(
                MessageWorkflow::run,
                "start".to_owned(),
                WorkflowStartOptions::new(queue, &id).build(),
            )
            .await
            .map_err(|e| e.to_string())?;
        signal_one(&handle).await?;
        let seen = signals_seen(&handle).await?;
        let signals = finish(&handle).await?;
        Ok::<_, String>((seen, signals))
    });
    let (seen, signals) = result?;
    check(seen == 1 && signals == 1, || {
        format!("query {seen}, result {signals}")
    })?;
    let spans = h.trace(&trace);
    // Handlers are siblings under StartWorkflow and link to the request; HandleQuery is the
    // query's child and links to StartWorkflow (Python's choices).
    expect_tree(&spans, MESSAGES_TREE)?;
    check_workflow_spans(&spans, &id)
}

/// On the caching worker: without a cache, a local activity still running when its workflow
/// task ends is executed again by the next task, an extra `RunActivity` that is real but
/// depends on timing.
fn child_workflow_and_its_signals(h: &Harness) -> Result<(), String> {
    let id = unique("parent");
    let (result, trace) = h.traced(async {
        execute(
            &h.client,
            ParentWorkflow::run,
            "child input".to_owned(),
            WorkflowStartOptions::new(CACHED_TASK_QUEUE, &id).build(),
        )
        .await
    });
    check(result? == "child input", || "unexpected result".into())?;
    let spans = h.trace(&trace);
    expect_tree(
        &spans,
        "
        scenario [INTERNAL]
          StartWorkflow:ParentWorkflow [CLIENT]
            CompleteWorkflow:ParentWorkflow [INTERNAL]
            RunWorkflow:ParentWorkflow [SERVER]
            SignalChildWorkflow:greet [SERVER]
            SignalExternalWorkflow:greet [CLIENT]
            StartChildWorkflow:ChildWorkflow [CLIENT]
              CompleteWorkflow:ChildWorkflow [INTERNAL]
              HandleSignal:greet [SERVER] (links: SignalChildWorkflow:greet)
              HandleSignal:greet [SERVER] (links: SignalExternalWorkflow:greet)
              RunWorkflow:ChildWorkflow [SERVER]
              StartActivity:echo_activity [CLIENT]
                RunActivity:echo_activity [SERVER]
        ",
    )?;
    check_workflow_spans(&spans, &id)?;
    let child_id = format!("{id}-child");
    let child_run = &named(&spans, "RunWorkflow:ChildWorkflow")[0];
    check(
        child_run.attr("temporalWorkflowID") == Some(child_id.as_str()),
        || format!("child RunWorkflow attributes {:?}", child_run.attributes),
    )
}

fn continue_as_new(h: &Harness) -> Result<(), String> {
    let id = unique("continue");
    let (result, trace) =
        h.traced(async { execute(&h.client, ContinueWorkflow::run, 0, start_options(&id)).await });
    check(result? == 1, || "the second run returns 1".into())?;
    let spans = h.trace(&trace);
    // Every run sits under the original StartWorkflow; only the last one completes.
    expect_tree(
        &spans,
        "
        scenario [INTERNAL]
          StartWorkflow:ContinueWorkflow [CLIENT]
            CompleteWorkflow:ContinueWorkflow [INTERNAL]
            RunWorkflow:ContinueWorkflow [SERVER]
            RunWorkflow:ContinueWorkflow [SERVER]
            StartActivity:echo_activity [CLIENT]
              RunActivity:echo_activity [SERVER]
            StartActivity:echo_activity [CLIENT]
              RunActivity:echo_activity [SERVER]
        ",
    )?;
    check_workflow_spans(&spans, &id)?;
    let runs: HashSet<_> = named(&spans, "RunWorkflow:ContinueWorkflow")
        .iter()
        .filter_map(|s| s.attr("temporalRunID").map(str::to_owned))
        .collect();
    check(runs.len() == 2, || format!("two runs expected: {runs:?}"))
}

/// Replaying a finished workflow's history with the interceptor succeeds (tracing does not
/// change what the workflow does) and emits no span.
fn replaying_a_history_emits_no_span(h: &Harness) -> Result<(), String> {
    let id = unique("replayed");
    let (result, _trace) = h.traced(async {
        execute(
            &h.client,
            ParentWorkflow::run,
            "replayed".to_owned(),
            start_options(&id),
        )
        .await
    });
    result?;
    let about_this = |spans: Vec<SpanRec>| {
        spans
            .into_iter()
            .filter(|s| {
                s.attr("temporalWorkflowID")
                    .is_some_and(|w| w.starts_with(&id))
            })
            .count()
    };
    let before = about_this(h.spans());
    check(before > 0, || "the run itself was traced".into())?;
    // Forget which spans of these runs were emitted, so only replay detection can keep the
    // replay silent.
    let runs: HashSet<String> = h
        .spans()
        .iter()
        .filter(|s| {
            s.attr("temporalWorkflowID")
                .is_some_and(|w| w.starts_with(&id))
        })
        .filter_map(|s| s.attr("temporalRunID").map(str::to_owned))
        .collect();
    check(runs.len() == 2, || {
        format!("parent and child runs expected: {runs:?}")
    })?;
    for run in &runs {
        iftracer_temporal::__forget_emitted_spans_of_run(run);
    }
    for workflow_id in [id.clone(), format!("{id}-child")] {
        let history = h
            .client
            .get_workflow_handle::<UntypedWorkflow>(workflow_id.clone())
            .fetch_history(WorkflowFetchHistoryOptions::default());
        let mut options = WorkflowReplayerOptions::new().build();
        options
            .register_workflow::<ParentWorkflow>()
            .and_then(|o| o.register_workflow::<ChildWorkflow>())
            .map_err(|e| e.to_string())?
            .workflow_interceptor(h.tracing.workflow_interceptor());
        let replayer = WorkflowReplayer::new(options).map_err(|e| e.to_string())?;
        h.runtime
            .block_on(replayer.replay_workflow(history))
            .map_err(|e| format!("replaying {workflow_id} with tracing failed: {e}"))?;
    }
    let after = about_this(h.spans());
    check(after == before, || {
        format!("replay emitted {} spans", after.saturating_sub(before))
    })
}

fn benign_activity_failure_keeps_status_unset(h: &Harness) -> Result<(), String> {
    let id = unique("benign");
    let (result, trace) = h.traced(async {
        execute(
            &h.client,
            RetryWorkflow::run,
            "benign".to_owned(),
            start_options(&id),
        )
        .await
    });
    result?;
    let spans = h.trace(&trace);
    let attempts = named(&spans, "RunActivity:flaky_activity");
    check(attempts.len() == 2, || {
        format!("two attempts expected: {attempts:#?}")
    })?;
    check(spans.iter().all(|s| s.status == "UNSET"), || {
        format!("a benign failure sets no error status: {spans:#?}")
    })?;
    check(
        attempts
            .iter()
            .any(|s| s.events.contains(&"exception".to_owned())),
        || "the benign failure is still recorded as an exception event".into(),
    )
}

fn failed_workflow_completes_with_an_exception(h: &Harness) -> Result<(), String> {
    let id = unique("failing");
    let (result, trace) = h.traced(async {
        let handle = h
            .client
            .start_workflow(FailingWorkflow::run, "now".to_owned(), start_options(&id))
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(
            handle
                .get_result(WorkflowGetResultOptions::default())
                .await
                .is_err(),
        )
    });
    check(result?, || "the workflow fails".into())?;
    let spans = h.trace(&trace);
    expect_tree(
        &spans,
        "
        scenario [INTERNAL]
          StartWorkflow:FailingWorkflow [CLIENT]
            CompleteWorkflow:FailingWorkflow [INTERNAL]
            RunWorkflow:FailingWorkflow [SERVER]
        ",
    )?;
    check_workflow_spans(&spans, &id)?;
    // Python: the failure is an exception event on CompleteWorkflow; workflow spans keep status
    // Unset.
    let complete = &named(&spans, "CompleteWorkflow:FailingWorkflow")[0];
    check(complete.events == ["exception"], || {
        format!("CompleteWorkflow events {:?}", complete.events)
    })
}

fn signal_with_start_and_update_with_start(h: &Harness) -> Result<(), String> {
    let id = unique("with-start");
    let (result, trace) = h.traced(async {
        let handle = h
            .client
            .signal_with_start_workflow(
                MessageWorkflow::run,
                "start".to_owned(),
                MessageWorkflow::signal,
                "one".to_owned(),
                start_options(&id),
            )
            .await
            .map_err(|e| e.to_string())?;
        let options = WorkflowUpdateWithStartOptions::new(
            TASK_QUEUE,
            id.clone(),
            WorkflowIdConflictPolicy::UseExisting,
        )
        .build();
        h.client
            .execute_update_with_start_workflow(
                MessageWorkflow::run,
                "start".to_owned(),
                MessageWorkflow::update,
                "finish".to_owned(),
                options,
            )
            .await
            .map_err(|e| e.to_string())?;
        handle
            .get_result(WorkflowGetResultOptions::default())
            .await
            .map_err(|e| e.to_string())
    });
    check(result? == 1, || "one signal seen".into())?;
    let spans = h.trace(&trace);
    // The update reaching the running workflow sits under that workflow's start span and links
    // to its own request (Python's update-with-start tree).
    expect_tree(
        &spans,
        "
        scenario [INTERNAL]
          SignalWithStartWorkflow:MessageWorkflow [CLIENT]
            CompleteWorkflow:MessageWorkflow [INTERNAL]
            HandleSignal:signal [SERVER] (links: SignalWithStartWorkflow:MessageWorkflow)
            HandleUpdate:update [SERVER] (links: StartUpdateWithStartWorkflow:MessageWorkflow)
            RunWorkflow:MessageWorkflow [SERVER]
            ValidateUpdate:update [SERVER] (links: StartUpdateWithStartWorkflow:MessageWorkflow)
          StartUpdateWithStartWorkflow:MessageWorkflow [CLIENT]
        ",
    )?;
    check_workflow_spans(&spans, &id)
}

/// A workflow task that fails after scheduling an activity is retried as new work: the span
/// exported the first time is not emitted again, and the command issued again still carries
/// its context, so the activity stays in the trace.
fn retried_workflow_task_keeps_the_activity_in_the_trace(h: &Harness) -> Result<(), String> {
    let id = unique("task-failure");
    let (result, trace) = h.traced(async {
        execute(
            &h.client,
            TaskFailureWorkflow::run,
            "echo".to_owned(),
            start_options(&id),
        )
        .await
    });
    check(result? == "echo", || "unexpected result".into())?;
    let spans = h.trace(&trace);
    expect_tree(
        &spans,
        "
        scenario [INTERNAL]
          StartWorkflow:TaskFailureWorkflow [CLIENT]
            CompleteWorkflow:TaskFailureWorkflow [INTERNAL]
            RunWorkflow:TaskFailureWorkflow [SERVER]
            StartActivity:echo_activity [CLIENT]
              RunActivity:echo_activity [SERVER]
        ",
    )?;
    check_workflow_spans(&spans, &id)
}

/// A workflow started without trace context (an untraced client, the CLI, a schedule) emits no
/// workflow spans and sends no header to its activities, whose `RunActivity` spans are roots,
/// as in Python without `always_create_workflow_spans`.
fn untraced_start_emits_no_workflow_spans(h: &Harness) -> Result<(), String> {
    let id = unique("untraced");
    let result = h.runtime.block_on(async {
        let untraced = connect(&h.server.address, None).await?;
        execute(
            &untraced,
            RetryWorkflow::run,
            "hello".to_owned(),
            start_options(&id),
        )
        .await
    });
    check(result? == "hello on attempt 2", || {
        "unexpected result".into()
    })?;
    let spans: Vec<SpanRec> = h
        .spans()
        .into_iter()
        .filter(|s| s.attr("temporalWorkflowID") == Some(id.as_str()))
        .collect();
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    check(names == ["RunActivity:flaky_activity"; 2], || {
        format!("only the two activity attempts expected: {names:?}")
    })?;
    check(spans.iter().all(|s| s.parent_id.is_none()), || {
        format!("each attempt is a root: {spans:#?}")
    })?;
    check(
        spans
            .iter()
            .all(|s| s.attr("x-session-id") == Some(id.as_str())),
        || "the attempts still group by workflow".into(),
    )
}

/// With `always_create_workflow_spans(true)` a workflow started without trace context still
/// gets its spans, each workflow span a root (Python: the workflow context stays empty), and
/// the activity attempts under the `StartActivity` span that scheduled them.
fn always_create_workflow_spans_makes_roots_without_a_traced_start(
    h: &Harness,
) -> Result<(), String> {
    let id = unique("always");
    let result = h.runtime.block_on(async {
        let untraced = connect(&h.server.address, None).await?;
        execute(
            &untraced,
            RetryWorkflow::run,
            "hello".to_owned(),
            WorkflowStartOptions::new(ALWAYS_TASK_QUEUE, &id).build(),
        )
        .await
    });
    check(result? == "hello on attempt 2", || {
        "unexpected result".into()
    })?;
    let spans: Vec<SpanRec> = h
        .spans()
        .into_iter()
        .filter(|s| s.attr("temporalWorkflowID") == Some(id.as_str()))
        .collect();
    let workflow_spans = spans.iter().filter(|s| !s.name.starts_with("RunActivity:"));
    for span in workflow_spans {
        check(span.parent_id.is_none(), || {
            format!("{} should be a root: {span:#?}", span.name)
        })?;
    }
    expect_tree(
        &spans,
        r#"
        CompleteWorkflow:RetryWorkflow [INTERNAL]
        RunWorkflow:RetryWorkflow [SERVER]
        StartActivity:flaky_activity [CLIENT]
          RunActivity:flaky_activity [SERVER]
          RunActivity:flaky_activity [SERVER] ERROR "FlakyError: first attempt fails"
        "#,
    )?;
    check_workflow_spans(&spans, &id)
}

/// An async Python activity sees cancellation as `asyncio.CancelledError`, which neither
/// OpenTelemetry's `use_span` nor the interceptor records (both catch `Exception` only): the
/// cancelled `RunActivity` has no event and status Unset.
fn cancelled_activity_records_no_error(h: &Harness) -> Result<(), String> {
    let id = unique("cancel-activity");
    let (result, trace) = h.traced(async {
        execute(
            &h.client,
            CancelActivityWorkflow::run,
            "wait".to_owned(),
            WorkflowStartOptions::new(CACHED_TASK_QUEUE, &id).build(),
        )
        .await
    });
    check(result? == "cancelled", || {
        "the activity was cancelled".into()
    })?;
    let spans = h.trace(&trace);
    expect_tree(
        &spans,
        "
        scenario [INTERNAL]
          StartWorkflow:CancelActivityWorkflow [CLIENT]
            CompleteWorkflow:CancelActivityWorkflow [INTERNAL]
            RunWorkflow:CancelActivityWorkflow [SERVER]
            StartActivity:cancellable_activity [CLIENT]
              RunActivity:cancellable_activity [SERVER]
        ",
    )?;
    check_workflow_spans(&spans, &id)?;
    let run = &named(&spans, "RunActivity:cancellable_activity")[0];
    check(run.events.is_empty(), || {
        format!("a cancelled activity records no exception: {run:#?}")
    })
}

/// An update its validator rejects, and client calls that fail: the client spans carry the
/// error (status Error with the failure's text), the workflow spans do not.
fn rejected_update_and_failing_client_calls(h: &Harness) -> Result<(), String> {
    let id = unique("rejected");
    let missing = unique("no-such-workflow");
    let (result, trace) = h.traced(async {
        let handle = h
            .client
            .start_workflow(
                MessageWorkflow::run,
                "start".to_owned(),
                WorkflowStartOptions::new(CACHED_TASK_QUEUE, &id).build(),
            )
            .await
            .map_err(|e| e.to_string())?;
        let rejected = handle
            .execute_update(
                MessageWorkflow::update,
                String::new(),
                WorkflowExecuteUpdateOptions::default(),
            )
            .await;
        let to_nowhere = h
            .client
            .get_workflow_handle::<MessageWorkflow>(missing.clone())
            .signal(
                MessageWorkflow::signal,
                "lost".to_owned(),
                WorkflowSignalOptions::default(),
            )
            .await;
        signal_one(&handle).await?;
        let signals = finish(&handle).await?;
        Ok::<_, String>((rejected.is_err(), to_nowhere.is_err(), signals))
    });
    let (rejected, to_nowhere, signals) = result?;
    check(rejected && to_nowhere && signals == 1, || {
        format!("rejected {rejected}, signal to nowhere failed {to_nowhere}, result {signals}")
    })?;
    let spans = h.trace(&trace);
    // The rejected update's start RPC succeeds (the rejection is its outcome, which Python
    // raises from the handle's `result()`, outside the span): no error on either update span,
    // and no CompleteWorkflow for the validator's plain error. The signal to a missing
    // workflow fails its RPC: status Error with the client's error.
    expect_tree(
        &spans,
        r#"
        scenario [INTERNAL]
          SignalWorkflow:signal [CLIENT]
          SignalWorkflow:signal [CLIENT] ERROR "WorkflowInteractionError: Workflow not found"
          StartWorkflow:MessageWorkflow [CLIENT]
            CompleteWorkflow:MessageWorkflow [INTERNAL]
            HandleSignal:signal [SERVER] (links: SignalWorkflow:signal)
            HandleUpdate:update [SERVER] (links: StartWorkflowUpdate:update)
            RunWorkflow:MessageWorkflow [SERVER]
            ValidateUpdate:update [SERVER] (links: StartWorkflowUpdate:update)
            ValidateUpdate:update [SERVER] (links: StartWorkflowUpdate:update)
          StartWorkflowUpdate:update [CLIENT]
          StartWorkflowUpdate:update [CLIENT]
        "#,
    )?;
    let failed_signal = spans
        .iter()
        .find(|s| s.status == "ERROR")
        .ok_or("no failed span")?;
    check(
        failed_signal.attr("temporalWorkflowID") == Some(missing.as_str())
            && failed_signal.events == ["exception"],
        || format!("the failed signal span: {failed_signal:#?}"),
    )?;
    check_workflow_spans(&spans, &id)
}
