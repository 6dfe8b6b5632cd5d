//! How the console exporter prints: format (`IFTRACER_CONSOLE`) and colour
//! (`IFTRACER_CONSOLE_COLOR`, `NO_COLOR`).

use std::io::IsTerminal as _;

use crate::config::env::Env;
use crate::config::resolve::{builder as from_builder, env_only};
use crate::error::{Error, Setting};

pub(crate) const IFTRACER_CONSOLE: &str = "IFTRACER_CONSOLE";
pub(crate) const IFTRACER_CONSOLE_COLOR: &str = "IFTRACER_CONSOLE_COLOR";
pub(crate) const NO_COLOR: &str = "NO_COLOR";
pub(crate) const COLUMNS: &str = "COLUMNS";

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
#[non_exhaustive]
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

/// The longest line on a terminal: `COLUMNS` when set (an override, e.g. for a terminal that
/// misreports its size), else what the terminal says (asked of stdout, with an ioctl), else
/// [`DEFAULT_WIDTH`]. Not on a terminal (a pipe, a file): [`DEFAULT_WIDTH`], whatever is set.
fn width(tty: bool, columns: Option<usize>, terminal: impl FnOnce() -> Option<usize>) -> usize {
    if !tty {
        return DEFAULT_WIDTH;
    }
    columns
        .filter(|w| *w > 0)
        .or_else(|| terminal().filter(|w| *w > 0))
        .unwrap_or(DEFAULT_WIDTH)
}

/// `IFTRACER_CONSOLE_COLOR`: whether escape codes colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set (the default).
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn parse(value: &str, setting: Setting) -> Result<Self, Error> {
        match value.to_ascii_lowercase().as_str() {
            "auto" => Ok(ColorChoice::Auto),
            "always" => Ok(ColorChoice::Always),
            "never" => Ok(ColorChoice::Never),
            _ => Err(Error::UnknownConsoleSetting {
                setting,
                value: value.to_owned(),
                expected: "`auto`, `always` or `never`",
            }),
        }
    }
}

pub(crate) fn resolve(builder: Option<ConsoleFormat>, env: &Env) -> Result<ConsoleSettings, Error> {
    let format = from_builder(builder, ".console_format()")
        .or_env(IFTRACER_CONSOLE, |var| {
            env.parsed(var, ConsoleFormat::parse)
        })?
        .or_default();
    let tty = std::io::stdout().is_terminal();
    let color = match env_only()
        .or_env(IFTRACER_CONSOLE_COLOR, |var| {
            env.parsed(var, ColorChoice::parse)
        })?
        .or(ColorChoice::Auto)
    {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && env.string(NO_COLOR)?.is_none(),
    };
    let width = width(
        tty,
        // Not iftracer's variable: a malformed value is ignored, not an error.
        env.number::<usize>(COLUMNS, "a whole number of columns")
            .ok()
            .flatten(),
        || terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0)),
    );
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
    fn width_is_the_terminals_unless_columns_overrides_it_and_120_off_a_terminal() {
        let asked = std::cell::Cell::new(false);
        let terminal = |w: Option<usize>| {
            let asked = &asked;
            move || {
                asked.set(true);
                w
            }
        };
        assert_eq!(width(true, None, terminal(Some(87))), 87);
        assert_eq!(
            width(true, Some(60), terminal(Some(87))),
            60,
            "COLUMNS wins"
        );
        assert_eq!(
            width(true, Some(0), terminal(Some(87))),
            87,
            "0 is no width"
        );
        assert_eq!(
            width(true, None, terminal(None)),
            DEFAULT_WIDTH,
            "size unknown"
        );
        assert_eq!(width(true, None, terminal(Some(0))), DEFAULT_WIDTH);
        asked.set(false);
        assert_eq!(width(false, Some(60), terminal(Some(87))), DEFAULT_WIDTH);
        assert!(!asked.get(), "a pipe or a file is never asked for a size");
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
