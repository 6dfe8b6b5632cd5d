//! The default exporter when no endpoint is configured: prints each finished trace as a tree.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// Longest attribute value printed, in characters; the tree is for reading, not for storage.
const MAX_VALUE_CHARS: usize = 60;

/// Prints each trace as an indented tree once its local root span ends.
///
/// Each line shows the span name, its kind (unless internal), its duration and its attributes
/// (long values shortened); errors and events get their own marks. Spans whose parent never
/// ends in this process are printed at shutdown.
///
/// ```
/// use iftracer::ConsoleExporter;
/// use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
///
/// let provider = iftracer::opentelemetry_sdk::trace::SdkTracerProvider::builder()
///     .with_simple_exporter(ConsoleExporter::new())
///     .build();
/// provider.tracer("demo").in_span("hello", |_| {});
/// ```
pub struct ConsoleExporter {
    out: Mutex<Box<dyn Write + Send>>,
    pending: Mutex<Pending>,
}

/// Spans waiting for their parent to end, per trace, with when the trace started waiting.
#[derive(Default)]
struct Pending {
    traces: HashMap<TraceId, (Instant, Vec<SpanData>)>,
    spans: usize,
}

/// Most spans held waiting for a parent; beyond it the oldest trace is printed as it is.
const MAX_PENDING_SPANS: usize = 4096;
/// Longest a trace waits for a parent that has not ended before it is printed as it is.
const MAX_PENDING_AGE: Duration = Duration::from_secs(30);

impl Pending {
    fn take(&mut self, trace_id: &TraceId) -> Vec<SpanData> {
        match self.traces.remove(trace_id) {
            Some((_, spans)) => {
                self.spans -= spans.len();
                spans
            }
            None => Vec::new(),
        }
    }

    fn put(&mut self, trace_id: TraceId, since: Option<Instant>, spans: Vec<SpanData>) {
        self.spans += spans.len();
        let entry = self
            .traces
            .entry(trace_id)
            .or_insert_with(|| (since.unwrap_or_else(Instant::now), Vec::new()));
        entry.1.extend(spans);
    }

    /// Traces that waited too long, or the oldest ones while too many spans wait.
    fn overdue(&mut self, now: Instant) -> Vec<Vec<SpanData>> {
        let mut overdue: Vec<TraceId> = self
            .traces
            .iter()
            .filter(|(_, (since, _))| now.duration_since(*since) >= MAX_PENDING_AGE)
            .map(|(id, _)| *id)
            .collect();
        let mut out: Vec<Vec<SpanData>> = overdue.drain(..).map(|id| self.take(&id)).collect();
        while self.spans > MAX_PENDING_SPANS {
            let Some(oldest) = self
                .traces
                .iter()
                .min_by_key(|(_, (since, _))| *since)
                .map(|(id, _)| *id)
            else {
                break;
            };
            out.push(self.take(&oldest));
        }
        out
    }
}

impl ConsoleExporter {
    /// Prints to standard output.
    pub fn new() -> Self {
        Self::with_writer(std::io::stdout())
    }

    /// Prints to any writer, e.g. a file or a buffer in a test.
    pub fn with_writer(writer: impl Write + Send + 'static) -> Self {
        ConsoleExporter {
            out: Mutex::new(Box::new(writer)),
            pending: Mutex::new(Pending::default()),
        }
    }

    fn write(&self, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        // A closed stdout must not turn into an export failure or a panic.
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }

    /// Prints every span still waiting for its parent.
    fn print_leftovers(&self) {
        let leftovers: Vec<Vec<SpanData>> = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            pending.spans = 0;
            pending
                .traces
                .drain()
                .map(|(_, (_, spans))| spans)
                .collect()
        };
        let mut text = String::new();
        for spans in leftovers {
            render_forest(&spans, true, &mut text);
        }
        if !text.is_empty() {
            self.write(&text);
        }
    }
}

impl Default for ConsoleExporter {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleExporter").finish_non_exhaustive()
    }
}

impl SpanExporter for ConsoleExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let mut text = String::new();
        {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            for span in batch {
                let trace_id = span.span_context.trace_id();
                let is_local_root = is_local_root(&span);
                let since = pending.traces.get(&trace_id).map(|(since, _)| *since);
                pending.put(trace_id, since, vec![span]);
                if is_local_root {
                    let spans = pending.take(&trace_id);
                    let rest = render_forest(&spans, false, &mut text);
                    if !rest.is_empty() {
                        pending.put(trace_id, since, rest);
                    }
                }
            }
            // Bounded: what waits too long or too much is printed, marked, as it is.
            for spans in pending.overdue(Instant::now()) {
                render_forest(&spans, true, &mut text);
            }
        }
        if !text.is_empty() {
            self.write(&text);
        }
        std::future::ready(Ok(()))
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        self.print_leftovers();
        Ok(())
    }
}

