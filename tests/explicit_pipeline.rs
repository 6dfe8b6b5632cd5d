//! One pipeline as the source of truth: with `.global(false)`, the guard's pipeline, attached
//! where it should be used, is the one the macros, `LlmCall`/`LlmSpan` and `iftracer::
//! vocabularies()` record with, with its own vocabularies, content capture and LLM span kind;
//! a globally installed pipeline serves everything outside.

use std::sync::{Mutex, MutexGuard, PoisonError};

use iftracer::llm::LlmCall;
use iftracer::opentelemetry::Value;
use iftracer::opentelemetry::trace::{FutureExt, SpanKind};
use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use iftracer::{ExportMode, Iftracer, IftracerBuilder, Pipeline, Vocabularies, task, workflow};

/// The tests share the process-wide state (the global pipeline): one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn builder(spans: &InMemorySpanExporter) -> IftracerBuilder {
    Iftracer::builder()
        .ignore_env()
        .exporter(spans.clone())
        .export_mode(ExportMode::Simple)
}

#[task]
fn summarise(text: &str) -> usize {
    LlmCall::chat("gpt-4o")
        .prompt(text)
        .response("short")
        .usage(3, 1)
        .record_on_current();
    text.len()
}

#[workflow]
async fn research(topic: String) -> usize {
    tokio::task::yield_now().await;
    summarise(&topic)
}

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn names(spans: &[SpanData]) -> Vec<&str> {
    spans.iter().map(|s| s.name.as_ref()).collect()
}

#[test]
fn macros_and_llm_calls_record_into_the_attached_pipeline_with_its_settings() {
    let _serial = serial();
    let spans = InMemorySpanExporter::default();
    let guard = builder(&spans)
        .global(false)
        .vocabularies(Vocabularies::GENAI)
        .capture_content(false)
        .init()
        .unwrap();
    let pipeline = guard.pipeline().expect("tracing is on");
    {
        let _in_effect = pipeline.attach();
        assert!(Pipeline::current().is_some());
        assert_eq!(iftracer::vocabularies(), Vocabularies::GENAI);
        assert_eq!(summarise("a long text"), 11);
        LlmCall::chat("gpt-4o").prompt("hi").start_span().end();
    }
    // Outside the attachment nothing reaches this pipeline.
    summarise("outside");
    LlmCall::chat("gpt-4o").start_span().end();

    let finished = spans.get_finished_spans().unwrap();
    assert_eq!(names(&finished), ["summarise.task", "chat gpt-4o"]);
    let (task, llm) = (&finished[0], &finished[1]);
    // The pipeline's vocabularies (GenAI only) on the call recorded on the task's span...
    assert_eq!(
        attribute(task, "gen_ai.request.model"),
        Some(&Value::from("gpt-4o"))
    );
    assert_eq!(
        attribute(task, "gen_ai.usage.input_tokens"),
        Some(&Value::I64(3))
    );
    for span in [task, llm] {
        assert!(
            span.attributes
                .iter()
                .all(|kv| !kv.key.as_str().starts_with("chat.")),
            "no InsightFinder vocabulary on {}: {:?}",
            span.name,
            span.attributes
        );
    }
    // ...its content capture (off: no arguments, no messages)...
    assert_eq!(attribute(task, "iftracer.entity.input"), None);
    assert_eq!(attribute(task, "gen_ai.input.messages"), None);
    // ...and its LLM span kind (CLIENT without the InsightFinder vocabulary).
    assert_eq!(llm.span_kind, SpanKind::Client);
    assert_eq!(guard.stats().spans_ended, 2);
    guard.shutdown().unwrap();
}

#[test]
fn a_future_run_in_the_pipeline_context_records_into_it_on_any_thread() {
    let _serial = serial();
    let spans = InMemorySpanExporter::default();
    let guard = builder(&spans).global(false).init().unwrap();
    let cx = guard.pipeline().unwrap().context();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let length = runtime
        .block_on(runtime.spawn(research("a topic".into()).with_context(cx)))
        .unwrap();
    assert_eq!(length, 7);

    let finished = spans.get_finished_spans().unwrap();
    assert_eq!(names(&finished), ["summarise.task", "research.workflow"]);
    assert_eq!(
        finished[0].parent_span_id,
        finished[1].span_context.span_id()
    );
    // The default vocabularies of this pipeline: InsightFinder's pair on the task.
    assert_eq!(
        attribute(&finished[0], "chat.prompt"),
        Some(&Value::from("a topic"))
    );
    guard.shutdown().unwrap();
}

#[test]
fn an_attached_pipeline_wins_over_the_global_one_only_where_attached() {
    let _serial = serial();
    let global_spans = InMemorySpanExporter::default();
    let global = builder(&global_spans)
        .vocabularies(Vocabularies::INSIGHTFINDER)
        .init()
        .unwrap();
    let own_spans = InMemorySpanExporter::default();
    let own = builder(&own_spans)
        .global(false)
        .vocabularies(Vocabularies::OPENINFERENCE)
        .init()
        .unwrap();

    summarise("to the global pipeline");
    {
        let _in_effect = own.pipeline().unwrap().attach();
        assert_eq!(iftracer::vocabularies(), Vocabularies::OPENINFERENCE);
        summarise("to the attached pipeline");
    }
    summarise("global again");

    let global_finished = global_spans.get_finished_spans().unwrap();
    assert_eq!(
        names(&global_finished),
        ["summarise.task", "summarise.task"]
    );
    for span in &global_finished {
        assert!(attribute(span, "chat.prompt").is_some());
        assert_eq!(attribute(span, "llm.model_name"), None);
    }
    let own_finished = own_spans.get_finished_spans().unwrap();
    assert_eq!(names(&own_finished), ["summarise.task"]);
    assert_eq!(
        attribute(&own_finished[0], "llm.model_name"),
        Some(&Value::from("gpt-4o"))
    );
    assert_eq!(attribute(&own_finished[0], "chat.prompt"), None);
    assert_eq!(
        (global.stats().spans_ended, own.stats().spans_ended),
        (2, 1)
    );
    assert_eq!(iftracer::stats(), global.stats());
    own.shutdown().unwrap();
    global.shutdown().unwrap();
}
