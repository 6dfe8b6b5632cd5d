//! What every scenario shares: the dev server, a client with the tracing interceptor, a worker
//! for the Rust-only workflows, and iftracer's global pipeline into an in-memory exporter.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use iftracer::opentelemetry::context::FutureExt as _;
use iftracer::opentelemetry::trace::{TraceContextExt, Tracer};
use iftracer::opentelemetry::{Context, global};
use iftracer::opentelemetry_sdk::trace::InMemorySpanExporter;
use iftracer::{ExportMode, Iftracer, TracerGuard};
use iftracer_temporal::TracingInterceptor;
use temporalio_client::{Client, ClientOptions, Connection, ConnectionOptions};
use temporalio_sdk::{Runtime as TemporalRuntime, Worker, WorkerOptions};

use crate::server::DevServer;
use crate::spans::{self, SpanRec};
use crate::tools::Tools;
use crate::workflows::{
    CancelActivityWorkflow, ChildWorkflow, ContinueWorkflow, FailingWorkflow, MessageWorkflow,
    ParentWorkflow, RetryWorkflow, TaskFailureWorkflow, TestActivities,
};

/// The task queue of the in-process worker whose workflow cache is off: every workflow task
/// replays the history before it.
pub const TASK_QUEUE: &str = "iftracer-rust-scenarios";
/// The task queue of the in-process worker with the default workflow cache.
pub const CACHED_TASK_QUEUE: &str = "iftracer-rust-scenarios-cached";
/// The task queue of a caching worker whose interceptor has `always_create_workflow_spans`.
pub const ALWAYS_TASK_QUEUE: &str = "iftracer-rust-scenarios-always";
/// How long one client call may take before the scenario fails.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Harness {
    pub tools: Tools,
    pub runtime: Arc<tokio::runtime::Runtime>,
    pub client: Client,
    pub tracing: TracingInterceptor,
    exporter: InMemorySpanExporter,
    workers: Vec<WorkerHandle>,
    guard: TracerGuard,
    // Dropped last: the worker and client need it until they stop.
    pub server: DevServer,
}

impl Harness {
    pub fn start() -> Result<Harness, String> {
        let tools = Tools::locate()?;
        let server = DevServer::start(&tools)?;
        let exporter = InMemorySpanExporter::default();
        let guard = Iftracer::builder()
            .ignore_env()
            .service_name("iftracer-temporal-tests")
            .exporter(exporter.clone())
            .export_mode(ExportMode::Simple)
            .tracing_subscriber(false)
            .init()
            .map_err(|e| e.to_string())?;
        let runtime = Arc::new(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?,
        );
        let tracing = TracingInterceptor::new();
        let client = runtime.block_on(connect(&server.address, Some(&tracing)))?;
        let workers = vec![
            start_worker(&runtime, client.clone(), &tracing, TASK_QUEUE, 0)?,
            start_worker(&runtime, client.clone(), &tracing, CACHED_TASK_QUEUE, 1000)?,
            start_worker(
                &runtime,
                client.clone(),
                &tracing.clone().always_create_workflow_spans(true),
                ALWAYS_TASK_QUEUE,
                1000,
            )?,
        ];
        Ok(Harness {
            tools,
            runtime,
            client,
            tracing,
            exporter,
            workers,
            guard,
            server,
        })
    }

    /// Runs `body` under a root span `scenario`; its result and the trace id. Fails after
    /// [`CALL_TIMEOUT`] instead of hanging the test binary.
    pub fn traced<T>(
        &self,
        body: impl Future<Output = Result<T, String>>,
    ) -> (Result<T, String>, String) {
        let span = global::tracer("scenario").start("scenario");
        let cx = Context::current_with_span(span);
        let trace_id = cx.span().span_context().trace_id().to_string();
        let out = self.runtime.block_on(async {
            tokio::time::timeout(CALL_TIMEOUT, body.with_context(cx.clone()))
                .await
                .unwrap_or_else(|_| Err(format!("no answer within {CALL_TIMEOUT:?}")))
        });
        cx.span().end();
        (out, trace_id)
    }

    /// Every span exported so far.
    pub fn spans(&self) -> Vec<SpanRec> {
        let _ = self.guard.force_flush();
        self.exporter
            .get_finished_spans()
            .unwrap_or_default()
            .iter()
            .map(spans::from_sdk)
            .collect()
    }

