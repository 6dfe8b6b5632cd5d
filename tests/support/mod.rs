//! Real OTLP receivers for the integration tests, run inside the test process on loopback:
//! gRPC through the official `TraceService` server from `opentelemetry-proto`, HTTP through
//! hyper decoding `ExportTraceServiceRequest` with prost, either one optionally over TLS with a
//! certificate authority the test generates. Each receiver stops when dropped.

#![allow(dead_code)] // Each test binary uses a different part.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How the receiver answers every export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Accept,
    /// gRPC `UNAUTHENTICATED` or HTTP 401, as a trace server does for a bad license key.
    RefuseCredentials,
}

/// One export request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// Request headers / gRPC metadata, names lower-case.
    pub headers: Vec<(String, String)>,
    /// HTTP path (`/opentelemetry.proto.collector.trace.v1.TraceService/Export` for gRPC).
    pub path: String,
    pub request: ExportTraceServiceRequest,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn span_names(&self) -> Vec<String> {
        self.request
            .resource_spans
            .iter()
            .flat_map(|rs| &rs.scope_spans)
            .flat_map(|ss| &ss.spans)
            .map(|s| s.name.clone())
            .collect()
    }

    /// A string resource attribute of the first resource.
    pub fn resource_attribute(&self, key: &str) -> Option<String> {
        let resource = self.request.resource_spans.first()?.resource.as_ref()?;
        resource
            .attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                Value::StringValue(s) => Some(s.clone()),
                _ => None,
            })
    }
}

/// A certificate authority and a server certificate for 127.0.0.1 / localhost signed by it.
pub struct TestCertificates {
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    /// The CA written to a file, for `.ca_certificate(path)`.
    pub ca_file: PathBuf,
}

impl TestCertificates {
    pub fn generate(name: &str) -> Self {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server_cert =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .unwrap()
                .signed_by(&server_key, &ca)
                .unwrap();
        let ca_file = std::env::temp_dir().join(format!(
            "iftracer-test-ca-{}-{name}.pem",
            std::process::id()
        ));
        std::fs::write(&ca_file, ca.pem()).unwrap();
        TestCertificates {
            ca_pem: ca.pem(),
            server_cert_pem: server_cert.pem(),
            server_key_pem: server_key.serialize_pem(),
            ca_file,
        }
    }
}

impl Drop for TestCertificates {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca_file);
    }
}

/// A running receiver; dropping it stops the server and its thread.
pub struct Receiver {
    addr: SocketAddr,
    tls: bool,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// OTLP/gRPC on 127.0.0.1, TLS when `tls` is given.
    pub fn grpc(reply: Reply, tls: Option<&TestCertificates>) -> Receiver {
        let identity = tls
            .map(|c| tonic::transport::Identity::from_pem(&c.server_cert_pem, &c.server_key_pem));
        Receiver::start(identity.is_some(), move |listener, received, stop| {
            Box::pin(async move {
                let mut server = tonic::transport::Server::builder();
                if let Some(identity) = identity {
                    server = server
                        .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
                        .unwrap();
                }
                server
                    .add_service(TraceServiceServer::new(GrpcCollector { reply, received }))
                    .serve_with_incoming_shutdown(
                        tokio_stream::wrappers::TcpListenerStream::new(listener),
                        async {
                            let _ = stop.await;
                        },
                    )
                    .await
                    .unwrap();
            })
        })
    }

    /// OTLP/HTTP (protobuf) on 127.0.0.1, TLS when `tls` is given.
    pub fn http(reply: Reply, tls: Option<&TestCertificates>) -> Receiver {
        let acceptor = tls.map(tls_acceptor);
        Receiver::start(acceptor.is_some(), move |listener, received, mut stop| {
            Box::pin(async move {
                loop {
                    let (stream, _) = tokio::select! {
                        _ = &mut stop => return,
                        accepted = listener.accept() => match accepted {
                            Ok(accepted) => accepted,
                            Err(_) => continue,
                        },
                    };
                    let received = Arc::clone(&received);
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |request| {
                            handle_http(request, reply, Arc::clone(&received))
                        });
                        let http = hyper::server::conn::http1::Builder::new();
                        match acceptor {
                            Some(acceptor) => {
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    let _ =
                                        http.serve_connection(TokioIo::new(stream), service).await;
                                }
                            }
                            None => {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    });
                }
            })
        })
    }

    fn start<F>(tls: bool, serve: F) -> Receiver
    where
        F: FnOnce(
                TcpListener,
                Arc<Mutex<Vec<Received>>>,
                oneshot::Receiver<()>,
            ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
            + Send
            + 'static,
    {
        let received = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = oneshot::channel();
        let (ready, addr) = std::sync::mpsc::channel();
        let thread_received = Arc::clone(&received);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready.send(listener.local_addr().unwrap()).unwrap();
                serve(listener, thread_received, stopped).await;
            });
        });
        let addr = addr.recv_timeout(Duration::from_secs(10)).unwrap();
        Receiver {
            addr,
            tls,
            received,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, or `https://…` for a TLS receiver.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `spans` spans arrived (or 10 s passed) and returns the requests.
    pub fn wait_for_spans(&self, spans: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received();
            let count: usize = received.iter().map(|r| r.span_names().len()).sum();
            if count >= spans || Instant::now() > deadline {
                return received;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct GrpcCollector {
    reply: Reply,
    received: Arc<Mutex<Vec<Received>>>,
}

#[tonic::async_trait]
impl TraceService for GrpcCollector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let headers = request
            .metadata()
            .clone()
            .into_headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        self.received.lock().unwrap().push(Received {
            headers,
            path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export".to_owned(),
            request: request.into_inner(),
        });
        match self.reply {
            Reply::Accept => Ok(tonic::Response::new(ExportTraceServiceResponse {
                partial_success: None,
            })),
            Reply::RefuseCredentials => Err(tonic::Status::unauthenticated("invalid license key")),
        }
    }
}

async fn handle_http(
    request: hyper::Request<Incoming>,
    reply: Reply,
    received: Arc<Mutex<Vec<Received>>>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let headers = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return Ok(status(400)),
    };
    let Ok(decoded) = ExportTraceServiceRequest::decode(body) else {
        return Ok(status(400));
    };
    received.lock().unwrap().push(Received {
        headers,
        path: path.clone(),
        request: decoded,
    });
    if path != "/v1/traces" {
        return Ok(status(404));
    }
    if reply == Reply::RefuseCredentials {
        return Ok(status(401));
    }
    let body = ExportTraceServiceResponse {
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

fn tls_acceptor(certs: &TestCertificates) -> tokio_rustls::TlsAcceptor {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_slice_iter(certs.server_cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(certs.server_key_pem.as_bytes()).unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}
