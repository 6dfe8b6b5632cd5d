//! One instrumented call: its span, its context, and what is recorded on it.

use std::sync::Arc;
use std::time::Instant;

use opentelemetry::trace::{Span as _, SpanBuilder, TraceContextExt, Tracer};
use opentelemetry::{Context, ContextGuard, KeyValue};

use crate::associations::{Enclosing, Name};
use crate::attributes::{gen_ai, iftracer};
use crate::failure::{Failure, short_type_name};
use crate::metrics;
use crate::pipeline;
use crate::vocabulary::Vocabularies;

/// What the macro was applied as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[workflow]`
    Workflow,
    /// `#[task]`
    Task,
    /// `#[agent]`
    Agent,
    /// `#[tool]`
    Tool,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Workflow => "workflow",
            Kind::Task => "task",
            Kind::Agent => "agent",
            Kind::Tool => "tool",
        }
    }
}

/// One instrumented function, as the macro saw it: a `static` per function, so a call passes one
/// pointer.
#[derive(Debug)]
pub struct Site {
    /// What the macro was applied as.
    pub kind: Kind,
    /// The entity name (`name = …`, else the function's).
    pub name: &'static str,
    /// The span name, `"{name}.{kind}"`.
    pub span_name: &'static str,
    /// `version = …`.
    pub version: Option<&'static str>,
    /// How many content attributes (input, output) the function may record: room kept for
    /// them in the span's attribute list when content is captured.
    pub content: usize,
}

/// A started entity span, or nothing when tracing is off.
#[derive(Debug)]
pub struct Entity {
    cx: Option<Context>,
    /// The span records (sampled, or recorded without export): read once at its start, so
    /// deciding on content capture takes no lock.
    records: bool,
    /// What the pipeline in effect at the start says about recording on this span.
    recording: Settings,
    /// Set when metrics are on: what the duration histogram needs at the end.
    timing: Option<Box<Timing>>,
}

/// The pipeline settings an entity's recorder needs, copied at its start (cheap, and `Send`).
#[derive(Debug, Clone, Copy)]
struct Settings {
    capture_content: bool,
    vocabularies: Vocabularies,
}

const OFF: Settings = Settings {
    capture_content: false,
    vocabularies: Vocabularies::NONE,
};

#[derive(Debug)]
struct Timing {
    kind: Kind,
    name: &'static str,
    started: Instant,
    recorder: Arc<metrics::Recorder>,
}

impl Entity {
    /// Starts the span of `site` as a child of the current context, in the pipeline in effect.
    /// With tracing off this is two atomic loads and a branch.
    #[inline]
    pub fn start(site: &'static Site) -> Entity {
        if !pipeline::may_be_on() {
            return Entity::OFF;
        }
        Entity::started(site)
    }

    /// [`start`](Self::start) for a `#[task]` (`site.kind` is [`Kind::Task`]): the same span,
    /// through a start compiled for tasks alone, the most frequent and finest-grained entity.
    #[inline]
    pub fn start_task(site: &'static Site) -> Entity {
        debug_assert_eq!(site.kind, Kind::Task);
        if !pipeline::may_be_on() {
            return Entity::OFF;
        }
        Entity::started_task(site)
    }

    const OFF: Entity = Entity {
        cx: None,
        records: false,
        recording: OFF,
        timing: None,
    };

    /// [`start`](Self::start) past the switch: kept out of line, so the off path inlined at
    /// every call site stays two loads and a branch.
    #[inline(never)]
    fn started(site: &'static Site) -> Entity {
        Entity::started_as(site, site.kind)
    }

    /// [`started`](Self::started) with the kind a constant, so the branches of the other kinds
    /// compile away: a smaller, straighter path on every task call.
    #[inline(never)]
    fn started_task(site: &'static Site) -> Entity {
        Entity::started_as(site, Kind::Task)
    }

    #[inline(always)]
    fn started_as(site: &'static Site, kind: Kind) -> Entity {
        let Some(current) = pipeline::current() else {
            return Entity::OFF;
        };
        let recording = current.recording();
        let settings = Settings {
            capture_content: recording.privacy.capture_content,
            vocabularies: recording.vocabularies,
        };
        // Tasks are not timed (the duration histogram is for workflows, agents and tools).
        let timing = match kind {
            Kind::Task => None,
            _ => Entity::timing(&current, site),
        };
        let mut records = false;
        let cx = start_span(&current, site, kind, &mut records);
        Entity {
            cx: Some(cx),
            records,
            recording: settings,
            timing,
        }
    }

    #[cold]
    fn timing(current: &pipeline::Current, site: &'static Site) -> Option<Box<Timing>> {
        let recorder = current.pipeline()?.metrics()?;
        // Boxed: the entity stays small for the calls without metrics, which move it.
        Some(Box::new(Timing {
            kind: site.kind,
            name: site.name,
            started: Instant::now(),
            recorder: Arc::clone(recorder),
        }))
    }

