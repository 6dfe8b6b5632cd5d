//! Capturing arguments, return values and errors without demanding traits of them: a value is
//! captured as JSON when it implements `Serialize` and skipped otherwise; an error is described
//! by `Display`, else `Debug`. Both use autoref specialisation, resolved at compile time per
//! call site: the by-value impl applies when its bound holds, the by-reference fallback
//! otherwise.

use serde::Serialize;

/// Wraps a value for [`CaptureSerialize`] / [`CaptureFallback`].
pub struct Capture<'a, T: ?Sized>(pub &'a T);

/// Chosen when the value is `Serialize`.
pub trait CaptureSerialize {
    /// The value as JSON.
    fn capture_json(&self) -> Option<serde_json::Value>;
}

impl<T: Serialize + ?Sized> CaptureSerialize for Capture<'_, T> {
    fn capture_json(&self) -> Option<serde_json::Value> {
        serde_json::to_value(self.0).ok()
    }
}

/// Chosen otherwise: nothing is captured.
pub trait CaptureFallback {
    /// Always `None`.
    fn capture_json(&self) -> Option<serde_json::Value>;
}

impl<T: ?Sized> CaptureFallback for &Capture<'_, T> {
    fn capture_json(&self) -> Option<serde_json::Value> {
        None
    }
}

/// Wraps an error for [`ErrorDisplay`] / [`ErrorDebug`].
pub struct CaptureError<'a, T: ?Sized>(pub &'a T);

/// Chosen when the error is `Display`.
pub trait ErrorDisplay {
    /// The error's message.
    fn error_message(&self) -> String;
}

impl<T: std::fmt::Display + ?Sized> ErrorDisplay for CaptureError<'_, T> {
    fn error_message(&self) -> String {
        self.0.to_string()
    }
}

/// Chosen otherwise: `Debug`.
pub trait ErrorDebug {
    /// The error's `Debug` text.
    fn error_message(&self) -> String;
}

impl<T: std::fmt::Debug + ?Sized> ErrorDebug for &CaptureError<'_, T> {
    fn error_message(&self) -> String {
        format!("{:?}", self.0)
    }
}

#[cfg(test)]
// The explicit `&` selects the implementation; it is the mechanism under test.
#[allow(clippy::needless_borrow)]
mod tests {
    use super::*;

    struct Opaque;

    #[derive(Debug)]
    struct OnlyDebug;

    #[test]
    fn serialize_values_are_captured_and_others_skipped() {
        assert_eq!(
            (&Capture(&vec![1, 2])).capture_json(),
            Some(serde_json::json!([1, 2]))
        );
        assert_eq!(
            (&Capture("text")).capture_json(),
            Some(serde_json::json!("text"))
        );
        assert_eq!((&Capture(&Opaque)).capture_json(), None);
    }

    #[test]
    fn errors_prefer_display_then_debug() {
        let io = std::io::Error::other("disk full");
        assert_eq!((&CaptureError(&io)).error_message(), "disk full");
        assert_eq!((&CaptureError(&OnlyDebug)).error_message(), "OnlyDebug");
    }
}
