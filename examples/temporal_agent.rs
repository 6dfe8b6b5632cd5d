//! A Temporal agent traced end to end: workflow `AgentWorkflow` (one string argument, the
//! question; returns a string) runs activity `llm_activity`, which records a simulated LLM call
//! with iftracer's helpers. The names are explicit, so a client or worker in any Temporal SDK can
//! call or serve them, and with `TracingInterceptor` on both sides one trace crosses languages:
//!
//! ```text
//! ask_agent                                   (client)
//! └─ StartWorkflow:AgentWorkflow              CLIENT
//!    ├─ RunWorkflow:AgentWorkflow             SERVER   (worker)
//!    ├─ StartActivity:llm_activity            CLIENT
//!    │  └─ RunActivity:llm_activity           SERVER   x-session-id = workflow id
//!    │     └─ chat simulated-llm              INTERNAL chat.* / gen_ai.* (one InsightFinder pair)
//!    └─ CompleteWorkflow:AgentWorkflow        INTERNAL
//! ```
//!
//! ```sh
//! cargo run --features temporal --example temporal_agent -- worker         # serve until Ctrl-C
//! cargo run --features temporal --example temporal_agent -- client "Why?"  # ask, print answer
//! cargo run --features temporal --example temporal_agent -- "Why?"         # both in one process
//! ```
//!
//! Needs a Temporal server (`temporal server start-dev`). Settings: `TEMPORAL_ADDRESS`
//! (default `127.0.0.1:7233`), `TEMPORAL_NAMESPACE` (`default`), `TEMPORAL_TASK_QUEUE`
//! (`iftracer-agents`), `TEMPORAL_WORKFLOW_ID` (client; default a fresh id), and iftracer's OTLP
//! settings (`OTEL_EXPORTER_OTLP_ENDPOINT`, `INSIGHTFINDER_*`, ...; without an endpoint the
//! span tree is printed).

use std::error::Error;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use iftracer::llm::LlmCall;
use iftracer::opentelemetry::context::FutureExt as _;
use iftracer::opentelemetry::trace::{TraceContextExt, Tracer};
use iftracer::opentelemetry::{Context, global};
use iftracer_temporal::TracingInterceptor;
use temporalio_client::{
    Client, ClientOptions, Connection, ConnectionOptions, WorkflowGetResultOptions,
    WorkflowStartOptions,
};
use temporalio_macros::{activities, workflow, workflow_methods};
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use temporalio_sdk::{
    ActivityOptions, Runtime, Worker, WorkerOptions, WorkflowContext, WorkflowResult,
};

#[workflow]
#[derive(Default)]
pub struct AgentWorkflow;

#[workflow_methods]
impl AgentWorkflow {
    #[run(name = "AgentWorkflow")]
    pub async fn run(ctx: &mut WorkflowContext<Self>, question: String) -> WorkflowResult<String> {
        let answer = ctx
            .execute_activity(
                AgentActivities::llm_activity,
                question,
                ActivityOptions::start_to_close_timeout(Duration::from_secs(30)),
            )
            .await?;
        Ok(answer)
    }
}

pub struct AgentActivities;

#[activities]
impl AgentActivities {
    /// Stands in for a real model call; the LLM span lands under `RunActivity:llm_activity`.
    #[activity(name = "llm_activity")]
    pub async fn llm_activity(
        _ctx: ActivityContext,
        question: String,
    ) -> Result<String, ActivityError> {
        let span = LlmCall::chat("simulated-llm")
            .provider("simulated")
            .prompt(&question)
            .start_span();
        let answer = format!("A simulated answer to: {question}");
        span.record(
            &LlmCall::default()
                .response(&answer)
                .finish_reasons(["stop"])
                .usage(12, 9),
        );
        span.end();
        Ok(answer)
    }
}

struct Settings {
    address: String,
    namespace: String,
    task_queue: String,
}

