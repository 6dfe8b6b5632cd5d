//! The runtime behind `#[workflow]`, `#[task]`, `#[agent]` and `#[tool]`. Generated code calls
//! only what `iftracer::__private` re-exports from here, so the logic lives (and is tested) in
//! one place and macro output stays small.

mod capture;
mod entity;
mod future;
mod stream;

pub use capture::{
    Capture, CaptureError, CaptureFallback, CaptureSerialize, Content, ErrorDebug, ErrorDisplay,
    JsonObject,
};
pub use entity::{Entity, EntityGuard, Kind, Recorder, Site, type_name_of as entity_type_name};
pub use future::Instrumented;
pub use stream::InstrumentedStream;
