//! Receivers that throttle or fail never make the exporter multiply requests or stretch an
//! export past its timeout (real sockets, in-process receivers).

use iftracer_test_support as support;

use std::time::{Duration, Instant};

use iftracer::opentelemetry::KeyValue;
use iftracer::opentelemetry::trace::{Span, Tracer, TracerProvider};
use iftracer::{Iftracer, IftracerBuilder, Protocol, TracerGuard};
use support::{Receiver, Reply};

fn builder(receiver: &Receiver, protocol: Protocol) -> IftracerBuilder {
    Iftracer::builder()
        .ignore_env()
        .global(false)
        .endpoint(receiver.endpoint())
        .protocol(protocol)
        .export_timeout(Duration::from_secs(1))
        .scheduled_delay(Duration::from_millis(20))
}

/// Ends `count` spans, each with an attribute of `bytes` bytes, then flushes; returns how long
/// the flush took.
fn export(guard: &TracerGuard, count: usize, bytes: usize) -> Duration {
    let tracer = guard.provider().unwrap().tracer("hostile");
    for _ in 0..count {
        let mut span = tracer.start("payload");
        span.set_attribute(KeyValue::new("blob", "x".repeat(bytes)));
        span.end();
    }
    let started = Instant::now();
    let _ = guard.force_flush();
    started.elapsed()
}

#[test]
fn retry_after_zero_does_not_make_a_tight_loop() {
    let receiver = Receiver::http(Reply::Throttle { seconds: 0 }, None);
    let guard = builder(&receiver, Protocol::HttpProtobuf).init().unwrap();
    export(&guard, 1, 10);
    // Backoff waits of at least 50, 100, 200, 400 ms fit in the 1 s export timeout.
    let requests = receiver.requests();
    assert!(
        (2..=6).contains(&requests),
        "{requests} requests in one export timeout"
    );
    assert_eq!(guard.stats().spans_failed, 1);
    guard.shutdown().unwrap();
}

#[test]
fn a_quota_refusal_over_grpc_is_not_mistaken_for_a_too_large_request() {
    let receiver = Receiver::grpc(Reply::Exhausted, None);
    let guard = builder(&receiver, Protocol::Grpc)
        .max_value_length(8 * 1024)
        .init()
        .unwrap();
    // 31 spans of 8 KiB: large enough to be halved if the refusal were read as "too large".
    export(&guard, 31, 8 * 1024);
    // Without RetryInfo, RESOURCE_EXHAUSTED is final (OTLP specification): one request.
    assert_eq!(receiver.requests(), 1);
    assert_eq!(guard.stats().spans_failed, 31);
    guard.shutdown().unwrap();
}

#[test]
fn a_batch_of_several_requests_takes_one_export_timeout_in_all() {
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        // 503 / UNAVAILABLE is retried until the deadline: each request of the batch could take
        // a whole timeout.
        let receiver = match protocol {
            Protocol::Grpc => Receiver::grpc(Reply::Unavailable, None),
            _ => Receiver::http(Reply::Unavailable, None),
        };
        let guard = builder(&receiver, protocol)
            .max_value_length(2 * 1024 * 1024)
            .init()
            .unwrap();
        // 4 spans of 1.5 MiB: cut into requests of at most 3 MiB, so at least two requests.
        let took = export(&guard, 4, 1536 * 1024);
        assert!(
            took < Duration::from_millis(1900),
            "{protocol:?}: the batch took {took:?} for a 1 s export timeout"
        );
        assert!(receiver.requests() >= 2, "{protocol:?}");
        let stats = guard.stats();
        assert_eq!(
            (stats.spans_failed, stats.spans_exported),
            (4, 0),
            "{protocol:?}"
        );
        guard.shutdown().unwrap();
    }
}

/// A plain HTTP server on loopback that answers every request with status 200 and a body that
/// never ends (`0a 00`, an empty partial-success field, over and over) until the client hangs
/// up. Stopped on drop.
struct EndlessBody {
    address: std::net::SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EndlessBody {
    fn start() -> EndlessBody {
        use std::io::{Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let chunk = [0x0a, 0x00].repeat(8 * 1024);
            for connection in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut connection) = connection else {
                    continue;
                };
                // The request: read until its headers end (the small body follows them).
                let mut request = Vec::new();
                let mut buffer = [0; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match connection.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\n\r\n";
                if connection.write_all(head.as_bytes()).is_ok() {
                    while !stopped.load(Ordering::SeqCst) && connection.write_all(&chunk).is_ok() {}
                }
            }
        });
        EndlessBody {
            address,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for EndlessBody {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the accept loop.
        let _ = std::net::TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn an_endless_response_body_is_read_only_up_to_its_cap() {
    let server = EndlessBody::start();
    let guard = Iftracer::builder()
        .ignore_env()
        .global(false)
        .endpoint(format!("http://{}", server.address))
        .protocol(Protocol::HttpProtobuf)
        .export_timeout(Duration::from_secs(1))
        .scheduled_delay(Duration::from_millis(20))
        .init()
        .unwrap();
    // Read to its end, the answer would hold the export until its timeout and fail it.
    let took = export(&guard, 1, 10);
    let stats = guard.stats();
    assert_eq!(
        (stats.spans_exported, stats.spans_failed),
        (1, 0),
        "took {took:?}"
    );
    assert!(took < Duration::from_millis(900), "{took:?}");
    guard.shutdown().unwrap();
}
