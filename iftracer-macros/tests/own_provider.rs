//! The macros need no `Iftracer::builder()`: with a provider the application installed itself,
//! the spans still arrive with their names, parents and attributes.

use iftracer::opentelemetry::global;
use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use iftracer::{task, workflow};

#[workflow]
fn outer() -> u32 {
    inner(20)
}

#[task]
fn inner(n: u32) -> u32 {
    n + 1
}

#[test]
fn spans_reach_a_provider_the_app_installed() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    global::set_tracer_provider(provider.clone());
    iftracer::refresh_global_tracer();

    assert_eq!(outer(), 21);

    let spans = exporter.get_finished_spans().unwrap();
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(names, ["inner.task", "outer.workflow"]);
    assert_eq!(spans[0].parent_span_id, spans[1].span_context.span_id());
    let kind = spans[0]
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "iftracer.span.kind")
        .map(|kv| kv.value.as_str().into_owned());
    assert_eq!(kind.as_deref(), Some("task"));
    let input = spans[0]
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "iftracer.entity.input")
        .map(|kv| kv.value.as_str().into_owned());
    assert_eq!(input.as_deref(), Some(r#"{"n":20}"#));
    provider.shutdown().unwrap();
}
