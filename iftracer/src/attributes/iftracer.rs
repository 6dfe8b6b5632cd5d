//! iftracer's own attributes (the `iftracer.*` prefix of iftracer-sdk).
//!
//! ```
//! assert_eq!(iftracer::attributes::iftracer::WORKFLOW_NAME, "iftracer.workflow.name");
//! ```

/// `workflow`, `task`, `agent` or `tool`.
pub const SPAN_KIND: &str = "iftracer.span.kind";
/// The entity's name (chained `parent.child` for tasks and tools).
pub const ENTITY_NAME: &str = "iftracer.entity.name";
/// The entity's version.
pub const ENTITY_VERSION: &str = "iftracer.entity.version";
/// The dotted chain of task and tool names down to this span.
pub const ENTITY_PATH: &str = "iftracer.entity.path";
/// The entity's input (JSON).
pub const ENTITY_INPUT: &str = "iftracer.entity.input";
/// The entity's output (JSON).
pub const ENTITY_OUTPUT: &str = "iftracer.entity.output";
/// The workflow every descendant span belongs to.
pub const WORKFLOW_NAME: &str = "iftracer.workflow.name";
/// Prefix of association properties: `iftracer.association.properties.<key>`.
pub const ASSOCIATION_PROPERTIES_PREFIX: &str = "iftracer.association.properties.";
/// `true` when the entity's future or stream was dropped before it finished.
pub const CANCELLED: &str = "iftracer.entity.cancelled";
/// `true` when the application dropped an LLM response (a stream, or a body it never read to
/// the end) before it finished; the span's status stays Unset.
pub const LLM_CANCELLED: &str = "iftracer.llm.cancelled";
/// `false`: the prompt template was set by the application
/// ([`with_prompt_template`](crate::AssociationsExt::with_prompt_template), iftracer-sdk's
/// `set_prompt`), not fetched from a prompt registry.
pub const PROMPT_MANAGED: &str = "iftracer.prompt.managed";
/// The prompt template the LLM calls beneath it were rendered from.
pub const PROMPT_TEMPLATE: &str = "iftracer.prompt.template";
/// Prefix of the template's variables: `iftracer.prompt.template_variables.<name>`.
pub const PROMPT_TEMPLATE_VARIABLES_PREFIX: &str = "iftracer.prompt.template_variables.";
/// The prompt template's version.
pub const PROMPT_VERSION: &str = "iftracer.prompt.version";
