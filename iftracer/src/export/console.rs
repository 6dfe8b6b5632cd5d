//! The default exporter when no endpoint is configured: prints each finished trace as a tree.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::console_summary::SummaryReader;
use super::console_view::{self, Place};
use crate::config::console::ConsoleFormat;
use crate::config::console::ConsoleSettings;

/// Prints each trace as an indented tree once its local root span ends.
///
/// The format is chosen by [`crate::ConsoleFormat`] (`compact` by default: one line per span with
/// its duration, status and key facts, plus prompt/response previews). Spans whose parent never
/// ends in this process are printed, marked, after a bounded wait and at shutdown. Built here,
/// it prints compact, uncoloured lines of at most 120 columns unless told otherwise
/// ([`format`](Self::format), [`color`](Self::color), [`width`](Self::width)); the one `init`
/// builds without an endpoint follows `.console_format()` and the environment, and prints the
/// LLM summary at shutdown.
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
    settings: ConsoleSettings,
    resource: Vec<KeyValue>,
    /// The GenAI metrics whose per-model table is printed at shutdown (not in `json`, which is
    /// for machines); set by `init` in terminal mode.
    summary: Option<SummaryReader>,
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
        Self::with_settings(writer, ConsoleSettings::default())
    }

    /// Prints in this format instead of `compact`.
    ///
    /// ```
    /// use iftracer::{ConsoleExporter, ConsoleFormat};
    /// use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
    ///
    /// // e.g. a log file; here standard error.
    /// let exporter = ConsoleExporter::with_writer(std::io::stderr()).format(ConsoleFormat::Json);
    /// let provider = iftracer::opentelemetry_sdk::trace::SdkTracerProvider::builder()
    ///     .with_simple_exporter(exporter)
    ///     .build();
    /// provider.tracer("demo").in_span("hello", |_| {});
    /// ```
    pub fn format(mut self, format: ConsoleFormat) -> Self {
        self.settings.format = format;
        // JSON lines stay free of escape codes, whatever the order of the calls.
        self.settings.color &= format != ConsoleFormat::Json;
        self
    }

    /// Colours names, durations and errors with ANSI escape codes (off by default here; never
    /// in `json`).
    ///
    /// ```
    /// use iftracer::{ConsoleExporter, ConsoleFormat};
    ///
    /// let exporter = ConsoleExporter::with_writer(std::io::stderr())
    ///     .format(ConsoleFormat::Full)
    ///     .color(true);
    /// # drop(exporter);
    /// ```
    pub fn color(mut self, on: bool) -> Self {
        self.settings.color = on && self.settings.format != ConsoleFormat::Json;
        self
    }

    /// The longest line `compact` prints, in characters (120 by default here; at least 1).
    ///
    /// ```
    /// let exporter = iftracer::ConsoleExporter::with_writer(std::io::stderr()).width(80);
    /// # drop(exporter);
    /// ```
    pub fn width(mut self, columns: usize) -> Self {
        self.settings.width = columns.max(1);
        self
    }

    /// Prints the per-model LLM table from these metrics at shutdown.
    pub(crate) fn summarising(mut self, summary: Option<SummaryReader>) -> Self {
        self.summary = summary;
        self
    }

    pub(crate) fn with_settings(
        writer: impl Write + Send + 'static,
        settings: ConsoleSettings,
    ) -> Self {
        ConsoleExporter {
            out: Mutex::new(Box::new(writer)),
            pending: Mutex::new(Pending::default()),
            settings,
            resource: Vec::new(),
            summary: None,
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
            self.render_forest(&spans, true, &mut text);
        }
        if !text.is_empty() {
            self.write(&text);
        }
    }
}

