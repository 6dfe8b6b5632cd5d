//! The OTLP destination: endpoint, protocol, compression, headers and credentials, TLS.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::endpoint::Endpoint;
use super::env::*;
use super::headers::Headers;
use super::kv_list;
use super::resolve::{builder, zero};
use super::secret::Secret;
use super::{Compression, DEFAULT_EXPORT_TIMEOUT, Protocol, Settings, gateway};
use crate::error::{Error, Setting};

/// One signal's OTLP variables: each wins over its generic `OTEL_EXPORTER_OTLP_*` twin, as the
/// specification says (the endpoint and protocol are resolved by each signal's own code).
pub(crate) struct SignalVars {
    headers: &'static str,
    compression: &'static str,
    certificate: &'static str,
    timeout: &'static str,
}

/// The traces' variables.
pub(crate) const TRACES: SignalVars = SignalVars {
    headers: OTEL_EXPORTER_OTLP_TRACES_HEADERS,
    compression: OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
    certificate: OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE,
    timeout: OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
};

/// The metrics' variables.
pub(crate) const METRICS: SignalVars = SignalVars {
    headers: OTEL_EXPORTER_OTLP_METRICS_HEADERS,
    compression: OTEL_EXPORTER_OTLP_METRICS_COMPRESSION,
    certificate: OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE,
    timeout: OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
};

/// Where and how one signal is sent over OTLP.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OtlpConfig {
    pub(crate) endpoint: Endpoint,
    pub(crate) protocol: Protocol,
    pub(crate) compression: Compression,
    pub(crate) headers: Headers,
    pub(crate) ca_certificate: Option<CaCertificate>,
    /// The destination is InsightFinder's trace gateway (by endpoint, variable or credentials).
    pub(crate) insightfinder: bool,
}

/// A PEM file's contents, read and checked at `init` so a bad path fails early.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CaCertificate {
    pub(crate) setting: Setting,
    pub(crate) path: PathBuf,
    pub(crate) pem: Vec<u8>,
}

impl fmt::Debug for CaCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaCertificate")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

pub(crate) fn resolve_otlp(
    settings: &Settings,
    env: &Env<'_>,
) -> Result<Option<OtlpConfig>, Error> {
    let explicit = match &settings.endpoint {
        Some(value) => Some(Endpoint::parse(
            value,
            Setting::Builder(".endpoint()"),
            false,
        )?),
        None => None,
    };
    let endpoint_in = |var: &'static str| {
        env.string(var)?
            .map(|value| {
                // A signal-specific endpoint is used exactly as given.
                Endpoint::parse(
                    &value,
                    Setting::Env(var),
                    var == OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
                )
            })
            .transpose()
    };
    // The InsightFinder variable wins over the generic ones: setting it says where to send.
    let endpoint = builder(explicit, ".endpoint()")
        .or_env(INSIGHTFINDER_ENDPOINT, endpoint_in)?
        .or_env(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, endpoint_in)?
        .or_env(OTEL_EXPORTER_OTLP_ENDPOINT, endpoint_in)?
        .value();
    let Some(endpoint) = endpoint else {
        return Ok(None);
    };
    let protocol_in = |var| env.parsed(var, Protocol::parse);
    let protocol = builder(settings.protocol, ".protocol()")
        .or_lenient_env(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, protocol_in)?
        .or_lenient_env(OTEL_EXPORTER_OTLP_PROTOCOL, protocol_in)?
        .or_default()
        .check_compiled_in()?;
    destination(
        settings,
        env,
        endpoint,
        protocol,
        &TRACES,
        |endpoint, headers| {
            let insightfinder = check_insightfinder_credentials(endpoint, headers, env)?;
            if insightfinder && protocol == Protocol::HttpProtobuf {
                gateway::warn_http_once();
            }
            Ok(insightfinder)
        },
    )
    .map(Some)
}

/// The metrics' destination: `endpoint` and `protocol` (resolved by the metrics' code), with
/// the headers, compression and TLS settings resolved from the metrics' variables, so
/// `OTEL_EXPORTER_OTLP_METRICS_HEADERS` replaces the generic list for metrics alone and the
/// traces' variables do not apply. The credentials were checked with the traces'.
pub(crate) fn resolve_metrics_destination(
    settings: &Settings,
    env: &Env<'_>,
    endpoint: Endpoint,
    protocol: Protocol,
    traces: &OtlpConfig,
) -> Result<OtlpConfig, Error> {
    destination(settings, env, endpoint, protocol, &METRICS, |_, _| {
        Ok(traces.insightfinder)
    })
}

