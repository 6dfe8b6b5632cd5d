//! Batching and span limits: queue, batch size, delay, attribute/event/link counts.

use std::time::Duration;

use super::env::*;
use super::resolve::{builder, zero};
use super::{
    DEFAULT_MAX_ATTRIBUTES_PER_SPAN, DEFAULT_MAX_EXPORT_BATCH_SIZE, DEFAULT_MAX_QUEUE_SIZE,
    DEFAULT_SCHEDULED_DELAY, Settings,
};
use crate::error::{Error, Setting};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchSettings {
    pub(crate) max_queue_size: usize,
    pub(crate) max_export_batch_size: usize,
    pub(crate) scheduled_delay: Duration,
}

pub(crate) fn resolve_batch(settings: &Settings, env: &Env<'_>) -> Result<BatchSettings, Error> {
    const POSITIVE: &str = "a whole number above 0";
    let count = |var| positive_number(env, var, POSITIVE);
    let max_queue_size = builder(settings.max_queue_size, ".max_queue_size()")
        .nonzero(POSITIVE)?
        .or_lenient_env(OTEL_BSP_MAX_QUEUE_SIZE, count)?
        .or(DEFAULT_MAX_QUEUE_SIZE);
    let max_export_batch_size = builder(settings.max_export_batch_size, ".max_export_batch_size()")
        .nonzero(POSITIVE)?
        .or_lenient_env(OTEL_BSP_MAX_EXPORT_BATCH_SIZE, count)?
        .or(DEFAULT_MAX_EXPORT_BATCH_SIZE)
        // As the SDK does: a batch larger than the queue could never fill.
        .min(max_queue_size);
    let scheduled_delay = builder(settings.scheduled_delay, ".scheduled_delay()")
        .or_lenient_env(OTEL_BSP_SCHEDULE_DELAY, |var| env.millis(var))?
        .or(DEFAULT_SCHEDULED_DELAY);
    Ok(BatchSettings {
        max_queue_size,
        max_export_batch_size,
        scheduled_delay,
    })
}

const LIMIT: &str = "a whole number above 0 (at most 4294967295)";

pub(crate) fn resolve_attribute_limit(settings: &Settings, env: &Env<'_>) -> Result<u32, Error> {
    Ok(builder(
        settings.max_attributes_per_span,
        ".max_attributes_per_span()",
    )
    .nonzero(LIMIT)?
    .or_lenient_env(OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, |var| limit_in(env, var))?
    .or(DEFAULT_MAX_ATTRIBUTES_PER_SPAN))
}

/// A span count limit from `var`: set explicitly on the SDK, which would otherwise read the
/// process environment itself.
pub(crate) fn limit_in(env: &Env<'_>, var: &'static str) -> Result<Option<u32>, Error> {
    positive_number(env, var, LIMIT)
}

fn positive_number<T: std::str::FromStr + PartialEq + Default>(
    env: &Env<'_>,
    var: &'static str,
    expected: &'static str,
) -> Result<Option<T>, Error> {
    match env.number::<T>(var, expected)? {
        Some(value) if value == T::default() => Err(zero(Setting::Env(var), expected)),
        other => Ok(other),
    }
}