impl ConsoleExporter {
    /// Renders every tree rooted at a local root and returns the spans left out: descendants of a
    /// span that has not ended yet. With `orphans`, those are printed too, each under its own header.
    /// Iterative and linear in the number of spans, whatever the depth.
    fn render_forest(&self, spans: &[SpanData], orphans: bool, out: &mut String) -> Vec<SpanData> {
        let ids: HashSet<SpanId> = spans.iter().map(|s| s.span_context.span_id()).collect();
        let mut children: HashMap<SpanId, Vec<&SpanData>> = HashMap::new();
        let mut roots: Vec<&SpanData> = Vec::new();
        for span in spans {
            // A remote parent that is here after all (another hop in this process) adopts it.
            if span.parent_span_id == SpanId::INVALID || !ids.contains(&span.parent_span_id) {
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
            let orphan_parent = (!is_local_root(root)).then_some(root.parent_span_id);
            console_view::header(
                &root.span_context.trace_id().to_string(),
                orphan_parent,
                &self.settings,
                out,
            );
            self.render_tree(root, &children, out);
        }
        let mut rest = Vec::new();
        for span in waiting {
            collect(span, &children, &mut rest);
        }
        rest
    }

    /// Draws `root` and its descendants, depth first, with an explicit stack.
    fn render_tree(
        &self,
        root: &SpanData,
        children: &HashMap<SpanId, Vec<&SpanData>>,
        out: &mut String,
    ) {
        // (span, its line's prefix, its children's prefix, depth)
        let mut stack: Vec<(&SpanData, String, String, usize)> =
            vec![(root, String::new(), String::new(), 0)];
        while let Some((span, first_prefix, rest_prefix, depth)) = stack.pop() {
            let kids = children
                .get(&span.span_context.span_id())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let place = Place {
                first_prefix: &first_prefix,
                rest_prefix: &rest_prefix,
                depth,
                has_children: !kids.is_empty(),
                too_deep: depth > MAX_DRAWN_DEPTH,
            };
            console_view::span(span, &place, &self.settings, &self.resource, out);
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
                // A span whose remote parent (e.g. through Temporal's `_tracer-data`) ended in
                // this process and waits here for its own root: it waits with it, so the trace
                // prints as one tree, not one block per hop.
                let joins_waiting = span.parent_span_is_remote
                    && pending.traces.get(&trace_id).is_some_and(|(_, spans)| {
                        spans
                            .iter()
                            .any(|s| s.span_context.span_id() == span.parent_span_id)
                    });
                let prints_now = is_local_root(&span) && !joins_waiting;
                let since = pending.traces.get(&trace_id).map(|(since, _)| *since);
                pending.put(trace_id, since, vec![span]);
                if prints_now {
                    let spans = pending.take(&trace_id);
                    let rest = self.render_forest(&spans, false, &mut text);
                    if !rest.is_empty() {
                        pending.put(trace_id, since, rest);
                    }
                }
            }
            // Bounded: what waits too long or too much is printed, marked, as it is.
            for spans in pending.overdue(Instant::now()) {
                self.render_forest(&spans, true, &mut text);
            }
        }
        if !text.is_empty() {
            self.write(&text);
        }
        std::future::ready(Ok(()))
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        self.print_leftovers();
        let mut text = String::new();
        if self.settings.format != ConsoleFormat::Json
            && let Some(summary) = self.summary.as_ref().and_then(SummaryReader::summary)
        {
            summary.render(&mut text);
        }
        if !text.is_empty() {
            // Long model names must not break the width promise either.
            let cut: String = text
                .lines()
                .map(|line| {
                    let line = console_view::shorten(line, self.settings.width.saturating_sub(1));
                    format!("{line}\n")
                })
                .collect();
            self.write(&format!("\n{cut}"));
        }
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
            .collect();
    }
}

fn is_local_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote
}

