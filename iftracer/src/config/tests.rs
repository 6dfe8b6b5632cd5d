//! Resolution tests: precedence (builder > environment > default), parsing and error messages.

use std::collections::HashMap;
use std::ffi::OsString;
use std::time::Duration;

use super::env::{Env, Lookup};
use super::*;
use crate::error::Setting;

fn lookup(pairs: &[(&str, &str)]) -> Box<Lookup> {
    let map: HashMap<String, OsString> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), OsString::from(*v)))
        .collect();
    Box::new(move |name| map.get(name).cloned())
}

fn resolve_with(settings: &Settings, pairs: &[(&str, &str)]) -> Result<Config, Error> {
    let lookup = lookup(pairs);
    resolve(settings, &Env::new(&*lookup), false)
}

fn otlp(settings: &Settings, pairs: &[(&str, &str)]) -> OtlpConfig {
    resolve_with(settings, pairs)
        .unwrap()
        .otlp
        .expect("an OTLP destination")
}

fn err(settings: &Settings, pairs: &[(&str, &str)]) -> String {
    resolve_with(settings, pairs).unwrap_err().to_string()
}

const IF_CREDS: [(&str, &str); 4] = [
    ("INSIGHTFINDER_USER", "env-user"),
    ("INSIGHTFINDER_LICENSE_KEY", "env-key"),
    ("INSIGHTFINDER_PROJECT_NAME", "env-project"),
    ("INSIGHTFINDER_SYSTEM_NAME", "env-system"),
];

#[test]
fn defaults_without_any_setting() {
    let config = resolve_with(&Settings::default(), &[]).unwrap();
    assert!(config.otlp.is_none(), "no endpoint means the console");
    assert_eq!(config.export_mode, ExportMode::Batch);
    assert_eq!(
        config.batch,
        BatchSettings {
            max_queue_size: 2048,
            max_export_batch_size: 512,
            scheduled_delay: Duration::from_millis(5000),
        }
    );
    assert_eq!(config.export_timeout, Duration::from_secs(10));
    assert_eq!(config.shutdown_timeout, Duration::from_secs(5));
    assert_eq!(config.sampler, Sampler::ParentBasedAlwaysOn);
    let service = config
        .resource
        .iter()
        .find(|kv| kv.key.as_str() == "service.name")
        .unwrap();
    assert!(service.value.as_str().starts_with("unknown_service"));
}

#[test]
fn endpoint_precedence_is_builder_then_insightfinder_then_traces_then_generic() {
    let all = [
        ("INSIGHTFINDER_ENDPOINT", "http://if:1"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:2"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:3"),
        IF_CREDS[0],
        IF_CREDS[1],
        IF_CREDS[2],
        IF_CREDS[3],
    ];
    let builder = Settings {
        endpoint: Some("http://builder:0".to_owned()),
        ..Settings::default()
    };
    assert_eq!(otlp(&builder, &all).endpoint.grpc_url(), "http://builder:0");
    assert_eq!(
        otlp(&Settings::default(), &all).endpoint.grpc_url(),
        "http://if:1"
    );
    assert_eq!(
        otlp(&Settings::default(), &all[1..]).endpoint.grpc_url(),
        "http://traces:2"
    );
    assert_eq!(
        otlp(&Settings::default(), &all[2..]).endpoint.grpc_url(),
        "http://generic:3"
    );
}

#[test]
fn the_traces_endpoint_is_used_as_given_over_http() {
    let config = otlp(
        &Settings::default(),
        &[
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/ingest"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ],
    );
    assert_eq!(config.protocol, Protocol::HttpProtobuf);
    assert_eq!(config.endpoint.http_url(), "http://c:4318/ingest");
    let config = otlp(
        &Settings::default(),
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")],
    );
    assert_eq!(config.endpoint.http_url(), "http://c:4318/v1/traces");
}

#[test]
fn protocol_precedence_and_default() {
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "HTTP/PROTOBUF"),
    ];
    assert_eq!(
        otlp(&Settings::default(), &env).protocol,
        Protocol::HttpProtobuf
    );
    let builder = Settings {
        protocol: Some(Protocol::Grpc),
        ..Settings::default()
    };
    assert_eq!(otlp(&builder, &env).protocol, Protocol::Grpc);
    assert_eq!(
        otlp(&Settings::default(), &env[..1]).protocol,
        Protocol::Grpc
    );
}

#[test]
fn header_precedence_is_builder_then_credentials_then_iftracer_then_otel() {
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "a=otel,b=otel,c=otel,ifuser=otel-user",
        ),
        ("IFTRACER_HEADERS", "b=iftracer,c=iftracer"),
        ("INSIGHTFINDER_USER", "env-user"),
        ("INSIGHTFINDER_LICENSE_KEY", "env-key"),
        ("INSIGHTFINDER_PROJECT", "alias-project"),
        ("INSIGHTFINDER_SYSTEM", "alias-system"),
    ];
    let builder = Settings {
        headers: vec![("C".to_owned(), Secret::new("builder"))],
        license_key: Some(Secret::new("builder-key")),
        ..Settings::default()
    };
    let headers = otlp(&builder, &env).headers;
    assert_eq!(headers.get("a"), Some("otel"));
    assert_eq!(headers.get("b"), Some("iftracer"));
    assert_eq!(headers.get("c"), Some("builder"));
    assert_eq!(headers.get("ifuser"), Some("env-user"));
    assert_eq!(headers.get("iflicensekey"), Some("builder-key"));
    assert_eq!(headers.get("ifproject"), Some("alias-project"));
    assert_eq!(headers.get("ifsystem"), Some("alias-system"));
}

