//! Values carried in the OpenTelemetry [`Context`] and stamped on every span that starts
//! beneath them, including spans of other instrumentation: workflow name, entity path,
//! association properties, user, session and prompt template.
//!
//! They follow the context, so they survive `.await` and, with
//! [`FutureExt::with_current_context`](opentelemetry::context::FutureExt::with_current_context),
//! `tokio::spawn`.

use std::sync::Arc;

use opentelemetry::trace::Span as _;
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::Span;

use crate::attributes::{gen_ai, general, iftracer, insightfinder, openinference};
use crate::llm::PromptTemplate;
use crate::vocabulary::Vocabularies;

/// What a context carries; every `with_*` call copies and extends it.
#[derive(Debug, Clone, Default)]
struct Associations {
    user: Option<Arc<str>>,
    session: Option<Arc<str>>,
    properties: Vec<(Arc<str>, Arc<str>)>,
    prompt_template: Option<Arc<PromptTemplate>>,
}

/// Adds context-carried values to an OpenTelemetry [`Context`].
///
/// ```
/// use iftracer::AssociationsExt;
/// use iftracer::opentelemetry::Context;
///
/// let cx = Context::current()
///     .with_user("alice")
///     .with_session("chat-42")
///     .with_association_property("tenant", "acme");
/// let _attached = cx.attach();
/// // Every span started here carries x-username, x-session-id, gen_ai.conversation.id and
/// // iftracer.association.properties.tenant.
/// ```
pub trait AssociationsExt {
    /// The end user (`x-username`; `user.id` with the GenAI or OpenInference vocabulary).
    fn with_user(&self, user: impl Into<String>) -> Context;
    /// The session (`x-session-id`; `gen_ai.conversation.id`; OpenInference `session.id`).
    fn with_session(&self, session: impl Into<String>) -> Context;
    /// An association property, stamped as `iftracer.association.properties.<key>`.
    fn with_association_property(
        &self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Context;
    /// The prompt template the LLM calls beneath are rendered from (iftracer-sdk's
    /// `set_prompt`): `iftracer.prompt.template`, `iftracer.prompt.template_variables.<name>`,
    /// `iftracer.prompt.version`, `iftracer.prompt.managed`. A template set beneath replaces
    /// this one.
    ///
    /// ```
    /// use iftracer::AssociationsExt;
    /// use iftracer::llm::PromptTemplate;
    /// use iftracer::opentelemetry::Context;
    ///
    /// let template = PromptTemplate::new("Answer {question}").variable("question", "Why?");
    /// let _attached = Context::current().with_prompt_template(template).attach();
    /// ```
    fn with_prompt_template(&self, template: PromptTemplate) -> Context;
    /// The workflow name (`iftracer.workflow.name`). Set by `#[workflow]`; not a public API.
    #[doc(hidden)]
    fn with_workflow_name(&self, name: impl Into<String>) -> Context;
    /// The entity path (`iftracer.entity.path`). Set by `#[task]` and `#[tool]`; not a public
    /// API.
    #[doc(hidden)]
    fn with_entity_path(&self, path: impl Into<String>) -> Context;
    /// The workflow name this context carries.
    fn workflow_name(&self) -> Option<&str>;
    /// The entity path this context carries.
    fn entity_path(&self) -> Option<&str>;
}

impl AssociationsExt for Context {
    fn with_user(&self, user: impl Into<String>) -> Context {
        self.with_associations(|a| a.user = Some(user.into().into()))
    }

    fn with_session(&self, session: impl Into<String>) -> Context {
        self.with_associations(|a| a.session = Some(session.into().into()))
    }

    fn with_association_property(
        &self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Context {
        let (key, value): (Arc<str>, Arc<str>) = (key.into().into(), value.into().into());
        self.with_associations(|a| match a.properties.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => a.properties.push((key, value)),
        })
    }

    fn with_prompt_template(&self, template: PromptTemplate) -> Context {
        self.with_associations(|a| a.prompt_template = Some(Arc::new(template)))
    }

    fn with_workflow_name(&self, name: impl Into<String>) -> Context {
        let name = Name::Shared(name.into().into());
        self.with_entity_frame(|frame| frame.workflow_name = Some(name))
    }

    fn with_entity_path(&self, path: impl Into<String>) -> Context {
        let path = Name::Shared(path.into().into());
        self.with_entity_frame(|frame| frame.entity_path = Some(path))
    }

    fn workflow_name(&self) -> Option<&str> {
        self.get::<EntityFrame>()?
            .workflow_name
            .as_ref()
            .map(Name::as_str)
    }

