//! iftracer-temporal against a real Temporal dev server and the real Python SDK.
//!
//! A custom harness (libtest-mimic) starts one dev server for the whole binary, runs every
//! scenario against it, then stops it. Rust-only scenarios run on in-process workers: one with
//! the workflow cache off (every workflow task replays the history before it, and queries
//! re-execute it), one with the default cache. The replay scenario forgets which spans were
//! emitted before replaying, so replay detection is checked on its own. Interop scenarios
//! drive the `temporal_agent` example and the Python `temporalio` SDK's `TracingInterceptor`.
//!
//! Needs `bash scripts/setup-test-tools.sh` (run by the README's test command) and the
//! package's `temporal` feature; without the feature this binary reports the suite as skipped.

#[cfg(feature = "temporal")]
use iftracer_test_support as support;

#[cfg(feature = "temporal")]
mod harness;
#[cfg(feature = "temporal")]
mod interop;
#[cfg(feature = "temporal")]
mod process;
#[cfg(feature = "temporal")]
mod scenarios;
#[cfg(feature = "temporal")]
mod server;
#[cfg(feature = "temporal")]
mod spans;
#[cfg(feature = "temporal")]
mod tools;
#[cfg(feature = "temporal")]
mod workflows;

use std::process::ExitCode;
#[cfg(feature = "temporal")]
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};

/// Without the feature, one ignored test whose name says why, and a message: a workspace
/// `cargo test` must not look as if the Temporal suite passed.
#[cfg(not(feature = "temporal"))]
fn main() -> ExitCode {
    let args = Arguments::from_args();
    eprintln!(
        "temporal tests SKIPPED: they need the `temporal` feature (the Temporal SDK takes \
         minutes to compile). Run `bash scripts/test.sh`, or `cargo test --features \
         iftracer-examples/temporal --test temporal`."
    );
    let skipped =
        Trial::test("skipped_without_the_temporal_feature", || Ok(())).with_ignored_flag(true);
    libtest_mimic::run(&args, vec![skipped]).exit_code()
}

#[cfg(feature = "temporal")]
fn trial(
    name: &'static str,
    harness: &Arc<harness::Harness>,
    test: fn(&harness::Harness) -> Result<(), String>,
) -> Trial {
    let harness = Arc::clone(harness);
    Trial::test(name, move || {
        test(&harness).map_err(libtest_mimic::Failed::from)
    })
}

#[cfg(feature = "temporal")]
fn main() -> ExitCode {
    let args = Arguments::from_args();
    let names = || scenarios::ALL.iter().chain(interop::ALL).map(|(n, _)| *n);
    let selected = |name: &str| match &args.filter {
        None => true,
        Some(filter) if args.exact => name == filter,
        Some(filter) => name.contains(filter.as_str()),
    };
    if args.list || !names().any(selected) {
        // Listing, or a filter (`cargo test --workspace foo`) that selects no scenario, must not
        // start servers or need the Temporal tools.
        let trials = names().map(|n| Trial::test(n, || Ok(()))).collect();
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