#[test]
fn the_primary_credential_variables_win_over_their_aliases() {
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
        IF_CREDS[0],
        IF_CREDS[1],
        ("INSIGHTFINDER_PROJECT_NAME", "primary"),
        ("INSIGHTFINDER_PROJECT", "alias"),
        ("INSIGHTFINDER_SYSTEM_NAME", "primary-system"),
        ("INSIGHTFINDER_SYSTEM", "alias-system"),
    ];
    let headers = otlp(&Settings::default(), &env).headers;
    assert_eq!(headers.get("ifproject"), Some("primary"));
    assert_eq!(headers.get("ifsystem"), Some("primary-system"));
}

#[test]
fn bearer_token_becomes_an_authorization_header() {
    let builder = Settings {
        endpoint: Some("http://c:4318".to_owned()),
        bearer_token: Some(Secret::new("tk_1")),
        ..Settings::default()
    };
    let headers = otlp(&builder, &[]).headers;
    assert_eq!(headers.get("authorization"), Some("Bearer tk_1"));
}

#[test]
fn the_license_key_never_shows_in_debug_output() {
    let builder = Settings {
        endpoint: Some("http://c:4317".to_owned()),
        user: Some("u".to_owned()),
        license_key: Some(Secret::new("LK-TOP-SECRET-1")),
        project: Some("p".to_owned()),
        system: Some("s".to_owned()),
        bearer_token: Some(Secret::new("tk_TOP_SECRET_2")),
        headers: vec![("x-api-key".to_owned(), Secret::new("TOP-SECRET-3"))],
        ..Settings::default()
    };
    let env = [("IFTRACER_HEADERS", "iflicensekey=LK-TOP-SECRET-4")];
    let shown = format!("{builder:?} {:?}", resolve_with(&builder, &env).unwrap());
    for secret in [
        "LK-TOP-SECRET-1",
        "tk_TOP_SECRET_2",
        "TOP-SECRET-3",
        "LK-TOP-SECRET-4",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert!(shown.contains("<redacted>"));
}

#[test]
fn batch_settings_come_from_builder_then_env() {
    let env = [
        ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "500"),
        ("OTEL_BSP_SCHEDULE_DELAY", "250"),
    ];
    let config = resolve_with(&Settings::default(), &env).unwrap();
    assert_eq!(
        config.batch,
        BatchSettings {
            max_queue_size: 100,
            max_export_batch_size: 100, // clamped to the queue
            scheduled_delay: Duration::from_millis(250),
        }
    );
    let builder = Settings {
        max_queue_size: Some(4096),
        scheduled_delay: Some(Duration::from_millis(10)),
        ..Settings::default()
    };
    let config = resolve_with(&builder, &env).unwrap();
    assert_eq!(config.batch.max_queue_size, 4096);
    assert_eq!(config.batch.max_export_batch_size, 500);
    assert_eq!(config.batch.scheduled_delay, Duration::from_millis(10));
}

#[test]
fn resource_precedence_and_parsing() {
    let env = [
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.name=from-attrs,team=a%20b,deployment.environment=prod,cost%20center=42",
        ),
        ("OTEL_SERVICE_NAME", "from-env"),
        ("OTEL_SERVICE_VERSION", "1.2.3"),
    ];
    let config = resolve_with(&Settings::default(), &env).unwrap();
    let get = |config: &Config, key: &str| {
        config
            .resource
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str().into_owned())
    };
    assert_eq!(get(&config, "service.name").as_deref(), Some("from-env"));
    assert_eq!(get(&config, "service.version").as_deref(), Some("1.2.3"));
    assert_eq!(get(&config, "team").as_deref(), Some("a b"));
    assert_eq!(get(&config, "cost center").as_deref(), Some("42"));
    assert_eq!(
        get(&config, "deployment.environment").as_deref(),
        Some("prod")
    );
    let mut builder = Settings::default();
    builder.resource.service_name = Some("from-builder".to_owned());
    builder.resource.environment = Some("staging".to_owned());
    let config = resolve_with(&builder, &env).unwrap();
    assert_eq!(
        get(&config, "service.name").as_deref(),
        Some("from-builder")
    );
    assert_eq!(
        get(&config, "deployment.environment").as_deref(),
        Some("staging")
    );
    assert_eq!(
        get(&config, "deployment.environment.name").as_deref(),
        Some("staging")
    );
}