impl Settings {
    fn from_env() -> Self {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Settings {
            address: var("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
            namespace: var("TEMPORAL_NAMESPACE", "default"),
            task_queue: var("TEMPORAL_TASK_QUEUE", "iftracer-agents"),
        }
    }

    async fn client(&self, tracing: &TracingInterceptor) -> Result<Client, Box<dyn Error>> {
        let url = if self.address.contains("://") {
            self.address.clone()
        } else {
            format!("http://{}", self.address)
        };
        let target: temporalio_client::Url = url.parse()?;
        let connection = Connection::connect(ConnectionOptions::new(target).build())
            .await
            .map_err(|err| {
                // The transport error alone does not say what is missing.
                format!(
                    "cannot reach a Temporal server at {url} ({err}); start one with \
                     `temporal server start-dev` (the test setup, `scripts/setup-test-tools.sh`, \
                     installs it as `.venv/bin/temporal`) or point `TEMPORAL_ADDRESS` at yours"
                )
            })?;
        let options = ClientOptions::new(self.namespace.clone())
            .client_interceptors(vec![tracing.client_interceptor()])
            .build();
        Ok(Client::new(connection, options)?)
    }
}

enum Mode {
    Worker,
    Client(String),
    OneShot(String),
}

fn mode() -> Mode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let question = |rest: &[String]| {
        if rest.is_empty() {
            "What does OpenTelemetry do?".to_owned()
        } else {
            rest.join(" ")
        }
    };
    match args.first().map(String::as_str) {
        Some("worker") => Mode::Worker,
        Some("client") => Mode::Client(question(&args[1..])),
        _ => Mode::OneShot(question(&args)),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // Print the error's message: it names the setting to fix.
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let guard = iftracer::Iftracer::builder()
        .service_name("temporal-agent")
        // The Temporal SDK emits `tracing` spans of its own (`RunWorkflow:…`, pollers); with
        // iftracer's `tracing` feature on they would duplicate the interceptor's spans.
        .tracing_subscriber(false)
        .init()?;
    let settings = Settings::from_env();
    let tracing = TracingInterceptor::new();
    let client = settings.client(&tracing).await?;

    let outcome = match mode() {
        Mode::Worker => serve(&settings, &tracing, client, wait_for_stop()).await,
        Mode::Client(question) => ask(&settings, &client, question).await,
        Mode::OneShot(question) => {
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let worker = serve(&settings, &tracing, client.clone(), async {
                let _ = stopped.await;
            });
            tokio::pin!(worker);
            // A worker that fails to start must not leave the client waiting forever.
            tokio::select! {
                served = &mut worker => served.and(Err("the worker stopped early".into())),
                asked = ask(&settings, &client, question) => {
                    let _ = stop.send(());
                    worker.await.and(asked)
                }
            }
        }
    };
    guard.shutdown()?;
    outcome
}

/// Runs a worker for `AgentWorkflow` and `llm_activity` until `stop` resolves.
async fn serve(
    settings: &Settings,
    tracing: &TracingInterceptor,
    client: Client,
    stop: impl Future<Output = ()>,
) -> Result<(), Box<dyn Error>> {
    let runtime = Runtime::from_current_tokio(Default::default())?;
    let mut options = WorkerOptions::new(settings.task_queue.clone())
        .register_workflow::<AgentWorkflow>()?
        .register_activities(AgentActivities)
        .build();
    tracing.register_worker(&mut options); // activity and workflow spans
    let mut worker = Worker::new(&runtime, client, options)?;
    let shutdown = worker.shutdown_handle();
    eprintln!("worker serving task queue {}", settings.task_queue);
    let stopper = async {
        stop.await;
        shutdown();
    };
    let (ran, ()) = tokio::join!(worker.run(), stopper);
    ran?;
    Ok(())
}

/// Starts one `AgentWorkflow` under an `ask_agent` span and prints its result.
async fn ask(settings: &Settings, client: &Client, question: String) -> Result<(), Box<dyn Error>> {
    let workflow_id = std::env::var("TEMPORAL_WORKFLOW_ID").unwrap_or_else(|_| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!("agent-{}-{nanos}", std::process::id())
    });
    let span = global::tracer("temporal_agent").start("ask_agent");
    let cx = Context::current_with_span(span);
    let answer = async {
        let handle = client
            .start_workflow(
                AgentWorkflow::run,
                question,
                WorkflowStartOptions::new(settings.task_queue.clone(), workflow_id).build(),
            )
            .await?;
        let answer = handle
            .get_result(WorkflowGetResultOptions::default())
            .await?;
        Ok::<_, Box<dyn Error>>(answer)
    }
    .with_context(cx.clone())
    .await;
    cx.span().end();
    println!("{}", answer?);
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so the worker shuts down and the spans are flushed.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
