//! Entry points for the cargo-fuzz targets in `fuzz/`: the `k=v,…` list parsers reached the
//! way `init()` reaches them, from an environment variable's raw bytes. Not a public API.

use std::ffi::OsString;

use crate::config::env::{
    Env, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_RESOURCE_ATTRIBUTES,
};
use crate::config::{Settings, resolve};
use crate::error::Error;

/// Resolves a configuration whose `OTEL_EXPORTER_OTLP_HEADERS` holds `value`; returns the
/// number of headers it yields.
///
/// ```
/// assert_eq!(iftracer::__fuzz::otlp_headers(b"a=1,b=2").unwrap(), 2);
/// assert!(iftracer::__fuzz::otlp_headers(b"no-equals").is_err());
/// ```
pub fn otlp_headers(value: &[u8]) -> Result<usize, Error> {
    let config = resolve_with(OTEL_EXPORTER_OTLP_HEADERS, value)?;
    Ok(config.otlp.map_or(0, |otlp| otlp.headers.len()))
}

/// Resolves a configuration whose `OTEL_RESOURCE_ATTRIBUTES` holds `value`; returns the number
/// of resource attributes (with `service.name`, always present).
///
/// ```
/// assert_eq!(iftracer::__fuzz::resource_attributes(b"team=a").unwrap(), 2);
/// assert!(iftracer::__fuzz::resource_attributes(b"=x").is_err());
/// ```
pub fn resource_attributes(value: &[u8]) -> Result<usize, Error> {
    Ok(resolve_with(OTEL_RESOURCE_ATTRIBUTES, value)?
        .resource
        .len())
}

fn resolve_with(var: &'static str, value: &[u8]) -> Result<crate::config::Config, Error> {
    let value = os_string(value);
    let protocol = if cfg!(feature = "grpc-tonic") {
        "grpc"
    } else {
        "http/protobuf"
    };
    let lookup = move |name: &str| match name {
        n if n == var => Some(value.clone()),
        OTEL_EXPORTER_OTLP_ENDPOINT => Some(OsString::from("http://127.0.0.1:4317")),
        OTEL_EXPORTER_OTLP_PROTOCOL => Some(OsString::from(protocol)),
        _ => None,
    };
    resolve(&Settings::default(), &Env::new(&lookup), false)
}

#[cfg(unix)]
fn os_string(bytes: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(bytes.to_vec())
}

#[cfg(not(unix))]
fn os_string(bytes: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(bytes).into_owned())
}
