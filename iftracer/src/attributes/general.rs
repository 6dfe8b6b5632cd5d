//! OpenTelemetry's general conventions that no one vocabulary owns: errors, exceptions, users.
//! Every vocabulary writes them under these names.
//!
//! ```
//! assert_eq!(iftracer::attributes::general::ERROR_TYPE, "error.type");
//! ```

/// The error's type (a class or a short code), on a failed operation's span.
pub const ERROR_TYPE: &str = "error.type";
/// The end user's id.
pub const USER_ID: &str = "user.id";
/// The exception's type, on an `exception` event.
pub const EXCEPTION_TYPE: &str = "exception.type";
/// The exception's message, on an `exception` event.
pub const EXCEPTION_MESSAGE: &str = "exception.message";
/// Whether the exception left the span's scope, on an `exception` event.
pub const EXCEPTION_ESCAPED: &str = "exception.escaped";
