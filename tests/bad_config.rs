//! 1,000 generated malformed configurations: endpoints, header lists, numbers, protocol and
//! sampler names, booleans, resource attribute lists and non-UTF-8 variables, alone or mixed
//! with valid settings, from the environment or the builder. Each must make `init()` return a
//! typed `iftracer::Error` naming the setting, never panic, and never echo a header value;
//! except that a malformed `OTEL_*` choice or number alone (a sampler, protocol, batch size,
//! timeout) falls back to its default, as the OpenTelemetry specification says.
//!
//! The generator is seeded, so a failure names a case that reproduces.

use std::collections::HashMap;
use std::ffi::OsString;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use iftracer::{Iftracer, IftracerBuilder, Sampler};

/// A header value that must never appear in an error.
const SECRET: &str = "tk_live_SECRET123";

/// xorshift64*: small, deterministic, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn word(&mut self) -> String {
        let len = 1 + self.below(8);
        (0..len)
            .map(|_| (b'a' + self.below(26) as u8) as char)
            .collect()
    }
    /// Flips the case of some letters: parsers must not accept a wrong name in any spelling.
    fn mangle_case(&mut self, s: &str) -> String {
        s.chars()
            .map(|c| {
                if self.below(2) == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }
}

/// One malformed setting: environment variables to set, or a builder change.
enum Fault {
    Env(Vec<(&'static str, OsString)>),
    Builder(Box<dyn FnOnce(IftracerBuilder) -> IftracerBuilder>),
}

/// `OTEL_*` variables whose malformed values warn and fall back to the default.
const LENIENT: [&str; 8] = [
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
];

/// The valid endpoints faults set beside the malformed value they carry.
const VALID_ENDPOINTS: [&str; 2] = ["http://127.0.0.1:4317", "http://127.0.0.1:4318/v1/traces"];

/// Whether a variable set by a fault must make `init()` fail.
fn strict(key: &str, value: &OsString) -> bool {
    !LENIENT.contains(&key) && !VALID_ENDPOINTS.iter().any(|valid| value == valid)
}

fn env(pairs: Vec<(&'static str, String)>) -> Fault {
    Fault::Env(
        pairs
            .into_iter()
            .map(|(k, v)| (k, OsString::from(v)))
            .collect(),
    )
}

const ENDPOINT_VARS: [&str; 3] = [
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "INSIGHTFINDER_ENDPOINT",
];

fn bad_endpoint(rng: &mut Rng) -> String {
    let host = rng.word();
    match rng.below(7) {
        0 => format!(
            "{}://{host}:4317",
            rng.pick(&["ftp", "ws", "grpc", "file", "unix"])
        ),
        1 => format!("http://{host}:{}", 65_536 + rng.below(1_000_000)),
        2 => format!("http://{host}:{}", rng.word()),
        3 => format!("https://user:{SECRET}@{host}:4317"),
        4 => format!("http://{host}:4318/v1/traces?token={}", rng.word()),
        5 => format!("http://{host} {}:4317", rng.word()),
        _ => rng
            .pick(&["http://", "https://", "://", "http://:4317"])
            .to_owned(),
    }
}

/// A `k=v,…` list with one broken entry among valid ones.
fn bad_list(rng: &mut Rng, for_headers: bool) -> String {
    let mut entries: Vec<String> = (0..rng.below(3))
        .map(|_| format!("{}={}", rng.word(), rng.word()))
        .collect();
    // Header values may be credentials and must never be echoed; resource values may be.
    let value = if for_headers { SECRET } else { "v1" };
    let broken = match rng.below(if for_headers { 7 } else { 4 }) {
        0 => rng.word(),                                         // no `=`
        1 => format!("={value}"),                                // empty key
        2 => format!("{}=%ff%fe", rng.word()),                   // not UTF-8 once decoded
        3 => format!("{}=%c3%28{value}", rng.word()),            // invalid UTF-8 sequence
        4 => format!("{} {}={value}", rng.word(), rng.word()),   // space in a header name
        5 => format!("{}-bin={value}", rng.word()),              // binary gRPC metadata
        _ => format!("{}={value}%0a{}", rng.word(), rng.word()), // line break in a value
    };
    entries.insert(rng.below(entries.len() + 1), broken);
    entries.join(",")
}

fn bad_number(rng: &mut Rng) -> String {
    match rng.below(7) {
        0 => format!("-{}", 1 + rng.below(1000)),
        1 => format!("{}.{}", rng.below(100), 1 + rng.below(9)),
        2 => format!("{}e{}", 1 + rng.below(9), 1 + rng.below(9)),
        3 => "9".repeat(25 + rng.below(10)),
        4 => rng.word(),
        5 => format!("{}ms", 1 + rng.below(100)),
        _ => "0".to_owned(),
    }
}

fn fault(rng: &mut Rng) -> Fault {
    match rng.below(13) {
        0 => env(vec![(ENDPOINT_VARS[rng.below(3)], bad_endpoint(rng))]),
        1 => {
            let endpoint = bad_endpoint(rng);
            Fault::Builder(Box::new(move |b| b.endpoint(endpoint)))
        }
        2 => env(vec![
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://127.0.0.1:4317".to_owned(),
            ),
            (
                *["OTEL_EXPORTER_OTLP_HEADERS", "IFTRACER_HEADERS"]
                    .get(rng.below(2))
                    .unwrap(),
                bad_list(rng, true),
            ),
        ]),
        3 => env(vec![("OTEL_RESOURCE_ATTRIBUTES", bad_list(rng, false))]),
        4 => {
            let name = rng.pick(&["http/json", "grpc-web", "udp", "http", "protobuf", "grpcs"]);
            let name = rng.mangle_case(name);
            env(vec![
                (
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "http://127.0.0.1:4317".to_owned(),
                ),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", name),
            ])
        }
        5 => {
            let name = format!(
                "{}_{}",
                rng.pick(&["always", "parentbased", "ratio"]),
                rng.word()
            );
            env(vec![("OTEL_TRACES_SAMPLER", name)])
        }
        6 => {
            let arg = match rng.below(4) {
                0 => format!("1.{}", 1 + rng.below(9)),
                1 => format!("-0.{}", 1 + rng.below(9)),
                2 => "NaN".to_owned(),
                _ => rng.word(),
            };
            let sampler = rng.pick(&["traceidratio", "parentbased_traceidratio"]);
            env(vec![
                ("OTEL_TRACES_SAMPLER", sampler.to_owned()),
                ("OTEL_TRACES_SAMPLER_ARG", arg),
            ])
        }
        7 => {
            let var = rng.pick(&[
                "OTEL_BSP_MAX_QUEUE_SIZE",
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
                "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
            ]);
            env(vec![(var, bad_number(rng))])
        }
        8 => {
            // Durations in milliseconds: no sign, unit or fraction.
            let var = rng.pick(&["OTEL_BSP_SCHEDULE_DELAY", "OTEL_EXPORTER_OTLP_TIMEOUT"]);
            let mut value = bad_number(rng);
            if value == "0" && var == "OTEL_BSP_SCHEDULE_DELAY" {
                value = "-5".to_owned(); // a zero delay is valid
            }
            env(vec![(var, value)])
        }
        9 => {
            let var = rng.pick(&["IFTRACER_TRACING_ENABLED", "IFTRACER_TRACE_CONTENT"]);
            let value = rng.pick(&["maybe", "2", "tru", "enabled!", "nope", "y e s"]);
            env(vec![(var, value.to_owned())])
        }
        10 => {
            let (var, value) = match rng.below(3) {
                0 => ("IFTRACER_VOCABULARIES", format!("genai,{}", rng.word())),
                1 => ("IFTRACER_REDACT", format!("ssn,{}", rng.word())),
                _ => (
                    "IFTRACER_REDACT_PATTERNS",
                    rng.pick(&["{", "[1,2]", "{\"(\": \"x\"}", "{\"a\": 1}", "nul"])
                        .to_owned(),
                ),
            };
            env(vec![(var, value)])
        }
        11 => non_utf8(rng),
        _ => {
            let word = rng.word();
            match rng.below(5) {
                0 => Fault::Builder(Box::new(|b| b.max_queue_size(0))),
                1 => Fault::Builder(Box::new(|b| b.export_timeout(Duration::ZERO))),
                2 => Fault::Builder(Box::new(|b| b.sampler(Sampler::TraceIdRatio(f64::NAN)))),
                3 => Fault::Builder(Box::new(move |b| {
                    b.endpoint("http://127.0.0.1:4317")
                        .header(format!("{word} name"), SECRET)
                })),
                _ => Fault::Builder(Box::new(|b| {
                    b.endpoint("http://127.0.0.1:4317")
                        .header("x-token", format!("{SECRET}\r\nInjected: 1"))
                })),
            }
        }
    }
}

#[cfg(unix)]
fn non_utf8(rng: &mut Rng) -> Fault {
    use std::os::unix::ffi::OsStringExt;
    let var = rng.pick(&[
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_SERVICE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_TRACES_SAMPLER",
        "OTEL_BSP_MAX_QUEUE_SIZE",
        "IFTRACER_TRACING_ENABLED",
        "INSIGHTFINDER_LICENSE_KEY",
    ]);
    let mut bytes = rng.word().into_bytes();
    let invalid: &[u8] = [&[0xff][..], &[0xc3, 0x28], &[0xe2, 0x82], &[0x80]][rng.below(4)];
    let at = rng.below(bytes.len() + 1);
    bytes.splice(at..at, invalid.iter().copied());
    let mut pairs = vec![(var, OsString::from_vec(bytes))];
    if var == "OTEL_EXPORTER_OTLP_HEADERS" || var == "INSIGHTFINDER_LICENSE_KEY" {
        // Read only when there is somewhere to send spans.
        pairs.push((
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            OsString::from("http://127.0.0.1:4318/v1/traces"),
        ));
    }
    Fault::Env(pairs)
}

#[cfg(not(unix))]
fn non_utf8(rng: &mut Rng) -> Fault {
    env(vec![("OTEL_TRACES_SAMPLER", rng.word())])
}

/// Valid settings mixed in, so faults are found among ordinary configuration.
fn valid_noise(rng: &mut Rng, vars: &mut HashMap<&'static str, OsString>) {
    let options: [(&str, &str); 5] = [
        ("OTEL_SERVICE_NAME", "checkout-agent"),
        ("OTEL_RESOURCE_ATTRIBUTES", "team=search,region=eu"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "4096"),
        ("OTEL_TRACES_SAMPLER", "always_on"),
        ("IFTRACER_TRACE_CONTENT", "false"),
    ];
    for _ in 0..rng.below(3) {
        let (k, v) = options[rng.below(options.len())];
        vars.entry(k).or_insert_with(|| OsString::from(v));
    }
}

#[test]
fn a_thousand_malformed_configurations_give_typed_errors_and_no_panic() {
    let mut rng = Rng(0x5EED_1F7A_CE00_0006);
    let mut kinds: HashMap<String, usize> = HashMap::new();
    for case in 0..1000 {
        let mut vars: HashMap<&'static str, OsString> = HashMap::new();
        let mut edits: Vec<Box<dyn FnOnce(IftracerBuilder) -> IftracerBuilder>> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            match fault(&mut rng) {
                Fault::Env(pairs) => vars.extend(pairs),
                Fault::Builder(edit) => edits.push(edit),
            }
        }
        // Decided on the final values: a later fault may replace an earlier one's variable.
        let strict = !edits.is_empty() || vars.iter().any(|(k, v)| strict(k, v));
        valid_noise(&mut rng, &mut vars);
        let described = format!("case {case}: env {vars:?}, {} builder faults", edits.len());

        let outcome = catch_unwind(AssertUnwindSafe(move || {
            let mut builder = Iftracer::builder()
                .global(false)
                .env_source(move |name| vars.get(name).cloned());
            for edit in edits {
                builder = edit(builder);
            }
            builder.init()
        }));
        let result = outcome.unwrap_or_else(|_| panic!("init panicked: {described}"));
        let error = match result {
            Ok(_) if !strict => {
                *kinds.entry("DefaultedOtelValue".to_owned()).or_default() += 1;
                continue;
            }
            Ok(_) => panic!("a malformed configuration was accepted: {described}"),
            Err(error) => error,
        };
        let text = error.to_string();
        let debug = format!("{error:?}");
        assert!(
            text.contains('`'),
            "the error names no setting: {text} ({described})"
        );
        assert!(
            !text.contains(SECRET) && !debug.contains(SECRET),
            "a header value leaked: {text} ({described})"
        );
        let kind = debug
            .split([' ', '(', '{'])
            .next()
            .unwrap_or_default()
            .to_owned();
        *kinds.entry(kind).or_default() += 1;
    }
    // The generator reaches every family of checks, not one error 1,000 times.
    assert!(kinds.len() >= 9, "{kinds:?}");
    eprintln!("error kinds over 1,000 cases: {kinds:?}");
}
