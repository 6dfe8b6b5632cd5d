//! Which workflow spans this process has already emitted.
//!
//! Replay is detected through the SDK's `is_replaying_history_events()`, but Temporal core
//! reports a legacy query task (a query on a workflow that is not in the worker's cache) as not
//! replaying while it rebuilds the workflow from history, so the spans of the history would be
//! emitted again. Each workflow span therefore has a deterministic key, its run id and its
//! position among the run's workflow spans, and a key already emitted is skipped. Bounded, so
//! memory stays flat in a long-running worker.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, PoisonError};

/// Keys remembered; older ones are forgotten first.
const CAPACITY: usize = 65_536;

#[derive(Default)]
struct Seen {
    keys: HashSet<u64>,
    order: VecDeque<u64>,
}

static SEEN: Mutex<Option<Seen>> = Mutex::new(None);

/// The key of the `ordinal`-th workflow span of run `run_id`.
pub(crate) fn key(run_id: &str, ordinal: u64, name: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    (run_id, ordinal, name).hash(&mut hasher);
    hasher.finish()
}

/// Records `key`; `false` when it was already recorded.
pub(crate) fn first_time(key: u64) -> bool {
    let mut guard = SEEN.lock().unwrap_or_else(PoisonError::into_inner);
    let seen = guard.get_or_insert_with(Seen::default);
    if !seen.keys.insert(key) {
        return false;
    }
    seen.order.push_back(key);
    if seen.order.len() > CAPACITY
        && let Some(oldest) = seen.order.pop_front()
    {
        seen.keys.remove(&oldest);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_emitted_once_and_memory_is_bounded() {
        let k = key("run-a", 0, "RunWorkflow:W");
        assert!(first_time(k));
        assert!(!first_time(k));
        assert_ne!(k, key("run-a", 1, "RunWorkflow:W"));
        assert_ne!(k, key("run-b", 0, "RunWorkflow:W"));
        for i in 0..(CAPACITY as u64 + 10) {
            first_time(key("run-c", i, "StartActivity:a"));
        }
        let len = SEEN.lock().unwrap().as_ref().unwrap().keys.len();
        assert!(len <= CAPACITY, "{len}");
    }
}
