//! Async functions, futures, `#[async_trait]`, async fn in traits, cancellation, streams, and
//! context across `tokio::spawn`.

mod common;

use std::time::Duration;

use common::{Harness, attr, names};
use iftracer::opentelemetry::context::FutureExt;
use iftracer::{agent, task, tool, workflow};

#[workflow]
async fn pipeline(question: String) -> String {
    let facts = retrieve(&question).await;
    let handle = tokio::spawn(summarize(facts).with_current_context());
    handle.await.unwrap()
}

#[task]
async fn retrieve(question: &str) -> Vec<String> {
    tokio::task::yield_now().await;
    vec![format!("fact about {question}")]
}

#[task]
async fn summarize(facts: Vec<String>) -> String {
    tokio::time::sleep(Duration::from_millis(1)).await;
    facts.join("; ")
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_spans_nest_across_await_and_spawn_and_stay_send() {
    let harness = Harness::new();
    let answer = assert_send(pipeline("otlp".to_owned())).await;
    assert_eq!(answer, "fact about otlp");
    let workflow = harness.span("pipeline.workflow");
    let retrieve = harness.span("retrieve.task");
    let summarize = harness.span("summarize.task");
    assert_eq!(retrieve.parent_span_id, workflow.span_context.span_id());
    assert_eq!(summarize.parent_span_id, workflow.span_context.span_id());
    assert_eq!(
        attr(&summarize, "iftracer.workflow.name").as_deref(),
        Some("pipeline")
    );
    assert_eq!(
        attr(&summarize, "iftracer.entity.input").as_deref(),
        Some(r#"{"facts":["fact about otlp"]}"#)
    );
    assert_eq!(
        attr(&workflow, "iftracer.entity.output").as_deref(),
        Some(r#""fact about otlp""#)
    );
    assert!(
        summarize
            .end_time
            .duration_since(summarize.start_time)
            .unwrap()
            >= Duration::from_millis(1)
    );
}

#[task]
async fn slow() -> u32 {
    tokio::time::sleep(Duration::from_secs(60)).await;
    1
}

#[tokio::test]
async fn a_dropped_future_ends_its_span_marked_cancelled() {
    let harness = Harness::new();
    let result = tokio::time::timeout(Duration::from_millis(5), slow()).await;
    assert!(result.is_err());
    let span = harness.span("slow.task");
    assert_eq!(
        attr(&span, "iftracer.entity.cancelled").as_deref(),
        Some("true")
    );
}

#[tool]
#[allow(clippy::manual_async_fn)]
fn lookup(key: u32) -> impl std::future::Future<Output = u32> + Send {
    async move { key + 1 }
}

trait Agent {
    async fn act(&self, input: u32) -> u32;
}

struct Doubler;

impl Agent for Doubler {
    #[agent]
    async fn act(&self, input: u32) -> u32 {
        lookup(input).await * 2
    }
}

#[async_trait::async_trait]
trait BoxedAgent {
    async fn act_boxed(&self, input: u32) -> Result<u32, String>;
}

#[async_trait::async_trait]
impl BoxedAgent for Doubler {
    #[agent(name = "boxed")]
    async fn act_boxed(&self, input: u32) -> Result<u32, String> {
        if input == 0 {
            return Err("zero".to_owned());
        }
        Ok(lookup(input).await)
    }
}

#[tokio::test]
async fn impl_future_async_fn_in_traits_and_async_trait() {
    let harness = Harness::new();
    assert_eq!(Doubler.act(1).await, 4);
    assert_eq!(Doubler.act_boxed(2).await, Ok(3));
    assert_eq!(Doubler.act_boxed(0).await, Err("zero".to_owned()));
    assert_eq!(
        names(&harness.spans()),
        [
            "lookup.tool",
            "act.agent",
            "lookup.tool",
            "boxed.agent",
            "boxed.agent"
        ]
    );
    let spans = harness.spans();
    assert_eq!(spans[0].parent_span_id, spans[1].span_context.span_id());
    assert_eq!(spans[2].parent_span_id, spans[3].span_context.span_id());
    assert_eq!(
        attr(&spans[0], "iftracer.entity.output").as_deref(),
        Some("2")
    );
    assert_eq!(attr(&spans[4], "error").as_deref(), Some("zero"));
}

#[task(stream)]
fn tokens(n: u32) -> impl futures_util::Stream<Item = u32> {
    futures_util::stream::iter(0..n)
}

#[tokio::test]
async fn a_stream_span_lasts_until_the_stream_ends() {
    use futures_util::StreamExt;
    let harness = Harness::new();
    let mut stream = tokens(3);
    assert!(
        harness.spans().is_empty(),
        "still open while the stream runs"
    );
    let mut seen = Vec::new();
    while let Some(token) = stream.next().await {
        seen.push(token);
    }
    assert_eq!(seen, [0, 1, 2]);
    let span = harness.span("tokens.task");
    assert!(attr(&span, "iftracer.entity.cancelled").is_none());
    drop(stream);
    assert_eq!(harness.spans().len(), 1, "ended exactly once");
}
