//! Each example runs: the quickstart prints its tree with no collector, and the OTLP examples
//! deliver to real receivers when pointed at them through the environment.

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};

use support::gateway::{self, GatewayView};
use support::{Receiver, Reply};

/// The example binaries `cargo test` builds next to this test's own binary.
fn example(name: &str) -> Command {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop(); // the test binary
    if dir.ends_with("deps") {
        dir.pop();
    }
    let path: PathBuf = dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test`, which builds the examples",
        path.display()
    );
    // Only what the test sets: no collector settings leak in from the caller's shell.
    support::clean_command(path)
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn quickstart_prints_the_trace_tree_without_a_collector() {
    let output = run(&mut example("quickstart"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let trace_id = lines[0].strip_prefix("trace ").expect(&stdout);
    assert_eq!(trace_id.len(), 32, "{stdout}");
    assert!(trace_id.chars().all(|c| c.is_ascii_hexdigit()), "{stdout}");
    assert_eq!(
        tree_shape(&stdout),
        ["research.workflow", "├─ ask_llm.task", "└─ ask_llm.task"],
        "{stdout}"
    );
    assert!(
        lines[1].contains(r#" gen_ai.operation.name="invoke_workflow""#),
        "{stdout}"
    );
    for (line, question) in lines[2..]
        .iter()
        .zip(["What is OTLP?", "Why trace LLM calls?"])
    {
        for expected in [
            r#"iftracer.workflow.name="research""#.to_owned(),
            format!(r#"chat.prompt="{question}""#),
            r#"chat.model="gpt-4o""#.to_owned(),
            "chat.total_tokens=21".to_owned(),
        ] {
            assert!(line.contains(&expected), "{expected} missing from {line}");
        }
    }
}

#[test]
fn nested_agent_keeps_one_trace_across_spawn() {
    let output = run(&mut example("nested_agent"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        tree_shape(&stdout),
        [
            "support.workflow",
            "└─ triage.agent",
            "   ├─ search_docs.tool",
            "   └─ draft_reply.task",
            "      └─ chat gpt-4o",
        ],
        "{stdout}"
    );
    for line in stdout.lines().skip(1) {
        assert!(line.contains(r#"x-session-id="ticket-42""#), "{line}");
    }
}

#[test]
fn insightfinder_grpc_is_configured_from_the_environment_alone() {
    let receiver = Receiver::grpc(Reply::Accept, None);
    run(example("insightfinder_grpc")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("INSIGHTFINDER_USER", "env-user")
        .env("INSIGHTFINDER_LICENSE_KEY", "env-license")
        .env("INSIGHTFINDER_PROJECT_NAME", "env-project")
        .env("INSIGHTFINDER_SYSTEM_NAME", "env-system")
        .env("OTEL_SERVICE_NAME", "agent-service"));
    let received = receiver.wait_for_spans(1);
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.span_names(), ["your_llm_activity"]);
    assert_eq!(request.header("ifuser"), Some("env-user"));
    assert_eq!(request.header("iflicensekey"), Some("env-license"));
    assert_eq!(request.header("ifproject"), Some("env-project"));
    assert_eq!(request.header("ifsystem"), Some("env-system"));
    assert_eq!(
        request.resource_attribute("service.name").as_deref(),
        Some("agent-service")
    );
}

#[test]
fn insightfinder_grpc_refuses_to_start_without_its_credentials() {
    let output = example("insightfinder_grpc")
        .env("INSIGHTFINDER_ENDPOINT", "https://127.0.0.1:9")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: missing InsightFinder user: `INSIGHTFINDER_ENDPOINT` is set; fix: call `.user()` on the builder or set `INSIGHTFINDER_USER`"),
        "{stderr}"
    );
}

#[test]
fn otlp_http_bearer_posts_with_the_token() {
    let receiver = Receiver::http(Reply::Accept, None);
    run(example("otlp_http_bearer")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTLP_BEARER_TOKEN", "tk_example"));
    let received = receiver.wait_for_spans(2);
    let mut names: Vec<String> = received.iter().flat_map(|r| r.span_names()).collect();
    names.sort();
    assert_eq!(names, ["chat gpt-4o", "invoke_agent support-bot"]);
    for request in &received {
        assert_eq!(request.path, "/v1/traces");
        assert_eq!(request.header("authorization"), Some("Bearer tk_example"));
    }
}

/// The lines of a printed tree, without durations and attributes: `prefix + name`.
fn tree_shape(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| !line.starts_with("trace "))
        .map(|line| {
            // A span name ends where its duration starts: " <digits>µs|ms|s".
            let words: Vec<&str> = line.split(' ').collect();
            let end = words
                .iter()
                .position(|w| {
                    w.ends_with("µs")
                        || w.ends_with("ms")
                        || (w.ends_with('s') && w.starts_with(|c: char| c.is_ascii_digit()))
                })
                .unwrap_or(words.len());
            words[..end].join(" ")
        })
        .collect()
}

#[test]
fn manual_otel_prints_a_workflow_with_two_llm_spans() {
    let output = run(&mut example("manual_otel"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        tree_shape(&stdout),
        ["research_workflow", "├─ ask_llm", "└─ ask_llm"],
        "{stdout}"
    );
    assert!(
        stdout.contains(r#"chat.prompt="What changed in the last deploy?""#),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#"x-session-id="session-1234""#),
        "{stdout}"
    );
}

#[test]
fn genai_agent_prints_the_agent_tree_and_exports_it_when_asked() {
    let output = run(&mut example("genai_agent"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        tree_shape(&stdout),
        [
            "invoke_agent research-assistant",
            "├─ chat gpt-4o",
            "├─ execute_tool search_web",
            "└─ chat gpt-4o",
        ],
        "{stdout}"
    );

    let receiver = Receiver::http(Reply::Accept, None);
    run(example("genai_agent")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
    let received = receiver.wait_for_spans(4);
    let mut names: Vec<String> = received.iter().flat_map(|r| r.span_names()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "chat gpt-4o",
            "chat gpt-4o",
            "execute_tool search_web",
            "invoke_agent research-assistant"
        ]
    );
}

#[test]
fn tracing_interop_nests_tracing_spans_between_iftracer_spans() {
    let output = run(&mut example("tracing_interop"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("tracing subscriber installed: true"),
        "{stderr}"
    );
    let shape: Vec<String> = tree_shape(&stdout)
        .into_iter()
        .filter(|line| !line.trim_start_matches(['│', ' ']).starts_with('·'))
        .collect();
    assert_eq!(
        shape,
        [
            "answer.workflow",
            "└─ call_model [client]",
            "   └─ parse_reply.task",
        ],
        "{stdout}"
    );
    assert!(stdout.contains(r#"model="gpt-4o""#), "{stdout}");
    assert!(stdout.contains("· sending request"), "{stdout}");
}

/// Runs `name` against an in-process gRPC receiver as an InsightFinder destination and reads
/// the result with the gateway's rules.
fn through_the_gateway(name: &str, spans: usize) -> GatewayView {
    let receiver = Receiver::grpc(Reply::Accept, None);
    run(example(name).envs(gateway::insightfinder_env(&receiver.endpoint())));
    let received = receiver.wait_for_spans(spans);
    gateway::read(&received).unwrap_or_else(|broken| panic!("{name}: {broken}"))
}

#[test]
fn insightfinder_reads_one_pair_per_llm_call_of_every_example() {
    let quickstart = through_the_gateway("quickstart", 3);
    assert_eq!(
        quickstart.texts(),
        [
            ("What is OTLP?", "A short answer to: What is OTLP?"),
            (
                "Why trace LLM calls?",
                "A short answer to: Why trace LLM calls?"
            ),
        ]
    );

    let genai = through_the_gateway("genai_agent", 4);
    assert_eq!(
        genai.texts(),
        [
            ("What is the weather in Paris?", "I will search the web."),
            (
                "What is the weather in Paris?",
                "It is 18°C with light rain in Paris."
            ),
        ]
    );
    assert!(genai.pairs.iter().all(|p| p.span_name == "chat gpt-4o"));

    let nested = through_the_gateway("nested_agent", 5);
    assert_eq!(nested.pairs.len(), 1, "{:?}", nested.pairs);
    let pair = &nested.pairs[0];
    assert!(
        pair.prompt.starts_with("Ticket: I forgot my password"),
        "{pair:?}"
    );
    assert_eq!(
        (pair.user.as_deref(), pair.session.as_deref()),
        (Some("alice"), Some("ticket-42"))
    );

    let seed_flow = through_the_gateway("insightfinder_grpc", 1);
    assert_eq!(
        seed_flow.texts(),
        [(
            "Your prompt text here: summarise the incident",
            "The incident was caused by …"
        )]
    );
    assert_eq!(
        (
            seed_flow.pairs[0].user.as_deref(),
            seed_flow.pairs[0].session.as_deref()
        ),
        (Some("workflow-user"), Some("workflow-7f3a"))
    );
}

#[test]
fn otlp_http_to_an_insightfinder_destination_warns_once() {
    let receiver = Receiver::http(Reply::Accept, None);
    let output = run(example("insightfinder_grpc")
        .envs(gateway::insightfinder_env(&receiver.endpoint()))
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr
            .matches("InsightFinder's trace gateway speaks OTLP/gRPC only")
            .count(),
        1,
        "{stderr}"
    );
    assert_eq!(
        receiver.wait_for_spans(1)[0].header("ifsystem"),
        Some("if-system")
    );
}

#[test]
fn openai_agent_traces_its_model_calls_against_an_openai_compatible_server() {
    let proxy = support::litellm::proxy();
    let output = run(example("openai_agent")
        .env("OPENAI_BASE_URL", proxy.openai_base_url())
        .env("OPENAI_API_KEY", proxy.master_key())
        .env("OPENAI_MODEL", support::litellm::CHAT_MODEL));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("answer: {}", support::litellm::MOCK_RESPONSE)),
        "{stderr}"
    );
    assert_eq!(
        tree_shape(&stdout),
        [
            "support.workflow",
            "└─ triage.agent",
            "   ├─ chat gpt-4o-mini",
            "   ├─ lookup_order.tool",
            "   └─ chat gpt-4o-mini",
        ],
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("gen_ai.request.stream=true").count(),
        1,
        "{stdout}"
    );
    assert!(
        stdout.contains("gen_ai.response.time_to_first_chunk="),
        "{stdout}"
    );
}

#[test]
fn prompt_template_records_the_template_on_each_llm_call_beneath_it() {
    let output = run(&mut example("prompt_template"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        tree_shape(&stdout),
        [
            "incident_summaries.workflow",
            "├─ chat gpt-4o",
            "└─ chat gpt-4o",
        ],
        "{stdout}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(!lines[1].contains("iftracer.prompt."), "{stdout}");
    for (line, audience) in lines[2..].iter().zip(["on-call engineers", "customers"]) {
        for expected in [
            r#"iftracer.prompt.template="Summarise incident {incident} for the {audience}"#
                .to_owned(),
            r#"iftracer.prompt.template_variables.incident="INC-42""#.to_owned(),
            format!(r#"iftracer.prompt.template_variables.audience="{audience}""#),
            "iftracer.prompt.version=3".to_owned(),
            "iftracer.prompt.managed=false".to_owned(),
        ] {
            assert!(line.contains(&expected), "{expected} missing from {line}");
        }
    }

    // Exported to InsightFinder: one pair per call, the template beside it.
    let view = through_the_gateway("prompt_template", 3);
    assert_eq!(view.pairs.len(), 2, "{:?}", view.pairs);
    for spans in view.traces.values() {
        let calls: Vec<_> = spans.iter().filter(|s| s.name == "chat gpt-4o").collect();
        assert_eq!(calls.len(), 2);
        for call in calls {
            assert!(
                call.attributes
                    .iter()
                    .any(|kv| kv.key == "iftracer.prompt.template"),
                "{call:?}"
            );
        }
    }
}
