//! iftracer's OTLP/HTTP client: encodes one converted request per export (traces or metrics)
//! with prost, gzips it only when iftracer's resolved compression says so, and POSTs the same
//! bytes on every attempt with reqwest, carrying exactly the resolved headers plus the framing
//! (`content-type`, `content-encoding` when gzipped, `user-agent`). Nothing is read from the
//! process environment.
//!
//! Transient failures (connection errors, 429, 502, 503, 504) are retried, honouring
//! `Retry-After`, until the export's deadline would pass (see [`retry`] and [`deadline`]); the
//! client has no timeout of its own. Error texts name the status (`split::is_too_large` reads
//! "status code: 413"), never the response body, which may echo the request's headers.

use std::fmt;
use std::io::Write as _;

use bytes::Bytes;
use http::HeaderMap;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderValue, RETRY_AFTER, USER_AGENT};

use crate::config::headers::Headers;
use crate::error::Error;
use crate::export::deadline;
use crate::export::retry::{self, Verdict};
use crate::export::signals::OtlpRequest;

/// What OTLP/HTTP exporters call themselves (the specification asks for a `user-agent`).
const USER_AGENT_VALUE: &str = concat!("iftracer-rs/", env!("CARGO_PKG_VERSION"));

/// Sends OTLP export requests to one OTLP/HTTP URL.
pub(crate) struct HttpClient {
    client: reqwest::Client,
    url: reqwest::Url,
    /// Every header of a request: the resolved ones and the framing.
    headers: HeaderMap,
    gzip: bool,
}

impl HttpClient {
    pub(crate) fn new(
        client: reqwest::Client,
        url: &str,
        headers: &Headers,
        gzip: bool,
    ) -> Result<Self, Error> {
        // The URL was validated when it was resolved; it holds no credentials (those travel
        // in headers), so naming it is safe.
        let url = reqwest::Url::parse(url)
            .map_err(|err| Error::Exporter(format!("invalid OTLP/HTTP URL {url}: {err}")))?;
        let mut all = HeaderMap::new();
        all.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        // A resolved `user-agent` replaces ours; the body's framing is always ours.
        for (name, value) in headers.header_map() {
            all.insert(name.clone(), value.clone());
        }
        all.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        if gzip {
            all.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        } else {
            all.remove(CONTENT_ENCODING);
        }
        Ok(HttpClient {
            client,
            url,
            headers: all,
            gzip,
        })
    }

    /// Sends `request`, retrying transient failures until the export's deadline.
    pub(crate) async fn export<R: OtlpRequest>(&self, request: &R) -> Result<(), String> {
        let body = self.encode(request)?;
        let outcome =
            retry::until_deadline(deadline::deadline_or_now(), || self.send(&body), verdict).await;
        match outcome {
            // A partial success is accepted and not retried (the specification).
            Ok(answer) if answer.status.is_success() => Ok(()),
            Ok(answer) => Err(format!(
                "HTTP export failed with status code: {}",
                answer.status.as_u16()
            )),
            Err(err) => Err(describe(&err)),
        }
    }

    /// The request's bytes as they go on the wire, made once per export.
    fn encode<R: OtlpRequest>(&self, request: &R) -> Result<Bytes, String> {
        let plain = request.encode_to_vec();
        if !self.gzip {
            return Ok(Bytes::from(plain));
        }
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(plain.len() / 4),
            flate2::Compression::default(),
        );
        encoder
            .write_all(&plain)
            .and_then(|()| encoder.finish())
            .map(Bytes::from)
            .map_err(|err| format!("gzip compression failed: {err}"))
    }

    /// One attempt. The body is reference-counted: resending it copies no span data.
    async fn send(&self, body: &Bytes) -> Result<Answer, reqwest::Error> {
        let response = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .body(body.clone())
            .send()
            .await?;
        let status = response.status();
        let retry_after = response.headers().get(RETRY_AFTER).cloned();
        // Read (and dropped) so the connection can be reused.
        read_capped(response).await?;
        Ok(Answer {
            status,
            retry_after,
        })
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may hold the license key: names only.
        f.debug_struct("HttpClient")
            .field("url", &self.url.as_str())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("gzip", &self.gzip)
            .finish_non_exhaustive()
    }
}

