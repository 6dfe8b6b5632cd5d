//! The prompt template LLM calls are rendered from (iftracer-sdk's `set_prompt`), carried in
//! the context like the session.

use std::sync::Arc;

use opentelemetry::KeyValue;

use crate::attributes::iftracer;

/// A prompt template, its variables and its version. Set it around LLM calls with
/// [`AssociationsExt::with_prompt_template`](crate::AssociationsExt::with_prompt_template):
/// every span started beneath it, the LLM calls' included, carries
/// `iftracer.prompt.template`, `iftracer.prompt.template_variables.<name>`,
/// `iftracer.prompt.version` and `iftracer.prompt.managed = false` (the names iftracer-sdk
/// writes). The template and the variables are content: with content capture off they are
/// removed, the version stays.
///
/// ```
/// use iftracer::AssociationsExt;
/// use iftracer::llm::{LlmCall, PromptTemplate};
/// use iftracer::opentelemetry::Context;
///
/// let template = PromptTemplate::new("Summarise {incident} for {audience}.")
///     .variable("incident", "INC-42")
///     .variable("audience", "on-call")
///     .version(3);
/// let _attached = Context::current().with_prompt_template(template).attach();
/// LlmCall::chat("gpt-4o")
///     .prompt("Summarise INC-42 for on-call.")
///     .response("Disk full on db-1; cleaned up.")
///     .start_span()
///     .end();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptTemplate {
    template: Arc<str>,
    variables: Vec<(Arc<str>, Arc<str>)>,
    version: Option<i64>,
}

impl PromptTemplate {
    /// A template, as text with its placeholders.
    ///
    /// ```
    /// let template = iftracer::llm::PromptTemplate::new("Translate {text} to {language}.");
    /// # drop(template);
    /// ```
    pub fn new(template: impl Into<String>) -> Self {
        PromptTemplate {
            template: template.into().into(),
            variables: Vec::new(),
            version: None,
        }
    }

    /// A variable's value; setting a name again replaces its value.
    ///
    /// ```
    /// let template = iftracer::llm::PromptTemplate::new("Translate {text}.").variable("text", "hi");
    /// # drop(template);
    /// ```
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value): (Arc<str>, Arc<str>) = (name.into().into(), value.into().into());
        match self.variables.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.variables.push((name, value)),
        }
        self
    }

    /// The template's version (an integer, as iftracer-sdk's `set_prompt` takes it).
    ///
    /// ```
    /// let template = iftracer::llm::PromptTemplate::new("Translate {text}.").version(2);
    /// # drop(template);
    /// ```
    pub fn version(mut self, version: i64) -> Self {
        self.version = Some(version);
        self
    }

    /// The attributes a span started beneath the template carries.
    pub(crate) fn attributes(&self) -> impl Iterator<Item = KeyValue> + '_ {
        let fixed = [
            Some(KeyValue::new(iftracer::PROMPT_MANAGED, false)),
            Some(KeyValue::new(
                iftracer::PROMPT_TEMPLATE,
                self.template.to_string(),
            )),
            self.version
                .map(|version| KeyValue::new(iftracer::PROMPT_VERSION, version)),
        ];
        let variables = self.variables.iter().map(|(name, value)| {
            KeyValue::new(
                format!("{}{name}", iftracer::PROMPT_TEMPLATE_VARIABLES_PREFIX),
                value.to_string(),
            )
        });
        fixed.into_iter().flatten().chain(variables)
    }
}

#[cfg(test)]
mod tests {
    use super::PromptTemplate;
    use opentelemetry::{KeyValue, Value};

    #[test]
    fn attributes_use_iftracer_sdk_names_and_a_variable_set_twice_keeps_its_last_value() {
        let template = PromptTemplate::new("Hi {name}, {mood}?")
            .variable("name", "Ann")
            .variable("mood", "well")
            .variable("name", "Bo")
            .version(4);
        let attributes: Vec<KeyValue> = template.attributes().collect();
        assert_eq!(
            attributes,
            vec![
                KeyValue::new("iftracer.prompt.managed", false),
                KeyValue::new("iftracer.prompt.template", "Hi {name}, {mood}?"),
                KeyValue::new("iftracer.prompt.version", 4),
                KeyValue::new("iftracer.prompt.template_variables.name", "Bo"),
                KeyValue::new("iftracer.prompt.template_variables.mood", "well"),
            ]
        );
        let unversioned: Vec<KeyValue> = PromptTemplate::new("t").attributes().collect();
        assert!(
            !unversioned
                .iter()
                .any(|kv| kv.key.as_str() == "iftracer.prompt.version")
        );
        assert_eq!(unversioned[1].value, Value::from("t"));
    }
}
