//! One span as the console prints it: `compact` (a line of key facts plus prompt/response
//! previews), `full` (every attribute) or `json` (one object per line).

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::config::console::{ConsoleFormat, ConsoleSettings};

/// Longest attribute value printed by `full`, in characters.
const FULL_VALUE_CHARS: usize = 100;
/// Width of the duration column in `compact`.
const DURATION_WIDTH: usize = 8;

/// Where a span sits in its drawn tree.
pub(crate) struct Place<'a> {
    pub(crate) first_prefix: &'a str,
    pub(crate) rest_prefix: &'a str,
    pub(crate) depth: usize,
    pub(crate) has_children: bool,
    /// Drawn past the indentation limit: the line says its depth instead.
    pub(crate) too_deep: bool,
}

pub(crate) fn header(
    trace: &str,
    orphan_parent: Option<SpanId>,
    settings: &ConsoleSettings,
    out: &mut String,
) {
    if settings.format == ConsoleFormat::Json {
        return;
    }
    let mut line = Line::new(settings);
    line.push(Style::Dim, &format!("trace {trace}"));
    if let Some(parent) = orphan_parent {
        line.push(Style::Error, &format!(" (parent {parent} did not end)"));
    }
    line.finish(out);
}

pub(crate) fn span(
    span: &SpanData,
    place: &Place,
    settings: &ConsoleSettings,
    resource: &[KeyValue],
    out: &mut String,
) {
    match settings.format {
        ConsoleFormat::Compact => compact(span, place, settings, out),
        ConsoleFormat::Full => full(span, place, settings, out),
        ConsoleFormat::Json => json(span, resource, out),
    }
}

fn compact(span: &SpanData, place: &Place, settings: &ConsoleSettings, out: &mut String) {
    let mut line = Line::new(settings);
    // Past the drawing limit the (constant) indentation is left out so the depth mark fits.
    let prefix = if place.too_deep {
        ""
    } else {
        place.first_prefix
    };
    line.push(
        Style::Dim,
        &format!(
            "{:>DURATION_WIDTH$}  {prefix}",
            duration(span.start_time, span.end_time),
        ),
    );
    if place.too_deep {
        line.push(Style::Dim, &format!("↳ (depth {}) ", place.depth));
    }
    line.push(Style::Name, &span.name);
    if let Status::Error { description } = &span.status {
        let message = if description.is_empty() {
            "error"
        } else {
            description
        };
        line.push(Style::Error, &format!("  ✗ {}", one_line(message)));
    }
    let facts = facts(span, place.depth);
    if !facts.is_empty() {
        line.push(Style::Fact, &format!("  {}", facts.join(" · ")));
    }
    line.finish(out);
    let indent = format!(
        "{:DURATION_WIDTH$}  {}{}",
        "",
        place.rest_prefix,
        if place.has_children { "│ " } else { "  " }
    );
    for (label, key) in [("prompt  ", "chat.prompt"), ("response", "chat.response")] {
        if let Some(text) = find(&span.attributes, &[key]) {
            let mut line = Line::new(settings);
            line.push(Style::Dim, &format!("{indent} {label} "));
            line.push(Style::Preview, &one_line(&text.as_str()));
            line.finish(out);
        }
    }
    for event in span.events.iter() {
        let mut line = Line::new(settings);
        line.push(Style::Dim, &format!("{indent} · "));
        line.push(Style::Plain, &event.name);
        line.finish(out);
    }
}

