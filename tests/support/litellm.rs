//! A real OpenAI- and Anthropic-compatible LLM server for the tests: the LiteLLM proxy (PyPI
//! `litellm[proxy]`, pinned in `scripts/test-tools.txt`, installed into `.venv` by
//! `bash scripts/setup-test-tools.sh`), on 127.0.0.1, offline, its models answering with
//! `mock_response`.
//!
//! ```ignore
//! let proxy = support::litellm::proxy();          // started once per test binary
//! let reply = proxy.post_json("/v1/chat/completions", &serde_json::json!({
//!     "model": support::litellm::CHAT_MODEL,
//!     "messages": [{"role": "user", "content": "hi"}],
//! }));
//! assert_eq!(reply.status, 200);
//! // Clients: base URL `proxy.openai_base_url()` (`http://127.0.0.1:PORT/v1`), API key
//! // `proxy.master_key()` sent as `Authorization: Bearer …` (Anthropic clients: `x-api-key`).
//! ```
//!
//! # Lifetime
//! [`proxy()`] starts one proxy per test binary, the first time a test asks, and every test of
//! that binary shares it (LiteLLM takes several seconds to start). libtest ends the process
//! without running the destructors of statics, so the proxy is not stopped by a `Drop`: it runs
//! under a small `sh` watchdog whose standard input is a pipe from the test binary. However the
//! binary ends (tests done, panic, abort, `SIGKILL`), the kernel closes that pipe; the watchdog
//! then sends `SIGTERM` (then `SIGKILL` after 5 s) to the proxy's whole process group (it runs
//! in its own session) and deletes the generated configuration. No process outlives the binary.
//!
//! # What the proxy answers (LiteLLM 1.108.7, offline, checked by hand with curl)
//! Every request needs `Authorization: Bearer <master key>`. With no database configured, a
//! wrong key answers `400` `{"error":{"message":"No connected db.","type":"no_db_connection",…}}`
//! and a missing one `500` with the plain-text body `Internal Server Error` (LiteLLM tries to
//! import `prisma`): neither is the `401` a real provider sends, so do not test auth errors here.
//! An unknown model answers `400` `{"error":{"message":"/chat/completions: Invalid model name
//! passed in model=nope. …","type":"invalid_request_error","param":null,"code":"400",…}}`.
//! Answers carry `x-litellm-*` headers (`x-litellm-version: 1.108.7`, `x-litellm-call-id`, …).
//!
//! - `POST /v1/chat/completions`, plain: `content-length` JSON
//!   `{"id":"chatcmpl-<uuid>","created":…,"model":"gpt-4o-mini","object":"chat.completion",
//!   "choices":[{"finish_reason":"stop","index":0,"message":{"content":MOCK_RESPONSE,
//!   "role":"assistant"}}],"usage":{"completion_tokens":20,"prompt_tokens":10,"total_tokens":30}}`.
//!   The usage is LiteLLM's fixed mock usage (10 / 20 / 30) whatever the prompt; `model` is the
//!   upstream model without its provider prefix.
//! - Same with `"stream":true`: `text/event-stream; charset=utf-8`, chunked, one `data: {json}`
//!   per event, `object` `chat.completion.chunk`, the same `id` in every chunk. The mock text
//!   comes in pieces of 3 characters (`choices[0].delta.content`; the first delta also has
//!   `"role":"assistant"`), then a chunk with an empty delta and `"finish_reason":"stop"`; with
//!   `"stream_options":{"include_usage":true}` one more chunk whose `choices` is
//!   `[{"index":0,"delta":{}}]` (**not** `[]` as OpenAI sends) with `usage` counted by a
//!   tokenizer (for "What is OTLP?" and MOCK_RESPONSE: `prompt_tokens` 12, `completion_tokens`
//!   14, `total_tokens` 26, plus `completion_tokens_details` and `cost`); then `data: [DONE]`.
//! - `POST /v1/responses`, plain: `{"id":"resp_…","object":"response","status":"completed",
//!   "model":"gpt-4o-mini","output":[{"type":"message","role":"assistant","status":"completed",
//!   "content":[{"type":"output_text","text":MOCK_RESPONSE,"annotations":[],…}],…}],"usage":
//!   {"input_tokens":36,"output_tokens":87,"total_tokens":123,…},…}` (fixed mock usage and a
//!   fixed `created_at` 1741476542). **Streaming fails** with mock models: HTTP 500 and one event
//!   `data: {"error":{"message":"Error processing stream start","type":"internal_server_error",
//!   …}}` then `data: [DONE]` (a LiteLLM bug: the mock returns a whole response where the proxy
//!   expects an iterator). Test Responses streams against an in-process server instead.
//! - `POST /v1/messages` (Anthropic Messages, any configured model):
//!   `{"content":[{"text":…,"type":"text"}],"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","model":
//!   "claude-3-5-haiku","role":"assistant","stop_reason":"end_turn","stop_sequence":null,
//!   "type":"message","usage":{"input_tokens":2095,"output_tokens":503}}` (fixed id and usage;
//!   `model` is the name asked for). **`"stream":true` is ignored**: the same JSON comes back,
//!   not an SSE stream. Test Anthropic streams against an in-process server instead.
//! - `POST /v1/embeddings` works offline with `mock_response` a list of floats:
//!   `{"model":"text-embedding-3-small","data":[{"embedding":[0.25,0.5,0.75],"index":0,
//!   "object":"embedding"}],"object":"list","usage":{"completion_tokens":0,"prompt_tokens":10,
//!   "total_tokens":0,…}}` (note `total_tokens` 0).
//!
//! See the smoke test in `tests/genai_import.rs` for the exact values each of these is checked
//! against.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The command that installs LiteLLM (and the other test tools) into `.venv`.
pub const SETUP: &str = "bash scripts/setup-test-tools.sh";