    /// Whether arguments and results should be serialised: tracing on, content captured and
    /// the span recording.
    #[inline]
    pub fn wants_content(&self) -> bool {
        self.cx.is_some() && self.recording.capture_content && self.records
    }

    /// A handle that records on this span from inside the instrumented body.
    #[inline]
    pub fn recorder(&self) -> Recorder {
        Recorder {
            cx: self.cx.clone(),
            recording: self.recording,
        }
    }

    /// Makes the span current until the guard drops; the guard ends the span (sync functions).
    #[inline]
    pub fn enter(self) -> EntityGuard {
        let attached = self.cx.clone().map(Context::attach);
        EntityGuard {
            entity: self,
            _attached: attached,
        }
    }

    /// Makes the span current until the returned guard drops, keeping the entity running (the
    /// construction of a stream).
    pub fn attach(&self) -> Option<ContextGuard> {
        self.cx.clone().map(Context::attach)
    }

    /// Makes the span current on every poll of `future` and ends it when the future completes
    /// or is dropped.
    #[inline]
    pub fn instrument<F: std::future::Future>(self, future: F) -> super::Instrumented<F> {
        super::Instrumented::new(future, self)
    }

    /// Makes the span current on every poll of `stream` and ends it when the stream ends or is
    /// dropped.
    pub fn instrument_stream<S>(self, stream: S) -> super::InstrumentedStream<S> {
        super::InstrumentedStream::new(stream, self)
    }

    #[inline]
    pub(super) fn context(&self) -> Option<&Context> {
        self.cx.as_ref()
    }

    /// Ends the span; `cancelled` says the work did not run to completion.
    #[inline]
    pub(super) fn finish(&mut self, cancelled: bool) {
        // With tracing off, only this check is inlined where the entity drops.
        if self.cx.is_some() || self.timing.is_some() {
            self.finish_started(cancelled);
        }
    }

    fn finish_started(&mut self, cancelled: bool) {
        if let Some(cx) = self.cx.take() {
            Entity::end(cx, cancelled, self.recording.vocabularies);
        }
        if let Some(timing) = self.timing.take() {
            metrics::record_entity(
                &timing.recorder,
                timing.kind,
                timing.name,
                timing.started.elapsed(),
            );
        }
    }

    fn end(cx: Context, cancelled: bool, vocabularies: Vocabularies) {
        {
            let span = cx.span();
            if std::thread::panicking() {
                Failure::new("panic", "the function panicked")
                    .record_with_attributes(&span, vocabularies);
            } else if cancelled {
                span.set_attribute(KeyValue::new(iftracer::CANCELLED, true));
            }
            span.end();
        }
    }
}

impl Drop for Entity {
    #[inline]
    fn drop(&mut self) {
        self.finish(false);
    }
}

/// An entity owned by a future or stream wrapper: dropped while it still holds the span, the
/// work never finished, so the span is marked cancelled.
#[derive(Debug)]
pub(super) struct Cancellable(pub(super) Entity);

impl Drop for Cancellable {
    #[inline]
    fn drop(&mut self) {
        self.0.finish(true);
    }
}

/// Records results on an entity's span.
#[derive(Debug, Clone)]
pub struct Recorder {
    cx: Option<Context>,
    recording: Settings,
}

impl Recorder {
    /// Records an `Err`: status Error, an `exception` event, `error` and `error.type`.
    pub fn record_error(&self, message: String, type_name: &'static str) {
        record_error(self.cx.as_ref(), self.recording, message, type_name);
    }
}

fn record_error(
    cx: Option<&Context>,
    recording: Settings,
    message: String,
    type_name: &'static str,
) {
    if let Some(cx) = cx {
        Failure::new(short_type_name(type_name), message)
            .record_with_attributes(&cx.span(), recording.vocabularies);
    }
}

/// Keeps a sync function's span current; dropping it (return or unwinding) ends the span.
#[derive(Debug)]
pub struct EntityGuard {
    entity: Entity,
    _attached: Option<ContextGuard>,
}

impl EntityGuard {
    /// A handle that records on this span.
    pub fn recorder(&self) -> Recorder {
        self.entity.recorder()
    }

    /// Records an `Err` on this span, as [`Recorder::record_error`] does, without a handle: a
    /// sync function's guard outlives its body.
    pub fn record_error(&self, message: String, type_name: &'static str) {
        record_error(
            self.entity.cx.as_ref(),
            self.entity.recording,
            message,
            type_name,
        );
    }

    #[inline]
    pub(super) fn context(&self) -> Option<&Context> {
        self.entity.context()
    }
}

/// The name of `T`, for `error.type`.
pub fn type_name_of<T: ?Sized>(_: &T) -> &'static str {
    std::any::type_name::<T>()
}

