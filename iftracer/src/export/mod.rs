//! The export pipeline: exporter choice (user, OTLP or console), iftracer's export thread, the
//! span processor and the accounting around it.

pub(crate) mod console;
mod console_summary;
mod console_view;
pub(crate) mod deadline;
#[cfg(feature = "grpc-tonic")]
mod grpc_client;
pub(crate) mod hold;
pub(crate) mod in_flight;
pub(crate) mod managed;
pub(crate) mod metrics;
#[cfg(any(feature = "grpc-tonic", feature = "http-proto"))]
pub(crate) mod otlp;
pub(crate) mod pair;
pub(crate) mod processor;
#[cfg(any(feature = "grpc-tonic", feature = "http-proto"))]
pub(crate) mod retry;
pub(crate) mod runtime;
#[cfg(any(feature = "grpc-tonic", feature = "http-proto"))]
pub(crate) mod signals;
pub(crate) mod split;

#[cfg(feature = "http-proto")]
pub(crate) mod http_client;
#[cfg(all(feature = "tls", feature = "http-proto"))]
pub(crate) mod tls;

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SimpleSpanProcessor, SpanExporter,
    SpanProcessor,
};

use self::console::ConsoleExporter;
use self::hold::TraceHold;
#[cfg(any(feature = "grpc-tonic", feature = "http-proto"))]
use self::in_flight::MAX_IN_FLIGHT;
use self::in_flight::{FlushInFlight, Slots};
use self::managed::ManagedExporter;
use self::processor::IftracerProcessor;
use self::runtime::ExportRuntime;
use crate::config::metrics::MetricsDestination;
use crate::config::{Config, ExportMode};
use crate::error::Error;
use crate::pipeline::Recording;
use crate::stats::{AccountingProcessor, Counters};

/// A user exporter, kept until `init` knows the export settings.
pub(crate) type ExporterFactory = Box<dyn FnOnce(&Parts<'_>) -> AccountingProcessor + Send>;

/// A user span processor, fed after the privacy controls.
pub(crate) type ProcessorHook = Box<dyn SpanProcessor>;

pub(crate) fn exporter_factory<E: SpanExporter + 'static>(exporter: E) -> ExporterFactory {
    Box::new(move |parts| parts.processor_for(exporter, 1))
}

pub(crate) fn processor_hook<P: SpanProcessor + 'static>(processor: P) -> ProcessorHook {
    Box::new(processor)
}

/// What turns an exporter into an accounted processor.
pub(crate) struct Parts<'a> {
    config: &'a Config,
    runtime: &'a Arc<ExportRuntime>,
    counters: &'a Arc<Counters>,
}

impl Parts<'_> {
    /// `in_flight`: exports on their way at once in batch mode. Only iftracer's own OTLP
    /// exporters get more than one: a user's exporter or the terminal may expect batches one
    /// at a time, as the SDK's batch processor hands them.
    fn processor_for<E: SpanExporter + 'static>(
        &self,
        exporter: E,
        in_flight: usize,
    ) -> AccountingProcessor {
        let exporter = ManagedExporter::new(
            exporter,
            Arc::clone(self.runtime),
            Arc::clone(self.counters),
            self.config.export_timeout,
        );
        let batch = &self.config.batch;
        let inner: Box<dyn SpanProcessor> = match self.config.export_mode {
            ExportMode::Batch => {
                let config = BatchConfigBuilder::default()
                    .with_max_queue_size(batch.max_queue_size)
                    .with_max_export_batch_size(batch.max_export_batch_size)
                    .with_scheduled_delay(batch.scheduled_delay)
                    .build();
                if in_flight > 1 {
                    let slots = Slots::new(in_flight);
                    let exporter = exporter.pipelined(Arc::clone(&slots));
                    let processor = BatchSpanProcessor::builder(exporter)
                        .with_batch_config(config)
                        .build();
                    // Each export ends by its own timeout; the second covers one that began just
                    // before the flush and the export thread's scheduling.
                    Box::new(FlushInFlight::new(
                        Box::new(processor),
                        slots,
                        self.config.export_timeout + Duration::from_secs(1),
                    ))
                } else {
                    Box::new(
                        BatchSpanProcessor::builder(exporter)
                            .with_batch_config(config)
                            .build(),
                    )
                }
            }
            ExportMode::Simple => Box::new(SimpleSpanProcessor::new(exporter)),
        };
        let inner = match self.config.hold {
            Some(settings) => Box::new(TraceHold::new(inner, settings, Arc::clone(self.counters))),
            None => inner,
        };
        // The bound equals the batch queue, so the SDK's queue never overflows uncounted.
        AccountingProcessor::new(inner, Arc::clone(self.counters), batch.max_queue_size)
    }
}

