//! What `#[instrument]` users write: `skip(self)` on methods, destructured parameters (captured
//! and skipped by the names they bind), `impl Trait` inside a return type.

mod common;

use std::error::Error;

use common::{Harness, attr};
use iftracer::opentelemetry::trace::Status;
use iftracer::task;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

/// The captured input as JSON (key order depends on serde_json's features in the build).
fn input(harness: &Harness, span: &str) -> Option<serde_json::Value> {
    attr(&harness.span(span), "iftracer.entity.input").map(|text| json(&text))
}

#[derive(serde::Serialize)]
struct Point {
    x: i32,
    y: i32,
}

struct Meters(f64);

#[task]
fn add((a, b): (u32, u32)) -> u32 {
    a + b
}

#[task(skip(b))]
fn add_skipping((a, b): (u32, u32)) -> u32 {
    a + b
}

#[task(skip(scale))]
fn norm(Point { x, y: renamed }: Point, Meters(scale): Meters, &[first, ..]: &[u8; 2]) -> f64 {
    f64::from(x * x + renamed * renamed).sqrt() * scale + f64::from(first)
}

#[task]
fn login((user, password): (&str, &str)) -> bool {
    !user.is_empty() && !password.is_empty()
}

#[task]
async fn span_of(Point { x, y }: Point) -> i32 {
    y - x
}

#[tokio::test]
async fn destructured_parameters_are_captured_by_the_names_they_bind() {
    let harness = Harness::new();
    assert_eq!(add((1, 2)), 3);
    assert_eq!(add_skipping((1, 2)), 3);
    assert_eq!(norm(Point { x: 3, y: 4 }, Meters(2.0), &[1, 9]), 11.0);
    assert!(login(("alice", "pw-destructured-0001")));
    assert_eq!(span_of(Point { x: 2, y: 7 }).await, 5);

    assert_eq!(input(&harness, "add.task"), Some(json(r#"{"a":1,"b":2}"#)));
    assert_eq!(
        input(&harness, "add_skipping.task"),
        Some(json(r#"{"a":1}"#))
    );
    // Field `y` bound as `renamed`; `scale` skipped; `first` from a slice pattern.
    assert_eq!(
        input(&harness, "norm.task"),
        Some(json(r#"{"x":3,"renamed":4,"first":1}"#))
    );
    // A bound name that says secret stays out, as a plain parameter's would.
    assert_eq!(
        input(&harness, "login.task"),
        Some(json(r#"{"user":"alice"}"#))
    );
    assert!(!format!("{:?}", harness.spans()).contains("pw-destructured-0001"));
    assert_eq!(
        input(&harness, "span_of.task"),
        Some(json(r#"{"x":2,"y":7}"#))
    );
}

struct Agent {
    prefix: String,
}

impl Agent {
    #[task(skip(self))]
    fn ask(&self, question: &str) -> String {
        format!("{}{question}", self.prefix)
    }

    #[task(skip(self, question), name = "ask_quietly")]
    async fn ask_quietly(&self, question: &str, attempt: u8) -> usize {
        self.prefix.len() + question.len() + usize::from(attempt)
    }
}

#[tokio::test]
async fn skip_self_is_accepted_and_the_other_arguments_are_captured() {
    let harness = Harness::new();
    let agent = Agent {
        prefix: "> ".to_owned(),
    };
    assert_eq!(agent.ask("why?"), "> why?");
    assert_eq!(agent.ask_quietly("how?", 1).await, 7);

    assert_eq!(
        input(&harness, "ask.task"),
        Some(json(r#"{"question":"why?"}"#))
    );
    assert_eq!(
        attr(&harness.span("ask.task"), "iftracer.entity.output").as_deref(),
        Some(r#""> why?""#)
    );
    assert_eq!(
        input(&harness, "ask_quietly.task"),
        Some(json(r#"{"attempt":1}"#))
    );
}

#[task]
fn parse(text: &str) -> Result<impl serde::Serialize, Box<dyn Error>> {
    if text.is_empty() {
        return Err(Box::new(std::fmt::Error));
    }
    let n: u32 = text.parse()?;
    Ok(n * 2)
}

#[task]
async fn parse_later(text: &str) -> Result<impl serde::Serialize, Box<dyn Error>> {
    if text.is_empty() {
        return Err(Box::new(std::fmt::Error));
    }
    let n: u32 = text.parse()?;
    Ok(vec![n])
}

#[tokio::test]
async fn impl_trait_in_a_result_keeps_ok_capture_and_err_recording() {
    let harness = Harness::new();
    assert!(parse("21").is_ok());
    assert!(parse("").is_err());
    assert!(parse_later("7").await.is_ok());
    assert!(parse_later("x").await.is_err());

    let spans = harness.spans();
    let output = |i: usize| attr(&spans[i], "iftracer.entity.output");
    // The `Serialize` hidden behind `impl Serialize` is still captured.
    assert_eq!(output(0).as_deref(), Some("42"));
    assert_eq!(spans[0].status, Status::Unset);
    assert_eq!(
        spans[1].status,
        Status::error("an error occurred when formatting an argument")
    );
    assert_eq!(output(2).as_deref(), Some("[7]"));
    assert_eq!(
        spans[3].status,
        Status::error("invalid digit found in string")
    );
    assert!(output(3).is_none());
}