#[test]
fn sampler_and_timeouts_from_env_and_builder() {
    let env = [
        ("OTEL_TRACES_SAMPLER", "traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.1"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1500"),
    ];
    let config = resolve_with(&Settings::default(), &env).unwrap();
    assert_eq!(config.sampler, Sampler::TraceIdRatio(0.1));
    assert_eq!(config.export_timeout, Duration::from_millis(1500));
    let builder = Settings {
        sampler: Some(Sampler::AlwaysOn),
        export_timeout: Some(Duration::from_secs(2)),
        ..Settings::default()
    };
    let config = resolve_with(&builder, &env).unwrap();
    assert_eq!(config.sampler, Sampler::AlwaysOn);
    assert_eq!(config.export_timeout, Duration::from_secs(2));
}

#[test]
fn enabled_switch_precedence() {
    let off = lookup(&[("IFTRACER_TRACING_ENABLED", "false")]);
    assert!(!resolve_enabled(&Settings::default(), &Env::new(&*off)).unwrap());
    let builder_on = Settings {
        enabled: Some(true),
        ..Settings::default()
    };
    assert!(resolve_enabled(&builder_on, &Env::new(&*off)).unwrap());
    let none = lookup(&[]);
    assert!(resolve_enabled(&Settings::default(), &Env::new(&*none)).unwrap());
    let bad = lookup(&[("IFTRACER_TRACING_ENABLED", "nope")]);
    assert_eq!(
        resolve_enabled(&Settings::default(), &Env::new(&*bad))
            .unwrap_err()
            .to_string(),
        "invalid value \"nope\" for environment variable `IFTRACER_TRACING_ENABLED`: expected `true` or `false`"
    );
}

#[test]
fn unknown_protocol_falls_back_to_grpc() {
    let config = otlp(
        &Settings::default(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ],
    );
    assert_eq!(config.protocol, Protocol::Grpc);
    // The message a warning prints names the variable and the fix.
    assert_eq!(
        Protocol::parse("http/json", Setting::Env("OTEL_EXPORTER_OTLP_PROTOCOL"))
            .unwrap_err()
            .to_string(),
        "unknown OTLP protocol \"http/json\" from environment variable \
         `OTEL_EXPORTER_OTLP_PROTOCOL`; fix: use `grpc` or `http/protobuf`"
    );
}

#[test]
fn error_invalid_endpoint_names_the_builder_method() {
    let builder = Settings {
        endpoint: Some("collector:notaport".to_owned()),
        ..Settings::default()
    };
    let message = err(&builder, &[]);
    assert!(
        message.starts_with(
            "invalid OTLP endpoint \"collector:notaport\" from builder method `.endpoint()`"
        ),
        "{message}"
    );
}

#[test]
fn error_header_list_without_equals_hides_the_value() {
    let message = err(
        &Settings::default(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "iflicensekey:LK-SECRET"),
        ],
    );
    assert!(!message.contains("LK-SECRET"), "{message}");
    assert!(
        message.contains("environment variable `OTEL_EXPORTER_OTLP_HEADERS`"),
        "{message}"
    );
    // A wrong separator puts the credential before the `=`.
    for list in [
        "Authorization: Basic dXNlcjpTRUNSRVQ=",
        "x-ok=1,Authorization Basic dXNlcjpTRUNSRVQ==",
    ] {
        let message = err(
            &Settings::default(),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
                ("IFTRACER_HEADERS", list),
            ],
        );
        assert!(!message.contains("dXNlcjpTRUNSRVQ"), "{message}");
        assert!(
            message.contains("invalid header \"Authorization…\""),
            "{message}"
        );
    }
}

#[test]
fn error_header_value_with_a_line_break() {
    let builder = Settings {
        endpoint: Some("http://c:4317".to_owned()),
        headers: vec![("x-team".to_owned(), Secret::new("a\r\nb"))],
        ..Settings::default()
    };
    let message = err(&builder, &[]);
    assert!(
        message.starts_with("invalid header \"x-team\" from builder method `.header()`: the value"),
        "{message}"
    );
}

#[test]
fn error_bad_numbers_name_the_setting() {
    // `OTEL_*` numbers fall back to the default (see
    // `malformed_otel_choices_and_numbers_fall_back_to_the_defaults`); iftracer's are errors.
    assert_eq!(
        err(
            &Settings::default(),
            &[("IFTRACER_MAX_VALUE_LENGTH", "lots")]
        ),
        "invalid value \"lots\" for environment variable `IFTRACER_MAX_VALUE_LENGTH`: expected a whole number of bytes above 0"
    );
    assert_eq!(
        err(&Settings::default(), &[("IFTRACER_MAX_HELD_SPANS", "0")]),
        "invalid value \"0\" for environment variable `IFTRACER_MAX_HELD_SPANS`: expected a whole number above 0"
    );
    let builder = Settings {
        max_export_batch_size: Some(0),
        ..Settings::default()
    };
    assert_eq!(
        err(&builder, &[]),
        "invalid value \"0\" for builder method `.max_export_batch_size()`: expected a whole number above 0"
    );
    let config = resolve_with(
        &Settings::default(),
        &[("OTEL_EXPORTER_OTLP_TIMEOUT", "-5")],
    );
    assert_eq!(config.unwrap().export_timeout, DEFAULT_EXPORT_TIMEOUT);
    let builder = Settings {
        shutdown_timeout: Some(Duration::ZERO),
        ..Settings::default()
    };
    assert_eq!(
        err(&builder, &[]),
        "invalid value \"0\" for builder method `.shutdown_timeout()`: expected a duration above zero"
    );
}

#[test]
fn error_unknown_sampler() {
    let config = resolve_with(&Settings::default(), &[("OTEL_TRACES_SAMPLER", "random")]);
    assert_eq!(config.unwrap().sampler, Sampler::ParentBasedAlwaysOn);
    let builder = Settings {
        sampler: Some(Sampler::ParentBasedTraceIdRatio(-0.5)),
        ..Settings::default()
    };
    assert_eq!(
        err(&builder, &[]),
        "invalid value \"-0.5\" for builder method `.sampler()`: expected a number from 0.0 to 1.0"
    );
}

#[test]
fn error_bad_resource_attributes() {
    assert_eq!(
        err(
            &Settings::default(),
            &[("OTEL_RESOURCE_ATTRIBUTES", "team=a,broken")]
        ),
        "invalid resource attribute \"broken\" in environment variable `OTEL_RESOURCE_ATTRIBUTES`; \
         fix: write `key=value` pairs separated by commas, with a non-empty key"
    );
}

