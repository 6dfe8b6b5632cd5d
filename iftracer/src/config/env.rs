//! Environment variable names and typed, error-reporting readers for them.

use std::ffi::OsString;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::error::{Error, Setting};

pub(crate) const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
pub(crate) const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
pub(crate) const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
pub(crate) const OTEL_EXPORTER_OTLP_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
pub(crate) const OTEL_EXPORTER_OTLP_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: &str =
    "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE";
pub(crate) const OTEL_EXPORTER_OTLP_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: &str =
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";
pub(crate) const OTEL_EXPORTER_OTLP_METRICS_HEADERS: &str = "OTEL_EXPORTER_OTLP_METRICS_HEADERS";
pub(crate) const OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT";
pub(crate) const OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: &str =
    "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE";
pub(crate) const OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: &str =
    "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION";
pub(crate) const OTEL_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
pub(crate) const OTEL_SPAN_EVENT_COUNT_LIMIT: &str = "OTEL_SPAN_EVENT_COUNT_LIMIT";
pub(crate) const OTEL_SPAN_LINK_COUNT_LIMIT: &str = "OTEL_SPAN_LINK_COUNT_LIMIT";
pub(crate) const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
pub(crate) const OTEL_SERVICE_VERSION: &str = "OTEL_SERVICE_VERSION";
pub(crate) const OTEL_RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
pub(crate) const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
pub(crate) const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
pub(crate) const OTEL_BSP_MAX_QUEUE_SIZE: &str = "OTEL_BSP_MAX_QUEUE_SIZE";
pub(crate) const OTEL_BSP_MAX_EXPORT_BATCH_SIZE: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
pub(crate) const OTEL_BSP_SCHEDULE_DELAY: &str = "OTEL_BSP_SCHEDULE_DELAY";
pub(crate) const OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT";
pub(crate) const INSIGHTFINDER_ENDPOINT: &str = "INSIGHTFINDER_ENDPOINT";
pub(crate) const INSIGHTFINDER_USER: &str = "INSIGHTFINDER_USER";
pub(crate) const INSIGHTFINDER_LICENSE_KEY: &str = "INSIGHTFINDER_LICENSE_KEY";
pub(crate) const INSIGHTFINDER_PROJECT_NAME: &str = "INSIGHTFINDER_PROJECT_NAME";
pub(crate) const INSIGHTFINDER_PROJECT: &str = "INSIGHTFINDER_PROJECT";
pub(crate) const INSIGHTFINDER_SYSTEM_NAME: &str = "INSIGHTFINDER_SYSTEM_NAME";
pub(crate) const INSIGHTFINDER_SYSTEM: &str = "INSIGHTFINDER_SYSTEM";
pub(crate) const IFTRACER_TRACING_ENABLED: &str = "IFTRACER_TRACING_ENABLED";
pub(crate) const IFTRACER_HEADERS: &str = "IFTRACER_HEADERS";

/// Where variables are read from: the process environment, or a lookup a caller supplies.
pub(crate) type Lookup = dyn Fn(&str) -> Option<OsString> + Send + Sync;

/// Typed reads over a [`Lookup`]; an empty value counts as unset, as in the OpenTelemetry spec.
pub(crate) struct Env<'a> {
    lookup: &'a Lookup,
}

impl<'a> Env<'a> {
    pub(crate) fn new(lookup: &'a Lookup) -> Self {
        Env { lookup }
    }

    /// The trimmed value of `name`, or `None` when unset or empty.
    pub(crate) fn string(&self, name: &'static str) -> Result<Option<String>, Error> {
        match (self.lookup)(name) {
            None => Ok(None),
            Some(raw) => {
                let text = raw.into_string().map_err(|_| Error::NotUnicode {
                    setting: Setting::Env(name),
                })?;
                let text = text.trim();
                Ok((!text.is_empty()).then(|| text.to_owned()))
            }
        }
    }

    /// The first of `names` that is set, with the name it came from.
    pub(crate) fn first(
        &self,
        names: &[&'static str],
    ) -> Result<Option<(String, &'static str)>, Error> {
        for name in names {
            if let Some(value) = self.string(name)? {
                return Ok(Some((value, name)));
            }
        }
        Ok(None)
    }

    pub(crate) fn bool(&self, name: &'static str) -> Result<Option<bool>, Error> {
        self.parsed(name, parse_bool)
    }

    /// `name`'s value as `parse` reads it; `parse` names the variable in its error.
    pub(crate) fn parsed<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str, Setting) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        self.string(name)?
            .map(|value| parse(&value, Setting::Env(name)))
            .transpose()
    }

    pub(crate) fn number<T: FromStr>(
        &self,
        name: &'static str,
        expected: &'static str,
    ) -> Result<Option<T>, Error> {
        self.string(name)?
            .map(|value| {
                value.parse::<T>().map_err(|_| Error::InvalidNumber {
                    setting: Setting::Env(name),
                    value,
                    expected,
                })
            })
            .transpose()
    }

    /// A duration given in whole milliseconds, as the `OTEL_*` variables are.
    pub(crate) fn millis(&self, name: &'static str) -> Result<Option<Duration>, Error> {
        Ok(self
            .number::<u64>(name, "a whole number of milliseconds")?
            .map(Duration::from_millis))
    }
}

