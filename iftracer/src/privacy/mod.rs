//! Privacy controls applied in-process, before any span leaves it: content capture, a per-value
//! length cap, redaction and salted hashing of user and session ids. They run in iftracer's span
//! processor, so they cover every span of the pipeline, iftracer's own and other
//! instrumentation's, and every destination, the extra span processors included.

mod content;
mod hash;
mod redact;
mod truncate;

pub(crate) use hash::IdHasher;
pub use redact::{Detector, Redactor};
/// The regular expressions [`Redactor::new`] takes for custom rules (the `regex` crate's), so an
/// application needs no `regex` dependency of a matching version.
pub use regex::Regex;

use std::borrow::Cow;

use opentelemetry::trace::Status;
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// Default cap of one attribute value, in bytes.
pub(crate) const DEFAULT_MAX_VALUE_LENGTH: usize = 32 * 1024;

/// Bytes beyond the cap that redaction still reads, so a secret cut by the cap is still found.
const REDACTION_MARGIN: usize = 256;

/// The resolved privacy settings of one pipeline.
#[derive(Debug, Clone)]
pub(crate) struct Privacy {
    pub(crate) capture_content: bool,
    pub(crate) max_value_length: usize,
    pub(crate) redactor: Redactor,
    pub(crate) id_hasher: Option<IdHasher>,
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy {
            capture_content: true,
            max_value_length: DEFAULT_MAX_VALUE_LENGTH,
            redactor: Redactor::default(),
            id_hasher: None,
        }
    }
}

impl Privacy {
    /// Applies every control to every string of a finished span: its name, attributes, events
    /// (names and attributes), links' attributes and error status description.
    pub(crate) fn apply(&self, span: &mut SpanData) {
        let ids = self.hashed_values(&span.attributes);
        self.apply_to(&mut span.attributes, &ids);
        if let Some(clean) = self.clean(&span.name) {
            span.name = clean.into();
        }
        for event in span.events.events.iter_mut() {
            if let Some(clean) = self.clean(&event.name) {
                event.name = clean.into();
            }
            self.apply_to(&mut event.attributes, &ids);
        }
        for link in span.links.links.iter_mut() {
            self.apply_to(&mut link.attributes, &ids);
        }
        if let Status::Error { description } = &mut span.status
            && let Some(clean) = self.clean(description)
        {
            *description = clean.into();
        }
    }

    /// Redacts and caps the resource's string values (once, at `init`); nothing is removed or
    /// hashed, since the resource names the service, not a user.
    pub(crate) fn scrub_resource(&self, attributes: &mut [KeyValue]) {
        for kv in attributes.iter_mut() {
            self.clean_value(&mut kv.value);
        }
    }

    /// With hashing on: the ids this span carries under an id key, so the same value under any
    /// other key (Temporal's `temporalWorkflowID` when it is the session) is hashed too.
    fn hashed_values(&self, attributes: &[KeyValue]) -> Vec<StringValue> {
        if self.id_hasher.is_none() {
            return Vec::new();
        }
        attributes
            .iter()
            .filter(|kv| hash::is_id(kv.key.as_str()))
            .filter_map(|kv| match &kv.value {
                Value::String(id) if !id.as_str().is_empty() => Some(id.clone()),
                _ => None,
            })
            .collect()
    }

    fn apply_to(&self, attributes: &mut Vec<KeyValue>, ids: &[StringValue]) {
        if !self.capture_content {
            attributes.retain(|kv| !content::is_content(kv.key.as_str()));
        }
        for kv in attributes.iter_mut() {
            if let Some(hasher) = &self.id_hasher
                && let Value::String(text) = &kv.value
                && (hash::is_id(kv.key.as_str())
                    || hash::is_id_like(kv.key.as_str())
                    || ids.contains(text))
            {
                kv.value = Value::String(hasher.hash(text.as_str()).into());
                continue;
            }
            self.clean_value(&mut kv.value);
        }
    }

    fn clean_value(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Some(clean) = self.clean(text.as_str()) {
                    *text = StringValue::from(clean);
                }
            }
            Value::Array(Array::String(items)) => {
                for item in items.iter_mut() {
                    if let Some(clean) = self.clean(item.as_str()) {
                        *item = StringValue::from(clean);
                    }
                }
            }
            _ => {}
        }
    }

    /// Redacts and caps one value; `None` when it stays as it is (the common, allocation-free
    /// case).
    fn clean(&self, text: &str) -> Option<String> {
        let max = self.max_value_length;
        let over = text.len() > max;
        if !over && self.redactor.is_empty() {
            return None;
        }
        let window = if over {
            truncate::prefix(text, max.saturating_add(REDACTION_MARGIN))
        } else {
            text
        };
        let redacted = if self.redactor.is_empty() {
            Cow::Borrowed(window)
        } else {
            self.redactor.redact(window)
        };
        if over || redacted.len() > max {
            return Some(format!(
                "{}…[truncated: {} bytes in all]",
                truncate::prefix(&redacted, max),
                text.len()
            ));
        }
        match redacted {
            Cow::Borrowed(_) => None,
            Cow::Owned(clean) => Some(clean),
        }
    }
}

#[cfg(test)]
mod tests;
