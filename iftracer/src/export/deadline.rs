//! The export timeout, enforced in one place: [`within`] bounds a whole export (the managed
//! exporter's batch with its split requests and retries, a metrics export), and what runs inside
//! reads the same deadline instead of keeping a budget of its own: the retry loops stop before a
//! wait would cross it ([`deadline_or_now`]), and gRPC tells the server what is left of it
//! (`grpc-timeout`, [`time_left`]).

use std::future::Future;
use std::time::Instant;

tokio::task_local! {
    /// The deadline of the export being made on this task.
    static DEADLINE: Instant;
}

/// Runs `export` until `deadline`: `None` when it did not finish by then (the rest of it is
/// dropped, connections and waits included).
pub(crate) async fn within<F: Future>(deadline: Instant, export: F) -> Option<F::Output> {
    DEADLINE
        .scope(deadline, async {
            tokio::time::timeout_at(deadline.into(), export).await.ok()
        })
        .await
}

/// The deadline of the export in progress; outside one (iftracer never exports outside one),
/// now: one attempt and no retry.
#[cfg(any(feature = "grpc-tonic", feature = "http-proto"))]
pub(crate) fn deadline_or_now() -> Instant {
    DEADLINE
        .try_with(|deadline| *deadline)
        .unwrap_or_else(|_| Instant::now())
}

/// What is left of the export's deadline, if one is in progress.
#[cfg(feature = "grpc-tonic")]
pub(crate) fn time_left() -> Option<std::time::Duration> {
    DEADLINE
        .try_with(|deadline| deadline.saturating_duration_since(Instant::now()))
        .ok()
}

#[cfg(all(test, feature = "grpc-tonic"))]
mod tests {
    use super::*;
    use std::time::Duration;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn an_export_sees_its_deadline_and_ends_by_it() {
        let deadline = Instant::now() + Duration::from_millis(200);
        let seen = runtime().block_on(within(deadline, async { deadline_or_now() }));
        assert_eq!(seen, Some(deadline));
        let started = Instant::now();
        let hung = runtime().block_on(within(deadline, std::future::pending::<()>()));
        assert_eq!(hung, None);
        assert!(started.elapsed() < Duration::from_secs(2));
        let left = runtime().block_on(within(Instant::now() + Duration::from_secs(5), async {
            time_left()
        }));
        assert!(left.flatten().unwrap() > Duration::from_secs(4), "{left:?}");
    }

    #[test]
    fn outside_an_export_the_deadline_is_now() {
        assert!(deadline_or_now() <= Instant::now());
        assert_eq!(time_left(), None);
    }
}
