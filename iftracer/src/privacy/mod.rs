//! Privacy controls applied in-process, before any span leaves it: content capture, a per-value
//! length cap, redaction and hashing of user and session ids.

mod redact;

pub use redact::{Detector, Redactor};
