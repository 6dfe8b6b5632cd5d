//! Prompt templates (iftracer-sdk's `set_prompt`): the template, its variables and its version
//! reach the LLM calls made beneath them, follow the context across `.await` and spawned tasks,
//! and go through the privacy controls like other content.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use iftracer::llm::{LlmCall, PromptTemplate};
use iftracer::opentelemetry::context::FutureExt as _;
use iftracer::opentelemetry::{Context, Value};
use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use iftracer::privacy::Detector;
use iftracer::{AssociationsExt, ExportMode, Iftracer, IftracerBuilder, TracerGuard};

static LOCK: Mutex<()> = Mutex::new(());

fn pipeline(
    configure: impl FnOnce(IftracerBuilder) -> IftracerBuilder,
) -> (MutexGuard<'static, ()>, InMemorySpanExporter, TracerGuard) {
    let lock = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let exporter = InMemorySpanExporter::default();
    let builder = Iftracer::builder()
        .ignore_env()
        .tracing_subscriber(false)
        .exporter(exporter.clone())
        .export_mode(ExportMode::Simple);
    let guard = configure(builder).init().unwrap();
    (lock, exporter, guard)
}

/// The `iftracer.prompt.*` attributes of the LLM call whose `chat.prompt` is `prompt`.
fn prompt_attributes(spans: &[SpanData], prompt: &str) -> BTreeMap<String, Value> {
    let span = spans
        .iter()
        .find(|s| {
            s.attributes
                .iter()
                .any(|kv| kv.key.as_str() == "chat.prompt" && kv.value.as_str() == prompt)
        })
        .unwrap_or_else(|| panic!("no call with prompt {prompt:?} in {spans:#?}"));
    span.attributes
        .iter()
        .filter(|kv| kv.key.as_str().starts_with("iftracer.prompt."))
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

fn expected(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn call(prompt: &str) {
    LlmCall::chat("gpt-4o")
        .prompt(prompt)
        .response("ok")
        .start_span()
        .end();
}

fn greeting() -> PromptTemplate {
    PromptTemplate::new("Greet {name} in {language}.")
        .variable("name", "Ann")
        .variable("language", "French")
        .version(2)
}

fn greeting_attributes() -> BTreeMap<String, Value> {
    expected(&[
        ("iftracer.prompt.managed", false.into()),
        (
            "iftracer.prompt.template",
            "Greet {name} in {language}.".into(),
        ),
        ("iftracer.prompt.template_variables.name", "Ann".into()),
        (
            "iftracer.prompt.template_variables.language",
            "French".into(),
        ),
        ("iftracer.prompt.version", 2.into()),
    ])
}

async fn after_an_await() {
    tokio::task::yield_now().await;
    call("awaited");
}

#[test]
fn the_template_follows_the_context_to_the_calls_beneath_it() {
    let (_lock, exporter, guard) = pipeline(|b| b);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    call("before");
    let cx = Context::current().with_prompt_template(greeting());
    runtime.block_on(
        async {
            after_an_await().await;
            tokio::spawn(async { call("spawned") }.with_current_context())
                .await
                .unwrap();
            // A template set beneath replaces the outer one for its calls.
            let inner = Context::current().with_prompt_template(PromptTemplate::new("Inner"));
            async { call("inner") }.with_context(inner).await;
            call("outer again");
        }
        .with_context(cx),
    );
    call("after");
    let spans = exporter.get_finished_spans().unwrap();
    guard.shutdown().unwrap();

    for prompt in ["awaited", "spawned", "outer again"] {
        assert_eq!(
            prompt_attributes(&spans, prompt),
            greeting_attributes(),
            "{prompt}"
        );
    }
    assert_eq!(
        prompt_attributes(&spans, "inner"),
        expected(&[
            ("iftracer.prompt.managed", false.into()),
            ("iftracer.prompt.template", "Inner".into()),
        ])
    );
    for prompt in ["before", "after"] {
        assert_eq!(prompt_attributes(&spans, prompt), expected(&[]), "{prompt}");
    }
}

#[test]
fn with_content_capture_off_only_the_version_stays() {
    let (_lock, exporter, guard) = pipeline(|b| b.capture_content(false));
    {
        let _attached = Context::current().with_prompt_template(greeting()).attach();
        call("hidden");
    }
    let spans = exporter.get_finished_spans().unwrap();
    guard.shutdown().unwrap();
    assert_eq!(spans.len(), 1);
    let attributes: BTreeMap<String, Value> = spans[0]
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str().starts_with("iftracer.prompt."))
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect();
    assert_eq!(
        attributes,
        expected(&[
            ("iftracer.prompt.managed", false.into()),
            ("iftracer.prompt.version", 2.into()),
        ])
    );
}

#[test]
fn template_variables_are_redacted_like_prompts() {
    let (_lock, exporter, guard) = pipeline(|b| b.redact([Detector::Email]));
    {
        let template = PromptTemplate::new("Write to {to}.").variable("to", "jane.doe@example.com");
        let _attached = Context::current().with_prompt_template(template).attach();
        call("Write to jane.doe@example.com.");
    }
    let spans = exporter.get_finished_spans().unwrap();
    guard.shutdown().unwrap();
    assert_eq!(
        prompt_attributes(&spans, "Write to [REDACTED:EMAIL]."),
        expected(&[
            ("iftracer.prompt.managed", false.into()),
            ("iftracer.prompt.template", "Write to {to}.".into()),
            (
                "iftracer.prompt.template_variables.to",
                "[REDACTED:EMAIL]".into()
            ),
        ])
    );
}
