//! The one order every setting is resolved in: the builder's value, else the environment's (the
//! first variable set, in the order given), else the default. A value keeps where it came from,
//! so the error for a rejected one names that builder method or variable; variables after the
//! one that answered are never read.

use std::time::Duration;

use crate::config::env::spec_default;
use crate::error::{Error, Setting};

/// A setting being resolved: its value so far and where it came from.
#[must_use = "finish with `.or(default)`, `.or_else(..)` or `.value()`"]
pub(crate) struct Resolved<T> {
    found: Option<(T, Setting)>,
}

/// Starts with the builder's value, set by `method`.
pub(crate) fn builder<T>(value: Option<T>, method: &'static str) -> Resolved<T> {
    Resolved {
        found: value.map(|value| (value, Setting::Builder(method))),
    }
}

/// Starts a setting that has no builder method.
pub(crate) fn env_only<T>() -> Resolved<T> {
    Resolved { found: None }
}

impl<T> Resolved<T> {
    /// Unless a value was found, the variable `var` as `read` parses it; a malformed value is an
    /// error naming `var`.
    pub(crate) fn or_env(
        self,
        var: &'static str,
        read: impl FnOnce(&'static str) -> Result<Option<T>, Error>,
    ) -> Result<Self, Error> {
        if self.found.is_some() {
            return Ok(self);
        }
        Ok(Resolved {
            found: read(var)?.map(|value| (value, Setting::Env(var))),
        })
    }

    /// Like [`or_env`](Self::or_env), but a malformed value of an `OTEL_*` variable warns once
    /// and counts as unset, as the OpenTelemetry specification asks.
    pub(crate) fn or_lenient_env(
        self,
        var: &'static str,
        read: impl FnOnce(&'static str) -> Result<Option<T>, Error>,
    ) -> Result<Self, Error> {
        self.or_env(var, |var| spec_default(read(var)))
    }

    /// Checks the value found so far with `check`, which gets where it came from.
    pub(crate) fn check(
        self,
        check: impl FnOnce(T, Setting) -> Result<T, Error>,
    ) -> Result<Self, Error> {
        Ok(Resolved {
            found: match self.found {
                Some((value, setting)) => Some((check(value, setting)?, setting)),
                None => None,
            },
        })
    }

    /// The value found, else `default`.
    pub(crate) fn or(self, default: T) -> T {
        self.value().unwrap_or(default)
    }

    /// The value found, else the type's default.
    pub(crate) fn or_default(self) -> T
    where
        T: Default,
    {
        self.value().unwrap_or_default()
    }

    /// The value found, else what `default` makes.
    pub(crate) fn or_else(self, default: impl FnOnce() -> T) -> T {
        self.value().unwrap_or_else(default)
    }

    /// The value found, if any.
    pub(crate) fn value(self) -> Option<T> {
        self.found.map(|(value, _)| value)
    }

    /// The value found and where it came from.
    pub(crate) fn sourced(self) -> Option<(T, Setting)> {
        self.found
    }
}

impl<T: Zero> Resolved<T> {
    /// Refuses a zero found so far: `expected` says what is valid.
    pub(crate) fn nonzero(self, expected: &'static str) -> Result<Self, Error> {
        self.check(|value, setting| {
            if value.is_zero() {
                Err(zero(setting, expected))
            } else {
                Ok(value)
            }
        })
    }
}

/// The error for a zero where only values above zero work.
pub(crate) fn zero(setting: Setting, expected: &'static str) -> Error {
    Error::InvalidNumber {
        setting,
        value: "0".to_owned(),
        expected,
    }
}

/// Numbers and durations, for [`Resolved::nonzero`].
pub(crate) trait Zero {
    fn is_zero(&self) -> bool;
}

impl Zero for usize {
    fn is_zero(&self) -> bool {
        *self == 0
    }
}

impl Zero for u32 {
    fn is_zero(&self) -> bool {
        *self == 0
    }
}

impl Zero for Duration {
    fn is_zero(&self) -> bool {
        Duration::is_zero(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: &str = "a whole number above 0";

    fn from_env(value: Option<usize>) -> impl FnOnce(&'static str) -> Result<Option<usize>, Error> {
        move |_| Ok(value)
    }

    #[test]
    fn the_builder_wins_then_the_first_variable_set_then_the_default() {
        let resolved = builder(Some(3), ".size()")
            .or_env("A", |_| panic!("not read once the builder set it"))
            .unwrap();
        assert_eq!(resolved.or(9), 3);
        let resolved = builder(None, ".size()")
            .or_env("A", from_env(None))
            .unwrap()
            .or_env("B", from_env(Some(5)))
            .unwrap()
            .or_env("C", |_| panic!("not read after B answered"))
            .unwrap();
        assert_eq!(resolved.sourced(), Some((5, Setting::Env("B"))));
        assert_eq!(
            builder(None, ".size()")
                .or_env("A", from_env(None))
                .unwrap()
                .or(9),
            9
        );
    }

    #[test]
    fn zero_is_refused_naming_where_it_came_from() {
        let error = builder(Some(0usize), ".size()")
            .nonzero(EXPECTED)
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "invalid value \"0\" for builder method `.size()`: expected a whole number above 0"
        );
        let error = env_only::<usize>()
            .or_env("SIZE", from_env(Some(0)))
            .unwrap()
            .nonzero(EXPECTED)
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "invalid value \"0\" for environment variable `SIZE`: expected a whole number above 0"
        );
    }
}
