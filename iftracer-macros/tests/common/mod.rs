//! A global pipeline exporting to the SDK's in-memory exporter, one test at a time (the macros
//! use the globally registered provider).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use iftracer::opentelemetry::Value;
use iftracer::opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use iftracer::{ExportMode, Iftracer, TracerGuard};

static LOCK: Mutex<()> = Mutex::new(());

pub struct Harness {
    pub exporter: InMemorySpanExporter,
    guard: Option<TracerGuard>,
    _lock: MutexGuard<'static, ()>,
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with(|b| b)
    }

    pub fn with(
        configure: impl FnOnce(iftracer::IftracerBuilder) -> iftracer::IftracerBuilder,
    ) -> Harness {
        let lock = LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let exporter = InMemorySpanExporter::default();
        let builder = Iftracer::builder()
            .ignore_env()
            .exporter(exporter.clone())
            .export_mode(ExportMode::Simple);
        let guard = configure(builder).init().unwrap();
        Harness {
            exporter,
            guard: Some(guard),
            _lock: lock,
        }
    }

    pub fn spans(&self) -> Vec<SpanData> {
        self.exporter.get_finished_spans().unwrap()
    }

    pub fn span(&self, name: &str) -> SpanData {
        let spans = self.spans();
        spans
            .iter()
            .find(|s| s.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("no span {name:?} in {:?}", names(&spans)))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(guard) = self.guard.take() {
            let _ = guard.shutdown();
        }
    }
}

pub fn names(spans: &[SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}

pub fn attrs(span: &SpanData) -> BTreeMap<String, Value> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

pub fn attr(span: &SpanData, key: &str) -> Option<String> {
    attrs(span).get(key).map(|v| v.as_str().into_owned())
}