/// An OpenAI chat model (`openai/gpt-4o-mini` upstream, never contacted): answers
/// `/v1/chat/completions` and `/v1/responses` with [`MOCK_RESPONSE`].
pub const CHAT_MODEL: &str = "gpt-4o-mini";
/// What [`CHAT_MODEL`] answers.
pub const MOCK_RESPONSE: &str = "OTLP is the OpenTelemetry protocol for traces, metrics and logs.";
/// An Anthropic model (`anthropic/claude-3-5-haiku-20241022` upstream, never contacted), for
/// `/v1/messages`; answers [`ANTHROPIC_MOCK_RESPONSE`].
pub const ANTHROPIC_MODEL: &str = "claude-3-5-haiku";
/// What [`ANTHROPIC_MODEL`] answers.
pub const ANTHROPIC_MOCK_RESPONSE: &str = "Traces show where an agent spends its time.";
/// An embeddings model (`openai/text-embedding-3-small` upstream, never contacted).
pub const EMBEDDING_MODEL: &str = "text-embedding-3-small";

/// A running LiteLLM proxy; see [`proxy()`].
#[derive(Debug)]
pub struct LiteLlm {
    addr: SocketAddr,
    master_key: String,
    dir: PathBuf,
    /// The watchdog's standard input: never written, closed by the kernel when the binary ends.
    _watchdog: Mutex<ChildStdin>,
}

/// One HTTP exchange's answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Header names lower-case.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `data:` payloads of a server-sent-events body, in order (`[DONE]` included).
    pub fn sse_data(&self) -> Vec<String> {
        self.body
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|data| data.trim().to_owned())
            .collect()
    }

    /// The `event:` names of a server-sent-events body, in order (Anthropic and Responses
    /// streams name their events).
    pub fn sse_events(&self) -> Vec<String> {
        self.body
            .lines()
            .filter_map(|line| line.strip_prefix("event:"))
            .map(|name| name.trim().to_owned())
            .collect()
    }
}

/// The proxy of this test binary, started on first use. Panics, naming [`SETUP`], when LiteLLM
/// is not installed, and with the proxy's log when it does not become ready.
pub fn proxy() -> &'static LiteLlm {
    static PROXY: OnceLock<Result<LiteLlm, String>> = OnceLock::new();
    match PROXY.get_or_init(LiteLlm::start) {
        Ok(proxy) => proxy,
        Err(message) => panic!("{message}"),
    }
}

