//! iftracer's OTLP/gRPC client: sends one converted request per export (traces or metrics) and
//! resends the same message on every retry.
//!
//! opentelemetry-otlp's tonic client copies the whole `Vec<SpanData>` on every attempt before
//! converting it (about 1,000 instructions per span, callgrind, bench `throughput`), because
//! the generated client takes its message by value. Here the converted message is shared
//! (`Arc`) between attempts and encoded by tonic-prost's codec on tonic's generic client, the
//! one the generated clients wrap: the same method path, codec and compression. Its metadata
//! is exactly the resolved headers, and nothing is read from the process environment.
//!
//! Retries follow the OTLP specification's classification (opentelemetry-otlp's, which reads
//! `RetryInfo` through tonic-types) on iftracer's schedule ([`retry`]), until the export's
//! deadline. Each attempt tells the server what is left of it (`grpc-timeout`).

use std::sync::Arc;

use opentelemetry_otlp::retry::RetryErrorType;
use opentelemetry_otlp::retry_classification::grpc::classify_tonic_status;
use tonic::codec::CompressionEncoding;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;

use crate::export::deadline;
use crate::export::retry::{self, Verdict};
use crate::export::signals::OtlpRequest;
use crate::export::split::SPLIT_FLOOR_BYTES;

/// Sends OTLP export requests to one gRPC endpoint.
#[derive(Clone)]
pub(crate) struct GrpcClient {
    client: tonic::client::Grpc<Channel>,
    /// Exactly the resolved headers, never the process environment's.
    metadata: MetadataMap,
}