    fn entity_path(&self) -> Option<&str> {
        self.get::<EntityFrame>()?
            .entity_path
            .as_ref()
            .map(Name::as_str)
    }
}

/// The entity a context is inside, set by the macros: the workflow name and the entity path
/// (`plan.search`). A context value of its own, so entering a task copies two names, not every
/// association.
#[derive(Debug, Clone, Default)]
struct EntityFrame {
    workflow_name: Option<Name>,
    entity_path: Option<Name>,
}

/// A name: the macros' own `&'static str`, or a composed path, shared without copying.
#[derive(Debug, Clone)]
pub(crate) enum Name {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Name {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Name::Static(name) => name,
            Name::Shared(name) => name,
        }
    }

    pub(crate) fn value(&self) -> opentelemetry::Value {
        match self {
            Name::Static(name) => opentelemetry::Value::from(*name),
            Name::Shared(name) => opentelemetry::Value::from(Arc::clone(name)),
        }
    }
}

/// The entity frame a context carries, looked up once for everything an entity's start needs
/// (its parent's path, whether a workflow encloses it, the frame it enters): each lookup hashes
/// into the context's map.
#[derive(Clone, Copy)]
pub(crate) struct Enclosing<'a>(Option<&'a EntityFrame>);

impl<'a> Enclosing<'a> {
    /// The frame `cx` carries, if any.
    #[inline]
    pub(crate) fn of(cx: &'a Context) -> Self {
        Enclosing(cx.get::<EntityFrame>())
    }

    /// The enclosing entity path.
    #[inline]
    pub(crate) fn entity_path(self) -> Option<&'a str> {
        self.0?.entity_path.as_ref().map(Name::as_str)
    }

    /// Whether a workflow encloses the entity.
    #[inline]
    pub(crate) fn in_workflow(self) -> bool {
        self.0.is_some_and(|frame| frame.workflow_name.is_some())
    }

    /// `cx` inside the entity: a `#[workflow]` sets the workflow name (`workflow`), a
    /// `#[task]`/`#[tool]` the entity path (`path`); the rest of the frame is kept.
    pub(crate) fn enter(
        self,
        cx: &Context,
        workflow: Option<&'static str>,
        path: Option<Name>,
    ) -> Context {
        let mut frame = self.0.cloned().unwrap_or_default();
        if let Some(name) = workflow {
            frame.workflow_name = Some(Name::Static(name));
        }
        if path.is_some() {
            frame.entity_path = path;
        }
        cx.with_value(frame)
    }
}

trait WithEntityFrame {
    fn with_entity_frame(&self, change: impl FnOnce(&mut EntityFrame)) -> Context;
}

impl WithEntityFrame for Context {
    fn with_entity_frame(&self, change: impl FnOnce(&mut EntityFrame)) -> Context {
        let mut frame = self.get::<EntityFrame>().cloned().unwrap_or_default();
        change(&mut frame);
        self.with_value(frame)
    }
}

trait WithAssociations {
    fn with_associations(&self, change: impl FnOnce(&mut Associations)) -> Context;
}

impl WithAssociations for Context {
    fn with_associations(&self, change: impl FnOnce(&mut Associations)) -> Context {
        let mut associations = self.get::<Associations>().cloned().unwrap_or_default();
        change(&mut associations);
        self.with_value(associations)
    }
}

/// Stamps the values `parent` carries on a starting span (the span processor's `on_start`).
pub(crate) fn stamp(span: &mut Span, parent: &Context, vocabularies: Vocabularies) {
    if let Some(frame) = parent.get::<EntityFrame>() {
        if let Some(name) = &frame.workflow_name {
            span.set_attribute(KeyValue::new(iftracer::WORKFLOW_NAME, name.value()));
        }
        if let Some(path) = &frame.entity_path {
            span.set_attribute(KeyValue::new(iftracer::ENTITY_PATH, path.value()));
        }
    }
    let Some(a) = parent.get::<Associations>() else {
        return;
    };
    let text = |key: &'static str, value: &Arc<str>| KeyValue::new(key, value.to_string());
    let insightfinder = vocabularies.contains(Vocabularies::INSIGHTFINDER);
    let genai = vocabularies.contains(Vocabularies::GENAI);
    let openinference = vocabularies.contains(Vocabularies::OPENINFERENCE);
    if let Some(user) = &a.user {
        if insightfinder {
            span.set_attribute(text(insightfinder::USERNAME, user));
        }
        if genai || openinference {
            span.set_attribute(text(general::USER_ID, user));
        }
    }
    if let Some(session) = &a.session {
        if insightfinder {
            span.set_attribute(text(insightfinder::SESSION_ID, session));
        }
        if genai {
            span.set_attribute(text(gen_ai::CONVERSATION_ID, session));
        }
        if openinference {
            span.set_attribute(text(openinference::SESSION_ID, session));
        }
    }
    if let Some(template) = &a.prompt_template {
        for kv in template.attributes() {
            span.set_attribute(kv);
        }
    }
    for (key, value) in &a.properties {
        span.set_attribute(KeyValue::new(
            format!("{}{key}", iftracer::ASSOCIATION_PROPERTIES_PREFIX),
            value.to_string(),
        ));
    }
}