impl LiteLlm {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v1`, the base URL OpenAI clients take.
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The generated master key (`sk-…`), the API key every client must send.
    pub fn master_key(&self) -> &str {
        &self.master_key
    }

    /// The proxy's log so far (stdout and stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("litellm.log")).unwrap_or_default()
    }

    /// `POST path` with a JSON body and the master key; waits for the whole answer (streams too).
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        let body = body.to_string();
        let auth = format!("Bearer {}", self.master_key);
        self.request(
            "POST",
            path,
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            Some(&body),
        )
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// One HTTP/1.1 request with `Connection: close`, read to the end.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> std::io::Result<Reply> {
        http(self.addr, method, path, headers, body)
    }

    fn start() -> Result<LiteLlm, String> {
        // Empty counts as unset, as in scripts/setup-test-tools.sh (`${IFTRACER_TEST_VENV:-.venv}`).
        let venv = std::env::var_os("IFTRACER_TEST_VENV")
            .filter(|venv| !venv.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
        let litellm = venv.join("bin").join("litellm");
        if !litellm.is_file() {
            return Err(format!(
                "the LiteLLM proxy is not installed ({} is missing): run `{SETUP}`",
                litellm.display()
            ));
        }
        let master_key = format!("sk-iftracer-test-{:016x}{:016x}", random(), random());
        let port = free_port().map_err(|e| format!("no free loopback port: {e}"))?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let dir = std::env::temp_dir().join(format!(
            "iftracer-litellm-{}-{:08x}",
            std::process::id(),
            random() as u32
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let config = dir.join("config.yaml");
        std::fs::write(&config, config_yaml()).map_err(|e| format!("{}: {e}", config.display()))?;

        // Its own OpenTelemetry callbacks must not pick up the developer's collector settings.
        let mut watchdog = super::clean_command("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("litellm-watchdog")
            .arg(&dir)
            .arg(&litellm)
            .args(["--config"])
            .arg(&config)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .env("LITELLM_MASTER_KEY", &master_key)
            // Offline: the bundled price list instead of a download.
            .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            .env("LITELLM_TELEMETRY", "False")
            .env("DISABLE_ADMIN_UI", "True")
            .env_remove("DATABASE_URL")
            .env_remove("OPENAI_API_KEY")
            .env_remove("OPENAI_BASE_URL")
            .env_remove("ANTHROPIC_API_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run sh for the LiteLLM watchdog: {e}"))?;
        let stdin = watchdog.stdin.take().ok_or("no watchdog pipe")?;
        let proxy = LiteLlm {
            addr,
            master_key,
            dir,
            _watchdog: Mutex::new(stdin),
        };
        // The watchdog is reaped by nobody once it ends with the binary; that is harmless.
        drop(watchdog);

        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let live = http(addr, "GET", "/health/liveliness", &[], None);
            if matches!(&live, Ok(reply) if reply.status == 200) {
                return Ok(proxy);
            }
            if let Ok(code) = std::fs::read_to_string(proxy.dir.join("exit")) {
                return Err(format!(
                    "the LiteLLM proxy exited ({}) before it was ready; its log:\n{}",
                    code.trim(),
                    proxy.log()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the LiteLLM proxy was not ready on {addr} after 180 s; its log:\n{}",
                    proxy.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// `sh -c WATCHDOG litellm-watchdog DIR LITELLM ARGS…`: runs the proxy in its own session (so
/// its process group holds every process it starts), writes its exit code to `DIR/exit` if it
/// ends by itself, and stops it when its standard input reaches end of file (the test binary
/// ended), then deletes `DIR`.
const WATCHDOG: &str = r#"
dir=$1; shift
{ setsid sh -c 'echo $$ >"$0/pid"; exec "$@"' "$dir" "$@" >"$dir/litellm.log" 2>&1 </dev/null
  echo $? >"$dir/exit"; } &
while read -r _; do :; done
pid=$(cat "$dir/pid" 2>/dev/null)
if [ -n "$pid" ]; then
  kill -TERM -"$pid" 2>/dev/null
  i=0
  while kill -0 -"$pid" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  kill -KILL -"$pid" 2>/dev/null
fi
wait
rm -rf "$dir"
"#;

/// The proxy's configuration: the master key comes from `LITELLM_MASTER_KEY`; no database.
fn config_yaml() -> String {
    format!(
        r#"model_list:
  - model_name: {CHAT_MODEL}
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: sk-never-used
      mock_response: "{MOCK_RESPONSE}"
  - model_name: {ANTHROPIC_MODEL}
    litellm_params:
      model: anthropic/claude-3-5-haiku-20241022
      api_key: sk-ant-never-used
      mock_response: "{ANTHROPIC_MOCK_RESPONSE}"
  - model_name: {EMBEDDING_MODEL}
    litellm_params:
      model: openai/text-embedding-3-small
      api_key: sk-never-used
      mock_response: [0.25, 0.5, 0.75]
litellm_settings:
  telemetry: false
  drop_params: true
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
"#
    )
}

fn random() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or_default();
    request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_reply(&raw).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not an HTTP reply: {}", String::from_utf8_lossy(&raw)),
        )
    })
}

fn parse_reply(raw: &[u8]) -> Option<Reply> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let mut decoded = Vec::new();
    if chunked {
        loop {
            let end = body.windows(2).position(|w| w == b"\r\n")?;
            let size_text = std::str::from_utf8(&body[..end]).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            body = &body[end + 2..];
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(body.get(..size)?);
            body = body.get(size + 2..)?;
        }
    } else {
        decoded.extend_from_slice(body);
    }
    Some(Reply {
        status,
        headers,
        body: String::from_utf8(decoded).ok()?,
    })
}
