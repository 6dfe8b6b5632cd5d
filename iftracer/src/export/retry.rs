//! Retrying a failed export: which answers are worth another attempt, how long to wait between
//! attempts, and the one deadline that bounds an export.
//!
//! The waits grow exponentially with jitter, so many processes that lost the same collector do
//! not come back in lockstep. A server's own hint (HTTP `Retry-After`, gRPC `RetryInfo`) replaces
//! the computed wait. Nothing ever waits past the deadline: an attempt whose wait would cross it
//! is not made and the last answer stands, so one batch never holds the export thread (and with
//! it `shutdown()`) for longer than the export timeout.
//!
//! The deadline is the export's own ([`deadline`](crate::export::deadline)): the loops here have
//! no budget of their own. They run inside iftracer's HTTP and gRPC clients, for traces and
//! metrics alike, where the answer is visible and the request can be resent as is.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

/// First wait after a failed attempt.
pub(crate) const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
/// Longest computed wait between two attempts (a server's `Retry-After` may ask for more).
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// What to do after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Success, or a failure another attempt cannot fix (401, 400, 413, …).
    Final,
    /// A transient failure; `hint` is the server's requested wait, if it gave one.
    Retry { hint: Option<Duration> },
}

/// Runs `attempt` until `verdict` says [`Verdict::Final`] or the next wait would end after
/// `deadline`, and returns the last outcome.
pub(crate) async fn until_deadline<T, F, Fut>(
    deadline: Instant,
    mut attempt: F,
    verdict: impl Fn(&T) -> Verdict,
) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let mut backoff = INITIAL_BACKOFF;
    loop {
        let outcome = attempt().await;
        let Verdict::Retry { hint } = verdict(&outcome) else {
            return outcome;
        };
        // A hint of zero (`Retry-After: 0`, a date in the past) must not make a tight loop.
        let floor = jittered(backoff);
        let wait = hint.map_or(floor, |hint| hint.max(floor));
        backoff = (backoff * 2).min(MAX_BACKOFF);
        match Instant::now().checked_add(wait) {
            Some(resume) if resume < deadline => tokio::time::sleep(wait).await,
            _ => return outcome,
        }
    }
}

/// Between half and all of `backoff` ("equal jitter"): never zero, never in lockstep.
fn jittered(backoff: Duration) -> Duration {
    let half = backoff / 2;
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    // A cheap mix of the clock's low bits is random enough to spread retries apart.
    let spread = u64::from(nanos.wrapping_mul(2_654_435_761)) % (half.as_nanos() as u64 + 1);
    half + Duration::from_nanos(spread)
}

/// The OTLP/HTTP rule: 429, 502, 503 and 504 are transient, any other status is final.
/// A `Retry-After` (seconds or an HTTP date) on such an answer sets the wait.
pub(crate) fn http_verdict(status: u16, retry_after: Option<&str>) -> Verdict {
    match status {
        429 | 502 | 503 | 504 => Verdict::Retry {
            hint: retry_after.and_then(parse_retry_after),
        },
        _ => Verdict::Final,
    }
}

/// `Retry-After: 120` or `Retry-After: Fri, 31 Dec 1999 23:59:59 GMT`; a date in the past means
/// "now". Unparsable values are ignored (the computed backoff applies).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn only_throttling_and_gateway_statuses_are_retried() {
        for status in [429, 502, 503, 504] {
            assert_eq!(http_verdict(status, None), Verdict::Retry { hint: None });
        }
        for status in [200, 400, 401, 403, 404, 413, 500, 501] {
            assert_eq!(http_verdict(status, None), Verdict::Final, "{status}");
        }
        assert_eq!(
            http_verdict(429, Some(" 3 ")),
            Verdict::Retry {
                hint: Some(Duration::from_secs(3))
            }
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT"),
            Some(Duration::ZERO),
            "a past date means now"
        );
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let wait = parse_retry_after(&soon).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_backoff() {
        for _ in 0..100 {
            let wait = jittered(Duration::from_millis(200));
            assert!(wait >= Duration::from_millis(100) && wait <= Duration::from_millis(200));
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn retries_until_success() {
        let attempts = AtomicU32::new(0);
        let outcome = runtime().block_on(until_deadline(
            Instant::now() + Duration::from_secs(60),
            || async { attempts.fetch_add(1, Ordering::Relaxed) + 1 },
            |n| {
                if *n < 4 {
                    // The server's hint replaces the computed backoff: no real waiting here.
                    Verdict::Retry {
                        hint: Some(Duration::ZERO),
                    }
                } else {
                    Verdict::Final
                }
            },
        ));
        assert_eq!(outcome, 4);
    }

    #[test]
    fn gives_up_before_a_wait_would_cross_the_deadline() {
        let attempts = AtomicU32::new(0);
        // A server asking for 10 s with 1 s left: no second attempt.
        let outcome = runtime().block_on(until_deadline(
            Instant::now() + Duration::from_secs(1),
            || async { attempts.fetch_add(1, Ordering::Relaxed) + 1 },
            |_| Verdict::Retry {
                hint: Some(Duration::from_secs(10)),
            },
        ));
        assert_eq!(outcome, 1);
    }

    #[test]
    fn final_answers_are_not_retried() {
        let attempts = AtomicU32::new(0);
        let outcome = runtime().block_on(until_deadline(
            Instant::now() + Duration::from_secs(60),
            || async { attempts.fetch_add(1, Ordering::Relaxed) + 1 },
            |_| Verdict::Final,
        ));
        assert_eq!(outcome, 1);
    }

    #[test]
    fn a_zero_hint_still_waits_the_backoff() {
        // `Retry-After: 0` on every answer, for one second: the computed backoff applies
        // (≥ 50 ms, 100 ms, 200 ms, 400 ms), so a handful of attempts, not a tight loop.
        let outcome = runtime().block_on(until_deadline(
            Instant::now() + Duration::from_secs(1),
            || async { 1 },
            |_| Verdict::Retry {
                hint: Some(Duration::ZERO),
            },
        ));
        let attempts = AtomicU32::new(0);
        runtime().block_on(until_deadline(
            Instant::now() + Duration::from_secs(1),
            || async { attempts.fetch_add(1, Ordering::Relaxed) },
            |_| Verdict::Retry {
                hint: Some(Duration::ZERO),
            },
        ));
        assert_eq!(outcome, 1);
        let attempts = attempts.load(Ordering::Relaxed);
        assert!((3..=6).contains(&attempts), "{attempts} attempts in 1 s");
    }
}