/// The OpenTelemetry specification's rule for a malformed `OTEL_*` value that selects an option
/// or a number: warn and use the default. So a value meant for another SDK (a sampler such as
/// `jaeger_remote`, a protocol such as `http/json`) never stops the application. Builder values
/// and `IFTRACER_*` / `INSIGHTFINDER_*` variables stay typed errors, as do endpoints, header
/// lists, certificates and resource attributes, where a silent default would send data
/// somewhere unintended.
pub(crate) fn spec_default<T>(result: Result<Option<T>, Error>) -> Result<Option<T>, Error> {
    match result {
        Err(error) if error.env_var().is_some_and(|var| LENIENT.contains(&var)) => {
            warn_once(&error);
            Ok(None)
        }
        other => other,
    }
}

/// The `OTEL_*` variables [`spec_default`] forgives.
const LENIENT: &[&str] = &[
    OTEL_TRACES_SAMPLER,
    OTEL_TRACES_SAMPLER_ARG,
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    OTEL_EXPORTER_OTLP_TIMEOUT,
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
    OTEL_EXPORTER_OTLP_COMPRESSION,
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
    OTEL_EXPORTER_OTLP_METRICS_COMPRESSION,
    OTEL_BSP_MAX_QUEUE_SIZE,
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
    OTEL_BSP_SCHEDULE_DELAY,
    OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT,
    OTEL_SPAN_EVENT_COUNT_LIMIT,
    OTEL_SPAN_LINK_COUNT_LIMIT,
    OTEL_SDK_DISABLED,
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
    super::metrics::OTEL_METRIC_EXPORT_INTERVAL,
    super::metrics::OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE,
    super::metrics::OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
];

fn warn_once(error: &Error) {
    static WARNED: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let Some(var) = error.env_var() else {
        return;
    };
    let mut warned = WARNED.lock().unwrap_or_else(PoisonError::into_inner);
    if !warned.contains(&var) {
        warned.push(var);
        eprintln!(
            "iftracer: warning: {error}; using the default instead, as the OpenTelemetry \
             specification says for `OTEL_*` variables"
        );
    }
}

pub(crate) fn parse_bool(value: &str, setting: Setting) -> Result<bool, Error> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(Error::InvalidBool {
            setting,
            value: value.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> Box<Lookup> {
        Box::new(move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(*v))
        })
    }

    #[test]
    fn empty_values_count_as_unset() {
        let lookup = env_of(&[("A", "  "), ("B", " x ")]);
        let env = Env::new(&*lookup);
        assert_eq!(env.string("A").unwrap(), None);
        assert_eq!(env.string("B").unwrap(), Some("x".to_owned()));
        assert_eq!(env.first(&["A", "B"]).unwrap(), Some(("x".to_owned(), "B")));
    }

    #[test]
    fn booleans_accept_common_spellings_and_reject_the_rest() {
        let lookup = env_of(&[("T", "TRUE"), ("F", "0"), ("X", "maybe")]);
        let env = Env::new(&*lookup);
        assert_eq!(env.bool("T").unwrap(), Some(true));
        assert_eq!(env.bool("F").unwrap(), Some(false));
        let err = env.bool("X").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value \"maybe\" for environment variable `X`: expected `true` or `false`"
        );
    }

    #[test]
    fn numbers_name_the_variable_and_the_expectation() {
        let lookup = env_of(&[("N", "12x")]);
        let env = Env::new(&*lookup);
        let err = env.millis("N").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value \"12x\" for environment variable `N`: expected a whole number of milliseconds"
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_values_are_a_typed_error() {
        use std::os::unix::ffi::OsStringExt;
        let lookup: Box<Lookup> = Box::new(|_| Some(OsString::from_vec(vec![0x66, 0xff])));
        let err = Env::new(&*lookup).string("OTEL_SERVICE_NAME").unwrap_err();
        assert!(matches!(err, Error::NotUnicode { .. }));
        assert_eq!(
            err.to_string(),
            "environment variable `OTEL_SERVICE_NAME` is not valid UTF-8; fix: set it to UTF-8 text or unset it"
        );
    }
}
