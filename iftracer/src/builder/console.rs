//! Builder methods: the terminal output.

use super::IftracerBuilder;

impl IftracerBuilder {
    /// How spans print when no endpoint is configured (`IFTRACER_CONSOLE=compact|full|json`):
    /// a compact tree (the default), every attribute, or one JSON object per span per line.
    ///
    /// ```
    /// let guard = iftracer::Iftracer::builder()
    ///     .ignore_env()
    ///     .console_format(iftracer::ConsoleFormat::Full)
    ///     .init()
    ///     .unwrap();
    /// # drop(guard);
    /// ```
    pub fn console_format(mut self, format: crate::ConsoleFormat) -> Self {
        self.settings.console_format = Some(format);
        self
    }
}