#[test]
fn error_missing_credentials_for_an_insightfinder_endpoint() {
    // Named by the InsightFinder variable.
    assert_eq!(
        err(
            &Settings::default(),
            &[("INSIGHTFINDER_ENDPOINT", "https://trace.example.com:4317")]
        ),
        "missing InsightFinder user: `INSIGHTFINDER_ENDPOINT` is set; fix: call `.user()` on the \
         builder or set `INSIGHTFINDER_USER`"
    );
    // Recognised by host.
    let builder = Settings {
        endpoint: Some("https://trace.insightfinder.com:4317".to_owned()),
        user: Some("u".to_owned()),
        ..Settings::default()
    };
    assert_eq!(
        err(&builder, &[]),
        "missing InsightFinder license key: trace.insightfinder.com is an InsightFinder trace \
         server; fix: call `.license_key()` on the builder or set `INSIGHTFINDER_LICENSE_KEY`"
    );
    // Implied by a partial set of credentials on any endpoint.
    let message = err(
        &Settings::default(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("INSIGHTFINDER_USER", "u"),
            ("INSIGHTFINDER_LICENSE_KEY", "k"),
        ],
    );
    assert_eq!(
        message,
        "missing InsightFinder project: the InsightFinder header `ifuser` is set; fix: call \
         `.project()` on the builder or set `INSIGHTFINDER_PROJECT_NAME`"
    );
    // The system too: the gateway drops spans without `ifsystem` silently.
    let message = err(
        &Settings::default(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            IF_CREDS[0],
            IF_CREDS[1],
            IF_CREDS[2],
        ],
    );
    assert_eq!(
        message,
        "missing InsightFinder system: the InsightFinder header `ifuser` is set; fix: call \
         `.system()` on the builder or set `INSIGHTFINDER_SYSTEM_NAME`"
    );
    // Complete credentials pass; a plain OTLP endpoint without any needs none.
    let mut env = vec![("INSIGHTFINDER_ENDPOINT", "https://trace.example.com:4317")];
    env.extend(IF_CREDS);
    assert!(resolve_with(&Settings::default(), &env).is_ok());
    assert!(
        resolve_with(
            &Settings::default(),
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317")]
        )
        .is_ok()
    );
}

#[test]
fn error_unreadable_ca_certificate() {
    let builder = Settings {
        endpoint: Some("https://c:4317".to_owned()),
        ca_certificate: Some("/nonexistent/ca.pem".into()),
        ..Settings::default()
    };
    let message = err(&builder, &[]);
    assert!(
        message.starts_with(
            "cannot use CA certificate file \"/nonexistent/ca.pem\" from builder method `.ca_certificate()`:"
        ) && message.ends_with("fix: point it at a readable PEM file"),
        "{message}"
    );
    let not_pem = std::env::temp_dir().join(format!("iftracer-not-pem-{}", std::process::id()));
    std::fs::write(&not_pem, "hello").unwrap();
    let message = err(
        &Settings::default(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4317"),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", not_pem.to_str().unwrap()),
        ],
    );
    assert!(
        message.contains(
            "environment variable `OTEL_EXPORTER_OTLP_CERTIFICATE`: it holds no PEM certificate"
        ),
        "{message}"
    );
    // The signal-specific variable wins over the generic one (OTLP exporter specification).
    let message = err(
        &Settings::default(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4317"),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/generic.pem"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
                not_pem.to_str().unwrap(),
            ),
        ],
    );
    std::fs::remove_file(&not_pem).unwrap();
    assert!(
        message.contains(
            "environment variable `OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE`: it holds no PEM certificate"
        ),
        "{message}"
    );
}