/// One signal's destination: compression, headers and CA certificate from `signal`'s variables;
/// `insightfinder` says (and checks) whether it is InsightFinder's gateway, from the headers.
fn destination(
    settings: &Settings,
    env: &Env<'_>,
    endpoint: Endpoint,
    protocol: Protocol,
    signal: &SignalVars,
    insightfinder: impl FnOnce(&Endpoint, &Headers) -> Result<bool, Error>,
) -> Result<OtlpConfig, Error> {
    let compression = resolve_compression(settings, env, signal)?;
    if endpoint.uses_tls() && !cfg!(feature = "tls") {
        return Err(Error::TlsNotEnabled {
            endpoint: endpoint.grpc_url(),
        });
    }
    let headers = resolve_headers(settings, env, signal)?;
    let insightfinder = insightfinder(&endpoint, &headers)?;
    let ca_certificate = if endpoint.uses_tls() {
        resolve_ca_certificate(settings, env, signal)?
    } else {
        None
    };
    Ok(OtlpConfig {
        endpoint,
        protocol,
        compression,
        headers,
        ca_certificate,
        insightfinder,
    })
}

/// The export timeout of one signal: builder, the signal's variable, the generic one, the
/// default. A zero from the environment is warned about and replaced by the default.
pub(crate) fn resolve_timeout(
    settings: &Settings,
    env: &Env<'_>,
    signal: &SignalVars,
) -> Result<Duration, Error> {
    const ABOVE_ZERO: &str = "a duration above zero";
    let timeout_from_env = |var: &'static str| match env.millis(var)? {
        Some(timeout) if timeout.is_zero() => Err(zero(Setting::Env(var), ABOVE_ZERO)),
        other => Ok(other),
    };
    Ok(builder(settings.export_timeout, ".export_timeout()")
        .nonzero(ABOVE_ZERO)?
        .or_lenient_env(signal.timeout, timeout_from_env)?
        .or_lenient_env(OTEL_EXPORTER_OTLP_TIMEOUT, timeout_from_env)?
        .or(DEFAULT_EXPORT_TIMEOUT))
}

fn resolve_compression(
    settings: &Settings,
    env: &Env<'_>,
    signal: &SignalVars,
) -> Result<Compression, Error> {
    let compression_in = |var| env.parsed(var, Compression::parse);
    Ok(builder(settings.compression, ".compression()")
        .or_lenient_env(signal.compression, compression_in)?
        .or_lenient_env(OTEL_EXPORTER_OTLP_COMPRESSION, compression_in)?
        .or_default())
}

/// The InsightFinder credentials: header name, builder method, environment variables.
const CREDENTIALS: [(&str, &str, &str, &[&str]); 4] = [
    ("ifuser", "user", ".user()", &[INSIGHTFINDER_USER]),
    (
        "iflicensekey",
        "license key",
        ".license_key()",
        &[INSIGHTFINDER_LICENSE_KEY],
    ),
    (
        "ifproject",
        "project",
        ".project()",
        &[INSIGHTFINDER_PROJECT_NAME, INSIGHTFINDER_PROJECT],
    ),
    (
        "ifsystem",
        "system",
        ".system()",
        &[INSIGHTFINDER_SYSTEM_NAME, INSIGHTFINDER_SYSTEM],
    ),
];

