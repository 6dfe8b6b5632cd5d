//! Export headers (gRPC metadata or HTTP headers): validated once, when set, into the typed map
//! both transports send as is, with a `Debug` that hides secrets.

use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Setting};

/// Header names whose values are credentials. Matching is on the lower-cased name.
const SECRET_MARKERS: &[&str] = &[
    "authorization",
    "key",
    "token",
    "secret",
    "password",
    "cookie",
];

/// Whether a header carries a credential and must never be shown.
pub(crate) fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_MARKERS.iter().any(|marker| name.contains(marker))
}

/// Validated headers: lower-case unique names, each value valid as an HTTP header and as ASCII
/// gRPC metadata, credentials marked sensitive.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Headers(HeaderMap);

impl Headers {
    /// Validates and sets `name`, replacing an earlier value of the same name.
    pub(crate) fn set(&mut self, name: &str, value: &str, setting: Setting) -> Result<(), Error> {
        let (name, value) = validate(name, value, setting)?;
        self.0.insert(name, value);
        Ok(())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        // Every value was checked to be visible ASCII when it was set.
        self.0.get(name).and_then(|value| value.to_str().ok())
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The headers to send (HTTP), or to turn into gRPC metadata.
    pub(crate) fn header_map(&self) -> &HeaderMap {
        &self.0
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, value)| {
                let shown = match value.to_str() {
                    Ok(text) if !value.is_sensitive() => text,
                    _ => "<redacted>",
                };
                (name.as_str(), shown)
            }))
            .finish()
    }
}

/// A rejected name as an error may show it: up to its first character a header name cannot
/// carry, since a wrong separator (`Authorization: Basic …`) puts a credential in the "name".
fn shown_name(name: &str) -> String {
    let name = name.trim();
    let valid = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    match name.find(|c: char| !valid(c)) {
        Some(end) => format!("{}…", &name[..end]),
        None => name.to_owned(),
    }
}

/// The lower-cased name and the value, when both can travel as gRPC metadata and HTTP.
fn validate(name: &str, value: &str, setting: Setting) -> Result<(HeaderName, HeaderValue), Error> {
    let invalid = |reason: &str| Error::InvalidHeader {
        setting,
        name: shown_name(name),
        reason: reason.to_owned(),
    };
    let lower = name.trim().to_ascii_lowercase();
    if lower.is_empty() {
        return Err(invalid("the name is empty"));
    }
    let Ok(header_name) = HeaderName::from_bytes(lower.as_bytes()) else {
        return Err(invalid("the name has characters a header cannot carry"));
    };
    // `-bin` names are binary gRPC metadata, which takes base64 values, not text.
    if lower.ends_with("-bin") {
        return Err(invalid("`-bin` names are binary gRPC metadata"));
    }
    let header_value = match HeaderValue::from_str(value) {
        Ok(header_value) if value.is_ascii() => header_value,
        _ => {
            return Err(invalid(
                "the value has characters a header cannot carry (line breaks, control or non-ASCII characters)",
            ));
        }
    };
    let mut header_value = header_value;
    header_value.set_sensitive(is_secret(&lower));
    Ok((header_name, header_value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: Setting = Setting::Builder(".header()");

    #[test]
    fn names_are_lower_cased_and_later_values_replace_earlier_ones() {
        let mut headers = Headers::default();
        headers.set("IfUser", "alice", FROM).unwrap();
        headers.set("ifuser", "bob", FROM).unwrap();
        assert_eq!(headers.get("ifuser"), Some("bob"));
        assert_eq!(headers.len(), 1);
    }

    #[test]
    fn debug_hides_credentials_and_shows_the_rest() {
        let mut headers = Headers::default();
        headers.set("ifuser", "alice", FROM).unwrap();
        headers.set("iflicensekey", "LK-123-SECRET", FROM).unwrap();
        headers.set("authorization", "Bearer tk_abc", FROM).unwrap();
        headers.set("x-api-token", "t0k3n", FROM).unwrap();
        let shown = format!("{headers:?}");
        assert!(shown.contains("alice"), "{shown}");
        for secret in ["LK-123-SECRET", "tk_abc", "t0k3n"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        assert_eq!(shown.matches("<redacted>").count(), 3);
        let sensitive: Vec<&str> = headers
            .header_map()
            .iter()
            .filter(|(_, value)| value.is_sensitive())
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(sensitive, ["iflicensekey", "authorization", "x-api-token"]);
    }

    #[test]
    fn invalid_names_and_values_are_rejected_without_showing_the_value() {
        let mut headers = Headers::default();
        let err = headers.set("bad name", "v", FROM).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid header \"bad…\" from builder method `.header()`: the name has characters a \
             header cannot carry; fix: header names are ASCII letters, digits and `-` (no `-bin` \
             suffix), values are visible ASCII without line breaks"
        );
        let err = headers
            .set("iflicensekey", "secret\nvalue", FROM)
            .unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(headers.set("trace-bin", "x", FROM).is_err());
        assert!(headers.set("", "x", FROM).is_err());
        assert!(headers.set("k", "café", FROM).is_err());
    }
}
