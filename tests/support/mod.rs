//! Real OTLP receivers for the integration tests, run inside the test process on loopback:
//! gRPC through tonic's server with `opentelemetry-proto`'s messages (see `grpc_trace`), HTTP through
//! hyper decoding `ExportTraceServiceRequest` with prost, either one optionally over TLS with a
//! certificate authority the test generates. Each receiver stops when dropped.
//! [`litellm`]: a LiteLLM proxy (OpenAI- and Anthropic-compatible, mocked models) on loopback.

pub mod gateway;
mod grpc_trace;
pub mod litellm;
pub mod metrics;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How the receiver answers exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Accept,
    /// gRPC `UNAUTHENTICATED` or HTTP 401, as a trace server does for a bad license key.
    RefuseCredentials,
    /// gRPC `UNAVAILABLE` or HTTP 503: a collector restarting or overloaded.
    Unavailable,
    /// gRPC `RESOURCE_EXHAUSTED` with `RetryInfo`, or HTTP 429 with `Retry-After`, asking the
    /// client to wait this many seconds.
    Throttle {
        seconds: u64,
    },
    /// This HTTP status (gRPC answers `UNAVAILABLE`).
    HttpStatus(u16),
    /// Accepts requests up to `limit` encoded bytes and refuses larger ones as a Go collector
    /// does: gRPC `RESOURCE_EXHAUSTED` ("message larger than max"), HTTP 413.
    TooLarge {
        limit: usize,
    },
    /// gRPC `RESOURCE_EXHAUSTED` without `RetryInfo` (a quota), or HTTP 429 without
    /// `Retry-After`.
    Exhausted,
    /// This gRPC status code (HTTP answers 503).
    GrpcCode(tonic::Code),
}

/// How a receiver is set up; `Setup::default()` is an always-accepting plaintext receiver on a
/// free port that keeps every request.
#[derive(Clone)]
pub struct Setup {
    pub reply: Reply,
    /// `Some(n)`: `reply` applies to the first `n` requests only, later ones are accepted.
    pub times: Option<usize>,
    /// 0 for any free port.
    pub port: u16,
    /// Keep each request for `received()`; off for load tests, where only counts matter.
    pub keep: bool,
    /// Answer each request this much later, as a collector across a network does (its round
    /// trip); requests are still served concurrently.
    pub latency: Duration,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            reply: Reply::Accept,
            times: None,
            port: 0,
            keep: true,
            latency: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Grpc,
    Http,
}

/// What every connection of one receiver shares.
struct State {
    setup: Setup,
    received: Mutex<Vec<Received>>,
    /// Requests answered so far (for `Setup::times`).
    requests: AtomicUsize,
    /// Spans in accepted requests.
    accepted_spans: AtomicUsize,
    /// Requests waiting out `Setup::latency` now, and the most at once.
    waiting: AtomicUsize,
    peak_waiting: AtomicUsize,
}