    /// The spans of one trace.
    pub fn trace(&self, trace_id: &str) -> Vec<SpanRec> {
        spans::of_trace(&self.spans(), trace_id)
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // The SDK's shutdown spawns on the runtime.
        let _entered = self.runtime.enter();
        let threads: Vec<_> = self
            .workers
            .drain(..)
            .map(|(shutdown, thread)| {
                shutdown();
                thread
            })
            .collect();
        // Bounded: a worker that does not stop must not hang the test binary.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        for thread in threads {
            while !thread.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                eprintln!("a scenario worker did not stop within 30 s");
            }
        }
        let _ = self.guard.shutdown();
    }
}

/// A client of the dev server, traced by `tracing` when given (like a CLI or schedule start
/// when not).
pub async fn connect(
    address: &str,
    tracing: Option<&TracingInterceptor>,
) -> Result<Client, String> {
    let url: temporalio_client::Url = format!("http://{address}")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let connection = Connection::connect(ConnectionOptions::new(url).build())
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let interceptors = tracing
        .map(|t| t.client_interceptor())
        .into_iter()
        .collect();
    let options = ClientOptions::new("default")
        .client_interceptors(interceptors)
        .build();
    Client::new(connection, options).map_err(|e| e.to_string())
}

type WorkerHandle = (Box<dyn Fn() + Send + Sync>, JoinHandle<()>);

/// A worker for every scenario workflow on `task_queue`, on its own thread (the SDK's worker
/// future is not `Send`), driven by the harness runtime.
fn start_worker(
    runtime: &Arc<tokio::runtime::Runtime>,
    client: Client,
    tracing: &TracingInterceptor,
    task_queue: &'static str,
    max_cached_workflows: usize,
) -> Result<WorkerHandle, String> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let runtime = Arc::clone(runtime);
    let tracing = tracing.clone();
    let thread = std::thread::spawn(move || {
        let _entered = runtime.enter();
        let built = (|| -> Result<Worker, String> {
            let temporal = TemporalRuntime::from_current_tokio(Default::default())
                .map_err(|e| e.to_string())?;
            let mut options = WorkerOptions::new(task_queue)
                .max_cached_workflows(max_cached_workflows)
                .register_workflow::<RetryWorkflow>()
                .and_then(|o| o.register_workflow::<MessageWorkflow>())
                .and_then(|o| o.register_workflow::<ParentWorkflow>())
                .and_then(|o| o.register_workflow::<ChildWorkflow>())
                .and_then(|o| o.register_workflow::<ContinueWorkflow>())
                .and_then(|o| o.register_workflow::<FailingWorkflow>())
                .and_then(|o| o.register_workflow::<TaskFailureWorkflow>())
                .and_then(|o| o.register_workflow::<CancelActivityWorkflow>())
                .map_err(|e| e.to_string())?
                .register_activities(TestActivities)
                .build();
            tracing.register_worker(&mut options);
            Worker::new(&temporal, client, options).map_err(|e| e.to_string())
        })();
        match built {
            Ok(mut worker) => {
                let shutdown = worker.shutdown_handle();
                let _ = ready_tx.send(Ok(Box::new(shutdown) as Box<dyn Fn() + Send + Sync>));
                if let Err(e) = runtime.block_on(worker.run()) {
                    eprintln!("the scenario worker stopped: {e}");
                }
            }
            Err(e) => {
                let _ = ready_tx.send(Err(e));
            }
        }
    });
    let shutdown = ready_rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|e| format!("the scenario worker did not start: {e}"))??;
    Ok((shutdown, thread))
}

/// A workflow id or task queue no other scenario uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}-{nanos}-{n}")
}

/// `actual` equals `expected` (leading/trailing blank lines and common indent ignored).
pub fn expect_tree(actual: &[SpanRec], expected: &str) -> Result<(), String> {
    let expected = dedent(expected);
    let actual = spans::tree(actual);
    if actual == expected {
        Ok(())
    } else {
        Err(format!(
            "span tree differs\n--- expected\n{expected}\n--- actual\n{actual}\n"
        ))
    }
}

fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let indent = lines
        .iter()
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| &l[indent..])
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fails with `message` unless `ok`.
pub fn check(ok: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(message()) }
}
