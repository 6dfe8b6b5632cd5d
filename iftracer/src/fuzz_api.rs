//! Entry points for the cargo-fuzz targets in `fuzz/`: the `k=v,…` list parsers reached the
//! way `init()` reaches them, from an environment variable's raw bytes, and (with an LLM
//! adapter's feature) the wire recorder fed one exchange the way the adapters feed it. Not a
//! public API.

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

/// Records one exchange with an LLM API made of `data`, as the HTTP adapters drive the
/// recorder: the first byte picks the API, the second the answer (JSON, SSE, SSE without a
/// content type, an error status; then finished, failed or dropped), the third the size of the
/// pieces the body arrives in; the rest is the request body, then after the first `0xFF` byte
/// the response body. Spans go to OpenTelemetry's global provider, set here once to one that
/// records without exporting. Returns whether the request was recognised (an exchange began).
///
/// ```
/// let request = br#"{"model":"m","messages":[{"role":"user","content":"Hi"}],"stream":true}"#;
/// let response = b"data: {\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}\n\ndata: [DONE]\n\n";
/// let data = [&[0, 1, 7][..], request, &[0xFF], response].concat();
/// assert!(iftracer::__fuzz::llm_exchange(&data));
/// assert!(!iftracer::__fuzz::llm_exchange(&[0, 0, 0, b'x']));
/// ```
#[cfg(feature = "_wire")]
pub fn llm_exchange(data: &[u8]) -> bool {
    use crate::llm::wire::{Exchange, WireOptions};

    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        opentelemetry::global::set_tracer_provider(
            opentelemetry_sdk::trace::SdkTracerProvider::builder().build(),
        );
    });
    let [api, answer, piece, rest @ ..] = data else {
        return false;
    };
    let path = ["chat/completions", "responses", "embeddings", "messages"][usize::from(api % 4)];
    let uri: http::Uri = format!("https://api.example.com/v1/{path}")
        .parse()
        .expect("a fixed URL");
    let (request, response) = match rest.iter().position(|&b| b == 0xFF) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let Some(mut exchange) =
        Exchange::start(&http::Method::POST, &uri, request, &WireOptions::default())
    else {
        return false;
    };
    let (status, content_type) = match answer % 4 {
        0 => (200, "application/json"),
        1 => (200, "text/event-stream"),
        2 => (200, ""),
        _ => (429, "application/json"),
    };
    let mut headers = http::HeaderMap::new();
    if !content_type.is_empty() {
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(content_type),
        );
    }
    exchange.response_head(
        http::StatusCode::from_u16(status).expect("a valid status"),
        &headers,
    );
    // Pieces of one buffer, as a client hands over `Bytes`.
    let bytes = bytes::Bytes::copy_from_slice(response);
    let step = usize::from(*piece) + 1;
    for at in (0..bytes.len()).step_by(step) {
        exchange.response_bytes(&bytes.slice(at..(at + step).min(bytes.len())));
    }
    match answer / 4 % 3 {
        0 => exchange.finish(),
        1 => exchange.fail("body_error", "cut"),
        _ => drop(exchange),
    }
    true
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
