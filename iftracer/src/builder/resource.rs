//! Builder methods: the resource that names the service.

use opentelemetry::KeyValue;

use super::IftracerBuilder;

impl IftracerBuilder {
    /// `service.name` of the resource (`OTEL_SERVICE_NAME`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().service_name("research-agent");
    /// # drop(b);
    /// ```
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.settings.resource.service_name = Some(name.into());
        self
    }

    /// `service.version` of the resource (`OTEL_SERVICE_VERSION`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().service_version(env!("CARGO_PKG_VERSION"));
    /// # drop(b);
    /// ```
    pub fn service_version(mut self, version: impl Into<String>) -> Self {
        self.settings.resource.service_version = Some(version.into());
        self
    }

    /// `deployment.environment` (and `deployment.environment.name`) of the resource.
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().deployment_environment("staging");
    /// # drop(b);
    /// ```
    pub fn deployment_environment(mut self, environment: impl Into<String>) -> Self {
        self.settings.resource.environment = Some(environment.into());
        self
    }

    /// Adds a resource attribute (over `OTEL_RESOURCE_ATTRIBUTES`).
    ///
    /// ```
    /// let b = iftracer::Iftracer::builder().resource_attribute("team", "agents");
    /// # drop(b);
    /// ```
    pub fn resource_attribute(
        mut self,
        key: impl Into<opentelemetry::Key>,
        value: impl Into<opentelemetry::Value>,
    ) -> Self {
        self.settings
            .resource
            .attributes
            .push(KeyValue::new(key, value));
        self
    }
}
