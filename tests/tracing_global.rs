//! The `tracing` bridge as applications get it: the global subscriber `init` installs, its
//! level set by `.tracing_level()`, on a multi-thread tokio runtime where spawned tasks run on
//! other worker threads than the code that spawned them.
//!
//! One test, because a process has one global subscriber.

use std::collections::HashSet;
use std::sync::Mutex;
use std::thread::ThreadId;

use iftracer::opentelemetry::context::FutureExt;
use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use iftracer::{ExportMode, Iftracer, task, workflow};
use tracing::Instrument;

/// Threads the spawned tasks ran on.
static THREADS: Mutex<Option<HashSet<ThreadId>>> = Mutex::new(None);

fn note_thread() {
    THREADS
        .lock()
        .unwrap()
        .get_or_insert_with(HashSet::new)
        .insert(std::thread::current().id());
}

#[task]
async fn step(i: u32) -> u32 {
    tokio::task::yield_now().await;
    note_thread();
    i
}

#[task]
async fn spawned_from_tracing() {
    tokio::task::yield_now().await;
    note_thread();
}

#[workflow]
async fn fan_out() -> u32 {
    // iftracer's context crosses `tokio::spawn` with `with_current_context`; a `tracing` span
    // started in the task takes it as parent.
    let handles: Vec<_> = (0..8)
        .map(|i| {
            tokio::spawn(
                async move {
                    tokio::task::yield_now().await;
                    let call = tracing::info_span!("spawned_call", i);
                    async move {
                        tracing::debug_span!("debug_detail").in_scope(|| {});
                        tracing::trace_span!("trace_detail").in_scope(|| {});
                        step(i).await
                    }
                    .instrument(call)
                    .await
                }
                .with_current_context(),
            )
        })
        .collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await.unwrap();
    }
    // And the other way: a `tracing` span crosses `tokio::spawn` with `in_current_span`, and an
    // iftracer span in the task takes it as parent.
    async {
        tokio::spawn(spawned_from_tracing().in_current_span())
            .await
            .unwrap();
    }
    .instrument(tracing::info_span!("library_batch"))
    .await;
    sum
}

fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no {name:?} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

#[test]
fn the_global_subscriber_carries_spans_across_spawn_on_worker_threads_up_to_its_level() {
    let exporter = InMemorySpanExporter::default();
    let guard = Iftracer::builder()
        .ignore_env()
        .exporter(exporter.clone())
        .export_mode(ExportMode::Simple)
        .tracing_level(tracing::Level::DEBUG)
        .init()
        .unwrap();
    assert!(guard.installed_tracing_subscriber());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(fan_out()), (0..8).sum::<u32>());
    drop(runtime);
    let spans = exporter.get_finished_spans().unwrap();
    guard.shutdown().unwrap();

    let threads = THREADS.lock().unwrap().take().unwrap_or_default();
    assert!(
        !threads.contains(&std::thread::current().id()) && !threads.is_empty(),
        "the spawned tasks ran on the runtime's worker threads"
    );

    let workflow = span(&spans, "fan_out.workflow");
    let trace_id = workflow.span_context.trace_id();
    assert!(
        spans.iter().all(|s| s.span_context.trace_id() == trace_id),
        "one trace"
    );
    let by_id = |id| spans.iter().find(|s| s.span_context.span_id() == id);
    let calls: Vec<&SpanData> = spans.iter().filter(|s| s.name == "spawned_call").collect();
    assert_eq!(calls.len(), 8);
    for call in &calls {
        assert_eq!(call.parent_span_id, workflow.span_context.span_id());
    }
    let children_of_calls = |name: &str| {
        spans
            .iter()
            .filter(|s| s.name == name)
            .map(|s| by_id(s.parent_span_id).map(|p| p.name.as_ref()))
            .collect::<Vec<_>>()
    };
    assert_eq!(children_of_calls("step.task"), [Some("spawned_call"); 8]);
    // `.tracing_level(DEBUG)`: DEBUG spans are exported, TRACE spans are not.
    assert_eq!(children_of_calls("debug_detail"), [Some("spawned_call"); 8]);
    assert!(!spans.iter().any(|s| s.name == "trace_detail"));

    let batch = span(&spans, "library_batch");
    assert_eq!(batch.parent_span_id, workflow.span_context.span_id());
    assert_eq!(
        span(&spans, "spawned_from_tracing.task").parent_span_id,
        batch.span_context.span_id()
    );
}
