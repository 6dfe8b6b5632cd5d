//! OpenTelemetry spans for the Temporal Rust SDK, wire-compatible with the `TracingInterceptor`
//! of the Python, .NET and TypeScript SDKs.
//!
//! Not implemented yet: this crate reserves its place in the workspace.