#[test]
fn a_custom_exporter_skips_the_otlp_destination() {
    let lookup = lookup(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317")]);
    let config = resolve(&Settings::default(), &Env::new(&*lookup), true).unwrap();
    assert!(config.otlp.is_none());
}

#[test]
fn vocabularies_from_builder_then_env_then_default() {
    let config = resolve_with(&Settings::default(), &[]).unwrap();
    assert_eq!(config.vocabularies, Vocabularies::default());
    let env = [("IFTRACER_VOCABULARIES", "openinference")];
    let config = resolve_with(&Settings::default(), &env).unwrap();
    assert_eq!(config.vocabularies, Vocabularies::OPENINFERENCE);
    let builder = Settings {
        vocabularies: Some(Vocabularies::GENAI),
        ..Settings::default()
    };
    assert_eq!(
        resolve_with(&builder, &env).unwrap().vocabularies,
        Vocabularies::GENAI
    );
}

#[test]
fn content_capture_from_either_variable_with_iftracer_first() {
    let capture = |pairs: &[(&str, &str)]| {
        resolve_with(&Settings::default(), pairs)
            .unwrap()
            .privacy
            .capture_content
    };
    assert!(capture(&[]));
    assert!(!capture(&[("IFTRACER_TRACE_CONTENT", "false")]));
    assert!(!capture(&[(
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
        "false"
    )]));
    assert!(!capture(&[(
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
        "NO_CONTENT"
    )]));
    assert!(capture(&[(
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
        "span_only"
    )]));
    assert!(capture(&[
        ("IFTRACER_TRACE_CONTENT", "true"),
        (
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "false"
        ),
    ]));
    let builder = Settings {
        capture_content: Some(true),
        ..Settings::default()
    };
    assert!(
        resolve_with(&builder, &[("IFTRACER_TRACE_CONTENT", "false")])
            .unwrap()
            .privacy
            .capture_content
    );
}

#[test]
fn value_length_cap_from_builder_then_env() {
    let cap = |settings: &Settings, pairs: &[(&str, &str)]| {
        resolve_with(settings, pairs)
            .unwrap()
            .privacy
            .max_value_length
    };
    assert_eq!(cap(&Settings::default(), &[]), 32 * 1024);
    assert_eq!(
        cap(
            &Settings::default(),
            &[("IFTRACER_MAX_VALUE_LENGTH", "100")]
        ),
        100
    );
    let builder = Settings {
        max_value_length: Some(7),
        ..Settings::default()
    };
    assert_eq!(cap(&builder, &[("IFTRACER_MAX_VALUE_LENGTH", "100")]), 7);
    assert_eq!(
        err(&Settings::default(), &[("IFTRACER_MAX_VALUE_LENGTH", "0")]),
        "invalid value \"0\" for environment variable `IFTRACER_MAX_VALUE_LENGTH`: expected a whole number of bytes above 0"
    );
}

#[test]
fn redaction_settings_and_their_errors() {
    assert!(
        resolve_with(&Settings::default(), &[])
            .unwrap()
            .privacy
            .redactor
            .is_empty()
    );
    assert_eq!(
        err(&Settings::default(), &[("IFTRACER_REDACT", "ssn,passport")]),
        "unknown redaction detector \"passport\" in environment variable `IFTRACER_REDACT`; fix: use \
         `default`, `all`, `off`, or any of default, ssn, email, card, phone, api_key, \
         bearer_token, credential, iban, national_id, ip, mac, separated by commas"
    );
    // The named sets, alone or with more detectors.
    let detectors = |value: &str| {
        let redactor = resolve_with(&Settings::default(), &[("IFTRACER_REDACT", value)])
            .unwrap()
            .privacy
            .redactor;
        format!("{redactor:?}")
    };
    let default = r#"["ssn", "email", "card", "phone", "api_key", "bearer_token", "credential", "iban", "national_id""#;
    assert!(detectors("default").contains(&format!("{default}]")));
    assert!(detectors("on").contains(&format!("{default}]")));
    assert!(detectors("default,ip").contains(&format!(r#"{default}, "ip"]"#)));
    assert!(detectors("ALL").contains(&format!(r#"{default}, "ip", "mac"]"#)));
    assert!(detectors(" mac , email ").contains(r#"["mac", "email"]"#));
    assert!(detectors("off").contains("detectors: []"));
    let message = err(
        &Settings::default(),
        &[("IFTRACER_REDACT_PATTERNS", r#"{"ACME-(\\d": "[X]"}"#)],
    );
    assert!(
        message.starts_with(
            "invalid redaction pattern \"ACME-(\\\\d\" from environment variable `IFTRACER_REDACT_PATTERNS`:"
        ),
        "{message}"
    );
    let message = err(
        &Settings::default(),
        &[("IFTRACER_REDACT_PATTERNS", "not json")],
    );
    assert!(
        message.contains("expected a JSON object of pattern to replacement text"),
        "{message}"
    );
    let builder = Settings {
        redact_patterns: vec![("[".to_owned(), "x".to_owned())],
        ..Settings::default()
    };
    assert!(
        err(&builder, &[]).contains("from builder method `.redact_pattern()`"),
        "builder patterns are validated too"
    );
}

#[test]
fn the_hash_salt_never_shows() {
    let builder = Settings {
        id_hash_salt: Some(Secret::new("SALT-VALUE-1")),
        ..Settings::default()
    };
    let shown = format!(
        "{builder:?} {:?} {:?}",
        resolve_with(&builder, &[]).unwrap(),
        resolve_with(
            &Settings::default(),
            &[("IFTRACER_ID_HASH_SALT", "SALT-VALUE-2")]
        )
        .unwrap()
    );
    assert!(!shown.contains("SALT-VALUE"), "{shown}");
}

#[test]
fn attribute_count_limit_from_builder_then_env_then_default() {
    let default = resolve_with(&Settings::default(), &[]).unwrap();
    assert_eq!(default.max_attributes_per_span, 128);
    let from_env = resolve_with(
        &Settings::default(),
        &[("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "500")],
    )
    .unwrap();
    assert_eq!(from_env.max_attributes_per_span, 500);
    let builder = Settings {
        max_attributes_per_span: Some(7),
        ..Settings::default()
    };
    let explicit = resolve_with(&builder, &[("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "500")]).unwrap();
    assert_eq!(explicit.max_attributes_per_span, 7);
    let malformed = resolve_with(
        &Settings::default(),
        &[("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "-1")],
    );
    assert_eq!(malformed.unwrap().max_attributes_per_span, 128);
    let zero = Settings {
        max_attributes_per_span: Some(0),
        ..Settings::default()
    };
    assert!(err(&zero, &[]).contains("`.max_attributes_per_span()`"));
}

#[test]
fn llm_spans_are_internal_for_insightfinder_and_client_without_it() {
    use opentelemetry::trace::SpanKind;
    let config = resolve_with(&Settings::default(), &[]).unwrap();
    assert_eq!(config.llm_spans.kind, SpanKind::Internal);
    assert!(config.llm_spans.pair_spans);
    let genai_only = Settings {
        vocabularies: Some(Vocabularies::GENAI),
        ..Settings::default()
    };
    let config = resolve_with(&genai_only, &[]).unwrap();
    assert_eq!(config.llm_spans.kind, SpanKind::Client);
    assert!(!config.llm_spans.pair_spans);
    let config = resolve_with(
        &Settings::default(),
        &[("IFTRACER_LLM_SPAN_KIND", "CLIENT")],
    )
    .unwrap();
    assert_eq!(config.llm_spans.kind, SpanKind::Client);
    assert!(config.llm_spans.pair_spans, "the pair still gets its span");
    let builder = Settings {
        llm_span_kind: Some(SpanKind::Internal),
        ..genai_only
    };
    let config = resolve_with(&builder, &[("IFTRACER_LLM_SPAN_KIND", "client")]).unwrap();
    assert_eq!(config.llm_spans.kind, SpanKind::Internal);
    assert_eq!(
        err(
            &Settings::default(),
            &[("IFTRACER_LLM_SPAN_KIND", "server")]
        ),
        "invalid LLM span kind \"server\" from environment variable `IFTRACER_LLM_SPAN_KIND`; fix: \
         use `internal` (InsightFinder pairs prompt and response only on INTERNAL spans) or \
         `client` (the GenAI conventions' kind)"
    );
    let server = Settings {
        llm_span_kind: Some(SpanKind::Producer),
        ..Settings::default()
    };
    assert!(
        err(&server, &[]).starts_with(
            "invalid LLM span kind \"producer\" from builder method `.llm_span_kind()`"
        )
    );
}

#[test]
fn traces_are_held_for_insightfinder_destinations_only_unless_set() {
    let mut insightfinder = vec![("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317")];
    insightfinder.extend(IF_CREDS);
    let config = resolve_with(&Settings::default(), &insightfinder).unwrap();
    assert!(config.otlp.as_ref().unwrap().insightfinder);
    assert_eq!(
        config.hold,
        Some(HoldSettings {
            max_age: Duration::from_secs(60),
            max_spans: 1024,
        })
    );
    let plain = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317")];
    let config = resolve_with(&Settings::default(), &plain).unwrap();
    assert!(!config.otlp.as_ref().unwrap().insightfinder);
    assert_eq!(config.hold, None);
    assert_eq!(resolve_with(&Settings::default(), &[]).unwrap().hold, None);

    let off = Settings {
        hold_traces: Some(false),
        ..Settings::default()
    };
    assert_eq!(resolve_with(&off, &insightfinder).unwrap().hold, None);
    let mut env = insightfinder.clone();
    env.push(("IFTRACER_HOLD_TRACES", "false"));
    assert_eq!(resolve_with(&Settings::default(), &env).unwrap().hold, None);

    let tuned = Settings {
        hold_traces: Some(true),
        max_trace_hold: Some(Duration::from_secs(5)),
        max_held_spans: Some(100_000),
        max_queue_size: Some(4096),
        ..Settings::default()
    };
    assert_eq!(
        resolve_with(&tuned, &plain).unwrap().hold,
        Some(HoldSettings {
            max_age: Duration::from_secs(5),
            max_spans: 4096,
        }),
        "held spans are queued spans: at most the queue"
    );
    let env = [
        ("IFTRACER_HOLD_TRACES", "true"),
        ("IFTRACER_MAX_TRACE_HOLD", "1500"),
        ("IFTRACER_MAX_HELD_SPANS", "64"),
    ];
    assert_eq!(
        resolve_with(&Settings::default(), &env).unwrap().hold,
        Some(HoldSettings {
            max_age: Duration::from_millis(1500),
            max_spans: 64,
        })
    );
    assert_eq!(
        err(&Settings::default(), &[("IFTRACER_MAX_HELD_SPANS", "0")]),
        "invalid value \"0\" for environment variable `IFTRACER_MAX_HELD_SPANS`: expected a whole \
         number above 0"
    );
    assert_eq!(
        err(&Settings::default(), &[("IFTRACER_HOLD_TRACES", "maybe")]),
        "invalid value \"maybe\" for environment variable `IFTRACER_HOLD_TRACES`: expected `true` \
         or `false`"
    );
}

#[test]
fn malformed_otel_choices_and_numbers_fall_back_to_the_defaults() {
    let config = resolve_with(
        &Settings::default(),
        &[
            ("OTEL_TRACES_SAMPLER", "jaeger_remote"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "lots"),
            ("OTEL_BSP_SCHEDULE_DELAY", "-1"),
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "0"),
            ("OTEL_SPAN_EVENT_COUNT_LIMIT", "many"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "3000"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"),
        ],
    )
    .unwrap();
    assert_eq!(config.sampler, Sampler::ParentBasedAlwaysOn);
    assert_eq!(config.batch.max_queue_size, DEFAULT_MAX_QUEUE_SIZE);
    assert_eq!(config.batch.scheduled_delay, DEFAULT_SCHEDULED_DELAY);
    assert_eq!(config.max_attributes_per_span, 128);
    assert_eq!(config.max_events_per_span, 128);
    let otlp = config.otlp.unwrap();
    assert_eq!(otlp.protocol, Protocol::Grpc);
    assert_eq!(otlp.compression, Compression::None);
    // The malformed signal-specific timeout is skipped for the generic one.
    assert_eq!(config.export_timeout, Duration::from_secs(3));
    // iftracer's own variables and the builder stay strict.
    assert!(err(&Settings::default(), &[("IFTRACER_TRACE_CONTENT", "maybe")]).contains("maybe"));
    let builder = Settings {
        max_queue_size: Some(0),
        ..Settings::default()
    };
    assert!(err(&builder, &[]).contains("`.max_queue_size()`"));
}

#[test]
fn signal_specific_variables_win_over_the_generic_ones() {
    let config = otlp(
        &Settings::default(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "GZIP"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=generic,b=generic"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "a=traces"),
        ],
    );
    assert_eq!(config.protocol, Protocol::HttpProtobuf);
    assert_eq!(config.compression, Compression::Gzip);
    assert_eq!(config.headers.get("a"), Some("traces"));
    assert_eq!(config.headers.get("b"), None);
    let config = resolve_with(
        &Settings::default(),
        &[
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1500"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "3000"),
        ],
    )
    .unwrap();
    assert_eq!(config.export_timeout, Duration::from_millis(1500));
}

#[test]
fn otel_sdk_disabled_turns_tracing_off_below_iftracers_switch() {
    let off = |pairs: &[(&str, &str)]| {
        let pairs: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(*v)))
            .collect();
        let lookup = move |name: &str| pairs.get(name).cloned();
        !resolve_enabled(&Settings::default(), &Env::new(&lookup)).unwrap()
    };
    assert!(off(&[("OTEL_SDK_DISABLED", "true")]));
    assert!(!off(&[("OTEL_SDK_DISABLED", "false")]));
    assert!(
        !off(&[("OTEL_SDK_DISABLED", "sure")]),
        "malformed: the default"
    );
    assert!(!off(&[
        ("OTEL_SDK_DISABLED", "true"),
        ("IFTRACER_TRACING_ENABLED", "true")
    ]));
}

#[test]
fn console_settings_are_checked_only_when_the_console_prints() {
    let bad = [
        ("IFTRACER_CONSOLE", "fancy"),
        ("IFTRACER_CONSOLE_COLOR", "rainbow"),
    ];
    assert!(
        err(&Settings::default(), &bad[..1]).contains("`IFTRACER_CONSOLE`"),
        "the console prints: a typed error"
    );
    assert!(err(&Settings::default(), &bad[1..]).contains("`IFTRACER_CONSOLE_COLOR`"));
    let mut with_endpoint = bad.to_vec();
    with_endpoint.push(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"));
    let config = resolve_with(&Settings::default(), &with_endpoint).unwrap();
    assert!(config.otlp.is_some());
    let lookup = lookup(&bad);
    let custom = resolve(&Settings::default(), &Env::new(&*lookup), true);
    assert!(custom.is_ok(), "a custom exporter: the console is not used");
}

#[test]
fn metrics_feed_the_console_summary_without_an_endpoint() {
    use super::metrics::MetricsDestination;
    let config = resolve_with(&Settings::default(), &[]).unwrap();
    assert_eq!(config.metrics, Some(MetricsDestination::Summary));
    let off = Settings {
        metrics: Some(false),
        ..Settings::default()
    };
    assert_eq!(resolve_with(&off, &[]).unwrap().metrics, None);
    let env_off = [("IFTRACER_METRICS_ENABLED", "false")];
    assert_eq!(
        resolve_with(&Settings::default(), &env_off)
            .unwrap()
            .metrics,
        None
    );
    let on = Settings {
        metrics: Some(true),
        ..Settings::default()
    };
    assert_eq!(
        resolve_with(&on, &[]).unwrap().metrics,
        Some(MetricsDestination::Summary)
    );
    // A custom exporter has neither an endpoint nor the console: nowhere to put metrics.
    let lookup = lookup(&[]);
    let error = resolve(&on, &Env::new(&*lookup), true).unwrap_err();
    assert!(error.to_string().contains("no OTLP endpoint"), "{error}");
    assert_eq!(
        resolve(&Settings::default(), &Env::new(&*lookup), true)
            .unwrap()
            .metrics,
        None
    );
    let endpoint = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")];
    let config = resolve_with(&Settings::default(), &endpoint).unwrap();
    assert!(matches!(config.metrics, Some(MetricsDestination::Otlp(_))));
}

#[test]
fn metrics_settings_come_from_the_builder_then_the_environment_then_the_default() {
    use super::metrics::{DEFAULT_METRIC_EXPORT_INTERVAL, MetricsConfig, MetricsDestination};
    use crate::metrics::Temporality;
    let otlp = |settings: &Settings, pairs: &[(&str, &str)]| -> MetricsConfig {
        let mut pairs = pairs.to_vec();
        pairs.push(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317"));
        match resolve_with(settings, &pairs).unwrap().metrics {
            Some(MetricsDestination::Otlp(config)) => config,
            other => panic!("expected OTLP metrics, got {other:?}"),
        }
    };
    let env = [
        ("OTEL_METRIC_EXPORT_INTERVAL", "1500"),
        ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"),
    ];
    let from_env = otlp(&Settings::default(), &env);
    assert_eq!(from_env.interval, Duration::from_millis(1500));
    assert_eq!(from_env.temporality, Temporality::Delta);
    let built = Settings {
        metric_export_interval: Some(Duration::from_secs(7)),
        metrics_temporality: Some(Temporality::Cumulative),
        ..Settings::default()
    };
    let from_builder = otlp(&built, &env);
    assert_eq!(from_builder.interval, Duration::from_secs(7));
    assert_eq!(from_builder.temporality, Temporality::Cumulative);

    // `OTEL_*` values that make no sense warn and fall back to the default; a zero too.
    let nonsense = [
        ("OTEL_METRIC_EXPORT_INTERVAL", "0"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
            "sometimes",
        ),
    ];
    let defaults = otlp(&Settings::default(), &nonsense);
    assert_eq!(defaults.interval, DEFAULT_METRIC_EXPORT_INTERVAL);
    assert_eq!(defaults.temporality, Temporality::default());

    // The builder's zero and iftracer's own variable stay typed errors naming their source.
    let zero = Settings {
        metric_export_interval: Some(Duration::ZERO),
        metrics: Some(true),
        ..Settings::default()
    };
    let endpoint = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")];
    let error = resolve_with(&zero, &endpoint).unwrap_err().to_string();
    assert!(
        error.contains("`.metric_export_interval()`") && error.contains("above zero"),
        "{error}"
    );
    let error = resolve_with(
        &Settings::default(),
        &[("IFTRACER_METRICS_ENABLED", "maybe")],
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("`IFTRACER_METRICS_ENABLED`"), "{error}");
    // Switched on by the environment with nowhere to go: the error names the variable.
    let lookup = lookup(&[("IFTRACER_METRICS_ENABLED", "true")]);
    let error = resolve(&Settings::default(), &Env::new(&*lookup), true)
        .unwrap_err()
        .to_string();
    assert!(error.contains("`IFTRACER_METRICS_ENABLED`"), "{error}");
}

#[test]
fn metrics_use_their_own_otlp_variables_over_the_generic_ones_and_never_the_traces() {
    use super::metrics::MetricsDestination;
    let resolve_both = |settings: &Settings, pairs: &[(&str, &str)]| {
        let mut pairs = pairs.to_vec();
        pairs.push(("OTEL_EXPORTER_OTLP_ENDPOINT", "https://127.0.0.1:4317"));
        let config = resolve_with(settings, &pairs).unwrap();
        let Some(MetricsDestination::Otlp(metrics)) = config.metrics else {
            panic!("expected OTLP metrics, got {:?}", config.metrics);
        };
        (config.otlp.unwrap(), config.export_timeout, metrics)
    };
    let dir = std::env::temp_dir();
    let pem = |name: &str| {
        let path = dir.join(format!("iftracer-{name}-{}.pem", std::process::id()));
        std::fs::write(&path, format!("-----BEGIN CERTIFICATE-----\n{name}\n")).unwrap();
        path
    };
    let (generic_pem, traces_pem, metrics_pem) = (pem("generic"), pem("traces"), pem("metrics"));
    let generic = [
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-generic=1"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "4000"),
        (
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            generic_pem.to_str().unwrap(),
        ),
    ];
    let traces_only = [
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-traces=1"),
        ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1000"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
            traces_pem.to_str().unwrap(),
        ),
    ];
    let metrics_only = [
        ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-metrics=1"),
        ("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "none"),
        ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "2500"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
            metrics_pem.to_str().unwrap(),
        ),
    ];
    let certificate = |otlp: &OtlpConfig| otlp.ca_certificate.as_ref().unwrap().path.clone();

    // The traces' variables never reach metrics: they fall back to the generic ones.
    let env: Vec<_> = generic.iter().chain(&traces_only).copied().collect();
    let (traces, traces_timeout, metrics) = resolve_both(&Settings::default(), &env);
    assert_eq!(traces.headers.get("x-traces"), Some("1"));
    assert_eq!(
        traces.headers.get("x-generic"),
        None,
        "the signal's list replaces it"
    );
    assert_eq!(traces.compression, Compression::None);
    assert_eq!(traces_timeout, Duration::from_millis(1000));
    assert_eq!(certificate(&traces), traces_pem);
    assert_eq!(metrics.otlp.headers.get("x-generic"), Some("1"));
    assert_eq!(metrics.otlp.headers.get("x-traces"), None);
    assert_eq!(metrics.otlp.compression, Compression::Gzip);
    assert_eq!(metrics.timeout, Duration::from_millis(4000));
    assert_eq!(certificate(&metrics.otlp), generic_pem);

    // The metrics' own variables win over the generic ones, for metrics alone.
    let env: Vec<_> = generic.iter().chain(&metrics_only).copied().collect();
    let (traces, traces_timeout, metrics) = resolve_both(&Settings::default(), &env);
    assert_eq!(traces.headers.get("x-generic"), Some("1"));
    assert_eq!(traces.headers.get("x-metrics"), None);
    assert_eq!(traces.compression, Compression::Gzip);
    assert_eq!(traces_timeout, Duration::from_millis(4000));
    assert_eq!(certificate(&traces), generic_pem);
    assert_eq!(metrics.otlp.headers.get("x-metrics"), Some("1"));
    assert_eq!(metrics.otlp.headers.get("x-generic"), None);
    assert_eq!(metrics.otlp.compression, Compression::None);
    assert_eq!(metrics.timeout, Duration::from_millis(2500));
    assert_eq!(certificate(&metrics.otlp), metrics_pem);

    // Builder settings win for both signals.
    let built = Settings {
        compression: Some(Compression::Gzip),
        export_timeout: Some(Duration::from_secs(3)),
        ..Settings::default()
    };
    let (traces, traces_timeout, metrics) = resolve_both(&built, &env);
    assert_eq!(
        (traces.compression, metrics.otlp.compression),
        (Compression::Gzip, Compression::Gzip)
    );
    assert_eq!(
        (traces_timeout, metrics.timeout),
        (Duration::from_secs(3), Duration::from_secs(3))
    );

    // A malformed metrics timeout or compression warns and falls back, as for traces.
    let nonsense = [
        ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "soon"),
        ("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "zstd-ish"),
    ];
    let (_, _, metrics) = resolve_both(&Settings::default(), &nonsense);
    assert_eq!(metrics.timeout, DEFAULT_EXPORT_TIMEOUT);
    assert_eq!(metrics.otlp.compression, Compression::default());
    for path in [generic_pem, traces_pem, metrics_pem] {
        let _ = std::fs::remove_file(path);
    }
}
