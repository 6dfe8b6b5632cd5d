//! iftracer-temporal against a real Temporal dev server and the real Python SDK.
//!
//! A custom harness (libtest-mimic) starts one dev server for the whole binary, runs every
//! scenario against it, then stops it. Rust-only scenarios run an in-process worker whose
//! workflow cache is off, so every workflow task replays the history before it: each asserted
//! tree is also a check that replay emits nothing twice. Interop scenarios drive the
//! `temporal_agent` example and the Python `temporalio` SDK's `TracingInterceptor`.
//!
//! Needs `bash scripts/setup-test-tools.sh` (run by the README's test command).

#[path = "../support/mod.rs"]
mod support;

mod harness;
mod interop;
mod process;
mod scenarios;
mod server;
mod spans;
mod tools;
mod workflows;

use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Failed, Trial};

fn trial(
    name: &'static str,
    harness: &Arc<harness::Harness>,
    test: fn(&harness::Harness) -> Result<(), String>,
) -> Trial {
    let harness = Arc::clone(harness);
    Trial::test(name, move || test(&harness).map_err(Failed::from))
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    if args.list {
        // Listing must not start servers.
        let names = scenarios::ALL.iter().chain(interop::ALL).map(|(n, _)| *n);
        let trials = names.map(|n| Trial::test(n, || Ok(()))).collect();
        return libtest_mimic::run(&args, trials).exit_code();
    }
    let harness = match harness::Harness::start() {
        Ok(harness) => Arc::new(harness),
        Err(message) => {
            eprintln!("temporal tests cannot start: {message}");
            return ExitCode::FAILURE;
        }
    };
    let trials = scenarios::ALL
        .iter()
        .chain(interop::ALL)
        .map(|(name, test)| trial(name, &harness, *test))
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    // Stops the worker, then the dev server.
    drop(harness);
    conclusion.exit_code()
}