/// The context of the span of `site`, started as `kind` (`site.kind`, or the same as a
/// constant); `records` is set to whether the span records (an out-parameter: a returned tuple
/// made the context be copied right after it was written, see [`started`]).
#[inline(always)]
fn start_span(
    current: &pipeline::Current,
    site: &'static Site,
    kind: Kind,
    records: &mut bool,
) -> Context {
    let &Site {
        name,
        span_name,
        version,
        content,
        ..
    } = site;
    let parent = Context::current();
    // One lookup of the enclosing entity answers the name, the stamped attributes and the frame
    // entered below.
    let enclosing = Enclosing::of(&parent);
    let recording = current.recording();
    let vocabularies = recording.vocabularies;
    // Tasks and tools chain their names under the enclosing task, as iftracer-sdk does.
    let entity_name = match kind {
        Kind::Task | Kind::Tool => match enclosing.entity_path() {
            Some(path) => Name::Shared(format!("{path}.{name}").into()),
            None => Name::Static(name),
        },
        Kind::Workflow | Kind::Agent => Name::Static(name),
    };
    let genai = vocabularies.contains(Vocabularies::GENAI) && kind != Kind::Task;
    // Built before the list is allocated, not pushed right after: a value written field by
    // field and copied at once makes the copy wait for the writes (store-to-load forwarding
    // fails for the wider loads), several percent of a span this small.
    let span_kind = KeyValue::new(iftracer::SPAN_KIND, kind.as_str());
    let entity = KeyValue::new(iftracer::ENTITY_NAME, entity_name.value());
    // Exactly the room needed: the span's own attributes, what iftracer's span processor
    // stamps from the parent's entity frame, and the content the function records. A list
    // larger than the span needs is a larger block for whichever thread frees the span (a batch
    // processor's export thread), and above glibc's fast-bin size that slows the application
    // thread's next allocation by several percent of the whole span; a list too small is
    // reallocated when the rest is recorded.
    let stamped = match current.pipeline() {
        Some(_) => {
            usize::from(enclosing.entity_path().is_some()) + usize::from(enclosing.in_workflow())
        }
        None => 0,
    };
    let content = if recording.privacy.capture_content {
        content
    } else {
        0
    };
    let capacity = 2
        + usize::from(version.is_some())
        + usize::from(kind == Kind::Workflow)
        + 2 * usize::from(genai)
        + stamped
        + content;
    let mut attributes = Vec::with_capacity(capacity);
    attributes.push(span_kind);
    attributes.push(entity);
    if let Some(version) = version {
        attributes.push(KeyValue::new(iftracer::ENTITY_VERSION, version));
    }
    if kind == Kind::Workflow {
        attributes.push(KeyValue::new(iftracer::WORKFLOW_NAME, name));
    }
    if genai {
        match kind {
            Kind::Workflow => {
                attributes.push(KeyValue::new(gen_ai::OPERATION_NAME, "invoke_workflow"));
                attributes.push(KeyValue::new(gen_ai::WORKFLOW_NAME, name));
            }
            Kind::Agent => {
                attributes.push(KeyValue::new(gen_ai::OPERATION_NAME, "invoke_agent"));
                attributes.push(KeyValue::new(gen_ai::AGENT_NAME, name));
            }
            Kind::Tool => {
                attributes.push(KeyValue::new(gen_ai::OPERATION_NAME, "execute_tool"));
                attributes.push(KeyValue::new(gen_ai::TOOL_NAME, name));
            }
            Kind::Task => {}
        }
    }
    let cx = match (current.pipeline(), current.fallback_tracer()) {
        (Some(pipeline), _) => started(
            pipeline.sdk_tracer(),
            span_name,
            attributes,
            &parent,
            records,
        ),
        // Before `init`: OpenTelemetry's global provider.
        (None, Some(tracer)) => started(tracer, span_name, attributes, &parent, records),
        (None, None) => started(
            &*pipeline::fallback_tracer(),
            span_name,
            attributes,
            &parent,
            records,
        ),
    };
    match kind {
        Kind::Workflow => enclosing.enter(&cx, Some(name), None),
        Kind::Task | Kind::Tool => enclosing.enter(&cx, None, Some(entity_name)),
        Kind::Agent => cx,
    }
}

/// `parent` with a span of `tracer` started in it; `records` is set to whether the span records.
/// The builder is made right at the call, so it is written where the tracer reads it instead of
/// being copied there just after being written: a copy that waits for the writes to land
/// (store-to-load forwarding fails for the wider reads), several percent of a span this small.
#[inline(always)]
fn started<T>(
    tracer: &T,
    name: &'static str,
    attributes: Vec<KeyValue>,
    parent: &Context,
    records: &mut bool,
) -> Context
where
    T: Tracer,
    T::Span: Send + Sync + 'static,
{
    let span = tracer.build_with_context(
        SpanBuilder::from_name(name).with_attributes(attributes),
        parent,
    );
    // Asked here, of the span itself: once it is in the context, asking takes its lock.
    *records = span.is_recording();
    parent.with_span(span)
}
