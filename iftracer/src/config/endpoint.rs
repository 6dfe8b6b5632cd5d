//! OTLP endpoint parsing: scheme, TLS, and the URL each transport sends to.

use http::Uri;

use crate::error::{Error, Setting};

const TRACES_PATH: &str = "/v1/traces";
const METRICS_PATH: &str = "/v1/metrics";

/// A validated collector URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `https` or `http`.
    scheme: String,
    /// `host[:port]`.
    authority: String,
    /// The path as written; without a trailing `/` unless the URL is signal-specific.
    path: String,
    /// Whether the URL already names the traces resource (a signal-specific variable).
    is_traces_url: bool,
}

impl Endpoint {
    /// Parses an endpoint. A value without a scheme (`collector:4317`, as some InsightFinder docs
    /// write it) means TLS, like the Python gRPC exporter's secure default.
    ///
    /// `is_traces_url` marks values from `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, which HTTP uses
    /// as given instead of appending `/v1/traces`.
    pub(crate) fn parse(value: &str, setting: Setting, is_traces_url: bool) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidEndpoint {
            setting,
            value: without_userinfo(value),
            reason: reason.to_owned(),
        };
        let trimmed = value.trim();
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let uri: Uri = with_scheme
            .parse()
            .map_err(|_| invalid("it is not a valid URL"))?;
        let scheme = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => "https",
            Some(s) if s.eq_ignore_ascii_case("http") => "http",
            _ => return Err(invalid("the scheme must be `http` or `https`")),
        };
        let authority = uri
            .authority()
            .filter(|a| !a.host().is_empty())
            .ok_or_else(|| invalid("it has no host"))?;
        let has_port = authority
            .as_str()
            .rsplit_once(']')
            .map_or(authority.as_str(), |(_, rest)| rest)
            .contains(':');
        if has_port && authority.port_u16().is_none() {
            return Err(invalid("the port is not a number from 0 to 65535"));
        }
        if authority.as_str().contains('@') {
            return Err(invalid(
                "credentials in the URL are not supported; send them as headers",
            ));
        }
        if uri.query().is_some() {
            return Err(invalid("it must not have a query string"));
        }
        Ok(Endpoint {
            scheme: scheme.to_owned(),
            authority: authority.as_str().to_owned(),
            // A signal-specific URL is used exactly as given, trailing `/` included.
            path: if is_traces_url {
                uri.path().to_owned()
            } else {
                uri.path().trim_end_matches('/').to_owned()
            },
            is_traces_url,
        })
    }

    pub(crate) fn uses_tls(&self) -> bool {
        self.scheme == "https"
    }

    /// The host name, for recognising InsightFinder's own endpoints.
    pub(crate) fn host(&self) -> &str {
        let authority = self.authority.as_str();
        if let Some(rest) = authority.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        authority.split(':').next().unwrap_or(authority)
    }

    /// gRPC dials `scheme://authority`; a path has no meaning there.
    pub(crate) fn grpc_url(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }

    /// HTTP posts metrics to `…/v1/metrics`: beside the traces' path when the URL names it,
    /// otherwise appended to the base URL (a traces-specific URL keeps only its origin).
    pub(crate) fn metrics_http_url(&self) -> String {
        let origin = format!("{}://{}", self.scheme, self.authority);
        if let Some(base) = self.path.strip_suffix(TRACES_PATH) {
            return format!("{origin}{base}{METRICS_PATH}");
        }
        if self.is_traces_url {
            return format!("{origin}{METRICS_PATH}");
        }
        format!("{origin}{}{METRICS_PATH}", self.path)
    }

    /// HTTP posts to `…/v1/traces`, appended to a base URL unless already present.
    pub(crate) fn http_url(&self) -> String {
        let base = format!("{}://{}{}", self.scheme, self.authority, self.path);
        if self.is_traces_url {
            return if self.path.is_empty() {
                format!("{base}/")
            } else {
                base
            };
        }
        if self.path.ends_with(TRACES_PATH) {
            base
        } else {
            format!("{base}{TRACES_PATH}")
        }
    }
}

