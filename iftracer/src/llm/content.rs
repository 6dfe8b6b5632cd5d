//! What is sent to and received from a model: messages with roles, or plain text.

use serde::Serialize;

/// Who wrote a message.
///
/// ```
/// assert_eq!(iftracer::llm::Role::Assistant.as_str(), "assistant");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// Instructions to the model.
    System,
    /// The end user.
    User,
    /// The model.
    Assistant,
    /// A tool's result.
    Tool,
}

impl Role {
    /// The role's name in the conventions.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One role-tagged message.
///
/// ```
/// use iftracer::llm::{Message, Role};
/// let m = Message::new(Role::User, "What is OTLP?");
/// assert_eq!(m.content, "What is OTLP?");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// The text.
    pub content: String,
}

impl Message {
    /// A message from `role`.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Message {
            role,
            content: content.into(),
        }
    }
}

/// A prompt or a response: plain text or role-tagged messages.
///
/// ```
/// use iftracer::llm::{Content, Message, Role};
/// let text: Content = "hello".into();
/// let messages: Content = vec![Message::new(Role::User, "hello")].into();
/// assert_ne!(text, messages);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// Role-tagged messages.
    Messages(Vec<Message>),
}

impl From<&str> for Content {
    fn from(text: &str) -> Self {
        Content::Text(text.to_owned())
    }
}

impl From<String> for Content {
    fn from(text: String) -> Self {
        Content::Text(text)
    }
}

impl From<&String> for Content {
    fn from(text: &String) -> Self {
        Content::Text(text.clone())
    }
}

impl From<Vec<Message>> for Content {
    fn from(messages: Vec<Message>) -> Self {
        Content::Messages(messages)
    }
}

impl Content {
    /// Plain text for `chat.prompt` / `input.value`: a lone message's text, otherwise one
    /// `role: text` line per message.
    pub(crate) fn text(&self) -> String {
        match self {
            Content::Text(text) => text.clone(),
            Content::Messages(messages) => readable_text(
                messages
                    .iter()
                    .map(|m| (m.role.as_str(), m.content.as_str())),
            ),
        }
    }

    /// The GenAI messages JSON: `[{"role":…,"parts":[{"type":"text","content":…}]}]`.
    pub(super) fn messages_json(&self, default_role: Role, finish_reason: Option<&str>) -> String {
        #[derive(Serialize)]
        struct Part<'a> {
            r#type: &'static str,
            content: &'a str,
        }
        #[derive(Serialize)]
        struct Json<'a> {
            role: &'static str,
            parts: [Part<'a>; 1],
            #[serde(skip_serializing_if = "Option::is_none")]
            finish_reason: Option<&'a str>,
        }
        let messages: Vec<Json<'_>> = match self {
            Content::Text(text) => vec![Json {
                role: default_role.as_str(),
                parts: [Part {
                    r#type: "text",
                    content: text,
                }],
                finish_reason,
            }],
            Content::Messages(messages) => messages
                .iter()
                .map(|m| Json {
                    role: m.role.as_str(),
                    parts: [Part {
                        r#type: "text",
                        content: &m.content,
                    }],
                    finish_reason,
                })
                .collect(),
        };
        serde_json::to_string(&messages).unwrap_or_default()
    }
}

/// Messages as a person reads them: a lone message's text, otherwise one `role: text` line per
/// message. Shared by iftracer's own LLM spans and the spans mapped from other instrumentation,
/// so InsightFinder shows both alike.
pub(crate) fn readable_text<'a>(messages: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let messages: Vec<(&str, &str)> = messages.into_iter().collect();
    match messages.as_slice() {
        [(_, only)] => (*only).to_owned(),
        _ => messages
            .iter()
            .map(|(role, text)| format!("{role}: {text}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