/// The few attributes that say what a span did, chosen by what it is.
fn facts(span: &SpanData, depth: usize) -> Vec<String> {
    let attrs = &span.attributes;
    let mut facts = Vec::new();
    if span.span_kind != SpanKind::Internal {
        facts.push(kind_name(&span.span_kind).to_owned());
    }
    let model = find(
        attrs,
        &[
            "gen_ai.response.model",
            "gen_ai.request.model",
            "chat.model",
        ],
    );
    if let Some(model) = &model {
        let model = model.as_str();
        if !span.name.contains(model.as_ref()) {
            facts.push(model.into_owned());
        }
        let input = find(attrs, &["gen_ai.usage.input_tokens", "chat.prompt_tokens"]);
        let output = find(
            attrs,
            &["gen_ai.usage.output_tokens", "chat.completion_tokens"],
        );
        if input.is_some() || output.is_some() {
            let show = |v: Option<Value>| v.map_or_else(|| "?".to_owned(), |v| v.to_string());
            facts.push(format!("{}→{} tokens", show(input), show(output)));
        }
        if let Some(Value::F64(seconds)) = find(attrs, &["gen_ai.response.time_to_first_chunk"]) {
            facts.push(format!("first chunk {}", seconds_text(seconds)));
        }
    }
    if let Some(tool) = find(attrs, &["gen_ai.tool.name"]) {
        let tool = tool.as_str();
        if !span.name.contains(tool.as_ref()) {
            facts.push(format!("tool {tool}"));
        }
    }
    let workflow = matches!(
        find(attrs, &["iftracer.span.kind"])
            .map(|v| v.as_str().into_owned())
            .as_deref(),
        Some("workflow")
    );
    if workflow || (depth == 0 && model.is_none()) {
        if let Some(session) = find(attrs, &["gen_ai.conversation.id", "x-session-id"]) {
            facts.push(format!("session {}", session.as_str()));
        }
        if let Some(user) = find(attrs, &["user.id", "x-username"]) {
            facts.push(format!("user {}", user.as_str()));
        }
    }
    facts
}

fn full(span: &SpanData, place: &Place, settings: &ConsoleSettings, out: &mut String) {
    let mut line = Line::unbounded(settings);
    line.push(Style::Dim, place.first_prefix);
    if place.too_deep {
        line.push(Style::Dim, &format!("↳ (depth {}) ", place.depth));
    }
    line.push(Style::Name, &span.name);
    if span.span_kind != SpanKind::Internal {
        line.push(Style::Fact, &format!(" [{}]", kind_name(&span.span_kind)));
    }
    line.push(
        Style::Dim,
        &format!(" {}", duration(span.start_time, span.end_time)),
    );
    if let Status::Error { description } = &span.status {
        line.push(Style::Error, " ERROR");
        if !description.is_empty() {
            line.push(
                Style::Error,
                &format!("({})", shorten(description, FULL_VALUE_CHARS)),
            );
        }
    }
    line.finish(out);
    let bar = if place.has_children { "│  " } else { "   " };
    for kv in span.attributes.iter() {
        let mut line = Line::unbounded(settings);
        line.push(Style::Dim, &format!("{}{bar}  ", place.rest_prefix));
        line.push(Style::Fact, kv.key.as_str());
        line.push(Style::Plain, &format!(" = {}", value_text(&kv.value)));
        line.finish(out);
    }
    for event in span.events.iter() {
        let mut text = format!("{}{bar}· {}", place.rest_prefix, event.name);
        for kv in &event.attributes {
            let _ = write!(text, " {}={}", kv.key, value_text(&kv.value));
        }
        let mut line = Line::unbounded(settings);
        line.push(Style::Plain, &text);
        line.finish(out);
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{:?}", shorten(s.as_str(), FULL_VALUE_CHARS)),
        other => shorten(&other.to_string(), FULL_VALUE_CHARS),
    }
}

