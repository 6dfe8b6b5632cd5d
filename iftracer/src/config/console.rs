//! How the console exporter prints: format (`IFTRACER_CONSOLE`) and colour
//! (`IFTRACER_CONSOLE_COLOR`, `NO_COLOR`).

use std::io::IsTerminal as _;

use crate::config::env::Env;
use crate::error::{Error, Setting};

pub(crate) const IFTRACER_CONSOLE: &str = "IFTRACER_CONSOLE";
pub(crate) const IFTRACER_CONSOLE_COLOR: &str = "IFTRACER_CONSOLE_COLOR";
pub(crate) const NO_COLOR: &str = "NO_COLOR";

/// What the console exporter prints for each span (used when no endpoint is configured).
///
/// ```
/// let guard = iftracer::Iftracer::builder()
///     .ignore_env()
///     .console_format(iftracer::ConsoleFormat::Json)
///     .init()
///     .unwrap();
/// # drop(guard);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsoleFormat {
    /// One line per span in a tree, with duration, status and a few key facts (the default).
    #[default]
    Compact,
    /// The tree with every attribute on its own line under its span.
    Full,
    /// One JSON object per span per line, for `jq` and log shippers.
    Json,
}

impl ConsoleFormat {
    fn parse(value: &str, setting: Setting) -> Result<Self, Error> {
        match value.to_ascii_lowercase().as_str() {
            "compact" => Ok(ConsoleFormat::Compact),
            "full" => Ok(ConsoleFormat::Full),
            "json" => Ok(ConsoleFormat::Json),
            _ => Err(Error::UnknownConsoleSetting {
                setting,
                value: value.to_owned(),
                expected: "`compact`, `full` or `json`",
            }),
        }
    }
}

/// The resolved console settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConsoleSettings {
    pub(crate) format: ConsoleFormat,
    pub(crate) color: bool,
    /// Longest line in `compact`: the terminal's width on a terminal, else 120.
    pub(crate) width: usize,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        ConsoleSettings {
            format: ConsoleFormat::Compact,
            color: false,
            width: DEFAULT_WIDTH,
        }
    }
}

/// Line width when stdout is not a terminal (or its width is unknown).
pub(crate) const DEFAULT_WIDTH: usize = 120;

pub(crate) fn resolve(builder: Option<ConsoleFormat>, env: &Env) -> Result<ConsoleSettings, Error> {
    let format = match builder {
        Some(format) => format,
        None => env
            .string(IFTRACER_CONSOLE)?
            .map(|v| ConsoleFormat::parse(&v, Setting::Env(IFTRACER_CONSOLE)))
            .transpose()?
            .unwrap_or_default(),
    };
    let tty = std::io::stdout().is_terminal();
    let color = match env.string(IFTRACER_CONSOLE_COLOR)?.as_deref() {
        Some(v) if v.eq_ignore_ascii_case("always") => true,
        Some(v) if v.eq_ignore_ascii_case("never") => false,
        Some(v) if v.eq_ignore_ascii_case("auto") => tty && env.string(NO_COLOR)?.is_none(),
        Some(v) => {
            return Err(Error::UnknownConsoleSetting {
                setting: Setting::Env(IFTRACER_CONSOLE_COLOR),
                value: v.to_owned(),
                expected: "`auto`, `always` or `never`",
            });
        }
        None => tty && env.string(NO_COLOR)?.is_none(),
    };
    // `COLUMNS` is what shells export for the terminal's width; without it a terminal gets 120 too.
    let width = if tty {
        env.number::<usize>("COLUMNS", "a whole number of columns")
            .ok()
            .flatten()
            .filter(|w| *w >= 40)
            .unwrap_or(DEFAULT_WIDTH)
    } else {
        DEFAULT_WIDTH
    };
    Ok(ConsoleSettings {
        format,
        color: color && format != ConsoleFormat::Json,
        width,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn settings(
        builder: Option<ConsoleFormat>,
        pairs: &'static [(&'static str, &'static str)],
    ) -> Result<ConsoleSettings, Error> {
        let lookup = move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        };
        resolve(builder, &Env::new(&lookup))
    }

    #[test]
    fn format_comes_from_the_builder_then_the_environment() {
        assert_eq!(settings(None, &[]).unwrap().format, ConsoleFormat::Compact);
        let json = settings(None, &[("IFTRACER_CONSOLE", "json")]).unwrap();
        assert_eq!(json.format, ConsoleFormat::Json);
        let full = settings(Some(ConsoleFormat::Full), &[("IFTRACER_CONSOLE", "json")]).unwrap();
        assert_eq!(full.format, ConsoleFormat::Full);
        let error = settings(None, &[("IFTRACER_CONSOLE", "fancy")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid value \"fancy\" for environment variable `IFTRACER_CONSOLE`: expected `compact`, `full` or `json`"
        );
    }

    #[test]
    fn colour_is_switched_by_the_environment() {
        // Tests do not run with stdout on a terminal under `cargo test` capture, so `auto` is off.
        let always = settings(None, &[("IFTRACER_CONSOLE_COLOR", "always")]).unwrap();
        assert!(always.color);
        let never = settings(None, &[("IFTRACER_CONSOLE_COLOR", "never")]).unwrap();
        assert!(!never.color);
        let json = settings(
            None,
            &[
                ("IFTRACER_CONSOLE_COLOR", "always"),
                ("IFTRACER_CONSOLE", "json"),
            ],
        )
        .unwrap();
        assert!(!json.color, "JSON lines stay free of escape codes");
        let error = settings(None, &[("IFTRACER_CONSOLE_COLOR", "rainbow")]).unwrap_err();
        assert!(
            error.to_string().contains("`auto`, `always` or `never`"),
            "{error}"
        );
    }
}
