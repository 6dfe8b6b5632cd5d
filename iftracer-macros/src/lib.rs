//! `#[workflow]`, `#[task]`, `#[agent]` and `#[tool]`: wrap a function, sync or async, in a span
//! named `"{name}.{kind}"`, the Rust twin of iftracer-sdk's decorators. Use them through
//! `iftracer` (`iftracer::task`, …), which re-exports them and provides the runtime they call.
//!
//! ```
//! use iftracer::{task, workflow};
//!
//! #[workflow(name = "research")]
//! fn research(topic: &str) -> String {
//!     ask_llm(topic)
//! }
//!
//! #[task]
//! fn ask_llm(question: &str) -> String {
//!     format!("answer to {question}")
//! }
//!
//! assert_eq!(research("OTLP"), "answer to OTLP");
//! ```
//!
//! # Options
//!
//! | option | effect |
//! |---|---|
//! | `name = "…"` | the entity name (default: the function's name) |
//! | `version = "…"` | `iftracer.entity.version` |
//! | `skip(a, b)` | do not capture these arguments (they need no trait); `skip(self)` is accepted |
//! | `skip_all` | capture no argument |
//! | `capture(token)` | capture these arguments although their names say secret |
//! | `skip_output` | do not capture the return value |
//! | `stream` | the function returns a `Stream`: the span lasts until the stream ends |
//! | `crate = path` | where `iftracer` is, for re-exports and renamed dependencies |
//!
//! # What the span carries
//!
//! `iftracer.span.kind`, `iftracer.entity.name` (chained `parent.child` for tasks and tools),
//! `iftracer.entity.version`, `iftracer.workflow.name` (on the workflow span; iftracer's span
//! processor stamps it on every descendant), and with the GenAI vocabulary
//! `gen_ai.operation.name` (`invoke_workflow`, `invoke_agent`, `execute_tool`) with
//! `gen_ai.workflow.name`, `gen_ai.agent.name` or `gen_ai.tool.name`.
//!
//! When content capture is on, arguments that implement `serde::Serialize` are recorded by name
//! as `iftracer.entity.input` (JSON) and a `Serialize` return value as `iftracer.entity.output`;
//! other values are skipped without a compile error. Nothing is serialised for a span that is
//! not recorded (sampled out) or with content capture off. Arguments whose names say secret
//! (`password`, `secret`, `token`, `api_key`, `apikey`, `key`, `authorization`, `credential`,
//! `cookie`, also as parts such as `db_password` or `auth_token`) are never captured unless
//! listed in `capture(…)`; names that describe a secret (`token_count`, `key_name`) are not
//! secret.
//!
//! ```
//! #[iftracer::task]
//! fn connect(host: &str, db_password: &str) -> bool {
//!     // Captured input: {"host": "db.internal"}; `db_password` stays out.
//!     !host.is_empty() && !db_password.is_empty()
//! }
//!
//! // A public page token is no secret: capture it on purpose.
//! #[iftracer::tool(capture(page_token))]
//! fn list_models(page_token: Option<&str>) -> Vec<String> {
//!     page_token.map(str::to_owned).into_iter().collect()
//! }
//! # assert!(connect("db.internal", "hunter2"));
//! # assert_eq!(list_models(Some("p2")), ["p2"]);
//! ```
//!
//! A destructured parameter is captured, skipped and checked for secret names by the names it
//! binds, as `tracing`'s `#[instrument]` records it; the receiver (`self`) is never captured.
//!
//! ```
//! struct Point {
//!     x: i32,
//!     y: i32,
//! }
//!
//! struct Planner;
//!
//! impl Planner {
//!     // Captured input: {"a": 1}.
//!     #[iftracer::task(skip(self, b))]
//!     fn add(&self, (a, b): (u32, u32)) -> u32 {
//!         a + b
//!     }
//! }
//!
//! // Captured input: {"x": 3, "y": 4}.
//! #[iftracer::tool]
//! fn norm(Point { x, y }: Point) -> i32 {
//!     x * x + y * y
//! }
//! # assert_eq!(Planner.add((1, 2)), 3);
//! # assert_eq!(norm(Point { x: 3, y: 4 }), 25);
//! ```
//!
//! The declared return type guides the body as it would without the attribute (`impl Trait` in
//! it stands for `_` inside the expansion), so `?` and coercions such as `Box::new(e)` into
//! `Box<dyn Error>` work unchanged. A `const fn` cannot be instrumented: a span cannot start
//! during constant evaluation.
//!
//! A `Result` that is `Err` sets the status to Error with an `exception` event, `error` and
//! `error.type`. A panic records the error, ends the span, and unwinds unchanged. An async
//! function's future keeps `Send`, makes the span current on every poll, and, dropped before it
//! finishes, marks the span `iftracer.entity.cancelled`.

mod args;
mod expand;
mod params;
mod returns;
mod secret_names;

use expand::Kind;
use proc_macro::TokenStream;

/// Wraps a function in a `{name}.workflow` span; every span beneath it carries
/// `iftracer.workflow.name`.
///
/// ```
/// #[iftracer::workflow]
/// async fn research(topic: String) -> usize {
///     topic.len()
/// }
/// # let _ = research("OTLP".to_owned());
/// ```
#[proc_macro_attribute]
pub fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Workflow, args, item)
}

/// Wraps a function in a `{name}.task` span; nested tasks chain their names (`plan.search`).
///
/// ```
/// #[iftracer::task(name = "ask_llm", skip(client))]
/// fn ask(client: &std::net::UdpSocket, question: &str) -> String {
///     let _ = client;
///     question.to_uppercase()
/// }
/// ```
#[proc_macro_attribute]
pub fn task(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Task, args, item)
}

/// Wraps a function in a `{name}.agent` span (`gen_ai.operation.name = invoke_agent`).
///
/// ```
/// #[iftracer::agent(version = "2")]
/// fn planner(goal: &str) -> Vec<String> {
///     vec![goal.to_owned()]
/// }
/// ```
#[proc_macro_attribute]
pub fn agent(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Agent, args, item)
}

/// Wraps a function in a `{name}.tool` span (`gen_ai.operation.name = execute_tool`).
///
/// ```
/// #[iftracer::tool]
/// fn search_web(query: &str) -> Result<String, std::io::Error> {
///     Ok(format!("results for {query}"))
/// }
/// ```
#[proc_macro_attribute]
pub fn tool(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::entry(Kind::Tool, args, item)
}
