//! The Resource every span carries: `service.*`, `deployment.environment` and
//! `OTEL_RESOURCE_ATTRIBUTES`.

use opentelemetry::KeyValue;

use crate::config::env::{Env, OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, OTEL_SERVICE_VERSION};
use crate::config::kv_list;
use crate::error::{Error, Setting};

pub(crate) const SERVICE_NAME: &str = "service.name";
pub(crate) const SERVICE_VERSION: &str = "service.version";
/// The name the InsightFinder docs use; the current semantic conventions add `.name`.
pub(crate) const DEPLOYMENT_ENVIRONMENT: &str = "deployment.environment";
pub(crate) const DEPLOYMENT_ENVIRONMENT_NAME: &str = "deployment.environment.name";

/// Builder-supplied resource values.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResourceSettings {
    pub(crate) service_name: Option<String>,
    pub(crate) service_version: Option<String>,
    pub(crate) environment: Option<String>,
    pub(crate) attributes: Vec<KeyValue>,
}

/// Resource attributes, later entries winning: `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_*`,
/// builder attributes, builder service fields; `service.name` always present.
pub(crate) fn resolve(settings: &ResourceSettings, env: &Env<'_>) -> Result<Vec<KeyValue>, Error> {
    let mut attributes: Vec<KeyValue> = Vec::new();
    if let Some(list) = env.string(OTEL_RESOURCE_ATTRIBUTES)? {
        let pairs = kv_list::parse(&list).map_err(|entry| Error::InvalidResourceAttribute {
            setting: Setting::Env(OTEL_RESOURCE_ATTRIBUTES),
            entry,
        })?;
        for (key, value) in pairs {
            // Keys are percent-encoded like values (the specification's W3C Baggage format).
            let key = percent_encoding::percent_decode_str(&key)
                .decode_utf8()
                .map_err(|_| Error::InvalidResourceAttribute {
                    setting: Setting::Env(OTEL_RESOURCE_ATTRIBUTES),
                    entry: key.clone(),
                })?
                .into_owned();
            attributes.push(KeyValue::new(key, value));
        }
    }
    if let Some(name) = env.string(OTEL_SERVICE_NAME)? {
        attributes.push(KeyValue::new(SERVICE_NAME, name));
    }
    if let Some(version) = env.string(OTEL_SERVICE_VERSION)? {
        attributes.push(KeyValue::new(SERVICE_VERSION, version));
    }
    attributes.extend(settings.attributes.iter().cloned());
    if let Some(name) = &settings.service_name {
        attributes.push(KeyValue::new(SERVICE_NAME, name.clone()));
    }
    if let Some(version) = &settings.service_version {
        attributes.push(KeyValue::new(SERVICE_VERSION, version.clone()));
    }
    if let Some(environment) = &settings.environment {
        attributes.push(KeyValue::new(DEPLOYMENT_ENVIRONMENT, environment.clone()));
        attributes.push(KeyValue::new(
            DEPLOYMENT_ENVIRONMENT_NAME,
            environment.clone(),
        ));
    }
    // Later values win: keep the last occurrence of each key, in first-seen order.
    let mut resolved: Vec<KeyValue> = Vec::with_capacity(attributes.len());
    for kv in attributes {
        match resolved.iter_mut().find(|existing| existing.key == kv.key) {
            Some(slot) => *slot = kv,
            None => resolved.push(kv),
        }
    }
    if !resolved.iter().any(|kv| kv.key.as_str() == SERVICE_NAME) {
        resolved.push(KeyValue::new(SERVICE_NAME, default_service_name()));
    }
    Ok(resolved)
}

/// `unknown_service:<executable>`, as the OpenTelemetry resource conventions prescribe.
fn default_service_name() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()));
    match exe {
        Some(exe) => format!("unknown_service:{exe}"),
        None => "unknown_service".to_owned(),
    }
}
