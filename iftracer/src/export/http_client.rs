//! The HTTP client handed to `opentelemetry-otlp`: reqwest, sending iftracer's resolved headers
//! (applied last, so builder values win over `OTEL_EXPORTER_OTLP_HEADERS`) and returning every
//! response with its status. `opentelemetry-http`'s reqwest adapter turns a 401 or 429 into an
//! opaque "network error"; passing the status through lets the exporter report it and honour
//! `Retry-After`.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use opentelemetry_http::{HttpClient, HttpError};

use crate::config::headers::{Headers, is_secret};
use crate::error::Error;

pub(crate) struct OtlpHttpClient {
    client: reqwest::Client,
    headers: HeaderMap,
}

impl OtlpHttpClient {
    pub(crate) fn new(client: reqwest::Client, headers: &Headers) -> Result<Self, Error> {
        let mut map = HeaderMap::new();
        for (name, value) in headers.iter() {
            let name = HeaderName::from_bytes(name.as_bytes());
            let value = HeaderValue::from_str(value);
            let (Ok(name), Ok(mut value)) = (name, value) else {
                return Err(Error::Exporter(
                    "a header cannot be sent over HTTP".to_owned(),
                ));
            };
            value.set_sensitive(is_secret(name.as_str()));
            map.insert(name, value);
        }
        Ok(OtlpHttpClient {
            client,
            headers: map,
        })
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
        for (name, value) in &self.headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        let response = self
            .client
            .execute(reqwest::Request::try_from(request)?)
            .await?;
        let mut reply = Response::builder().status(response.status());
        if let Some(headers) = reply.headers_mut() {
            *headers = response.headers().clone();
        }
        Ok(reply.body(response.bytes().await?)?)
    }
}
