//! Resolution of the LLM-semantics and privacy settings: vocabularies, content capture, the
//! length cap, redaction and id hashing.

use crate::config::Settings;
use crate::config::env::Env;
use crate::config::resolve::builder;
use crate::error::{Error, Setting};
use crate::privacy::{DEFAULT_MAX_VALUE_LENGTH, Detector, IdHasher, Privacy, Redactor};
use crate::vocabulary::Vocabularies;

pub(crate) const IFTRACER_VOCABULARIES: &str = "IFTRACER_VOCABULARIES";
pub(crate) const IFTRACER_TRACE_CONTENT: &str = "IFTRACER_TRACE_CONTENT";
pub(crate) const OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: &str =
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
pub(crate) const IFTRACER_MAX_VALUE_LENGTH: &str = "IFTRACER_MAX_VALUE_LENGTH";
pub(crate) const IFTRACER_REDACT: &str = "IFTRACER_REDACT";
pub(crate) const IFTRACER_REDACT_PATTERNS: &str = "IFTRACER_REDACT_PATTERNS";
pub(crate) const IFTRACER_ID_HASH_SALT: &str = "IFTRACER_ID_HASH_SALT";

pub(crate) fn resolve_vocabularies(
    settings: &Settings,
    env: &Env<'_>,
) -> Result<Vocabularies, Error> {
    Ok(builder(settings.vocabularies, ".vocabularies()")
        .or_env(IFTRACER_VOCABULARIES, |var| {
            env.parsed(var, Vocabularies::parse)
        })?
        .or_default())
}

pub(crate) fn resolve_privacy(settings: &Settings, env: &Env<'_>) -> Result<Privacy, Error> {
    const BYTES: &str = "a whole number of bytes above 0";
    let max_value_length = builder(settings.max_value_length, ".max_value_length()")
        .or_env(IFTRACER_MAX_VALUE_LENGTH, |var| {
            env.number::<usize>(var, BYTES)
        })?
        .nonzero(BYTES)?
        .or(DEFAULT_MAX_VALUE_LENGTH);
    let salt = settings
        .id_hash_salt
        .as_ref()
        .map(|salt| salt.expose().to_owned());
    let id_hasher = builder(salt, ".hash_ids()")
        .or_env(IFTRACER_ID_HASH_SALT, |var| env.string(var))?
        .value()
        .map(|salt| IdHasher::new(&salt));
    Ok(Privacy {
        capture_content: resolve_capture_content(settings, env)?,
        max_value_length,
        redactor: resolve_redactor(settings, env)?,
        id_hasher,
    })
}

/// Builder, then `IFTRACER_TRACE_CONTENT`, then the GenAI variable, then on (as iftracer-sdk).
fn resolve_capture_content(settings: &Settings, env: &Env<'_>) -> Result<bool, Error> {
    Ok(builder(settings.capture_content, ".capture_content()")
        .or_env(IFTRACER_TRACE_CONTENT, |var| env.bool(var))?
        .or_lenient_env(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, |var| {
            let Some(mode) = env.string(var)? else {
                return Ok(None);
            };
            match mode.to_ascii_uppercase().as_str() {
                // opentelemetry-util-genai's modes, besides true/false.
                "NO_CONTENT" => Ok(Some(false)),
                "SPAN_ONLY" | "EVENT_ONLY" | "SPAN_AND_EVENT" => Ok(Some(true)),
                _ => crate::config::env::parse_bool(&mode, Setting::Env(var)).map(Some),
            }
        })?
        .or(true))
}

fn resolve_redactor(settings: &Settings, env: &Env<'_>) -> Result<Redactor, Error> {
    let detectors = builder(settings.redact.clone(), ".redact()")
        .or_env(IFTRACER_REDACT, |var| {
            env.string(var)?
                .map(|list| parse_detectors(&list))
                .transpose()
        })?
        .or_default();
    let mut patterns: Vec<(String, String, Setting)> = Vec::new();
    if let Some(json) = env.string(IFTRACER_REDACT_PATTERNS)? {
        let setting = Setting::Env(IFTRACER_REDACT_PATTERNS);
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&json).map_err(|err| Error::InvalidPattern {
                setting,
                pattern: String::new(),
                reason: format!("expected a JSON object of pattern to replacement text ({err})"),
            })?;
        for (pattern, replacement) in map {
            let replacement =
                replacement
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| Error::InvalidPattern {
                        setting,
                        pattern: pattern.clone(),
                        reason: "the replacement must be a JSON string".to_owned(),
                    })?;
            patterns.push((pattern, replacement, setting));
        }
    }
    for (pattern, replacement) in &settings.redact_patterns {
        patterns.push((
            pattern.clone(),
            replacement.clone(),
            Setting::Builder(".redact_pattern()"),
        ));
    }
    let custom = patterns
        .into_iter()
        .map(|(pattern, replacement, setting)| {
            regex::Regex::new(&pattern)
                .map(|re| (re, replacement))
                .map_err(|err| Error::InvalidPattern {
                    setting,
                    pattern,
                    reason: err
                        .to_string()
                        .lines()
                        .last()
                        .unwrap_or_default()
                        .to_owned(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Redactor::new(&detectors, custom))
}

/// `default` (or `true`/`on`), `all`, `off`/`none`/`false`, or detector names separated by
/// commas, where `default` and `all` stand for their sets (`default,ip`).
fn parse_detectors(list: &str) -> Result<Vec<Detector>, Error> {
    match list.trim().to_ascii_lowercase().as_str() {
        "true" | "on" => return Ok(Detector::DEFAULT.to_vec()),
        "off" | "none" | "false" => return Ok(Vec::new()),
        _ => {}
    }
    let mut detectors = Vec::new();
    for name in list
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        match name.to_ascii_lowercase().as_str() {
            "default" => detectors.extend(Detector::DEFAULT),
            "all" => detectors.extend(Detector::ALL),
            lower => detectors.push(Detector::from_name(lower).ok_or_else(|| {
                Error::UnknownDetector {
                    setting: Setting::Env(IFTRACER_REDACT),
                    value: name.to_owned(),
                }
            })?),
        }
    }
    Ok(detectors)
}