/// The resource of traces and metrics, checked once here: it is sent with every request,
/// unchanged.
fn resource(config: &Config) -> Resource {
    let mut resource_attributes = config.resource.clone();
    config.privacy.scrub_resource(&mut resource_attributes);
    Resource::builder_empty()
        .with_detector(Box::new(TelemetryResourceDetector))
        .with_attributes(resource_attributes)
        .build()
}

/// Builds the metrics pipeline when metrics are on: exported over the traces' OTLP settings, or
/// kept in the process for the console's summary.
pub(crate) fn build_metrics(
    config: &Config,
    runtime: &Arc<ExportRuntime>,
) -> Result<Option<metrics::MetricsPipeline>, Error> {
    match (&config.metrics, &config.otlp) {
        (Some(MetricsDestination::Summary), _) => {
            Ok(Some(metrics::MetricsPipeline::in_process(resource(config))))
        }
        #[cfg(any(feature = "grpc-tonic", feature = "http-proto"))]
        (Some(MetricsDestination::Otlp(settings)), _) => {
            let exporter = otlp::build_metrics(settings, runtime)?;
            Ok(Some(metrics::MetricsPipeline::new(
                exporter,
                settings.interval,
                settings.timeout,
                resource(config),
                runtime.handle().clone(),
            )))
        }
        _ => {
            let _ = runtime;
            Ok(None)
        }
    }
}

/// Builds the tracer provider: the one accounted destination plus the user's processors.
pub(crate) fn build_provider(
    config: &Config,
    exporter: Option<ExporterFactory>,
    processors: Vec<ProcessorHook>,
    runtime: &Arc<ExportRuntime>,
    counters: &Arc<Counters>,
    recording: &Arc<Recording>,
    metrics: Option<&metrics::MetricsPipeline>,
) -> Result<SdkTracerProvider, Error> {
    let parts = Parts {
        config,
        runtime,
        counters,
    };
    let destination = match (exporter, &config.otlp) {
        (Some(factory), _) => factory(&parts),
        #[cfg(any(feature = "grpc-tonic", feature = "http-proto"))]
        (None, Some(otlp)) => parts.processor_for(otlp::build(otlp, runtime)?, MAX_IN_FLIGHT),
        // Resolution already refuses an endpoint without a transport; stay typed regardless.
        #[cfg(not(any(feature = "grpc-tonic", feature = "http-proto")))]
        (None, Some(_)) => {
            return Err(Error::TransportNotEnabled {
                protocol: "grpc",
                feature: "grpc-tonic",
            });
        }
        (None, None) => parts.processor_for(
            ConsoleExporter::with_settings(std::io::stdout(), config.console)
                .summarising(metrics.and_then(|m| m.summary_reader()).cloned()),
            1,
        ),
    };
    let resource = resource(config);
    let mut destinations: Vec<Box<dyn SpanProcessor>> = vec![Box::new(destination)];
    destinations.extend(processors);
    Ok(SdkTracerProvider::builder()
        .with_resource(resource)
        .with_sampler(config.sampler.to_sdk())
        // Always set, so iftracer's environment source (not the process's) decides.
        .with_max_attributes_per_span(config.max_attributes_per_span)
        .with_max_events_per_span(config.max_events_per_span)
        .with_max_links_per_span(config.max_links_per_span)
        .with_span_processor(IftracerProcessor::new(
            Arc::clone(recording),
            config.llm_spans.pair_spans,
            destinations,
        ))
        .build())
}
