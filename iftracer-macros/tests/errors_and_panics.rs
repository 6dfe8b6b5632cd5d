//! `Err` results and panics are recorded; the panic unwinds unchanged.

mod common;

use common::{Harness, attr};
use iftracer::opentelemetry::trace::Status;
use iftracer::task;

#[derive(Debug)]
struct QuotaExceeded;

impl std::fmt::Display for QuotaExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("quota exceeded")
    }
}

#[task]
fn call_model(fail: bool) -> Result<String, QuotaExceeded> {
    if fail {
        return Err(QuotaExceeded);
    }
    Ok("fine".to_owned())
}

#[task]
fn parse(text: &str) -> std::io::Result<u32> {
    let n: u32 = text.parse().map_err(std::io::Error::other)?;
    Ok(n * 2)
}

#[test]
fn an_err_sets_status_event_and_error_attributes() {
    let harness = Harness::new();
    assert!(call_model(true).is_err());
    let span = harness.span("call_model.task");
    assert_eq!(span.status, Status::error("quota exceeded"));
    assert_eq!(attr(&span, "error").as_deref(), Some("quota exceeded"));
    assert_eq!(attr(&span, "error.type").as_deref(), Some("QuotaExceeded"));
    let event = &span.events.events[0];
    assert_eq!(event.name, "exception");
    assert!(attr(&span, "iftracer.entity.output").is_none());
}

#[test]
fn an_ok_records_the_value_and_no_error() {
    let harness = Harness::new();
    assert_eq!(parse("21").unwrap(), 42);
    assert!(parse("x").is_err(), "`?` inside the body still works");
    let spans = harness.spans();
    assert_eq!(spans[0].status, Status::Unset);
    assert_eq!(
        attr(&spans[0], "iftracer.entity.output").as_deref(),
        Some("42")
    );
    assert_eq!(attr(&spans[1], "error.type").as_deref(), Some("Error"));
}

#[task]
fn explode(message: &'static str) -> u32 {
    panic!("{message}");
}

#[test]
fn a_panic_records_the_error_ends_the_span_and_unwinds_unchanged() {
    let harness = Harness::new();
    let caught = std::panic::catch_unwind(|| explode("boom"));
    let payload = caught.expect_err("the panic propagates");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("boom")
    );
    let span = harness.span("explode.task");
    assert_eq!(span.status, Status::error("the function panicked"));
    assert_eq!(attr(&span, "error.type").as_deref(), Some("panic"));
}