/// Headers, later sources winning per name: the signal's `OTEL_EXPORTER_OTLP_{TRACES,METRICS}_HEADERS`
/// (or, when it is unset, `OTEL_EXPORTER_OTLP_HEADERS`), `IFTRACER_HEADERS`, `INSIGHTFINDER_*`,
/// builder `.header()`, `.bearer_token()`, builder credentials.
fn resolve_headers(
    settings: &Settings,
    env: &Env<'_>,
    signal: &SignalVars,
) -> Result<Headers, Error> {
    let mut headers = Headers::default();
    // The signal-specific list replaces the generic one, as the specification says.
    let otlp = match env.string(signal.headers)? {
        Some(_) => signal.headers,
        None => OTEL_EXPORTER_OTLP_HEADERS,
    };
    for var in [otlp, IFTRACER_HEADERS] {
        if let Some(list) = env.string(var)? {
            let setting = Setting::Env(var);
            // The entry may hold a credential, so at most its key reaches the error.
            let pairs = kv_list::parse(&list).map_err(|entry| Error::InvalidHeader {
                setting,
                name: shown_header_name(&entry),
                reason: "expected `name=value` pairs separated by commas".to_owned(),
            })?;
            for (name, value) in pairs {
                headers.set(&name, &value, setting)?;
            }
        }
    }
    for (header, _, _, vars) in CREDENTIALS {
        if let Some((value, var)) = env.first(vars)? {
            headers.set(header, &value, Setting::Env(var))?;
        }
    }
    for (name, value) in &settings.headers {
        headers.set(name, value.expose(), Setting::Builder(".header()"))?;
    }
    if let Some(token) = &settings.bearer_token {
        headers.set(
            "authorization",
            &format!("Bearer {}", token.expose()),
            Setting::Builder(".bearer_token()"),
        )?;
    }
    let explicit = [
        ("ifuser", settings.user.as_deref(), ".user()"),
        (
            "iflicensekey",
            settings.license_key.as_ref().map(Secret::expose),
            ".license_key()",
        ),
        ("ifproject", settings.project.as_deref(), ".project()"),
        ("ifsystem", settings.system.as_deref(), ".system()"),
    ];
    for (header, value, method) in explicit {
        if let Some(value) = value {
            headers.set(header, value, Setting::Builder(method))?;
        }
    }
    Ok(headers)
}

/// The name of a malformed header entry as an error may show it: only a key that is a valid
/// header name, since `Authorization: Basic dXNlcjpwYXNz=` puts the credential before the `=`.
fn shown_header_name(entry: &str) -> String {
    match entry.split_once('=') {
        Some((key, _)) if http::HeaderName::from_bytes(key.trim().as_bytes()).is_ok() => {
            key.trim().to_owned()
        }
        Some(_) => "(an entry whose name is not a header name)".to_owned(),
        None => "(an entry without `=`)".to_owned(),
    }
}

/// An InsightFinder endpoint (by variable or host), or any one credential, needs all four of
/// user, license key, project and system: the gateway answers OK to a request without them and
/// drops its spans silently. `Ok(true)` when the destination is InsightFinder.
fn check_insightfinder_credentials(
    endpoint: &Endpoint,
    headers: &Headers,
    env: &Env<'_>,
) -> Result<bool, Error> {
    let why = if env.string(INSIGHTFINDER_ENDPOINT)?.is_some() {
        format!("`{INSIGHTFINDER_ENDPOINT}` is set")
    } else if endpoint.host().ends_with("insightfinder.com") {
        format!("{} is an InsightFinder trace server", endpoint.host())
    } else if let Some((header, ..)) = CREDENTIALS
        .iter()
        .find(|(header, ..)| headers.get(header).is_some())
    {
        format!("the InsightFinder header `{header}` is set")
    } else {
        return Ok(false);
    };
    for (header, credential, method, vars) in &CREDENTIALS {
        if headers.get(header).is_none() {
            return Err(Error::MissingCredential {
                credential,
                method,
                env: vars[0],
                why,
            });
        }
    }
    Ok(true)
}

fn resolve_ca_certificate(
    settings: &Settings,
    env: &Env<'_>,
    signal: &SignalVars,
) -> Result<Option<CaCertificate>, Error> {
    let (path, setting) = match &settings.ca_certificate {
        Some(path) => (path.clone(), Setting::Builder(".ca_certificate()")),
        None => match env.first(&[signal.certificate, OTEL_EXPORTER_OTLP_CERTIFICATE])? {
            Some((path, var)) => (PathBuf::from(path), Setting::Env(var)),
            None => return Ok(None),
        },
    };
    let pem = std::fs::read(&path).map_err(|err| Error::CaCertificate {
        setting,
        path: path.clone(),
        reason: err.to_string(),
    })?;
    if !pem
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(Error::CaCertificate {
            setting,
            path,
            reason: "it holds no PEM certificate".to_owned(),
        });
    }
    Ok(Some(CaCertificate { setting, path, pem }))
}