fn json(span: &SpanData, resource: &[KeyValue], out: &mut String) {
    use serde_json::{Map, Value as Json, json};
    let attributes = |list: &[KeyValue]| -> Json {
        Json::Object(
            list.iter()
                .map(|kv| (kv.key.to_string(), json_value(&kv.value)))
                .collect::<Map<String, Json>>(),
        )
    };
    let (code, message) = match &span.status {
        Status::Unset => ("unset", None),
        Status::Ok => ("ok", None),
        Status::Error { description } => ("error", Some(description.to_string())),
    };
    let parent = (span.parent_span_id != SpanId::INVALID).then(|| span.parent_span_id.to_string());
    let object = json!({
        "name": span.name,
        "trace_id": span.span_context.trace_id().to_string(),
        "span_id": span.span_context.span_id().to_string(),
        "parent_span_id": parent,
        "parent_is_remote": span.parent_span_is_remote,
        "kind": kind_name(&span.span_kind),
        "start_unix_nano": unix_nanos(span.start_time),
        "end_unix_nano": unix_nanos(span.end_time),
        "duration_ms": span.end_time.duration_since(span.start_time).unwrap_or_default().as_secs_f64() * 1e3,
        "status": {"code": code, "message": message},
        "attributes": attributes(&span.attributes),
        "events": span.events.iter().map(|e| json!({
            "name": e.name,
            "time_unix_nano": unix_nanos(e.timestamp),
            "attributes": attributes(&e.attributes),
        })).collect::<Vec<_>>(),
        "scope": span.instrumentation_scope.name(),
        "resource": attributes(resource),
    });
    out.push_str(&object.to_string());
    out.push('\n');
}

fn json_value(value: &Value) -> serde_json::Value {
    use opentelemetry::Array;
    use serde_json::Value as Json;
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::I64(i) => Json::from(*i),
        Value::F64(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.to_string()),
        Value::Array(Array::Bool(v)) => Json::from(v.clone()),
        Value::Array(Array::I64(v)) => Json::from(v.clone()),
        Value::Array(Array::F64(v)) => Json::from(v.clone()),
        Value::Array(Array::String(v)) => {
            Json::from(v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        }
        other => Json::String(other.to_string()),
    }
}

fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn find(attrs: &[KeyValue], keys: &[&str]) -> Option<Value> {
    keys.iter()
        .find_map(|key| attrs.iter().find(|kv| kv.key.as_str() == *key))
        .map(|kv| kv.value.clone())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

pub(crate) fn kind_name(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Client => "client",
        SpanKind::Server => "server",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    }
}

pub(crate) fn duration(start: SystemTime, end: SystemTime) -> String {
    seconds_text(end.duration_since(start).unwrap_or_default().as_secs_f64())
}

pub(crate) fn seconds_text(seconds: f64) -> String {
    let micros = seconds * 1e6;
    if micros < 1000.0 {
        format!("{micros:.0}µs")
    } else if micros < 1_000_000.0 {
        format!("{:.2}ms", micros / 1000.0)
    } else {
        format!("{:.2}s", micros / 1e6)
    }
}

#[derive(Clone, Copy)]
enum Style {
    Plain,
    Dim,
    Name,
    Fact,
    Preview,
    Error,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Plain => "",
            Style::Dim | Style::Preview => "\x1b[2m",
            Style::Name => "\x1b[1m",
            Style::Fact => "\x1b[36m",
            Style::Error => "\x1b[1;31m",
        }
    }
}

/// A line of styled pieces, cut to a width in characters (escape codes do not count).
struct Line {
    color: bool,
    room: usize,
    text: String,
    cut: bool,
}

impl Line {
    fn new(settings: &ConsoleSettings) -> Self {
        Line {
            color: settings.color,
            room: settings.width,
            text: String::new(),
            cut: false,
        }
    }

    fn unbounded(settings: &ConsoleSettings) -> Self {
        Line {
            room: usize::MAX,
            ..Line::new(settings)
        }
    }

    fn push(&mut self, style: Style, piece: &str) {
        if self.cut || piece.is_empty() {
            return;
        }
        let styled = self.color && !style.code().is_empty();
        if styled {
            self.text.push_str(style.code());
        }
        let count = piece.chars().count();
        if count <= self.room {
            self.text.push_str(piece);
            self.room -= count;
        } else {
            // One column is kept for the ellipsis.
            let keep = self.room.saturating_sub(1);
            self.text.extend(piece.chars().take(keep));
            self.text.push('…');
            self.cut = true;
        }
        if styled {
            self.text.push_str("\x1b[0m");
        }
    }

    fn finish(self, out: &mut String) {
        out.push_str(self.text.trim_end());
        out.push('\n');
    }
}
