//! Attribute macros `#[workflow]`, `#[task]`, `#[agent]` and `#[tool]` for iftracer.
//!
//! Not implemented yet: this crate reserves its place in the workspace.