impl State {
    async fn wait_latency(&self) {
        if !self.setup.latency.is_zero() {
            let now = self.waiting.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak_waiting.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(self.setup.latency).await;
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The answer to the next request of `size` encoded bytes.
    fn answer(&self, size: usize) -> Reply {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        match (self.setup.reply, self.setup.times) {
            (Reply::TooLarge { limit }, _) if size <= limit => Reply::Accept,
            (reply, Some(times)) if n < times => reply,
            (_, Some(_)) => Reply::Accept,
            (reply, None) => reply,
        }
    }

    fn record(&self, received: Received, reply: Reply) {
        if reply == Reply::Accept {
            self.accepted_spans
                .fetch_add(received.span_count(), Ordering::SeqCst);
        }
        if self.setup.keep {
            self.received.lock().unwrap().push(received);
        }
    }
}

/// One export request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// Request headers / gRPC metadata, names lower-case.
    pub headers: Vec<(String, String)>,
    /// HTTP path (`/opentelemetry.proto.collector.trace.v1.TraceService/Export` for gRPC).
    pub path: String,
    pub request: ExportTraceServiceRequest,
    /// When it arrived.
    pub at: Instant,
    /// Its encoded size in bytes.
    pub size: usize,
    /// Whether the receiver accepted it.
    pub accepted: bool,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn span_count(&self) -> usize {
        self.request
            .resource_spans
            .iter()
            .flat_map(|rs| &rs.scope_spans)
            .map(|ss| ss.spans.len())
            .sum()
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
    transport: Transport,
    identity: Option<tonic::transport::Identity>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Receiver {
    /// OTLP/gRPC on 127.0.0.1, TLS when `tls` is given.
    pub fn grpc(reply: Reply, tls: Option<&TestCertificates>) -> Receiver {
        let setup = Setup {
            reply,
            ..Setup::default()
        };
        Receiver::start(Transport::Grpc, setup, tls)
    }

    /// OTLP/HTTP (protobuf) on 127.0.0.1, TLS when `tls` is given.
    pub fn http(reply: Reply, tls: Option<&TestCertificates>) -> Receiver {
        let setup = Setup {
            reply,
            ..Setup::default()
        };
        Receiver::start(Transport::Http, setup, tls)
    }

    /// OTLP/gRPC on 127.0.0.1, plaintext, set up as given.
    pub fn grpc_with(setup: Setup) -> Receiver {
        Receiver::start(Transport::Grpc, setup, None)
    }

    /// OTLP/HTTP on 127.0.0.1, plaintext, set up as given.
    pub fn http_with(setup: Setup) -> Receiver {
        Receiver::start(Transport::Http, setup, None)
    }

    /// OTLP/gRPC on 127.0.0.1 over TLS, set up as given.
    pub fn grpc_tls_with(setup: Setup, tls: &TestCertificates) -> Receiver {
        Receiver::start(Transport::Grpc, setup, Some(tls))
    }

    fn start(transport: Transport, setup: Setup, tls: Option<&TestCertificates>) -> Receiver {
        let identity = match (transport, tls) {
            (Transport::Grpc, Some(c)) => Some(tonic::transport::Identity::from_pem(
                &c.server_cert_pem,
                &c.server_key_pem,
            )),
            _ => None,
        };
        let acceptor = match (transport, tls) {
            (Transport::Http, Some(c)) => Some(tls_acceptor(c)),
            _ => None,
        };
        let port = setup.port;
        let mut receiver = Receiver {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            transport,
            identity,
            acceptor,
            state: Arc::new(State {
                setup,
                received: Mutex::new(Vec::new()),
                requests: AtomicUsize::new(0),
                accepted_spans: AtomicUsize::new(0),
                waiting: AtomicUsize::new(0),
                peak_waiting: AtomicUsize::new(0),
            }),
            stop: None,
            thread: None,
        };
        receiver.serve();
        receiver
    }

    /// Starts serving on `self.addr` (a free port the first time, the same port after a stop).
    fn serve(&mut self) {
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, addr) = std::sync::mpsc::channel();
        let state = Arc::clone(&self.state);
        let transport = self.transport;
        let identity = self.identity.clone();
        let acceptor = self.acceptor.clone();
        let bind_to = self.addr;
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                // tokio sets SO_REUSEADDR, so a restarted receiver gets its old port back.
                let listener = TcpListener::bind(bind_to).await.unwrap();
                ready.send(listener.local_addr().unwrap()).unwrap();
                match transport {
                    Transport::Grpc => serve_grpc(listener, state, identity, stopped).await,
                    Transport::Http => serve_http(listener, state, acceptor, stopped).await,
                }
            });
        });
        self.addr = addr.recv_timeout(Duration::from_secs(10)).unwrap();
        self.stop = Some(stop);
        self.thread = Some(thread);
    }

    /// Stops the server (the port is closed: connections are refused) until `restart`.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// Serves again on the same port, answering as set up, keeping what was received.
    pub fn restart(&mut self) {
        self.stop();
        self.serve();
    }

    /// `http://127.0.0.1:PORT`, or `https://…` for a TLS receiver.
    pub fn endpoint(&self) -> String {
        let tls = self.identity.is_some() || self.acceptor.is_some();
        let scheme = if tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Spans in the requests this receiver accepted (counted even when requests are not kept).
    pub fn accepted_spans(&self) -> usize {
        self.state.accepted_spans.load(Ordering::SeqCst)
    }

    /// With `Setup::latency`: the most requests that were on their way at the same time.
    pub fn peak_concurrent_requests(&self) -> usize {
        self.state.peak_waiting.load(Ordering::SeqCst)
    }

    /// Requests answered, accepted or not.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Waits until at least `spans` spans arrived (or 10 s passed) and returns the requests.
    pub fn wait_for_spans(&self, spans: usize) -> Vec<Received> {
        self.wait_for_accepted(spans, Duration::from_secs(10));
        self.received()
    }

    /// Waits until at least `spans` spans were accepted or `limit` passed; returns the count.
    pub fn wait_for_accepted(&self, spans: usize, limit: Duration) -> usize {
        let deadline = Instant::now() + limit;
        loop {
            let count = self.accepted_spans();
            if count >= spans || Instant::now() > deadline {
                return count;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An HTTP request's body as sent before `content-encoding: gzip`; `None` if it does not
/// decompress.
pub(crate) fn plain_body(headers: &[(String, String)], body: Bytes) -> Option<Bytes> {
    let gzip = headers
        .iter()
        .any(|(k, v)| k == "content-encoding" && v == "gzip");
    if !gzip {
        return Some(body);
    }
    let mut plain = Vec::new();
    use std::io::Read as _;
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut plain)
        .ok()?;
    Some(Bytes::from(plain))
}

async fn serve_grpc(
    listener: TcpListener,
    state: Arc<State>,
    identity: Option<tonic::transport::Identity>,
    stopped: oneshot::Receiver<()>,
) {
    let mut server = tonic::transport::Server::builder();
    if let Some(identity) = identity {
        server = server
            .tls_config(tonic::transport::ServerTlsConfig::new().identity(identity))
            .unwrap();
    }
    server
        .add_service(grpc_trace::TraceServer::new(state))
        .add_service(metrics::accept_and_ignore())
        .serve_with_incoming_shutdown(
            // As collectors do (grpc-go sets TCP_NODELAY): with Nagle's algorithm on, the small
            // response frames wait for the client's delayed ACK.
            tokio_stream::StreamExt::map(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                |stream| {
                    stream.inspect(|stream| {
                        let _ = stream.set_nodelay(true);
                    })
                },
            ),
            async {
                let _ = stopped.await;
            },
        )
        .await
        .unwrap();
}

async fn serve_http(
    listener: TcpListener,
    state: Arc<State>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    mut stopped: oneshot::Receiver<()>,
) {
    // Connections are tracked so that stopping closes them too, as a dead process would.
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut stopped => {
                connections.abort_all();
                return;
            }
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => continue,
            },
        };
        let state = Arc::clone(&state);
        let acceptor = acceptor.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| handle_http(request, Arc::clone(&state)));
            let http = hyper::server::conn::http1::Builder::new();
            match acceptor {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
                None => {
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                }
            }
        });
    }
}

