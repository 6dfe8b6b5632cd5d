//! Metrics settings: on/off, where to, how often, which temporality.

use std::time::Duration;

use super::endpoint::Endpoint;
use super::env::Env;
use super::otlp::{self, METRICS};
use super::resolve::{builder, env_only, zero};
use super::{OtlpConfig, Protocol, Settings};
use crate::error::{Error, Setting};
use crate::metrics::Temporality;

pub(crate) const IFTRACER_METRICS_ENABLED: &str = "IFTRACER_METRICS_ENABLED";
pub(crate) const OTEL_METRIC_EXPORT_INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
pub(crate) const OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
pub(crate) const OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL";
pub(crate) const OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: &str =
    "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";

/// The specification's default export interval.
pub(crate) const DEFAULT_METRIC_EXPORT_INTERVAL: Duration = Duration::from_secs(60);

/// Where and how metrics are exported: the traces' settings unless the metrics' own variables
/// (`OTEL_EXPORTER_OTLP_METRICS_*`) say otherwise.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MetricsConfig {
    /// Endpoint, protocol, headers, compression and TLS.
    pub(crate) otlp: OtlpConfig,
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`: HTTP posts to it exactly as given.
    pub(crate) exact_url: bool,
    pub(crate) interval: Duration,
    /// Bounds each export, retries included.
    pub(crate) timeout: Duration,
    pub(crate) temporality: Temporality,
}

impl MetricsConfig {
    /// The URL HTTP posts metrics to.
    pub(crate) fn http_url(&self) -> String {
        if self.exact_url {
            self.otlp.endpoint.http_url()
        } else {
            self.otlp.endpoint.metrics_http_url()
        }
    }
}

/// Where GenAI metrics go when they are on.
#[derive(Debug, PartialEq, Eq)]
// Resolved once at `init` and held by the configuration: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum MetricsDestination {
    /// Exported over OTLP.
    Otlp(MetricsConfig),
    /// Kept in the process for the console's summary at shutdown (terminal mode).
    Summary,
}

/// On by default when traces go to an OTLP endpoint, except InsightFinder's trace gateway,
/// which serves traces only (its public source has no metrics service): there, metrics are on
/// when asked for or when `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` names a destination. Also on by
/// default when traces go to the console (`console`), which summarises them at shutdown.
pub(crate) fn resolve(
    settings: &Settings,
    env: &Env<'_>,
    traces: Option<&OtlpConfig>,
    console: bool,
) -> Result<Option<MetricsDestination>, Error> {
    let metrics_url = env_only()
        .or_env(OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, |var| {
            env.parsed(var, |value, setting| Endpoint::parse(value, setting, true))
        })?
        .value();
    let explicit = builder(settings.metrics, ".metrics()")
        .or_env(IFTRACER_METRICS_ENABLED, |var| env.bool(var))?
        .sourced();
    let on = match explicit {
        Some((on, _)) => on,
        None => console || traces.is_some_and(|otlp| !otlp.insightfinder || metrics_url.is_some()),
    };
    if !on {
        return Ok(None);
    }
    let Some(traces) = traces else {
        if console {
            return Ok(Some(MetricsDestination::Summary));
        }
        // Metrics share the traces' headers and TLS settings, so they need an OTLP destination.
        let setting = explicit.map_or(Setting::Builder(".metrics()"), |(_, setting)| setting);
        return Err(Error::MetricsWithoutEndpoint { setting });
    };
    let protocol = builder(settings.protocol, ".protocol()")
        .or_lenient_env(OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, |var| {
            env.parsed(var, Protocol::parse)
        })?
        .or(traces.protocol)
        .check_compiled_in()?;
    const ABOVE_ZERO: &str = "a duration above zero";
    let interval = builder(settings.metric_export_interval, ".metric_export_interval()")
        .nonzero(ABOVE_ZERO)?
        // A zero from the environment is malformed like any other value: warned about, unset.
        .or_lenient_env(OTEL_METRIC_EXPORT_INTERVAL, |var| {
            match env.millis(var)? {
                Some(interval) if interval.is_zero() => Err(zero(Setting::Env(var), ABOVE_ZERO)),
                interval => Ok(interval),
            }
        })?
        .or(DEFAULT_METRIC_EXPORT_INTERVAL);
    let temporality = builder(settings.metrics_temporality, ".metrics_temporality()")
        .or_lenient_env(OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, |var| {
            env.parsed(var, |value, _| parse_temporality(value))
        })?
        .or_default();
    let (endpoint, exact_url) = match metrics_url {
        Some(endpoint) => (endpoint, true),
        None => (traces.endpoint.clone(), false),
    };
    Ok(Some(MetricsDestination::Otlp(MetricsConfig {
        otlp: otlp::resolve_metrics_destination(settings, env, endpoint, protocol, traces)?,
        exact_url,
        interval,
        timeout: otlp::resolve_timeout(settings, env, &METRICS)?,
        temporality,
    })))
}

fn parse_temporality(value: &str) -> Result<Temporality, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "cumulative" => Ok(Temporality::Cumulative),
        "delta" => Ok(Temporality::Delta),
        "lowmemory" => Ok(Temporality::LowMemory),
        _ => Err(Error::UnknownTemporality {
            setting: Setting::Env(OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE),
            value: value.to_owned(),
        }),
    }
}
