//! Spans of libraries instrumented with the `tracing` crate, in iftracer's traces: a
//! tracing-opentelemetry layer bound to iftracer's provider. Its spans pass through iftracer's
//! span processor like any other, so context-carried values and redaction apply to them.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{SdkTracerProvider, Tracer};
use tracing::Subscriber;
use tracing_subscriber::registry::LookupSpan;

/// The layer to add to a `tracing` subscriber, as returned by [`TracerGuard::tracing_layer`].
///
/// [`TracerGuard::tracing_layer`]: crate::TracerGuard::tracing_layer
pub type TracingLayer<S> = tracing_opentelemetry::OpenTelemetryLayer<S, Tracer>;

/// Instrumentation scope of spans that come from `tracing`.
const SCOPE: &str = "iftracer::tracing";

pub(crate) fn layer<S>(provider: &SdkTracerProvider) -> TracingLayer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    // Context activation (the default) makes an entered `tracing` span the OpenTelemetry
    // parent of spans started inside it, `#[task]` included.
    tracing_opentelemetry::layer().with_tracer(provider.tracer(SCOPE))
}

/// Installs `registry + layer` (spans up to `level`) as the global subscriber; `false` when the
/// application already set one (it then adds [`TracingLayer`] to its own registry).
pub(crate) fn install_global(provider: &SdkTracerProvider, level: tracing::Level) -> bool {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::layer::SubscriberExt;
    let filtered = layer(provider).with_filter(LevelFilter::from_level(level));
    let subscriber = tracing_subscriber::registry().with(filtered);
    tracing::subscriber::set_global_default(subscriber).is_ok()
}