impl std::fmt::Debug for GrpcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values may hold the license key: names only.
        f.debug_struct("GrpcClient")
            .field("metadata", &self.metadata.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl GrpcClient {
    /// `channel` must have been built (or connect lazily) on the export runtime.
    pub(crate) fn new(channel: Channel, metadata: MetadataMap, gzip: bool) -> Self {
        let mut client = tonic::client::Grpc::new(channel);
        if gzip {
            client = client
                .send_compressed(CompressionEncoding::Gzip)
                .accept_compressed(CompressionEncoding::Gzip);
        }
        GrpcClient { client, metadata }
    }

    /// Sends `request`, retrying transient failures until the export's deadline. The error
    /// names the gRPC code (see [`describe`]).
    pub(crate) async fn export<R: OtlpRequest>(&self, request: R) -> Result<(), String> {
        let message = Shared(Arc::new(request));
        // A partial success is accepted and not retried (the specification); as over HTTP,
        // nothing more is made of it.
        retry::until_deadline(
            deadline::deadline_or_now(),
            || self.send(&message),
            |outcome| verdict(outcome, &message),
        )
        .await
        .map_err(|status| describe(&status))
    }

    /// One attempt: the shared message, the headers, what is left of the deadline.
    async fn send<R: OtlpRequest>(&self, message: &Shared<R>) -> Result<(), tonic::Status> {
        let mut client = self.client.clone();
        client
            .ready()
            .await
            .map_err(|err| tonic::Status::unavailable(format!("channel not ready: {err}")))?;
        let mut request = tonic::Request::new(message.clone());
        *request.metadata_mut() = self.metadata.clone();
        if let Some(left) = deadline::time_left() {
            request.set_timeout(left);
        }
        request
            .extensions_mut()
            .insert(tonic::GrpcMethod::new(R::GRPC_SERVICE, "Export"));
        let codec = tonic_prost::ProstCodec::<Shared<R>, R::Response>::default();
        client
            .unary(
                request,
                http::uri::PathAndQuery::from_static(R::GRPC_PATH),
                codec,
            )
            .await
            .map(drop)
    }
}

/// The OTLP specification's rule: `UNAVAILABLE` and the other transient codes are retried,
/// `RESOURCE_EXHAUSTED` only with a `RetryInfo` (whose delay sets the wait). One exception:
/// `OUT_OF_RANGE` on a large request is tonic's "message too large", which no retry fixes; the
/// managed exporter halves the request instead (`split`).
fn verdict<M: prost::Message>(outcome: &Result<(), tonic::Status>, message: &M) -> Verdict {
    let Err(status) = outcome else {
        return Verdict::Final;
    };
    if status.code() == tonic::Code::OutOfRange && message.encoded_len() >= SPLIT_FLOOR_BYTES {
        return Verdict::Final;
    }
    match classify_tonic_status(status) {
        RetryErrorType::NonRetryable => Verdict::Final,
        RetryErrorType::Retryable => Verdict::Retry { hint: None },
        RetryErrorType::Throttled(wait) => Verdict::Retry { hint: Some(wait) },
    }
}

/// The code and, for transport failures, the chain of causes; not the server's message, which
/// may echo the request's headers (as opentelemetry-otlp does). `split::is_too_large` reads
/// the "gRPC code: …" part.
fn describe(status: &tonic::Status) -> String {
    let mut text = format!(
        "OTLP/gRPC export failed with gRPC code: {:?}",
        status.code()
    );
    let mut cause = std::error::Error::source(status);
    while let Some(err) = cause {
        text.push_str(": ");
        text.push_str(&err.to_string());
        cause = err.source();
    }
    text
}

/// The converted request, shared by every attempt: cloning it copies a pointer, and tonic-prost
/// encodes it as the message itself.
#[derive(Debug, Default)]
struct Shared<M>(Arc<M>);

impl<M> Clone for Shared<M> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<M: prost::Message + Default + Clone> prost::Message for Shared<M> {
    fn encode_raw(&self, buf: &mut impl bytes::BufMut) {
        self.0.encode_raw(buf);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: prost::encoding::WireType,
        buf: &mut impl bytes::Buf,
        ctx: prost::encoding::DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        Arc::make_mut(&mut self.0).merge_field(tag, wire_type, buf, ctx)
    }

    fn encoded_len(&self) -> usize {
        self.0.encoded_len()
    }

    fn clear(&mut self) {
        *self = Shared(Arc::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message as _;

    #[test]
    fn a_shared_message_encodes_and_decodes_as_the_request_itself() {
        let request = ExportTraceServiceRequest {
            resource_spans: vec![Default::default(), Default::default()],
        };
        let shared = Shared(Arc::new(request.clone()));
        assert_eq!(shared.encode_to_vec(), request.encode_to_vec());
        assert_eq!(shared.encoded_len(), request.encoded_len());
        let decoded =
            Shared::<ExportTraceServiceRequest>::decode(&request.encode_to_vec()[..]).unwrap();
        assert_eq!(*decoded.0, request);
    }

    #[test]
    fn out_of_range_is_final_only_for_a_request_large_enough_to_be_refused_for_size() {
        let status = Err(tonic::Status::out_of_range("message too large"));
        let small = ExportTraceServiceRequest::default();
        assert_eq!(
            verdict(&status, &small),
            Verdict::Retry { hint: None },
            "the specification's rule"
        );
        let span = opentelemetry_proto::tonic::trace::v1::Span {
            name: "x".repeat(SPLIT_FLOOR_BYTES),
            ..Default::default()
        };
        let large = ExportTraceServiceRequest {
            resource_spans: vec![opentelemetry_proto::tonic::trace::v1::ResourceSpans {
                scope_spans: vec![opentelemetry_proto::tonic::trace::v1::ScopeSpans {
                    spans: vec![span],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        assert_eq!(verdict(&status, &large), Verdict::Final);
        assert_eq!(
            verdict(&Err(tonic::Status::unavailable("down")), &large),
            Verdict::Retry { hint: None }
        );
        assert_eq!(
            verdict(&Err(tonic::Status::invalid_argument("bad")), &small),
            Verdict::Final
        );
    }

    #[test]
    fn the_description_names_the_code_not_the_server_message() {
        let text = describe(&tonic::Status::resource_exhausted("secret-key rejected"));
        assert!(text.contains("gRPC code: ResourceExhausted"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }
}