/// What one attempt got back.
struct Answer {
    status: http::StatusCode,
    retry_after: Option<HeaderValue>,
}

/// Most bytes of a response body read: an OTLP answer (a partial-success message or an error
/// text) is small, and a misbehaving receiver must not make the exporter buffer without bound.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

async fn read_capped(mut response: reqwest::Response) -> Result<Bytes, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_RESPONSE_BYTES - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == MAX_RESPONSE_BYTES {
            // The rest is dropped with the connection.
            break;
        }
    }
    Ok(Bytes::from(body))
}

/// Whether one attempt's outcome is worth another attempt.
fn verdict(outcome: &Result<Answer, reqwest::Error>) -> Verdict {
    match outcome {
        Ok(answer) => retry::http_verdict(
            answer.status.as_u16(),
            answer.retry_after.as_ref().and_then(|v| v.to_str().ok()),
        ),
        // Refused or reset connections are what a restarting collector looks like.
        Err(_) => Verdict::Retry { hint: None },
    }
}

/// The chain of causes of a failed connection, without the URL reqwest's own text names.
fn describe(err: &reqwest::Error) -> String {
    let mut text = String::from("HTTP export failed: network error");
    let mut cause = std::error::Error::source(err);
    while let Some(err) = cause {
        text.push_str(": ");
        text.push_str(&err.to_string());
        cause = err.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message as _;
    use std::io::Read as _;

    #[test]
    fn a_response_body_is_read_up_to_the_cap() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let huge = http::Response::new(vec![7u8; 3 * MAX_RESPONSE_BYTES]);
        let body = runtime
            .block_on(read_capped(reqwest::Response::from(huge)))
            .unwrap();
        assert_eq!(body.len(), MAX_RESPONSE_BYTES);
        let small = http::Response::new(b"ok".to_vec());
        let body = runtime
            .block_on(read_capped(reqwest::Response::from(small)))
            .unwrap();
        assert_eq!(&body[..], b"ok");
    }

    fn client(headers: &[(&str, &str)], gzip: bool) -> HttpClient {
        let mut resolved = Headers::default();
        for (name, value) in headers {
            resolved
                .set(name, value, crate::error::Setting::Builder(".header()"))
                .unwrap();
        }
        // As `otlp` builds it: no process-wide rustls provider is needed.
        let builder = reqwest::Client::builder();
        #[cfg(feature = "tls")]
        let builder = builder
            .tls_backend_preconfigured(crate::export::tls::client_config(false, None).unwrap());
        HttpClient::new(
            builder.build().unwrap(),
            "http://127.0.0.1:4318/v1/traces",
            &resolved,
            gzip,
        )
        .unwrap()
    }

    #[test]
    fn requests_carry_the_resolved_headers_and_our_framing() {
        let plain = client(&[("x-key", "1"), ("content-encoding", "br")], false);
        let names: Vec<&str> = plain.headers.keys().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert_eq!(plain.headers["x-key"], "1");
        assert_eq!(plain.headers[CONTENT_TYPE], "application/x-protobuf");
        assert_eq!(plain.headers[USER_AGENT], USER_AGENT_VALUE);
        let gzip = client(&[("user-agent", "mine")], true);
        assert_eq!(gzip.headers[CONTENT_ENCODING], "gzip");
        assert_eq!(gzip.headers[USER_AGENT], "mine");
    }

    #[test]
    fn the_body_is_gzipped_only_when_resolved_so() {
        let request = ExportTraceServiceRequest {
            resource_spans: vec![Default::default(); 3],
        };
        let plain = client(&[], false).encode(&request).unwrap();
        assert_eq!(&plain[..], &request.encode_to_vec()[..]);
        let gzipped = client(&[], true).encode(&request).unwrap();
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, request.encode_to_vec());
    }
}
