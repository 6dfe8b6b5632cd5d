//! Builder methods: where spans go (endpoint, transport, headers, credentials, TLS, timeout).

use std::path::PathBuf;
use std::time::Duration;

use super::IftracerBuilder;
use crate::config::Protocol;
use crate::config::secret::Secret;

impl IftracerBuilder {
    /// The collector URL (over `INSIGHTFINDER_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`). `https://` uses TLS; no scheme means `https://`. With no
    /// endpoint anywhere, spans are printed to the terminal.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().endpoint("http://127.0.0.1:4317");
    /// # drop(b);
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.settings.endpoint = Some(url.into());
        self
    }

    /// The OTLP protocol (`OTEL_EXPORTER_OTLP_PROTOCOL`); gRPC by default.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().protocol(iftracer::Protocol::HttpProtobuf);
    /// # drop(b);
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.settings.protocol = Some(protocol);
        self
    }

    /// Compresses OTLP requests (`OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`,
    /// `OTEL_EXPORTER_OTLP_COMPRESSION`: `gzip` or `none`); none by default.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().compression(iftracer::Compression::Gzip);
    /// # drop(b);
    /// ```
    pub fn compression(mut self, compression: crate::Compression) -> Self {
        self.settings.compression = Some(compression);
        self
    }

    /// Adds a header sent with every export (over `IFTRACER_HEADERS` and
    /// `OTEL_EXPORTER_OTLP_HEADERS`). Values of credential-like names never appear in `Debug`.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().header("x-tenant", "acme");
    /// # drop(b);
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings
            .headers
            .push((name.into(), Secret::new(value)));
        self
    }

    /// Sends `Authorization: Bearer <token>`.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().bearer_token("tk_live_123");
    /// assert!(!format!("{b:?}").contains("tk_live_123"));
    /// ```
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.settings.bearer_token = Some(Secret::new(token));
        self
    }

    /// InsightFinder user, sent as `ifuser` (`INSIGHTFINDER_USER`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().user("alice");
    /// # drop(b);
    /// ```
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.settings.user = Some(user.into());
        self
    }

    /// InsightFinder license key, sent as `iflicensekey` (`INSIGHTFINDER_LICENSE_KEY`). It never
    /// appears in `Debug`, `Display` or logs.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().license_key("LK-secret");
    /// assert!(!format!("{b:?}").contains("LK-secret"));
    /// ```
    pub fn license_key(mut self, key: impl Into<String>) -> Self {
        self.settings.license_key = Some(Secret::new(key));
        self
    }

    /// InsightFinder project, sent as `ifproject` (`INSIGHTFINDER_PROJECT_NAME`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().project("agent-traces");
    /// # drop(b);
    /// ```
    pub fn project(mut self, project: impl Into<String>) -> Self {
        self.settings.project = Some(project.into());
        self
    }

    /// InsightFinder system, sent as `ifsystem` (`INSIGHTFINDER_SYSTEM_NAME`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().system("agents");
    /// # drop(b);
    /// ```
    pub fn system(mut self, system: impl Into<String>) -> Self {
        self.settings.system = Some(system.into());
        self
    }

    /// A PEM file of extra trusted CA certificates for `https://` endpoints
    /// (`OTEL_EXPORTER_OTLP_CERTIFICATE`); the system's roots stay trusted.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().ca_certificate("/etc/ssl/private-ca.pem");
    /// # drop(b);
    /// ```
    pub fn ca_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.settings.ca_certificate = Some(path.into());
        self
    }

    /// Upper bound of one export call (`OTEL_EXPORTER_OTLP_TIMEOUT`, default 10 s).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().export_timeout(std::time::Duration::from_secs(3));
    /// # drop(b);
    /// ```
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.settings.export_timeout = Some(timeout);
        self
    }
}