fn is_local_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote
}

/// Deepest level drawn with its own indentation: a chain of thousands of spans must not print
/// lines of quadratic length.
const MAX_DRAWN_DEPTH: usize = 32;

/// Renders every tree rooted at a local root and returns the spans left out: descendants of a
/// span that has not ended yet. With `orphans`, those are printed too, each under its own header.
/// Iterative and linear in the number of spans, whatever the depth.
fn render_forest(spans: &[SpanData], orphans: bool, out: &mut String) -> Vec<SpanData> {
    let ids: HashSet<SpanId> = spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut children: HashMap<SpanId, Vec<&SpanData>> = HashMap::new();
    let mut roots: Vec<&SpanData> = Vec::new();
    for span in spans {
        if is_local_root(span) || !ids.contains(&span.parent_span_id) {
            roots.push(span);
        } else {
            children.entry(span.parent_span_id).or_default().push(span);
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|s| s.start_time);
    }
    // Only complete trees are printed: a root whose own parent is still running waits.
    let (ready, waiting): (Vec<&SpanData>, Vec<&SpanData>) = if orphans {
        (roots, Vec::new())
    } else {
        roots.into_iter().partition(|s| is_local_root(s))
    };
    for root in &ready {
        let _ = write!(out, "trace {}", root.span_context.trace_id());
        if !is_local_root(root) {
            let _ = write!(out, " (parent {} did not end)", root.parent_span_id);
        }
        out.push('\n');
        render_tree(root, &children, out);
    }
    let mut rest = Vec::new();
    for span in waiting {
        collect(span, &children, &mut rest);
    }
    rest
}

/// `span` and all its descendants.
fn collect(span: &SpanData, children: &HashMap<SpanId, Vec<&SpanData>>, into: &mut Vec<SpanData>) {
    let mut stack = vec![span];
    while let Some(span) = stack.pop() {
        into.push(span.clone());
        if let Some(kids) = children.get(&span.span_context.span_id()) {
            stack.extend(kids.iter().rev());
        }
    }
}

/// Draws `root` and its descendants, depth first, with an explicit stack.
fn render_tree(root: &SpanData, children: &HashMap<SpanId, Vec<&SpanData>>, out: &mut String) {
    // (span, its line's prefix, its children's prefix, depth)
    let mut stack: Vec<(&SpanData, String, String, usize)> =
        vec![(root, String::new(), String::new(), 0)];
    while let Some((span, first_prefix, rest_prefix, depth)) = stack.pop() {
        let kids = children
            .get(&span.span_context.span_id())
            .map(Vec::as_slice)
            .unwrap_or_default();
        render_line(
            span,
            &first_prefix,
            &rest_prefix,
            depth,
            !kids.is_empty(),
            out,
        );
        for (i, child) in kids.iter().enumerate().rev() {
            let last = i + 1 == kids.len();
            let (branch, continuation) = match (depth < MAX_DRAWN_DEPTH, last) {
                (false, _) => ("", ""),
                (true, true) => ("└─ ", "   "),
                (true, false) => ("├─ ", "│  "),
            };
            stack.push((
                child,
                format!("{rest_prefix}{branch}"),
                format!("{rest_prefix}{continuation}"),
                depth + 1,
            ));
        }
    }
}

fn render_line(
    span: &SpanData,
    first_prefix: &str,
    rest_prefix: &str,
    depth: usize,
    has_children: bool,
    out: &mut String,
) {
    out.push_str(first_prefix);
    if depth > MAX_DRAWN_DEPTH {
        let _ = write!(out, "↳ (depth {depth}) ");
    }
    out.push_str(&span.name);
    if span.span_kind != SpanKind::Internal {
        let _ = write!(out, " [{}]", kind_name(&span.span_kind));
    }
    let _ = write!(out, " {}", duration(span.start_time, span.end_time));
    if let Status::Error { description } = &span.status {
        let _ = write!(out, " ERROR");
        if !description.is_empty() {
            let _ = write!(out, "({})", shorten(description));
        }
    }
    write_attributes(&span.attributes, out);
    out.push('\n');
    for event in span.events.iter() {
        let bar = if has_children { "│  " } else { "   " };
        let _ = write!(out, "{rest_prefix}{bar}· {}", event.name);
        write_attributes(&event.attributes, out);
        out.push('\n');
    }
}

