//! The HTTP client handed to `opentelemetry-otlp`: reqwest, sending iftracer's resolved headers
//! (applied last, so builder values win over `OTEL_EXPORTER_OTLP_HEADERS`) and returning every
//! response with its status. `opentelemetry-http`'s reqwest adapter turns a 401 or 429 into an
//! opaque "network error"; passing the status through lets the exporter report it. Transient
//! failures (connection errors, 429, 502, 503, 504) are retried here, honouring `Retry-After`,
//! until the export's deadline would pass (see [`retry`](crate::export::retry) and
//! [`deadline`](crate::export::deadline)); the client has no timeout of its own.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Request, Response};
use opentelemetry_http::{HttpClient, HttpError};

use crate::config::headers::Headers;
use crate::export::deadline;
use crate::export::retry::{self, Verdict};

pub(crate) struct OtlpHttpClient {
    client: reqwest::Client,
    headers: HeaderMap,
}

impl OtlpHttpClient {
    pub(crate) fn new(client: reqwest::Client, headers: &Headers) -> Self {
        OtlpHttpClient {
            client,
            headers: headers.header_map().clone(),
        }
    }

    async fn send_once(&self, request: &Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let mut copy = Request::builder()
            .method(request.method().clone())
            .uri(request.uri().clone())
            .version(request.version())
            // The body is reference-counted: resending it copies no span data.
            .body(request.body().clone())?;
        *copy.headers_mut() = request.headers().clone();
        let response = self
            .client
            .execute(reqwest::Request::try_from(copy)?)
            .await?;
        let mut reply = Response::builder().status(response.status());
        if let Some(headers) = reply.headers_mut() {
            *headers = response.headers().clone();
        }
        Ok(reply.body(read_capped(response).await?)?)
    }
}

/// The headers `opentelemetry-otlp` sets for the request itself.
const FRAMING: [HeaderName; 3] = [
    http::header::CONTENT_TYPE,
    http::header::CONTENT_ENCODING,
    http::header::USER_AGENT,
];

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
fn verdict(outcome: &Result<Response<Bytes>, HttpError>) -> Verdict {
    match outcome {
        Ok(response) => retry::http_verdict(
            response.status().as_u16(),
            response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        ),
        // Refused or reset connections are what a restarting collector looks like.
        Err(_) => Verdict::Retry { hint: None },
    }
}

impl fmt::Debug for OtlpHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpHttpClient")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl HttpClient for OtlpHttpClient {
    async fn send_bytes(&self, mut request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        // Headers the library took from the process environment go; its own framing stays.
        let framing = std::mem::take(request.headers_mut());
        for name in &FRAMING {
            for value in framing.get_all(name) {
                request.headers_mut().append(name.clone(), value.clone());
            }
        }
        for (name, value) in &self.headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        retry::until_deadline(
            deadline::deadline_or_now(),
            || self.send_once(&request),
            verdict,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
