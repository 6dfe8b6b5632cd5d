//! The HTTP client handed to `opentelemetry-otlp`: reqwest, with iftracer's resolved headers
//! applied last so builder values win over `OTEL_EXPORTER_OTLP_HEADERS`.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use opentelemetry_http::{HttpClient, HttpError};

use crate::config::headers::Headers;
use crate::error::Error;

pub(crate) struct EnforcedHeadersClient {
    inner: reqwest::Client,
    headers: HeaderMap,
}

impl EnforcedHeadersClient {
    pub(crate) fn new(inner: reqwest::Client, headers: &Headers) -> Result<Self, Error> {
        let mut map = HeaderMap::new();
        for (name, value) in headers.iter() {
            let name = HeaderName::from_bytes(name.as_bytes());
            let mut value = HeaderValue::from_str(value);
            if let (Ok(name), Ok(value)) = (name, value.as_mut()) {
                value.set_sensitive(crate::config::headers::is_secret(name.as_str()));
                map.insert(name, value.clone());
            } else {
                return Err(Error::Exporter(
                    "a header cannot be sent over HTTP".to_owned(),
                ));
            }
        }
        Ok(EnforcedHeadersClient {
            inner,
            headers: map,
        })
    }
}

impl fmt::Debug for EnforcedHeadersClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnforcedHeadersClient")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl HttpClient for EnforcedHeadersClient {
    async fn send_bytes(&self, mut request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        for (name, value) in &self.headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        self.inner.send_bytes(request).await
    }
}