/// Deepest level drawn with its own indentation: a chain of thousands of spans must not print
/// lines of quadratic length.
const MAX_DRAWN_DEPTH: usize = 32;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::console::ConsoleFormat;
    use crate::export::metrics::MetricsPipeline;
    use crate::metrics::{LlmFields, LlmNumbers};
    use opentelemetry::trace::{Span as _, TraceContextExt, Tracer, TracerProvider};
    use opentelemetry::trace::{SpanKind, Status};
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use std::sync::Arc;
    use std::time::SystemTime;

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

    fn exporter(
        buffer: &Buffer,
        format: ConsoleFormat,
        color: bool,
        width: usize,
    ) -> ConsoleExporter {
        ConsoleExporter::with_settings(
            buffer.clone(),
            ConsoleSettings {
                format,
                color,
                width,
            },
        )
    }

    /// A workflow, an LLM task with a child, and a failing task.
    fn sample_trace(exporter: ConsoleExporter) {
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter)
            .build();
        let tracer = provider.tracer("t");
        tracer.in_span("research.workflow", |cx| {
            cx.span()
                .set_attribute(KeyValue::new("iftracer.span.kind", "workflow"));
            cx.span()
                .set_attribute(KeyValue::new("gen_ai.conversation.id", "s-1"));
            tracer.in_span("ask_llm.task", |cx| {
                for kv in [
                    KeyValue::new("chat.model", "gpt-4o"),
                    KeyValue::new("gen_ai.usage.input_tokens", 12),
                    KeyValue::new("gen_ai.usage.output_tokens", 9),
                    KeyValue::new("gen_ai.response.time_to_first_chunk", 0.25),
                    KeyValue::new("chat.prompt", "What is\nOTLP?"),
                    KeyValue::new("chat.response", "x".repeat(300)),
                ] {
                    cx.span().set_attribute(kv);
                }
                tracer.in_span("search_docs.tool", |_| {});
            });
            let mut failing = tracer.start("summarize.task");
            failing.add_event(
                "exception",
                vec![KeyValue::new("exception.message", "boom")],
            );
            failing.set_status(Status::error("boom"));
            failing.end();
        });
    }

    /// Durations (the first 8 columns of a span line) replaced by `D`.
    fn without_durations(text: &str) -> Vec<String> {
        text.lines()
            .map(|line| {
                let head: String = line.chars().take(8).collect();
                if head.trim().ends_with('s') && !head.trim().is_empty() {
                    format!("{:>8}{}", "D", &line[head.len()..])
                } else {
                    line.to_owned()
                }
            })
            .collect()
    }

    #[test]
    fn compact_prints_one_line_per_span_with_key_facts_and_previews() {
        let buffer = Buffer::default();
        sample_trace(exporter(&buffer, ConsoleFormat::Compact, false, 120));
        let text = buffer.text();
        let lines = without_durations(&text);
        assert!(
            lines[0].starts_with("trace ") && lines[0].len() == 38,
            "{text}"
        );
        let chunk = {
            let prefix = "          │  │  response ";
            format!("{prefix}{}…", "x".repeat(119 - prefix.chars().count()))
        };
        assert_eq!(
            lines[1..8],
            [
                "       D  research.workflow  session s-1",
                "       D  ├─ ask_llm.task  gpt-4o · 12→9 tokens · first chunk 250.00ms",
                "          │  │  prompt   What is OTLP?",
                chunk.as_str(),
                "       D  │  └─ search_docs.tool",
                "       D  └─ summarize.task  ✗ boom",
                "                · exception",
            ],
            "{text}"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
        assert!(!text.contains('\x1b'), "no colour unless asked");
    }

    #[test]
    fn compact_lines_fit_the_width_and_colour_is_only_added_when_asked() {
        let narrow = Buffer::default();
        sample_trace(exporter(&narrow, ConsoleFormat::Compact, false, 40));
        let text = narrow.text();
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
        assert!(text.contains("…"), "{text}");
        let coloured = Buffer::default();
        sample_trace(exporter(&coloured, ConsoleFormat::Compact, true, 120));
        let text = coloured.text();
        assert!(text.contains("\x1b[1;31m  ✗ boom\x1b[0m"), "{text}");
        assert!(text.contains("\x1b[1mresearch.workflow\x1b[0m"), "{text}");
    }

    /// An in-process metrics pipeline, as `init` builds in terminal mode, and an exporter
    /// that summarises it.
    fn summarised(buffer: &Buffer, format: ConsoleFormat) -> (MetricsPipeline, ConsoleExporter) {
        let pipeline = MetricsPipeline::in_process(Resource::builder_empty().build());
        let exporter =
            exporter(buffer, format, false, 120).summarising(pipeline.summary_reader().cloned());
        (pipeline, exporter)
    }

    fn llm_call(
        pipeline: &MetricsPipeline,
        (provider, model): (&str, &str),
        error: Option<&str>,
        numbers: LlmNumbers,
    ) {
        let fields = LlmFields {
            operation: "chat",
            provider: Some(provider),
            request_model: Some(model),
            response_model: None,
            server_address: None,
            error_type: error,
        };
        pipeline.recorder().llm_call(&fields, numbers);
    }

    fn timed(seconds: f64) -> LlmNumbers {
        LlmNumbers {
            duration: Some(seconds),
            ..LlmNumbers::default()
        }
    }

    /// The summary's rows after the header, split into columns.
    fn summary_rows(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .skip_while(|l| !(l.starts_with("model ") && l.ends_with(" p95")))
            .skip(1)
            .map(|l| l.split_whitespace().map(str::to_owned).collect())
            .collect()
    }

    fn millis(text: &str) -> f64 {
        text.strip_suffix("ms").unwrap().parse().unwrap()
    }

    /// A provider around `exporter`, for it to shut down when dropped.
    fn exporter_provider(exporter: ConsoleExporter) -> SdkTracerProvider {
        SdkTracerProvider::builder()
            .with_simple_exporter(exporter)
            .build()
    }

    #[test]
    fn shutdown_prints_a_summary_per_model_from_the_metrics() {
        let buffer = Buffer::default();
        let (pipeline, exporter) = summarised(&buffer, ConsoleFormat::Compact);
        let numbers = LlmNumbers {
            input_tokens: Some(12),
            output_tokens: Some(9),
            duration: Some(0.25),
            first_chunk: Some(0.1),
        };
        llm_call(&pipeline, ("openai", "gpt-4o"), None, numbers);
        sample_trace(exporter);
        let text = buffer.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[8], "", "{text}");
        assert_eq!(
            lines[9], "model    calls   tokens in  tokens out  errors       p50       p95",
            "{text}"
        );
        // One call: its duration exactly (the bucket's middle, kept within min and max).
        assert_eq!(
            lines[10], "gpt-4o       1          12           9       0  250.00ms  250.00ms",
            "{text}"
        );
        assert_eq!(lines.len(), 11, "{text}");

        let json = Buffer::default();
        let (pipeline, exporter) = summarised(&json, ConsoleFormat::Json);
        llm_call(&pipeline, ("openai", "gpt-4o"), None, numbers);
        sample_trace(exporter);
        assert_eq!(json.text().lines().count(), 4, "no table in json");

        let nothing = Buffer::default();
        let (_pipeline, exporter) = summarised(&nothing, ConsoleFormat::Compact);
        sample_trace(exporter);
        assert_eq!(nothing.text().lines().count(), 8, "no LLM call, no table");
    }

    #[test]
    fn summary_counts_calls_without_duration_or_tokens_and_errors() {
        let buffer = Buffer::default();
        let (pipeline, exporter) = summarised(&buffer, ConsoleFormat::Compact);
        for millis in 1..=100 {
            let error = (millis % 10 == 0).then_some("timeout");
            llm_call(
                &pipeline,
                ("openai", "m"),
                error,
                timed(f64::from(millis) / 1e3),
            );
        }
        // Recorded without a duration (`record_on_current` without `.duration()`): one with
        // tokens, one with nothing at all, one failed; calls all the same.
        let tokens = LlmNumbers {
            input_tokens: Some(5),
            output_tokens: Some(7),
            ..LlmNumbers::default()
        };
        llm_call(&pipeline, ("openai", "m"), None, tokens);
        llm_call(&pipeline, ("openai", "m"), None, LlmNumbers::default());
        llm_call(
            &pipeline,
            ("openai", "m"),
            Some("rate_limit"),
            LlmNumbers::default(),
        );
        llm_call(&pipeline, ("openai", "bare"), None, LlmNumbers::default());
        drop(exporter_provider(exporter));
        let rows = summary_rows(&buffer.text());
        assert_eq!(rows[0][..5], ["bare", "1", "0", "0", "0"]);
        assert_eq!(rows[0][5..], ["-", "-"], "no duration, no quantile");
        assert_eq!(rows[1][..5], ["m", "103", "5", "7", "11"]);
        // Nearest rank over 1..=100 ms is 50 and 95 ms; the histogram's bucket middle is within
        // 2.2 % at this spread (16 buckets per doubling).
        let (p50, p95) = (millis(&rows[1][5]), millis(&rows[1][6]));
        assert!((p50 - 50.0).abs() <= 50.0 * 0.022, "p50 {p50}");
        assert!((p95 - 95.0).abs() <= 95.0 * 0.022, "p95 {p95}");
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn quantiles_merge_series_of_one_model_at_different_scales() {
        let buffer = Buffer::default();
        let (pipeline, exporter) = summarised(&buffer, ConsoleFormat::Compact);
        // Two series of one model (two providers): 90 fast calls in a narrow band (a fine
        // scale) and 10 slow ones spread over three decades (a coarse scale).
        for i in 0..90 {
            llm_call(
                &pipeline,
                ("a", "m"),
                None,
                timed(0.010 + f64::from(i) * 1e-5),
            );
        }
        for i in 0..10 {
            llm_call(
                &pipeline,
                ("b", "m"),
                None,
                timed(10f64.powf(f64::from(i) / 3.0)),
            );
        }
        drop(exporter_provider(exporter));
        let rows = summary_rows(&buffer.text());
        assert_eq!(rows[0][..2], ["m", "100"]);
        // Rank 50 is the 50th fast call, 10.49 ms.
        let p50 = millis(&rows[0][5]);
        assert!((p50 - 10.49).abs() <= 10.49 * 0.044, "p50 {p50}");
        // Rank 95 is the 5th slow call, 10^(4/3) s ≈ 21.5 s; the slow series' scale (8
        // buckets per doubling over 10 doublings) keeps it within 4.4 %.
        let p95: f64 = rows[0][6].strip_suffix('s').unwrap().parse().unwrap();
        let truth = 10f64.powf(4.0 / 3.0);
        assert!((p95 - truth).abs() <= truth * 0.044, "p95 {p95}");
    }

    #[test]
    fn a_user_writer_gets_the_format_colour_and_width_asked_for() {
        let full = Buffer::default();
        sample_trace(
            ConsoleExporter::with_writer(full.clone())
                .format(ConsoleFormat::Full)
                .color(true),
        );
        let text = full.text();
        assert!(text.contains("= \"workflow\""), "every attribute\n{text}");
        assert!(text.contains("\x1b[1mresearch.workflow\x1b[0m"), "{text}");

        let buffer = Buffer::default();
        sample_trace(
            ConsoleExporter::with_writer(buffer.clone())
                .color(true)
                .width(60),
        );
        let text = buffer.text();
        assert!(text.contains("\x1b[1;31m"), "coloured\n{text}");
        let visible = |line: &str| {
            let mut chars = 0;
            let mut escape = false;
            for c in line.chars() {
                match (escape, c) {
                    (_, '\x1b') => escape = true,
                    (true, 'm') => escape = false,
                    (true, _) => {}
                    (false, _) => chars += 1,
                }
            }
            chars
        };
        let widest = text.lines().map(visible).max().unwrap();
        assert!(widest <= 60, "{widest}\n{text}");
        assert!(text.contains('…'), "long lines were cut\n{text}");

        // Colour asked before or after `json`: never escape codes in JSON lines.
        let json = Buffer::default();
        sample_trace(
            ConsoleExporter::with_writer(json.clone())
                .color(true)
                .format(ConsoleFormat::Json),
        );
        let text = json.text();
        assert!(!text.contains('\x1b'), "{text}");
        assert!(
            text.lines()
                .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
            "{text}"
        );
        let defaults = Buffer::default();
        sample_trace(ConsoleExporter::with_writer(defaults.clone()));
        let text = defaults.text();
        assert!(
            text.starts_with("trace ") && !text.contains('\x1b') && !text.contains(" = "),
            "compact, uncoloured by default\n{text}"
        );
    }

    #[test]
    fn full_prints_every_attribute_on_its_own_line() {
        let buffer = Buffer::default();
        sample_trace(exporter(&buffer, ConsoleFormat::Full, false, 120));
        let text = buffer.text();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("research.workflow "), "{text}");
        assert_eq!(lines[2], "│    iftracer.span.kind = \"workflow\"", "{text}");
        assert_eq!(lines[3], "│    gen_ai.conversation.id = \"s-1\"", "{text}");
        assert!(lines[4].starts_with("├─ ask_llm.task "), "{text}");
        assert_eq!(lines[5], "│  │    chat.model = \"gpt-4o\"", "{text}");
        assert!(
            text.contains(&format!("chat.response = \"{}…\"", "x".repeat(100))),
            "{text}"
        );
        assert!(
            text.contains("└─ summarize.task ") && text.contains(" ERROR(boom)"),
            "{text}"
        );
        assert!(
            text.contains("      · exception exception.message=\"boom\"\n"),
            "{text}"
        );
    }

    #[test]
    fn json_prints_one_parseable_object_per_span() {
        let buffer = Buffer::default();
        sample_trace(exporter(&buffer, ConsoleFormat::Json, false, 120));
        let text = buffer.text();
        let spans: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let names: Vec<&str> = spans.iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "research.workflow",
                "ask_llm.task",
                "search_docs.tool",
                "summarize.task"
            ]
        );
        let root = &spans[0];
        assert_eq!(root["parent_span_id"], serde_json::Value::Null);
        assert_eq!(spans[1]["parent_span_id"], root["span_id"]);
        assert_eq!(spans[1]["trace_id"], root["trace_id"]);
        assert_eq!(spans[1]["attributes"]["gen_ai.usage.input_tokens"], 12);
        assert_eq!(spans[3]["status"]["code"], "error");
        assert_eq!(spans[3]["status"]["message"], "boom");
        assert_eq!(
            spans[3]["events"][0]["attributes"]["exception.message"],
            "boom"
        );
        assert_eq!(root["kind"], "internal");
        assert!(root["end_unix_nano"].as_u64() >= root["start_unix_nano"].as_u64());
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
            text.contains(&format!("prompt   {}", "x".repeat(60)))
                && text.lines().all(|l| l.chars().count() <= 120),
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