/// The endpoint as an error may show it: everything up to the last `@` is replaced by `***@`,
/// since a `user:password@` part is a credential, and a password may itself hold `/`, `?`, `#`
/// or `@` (a path with an `@` is masked too: this is only for messages).
fn without_userinfo(value: &str) -> String {
    let (scheme, rest) = match value.find("://") {
        Some(i) => value.split_at(i + 3),
        None => ("", value),
    };
    match rest.rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: Setting = Setting::Env("OTEL_EXPORTER_OTLP_ENDPOINT");

    #[test]
    fn metrics_go_beside_the_traces_path() {
        let url = |value: &str, traces_url: bool| {
            Endpoint::parse(value, FROM, traces_url)
                .unwrap()
                .metrics_http_url()
        };
        assert_eq!(
            url("https://ingest.example.com/api/", false),
            "https://ingest.example.com/api/v1/metrics"
        );
        assert_eq!(
            url("http://127.0.0.1:4318/v1/traces", false),
            "http://127.0.0.1:4318/v1/metrics"
        );
        assert_eq!(
            url("http://127.0.0.1:4318/base/v1/traces", true),
            "http://127.0.0.1:4318/base/v1/metrics"
        );
        assert_eq!(
            url("http://127.0.0.1:4318/custom/traces", true),
            "http://127.0.0.1:4318/v1/metrics"
        );
    }

    #[test]
    fn base_urls_get_the_traces_path_for_http_and_lose_the_path_for_grpc() {
        let e = Endpoint::parse("https://ingest.example.com/api/", FROM, false).unwrap();
        assert_eq!(e.http_url(), "https://ingest.example.com/api/v1/traces");
        assert_eq!(e.grpc_url(), "https://ingest.example.com");
        assert!(e.uses_tls());
        let e = Endpoint::parse("http://127.0.0.1:4318/v1/traces", FROM, false).unwrap();
        assert_eq!(e.http_url(), "http://127.0.0.1:4318/v1/traces");
        assert!(!e.uses_tls());
    }

    #[test]
    fn traces_specific_urls_are_used_as_given() {
        let e = Endpoint::parse("http://localhost:4318/custom", FROM, true).unwrap();
        assert_eq!(e.http_url(), "http://localhost:4318/custom");
    }

    #[test]
    fn a_missing_scheme_means_tls() {
        let e = Endpoint::parse("trace.insightfinder.com:4317", FROM, false).unwrap();
        assert_eq!(e.grpc_url(), "https://trace.insightfinder.com:4317");
        assert_eq!(e.host(), "trace.insightfinder.com");
    }

    #[test]
    fn hosts_are_extracted_from_ipv6_authorities() {
        let e = Endpoint::parse("http://[::1]:4317", FROM, false).unwrap();
        assert_eq!(e.host(), "::1");
    }

    #[test]
    fn bad_endpoints_name_the_setting_and_the_fix() {
        let err = Endpoint::parse("ftp://collector:21", FROM, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid OTLP endpoint \"ftp://collector:21\" from environment variable \
             `OTEL_EXPORTER_OTLP_ENDPOINT`: the scheme must be `http` or `https`; fix: use an \
             absolute URL such as `https://collector.example.com:4317` (TLS) or \
             `http://127.0.0.1:4318` (plaintext)"
        );
        let err = Endpoint::parse("https://u:s3cret@host:4317/x", FROM, false).unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(
            err.to_string().contains("\"https://***@host:4317/x\""),
            "{err}"
        );
        assert_eq!(without_userinfo("u:p@h:1"), "***@h:1");
        assert_eq!(without_userinfo("http://h/a@b"), "http://***@b");
        for password in ["p#1", "p/2", "p?3", "p@4", "p%405"] {
            let shown = without_userinfo(&format!("https://user:{password}@host:4317"));
            assert_eq!(shown, "https://***@host:4317", "{password}");
            let shown = without_userinfo(&format!("user:{password}@host:4317"));
            assert_eq!(shown, "***@host:4317", "{password}");
        }
        for bad in [
            "http://",
            "http:// spaces here",
            "https://u:p@host:4317",
            "http://h:1/x?q=1",
            "collector:notaport",
            "http://h:99999",
            "",
        ] {
            assert!(
                Endpoint::parse(bad, FROM, false).is_err(),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn a_signal_specific_url_is_kept_exactly() {
        let traces = |url| Endpoint::parse(url, FROM, true).unwrap().http_url();
        assert_eq!(traces("http://c:4318/ingest/"), "http://c:4318/ingest/");
        assert_eq!(traces("http://c:4318/ingest"), "http://c:4318/ingest");
        assert_eq!(traces("http://c:4318"), "http://c:4318/");
        let generic = Endpoint::parse("http://c:4318/base/", FROM, false).unwrap();
        assert_eq!(generic.http_url(), "http://c:4318/base/v1/traces");
    }
}
