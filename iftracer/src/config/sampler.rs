//! Sampler choice, from the builder or `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`.

use opentelemetry_sdk::trace::Sampler as SdkSampler;

use crate::config::env::{Env, OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG};
use crate::error::{Error, Setting};

/// Which spans are recorded and exported; the names follow `OTEL_TRACES_SAMPLER`.
///
/// ```
/// use iftracer::Sampler;
/// let guard = iftracer::Iftracer::builder()
///     .ignore_env()
///     .sampler(Sampler::ParentBasedTraceIdRatio(0.25))
///     .init()
///     .unwrap();
/// # drop(guard);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Sampler {
    /// Every trace (`always_on`).
    AlwaysOn,
    /// No trace (`always_off`).
    AlwaysOff,
    /// A fraction of traces chosen by trace id (`traceidratio`), from 0.0 to 1.0.
    TraceIdRatio(f64),
    /// Follow the parent's decision; sample every root (`parentbased_always_on`, the default).
    #[default]
    ParentBasedAlwaysOn,
    /// Follow the parent's decision; drop every root (`parentbased_always_off`).
    ParentBasedAlwaysOff,
    /// Follow the parent's decision; sample a fraction of roots (`parentbased_traceidratio`).
    ParentBasedTraceIdRatio(f64),
}

impl Sampler {
    pub(crate) fn from_env(env: &Env<'_>) -> Result<Option<Sampler>, Error> {
        let Some(name) = env.string(OTEL_TRACES_SAMPLER)? else {
            return Ok(None);
        };
        let ratio = || -> Result<f64, Error> {
            let ratio = env
                .number::<f64>(OTEL_TRACES_SAMPLER_ARG, "a number from 0.0 to 1.0")?
                .unwrap_or(1.0);
            check_ratio(ratio, Setting::Env(OTEL_TRACES_SAMPLER_ARG))
        };
        let sampler = match name.to_ascii_lowercase().as_str() {
            "always_on" => Sampler::AlwaysOn,
            "always_off" => Sampler::AlwaysOff,
            "traceidratio" => Sampler::TraceIdRatio(ratio()?),
            "parentbased_always_on" => Sampler::ParentBasedAlwaysOn,
            "parentbased_always_off" => Sampler::ParentBasedAlwaysOff,
            "parentbased_traceidratio" => Sampler::ParentBasedTraceIdRatio(ratio()?),
            _ => {
                return Err(Error::UnknownSampler {
                    setting: Setting::Env(OTEL_TRACES_SAMPLER),
                    value: name,
                });
            }
        };
        Ok(Some(sampler))
    }

    /// Rejects a ratio outside 0.0..=1.0 given to the builder.
    pub(crate) fn validate(self, setting: Setting) -> Result<Self, Error> {
        match self {
            Sampler::TraceIdRatio(r) | Sampler::ParentBasedTraceIdRatio(r) => {
                check_ratio(r, setting)?;
            }
            _ => {}
        }
        Ok(self)
    }

    pub(crate) fn to_sdk(self) -> SdkSampler {
        let parent_based = |root: SdkSampler| SdkSampler::ParentBased(Box::new(root));
        match self {
            Sampler::AlwaysOn => SdkSampler::AlwaysOn,
            Sampler::AlwaysOff => SdkSampler::AlwaysOff,
            Sampler::TraceIdRatio(r) => SdkSampler::TraceIdRatioBased(r),
            Sampler::ParentBasedAlwaysOn => parent_based(SdkSampler::AlwaysOn),
            Sampler::ParentBasedAlwaysOff => parent_based(SdkSampler::AlwaysOff),
            Sampler::ParentBasedTraceIdRatio(r) => parent_based(SdkSampler::TraceIdRatioBased(r)),
        }
    }
}

fn check_ratio(ratio: f64, setting: Setting) -> Result<f64, Error> {
    if (0.0..=1.0).contains(&ratio) {
        Ok(ratio)
    } else {
        Err(Error::InvalidNumber {
            setting,
            value: ratio.to_string(),
            expected: "a number from 0.0 to 1.0",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::env::Lookup;
    use std::ffi::OsString;

    fn sampler(pairs: &'static [(&'static str, &'static str)]) -> Result<Option<Sampler>, Error> {
        let lookup: Box<Lookup> = Box::new(move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(*v))
        });
        Sampler::from_env(&Env::new(&*lookup))
    }

    #[test]
    fn every_spec_name_is_understood() {
        assert_eq!(sampler(&[]).unwrap(), None);
        assert_eq!(
            sampler(&[("OTEL_TRACES_SAMPLER", "always_off")]).unwrap(),
            Some(Sampler::AlwaysOff)
        );
        assert_eq!(
            sampler(&[
                ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
                ("OTEL_TRACES_SAMPLER_ARG", "0.5")
            ])
            .unwrap(),
            Some(Sampler::ParentBasedTraceIdRatio(0.5))
        );
        assert_eq!(
            sampler(&[("OTEL_TRACES_SAMPLER", "traceidratio")]).unwrap(),
            Some(Sampler::TraceIdRatio(1.0))
        );
    }

    #[test]
    fn unknown_names_and_bad_ratios_are_typed_errors() {
        let err = sampler(&[("OTEL_TRACES_SAMPLER", "sometimes")]).unwrap_err();
        assert!(matches!(err, Error::UnknownSampler { .. }));
        assert!(err.to_string().contains("`OTEL_TRACES_SAMPLER`"));
        let err = sampler(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value \"1.5\" for environment variable `OTEL_TRACES_SAMPLER_ARG`: expected a number from 0.0 to 1.0"
        );
        assert!(
            Sampler::TraceIdRatio(f64::NAN)
                .validate(Setting::Builder(".sampler()"))
                .is_err()
        );
    }
}
