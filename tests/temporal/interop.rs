//! One trace across languages: the `temporal_agent` example (Rust, iftracer-temporal, OTLP to
//! an in-process receiver) with the real Python `temporalio` SDK and its `TracingInterceptor`
//! on the other side. The merged tree must match the Python-only run's.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::harness::{Harness, check, expect_tree, unique};
use crate::process::Process;
use crate::spans::{self, SpanRec, named};
use crate::support::{Receiver, Reply};
use crate::tools;

type Scenario = (&'static str, fn(&Harness) -> Result<(), String>);

pub const ALL: &[Scenario] = &[
    ("python_only_reference_run", python_only_reference_run),
    ("python_client_to_rust_worker", python_client_to_rust_worker),
    ("rust_client_to_python_worker", rust_client_to_python_worker),
    (
        "example_one_shot_prints_its_spans",
        example_one_shot_prints_its_spans,
    ),
    (
        "insightfinder_reads_one_pair_per_agent_run",
        insightfinder_reads_one_pair_per_agent_run,
    ),
    (
        "rust_signal_query_and_update_to_a_python_worker",
        rust_signal_query_and_update_to_a_python_worker,
    ),
    (
        "python_signal_query_and_update_to_a_rust_worker",
        python_signal_query_and_update_to_a_rust_worker,
    ),
];

/// What Python's client and worker produce together (sdk-python's tree, plus the activity's own
/// LLM span).
const REFERENCE: &str = "
    ask_agent [INTERNAL]
      StartWorkflow:AgentWorkflow [CLIENT]
        CompleteWorkflow:AgentWorkflow [INTERNAL]
        RunWorkflow:AgentWorkflow [SERVER]
        StartActivity:llm_activity [CLIENT]
          RunActivity:llm_activity [SERVER]
            chat simulated-llm [INTERNAL]
";

const TIMEOUT: Duration = Duration::from_secs(60);

fn python(h: &Harness, args: &[&str]) -> Command {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/temporal/interop.py");
    let mut command = crate::support::clean_command(&h.tools.python);
    command.arg(script).args(args);
    command
}

fn example(
    h: &Harness,
    receiver: &Receiver,
    args: &[&str],
    task_queue: &str,
) -> Result<Command, String> {
    let mut command = crate::support::clean_command(tools::example("temporal_agent")?);
    command
        .args(args)
        .env("TEMPORAL_ADDRESS", &h.server.address)
        .env("TEMPORAL_TASK_QUEUE", task_queue)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        .env("OTEL_SERVICE_NAME", "rust-side");
    Ok(command)
}

fn received(receiver: &Receiver) -> Vec<SpanRec> {
    receiver
        .received()
        .iter()
        .flat_map(|r| spans::from_otlp(&r.request))
        .collect()
}

/// The trace of the only `ask_agent` span.
fn agent_trace(spans: &[SpanRec]) -> Result<Vec<SpanRec>, String> {
    let roots = named(spans, "ask_agent");
    check(roots.len() == 1, || {
        format!("one ask_agent span expected, got {}", roots.len())
    })?;
    Ok(spans::of_trace(spans, &roots[0].trace_id))
}

/// The Temporal attribute keys of each span, by name: they must match across languages.
fn temporal_keys(spans: &[SpanRec]) -> BTreeSet<(String, Vec<String>)> {
    spans
        .iter()
        .map(|s| {
            let keys = s
                .attributes
                .keys()
                .filter(|k| k.starts_with("temporal"))
                .cloned()
                .collect();
            (s.name.clone(), keys)
        })
        .collect()
}

fn python_only(h: &Harness) -> Result<Vec<SpanRec>, String> {
    let id = unique("py-only");
    let queue = unique("py-only-queue");
    let run = Process::spawn(
        "python-only run",
        python(h, &["python-only", &h.server.address, &queue, &id]),
    )?;
    let out = run.finish(TIMEOUT)?;
    agent_trace(&spans::from_python_json(&out)?)
}

fn python_only_reference_run(h: &Harness) -> Result<(), String> {
    let trace = python_only(h)?;
    expect_tree(&trace, REFERENCE)
}

fn matches_reference(merged: &[SpanRec], h: &Harness) -> Result<(), String> {
    expect_tree(merged, REFERENCE)?;
    let reference = python_only(h)?;
    check(temporal_keys(merged) == temporal_keys(&reference), || {
        format!(
            "Temporal attributes differ from the Python-only run:\n{:?}\nvs\n{:?}",
            temporal_keys(merged),
            temporal_keys(&reference)
        )
    })
}

fn python_client_to_rust_worker(h: &Harness) -> Result<(), String> {
    let receiver = Receiver::grpc(Reply::Accept, None);
    let queue = unique("rust-worker-queue");
    let worker = Process::spawn(
        "temporal_agent worker",
        example(h, &receiver, &["worker"], &queue)?,
    )?;
    worker.wait_for("worker serving", TIMEOUT)?;
    let id = unique("py-client");
    let client = Process::spawn(
        "python client",
        python(h, &["client", &h.server.address, &queue, &id]),
    )?;
    let python_spans = spans::from_python_json(&client.finish(TIMEOUT)?)?;
    worker.terminate(TIMEOUT)?;

    let rust_spans = received(&receiver);
    let mut all = python_spans.clone();
    all.extend(rust_spans.iter().cloned());
    let merged = agent_trace(&all)?;
    matches_reference(&merged, h)?;
    // The worker's spans came from Rust.
    for name in [
        "RunWorkflow:AgentWorkflow",
        "RunActivity:llm_activity",
        "chat simulated-llm",
    ] {
        check(!named(&rust_spans, name).is_empty(), || {
            format!("{name} not from the Rust worker")
        })?;
    }
    let run_activity = &named(&merged, "RunActivity:llm_activity")[0];
    check(
        run_activity.attr("x-session-id") == Some(id.as_str()),
        || {
            format!(
                "RunActivity x-session-id {:?}",
                run_activity.attr("x-session-id")
            )
        },
    )?;
    let llm = &named(&merged, "chat simulated-llm")[0];
    check(
        llm.attr("gen_ai.conversation.id") == Some(id.as_str()),
        || {
            format!(
                "the LLM span groups under the workflow: {:?}",
                llm.attributes
            )
        },
    )
}

fn rust_client_to_python_worker(h: &Harness) -> Result<(), String> {
    let receiver = Receiver::grpc(Reply::Accept, None);
    let queue = unique("py-worker-queue");
    let worker = Process::spawn(
        "python worker",
        python(h, &["worker", &h.server.address, &queue]),
    )?;
    worker.wait_for("ready", TIMEOUT)?;
    let id = unique("rust-client");
    let mut command = example(
        h,
        &receiver,
        &["client", "What does OpenTelemetry do?"],
        &queue,
    )?;
    command.env("TEMPORAL_WORKFLOW_ID", &id);
    let answer = Process::spawn("temporal_agent client", command)?.finish(TIMEOUT)?;
    check(
        answer.contains("A simulated answer to: What does OpenTelemetry do?"),
        || format!("the client printed {answer:?}"),
    )?;
    let python_spans = spans::from_python_json(&worker.close_stdin(TIMEOUT)?)?;

    let rust_spans = received(&receiver);
    let mut all = rust_spans.clone();
    all.extend(python_spans.iter().cloned());
    let merged = agent_trace(&all)?;
    matches_reference(&merged, h)?;
    for name in ["ask_agent", "StartWorkflow:AgentWorkflow"] {
        check(!named(&rust_spans, name).is_empty(), || {
            format!("{name} not from the Rust client")
        })?;
    }
    check(
        !named(&python_spans, "RunActivity:llm_activity").is_empty(),
        || "RunActivity not from the Python worker".into(),
    )
}

/// `temporal_agent QUESTION` runs worker and client in one process and, with no collector
/// configured, prints the spans on stdout.
fn example_one_shot_prints_its_spans(h: &Harness) -> Result<(), String> {
    // No collector configured: the cleared environment has none.
    let mut command = crate::support::clean_command(tools::example("temporal_agent")?);
    command
        .arg("Why trace agents?")
        .env("TEMPORAL_ADDRESS", &h.server.address)
        .env("TEMPORAL_TASK_QUEUE", unique("one-shot-queue"));
    let id = unique("one-shot");
    command.env("TEMPORAL_WORKFLOW_ID", &id);
    let stdout = Process::spawn("temporal_agent one-shot", command)?.finish(TIMEOUT)?;
    for expected in [
        "A simulated answer to: Why trace agents?",
        "ask_agent",
        "StartWorkflow:AgentWorkflow  client",
        "RunWorkflow:AgentWorkflow  server",
        "StartActivity:llm_activity  client",
        "RunActivity:llm_activity  server",
        "chat simulated-llm ",
        "CompleteWorkflow:AgentWorkflow",
    ] {
        check(stdout.contains(expected), || {
            format!("{expected:?} missing from:\n{stdout}")
        })?;
    }
    let blocks = stdout.lines().filter(|l| l.starts_with("trace ")).count();
    check(blocks == 1, || {
        format!("one local trace prints as one tree, not {blocks} blocks:\n{stdout}")
    })?;
    check(!stdout.contains("chat simulated-llm  client"), || {
        format!("the LLM span is INTERNAL (no kind mark):\n{stdout}")
    })
}

/// The seeds' main use case, exported to an InsightFinder destination: client and worker in
/// one process (`temporal_agent QUESTION`), two runs. The gateway's rules find one pair per
/// run, grouped under the workflow id, and one complete trace per run with its root.
fn insightfinder_reads_one_pair_per_agent_run(h: &Harness) -> Result<(), String> {
    let receiver = Receiver::grpc(Reply::Accept, None);
    let mut expected = Vec::new();
    for question in ["Why trace agents?", "What is a span?"] {
        let id = unique("if-contract");
        let mut command = example(h, &receiver, &[question], &unique("if-contract-queue"))?;
        command
            .envs(crate::support::gateway::insightfinder_env(
                &receiver.endpoint(),
            ))
            .env("TEMPORAL_WORKFLOW_ID", &id);
        Process::spawn("temporal_agent one-shot", command)?.finish(TIMEOUT)?;
        expected.push((question, id));
    }
    let view = crate::support::gateway::read(&receiver.received())?;
    check(view.traces.len() == 2, || {
        format!("two traces, one per run: {:?}", view.traces.keys())
    })?;
    check(view.pairs.len() == 2, || format!("pairs: {:?}", view.pairs))?;
    for (question, id) in &expected {
        let pair = view
            .pairs
            .iter()
            .find(|p| p.prompt == *question)
            .ok_or_else(|| format!("no pair for {question:?}: {:?}", view.pairs))?;
        check(
            pair.prompt == *question
                && pair.response == format!("A simulated answer to: {question}")
                && pair.session.as_deref() == Some(id.as_str())
                && pair.span_name == "chat simulated-llm",
            || format!("{pair:?} for {question:?} in workflow {id}"),
        )?;
    }
    // Each run's spans, held until the client's root ended, arrived in one request.
    check(receiver.received().len() == 2, || {
        format!("{} requests", receiver.received().len())
    })
}

/// Python's own tree for `MessageWorkflow`'s signal, query and update (client and worker in
/// Python), as `expect_tree` renders it.
fn python_only_messages(h: &Harness) -> Result<String, String> {
    let id = unique("py-messages");
    let queue = unique("py-messages-queue");
    let run = Process::spawn(
        "python-only messages",
        python(h, &["messages-python-only", &h.server.address, &queue, &id]),
    )?;
    let spans = spans::from_python_json(&run.finish(TIMEOUT)?)?;
    let roots = named(&spans, "scenario");
    check(roots.len() == 1, || {
        format!("one scenario span: {spans:#?}")
    })?;
    let trace = spans::of_trace(&spans, &roots[0].trace_id);
    // The tree the Rust-only scenario expects is Python's.
    expect_tree(&trace, crate::scenarios::MESSAGES_TREE)?;
    Ok(spans::tree(&trace))
}

/// The Rust client's signal, query and update against a Python worker: the merged trace is
/// the tree of the same calls made by Python alone, status texts included.
fn rust_signal_query_and_update_to_a_python_worker(h: &Harness) -> Result<(), String> {
    use crate::workflows::{MessageWorkflow, finish, signal_one, signals_seen};
    use temporalio_client::WorkflowStartOptions;
    let reference = python_only_messages(h)?;
    let queue = unique("py-messages-worker");
    let worker = Process::spawn(
        "python worker",
        python(h, &["worker", &h.server.address, &queue]),
    )?;
    worker.wait_for("ready", TIMEOUT)?;
    let id = unique("rust-messages");
    let (result, trace_id) = h.traced(async {
        let handle = h
            .client
            .start_workflow(
                MessageWorkflow::run,
                "start".to_owned(),
                WorkflowStartOptions::new(&queue, &id).build(),
            )
            .await
            .map_err(|e| e.to_string())?;
        signal_one(&handle).await?;
        let seen = signals_seen(&handle).await?;
        let signals = finish(&handle).await?;
        Ok::<_, String>((seen, signals))
    });
    let python_spans = spans::from_python_json(&worker.close_stdin(TIMEOUT)?)?;
    let (seen, signals) = result?;
    check(seen == 1 && signals == 1, || {
        format!("query {seen}, result {signals}")
    })?;
    let mut merged = h.trace(&trace_id);
    merged.extend(spans::of_trace(&python_spans, &trace_id));
    let actual = spans::tree(&merged);
    check(actual == reference, || {
        format!("--- Python only\n{reference}\n--- Rust client, Python worker\n{actual}")
    })?;
    for name in [
        "HandleSignal:signal",
        "HandleQuery:query",
        "HandleUpdate:update",
    ] {
        check(!named(&python_spans, name).is_empty(), || {
            format!("{name} not from the Python worker")
        })?;
    }
    Ok(())
}

/// The Python client's signal, query and update against the harness's Rust worker: the merged
/// trace is Python's own tree.
fn python_signal_query_and_update_to_a_rust_worker(h: &Harness) -> Result<(), String> {
    let id = unique("py-client-messages");
    let client = Process::spawn(
        "python messages client",
        python(
            h,
            &[
                "messages-client",
                &h.server.address,
                crate::harness::CACHED_TASK_QUEUE,
                &id,
            ],
        ),
    )?;
    let python_spans = spans::from_python_json(&client.finish(TIMEOUT)?)?;
    let roots = named(&python_spans, "scenario");
    check(roots.len() == 1, || {
        format!("one scenario span: {python_spans:#?}")
    })?;
    let trace_id = roots[0].trace_id.clone();
    let rust_spans = h.trace(&trace_id);
    let mut merged = spans::of_trace(&python_spans, &trace_id);
    merged.extend(rust_spans.iter().cloned());
    expect_tree(&merged, crate::scenarios::MESSAGES_TREE)?;
    for name in [
        "RunWorkflow:MessageWorkflow",
        "HandleSignal:signal",
        "HandleQuery:query",
        "ValidateUpdate:update",
        "HandleUpdate:update",
    ] {
        check(!named(&rust_spans, name).is_empty(), || {
            format!("{name} not from the Rust worker")
        })?;
    }
    Ok(())
}
