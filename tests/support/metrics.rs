//! A real OTLP metrics receiver in the test process, on loopback: gRPC through the official
//! `MetricsService` server from `opentelemetry-proto`, HTTP through hyper decoding
//! `ExportMetricsServiceRequest` with prost at `/v1/metrics` (gzipped bodies too). A hung
//! receiver accepts connections and never answers. Stops when dropped.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::{HistogramDataPoint, Metric};
use prost::Message;
use tokio::net::TcpListener;

use crate::plain_body;

/// One export request as received.
#[derive(Debug, Clone)]
pub struct Export {
    /// Header names lower-case (gRPC metadata included).
    pub headers: Vec<(String, String)>,
    pub path: String,
    pub request: ExportMetricsServiceRequest,
}

impl Export {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A histogram data point with its attributes as strings.
#[derive(Debug, Clone)]
pub struct Point {
    pub attributes: Vec<(String, String)>,
    pub count: u64,
    pub sum: f64,
    pub bounds: Vec<f64>,
}

impl Point {
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A running receiver.
pub struct MetricsReceiver {
    addr: SocketAddr,
    tls: bool,
    received: Arc<Mutex<Vec<Export>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl MetricsReceiver {
    pub fn grpc() -> Self {
        Self::start(true, false, None)
    }

    pub fn http() -> Self {
        Self::start(false, false, None)
    }

    /// gRPC over TLS with the test certificate authority's server certificate.
    pub fn grpc_tls(certs: &super::TestCertificates) -> Self {
        Self::start(true, false, Some(certs))
    }

    /// Accepts connections and requests, never answers.
    pub fn hung(grpc: bool) -> Self {
        Self::start(grpc, true, None)
    }

    fn start(grpc: bool, hang: bool, tls: Option<&super::TestCertificates>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let state = Arc::clone(&received);
        if grpc {
            let service = MetricsServiceServer::new(Collector {
                received: Some(state),
                hang,
            })
            .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
            let mut server = tonic::transport::Server::builder();
            if let Some(certs) = tls {
                let identity = tonic::transport::Identity::from_pem(
                    &certs.server_cert_pem,
                    &certs.server_key_pem,
                );
                server = server
                    .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
                    .unwrap();
            }
            runtime.spawn(async move {
                let _ = server
                    .add_service(service)
                    .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
                    .await;
            });
        } else {
            runtime.spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let state = Arc::clone(&state);
                    tokio::spawn(async move {
                        let service = service_fn(move |request| {
                            handle_http(request, Arc::clone(&state), hang)
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        }
        MetricsReceiver {
            addr,
            tls: tls.is_some(),
            received,
            runtime: Some(runtime),
        }
    }

    /// `http(s)://127.0.0.1:PORT`: the gRPC URL or the OTLP/HTTP base URL.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn exports(&self) -> Vec<Export> {
        self.received.lock().unwrap().clone()
    }

    /// Waits up to `limit` for at least `count` export requests.
    pub fn wait_for_exports(&self, count: usize, limit: Duration) -> Vec<Export> {
        let start = Instant::now();
        loop {
            let exports = self.exports();
            if exports.len() >= count || start.elapsed() > limit {
                return exports;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for MetricsReceiver {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Every metric of every export, in order.
pub fn metrics(exports: &[Export]) -> Vec<Metric> {
    exports
        .iter()
        .flat_map(|e| &e.request.resource_metrics)
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .cloned()
        .collect()
}

/// The histogram points of the metric `name`, over every export.
pub fn histogram_points(exports: &[Export], name: &str) -> Vec<Point> {
    metrics(exports)
        .into_iter()
        .filter(|m| m.name == name)
        .flat_map(|m| match m.data {
            Some(Data::Histogram(h)) => h.data_points,
            _ => Vec::new(),
        })
        .map(|p: HistogramDataPoint| Point {
            attributes: p.attributes.iter().map(string_pair).collect(),
            count: p.count,
            sum: p.sum.unwrap_or_default(),
            bounds: p.explicit_bounds,
        })
        .collect()
}

fn string_pair(kv: &KeyValue) -> (String, String) {
    let value = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    };
    (kv.key.clone(), value)
}

/// The trace receivers take metrics too, as a collector does, and ignore them: iftracer exports
/// GenAI metrics to every OTLP endpoint by default.
pub(crate) fn accept_and_ignore() -> MetricsServiceServer<impl MetricsService> {
    MetricsServiceServer::new(Collector {
        received: None,
        hang: false,
    })
    .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
}

pub(crate) fn http_accept_and_ignore() -> hyper::Response<Full<Bytes>> {
    let body = ExportMetricsServiceResponse {
        partial_success: None,
    }
    .encode_to_vec();
    hyper::Response::builder()
        .header("content-type", "application/x-protobuf")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

struct Collector {
    /// `None`: accept and forget.
    received: Option<Arc<Mutex<Vec<Export>>>>,
    hang: bool,
}

#[tonic::async_trait]
impl MetricsService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let Some(received) = &self.received else {
            return Ok(tonic::Response::new(ExportMetricsServiceResponse {
                partial_success: None,
            }));
        };
        let headers = request
            .metadata()
            .clone()
            .into_headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        received.lock().unwrap().push(Export {
            headers,
            path: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export".to_owned(),
            request: request.into_inner(),
        });
        if self.hang {
            std::future::pending::<()>().await;
        }
        Ok(tonic::Response::new(ExportMetricsServiceResponse {
            partial_success: None,
        }))
    }
}

async fn handle_http(
    request: hyper::Request<hyper::body::Incoming>,
    received: Arc<Mutex<Vec<Export>>>,
    hang: bool,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let Ok(body) = request.into_body().collect().await else {
        return Ok(status(400));
    };
    let body = body.to_bytes();
    let Some(body) = plain_body(&headers, body) else {
        return Ok(status(400));
    };
    let Ok(decoded) = ExportMetricsServiceRequest::decode(body) else {
        return Ok(status(400));
    };
    received.lock().unwrap().push(Export {
        headers,
        path: path.clone(),
        request: decoded,
    });
    if hang {
        std::future::pending::<()>().await;
    }
    if path != "/v1/metrics" {
        return Ok(status(404));
    }
    let body = ExportMetricsServiceResponse {
        partial_success: None,
    }
    .encode_to_vec();
    Ok(hyper::Response::builder()
        .header("content-type", "application/x-protobuf")
        .body(Full::new(Bytes::from(body)))
        .unwrap())
}

fn status(code: u16) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(code)
        .body(Full::new(Bytes::new()))
        .unwrap()
}
