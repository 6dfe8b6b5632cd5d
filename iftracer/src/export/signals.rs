//! The two OTLP signals iftracer exports, each through iftracer's own clients: the trace
//! exporter (behind the managed exporter) and the metrics exporter (behind the metrics
//! pipeline). Each converts its data with opentelemetry-proto's transform once per export and
//! hands the request to the configured [`Transport`]; neither reads the process environment.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::export::otlp::Transport;

/// An OTLP export request: what a transport needs to send it.
pub(crate) trait OtlpRequest:
    prost::Message + Default + Clone + Send + Sync + 'static
{
    /// The service's answer (a partial success, or nothing).
    type Response: prost::Message + Default + Send + 'static;
    /// The gRPC service, as opentelemetry-proto's generated client names it.
    const GRPC_SERVICE: &'static str;
    /// The gRPC method path of its one method, `Export`.
    const GRPC_PATH: &'static str;
}

impl OtlpRequest for ExportTraceServiceRequest {
    type Response = ExportTraceServiceResponse;
    const GRPC_SERVICE: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
    const GRPC_PATH: &'static str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
}

impl OtlpRequest for ExportMetricsServiceRequest {
    type Response = ExportMetricsServiceResponse;
    const GRPC_SERVICE: &'static str = "opentelemetry.proto.collector.metrics.v1.MetricsService";
    const GRPC_PATH: &'static str =
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
}

/// Exports spans over OTLP (gRPC or HTTP/protobuf).
#[derive(Debug)]
pub(crate) struct OtlpTraceExporter {
    transport: Transport,
    resource: ResourceAttributesWithSchema,
    shut_down: AtomicBool,
}

impl OtlpTraceExporter {
    pub(crate) fn new(transport: Transport) -> Self {
        OtlpTraceExporter {
            transport,
            resource: ResourceAttributesWithSchema::default(),
            shut_down: AtomicBool::new(false),
        }
    }
}

impl SpanExporter for OtlpTraceExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        if self.shut_down.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
        };
        self.transport
            .export(request)
            .await
            .map_err(OTelSdkError::InternalFailure)
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        if self.shut_down.swap(true, Ordering::Relaxed) {
            Err(OTelSdkError::AlreadyShutdown)
        } else {
            Ok(())
        }
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

/// Exports metrics over OTLP (gRPC or HTTP/protobuf) with the configured temporality.
#[derive(Debug)]
pub(crate) struct OtlpMetricExporter {
    transport: Transport,
    temporality: Temporality,
    shut_down: AtomicBool,
}

impl OtlpMetricExporter {
    pub(crate) fn new(transport: Transport, temporality: Temporality) -> Self {
        OtlpMetricExporter {
            transport,
            temporality,
            shut_down: AtomicBool::new(false),
        }
    }
}

impl PushMetricExporter for OtlpMetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        if self.shut_down.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let request = ExportMetricsServiceRequest::from(metrics);
        self.transport
            .export(request)
            .await
            .map_err(OTelSdkError::InternalFailure)
    }

    fn force_flush(&self) -> OTelSdkResult {
        // Nothing is held between exports.
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        // Idempotent, as opentelemetry-otlp's metrics exporter was: the meter provider reports
        // a second shutdown itself.
        self.shut_down.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}