fn write_attributes(attributes: &[KeyValue], out: &mut String) {
    for kv in attributes {
        let value = match &kv.value {
            Value::String(s) => format!("{:?}", shorten(s.as_str())),
            other => shorten(&other.to_string()),
        };
        let _ = write!(out, " {}={}", kv.key, value);
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn kind_name(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Client => "client",
        SpanKind::Server => "server",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    }
}

fn duration(start: SystemTime, end: SystemTime) -> String {
    let micros = end.duration_since(start).unwrap_or_default().as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.0}µs")
    } else if micros < 1_000_000.0 {
        format!("{:.2}ms", micros / 1000.0)
    } else {
        format!("{:.2}s", micros / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{Span as _, TraceContextExt, Tracer, TracerProvider};
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Buffer {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn prints_a_finished_trace_as_an_indented_tree() {
        let buffer = Buffer::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(ConsoleExporter::with_writer(buffer.clone()))
            .build();
        let tracer = provider.tracer("t");
        tracer.in_span("research.workflow", |cx| {
            tracer.in_span("ask_llm.task", |cx| {
                cx.span()
                    .set_attribute(KeyValue::new("chat.model", "gpt-4o"));
                cx.span()
                    .set_attribute(KeyValue::new("chat.total_tokens", 42));
                tracer.in_span("chat gpt-4o", |_| {});
            });
            let mut failing = tracer.start("summarize.task");
            failing.add_event(
                "exception",
                vec![KeyValue::new("exception.message", "boom")],
            );
            failing.set_status(Status::error("boom"));
            failing.end();
            assert!(cx.span().is_recording());
        });
        let text = buffer.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert!(lines[0].starts_with("trace "), "{text}");
        assert!(lines[1].starts_with("research.workflow "), "{text}");
        assert!(
            lines[2].starts_with("├─ ask_llm.task ")
                && lines[2].ends_with(" chat.model=\"gpt-4o\" chat.total_tokens=42"),
            "{text}"
        );
        assert!(lines[3].starts_with("│  └─ chat gpt-4o "), "{text}");
        assert!(
            lines[4].starts_with("└─ summarize.task ") && lines[4].contains(" ERROR(boom)"),
            "{text}"
        );
        assert_eq!(
            lines[5], "      · exception exception.message=\"boom\"",
            "{text}"
        );
    }

    #[test]
    fn long_values_are_shortened_and_orphans_print_at_shutdown() {
        let buffer = Buffer::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(ConsoleExporter::with_writer(buffer.clone()))
            .build();
        let tracer = provider.tracer("t");
        let root = tracer.start("root");
        let cx = opentelemetry::Context::current_with_span(root);
        let mut child = tracer.start_with_context("child", &cx);
        child.set_attribute(KeyValue::new("chat.prompt", "x".repeat(500)));
        child.end();
        assert_eq!(buffer.text(), "", "nothing prints before the root ends");
        provider.shutdown().unwrap();
        let text = buffer.text();
        assert!(
            text.contains(&format!("chat.prompt=\"{}…\"", "x".repeat(60))),
            "{text}"
        );
        assert!(text.contains("child"), "{text}");
        drop(cx);
    }

    #[test]
    fn a_chain_of_100_000_spans_prints_without_overflowing_the_stack() {
        use opentelemetry::trace::{SpanContext, TraceFlags, TraceState};
        use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
        let trace_id = TraceId::from(1);
        let span = |id: u64, parent: u64| SpanData {
            span_context: SpanContext::new(
                trace_id,
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: "step".into(),
            start_time: SystemTime::UNIX_EPOCH,
            end_time: SystemTime::UNIX_EPOCH,
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: opentelemetry::InstrumentationScope::builder("t").build(),
        };
        let depth = 100_000u64;
        // Children end first, as they do; the root (id 1) last.
        let mut spans: Vec<SpanData> = (2..=depth).rev().map(|id| span(id, id - 1)).collect();
        spans.push(span(1, 0));
        let buffer = Buffer::default();
        let exporter = ConsoleExporter::with_writer(buffer.clone());
        futures_executor_block_on(exporter.export(spans)).unwrap();
        let text = buffer.text();
        assert_eq!(
            text.lines().count(),
            depth as usize + 1,
            "a header and one line per span"
        );
        let longest = text.lines().map(str::len).max().unwrap();
        assert!(longest < 200, "indentation stops growing: {longest} bytes");
        assert!(text.contains("↳ (depth 99999) step"));
    }

    #[test]
    fn spans_waiting_for_a_parent_are_bounded() {
        use opentelemetry::trace::{Span as _, Tracer as _};
        let buffer = Buffer::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(ConsoleExporter::with_writer(buffer.clone()))
            .build();
        let tracer = provider.tracer("t");
        let root = opentelemetry::Context::current_with_span(tracer.start("never ends"));
        for _ in 0..MAX_PENDING_SPANS + 1 {
            tracer.start_with_context("child", &root).end();
        }
        let text = buffer.text();
        assert!(text.contains("did not end"), "printed, marked as an orphan");
        assert_eq!(text.matches("child").count(), MAX_PENDING_SPANS + 1);
        drop(root);
    }

    fn futures_executor_block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }
}
