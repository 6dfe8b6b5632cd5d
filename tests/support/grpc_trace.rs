//! The gRPC receiver's `TraceService`: each request is decoded from one contiguous buffer, as
//! collectors do.
//!
//! opentelemetry-proto's generated server decodes through tonic-prost's codec, which reads the
//! message field by field straight out of tonic's receive buffer (a `DecodeBuf` over a
//! `BytesMut`, advanced on every varint). That cost this receiver about 1,800 instructions per
//! small span more than prost decoding the same bytes from `Bytes`, as the HTTP receiver does
//! (callgrind, bench `throughput`), on the core the exporter shares: a gap between the
//! transports that no collector has (grpc-go decodes from a byte slice). Taking the message as
//! `Bytes` first is free (tonic hands over its buffer), and gives the request's size on the
//! wire without encoding it again, as the HTTP receiver has it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Buf as _;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use tonic::Status;
use tonic::body::Body;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder};
use tonic::codegen::{Service, http};
use tonic::server::NamedService;

use super::{Received, Reply, State};

const EXPORT_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// Requests up to this size are decoded (tonic's own 4 MiB limit would answer before
/// `Reply::TooLarge` could).
const MAX_REQUEST: usize = 256 * 1024 * 1024;

/// The trace service, answering as the receiver's [`State`] is set up.
#[derive(Clone)]
pub(super) struct TraceServer {
    state: Arc<State>,
}

impl TraceServer {
    pub(super) fn new(state: Arc<State>) -> Self {
        TraceServer { state }
    }
}

impl NamedService for TraceServer {
    const NAME: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
}

type Answer = Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

impl Service<http::Request<Body>> for TraceServer {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Answer {
        let state = Arc::clone(&self.state);
        Box::pin(async move {
            if request.uri().path() != EXPORT_PATH {
                return Ok(Status::unimplemented("no such method").into_http());
            }
            let mut grpc = tonic::server::Grpc::new(TraceCodec)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(MAX_REQUEST);
            Ok(grpc.unary(Export(state), request).await)
        })
    }
}

/// A request as decoded, with its encoded (uncompressed) size.
struct Decoded {
    request: ExportTraceServiceRequest,
    size: usize,
}

/// tonic-prost's encoder for the answer; the decoder above for the request.
struct TraceCodec;

impl Codec for TraceCodec {
    type Encode = ExportTraceServiceResponse;
    type Decode = Decoded;
    type Encoder = tonic_prost::ProstEncoder<ExportTraceServiceResponse>;
    type Decoder = ContiguousDecoder;

    fn encoder(&mut self) -> Self::Encoder {
        tonic_prost::ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        ContiguousDecoder
    }
}

struct ContiguousDecoder;

impl Decoder for ContiguousDecoder {
    type Item = Decoded;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Decoded>, Status> {
        // Hands over tonic's buffer, no copy.
        let bytes = buf.copy_to_bytes(buf.remaining());
        let size = bytes.len();
        ExportTraceServiceRequest::decode(bytes)
            .map(|request| Some(Decoded { request, size }))
            .map_err(|err| Status::internal(format!("cannot decode the request: {err}")))
    }
}

/// The `Export` method.
struct Export(Arc<State>);

type Exported = Pin<
    Box<dyn Future<Output = Result<tonic::Response<ExportTraceServiceResponse>, Status>> + Send>,
>;

impl Service<tonic::Request<Decoded>> for Export {
    type Response = tonic::Response<ExportTraceServiceResponse>;
    type Error = Status;
    type Future = Exported;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Status>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: tonic::Request<Decoded>) -> Exported {
        let state = Arc::clone(&self.0);
        Box::pin(async move { export(&state, request).await })
    }
}

async fn export(
    state: &State,
    request: tonic::Request<Decoded>,
) -> Result<tonic::Response<ExportTraceServiceResponse>, Status> {
    let headers = request
        .metadata()
        .clone()
        .into_headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let Decoded { request, size } = request.into_inner();
    state.wait_latency().await;
    let reply = state.answer(size);
    state.record(
        Received {
            headers,
            path: EXPORT_PATH.to_owned(),
            request,
            at: Instant::now(),
            size,
            accepted: reply == Reply::Accept,
        },
        reply,
    );
    match reply {
        Reply::Accept => Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        })),
        Reply::RefuseCredentials => Err(Status::unauthenticated("invalid license key")),
        Reply::Unavailable | Reply::HttpStatus(_) => {
            Err(Status::unavailable("collector restarting"))
        }
        Reply::Throttle { seconds } => {
            use tonic_types::{ErrorDetails, StatusExt};
            Err(Status::with_error_details(
                tonic::Code::ResourceExhausted,
                "slow down",
                ErrorDetails::with_retry_info(Some(Duration::from_secs(seconds))),
            ))
        }
        Reply::TooLarge { limit } => Err(Status::resource_exhausted(format!(
            "grpc: received message larger than max ({size} vs. {limit})"
        ))),
        Reply::Exhausted => Err(Status::resource_exhausted("quota exceeded")),
        Reply::GrpcCode(code) => Err(Status::new(code, "answered as set up")),
    }
}