async fn handle_http(
    request: hyper::Request<Incoming>,
    state: Arc<State>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    if path == "/v1/metrics" {
        return Ok(metrics::http_accept_and_ignore());
    }
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return Ok(status(400)),
    };
    let size = body.len();
    let Some(body) = plain_body(&headers, body) else {
        return Ok(status(400));
    };
    let Ok(decoded) = ExportTraceServiceRequest::decode(body) else {
        return Ok(status(400));
    };
    state.wait_latency().await;
    let reply = if path == "/v1/traces" {
        state.answer(size)
    } else {
        Reply::HttpStatus(404)
    };
    state.record(
        Received {
            headers,
            path,
            request: decoded,
            at: Instant::now(),
            size,
            accepted: reply == Reply::Accept,
        },
        reply,
    );
    match reply {
        Reply::Accept => {}
        Reply::RefuseCredentials => return Ok(status(401)),
        Reply::Unavailable | Reply::GrpcCode(_) => return Ok(status(503)),
        Reply::HttpStatus(code) => return Ok(status(code)),
        Reply::TooLarge { .. } => return Ok(status(413)),
        Reply::Exhausted => return Ok(status(429)),
        Reply::Throttle { seconds } => {
            return Ok(hyper::Response::builder()
                .status(429)
                .header("retry-after", seconds.to_string())
                .body(Full::new(Bytes::new()))
                .unwrap());
        }
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

/// Whether a child process started by a test keeps the variable `name` of the test's own
/// environment: the toolchain's, the home and temporary directories, and where the test tools
/// are (`IFTRACER_TEST_*`). Everything else, collector settings and credentials from the
/// developer's shell above all, is left out.
fn kept_for_children(name: &str) -> bool {
    matches!(name, "PATH" | "HOME" | "TMPDIR" | "LANG" | "LC_ALL")
        || name.starts_with("CARGO")
        || name.starts_with("RUST")
        || name.starts_with("IFTRACER_TEST_")
}

/// A command for `program` that starts from a cleared environment (only the variables
/// [`kept_for_children`] names): the test sets what the program needs, so a developer's
/// `INSIGHTFINDER_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` cannot send test spans to
/// their collector.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    command.env_clear();
    command
        .envs(std::env::vars_os().filter(|(name, _)| name.to_str().is_some_and(kept_for_children)));
    command
}

/// Whether `name` configures tracing: iftracer's, InsightFinder's and OpenTelemetry's variables
/// (not `IFTRACER_TEST_*`, which only locates the test tools).
pub fn is_tracing_setting(name: &str) -> bool {
    name.starts_with("OTEL_")
        || name.starts_with("INSIGHTFINDER_")
        || (name.starts_with("IFTRACER_") && !name.starts_with("IFTRACER_TEST_"))
}

/// Removes every tracing setting ([`is_tracing_setting`]) from this process's environment, so
/// a test that reads the process environment sees only what it sets.
///
/// # Safety
///
/// As for [`std::env::remove_var`]: no other thread may read or write the environment
/// meanwhile (call it first thing in a binary's only test).
pub unsafe fn clear_tracing_env() {
    let names: Vec<_> = std::env::vars_os()
        .map(|(name, _)| name)
        .filter(|name| name.to_str().is_some_and(is_tracing_setting))
        .collect();
    for name in names {
        // SAFETY: the caller guarantees no concurrent environment access.
        unsafe { std::env::remove_var(name) };
    }
}

/// Peak resident memory of this process so far, in MiB (Linux; 0 elsewhere).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
