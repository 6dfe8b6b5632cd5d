//! Builds with transports, TLS or the macros compiled out refuse what they cannot do with a
//! typed error naming the cargo feature, never a panic; what they can do still works.
//!
//! CI runs this binary with `--no-default-features` (every optional part off) besides the
//! default run; the other combinations are compile-checked (`.ci/run`).

use iftracer::{Error, Iftracer, IftracerBuilder, Protocol};

fn builder() -> IftracerBuilder {
    Iftracer::builder().ignore_env().global(false)
}

fn init_error(builder: IftracerBuilder) -> Option<Error> {
    builder.init().err()
}

#[test]
fn grpc_needs_the_grpc_tonic_feature() {
    let error = init_error(
        builder()
            .endpoint("http://127.0.0.1:4317")
            .protocol(Protocol::Grpc),
    );
    if cfg!(feature = "grpc-tonic") {
        assert!(error.is_none(), "{error:?}");
    } else {
        let error = error.expect("gRPC without grpc-tonic is refused");
        assert!(
            matches!(
                error,
                Error::TransportNotEnabled {
                    feature: "grpc-tonic",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("`grpc-tonic` cargo feature"),
            "{error}"
        );
    }
}

#[test]
fn http_needs_the_http_proto_feature() {
    let error = init_error(
        builder()
            .endpoint("http://127.0.0.1:4318")
            .protocol(Protocol::HttpProtobuf),
    );
    if cfg!(feature = "http-proto") {
        assert!(error.is_none(), "{error:?}");
    } else {
        let error = error.expect("OTLP/HTTP without http-proto is refused");
        assert!(
            matches!(
                error,
                Error::TransportNotEnabled {
                    feature: "http-proto",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("`http-proto` cargo feature"),
            "{error}"
        );
    }
}

#[test]
fn an_https_endpoint_needs_the_tls_feature() {
    // The transport that is compiled in, so only TLS can be missing.
    let protocol = if cfg!(feature = "grpc-tonic") {
        Protocol::Grpc
    } else {
        Protocol::HttpProtobuf
    };
    let error = init_error(
        builder()
            .endpoint("https://127.0.0.1:4317")
            .protocol(protocol),
    );
    let expected = if !cfg!(any(feature = "grpc-tonic", feature = "http-proto")) {
        "no transport"
    } else if !cfg!(feature = "tls") {
        "no tls"
    } else {
        "ok"
    };
    let got = match &error {
        Some(Error::TlsNotEnabled { endpoint }) => {
            assert!(endpoint.starts_with("https://127.0.0.1:4317"), "{endpoint}");
            "no tls"
        }
        Some(Error::TransportNotEnabled { .. }) => "no transport",
        None => "ok",
        Some(other) => panic!("unexpected error: {other}"),
    };
    assert_eq!(got, expected, "{error:?}");
}

/// The environment route gives the same typed error as the builder.
#[test]
fn the_environment_is_refused_the_same_way() {
    let env = |name: &str| match name {
        "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://127.0.0.1:4317".into()),
        "OTEL_EXPORTER_OTLP_PROTOCOL" => Some("grpc".into()),
        _ => None,
    };
    let error = init_error(Iftracer::builder().global(false).env_source(env));
    assert_eq!(error.is_some(), !cfg!(feature = "grpc-tonic"), "{error:?}");
}

/// Without an endpoint no transport is needed: the terminal exporter works in every build,
/// and spans made without the macros are counted.
#[test]
fn without_an_endpoint_every_build_traces() {
    use iftracer::opentelemetry::trace::{Tracer, TracerProvider};
    let guard = builder().init().unwrap();
    guard
        .provider()
        .unwrap()
        .tracer("features")
        .in_span("step", |_| {});
    guard.shutdown().unwrap();
    assert_eq!(guard.stats().spans_exported, 1);
}
